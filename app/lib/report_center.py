"""Data for the scheduled-reports page and the monitor's alerts: definitions with their next run,
run history, archived files, deliveries, alert states. Reads the operational database and the
archive through ``ledgerbridge.reports``; never writes the warehouse.

Who may do what comes from the signed-in user (:mod:`app.lib.access`):

- :func:`current_user` — who is looking (None without a session);
- :func:`can_trigger` — the ``run_reports`` action; :func:`visible_files` — files rendered
  for orgs within the user's grants;
- :func:`audit_download` — every file download goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from pathlib import Path
from typing import Any

import pandas as pd

from app.lib import access
from app.lib.i18n import get_lang

TEXT: dict[str, tuple[str, str]] = {
    "page": ("定时报表", "Scheduled reports"),
    "definitions": ("报表定义", "Definitions"),
    "trigger": ("立即生成", "Run now"),
    "trigger_help": (
        "按所选期间立即生成，并按各接收人的组织权限分别出具文件。",
        "Render now for the chosen period, one file set per recipient's org scope.",
    ),
    "report": ("报表", "Report"),
    "period": ("会计期间", "Period"),
    "run_button": ("生成", "Run"),
    "run_ok": (
        "已生成 {report} {period} 第 {version} 版（{files} 个文件）。",
        "{report} {period} version {version} is ready ({files} files).",
    ),
    "run_failed": ("生成失败：{error}", "The run failed: {error}"),
    "not_allowed": ("您的角色不能手动生成报表。", "Your role cannot run reports."),
    "history": ("运行记录", "Run history"),
    "no_runs": (
        "还没有运行记录。调度器（ledgerbridge scheduler）或上方按钮会生成报表。",
        "No runs yet. The scheduler (ledgerbridge scheduler) or the button above creates them.",
    ),
    "run": ("运行", "Run"),
    "files": ("文件", "Files"),
    "no_files": ("该运行没有可下载的文件。", "This run has no files to download."),
    "download": ("下载", "Download"),
    "deliveries": ("发送记录", "Deliveries"),
    "no_config": ("读取报表配置失败：{error}", "Cannot read the reporting configuration: {error}"),
    "alerts": ("告警", "Alerts"),
    "alert_history": ("告警记录", "Alert history"),
    "no_alerts": ("没有告警。", "No alerts."),
}

STATE_TEXT = {
    "pending": ("⏳ 待运行", "⏳ pending"),
    "working": ("🔄 运行中", "🔄 working"),
    "success": ("✅ 成功", "✅ success"),
    "retrying": ("🔁 重试中", "🔁 retrying"),
    "error": ("❌ 失败", "❌ error"),
    "firing": ("🔴 告警中", "🔴 firing"),
    "resolved": ("🟢 已恢复", "🟢 resolved"),
}


#: Chinese headers of this page's tables (the column name stays in the tooltip, as elsewhere).
LABELS = {
    "report_id": "报表编号",
    "title": "报表名称",
    "schedule": "运行计划",
    "next_run": "下次运行",
    "period_rule": "期间规则",
    "formats": "格式",
    "recipients": "接收人",
    "channels": "发送渠道",
    "last_state": "最近状态",
    "last_period": "最近期间",
    "run_id": "运行编号",
    "version": "版本",
    "state": "状态",
    "attempt": "尝试次数",
    "trigger": "触发方式",
    "requested_by": "发起人",
    "scheduled_at": "计划时间",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "warehouse_version": "数据版本",
    "error": "错误信息",
    "channel": "渠道",
    "recipient_id": "接收人",
    "target": "地址",
    "attempts": "发送次数",
    "detail": "结果",
    "last_error": "最近错误",
    "rule_id": "告警规则",
    "org": "组织",
    "subject": "对象",
    "summary": "内容",
    "first_fired_at": "首次告警",
    "last_seen_at": "最近出现",
    "last_notified_at": "最近通知",
    "resolved_at": "恢复时间",
    "notify_count": "通知次数",
    "event_id": "事件编号",
    "at": "时间",
    "kind": "类型",
}


def show(df: pd.DataFrame, key: str) -> None:
    """A table with Chinese headers in the Chinese UI (the column name as tooltip)."""
    import streamlit as st

    from app.lib.i18n import column_label

    config: dict[str, Any] = {}
    if get_lang() != "en":
        for col in map(str, df.columns):
            label = LABELS.get(col) or column_label(col, "zh")
            if label != col:
                config[col] = st.column_config.Column(label=label, help=col)
    st.dataframe(df, hide_index=True, width="stretch", key=key, column_config=config)


def tr(key: str, **kw: Any) -> str:
    """Page text in the UI language."""
    zh, en = TEXT[key]
    return (en if get_lang() == "en" else zh).format(**kw)


def state_label(state: str) -> str:
    pair = STATE_TEXT.get(state)
    return state if pair is None else pair[1 if get_lang() == "en" else 0]


# --- who is looking (app.lib.access) ------------------------------------------------------------


def current_user() -> access.Principal | None:
    """The signed-in user (None without a session)."""
    return access.current()


def can_trigger(user: access.Principal | None) -> bool:
    """Whether the user may run a report by hand (action ``run_reports``)."""
    return user is not None and user.can("run_reports")


def visible_files(user: access.Principal | None, files: pd.DataFrame) -> pd.DataFrame:
    """The files rendered for a scope within the user's org grants (an every-org file, which holds
    the group's figures, only for a user granted every org); nothing without a user."""
    if user is None or files.empty:
        return files.iloc[0:0]
    granted = set(user.granted)

    def allowed(scope_json: object) -> bool:
        if user.all_orgs:
            return True
        if scope_json is None or (isinstance(scope_json, float) and pd.isna(scope_json)):
            return False
        return set(json.loads(str(scope_json))) <= granted

    return files[files["scope_orgs_json"].map(allowed).astype(bool)]


def audit_download(user: access.Principal, file_record: dict[str, Any]) -> None:
    """Record an archived file's download in the audit log (who, which file, its orgs and sha256)."""
    from ledgerbridge.ops import audit

    scope_json = file_record.get("scope_orgs_json")
    audit.append(
        "download",
        actor=user.username,
        target=str(file_record.get("file_name", "")),
        orgs=json.loads(scope_json) if scope_json else ["*"],
        checksum=file_record.get("sha256"),
        client=user.client,
        detail={"file_id": file_record.get("file_id"), "run_id": file_record.get("run_id")},
    )


# --- data ------------------------------------------------------------------------------------------


def has_ops_database() -> bool:
    """False when the default SQLite operational database was never created (nothing ran yet):
    a page that only reads then shows nothing instead of creating it."""
    from ledgerbridge.ops import ops_url

    url = ops_url()
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


def reporting():
    """The reporting context (configuration, operational database, warehouse), loaded per call."""
    from ledgerbridge.reports.context import load

    return load()


def _local(t: Any, tz: str) -> str:
    if t is None or (not isinstance(t, dt.datetime) and pd.isna(t)):
        return ""
    t = pd.Timestamp(t).to_pydatetime()
    t = t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t
    return t.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def definitions(ctx) -> pd.DataFrame:
    """One row per report: title, schedule, next run (local time), formats, recipients, last run."""
    from ledgerbridge.reports import runs
    from ledgerbridge.reports.context import utcnow
    from ledgerbridge.reports.schedule import next_fire_time

    lang, now, tz = get_lang(), utcnow(), ctx.settings.timezone
    hist = runs.history(ctx.engine, limit=2000)
    rows = []
    for r in ctx.reports.values():
        last = hist[hist["job_id"] == r.id].head(1)
        nxt = None if r.paused or not r.schedule else next_fire_time(r.schedule, r.timezone or tz, now)
        rows.append(
            {
                "report_id": r.id,
                "title": r.title.get(lang),
                "schedule": "" if not r.schedule else str(r.schedule),
                "next_run": _local(nxt, r.timezone or tz),
                "period_rule": r.period,
                "formats": ", ".join(r.formats),
                "recipients": ", ".join(r.recipients),
                "channels": ", ".join(r.channels),
                "last_state": "" if last.empty else state_label(last.iloc[0]["state"]),
                "last_period": "" if last.empty else (last.iloc[0]["period"] or ""),
            }
        )
    return pd.DataFrame(rows)


def history(ctx, limit: int = 200) -> pd.DataFrame:
    """Report runs, newest first, times in the company's time zone."""
    from ledgerbridge.reports import runs

    h = runs.history(ctx.engine, limit=limit)
    h = h[h["kind"] == "report"]
    tz = ctx.settings.timezone
    out = pd.DataFrame(
        {
            "run_id": h["run_id"],
            "report_id": h["job_id"],
            "period": h["period"],
            "version": h["version"],
            "state": h["state"].map(state_label),
            "attempt": h["attempt"].astype(str) + " / " + h["max_attempts"].astype(str),
            "trigger": h["trigger"],
            "requested_by": h["requested_by"],
            "scheduled_at": h["scheduled_at"].map(lambda t: _local(t, tz)),
            "started_at": h["started_at"].map(lambda t: _local(t, tz)),
            "ended_at": h["ended_at"].map(lambda t: _local(t, tz)),
            "warehouse_version": h["warehouse_version"],
            "error": h["error"],
        }
    )
    return out.reset_index(drop=True)


def files(ctx, run_id: str, user: access.Principal | None) -> pd.DataFrame:
    """The run's current files (pruned ones excluded) the user may download."""
    from ledgerbridge.reports import runs

    f = runs.files(ctx.engine, run_id)
    run = runs.get(ctx.engine, run_id)
    if run is not None and run.version is not None:
        f = f[f["version"] == run.version]
    return visible_files(user, f).reset_index(drop=True)


def archived_file_bytes(ctx, file_id: str, user: access.Principal) -> bytes:
    """An archived file's bytes, checked against its sha256, for a user who may download it (its
    orgs within the user's grants); the download is audit-logged."""
    from ledgerbridge.reports import archive

    if not user.can("download"):
        raise access.AccessDenied(f"{user.username} may not download")
    record, data = archive.read(ctx.engine, file_id)
    if visible_files(user, pd.DataFrame([record])).empty:
        raise access.AccessDenied(f"{user.username} may not download {record['file_name']}")
    audit_download(user, record)
    return data


def run_file_of(ctx, file_id: str) -> str | None:
    """The run a file belongs to (for links such as ``?file=…`` in mails)."""
    from ledgerbridge.reports import runs

    f = runs.files(ctx.engine, include_pruned=True)
    hit = f[f["file_id"] == file_id]
    return None if hit.empty else str(hit.iloc[0]["run_id"])


def deliveries(ctx, run_id: str) -> pd.DataFrame:
    """The deliveries of one run: channel, recipient, state, attempts, what happened."""
    from ledgerbridge.delivery import outbox

    d = outbox.listing(ctx.engine, "report", run_id)
    cols = ["channel", "recipient_id", "target", "state", "attempts", "detail", "last_error"]
    return d[cols].reset_index(drop=True)


def periods() -> list[str]:
    """Periods of the user's orgs in the warehouse (newest first), for the period choice."""
    from app.lib import warehouse as wh

    res = wh.fetch_many([("periods", ())])[0]
    if isinstance(res, Exception):  # no warehouse yet: the field stays free text
        return []
    return sorted(res["period"].dropna().astype(str), reverse=True)


def alerts(ctx) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(alert states, alert events) for the monitor page."""
    from ledgerbridge.alerts import state

    tz = ctx.settings.timezone
    s = state.states(ctx.engine)
    for col in ("first_fired_at", "last_seen_at", "last_notified_at", "resolved_at"):
        s[col] = s[col].map(lambda t: _local(t, tz))
    s["state"] = s["state"].map(state_label)
    e = state.history(ctx.engine, limit=300)
    e["at"] = e["at"].map(lambda t: _local(t, tz))
    return s, e
