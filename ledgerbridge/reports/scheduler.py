"""The scheduler: one tick creates the runs that came due, runs them, checks alerts, sends mail.

:func:`tick` is the whole job and takes the time as an argument, so a test can drive it with a
fake clock through a month end. ``ledgerbridge report run-due`` is one tick;
``ledgerbridge scheduler`` ticks every ``tick_seconds`` (60) until stopped. A crontab line
calling run-due every minute is equivalent; both can even run side by side, because:

- a job's *schedule cursor* (the last time its schedule was evaluated) lives in the
  operational database, so a restart neither loses nor repeats a fire time: every fire
  time between the cursor and now gets its run (a new job starts at its first sight);
- a scheduled run is unique per (job, fire time) and claimed by a conditional update,
  so two schedulers never run it twice;
- a run stuck in ``working`` past ``working_timeout_minutes`` is marked error (and retried
  if attempts remain), never silently reset.

APScheduler computes the cron fire times; its own job store is not used, because it pickles
callables and must not be shared between two schedulers, while our cursor and run records are
plain rows that any number of processes can share.
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ledgerbridge.alerts import engine as alerts_engine
from ledgerbridge.alerts.state import Notice
from ledgerbridge.delivery import outbox
from ledgerbridge.reports import runs
from ledgerbridge.reports.context import Reporting, utcnow
from ledgerbridge.reports.runner import execute
from ledgerbridge.reports.schedule import fire_times


@dataclass
class TickReport:
    """What one tick did."""

    now: dt.datetime
    created: list[tuple[str, dt.datetime]] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    executed: dict[str, tuple[str, str]] = field(default_factory=dict)  # run id -> (job, state)
    notices: list[Notice] = field(default_factory=list)
    alert_errors: list[str] = field(default_factory=list)
    dispatch: outbox.DispatchReport = field(default_factory=outbox.DispatchReport)


def create_due_runs(ctx: Reporting, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """A pending run for every fire time between each job's cursor and ``now``; moves the cursors."""
    created = []
    jobs = ctx.schedules()
    cursors = runs.schedule_cursors(ctx.engine, list(jobs), now)
    for job, (schedule, tz) in jobs.items():
        cursor, paused = cursors[job]
        paused = paused or (job in ctx.reports and ctx.reports[job].paused)
        if not paused:
            for at in fire_times(schedule, tz, cursor, now):
                report = ctx.reports.get(job)
                run_id = runs.create(
                    ctx.engine,
                    job_id=job,
                    kind="report" if report else "refresh",
                    trigger="schedule",
                    now=now,
                    scheduled_at=at,
                    period_spec=report.period if report else None,
                    max_attempts=(report and report.max_attempts) or ctx.settings.max_attempts,
                )
                if run_id:
                    created.append((job, at))
    runs.advance_cursors(ctx.engine, list(jobs), now)  # a paused job skips its fire times
    return created


def release_stuck(ctx: Reporting, now: dt.datetime) -> list[str]:
    """Mark runs working longer than the timeout as failed attempts (their process is gone)."""
    timeout = dt.timedelta(minutes=ctx.settings.working_timeout_minutes)
    out = []
    for run in runs.stuck(ctx.engine, now, timeout):
        since = run.started_at.isoformat(timespec="seconds") if run.started_at else "?"
        limit = f"{ctx.settings.working_timeout_minutes:g} min"
        msg = f"stuck in working since {since} (timeout {limit}); marked error"
        runs.fail(ctx.engine, run, now, msg, ctx.settings.retry_delay(run.attempt), event_name="stuck")
        out.append(run.run_id)
    return out


def tick(
    ctx: Reporting, now: dt.datetime | None = None, *, on_info: Callable[[str], None] = print
) -> TickReport:
    """One scheduler tick at ``now`` (default: the current time)."""
    now = now or utcnow()
    report = TickReport(now)
    report.stuck = release_stuck(ctx, now)
    report.created = create_due_runs(ctx, now)
    for run in runs.due(ctx.engine, now):
        claimed = runs.claim(ctx.engine, run.run_id, now)
        if claimed is not None:
            report.executed[run.run_id] = (run.job_id, execute(ctx, claimed, now, on_info=on_info))
    report.notices, report.alert_errors = alerts_engine.check(ctx, now)
    report.dispatch = outbox.dispatch(
        ctx.engine,
        ctx.channels,
        now,
        retry_base_s=ctx.settings.retry_base_seconds,
        retry_max_s=ctx.settings.retry_max_seconds,
    )
    return report


def serve(
    load: Callable[[], Reporting],
    *,
    on_tick: Callable[[TickReport], None],
    on_error: Callable[[BaseException], None],
    stop: threading.Event | None = None,
) -> None:
    """Tick until SIGTERM/SIGINT (or ``stop``); the configuration is re-read every tick."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    interval = 60.0
    while not stop.is_set():
        try:
            ctx = load()
            interval = ctx.settings.tick_seconds
            on_tick(tick(ctx))
        except Exception as exc:  # a bad tick (config typo, database down) must not end the scheduler
            on_error(exc)
        now = utcnow().timestamp()
        stop.wait(interval - now % interval if interval >= 1 else interval)  # tick on the minute
