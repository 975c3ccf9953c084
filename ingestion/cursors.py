"""Where an incremental read starts: the newest cursor value among the rows already loaded.

The start comes from the raw table itself, never from a cursor the reader advanced: a row that
was read but quarantined (a malformed value, an ``updated_at`` in 2099) never moves it, and a
rebuilt raw file starts from the beginning. Reads start a little before the newest value
(``cursor_overlap_seconds``, 60 by default) so a row committed late with an earlier or equal time
stamp, or a database that compares time stamps as text, loses nothing; the rows of that window
already loaded unchanged (same key, same cursor value) are dropped on arrival, so an unchanged
source loads nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import TableSpec

KEY_SEP = "\x1f"


@dataclass
class CursorStart:
    """Where a read starts (``value``: None = read everything) and the rows of the overlap window
    already loaded (``boundary``: key + cursor value texts)."""

    value: Any = None
    boundary: set[str] = field(default_factory=set)
    #: keys the source has that were never loaded although older than ``value`` (back-dated rows,
    #: rows restored with their old time stamp): read again by key
    missed: list[tuple] = field(default_factory=list)

    def drop_boundary(self, table: pa.Table, spec: TableSpec) -> pa.Table:
        """``table`` without the rows loaded before unchanged (same key and cursor value)."""
        if (
            self.value is None
            or not self.boundary
            or not spec.cursor
            or spec.cursor not in table.column_names
        ):
            return table
        seen = pc.is_in(version_strings(table, spec), value_set=pa.array(sorted(self.boundary)))
        return table.filter(pc.invert(seen.fill_null(False)))


def key_strings(table: pa.Table, keys: list[str]) -> pa.Array:
    """A table's key columns as one text per row (the same text ``key_sql`` gives in DuckDB)."""
    parts = [pc.cast(table.column(k), pa.string()) for k in keys]
    return pc.binary_join_element_wise(*parts, KEY_SEP) if len(parts) > 1 else parts[0]


def sql_text(value: str) -> str:
    """A one-character text literal for DuckDB SQL."""
    return "'" + value.replace("'", "''") + "'" if value.isprintable() else f"chr({ord(value)})"


def key_sql(keys: list[str], alias: str = "", sep: str = KEY_SEP) -> str:
    """SQL for a row's key columns as one text (``sep`` between them)."""
    prefix = f"{alias}." if alias else ""
    cols = [f'cast({prefix}"{k}" as varchar)' for k in keys]
    return cols[0] if len(cols) == 1 else f"concat_ws({sql_text(sep)}, {', '.join(cols)})"


def _cursor_text(arr: Any) -> pa.Array:
    if pa.types.is_timestamp(arr.type):
        return pc.cast(pc.cast(arr, pa.timestamp("us")), pa.int64()).cast(pa.string())
    return pc.cast(arr, pa.string())


def version_strings(table: pa.Table, spec: TableSpec) -> pa.Array:
    """Key and cursor value of every row as one text (as ``version_sql`` gives in DuckDB)."""
    cursor = _cursor_text(table.column(spec.cursor).combine_chunks())
    return pc.binary_join_element_wise(key_strings(table, spec.primary_key), cursor, KEY_SEP)


def version_sql(spec: TableSpec, cursor_type: str) -> str:
    cursor = f'"{spec.cursor}"'
    is_ts = cursor_type.upper().startswith("TIMESTAMP")
    text = f"cast(epoch_us({cursor}) as varchar)" if is_ts else f"cast({cursor} as varchar)"
    return f"concat_ws(chr(31), {key_sql(spec.primary_key)}, {text})"


def table_exists(con: duckdb.DuckDBPyConnection, dataset: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [dataset, table],
        ).fetchone()[0]
    )


def cursor_start(
    con: duckdb.DuckDBPyConnection, dataset: str, spec: TableSpec, overlap: dt.timedelta = dt.timedelta(0)
) -> CursorStart:
    """The start of the next incremental read of one table (an empty start = a full read)."""
    if not spec.cursor or not table_exists(con, dataset, spec.name):
        return CursorStart()
    types = {r[0]: r[1] for r in con.execute(f'describe "{dataset}"."{spec.name}"').fetchall()}
    if spec.cursor not in types:
        return CursorStart()
    newest = con.execute(f'select max("{spec.cursor}") from "{dataset}"."{spec.name}"').fetchone()[0]
    if newest is None:
        return CursorStart()
    start = newest - overlap if isinstance(newest, dt.datetime) else newest
    versions = version_sql(spec, types[spec.cursor])
    boundary = con.execute(
        f'select {versions} from "{dataset}"."{spec.name}" where "{spec.cursor}" >= ?', [start]
    ).fetchall()
    return CursorStart(start, {r[0] for r in boundary})
