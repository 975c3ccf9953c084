"""What runs once a source's load is in, on the same connection: duplicate keys recorded, rows a
re-read file no longer has removed (GL), quarantine records of rows that have since loaded
resolved (ERP, API), hard deletes marked, the staging tables emptied and the findings written."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from ingestion import gl_files
from ingestion.config import DELETED_AT, TableSpec
from ingestion.context import RunContext
from ingestion.cursors import key_sql
from ingestion.deletions import compare_keys, record_check
from ingestion.duplicates import empty_staging, file_duplicates, merged_duplicates
from ingestion.ops_tables import write_findings

DEFAULT_MAX_DELETE_SHARE = 0.5


def resolve_quarantine(
    con: duckdb.DuckDBPyConnection, dataset: str, specs: list[TableSpec], load_ids: list[str]
) -> None:
    """A quarantined row whose key has now loaded (the source corrected it) leaves the quarantine,
    and so does one whose key was quarantined again in this load (the newer version stands)."""
    if not load_ids:
        return
    with_records = {
        r[0] for r in con.execute(f'select distinct table_name from "{dataset}".quarantine').fetchall()
    }
    for spec in specs:
        if spec.name not in with_records or spec.record_key or not spec.primary_key:
            continue
        this_load = "(select unnest(?::varchar[]))"
        loaded_keys = f'select {key_sql(spec.primary_key, sep="/")} from "{dataset}"."{spec.name}"'
        con.execute(
            f"""delete from "{dataset}".quarantine q
                where q.table_name = ? and q._dlt_load_id not in {this_load} and q.reason <> 'missing_key'
                and (q.record_key in ({loaded_keys} where _dlt_load_id in {this_load})
                     or q.record_key in (select record_key from "{dataset}".quarantine
                                         where table_name = q.table_name and _dlt_load_id in {this_load}))""",
            [spec.name, load_ids, load_ids, load_ids],
        )


def ensure_deleted_at(con: duckdb.DuckDBPyConnection, dataset: str, specs: list[TableSpec]) -> None:
    """Every raw table has ``_deleted_at`` (a raw file written before it existed gets it too:
    dlt adds a new column only to the tables a load writes)."""
    lacking = con.execute(
        """select t.table_name from information_schema.tables t
           where t.table_schema = ? and t.table_name in (select unnest(?::varchar[]))
             and not exists (select 1 from information_schema.columns c where c.table_schema = t.table_schema
                             and c.table_name = t.table_name and c.column_name = ?)""",
        [dataset, [s.name for s in specs], DELETED_AT],
    ).fetchall()
    for (table,) in lacking:
        con.execute(f'alter table "{dataset}"."{table}" add column "{DELETED_AT}" timestamp')


def after_load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    dataset: str,
    specs: list[TableSpec],
    ctx: RunContext,
    load_ids: list[str],
    snapshots: dict[str, pa.Table],
    removals: list[Any],
    max_delete_share: float = DEFAULT_MAX_DELETE_SHARE,
) -> dict[str, int]:
    """The post-load steps (see the module docstring); returns rows marked deleted per table."""
    for spec in specs:
        if not ctx.rows[spec.name]:  # nothing loaded: no key can have come twice
            continue
        dups = (
            file_duplicates(con, dataset, spec, load_ids)
            if spec.merge_key
            else merged_duplicates(con, dataset, spec)
        )
        ctx.findings += dups
        if dups:
            keys = len({d["record_key"] for d in dups})
            ctx.warn(
                spec.name,
                f"{spec.name}: {keys:,} key(s) came more than once (every version is in ops.data_quality)",
            )
    if source == "finance":
        deleted = gl_files.after_load(con, dataset, ctx, removals, load_ids)
    else:
        resolve_quarantine(con, dataset, specs, load_ids)
        deleted = {}
    for spec in specs:
        if spec.name not in snapshots:
            if source != "finance" and ctx.starts[spec.name].value is None:
                # read in full: the source holds nothing the raw table lacks, the next check is due
                # a full interval from now
                record_check(
                    con, source, spec.name, ctx.run_id, ctx.rows[spec.name] + ctx.quarantined[spec.name]
                )
            continue
        check, findings = compare_keys(
            con,
            dataset,
            source,
            spec,
            snapshots[spec.name],
            ctx.run_id,
            max_delete_share,
            load_ids,
            ctx.restored.get(spec.name, []),
        )
        ctx.findings += findings
        deleted[spec.name] = deleted.get(spec.name, 0) + check.marked
        if check.refused:
            ctx.warn(spec.name, check.refused)
    empty_staging(con, dataset)
    write_findings(con, source, ctx.run_id, ctx.findings)
    return deleted
