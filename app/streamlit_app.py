"""ledgerbridge (业财桥) — the Streamlit app's entry point.

Run with ``streamlit run app/streamlit_app.py``. Nothing renders but the login
form until a user signs in (``app.lib.auth``); then the navigation holds the
pages of the user's roles (``app/roles.toml``) and the shared chrome (language
switch, who is signed in, warehouse status). Each page reads the published
warehouse read-only through ``app.lib.warehouse``, which checks the user again.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/streamlit_app.py` puts app/ first, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app.lib import auth, report_center  # noqa: E402
from app.lib import warehouse as wh  # noqa: E402
from app.lib.i18n import DEFAULT_LANG, LANGS, t  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="业财桥 ledgerbridge", page_icon=":material/account_balance:", layout="wide")
# no developer menu or deploy button, no tracebacks in the browser (also in .streamlit/config.toml)
st.set_option("client.toolbarMode", "viewer")
st.set_option("client.showErrorDetails", "none")

if "lang" not in st.session_state:
    st.session_state["lang"] = DEFAULT_LANG
st.sidebar.radio(
    t("language"),
    LANGS,
    key="lang",
    horizontal=True,
    format_func=lambda code: {"zh": "中文", "en": "English"}[code],
)
principal = auth.gate()  # the login form, and stop, without a valid session

pages = [
    st.Page(
        PAGES_DIR / "overview.py",
        title=t("page_overview"),
        icon=":material/dashboard:",
        url_path="overview",
    ),
    st.Page(
        PAGES_DIR / "reports.py", title=t("page_reports"), icon=":material/table_chart:", url_path="reports"
    ),
    st.Page(
        PAGES_DIR / "scheduled_reports.py",
        title=report_center.tr("page"),
        icon=":material/schedule_send:",
        url_path="scheduled_reports",
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
    st.Page(PAGES_DIR / "audit.py", title=t("page_audit"), icon=":material/policy:", url_path="audit"),
    st.Page(PAGES_DIR / "users.py", title=t("page_users"), icon=":material/group:", url_path="users"),
]
# only the pages of the user's roles; the first one is the default
pages = [p for p in pages if principal.can_open(p.url_path)]
auth.sidebar(principal)
if not pages:
    st.warning(t("no_pages"))
    st.stop()
keys = [p.url_path for p in pages]
nav = st.navigation(pages)
auth.set_page(next(k for k, p in zip(keys, pages, strict=True) if p is nav))
auth.record_view(principal, auth.current_page())

status = wh.status()
with st.sidebar:
    if status.published:
        st.caption(f"{t('published_at')}: {dt.datetime.fromtimestamp(status.published):%Y-%m-%d %H:%M:%S}")

nav.run()
