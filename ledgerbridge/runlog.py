"""The refresh run log: one small SQLite file (``data/run_log.sqlite``).

Every ``ledgerbridge run`` records its steps (ingest, dbt, publish) with status,
seconds and error, and the per-node results of its dbt build. The app's
monitor reads this file even when a failed run published nothing. SQLite, not
DuckDB: a DuckDB writer would lock every reader out while a run is going.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ledgerbridge.paths import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL,            -- running | success | failed
    failed_step TEXT,
    error TEXT,
    published_path TEXT,
    seconds REAL,
    summary_json TEXT
);
CREATE TABLE IF NOT EXISTS run_steps (
    run_id TEXT NOT NULL,
    step TEXT NOT NULL,              -- ingest | dbt | publish
    status TEXT NOT NULL,            -- success | failed | skipped
    started_at TEXT,
    ended_at TEXT,
    seconds REAL,
    rows INTEGER,
    error TEXT,
    PRIMARY KEY (run_id, step)
);
CREATE TABLE IF NOT EXISTS dbt_results (
    run_id TEXT NOT NULL,
    unique_id TEXT NOT NULL,
    resource_type TEXT,
    node_name TEXT,
    status TEXT,
    failures INTEGER,
    message TEXT,
    execution_seconds REAL,
    PRIMARY KEY (run_id, unique_id)
);
"""


def runlog_path() -> Path:
    """Where the run log lives (``<data dir>/run_log.sqlite``)."""
    return data_dir() / "run_log.sqlite"


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")


@contextlib.contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection with the schema in place; commits on success, always closes."""
    target = Path(path or runlog_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, timeout=10)
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.executescript(SCHEMA)
        yield con
        con.commit()
    finally:
        con.close()


def start_run(run_id: str, path: Path | None = None) -> None:
    """Record that a run started."""
    with connect(path) as con:
        con.execute(
            "INSERT OR REPLACE INTO runs (run_id, started_at, status) VALUES (?, ?, 'running')",
            (run_id, _now()),
        )


def record_step(
    run_id: str,
    step: str,
    status: str,
    *,
    started_at: str | None = None,
    seconds: float | None = None,
    rows: int | None = None,
    error: str | None = None,
    path: Path | None = None,
) -> None:
    """Record (or update) one step of a run."""
    with connect(path) as con:
        con.execute(
            "INSERT OR REPLACE INTO run_steps "
            "(run_id, step, status, started_at, ended_at, seconds, rows, error) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, step, status, started_at, _now(), seconds, rows, error),
        )


def record_dbt_results(run_id: str, results: Iterable[dict[str, Any]], path: Path | None = None) -> None:
    """Store the per-node results of the run's dbt build."""
    rows = [
        (
            run_id,
            r["unique_id"],
            r.get("resource_type"),
            r.get("node_name"),
            r.get("status"),
            r.get("failures"),
            r.get("message"),
            r.get("execution_seconds"),
        )
        for r in results
    ]
    with connect(path) as con:
        con.executemany("INSERT OR REPLACE INTO dbt_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def finish_run(
    run_id: str,
    status: str,
    *,
    seconds: float,
    failed_step: str | None = None,
    error: str | None = None,
    published_path: str | None = None,
    summary: dict[str, Any] | None = None,
    path: Path | None = None,
) -> None:
    """Record how a run ended."""
    with connect(path) as con:
        con.execute(
            "UPDATE runs SET ended_at = ?, status = ?, failed_step = ?, error = ?, published_path = ?, "
            "seconds = ?, summary_json = ? WHERE run_id = ?",
            (
                _now(),
                status,
                failed_step,
                error,
                published_path,
                seconds,
                json.dumps(summary, default=str) if summary is not None else None,
                run_id,
            ),
        )


ABANDONED = (
    "the run stopped without finishing (the process was killed or the machine stopped); "
    "nothing it built was published"
)


def fail_abandoned_runs(path: Path | None = None) -> list[str]:
    """Mark runs still recorded as ``running`` as failed; returns their ids.

    Call only while holding the run lock: then no other run can be going, so a ``running``
    record belongs to a process that died (SIGKILL, power loss) before it could finish.
    """
    target = Path(path or runlog_path())
    if not target.exists():
        return []
    with connect(target) as con:
        ids = [r[0] for r in con.execute("SELECT run_id FROM runs WHERE status = 'running'")]
        for run_id in ids:
            last = con.execute(
                "SELECT step FROM run_steps WHERE run_id = ? ORDER BY rowid DESC LIMIT 1", (run_id,)
            ).fetchone()
            # the step it died in is the one after the last it recorded
            died_in = {None: "ingest", "ingest": "dbt", "dbt": "publish"}.get(last[0] if last else None)
            con.execute(
                "UPDATE runs SET status = 'failed', ended_at = ?, failed_step = ?, error = ? "
                "WHERE run_id = ?",
                (_now(), died_in, ABANDONED, run_id),
            )
    return ids


def _rows(con: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    con.row_factory = sqlite3.Row
    return [dict(r) for r in con.execute(sql, params).fetchall()]


def recent_runs(limit: int = 20, path: Path | None = None) -> list[dict[str, Any]]:
    """The latest runs, newest first (empty when no run was ever recorded)."""
    target = Path(path or runlog_path())
    if not target.exists():
        return []
    with connect(target) as con:
        return _rows(con, "SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))


def run_steps(run_id: str, path: Path | None = None) -> list[dict[str, Any]]:
    """The steps of one run in the order they ran."""
    target = Path(path or runlog_path())
    if not target.exists():
        return []
    with connect(target) as con:
        return _rows(con, "SELECT * FROM run_steps WHERE run_id = ? ORDER BY rowid", (run_id,))


def dbt_results(run_id: str, path: Path | None = None) -> list[dict[str, Any]]:
    """The dbt node results of one run."""
    target = Path(path or runlog_path())
    if not target.exists():
        return []
    with connect(target) as con:
        return _rows(con, "SELECT * FROM dbt_results WHERE run_id = ? ORDER BY unique_id", (run_id,))
