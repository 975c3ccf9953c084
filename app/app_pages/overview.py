"""Management overview: KPIs with comparisons, monthly trend, breakdowns."""

from __future__ import annotations

import streamlit as st

from app.lib import charts, consolidation, drill, fmt, kpi, ui
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import get_lang, t

st.title(t("page_overview"))
ui.guard()
f = ui.filters("ov", default_range="closed_month")
# the group's own rows (GROUP) only for a user granted every org; others get a consolidation
# computed over their orgs (app.lib.consolidation)
scope = wh.scope()
f["consolidated"] = consolidated = scope.full and kpi.is_consolidated(f["orgs"], f["all_orgs"])
st.caption(t("kpi_range_default"))
kpis, aging, recon_open, margin, expense = wh.fetch_many(Q.page_requests("overview", f))
all_kpis = ui.result(kpis)
prev, ly = kpi.comparison_ranges(f["p0"], f["p1"])
kpis, group_label = (None, None) if all_kpis is None else consolidation.kpis(all_kpis, f["orgs"], scope)
currencies = (
    [] if kpis is None or "currency" not in kpis.columns else sorted(kpis["currency"].dropna().unique())
)
scope_label = group_label or ", ".join(f["orgs"])
st.caption(t("kpis_for", orgs=scope_label, p0=f["p0"], p1=f["p1"]) + (f" · {'/'.join(currencies)}"))
if len(currencies) > 1:
    st.warning(t("mixed_currency"))

if kpis is not None:
    table = kpi.kpi_table(kpis, f["p0"], f["p1"])
    prev_label = t("prev_period", p=ui.period_range(*prev))
    ly_label = t("ly_period", p=ui.period_range(*ly))
    cols = st.columns(4)
    for i, row in enumerate(table.itertuples()):
        with cols[i % 4]:
            ui.metric(
                t(row.kpi),
                row.current,
                row.previous,
                row.last_year,
                prev_label,
                ly_label,
                inverse=row.kpi in ("opex", "ap"),
            )
    aging_df = ui.quiet(aging)
    open_df = ui.quiet(recon_open)
    with cols[len(table) % 4]:
        if aging_df is not None and "currency" in aging_df.columns and aging_df["currency"].nunique() > 1:
            per_cur = {c: kpi.overdue(g) for c, g in aging_df.groupby("currency")}
            main = "CNY" if "CNY" in per_cur else sorted(per_cur)[0]
            ui.metric(f"{t('overdue_ar')} ({main})", per_cur[main])
            st.caption(" · ".join(f"{c}: {fmt.money(v)}" for c, v in per_cur.items() if c != main))
        else:
            ui.metric(t("overdue_ar"), kpi.overdue(aging_df) if aging_df is not None else None)
    with cols[(len(table) + 1) % 4]:
        if open_df is not None:

            def _open(a: str, b: str) -> float:
                sel = open_df[(open_df["period"] >= a) & (open_df["period"] <= b)]
                return float(sel["open_count"].sum())

            cur_open = _open(f["p0"], f["p1"])
            st.metric(
                t("open_exceptions"),
                f"{int(cur_open):,}",
                delta=f"{int(cur_open - _open(*prev)):+,}",
                delta_color="inverse",
                help=f"{prev_label}: {int(_open(*prev)):,}",
            )
            st.caption(f"{ly_label}: {int(_open(*ly)):,}")
        else:
            st.info(t("model_missing", models="recon_items"))

    # A comparison range with no data (e.g. the year before the first) shows "—", not "None".
    empty = {c: table[c].map(fmt.money) for c in ("previous", "last_year") if table[c].isna().all()}
    show = table.assign(
        **empty,
        kpi=table["kpi"].map(lambda k: t(k)),
        mom_pct=table["mom_pct"].map(fmt.pct),
        yoy_pct=table["yoy_pct"].map(fmt.pct),
    )
    show.columns = [
        t("metric"),
        ui.period_range(f["p0"], f["p1"]),
        prev_label,
        t("vs_prev"),
        ly_label,
        t("vs_ly"),
    ]
    ui.table(show, "ov_kpis", "kpi_comparison")

    with st.expander(t("drill_statement")):
        which = st.selectbox(
            t("metric"),
            list(kpi.KPI_LINES),
            key="ov_drill_kpi",
            format_func=lambda k, lang=get_lang(): t(k, lang),
        )
        statement, lines = kpi.KPI_LINES[which]
        drill.figure(
            "ov_drill",
            statement,
            lines,
            ["GROUP"] if consolidated else f["orgs"],
            f["p0"],
            f["p1"],
            f["org_names"],
        )

    st.subheader(t("trend"))
    # the trend always shows the twelve months to the end of the range
    trend_from = min(p for p in f["periods"] if p >= Q.shift_period(f["p1"], -11))
    monthly = kpi.monthly(kpis, min(trend_from, f["p0"]), f["p1"])
    flows = [c for c in ("revenue", "gross_margin", "opex", "net_profit") if c in monthly.columns]
    if not monthly.empty and flows:
        st.plotly_chart(
            charts.line(monthly, "period", flows, t("trend"), names=[t(c) for c in flows]), key="ov_trend"
        )
    bal = [c for c in ("cash", "ar", "ap") if c in monthly.columns]
    if not monthly.empty and bal:
        st.plotly_chart(
            charts.line(
                monthly, "period", bal, f"{t('cash')} / {t('ar')} / {t('ap')}", names=[t(c) for c in bal]
            ),
            key="ov_balances",
        )

    st.subheader(t("by_org"))
    rev = kpi.kpi_column(kpis, "revenue")
    npf = kpi.kpi_column(kpis, "net_profit")
    if rev:
        org_rows = all_kpis[all_kpis["org_code"].isin(f["orgs"])]
        sel = org_rows[(org_rows["period"] >= f["p0"]) & (org_rows["period"] <= f["p1"])]
        cols_ = [c for c in (rev, npf) if c]
        by_org = sel.groupby("org_code", as_index=False)[cols_].sum()
        st.plotly_chart(charts.bar(by_org, "org_code", cols_, t("by_org")), key="ov_by_org")

c1, c2 = st.columns(2)
with c1:
    st.subheader(t("by_customer"))
    m = ui.result(margin)
    if m is not None and not m.empty:
        who = ui.pick(m, ["customer_name", "customer_code"])
        val = ui.pick(m, ["revenue", "revenue_base", "net_revenue", "sales_amount"], numeric=True)
        if who and val:
            top = m.groupby(who, as_index=False)[val].sum().sort_values(val, ascending=False).head(10)
            st.plotly_chart(charts.bar(top, who, val, t("by_customer"), horizontal=True), key="ov_customer")
        grp = ui.pick(m, ["material_group", "material_group_name"])
        if grp and val:
            st.subheader(t("by_material_group"))
            by_grp = m.groupby(grp, as_index=False)[val].sum().sort_values(val, ascending=False)
            st.plotly_chart(charts.bar(by_grp, grp, val, t("by_material_group")), key="ov_material")
with c2:
    st.subheader(t("by_department"))
    e = ui.result(expense)
    if e is not None and not e.empty:
        dept = ui.pick(e, ["dept_name", "department_name", "dept_code"])
        val = ui.pick(e, ["amount", "amount_base", "expense_amount", "total_amount"], numeric=True)
        if dept and val:
            by_dept = e.groupby(dept, as_index=False)[val].sum().sort_values(val, ascending=False)
            st.plotly_chart(
                charts.bar(by_dept, dept, val, t("by_department"), horizontal=True), key="ov_dept"
            )
