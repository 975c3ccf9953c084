"""Primary keys that came more than once: recorded in ``ops.data_quality`` with every version.

- Tables merged on their primary key (the ERP, the API, GL master data): within one load the
  newest version of a key wins (the cursor, ``updated_at``, sorted descending). Every version of
  a key that arrived more than once in the load is recorded, ``kept`` saying which one the raw
  table now holds. The versions are read from dlt's staging table, which holds exactly the rows
  of the load (it is emptied after this check).
- GL tables whose files replace their own rows (``merge_key = "source_file"``): two lines with the
  same key are both kept (the books have them twice; the warehouse tests flag it) and both are
  recorded, when the load touched that key.
"""

from __future__ import annotations

from typing import Any

import duckdb

from ingestion.config import DELETED_AT, TableSpec
from ingestion.cursors import key_sql, table_exists
from ingestion.validate import raw_json

#: columns dlt adds to every row (not part of a version)
DLT_COLUMNS = ("_dlt_load_id", "_dlt_id", DELETED_AT)


def _columns(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> list[str]:
    rows = con.execute(f'describe "{dataset}"."{table}"').fetchall()
    return [r[0] for r in rows if r[0] not in DLT_COLUMNS]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _detail(spec: TableSpec, n: int, kept: dict[str, Any] | None) -> str:
    if kept is None:
        return f"{n} lines with this key; all are kept (the GL holds it twice)"
    newest = f" ({spec.cursor} {kept.get(spec.cursor)}, the newest)" if spec.cursor else ""
    return f"{n} versions in one load; the raw table keeps one{newest}"


def _finding(spec: TableSpec, key: str, version: dict[str, Any], detail: str, kept: bool) -> dict[str, Any]:
    location = version.get("source_file") or spec.options.get("source_table") or spec.name
    return {
        "table_name": spec.name,
        "source_location": location,
        "record_key": key,
        "check_name": "duplicate_key",
        "detail": detail,
        "raw_record": raw_json(version),
        "kept": kept,
    }


def merged_duplicates(con: duckdb.DuckDBPyConnection, dataset: str, spec: TableSpec) -> list[dict[str, Any]]:
    """Keys that came more than once in the last load of a primary-key merge (see module doc)."""
    staging = f"{dataset}_staging"
    if not table_exists(con, staging, spec.name) or not table_exists(con, dataset, spec.name):
        return []
    cols = _columns(con, staging, spec.name)
    quoted = ", ".join(f'"{c}"' for c in cols)
    key = key_sql(spec.primary_key, sep="/")
    versions = _rows(
        con,
        f"""with dup as (select {key} as k from "{staging}"."{spec.name}" group by k having count(*) > 1)
            select {key} as _key, {quoted} from "{staging}"."{spec.name}" where {key} in (select k from dup)
            order by _key""",
    )
    if not versions:
        return []
    kept_rows = _rows(
        con,
        f"""select {key} as _key, {quoted} from "{dataset}"."{spec.name}"
            where {key} in (select unnest(?::varchar[]))""",
        [sorted({v["_key"] for v in versions})],
    )
    kept = {r.pop("_key"): r for r in kept_rows}
    out = []
    counts: dict[str, int] = {}
    for v in versions:
        counts[v["_key"]] = counts.get(v["_key"], 0) + 1
    for v in versions:
        k = v.pop("_key")
        winner = kept.get(k)
        out.append(_finding(spec, k, v, _detail(spec, counts[k], winner or {}), v == winner))
    return out


def file_duplicates(
    con: duckdb.DuckDBPyConnection, dataset: str, spec: TableSpec, load_ids: list[str]
) -> list[dict[str, Any]]:
    """Live GL lines sharing a key with another live line, where this load wrote one of them."""
    if not load_ids or not table_exists(con, dataset, spec.name):
        return []
    cols = _columns(con, dataset, spec.name)
    quoted = ", ".join(f'"{c}"' for c in cols)
    key = key_sql(spec.primary_key, sep="/")
    live = f'"{DELETED_AT}" is null'
    versions = _rows(
        con,
        f"""with dup as (
                select {key} as k from "{dataset}"."{spec.name}" where {live}
                group by k having count(*) > 1 and bool_or(_dlt_load_id in (select unnest(?::varchar[]))))
            select {key} as _key, {quoted} from "{dataset}"."{spec.name}"
            where {live} and {key} in (select k from dup) order by _key, source_file""",
        [load_ids],
    )
    counts: dict[str, int] = {}
    for v in versions:
        counts[v["_key"]] = counts.get(v["_key"], 0) + 1
    out = []
    for v in versions:
        k = v.pop("_key")
        out.append(_finding(spec, k, v, _detail(spec, counts[k], None), True))
    return out


def empty_staging(con: duckdb.DuckDBPyConnection, dataset: str) -> None:
    """Empty the staging tables of a dataset (the load's rows are in the raw tables now)."""
    staging = f"{dataset}_staging"
    tables = con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? and not starts_with(table_name, '_dlt')",
        [staging],
    ).fetchall()
    for (t,) in tables:
        con.execute(f'delete from "{staging}"."{t}"')
