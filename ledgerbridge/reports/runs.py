"""Run records in the operational database: every scheduled or requested job and what became of it.

A *job* is a report (its id) or the warehouse ``refresh``. Each run is one row of
``job_runs`` with its scheduled time, start, end, state, attempts, parameters, the
warehouse version it read, its archive version and error text; ``job_run_events`` keeps
the story (claimed, failed, retry scheduled, marked stuck, pruned …); ``report_files``
lists the files a run archived with size and sha256; ``job_schedules`` holds each job's
schedule cursor (the last time its schedule was evaluated) and pause flag.

States: ``pending`` → ``working`` → ``success`` | ``retrying`` (a later attempt is
scheduled, with back-off) | ``error`` (final; the owner is told once). A run stuck in
``working`` past the timeout is marked error, never silently reset.

A scheduled run is unique per (job, scheduled time): two schedulers, or a crontab
line next to a scheduler, can never create it twice. State changes are conditional
updates, so only one process can claim a run.

Migrations are append-only: a new column goes on the table below *and* into a new
migration that adds it where it is missing (v1 creates the tables as first released).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from ledgerbridge import ops

METADATA = sa.MetaData()
STATES = ("pending", "working", "success", "error", "retrying")
OPEN_STATES = ("pending", "working", "retrying")

job_runs = sa.Table(
    "job_runs",
    METADATA,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("job_id", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # report | refresh
    sa.Column("trigger", sa.String(16), nullable=False),  # schedule | manual
    sa.Column("requested_by", sa.String(64)),
    sa.Column("scheduled_at", sa.DateTime),
    sa.Column("period_spec", sa.String(32)),
    sa.Column("period", sa.String(7)),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime),
    sa.Column("ended_at", sa.DateTime),
    sa.Column("deliver", sa.Boolean, nullable=False, default=True),
    sa.Column("parameters_json", sa.Text),
    sa.Column("warehouse_version", sa.String(200)),
    sa.Column("version", sa.Integer),
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("job_id", "scheduled_at", name="uq_job_runs_schedule"),
    sa.UniqueConstraint("job_id", "period", "version", name="uq_job_runs_version"),
    sa.Index("ix_job_runs_state", "state", "next_attempt_at"),
)

job_run_events = sa.Table(
    "job_run_events",
    METADATA,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(40), nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text),
)

report_files = sa.Table(
    "report_files",
    METADATA,
    sa.Column("file_id", sa.String(40), primary_key=True),
    sa.Column("run_id", sa.String(40), nullable=False, index=True),
    sa.Column("report_id", sa.String(64), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("scope_key", sa.String(400), nullable=False),
    sa.Column("scope_orgs_json", sa.Text),  # null = every org
    sa.Column("fmt", sa.String(8), nullable=False),
    sa.Column("section", sa.String(64)),
    sa.Column("file_name", sa.String(400), nullable=False),
    sa.Column("rel_path", sa.String(1000), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("pruned_at", sa.DateTime),
)

job_schedules = sa.Table(
    "job_schedules",
    METADATA,
    sa.Column("job_id", sa.String(64), primary_key=True),
    sa.Column("cursor", sa.DateTime, nullable=False),
    sa.Column("paused", sa.Boolean, nullable=False, default=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


def _v1(con: sa.Connection) -> None:
    METADATA.create_all(con, tables=[job_runs, job_run_events, report_files, job_schedules])


ops.register(ops.Migration("reports", 1, "job runs, run events, report files, job schedules", _v1))


def utc(t: dt.datetime | None) -> dt.datetime | None:
    """A stored (naive UTC) time as aware UTC."""
    return None if t is None else t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)


def db_time(t: dt.datetime) -> dt.datetime:
    """An aware time as stored: naive UTC."""
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


@dataclass(frozen=True)
class Run:
    """One row of ``job_runs``."""

    run_id: str
    job_id: str
    kind: str
    trigger: str
    state: str
    attempt: int
    max_attempts: int
    scheduled_at: dt.datetime | None
    created_at: dt.datetime
    period_spec: str | None
    period: str | None
    requested_by: str | None
    deliver: bool
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    version: int | None = None
    error: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Run:
        m = row._mapping
        return cls(
            run_id=m["run_id"],
            job_id=m["job_id"],
            kind=m["kind"],
            trigger=m["trigger"],
            state=m["state"],
            attempt=m["attempt"],
            max_attempts=m["max_attempts"],
            scheduled_at=utc(m["scheduled_at"]),
            created_at=utc(m["created_at"]),
            period_spec=m["period_spec"],
            period=m["period"],
            requested_by=m["requested_by"],
            deliver=bool(m["deliver"]),
            started_at=utc(m["started_at"]),
            ended_at=utc(m["ended_at"]),
            version=m["version"],
            error=m["error"],
        )


def event(con: sa.Connection, run_id: str, now: dt.datetime, name: str, detail: str | None = None) -> None:
    """Append to a run's story."""
    con.execute(job_run_events.insert().values(run_id=run_id, at=db_time(now), event=name, detail=detail))


def create(
    eng: sa.Engine,
    *,
    job_id: str,
    kind: str,
    trigger: str,
    now: dt.datetime,
    max_attempts: int,
    scheduled_at: dt.datetime | None = None,
    period_spec: str | None = None,
    period: str | None = None,
    requested_by: str | None = None,
    deliver: bool = True,
) -> str | None:
    """A new pending run; None when the job already has a run for ``scheduled_at``."""
    run_id = uuid.uuid4().hex
    values = dict(
        run_id=run_id,
        job_id=job_id,
        kind=kind,
        trigger=trigger,
        requested_by=requested_by,
        scheduled_at=db_time(scheduled_at) if scheduled_at else None,
        period_spec=period_spec,
        period=period,
        state="pending",
        attempt=0,
        max_attempts=max(1, max_attempts),
        created_at=db_time(now),
        deliver=deliver,
    )
    try:
        with eng.begin() as con:
            con.execute(job_runs.insert().values(**values))
            event(
                con, run_id, now, "created", f"{trigger} {scheduled_at.isoformat() if scheduled_at else ''}"
            )
    except sa.exc.IntegrityError:
        return None
    return run_id


def get(eng: sa.Engine, run_id: str) -> Run | None:
    with eng.connect() as con:
        row = con.execute(sa.select(job_runs).where(job_runs.c.run_id == run_id)).first()
    return Run.from_row(row) if row else None


def claim(eng: sa.Engine, run_id: str, now: dt.datetime) -> Run | None:
    """Take a pending or due retrying run to ``working`` (one process wins); None if not claimable."""
    t = db_time(now)
    with eng.begin() as con:
        res = con.execute(
            job_runs.update()
            .where(job_runs.c.run_id == run_id)
            .where(job_runs.c.state.in_(("pending", "retrying")))
            .where(sa.or_(job_runs.c.next_attempt_at.is_(None), job_runs.c.next_attempt_at <= t))
            .values(
                state="working",
                attempt=job_runs.c.attempt + 1,
                started_at=t,
                ended_at=None,
                next_attempt_at=None,
            )
        )
        if res.rowcount != 1:
            return None
        run = Run.from_row(con.execute(sa.select(job_runs).where(job_runs.c.run_id == run_id)).first())
        event(con, run_id, now, "claimed", f"attempt {run.attempt} of {run.max_attempts}")
    return run


def set_fields(eng: sa.Engine, run: Run, **values: Any) -> None:
    """Update a working run's period, parameters, warehouse version or archive version."""
    if "parameters" in values:
        values["parameters_json"] = json.dumps(values.pop("parameters"), default=str, ensure_ascii=False)
    with eng.begin() as con:
        con.execute(job_runs.update().where(job_runs.c.run_id == run.run_id).values(**values))


def next_version(eng: sa.Engine, run: Run) -> int:
    """Give a working report run the next archive version of its period (1, 2, …) and return it."""
    with eng.begin() as con:
        prior = (
            sa.select(sa.func.coalesce(sa.func.max(job_runs.c.version), 0) + 1)
            .where(job_runs.c.job_id == run.job_id, job_runs.c.period == run.period)
            .scalar_subquery()
        )
        con.execute(job_runs.update().where(job_runs.c.run_id == run.run_id).values(version=prior))
        return con.execute(sa.select(job_runs.c.version).where(job_runs.c.run_id == run.run_id)).scalar_one()


def _close_attempt(con: sa.Connection, run: Run, **values: Any) -> bool:
    """End this attempt of a working run; False when it is no longer this attempt's to end
    (it was marked stuck, or another process closed it)."""
    this_attempt = (
        job_runs.c.run_id == run.run_id,
        job_runs.c.state == "working",
        job_runs.c.attempt == run.attempt,
    )
    return con.execute(job_runs.update().where(*this_attempt).values(**values)).rowcount == 1


def succeed(eng: sa.Engine, run: Run, now: dt.datetime, detail: str | None = None) -> bool:
    """Mark this attempt successful (False when the run was meanwhile marked stuck)."""
    with eng.begin() as con:
        closed = _close_attempt(con, run, state="success", ended_at=db_time(now), error=None)
        event(con, run.run_id, now, "success" if closed else "late_success", detail)
    return closed


def fail(
    eng: sa.Engine, run: Run, now: dt.datetime, error: str, retry_delay_s: float, event_name: str = "failed"
) -> str:
    """Record a failed attempt: ``retrying`` (next attempt after the delay) or ``error`` when it was
    the last. Returns the new state."""
    final = run.attempt >= run.max_attempts
    state = "error" if final else "retrying"
    values: dict[str, Any] = {"state": state, "ended_at": db_time(now), "error": error[:4000]}
    if not final:
        values["next_attempt_at"] = db_time(now + dt.timedelta(seconds=retry_delay_s))
    with eng.begin() as con:
        if not _close_attempt(con, run, **values):
            return get(eng, run.run_id).state  # someone else already closed this attempt
        event(con, run.run_id, now, event_name, f"attempt {run.attempt}: {error[:2000]}")
        if final:
            event(con, run.run_id, now, "error", f"gave up after {run.attempt} attempt(s)")
        else:
            event(con, run.run_id, now, "retry_scheduled", values["next_attempt_at"].isoformat())
    return state


def stuck(eng: sa.Engine, now: dt.datetime, timeout: dt.timedelta) -> list[Run]:
    """Runs working since before ``now - timeout`` (their process died or hangs)."""
    with eng.connect() as con:
        rows = con.execute(
            sa.select(job_runs).where(
                job_runs.c.state == "working", job_runs.c.started_at < db_time(now - timeout)
            )
        ).all()
    return [Run.from_row(r) for r in rows]


def due(eng: sa.Engine, now: dt.datetime) -> list[Run]:
    """Runs ready to start: pending, or retrying whose back-off has passed; refreshes first, oldest first."""
    t = db_time(now)
    with eng.connect() as con:
        rows = con.execute(
            sa.select(job_runs)
            .where(
                sa.or_(
                    job_runs.c.state == "pending",
                    sa.and_(job_runs.c.state == "retrying", job_runs.c.next_attempt_at <= t),
                )
            )
            .order_by(job_runs.c.kind != "refresh", job_runs.c.scheduled_at, job_runs.c.created_at)
        ).all()
    return [Run.from_row(r) for r in rows]


# --- schedules ------------------------------------------------------------------------


def schedule_cursors(
    eng: sa.Engine, jobs: list[str], now: dt.datetime
) -> dict[str, tuple[dt.datetime, bool]]:
    """job -> (cursor, paused); a job seen for the first time starts at ``now`` (no back-fill)."""
    with eng.connect() as con:
        rows = {r.job_id: (utc(r.cursor), bool(r.paused)) for r in con.execute(sa.select(job_schedules))}
    new = [j for j in jobs if j not in rows]
    if new:
        with eng.begin() as con:
            for job in new:
                con.execute(
                    job_schedules.insert().values(
                        job_id=job, cursor=db_time(now), paused=False, updated_at=db_time(now)
                    )
                )
                rows[job] = (now, False)
    return {j: rows[j] for j in jobs}


def advance_cursors(eng: sa.Engine, jobs: list[str], now: dt.datetime) -> None:
    """The schedules of ``jobs`` were evaluated up to ``now``."""
    with eng.begin() as con:
        con.execute(
            job_schedules.update()
            .where(job_schedules.c.job_id.in_(jobs))
            .values(cursor=db_time(now), updated_at=db_time(now))
        )


def set_paused(eng: sa.Engine, job_id: str, paused: bool, now: dt.datetime) -> None:
    """Pause or resume a job's schedule (a run in flight goes on)."""
    schedule_cursors(eng, [job_id], now)
    with eng.begin() as con:
        con.execute(
            job_schedules.update()
            .where(job_schedules.c.job_id == job_id)
            .values(paused=paused, updated_at=db_time(now))
        )


# --- reading for people ---------------------------------------------------------------


def history(eng: sa.Engine, job_id: str | None = None, limit: int = 200) -> pd.DataFrame:
    """The latest runs (newest first) as a frame."""
    q = sa.select(job_runs).order_by(job_runs.c.created_at.desc()).limit(limit)
    if job_id:
        q = q.where(job_runs.c.job_id == job_id)
    with eng.connect() as con:
        return pd.DataFrame(con.execute(q).mappings().all(), columns=[c.name for c in job_runs.columns])


def events(eng: sa.Engine, run_id: str) -> pd.DataFrame:
    with eng.connect() as con:
        rows = (
            con.execute(
                sa.select(job_run_events)
                .where(job_run_events.c.run_id == run_id)
                .order_by(job_run_events.c.event_id)
            )
            .mappings()
            .all()
        )
    return pd.DataFrame(rows, columns=[c.name for c in job_run_events.columns])


def files(eng: sa.Engine, run_id: str | None = None, include_pruned: bool = False) -> pd.DataFrame:
    """Archived files (of one run, or all), newest first."""
    q = sa.select(report_files).order_by(report_files.c.created_at.desc(), report_files.c.file_name)
    if run_id:
        q = q.where(report_files.c.run_id == run_id)
    if not include_pruned:
        q = q.where(report_files.c.pruned_at.is_(None))
    with eng.connect() as con:
        return pd.DataFrame(con.execute(q).mappings().all(), columns=[c.name for c in report_files.columns])
