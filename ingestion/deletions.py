"""Hard deletes: the keys a source holds now, compared with the live rows of its raw table.

A raw row whose key the source no longer has gets ``_deleted_at`` (the time the check saw it
gone); it is kept, not dropped, and recorded in ``ops.data_quality`` (``deleted_in_source``). A
key that comes back clears the mark (``restored_in_source``). The comparison runs per table on a
schedule (``delete_check_hours``: 0 = every run) and is recorded in ``ops.delete_checks``.

A quarantine record whose key the source no longer has is resolved (removed) too.

A snapshot that would mark more than ``delete_check_max_share`` of a table's live rows deleted
at once is not applied (a wrong schema, an empty view or a half-restored database look like
that): the run warns instead, and an operator raises the share for one run if it is real.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.config import DELETED_AT, IngestConfig, TableSpec
from ingestion.cursors import key_sql, key_strings, table_exists
from ingestion.ops_tables import now


@dataclass
class DeleteCheck:
    """What one table's key comparison did."""

    table: str
    keys_in_source: int
    marked: int = 0
    restored: int = 0
    refused: str | None = None


def due(
    con: duckdb.DuckDBPyConnection, cfg: IngestConfig, source: str, spec: TableSpec, at: dt.datetime
) -> bool:
    """Whether a table's keys should be compared this run."""
    if not spec.primary_key or spec.options.get("delete_check", True) is False:
        return False
    hours = float(spec.options.get("delete_check_hours", cfg.value(source, "delete_check_hours", 0)))
    if hours < 0:
        return False
    last = con.execute(
        "select checked_at from ops.delete_checks where source = ? and table_name = ?", [source, spec.name]
    ).fetchone()
    return last is None or at - last[0] >= dt.timedelta(hours=hours)


#: more missed keys than this and the table is read in full instead of key by key
MAX_MISSED = 10_000


def missed_keys(
    con: duckdb.DuckDBPyConnection, dataset: str, spec: TableSpec, keys: pa.Table
) -> tuple[list[tuple] | None, list[str]]:
    """Keys the source holds that are neither live in the raw table nor quarantined: rows an
    incremental read skips (inserted with an old time stamp, restored after a delete). None when
    there are so many that reading the table in full is cheaper. Also the keys (``a/b`` text) of
    rows marked deleted that are back."""
    if not keys.num_rows or not table_exists(con, dataset, spec.name):
        return [], []
    current = keys.append_column("lb_k", key_strings(keys, spec.primary_key))
    con.register("lb_source_keys", current)
    try:
        key = key_sql(spec.primary_key)
        target = f'"{dataset}"."{spec.name}"'
        quarantined = ""
        if table_exists(con, dataset, "quarantine"):
            quarantined = (
                f"and replace(k.lb_k, chr(31), '/') not in (select record_key from \"{dataset}\".quarantine "
                f"where table_name = '{spec.name}')"
            )
        cols = ", ".join(f'k."{c}"' for c in spec.primary_key)
        rows = con.execute(
            f"""select {cols} from lb_source_keys k
                where k.lb_k not in (select {key} from {target} where "{DELETED_AT}" is null)
                {quarantined} limit {MAX_MISSED + 1}"""
        ).fetchall()
        back = con.execute(
            f"""select {key_sql(spec.primary_key, sep="/")} from {target}
                where "{DELETED_AT}" is not null and {key} in (select lb_k from lb_source_keys)"""
        ).fetchall()
    finally:
        con.unregister("lb_source_keys")
    return (None if len(rows) > MAX_MISSED else rows), [r[0] for r in back]


def compare_keys(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    source: str,
    spec: TableSpec,
    keys: pa.Table,
    run_id: str,
    max_share: float,
    load_ids: list[str] = (),
    restored_before: list[str] = (),
) -> tuple[DeleteCheck, list[dict[str, Any]]]:
    """Mark and restore rows of one raw table by the source's current keys; returns the check and
    its data-quality findings."""
    check = DeleteCheck(spec.name, keys.num_rows)
    if not table_exists(con, dataset, spec.name):
        return check, []
    at = now()
    current = pa.table(
        {"k": key_strings(keys, spec.primary_key) if keys.num_rows else pa.array([], pa.string())}
    )
    con.register("lb_source_keys", current)
    try:
        target = f'"{dataset}"."{spec.name}"'
        key = key_sql(spec.primary_key)
        # a row this run loaded is in the source even if the snapshot (taken first) missed it
        this_run = "(select unnest(?::varchar[]))"
        gone = (
            f'"{DELETED_AT}" is null and {key} not in (select k from lb_source_keys) '
            f"and _dlt_load_id not in {this_run}"
        )
        live_rows = f'count(*) filter (where "{DELETED_AT}" is null)'
        live, missing = con.execute(
            f"select {live_rows}, count(*) filter (where {gone}) from {target}", [list(load_ids)]
        ).fetchone()
        if missing and missing > max_share * live:
            check.refused = (
                f"{spec.name}: the source has {keys.num_rows:,} keys; marking {missing:,} of {live:,} rows "
                f"deleted exceeds delete_check_max_share ({max_share:g}): nothing marked"
            )
            return check, []
        findings = []
        if missing:
            rows = con.execute(
                f"select {key_sql(spec.primary_key, sep='/')}, to_json(t) from {target} t where {gone}",
                [list(load_ids)],
            ).fetchall()
            con.execute(f'update {target} set "{DELETED_AT}" = ? where {gone}', [at, list(load_ids)])
            check.marked = len(rows)
            findings += [_finding(spec, k, raw, "deleted_in_source", at) for k, raw in rows]
        back = f'"{DELETED_AT}" is not null and {key} in (select k from lb_source_keys)'
        slash_key = key_sql(spec.primary_key, sep="/")
        rows = con.execute(f"select {slash_key} from {target} where {back}").fetchall()
        if rows:
            con.execute(f'update {target} set "{DELETED_AT}" = null where {back}')
        # rows marked deleted whose keys came back: read again by key (missed_keys) or unmarked here
        restored = sorted({*(r[0] for r in rows), *restored_before})
        live = con.execute(
            f'select {slash_key} from {target} where "{DELETED_AT}" is null '
            f"and {slash_key} in (select unnest(?::varchar[]))",
            [restored],
        ).fetchall()
        check.restored = len(live)
        findings += [_finding(spec, k, None, "restored_in_source", at) for (k,) in live]
        if not spec.record_key and table_exists(con, dataset, "quarantine"):
            # a quarantined row the source no longer has is no longer a problem of the source
            # (rows quarantined for having no key are never matched here)
            con.execute(
                f"""delete from "{dataset}".quarantine where table_name = ? and reason <> 'missing_key'
                    and record_key not in (select replace(k, chr(31), '/') from lb_source_keys)""",
                [spec.name],
            )
        record_check(con, source, spec.name, run_id, keys.num_rows, check.marked, check.restored)
        return check, findings
    finally:
        con.unregister("lb_source_keys")


def record_check(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table: str,
    run_id: str,
    keys: int,
    marked: int = 0,
    restored: int = 0,
) -> None:
    """Note that a table's keys were compared with its source now (a full read counts as one)."""
    con.execute(
        "insert or replace into ops.delete_checks values (?, ?, ?, ?, ?, ?, ?)",
        [source, table, now(), run_id, keys, marked, restored],
    )


def _finding(spec: TableSpec, key: str, raw: str | None, check: str, at: dt.datetime) -> dict[str, Any]:
    what = "no longer in the source: marked deleted" if check == "deleted_in_source" else "back in the source"
    return {
        "table_name": spec.name,
        "source_location": spec.options.get("source_table", spec.name),
        "record_key": key,
        "check_name": check,
        "detail": f"{spec.name} {key}: {what} ({at:%Y-%m-%d %H:%M:%S})",
        "raw_record": raw,
        "kept": check != "deleted_in_source",
    }


def mark_file_rows(con: duckdb.DuckDBPyConnection, dataset: str, spec: TableSpec, source_file: str) -> int:
    """Mark every live row of a removed GL file deleted; returns how many."""
    if not table_exists(con, dataset, spec.name):
        return 0
    target = f'"{dataset}"."{spec.name}"'
    n = con.execute(
        f'select count(*) from {target} where source_file = ? and "{DELETED_AT}" is null', [source_file]
    ).fetchone()[0]
    con.execute(
        f'update {target} set "{DELETED_AT}" = ? where source_file = ? and "{DELETED_AT}" is null',
        [now(), source_file],
    )
    return n
