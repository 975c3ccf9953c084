"""Scheduled reports: definitions with their next run, a run on demand, run history, files to download."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.lib import report_center as rc
from app.lib import ui
from app.lib import warehouse as wh
from app.lib.i18n import get_lang
from ledgerbridge.reports.render import MIME

st.title(rc.tr("page"))
user = ui.require_page()
try:
    ctx = rc.reporting()
except Exception as exc:  # a broken reports.toml is shown, not raised
    st.error(rc.tr("no_config", error=wh.redact(str(exc))))
    st.stop()

st.subheader(rc.tr("definitions"))
defs = rc.definitions(ctx)
rc.show(defs, "sr_definitions")

st.subheader(rc.tr("trigger"))
if not rc.can_trigger(user):
    st.info(rc.tr("not_allowed"))
else:
    st.caption(rc.tr("trigger_help"))
    known = rc.periods()
    with st.form("sr_trigger"):
        c1, c2 = st.columns(2)
        report_id = c1.selectbox(
            rc.tr("report"),
            list(ctx.reports),
            key="sr_report",
            format_func=lambda r: f"{ctx.reports[r].title.get(get_lang())} ({r})",
        )
        period = (
            c2.selectbox(rc.tr("period"), known, key="sr_period")
            if known
            else c2.text_input(rc.tr("period"), key="sr_period", placeholder="YYYY-MM")
        )
        submitted = st.form_submit_button(rc.tr("run_button"))
    if submitted:
        from ledgerbridge.reports.context import utcnow
        from ledgerbridge.reports.runner import request

        with st.spinner("…"):
            try:
                run = request(ctx, report_id, utcnow(), period=period or None, requested_by=user.username)
            except Exception as exc:  # a bad period or a missing warehouse: one line
                run, error = None, str(exc)
            else:
                error = run.error
        if run is not None and run.state == "success":
            n = len(rc.files(ctx, run.run_id, user))
            st.success(rc.tr("run_ok", report=report_id, period=run.period, version=run.version, files=n))
            st.session_state["sr_run"] = run.run_id
        else:
            st.error(rc.tr("run_failed", error=wh.redact(str(error))))

st.subheader(rc.tr("history"))
hist = rc.history(ctx)
if hist.empty:
    st.info(rc.tr("no_runs"))
    st.stop()
rc.show(hist.drop(columns=["run_id"]), "sr_history")

params = st.query_params
wanted = params.get("run") or (rc.run_file_of(ctx, params["file"]) if params.get("file") else None)
ids = hist["run_id"].tolist()
default = st.session_state.get("sr_run") or wanted
labels = {
    r.run_id: " · ".join(
        [
            f"{r.report_id} {r.period or ''}",
            "" if pd.isna(r.version) else f"v{int(r.version):03d}",
            r.state,
            r.started_at,
        ]
    )
    for r in hist.itertuples()
}
choice = st.selectbox(
    rc.tr("run"),
    ids,
    index=ids.index(default) if default in ids else 0,
    format_func=labels.get,
    key="sr_choice",
)

st.markdown(f"**{rc.tr('files')}**")
files = rc.files(ctx, choice, user)
if files.empty:
    st.info(rc.tr("no_files"))
for f in files.itertuples():
    c1, c2, c3 = st.columns([5, 2, 1])
    c1.write(f"`{f.scope_key}` {f.file_name}")
    c2.caption(f"{f.size_bytes:,} B · sha256 {f.sha256[:12]}…")
    if user.can("download"):
        c3.download_button(
            rc.tr("download"),
            # the user taken now: the button builds the bytes outside this script run
            data=lambda fid=f.file_id, who=user: rc.archived_file_bytes(ctx, fid, who),
            file_name=f.file_name,
            key=f"sr_dl_{f.file_id}",
            mime=MIME.get(f.fmt),
        )

st.markdown(f"**{rc.tr('deliveries')}**")
rc.show(rc.deliveries(ctx, choice), "sr_deliveries")
