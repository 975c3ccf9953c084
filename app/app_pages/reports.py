"""Financial reports with drill-down: figure → GL lines → document chain."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import chain, fmt, ui
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import t

REPORTS = (
    "trial_balance",
    "income_statement",
    "balance_sheet",
    "ar_aging",
    "ap_aging",
    "expense_by_department",
    "sales_margin",
)

st.title(t("page_reports"))
ui.guard()
f = ui.filters("rp", multi_org=False, period_range=False, group=True)
results = dict(zip(REPORTS, wh.fetch_many(Q.page_requests("reports", f)), strict=True))

# currency filter: offered when a report carries a currency column
currencies = sorted(
    {
        str(c)
        for r in results.values()
        if isinstance(r, pd.DataFrame) and "currency" in r.columns
        for c in r["currency"].dropna().unique()
    }
)
cur = None
if len(currencies) > 1:
    cur = st.selectbox(t("currency"), [t("all"), *currencies], key="rp_currency")
    cur = None if cur == t("all") else cur


def _filtered(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["currency"] == cur] if cur and "currency" in df.columns else df


tabs = st.tabs([t(r) for r in REPORTS])
for tab, name in zip(tabs, REPORTS, strict=True):
    with tab:
        df = ui.result(results[name])
        if df is None:
            continue
        if df.empty:
            st.info(t("no_data"))
            continue
        ui.table(_filtered(df), f"rp_{name}", f"{name}_{f['org']}_{f['period']}")

# --- drill-down: account → GL lines → document chain ---------------------------------
tb = ui.quiet(results["trial_balance"])
st.subheader(t("drill_account"))
if f["org"] == "GROUP":
    st.info(t("drill_needs_org"))
elif tb is not None and not tb.empty:
    name_col = "account_name" if "account_name" in tb.columns else None
    labels = {
        str(r["account_code"]): f"{r['account_code']} {r[name_col] if name_col else ''}".strip()
        for _, r in tb.iterrows()
    }
    acct = st.selectbox(
        t("account"),
        [""] + list(labels),
        key="rp_drill_account",
        format_func=lambda a: labels.get(a, t("no_account")),
    )
    if acct:
        lines = ui.fetch("gl_lines_account", f["org"], f["period"], acct)
        if lines is not None:
            row = tb[tb["account_code"].astype(str) == acct].iloc[0]
            st.caption(
                t("gl_lines_of", acct=labels[acct], p=f["period"], n=len(lines))
                + f" · {t('debit')} {fmt.money(lines['debit'].sum())} / {t('credit')} "
                f"{fmt.money(lines['credit'].sum())}"
                + (
                    f" (TB: {fmt.money(row.get('period_debit'))} / {fmt.money(row.get('period_credit'))})"
                    if "period_debit" in tb.columns
                    else ""
                )
            )
            ui.table(lines, "rp_gl_lines", f"gl_{f['org']}_{f['period']}_{acct}")
            docs = sorted(lines["source_document_no"].dropna().astype(str).unique().tolist())
            st.subheader(t("drill_doc"))
            doc = st.selectbox(
                t("source_document"), [""] + docs, key="rp_drill_doc", format_func=lambda d: d or t("no_doc")
            )
            if doc:
                try:
                    events, gl = chain.document_chain(doc)
                except (wh.ModelMissing, wh.QueryFailed) as exc:
                    ui.result(exc)
                else:
                    st.markdown(f"**{t('doc_chain', doc=doc)}**")
                    st.caption(t("chain_events"))
                    if not events.empty and "event_type" in events.columns:
                        st.markdown(
                            " → ".join(
                                f"`{e}` {d}"
                                for e, d in zip(events["event_type"], events["document_no"], strict=False)
                            )
                        )
                    ui.table(events, "rp_chain_events", f"chain_{doc}")
                    st.caption(t("chain_vouchers"))
                    ui.table(gl, "rp_chain_gl", f"chain_gl_{doc}")
