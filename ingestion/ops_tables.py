"""The bookkeeping tables ingestion keeps in the raw file's ``ops`` schema, next to the data:

- ``ops.run_log``: one row per run, source and table (rows loaded, quarantined, deleted);
- ``ops.data_quality``: findings about loaded data an operator should see — both versions of a
  key that came twice in one load, rows deleted in the source, files accepted over a broken
  promise;
- ``ops.source_files``: the GL file versions loaded (content hash, size, lines, totals);
- ``ops.delete_checks``: when each table's keys were last compared with the source.

All are created (empty) before the first load, so every table the warehouse reads exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import duckdb

DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.run_log (
    run_id VARCHAR, source VARCHAR, table_name VARCHAR, started_at TIMESTAMP, ended_at TIMESTAMP,
    status VARCHAR, rows_loaded BIGINT, rows_quarantined BIGINT, error VARCHAR, seconds DOUBLE
);
ALTER TABLE ops.run_log ADD COLUMN IF NOT EXISTS rows_deleted BIGINT;
ALTER TABLE ops.run_log ADD COLUMN IF NOT EXISTS warnings VARCHAR;
CREATE TABLE IF NOT EXISTS ops.data_quality (
    finding_id VARCHAR PRIMARY KEY, run_id VARCHAR, source_name VARCHAR, table_name VARCHAR,
    source_location VARCHAR, record_key VARCHAR, check_name VARCHAR, detail VARCHAR,
    raw_record VARCHAR, kept BOOLEAN, found_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS ops.source_files (
    table_name VARCHAR, source_file VARCHAR, size_bytes BIGINT, sha256 VARCHAR, layout_hash VARCHAR,
    lines_read BIGINT, lines_loaded BIGINT, debit_total DECIMAL(38, 2), credit_total DECIMAL(38, 2),
    loaded_at TIMESTAMP, run_id VARCHAR, load_id VARCHAR,
    PRIMARY KEY (table_name, source_file)
);
CREATE TABLE IF NOT EXISTS ops.delete_checks (
    source VARCHAR, table_name VARCHAR, checked_at TIMESTAMP, run_id VARCHAR,
    keys_in_source BIGINT, rows_marked_deleted BIGINT, rows_restored BIGINT,
    PRIMARY KEY (source, table_name)
);
"""

RUN_LOG_COLUMNS = (
    "run_id, source, table_name, started_at, ended_at, status, rows_loaded, rows_quarantined, error, "
    "seconds, rows_deleted, warnings"
)


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ops tables that do not exist yet."""
    con.execute(DDL)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def write_run_log(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    ensure(con)
    marks = ", ".join("?" * len(RUN_LOG_COLUMNS.split(",")))
    con.executemany(f"INSERT INTO ops.run_log ({RUN_LOG_COLUMNS}) VALUES ({marks})", rows)


def finding_id(source: str, f: dict[str, Any]) -> str:
    """Stable key of a finding: the same finding seen again is not recorded twice."""
    text = "\x1f".join(
        str(x) for x in (source, f["table_name"], f.get("record_key"), f["check_name"], f.get("raw_record"))
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def write_findings(
    con: duckdb.DuckDBPyConnection, source: str, run_id: str, findings: list[dict[str, Any]]
) -> None:
    """Record data-quality findings (each once)."""
    if not findings:
        return
    ensure(con)
    at = now()
    rows = {
        finding_id(source, f): (
            finding_id(source, f),
            run_id,
            source,
            f["table_name"],
            f.get("source_location"),
            f.get("record_key"),
            f["check_name"],
            f.get("detail"),
            f.get("raw_record"),
            f.get("kept"),
            at,
        )
        for f in findings
    }
    con.executemany(
        "INSERT OR IGNORE INTO ops.data_quality VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(rows.values())
    )
