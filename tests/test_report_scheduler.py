"""The scheduler driven by a fake clock through a month end, with the scheduler down over the
month-end morning: each due report ran once, a flaky run retried and succeeded quietly, a broken
one retried with back-off and then notified its owner once, nothing was lost or sent twice, and
recipients with different org grants received differently scoped files."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import string
import zoneinfo
from collections import Counter

import openpyxl
import pandas as pd
import pytest

from ledgerbridge.delivery import outbox
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports import archive, content, context, runner, runs
from ledgerbridge.reports.scheduler import tick

CST = zoneinfo.ZoneInfo("Asia/Shanghai")

CONFIG = """
[settings]
timezone = "Asia/Shanghai"
app_url = "http://app.test"
company = "测试集团"
max_attempts = 3
retry_base_seconds = 600
retry_max_seconds = 3600
working_timeout_minutes = 60
refresh_schedule = "0 2 * * *"

[[recipients]]
id = "cfo"
email = "cfo@test.local"
orgs = ["*"]
[[recipients]]
id = "sh"
email = "sh@test.local"
orgs = ["ORG01"]
[[recipients]]
id = "sz"
email = "sz@test.local"
orgs = ["ORG02"]
chat = { feishu = "ou_sz" }
[[recipients]]
id = "it"
email = "it@test.local"
orgs = ["*"]

[delivery.smtp]
host = "127.0.0.1"
port = $smtp_port
sender = "业财桥 <lb@test.local>"

[delivery.webhooks.team]
type = "feishu"
url = "$webhook_url"

[alerts]
recipients = ["it"]
channels = ["email"]

[[alerts.rules]]
id = "run_failed"
kind = "run_failed"
repeat_hours = 0
owner = true

[[reports]]
id = "monthly"
title = "月度快报"
period = "previous_month"
formats = ["xlsx", "csv"]
schedule = "0 8 1 * *"
owner = "cfo"
recipients = ["cfo", "sh", "sz"]
channels = ["email", "team"]
retention = { versions = 1 }
[[reports.sections]]
id = "kpi"
title = "指标"
sql = '''select org_code, period, currency, revenue, net_profit
from finance.kpi_monthly where period = $$period order by org_code'''

[[reports]]
id = "daily"
title = "日报"
period = "month_to_date"
formats = ["csv"]
schedule = "30 7 * * *"
owner = "it"
recipients = ["sh"]
[[reports.sections]]
id = "lines"
sql = '''select org_code, count(*) as line_count
from core.fct_gl_lines where period = $$period group by 1 order by 1'''

[[reports]]
id = "broken"
title = "坏报表"
period = "previous_month"
formats = ["xlsx"]
schedule = "0 9 1 * *"
owner = "cfo"
recipients = ["sz"]
[[reports.sections]]
id = "nothing"
sql = "select * from finance.no_such_mart where period = $$period"
"""


def _ticks() -> list[dt.datetime]:
    """Every hour from 30 Nov 00:00 to 2 Dec 00:00 (Shanghai); down from 06:45 to 09:55 on 1 Dec."""
    t, end = dt.datetime(2025, 11, 30, 0, 0, tzinfo=CST), dt.datetime(2025, 12, 2, 0, 0, tzinfo=CST)
    down = (dt.datetime(2025, 12, 1, 6, 45, tzinfo=CST), dt.datetime(2025, 12, 1, 9, 55, tzinfo=CST))
    out = []
    while t <= end:
        if not down[0] <= t <= down[1]:
            out.append(t.astimezone(dt.UTC))
        t += dt.timedelta(hours=1)
    return out


@pytest.fixture
def reporting(tmp_path, monkeypatch, built_warehouse, smtp_receiver, webhook_receiver):
    monkeypatch.setenv("LEDGERBRIDGE_REPORTS_DIR", str(tmp_path / "archive"))
    path = tmp_path / "reports.toml"
    text = string.Template(CONFIG).substitute(smtp_port=smtp_receiver.port, webhook_url=webhook_receiver.url)
    path.write_text(text, encoding="utf-8")
    refreshes: list[str] = []

    def fake_refresh() -> str:  # the first refresh fails (a source was down), later ones work
        refreshes.append("call")
        if len(refreshes) == 1:
            raise LedgerbridgeError("erp: connection refused")
        return "published"

    ctx = context.load(
        path,
        ops_url=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        warehouse=built_warehouse.warehouse,
        refresh=fake_refresh,
    )
    return ctx, refreshes


def _runs(ctx) -> pd.DataFrame:
    return runs.history(ctx.engine, limit=1000).sort_values(["job_id", "scheduled_at"]).reset_index(drop=True)


def _orgs_in(xlsx: bytes) -> set[str]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[1]
    return {r[0] for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}


def test_a_month_end_with_the_scheduler_down_over_the_morning(
    reporting,
    smtp_receiver,
    webhook_receiver,
    built_warehouse,
    monkeypatch,
):
    ctx, refreshes = reporting
    real_build, calls = content.build, Counter()

    def flaky_build(report, *args, **kwargs):  # the daily report's very first attempt fails
        calls[report.id] += 1
        if report.id == "daily" and calls[report.id] == 1:
            raise LedgerbridgeError("warehouse busy")
        return real_build(report, *args, **kwargs)

    monkeypatch.setattr(runner.content, "build", flaky_build)
    mails_at: list[tuple[dt.datetime, int]] = []
    for now in _ticks():
        tick(ctx, now, on_info=lambda _m: None)
        mails_at.append((now, len(smtp_receiver.mails)))

    table = _runs(ctx)
    per_job = table.groupby("job_id").size().to_dict()
    assert per_job == {"refresh": 2, "daily": 2, "monthly": 1, "broken": 1}  # each due run once, none lost
    local = {
        j: [t.replace(tzinfo=dt.UTC).astimezone(CST).strftime("%m-%d %H:%M") for t in g["scheduled_at"]]
        for j, g in table.groupby("job_id")
    }
    assert local == {
        "broken": ["12-01 09:00"],
        "daily": ["11-30 07:30", "12-01 07:30"],
        "monthly": ["12-01 08:00"],
        "refresh": ["11-30 02:00", "12-01 02:00"],
    }
    state = {(r.job_id, r.period): (r.state, r.attempt) for r in table.itertuples() if r.job_id != "refresh"}
    assert state == {
        ("daily", "2025-11"): ("success", 2),  # failed once, retried, no alert
        ("daily", "2025-12"): ("success", 1),
        ("monthly", "2025-11"): ("success", 1),
        ("broken", "2025-11"): ("error", 3),
    }
    refresh = table[table.job_id == "refresh"]
    assert refresh["state"].tolist() == ["success"] * 2 and refresh["attempt"].tolist() == [2, 1]
    assert len(refreshes) == 3

    # the broken report: three attempts, each at the first tick after its back-off (10, then 20 minutes)
    broken = table[table.job_id == "broken"].iloc[0]
    ev = runs.events(ctx.engine, broken.run_id)
    assert ev["event"].tolist() == [
        "created",
        "claimed",
        "failed",
        "retry_scheduled",
        "claimed",
        "failed",
        "retry_scheduled",
        "claimed",
        "failed",
        "error",
    ]
    claimed = [
        t.replace(tzinfo=dt.UTC).astimezone(CST).strftime("%H:%M") for t in ev[ev.event == "claimed"]["at"]
    ]
    assert claimed == ["10:00", "11:00", "12:00"]
    assert "no_such_mart" in broken.error

    mails = smtp_receiver.parsed()
    sent = Counter((m["to"], m["subject"]) for m in mails)
    assert all(n == 1 for n in sent.values()), sent  # nothing sent twice
    alerts = [m for m in mails if "run_failed" in m["subject"]]
    assert sorted(m["to"] for m in alerts) == [
        "cfo@test.local",
        "it@test.local",
    ]  # owner + rule recipient, once
    assert all("broken 2025-11" in m.get_body(("plain",)).get_content() for m in alerts)
    first_alert_tick = next(
        t for t, n in mails_at if any("run_failed" in m["subject"] for m in smtp_receiver.parsed()[:n])
    )
    assert (
        first_alert_tick.astimezone(CST).strftime("%m-%d %H:%M") == "12-01 12:00"
    )  # after the last attempt only
    assert not any("daily" in m["subject"] or "refresh" in m["subject"] for m in alerts)  # quiet recoveries

    # the month-end pack: one mail each, with files scoped to each recipient's grants
    packs = {m["to"]: m for m in mails if m["subject"] == "月度快报 2025-11"}
    assert set(packs) == {"cfo@test.local", "sh@test.local", "sz@test.local"}
    files = {
        to: {a.get_filename(): a.get_payload(decode=True) for a in m.iter_attachments()}
        for to, m in packs.items()
    }
    assert all(len(f) == 2 for f in files.values())  # xlsx + csv
    xlsx = {to: next(b for n, b in f.items() if n.endswith(".xlsx")) for to, f in files.items()}
    with built_warehouse.connect() as con:
        sql = "select org_code from finance.kpi_monthly where period = '2025-11'"
        orgs_nov = {r[0] for r in con.execute(sql).fetchall()}
    assert _orgs_in(xlsx["sh@test.local"]) == {"ORG01"}
    assert _orgs_in(xlsx["sz@test.local"]) == {"ORG02"}
    assert _orgs_in(xlsx["cfo@test.local"]) == orgs_nov and "GROUP" in orgs_nov
    assert len({hashlib.sha256(b).hexdigest() for b in xlsx.values()}) == 3
    archived = runs.files(ctx.engine)
    for to, f in files.items():  # what arrived is byte for byte what was archived
        for name, data in f.items():
            assert hashlib.sha256(data).hexdigest() in set(archived[archived.file_name == name]["sha256"]), to
    assert [
        m for m in mails if m["to"] == "sz@test.local" and "坏报表" in m["subject"]
    ] == []  # no empty report

    # the team robot got one notice for the pack, mentioning the one recipient it knows
    notices = [r["body"]["content"]["text"] for r in webhook_receiver.requests]
    assert len(notices) == 1 and "月度快报" in notices[0] and '<at user_id="ou_sz"></at>' in notices[0]
    assert set(outbox.listing(ctx.engine)["state"]) == {"sent"}

    # a second scheduler ticking at the same moment changes nothing
    before = (len(_runs(ctx)), len(smtp_receiver.mails))
    tick(ctx, _ticks()[-1], on_info=lambda _m: None)
    assert (len(_runs(ctx)), len(smtp_receiver.mails)) == before


def test_rerunning_a_period_makes_a_new_version_and_retention_prunes_the_old(reporting):
    ctx, _ = reporting
    now = dt.datetime(2025, 12, 3, 1, 0, tzinfo=dt.UTC)
    first = runner.request(ctx, "monthly", now, period="2025-11", requested_by="sh")
    second = runner.request(ctx, "monthly", now + dt.timedelta(minutes=5), period="2025-11")
    assert (first.state, first.version, second.state, second.version) == ("success", 1, "success", 2)
    assert not archive.version_dir("monthly", "2025-11", 1).exists()  # retention keeps one version
    assert sorted(p.name for p in archive.version_dir("monthly", "2025-11", 2).iterdir()) == [
        "ORG01",
        "ORG02",
        "all",
    ]
    pruned = runs.files(ctx.engine, first.run_id, include_pruned=True)
    assert len(pruned) == 6 and pruned["pruned_at"].notna().all()
    assert "pruned" in runs.events(ctx.engine, first.run_id)["event"].tolist()
    with pytest.raises(LedgerbridgeError, match="pruned"):
        archive.read(ctx.engine, pruned.iloc[0]["file_id"])
    live = runs.files(ctx.engine, second.run_id)
    record, data = archive.read(ctx.engine, live.iloc[0]["file_id"])
    assert hashlib.sha256(data).hexdigest() == record["sha256"]
    (archive.archive_root() / record["rel_path"]).write_bytes(data + b"tampered")
    with pytest.raises(LedgerbridgeError, match="sha256"):
        archive.read(ctx.engine, record["file_id"])
    assert outbox.listing(ctx.engine).empty  # a manual run delivers only when asked


def test_a_stuck_run_is_marked_error_and_retried_and_a_paused_job_skips(reporting):
    ctx, refreshes = reporting
    t0 = dt.datetime(2025, 12, 1, 0, 0, tzinfo=dt.UTC)
    run_id = runs.create(
        ctx.engine, job_id="refresh", kind="refresh", trigger="manual", now=t0, max_attempts=2
    )
    runs.claim(ctx.engine, run_id, t0)  # …and its process died
    tick(ctx, t0 + dt.timedelta(minutes=59), on_info=lambda _m: None)
    assert runs.get(ctx.engine, run_id).state == "working"  # within the timeout: left alone
    report = tick(ctx, t0 + dt.timedelta(minutes=61), on_info=lambda _m: None)
    assert report.stuck == [run_id]
    run = runs.get(ctx.engine, run_id)
    assert run.state == "retrying" and "stuck in working" in run.error
    tick(ctx, t0 + dt.timedelta(minutes=75), on_info=lambda _m: None)  # 61 + 10 min back-off
    assert runs.get(ctx.engine, run_id).state == "error"  # attempt 2: the fake refresh fails its first call
    assert runs.events(ctx.engine, run_id)["event"].tolist()[:4] == [
        "created",
        "claimed",
        "stuck",
        "retry_scheduled",
    ]
    for job in ctx.schedules():
        runs.set_paused(ctx.engine, job, True, t0)
    before = len(_runs(ctx))
    report = tick(ctx, dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.UTC), on_info=lambda _m: None)
    assert report.created == [] and len(_runs(ctx)) == before  # paused: a month of fire times skipped
