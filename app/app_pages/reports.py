"""Financial reports: the three statements in the form's layout, the trial balance,
agings, expenses and margins - for one org or the group - each figure drilling down
to its accounts, GL lines and source documents."""

from __future__ import annotations

import streamlit as st

from app.lib import consolidation, drill, fmt, statements, ui
from app.lib import warehouse as wh
from app.lib.i18n import t

STATEMENTS = ("balance_sheet", "income_statement", "cash_flow_statement")
LISTS = ("trial_balance", "ar_aging", "ap_aging", "expense_by_department", "sales_margin")

st.title(t("page_reports"))
ui.guard()
f = ui.filters("rp", multi_org=False, period_range=False, group=True)
org, period = f["org"], f["period"]
is_group = org == drill.GROUP
# the group's own rows for a user granted every org, else a consolidation over the user's orgs
names, requests = consolidation.report_requests(f, wh.scope())
results = dict(zip(names, wh.fetch_many(requests), strict=True))
if is_group:
    results["trial_balance"] = results.pop("trial_balance_consolidated")
orgs = f.get("org_names", {})

tab_names = [*STATEMENTS, *LISTS] + (["eliminations"] if is_group else [])
tabs = dict(zip(tab_names, st.tabs([t(n) for n in tab_names]), strict=True))

for name in STATEMENTS:
    with tabs[name]:
        df = ui.rows(results[name])
        if df is None:
            continue
        currency = str(df["currency"].iloc[0])
        st.caption(t("fs_heading", org=ui.org_label_of(org), p=period, cur=currency))
        table = statements.form(df, name)
        st.dataframe(
            statements.styled(table, df.set_index("line_code")["kind"]),
            key=f"rp_{name}",
            hide_index=True,
            column_config=statements.column_config(table),
            width="stretch",
            height=min(36 * (len(table) + 1), 2400),
        )
        if name == "balance_sheet":
            ok, assets, right = statements.balance_check(df)
            (st.success if ok else st.error)(
                t("fs_balanced" if ok else "fs_unbalanced", a=fmt.money(assets), b=fmt.money(right))
            )
        if name == "cash_flow_statement":
            unclassified = ui.quiet(results["cash_flow_unclassified"])
            if unclassified is not None and not unclassified.empty:
                with st.expander(t("cf_unclassified", n=len(unclassified))):
                    ui.table(unclassified, "rp_cf_unclassified", f"cash_flow_unclassified_{org}_{period}")
        ui.downloads(df, f"rp_{name}", f"{name}_{org}_{period}")
        with st.expander(t("drill_statement")):
            col = statements.COLUMNS[name][0]
            lines = statements.drillable_lines(df, col)["line_code"].tolist()
            if name == "cash_flow_statement":
                lines = [code for code in lines if code != "CF_OPENING_CASH"]
                drill.cash_flow(f"rp_drill_{name}", lines, org, period, period)
            elif lines:
                drill.figure(f"rp_drill_{name}", name, lines, [org], period, period, orgs)

for name in LISTS:
    with tabs[name]:
        df = ui.rows(results[name])
        if df is None:
            continue
        if is_group and name == "trial_balance":
            st.caption(t("tb_group_note"))
        ui.table(df, f"rp_{name}", f"{name}_{org}_{period}")

if is_group:
    with tabs["eliminations"]:
        df = ui.result(results["eliminations"])
        if df is not None:
            st.caption(t("eliminations_note"))
            if df.empty:
                st.info(t("no_eliminations"))
            else:
                ui.table(df, "rp_eliminations", f"eliminations_{period}")

# --- drill-down: account → GL lines → document chain ---------------------------------
tb = ui.quiet(results["trial_balance"])
st.subheader(t("drill_account"))
if is_group:
    st.info(t("drill_needs_org"))
elif tb is not None and not tb.empty:
    names = tb["account_name"] if "account_name" in tb.columns else [""] * len(tb)
    labels = {str(a): f"{a} {n or ''}".strip() for a, n in zip(tb["account_code"], names, strict=True)}
    acct = st.selectbox(
        t("account"),
        [""] + list(labels),
        key="rp_drill_account",
        format_func=lambda a, none=t("no_account"): labels.get(a, none),
    )
    if acct:
        row = tb[tb["account_code"].astype(str) == acct].iloc[0]
        drill.gl_lines(
            "rp_gl", org, acct, period, period, totals=(row.get("period_debit"), row.get("period_credit"))
        )
