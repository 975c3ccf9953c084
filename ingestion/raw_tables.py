"""The raw tables every load writes besides the data: the quarantine, and an empty table for each
configured table that has no rows yet — so every table the warehouse reads exists after the
first load, whatever the sources held."""

from __future__ import annotations

import hashlib
from typing import Any

import dlt
import duckdb
import pyarrow as pa

from ingestion.config import TableSpec
from ingestion.cursors import table_exists
from ingestion.ops_tables import now

QUARANTINE_TEXT = (
    "source_name",
    "table_name",
    "source_location",
    "record_key",
    "reason",
    "raw_record",
    "column_name",
    "column_value",
)
QUARANTINE_COLUMNS: dict[str, dict[str, Any]] = {
    "quarantine_id": {"data_type": "text", "nullable": False},
    **{c: {"data_type": "text"} for c in QUARANTINE_TEXT[:6]},
    "row_number": {"data_type": "bigint"},
    **{c: {"data_type": "text"} for c in QUARANTINE_TEXT[6:]},
    "quarantined_at": {"data_type": "timestamp", "timezone": False},
}


def quarantine_id(rec: dict[str, Any]) -> str:
    """Stable key of a quarantined row (not its location: an API page URL changes between runs)."""
    text = "\x1f".join(
        str(rec[k]) for k in ("source_name", "table_name", "record_key", "reason", "raw_record")
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def quarantine_resource(records: list[dict[str, Any]]) -> Any:
    """The quarantine rows of this load (merged on their stable id); empty creates the table."""
    seen: dict[str, dict[str, Any]] = {}
    for r in records:
        seen.setdefault(quarantine_id(r), r)
    at = now().replace(microsecond=0)
    table = pa.table(
        {
            "quarantine_id": pa.array(list(seen), pa.string()),
            **{c: pa.array([r.get(c) for r in seen.values()], pa.string()) for c in QUARANTINE_TEXT[:6]},
            "row_number": pa.array([r.get("row_number") for r in seen.values()], pa.int64()),
            **{c: pa.array([r.get(c) for r in seen.values()], pa.string()) for c in QUARANTINE_TEXT[6:]},
            "quarantined_at": pa.array([at] * len(seen), pa.timestamp("us")),
        }
    )
    table = table.cast(table.schema.set(0, table.schema.field(0).with_nullable(False)))
    return dlt.resource(
        table,
        name="quarantine",
        write_disposition="merge",
        primary_key="quarantine_id",
        columns=QUARANTINE_COLUMNS,
    )


def write_disposition(spec: TableSpec) -> tuple[Any, list[str] | None]:
    """(write disposition, primary key) of a raw table: GL files replace their own rows
    (delete-insert on ``source_file``); everything else merges on its primary key."""
    if spec.merge_key:
        # Merging on the file alone keeps the delete a hash join; with the primary key too, dlt
        # deletes on "key OR file", a nested loop over every row. Duplicate keys are recorded.
        return {"disposition": "merge", "strategy": "delete-insert"}, None
    return "merge", spec.primary_key


def empty_tables(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    specs: list[TableSpec],
    loaded: dict[str, int],
    columns: dict[str, list[str]],
) -> list[Any]:
    """An empty resource for every configured table that is not in the raw file and got no rows
    this time (``columns``: a table's known columns, e.g. reflected from the source)."""
    out = []
    for spec in specs:
        if loaded.get(spec.name) or table_exists(con, dataset, spec.name):
            continue
        cols = columns.get(spec.name) or list(
            dict.fromkeys([*spec.primary_key, *([spec.cursor] if spec.cursor else [])])
        )
        fields = [pa.field(c, spec.arrow_type(c), nullable=c not in spec.primary_key) for c in cols]
        disposition, primary_key = write_disposition(spec)
        out.append(
            dlt.resource(
                pa.schema(fields).empty_table(),
                name=spec.name,
                write_disposition=disposition,
                primary_key=primary_key,
                merge_key=spec.merge_key or None,
                columns=spec.dlt_columns(cols),
            )
        )
    return out
