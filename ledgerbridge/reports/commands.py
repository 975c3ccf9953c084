"""``ledgerbridge report …`` and ``ledgerbridge scheduler``: parse, call, print."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from ledgerbridge import console as out
from ledgerbridge.errors import LedgerbridgeError

report_app = typer.Typer(
    help="Scheduled reports: definitions, runs, archive, delivery, alerts.", no_args_is_help=True
)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Reporting configuration  [default: the profile's reports.toml]"),
]


def _load(config: Path | None):
    from ledgerbridge.reports.context import load

    return load(config)


def _now(value: str | None) -> dt.datetime:
    from ledgerbridge.reports.context import utcnow

    if value is None:
        return utcnow()
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        raise LedgerbridgeError(
            f"--now: {value!r} is not an ISO time (e.g. 2025-12-01T08:00+08:00)"
        ) from None
    if t.tzinfo is None:
        raise LedgerbridgeError("--now: give a time zone offset (e.g. +08:00)")
    return t.astimezone(dt.UTC)


def _local(t: dt.datetime | None, tz: str) -> str:
    import zoneinfo

    return "" if t is None else t.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


@report_app.command("list")
def report_list(config: ConfigOption = None) -> None:
    """Report definitions with their schedule, next run and last state; configuration problems."""
    from ledgerbridge.reports import runs
    from ledgerbridge.reports.context import utcnow
    from ledgerbridge.reports.schedule import next_fire_time

    ctx = _load(config)
    now = utcnow()
    hist = runs.history(ctx.engine, limit=1000)
    scheduled = ctx.schedules()
    rows = []
    for job in [*scheduled, *(r for r in ctx.reports if r not in scheduled)]:
        schedule, tz = scheduled.get(job, (None, ctx.settings.timezone))
        last = hist[hist["job_id"] == job].head(1)
        title = ctx.reports[job].title.zh if job in ctx.reports else "数据刷新 refresh"
        nxt = next_fire_time(schedule, tz, now) if schedule else None
        rows.append(
            [
                job,
                title,
                str(schedule or "-"),
                _local(nxt, tz),
                "" if last.empty else f"{last.iloc[0]['state']} {last.iloc[0]['period'] or ''}".strip(),
            ]
        )
    out.print_table(
        f"Reports ({ctx.config['_path']})", ["id", "title", "schedule", "next run", "last run"], rows
    )
    for problem in ctx.validate():
        out.print_warning(problem)


@report_app.command("run")
def report_run(
    report_id: Annotated[str, typer.Argument(help="The report's id (see `ledgerbridge report list`).")],
    period: Annotated[str | None, typer.Option(help="YYYY-MM  [default: the report's period rule]")] = None,
    deliver: Annotated[bool, typer.Option("--deliver", help="Also send it to its recipients now.")] = False,
    as_user: Annotated[
        str | None, typer.Option("--as", help="Requesting user (their scope is rendered too).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Render one report now for every recipient's org scope and archive it."""
    from ledgerbridge.delivery import outbox
    from ledgerbridge.reports import runs
    from ledgerbridge.reports.context import utcnow
    from ledgerbridge.reports.runner import request

    ctx = _load(config)
    now = utcnow()
    with out.status(f"rendering {report_id}…"):
        run = request(ctx, report_id, now, period=period, requested_by=as_user, deliver=deliver)
    if run.state != "success":
        raise LedgerbridgeError(f"report {report_id} failed: {run.error}")
    files = runs.files(ctx.engine, run.run_id)
    out.print_table(
        f"{report_id} {run.period} v{run.version:03d}",
        ["scope", "file", "bytes", "sha256"],
        [[f.scope_key, f.rel_path, f.size_bytes, f.sha256[:16]] for f in files.itertuples()],
    )
    if deliver:
        sent = outbox.dispatch(ctx.engine, ctx.channels, utcnow())
        out.print_info(
            f"deliveries: {len(sent.sent)} sent, {len(sent.skipped)} skipped (channel not configured), "
            f"{len(sent.retrying) + len(sent.deferred)} waiting, {len(sent.failed)} failed"
        )
    out.print_success(f"run {run.run_id}: {len(files)} file(s) archived")


def _print_tick(report) -> None:
    for job, at in report.created:
        out.print_info(f"due: {job} (scheduled {at:%Y-%m-%d %H:%M}Z)")
    for run_id in report.stuck:
        out.print_warning(f"run {run_id} was stuck in working: marked error")
    for run_id, (job, state) in report.executed.items():
        (out.print_success if state == "success" else out.print_warning)(f"{job}: {state} ({run_id})")
    counts: dict[tuple[str, str], int] = {}
    for n in report.notices:
        counts[(n.kind, n.rule_id)] = counts.get((n.kind, n.rule_id), 0) + 1
    for (kind, rule), n in counts.items():
        out.print_info(f"alert {kind}: {rule} ({n})")
    for e in report.alert_errors:
        out.print_warning(f"alert rule not evaluated: {e}")
    d = report.dispatch
    if d.sent or d.failed or d.skipped or d.retrying or d.deferred:
        out.print_info(
            f"deliveries: {len(d.sent)} sent, {len(d.skipped)} skipped, {len(d.retrying)} retrying, "
            f"{len(d.deferred)} waiting for a rate limit, {len(d.failed)} failed"
        )


@report_app.command("run-due")
def report_run_due(
    now: Annotated[str | None, typer.Option(help="Act as if it were this time (ISO with offset).")] = None,
    config: ConfigOption = None,
) -> None:
    """One scheduler tick: run what came due, retry what failed, check alerts, send what is queued.

    Crontab (every minute):  * * * * *  cd /srv/ledgerbridge && .venv/bin/ledgerbridge report run-due
    """
    from ledgerbridge.reports.scheduler import tick

    _print_tick(tick(_load(config), _now(now), on_info=out.print_info))


def scheduler(
    once: Annotated[
        bool, typer.Option("--once", help="One tick, then exit (same as `report run-due`).")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Run refreshes and reports on their schedules, retry failures, send alerts (until Ctrl+C)."""
    from ledgerbridge.reports.scheduler import serve, tick

    if once:
        _print_tick(tick(_load(config), on_info=out.print_info))
        return
    out.print_info("scheduler running (Ctrl+C stops it after the current tick)")
    serve(lambda: _load(config), on_tick=_print_tick, on_error=out.print_error)
    out.print_info("scheduler stopped")
