"""ledgerbridge (业财桥) — the Streamlit app's entry point.

Run with ``streamlit run app/streamlit_app.py``. Builds the navigation over
``app_pages/`` and the shared chrome (language switch, warehouse status);
each page reads the published warehouse read-only through ``app.lib.warehouse``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/streamlit_app.py` puts app/ first, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.lib import warehouse as wh  # noqa: E402
from app.lib.i18n import DEFAULT_LANG, LANGS, t  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="业财桥 ledgerbridge", page_icon=":material/account_balance:", layout="wide")

if "lang" not in st.session_state:
    st.session_state["lang"] = DEFAULT_LANG
st.sidebar.radio(
    t("language"),
    LANGS,
    key="lang",
    horizontal=True,
    format_func=lambda code: {"zh": "中文", "en": "English"}[code],
)

pages = [
    st.Page(
        PAGES_DIR / "overview.py",
        title=t("page_overview"),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        PAGES_DIR / "reports.py", title=t("page_reports"), icon=":material/table_chart:", url_path="reports"
    ),
    st.Page(
        PAGES_DIR / "reconciliation.py",
        title=t("page_recon"),
        icon=":material/balance:",
        url_path="reconciliation",
    ),
    st.Page(
        PAGES_DIR / "vouchers.py",
        title=t("page_vouchers"),
        icon=":material/receipt_long:",
        url_path="vouchers",
    ),
    st.Page(
        PAGES_DIR / "monitor.py", title=t("page_monitor"), icon=":material/monitor_heart:", url_path="monitor"
    ),
    st.Page(PAGES_DIR / "sql_console.py", title=t("page_sql"), icon=":material/terminal:", url_path="sql"),
]
nav = st.navigation(pages)

status = wh.status()
with st.sidebar:
    st.caption(f"{t('warehouse')}: `{status.path}`")
    if status.published:
        st.caption(f"{t('published_at')}: {dt.datetime.fromtimestamp(status.published):%Y-%m-%d %H:%M:%S}")

nav.run()
