"""Integration monitor: sources, runs, errors, quarantine, dbt tests, unmapped codes, recon trend."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import access, charts, monitor, ui
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import code_label, t

st.title(t("page_monitor"))
ui.guard()
history, q_counts, q_rows, dq_counts, dq_rows, dbt_res, unmapped, recon_trend = wh.fetch_many(
    Q.page_requests("monitor", {"orgs": [], "org": "", "p0": "", "p1": "", "period": ""})
)
details = access.allowed("monitor_details")  # error texts, run steps and quarantined records

st.subheader(t("sources"))
history = ui.result(history)
if history is not None and not history.empty:
    summary = monitor.source_summary(history)
    ui.table(summary.drop(columns=["last_error"]), "mn_sources", "source_status")
    start = "started_at" if "started_at" in history.columns else history.columns[0]
    h = history.copy()
    h["run_date"] = pd.to_datetime(h[start]).dt.strftime("%Y-%m-%d %H:%M")
    src = "source" if "source" in h.columns else "source_name"
    if "rows_loaded" in h.columns:
        runs = h.groupby(["run_date", src], as_index=False)["rows_loaded"].sum().sort_values("run_date")
        st.plotly_chart(
            charts.bar(runs, "run_date", "rows_loaded", t("run_history"), color=src, barmode="stack"),
            key="mn_history",
        )
    st.subheader(t("last_error"))
    failed = summary[summary["last_error"].notna()]
    if failed.empty:
        st.success(t("no_error"))
    for r in failed.itertuples():
        st.markdown(f"**{code_label('source', r.source)}** · {code_label('status', r.status)}")
        if details:
            st.code(wh.redact(r.last_error), language="text")
    with st.expander(t("run_history")):
        ui.table(history, "mn_history_table", "load_history")
elif history is not None:
    st.info(t("no_data"))

st.subheader(t("refresh_runs"))
log = wh.run_log() if details else {}
if log is None:
    st.info(t("no_runs"))
else:
    for name, df in log.items():
        st.caption(t(f"runlog_{name}"))
        err = next((c for c in ("error", "error_message", "traceback") if c in df.columns), None)
        if err and df[err].notna().any():
            st.code(str(df.loc[df[err].notna(), err].iloc[0]), language="text")
        ui.table(df, f"mn_runlog_{name}", f"run_log_{name}")

st.subheader(t("quarantine"))
q_counts = ui.result(q_counts)
if q_counts is not None:
    if not q_counts.empty:
        st.plotly_chart(
            charts.bar(q_counts, "table_name", "row_count", t("quarantine"), color="reason", barmode="stack"),
            key="mn_quarantine",
        )
    ui.table(q_counts, "mn_quarantine_counts", "quarantine_counts")
    rows = ui.quiet(q_rows)
    if rows is not None:
        ui.table(rows, "mn_quarantine_rows", "quarantine_rows")

st.subheader(t("data_quality"))
dq_counts = ui.quiet(dq_counts)  # absent from a warehouse built before ingestion recorded findings
if dq_counts is not None:
    if dq_counts.empty:
        st.success(t("no_findings"))
    else:
        ui.table(dq_counts, "mn_dq_counts", "data_quality_counts")
        rows = ui.quiet(dq_rows)
        if rows is not None:
            ui.table(rows, "mn_dq_rows", "data_quality_rows")

st.subheader(t("dbt_tests"))
if isinstance(dbt_res, wh.ModelMissing):
    dbt_res = wh.fetch_many([("dbt_results_any", ())])[0]
dbt_res = ui.result(dbt_res)
if dbt_res is not None and not dbt_res.empty:
    if "status" in dbt_res.columns:
        cnt = dbt_res.groupby("status", as_index=False).size().rename(columns={"size": "test_count"})
        cols = st.columns(max(1, len(cnt)))
        for c, r in zip(cols, cnt.itertuples(), strict=False):
            c.metric(str(code_label("status", r.status)), f"{int(r.test_count):,}")
        bad = dbt_res[~dbt_res["status"].astype(str).str.lower().isin(["pass", "success"])]
        dbt_res = pd.concat([bad, dbt_res.drop(bad.index)])
    ui.table(dbt_res, "mn_dbt", "dbt_results")

st.subheader(t("unmapped"))
unmapped = ui.result(unmapped)
if unmapped is not None:
    ui.table(unmapped, "mn_unmapped", "unmapped_codes")

st.subheader(t("recon_trend"))
trend = ui.quiet(recon_trend)
if trend is None:  # fall back to the reconciliation items themselves
    trend = ui.fetch("recon_open_trend", ui.default_filters()["orgs"])
if trend is not None and not trend.empty:
    y = ui.pick(trend, ["open_count", "item_count", "exception_count", "n_open", "count"], numeric=True)
    color = "recon_status" if "recon_status" in trend.columns else None
    if "period" in trend.columns and y:
        st.plotly_chart(
            charts.bar(trend, "period", y, t("recon_trend"), color=color, barmode="stack"),
            key="mn_recon_trend",
        )
    ui.table(
        trend.sort_values("period") if "period" in trend.columns else trend,
        "mn_recon_trend_table",
        "recon_trend",
    )

# --- alerts (rules in reports.toml; state in the operational database) ------------------------
from app.lib import report_center as rc  # noqa: E402

st.subheader(rc.tr("alerts"))
alert_states = alert_events = None
if rc.has_ops_database():  # nothing ran yet: no alerts, and no database created by looking
    try:
        alert_states, alert_events = rc.alerts(rc.reporting())
    except Exception as exc:  # a broken reports.toml or ops database is shown, not raised
        st.warning(rc.tr("no_config", error=exc))
if alert_states is None or alert_states.empty:
    st.success(rc.tr("no_alerts"))
else:
    rc.show(alert_states, "mn_alert_states")
    with st.expander(rc.tr("alert_history")):
        rc.show(alert_events, "mn_alert_events")
