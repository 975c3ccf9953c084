"""Validate and type one Arrow batch against its table spec, vectorised.

``conform(table, spec, location)`` returns the good rows cast to the contract's types and a
quarantine record for every bad row. The rules come from the configuration: required keys
(the primary key), date layouts, numbers, non-negative columns and known currencies. The first
rule a row breaks is its reason code.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import TableSpec

NUMBER_RE = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"
INT_RE = r"^\s*[+-]?\d+(\.0*)?\s*$"

#: Reason code per column kind when a text value cannot be read as that kind.
KIND_REASON = {
    "date": "malformed_date",
    "timestamp": "malformed_timestamp",
    "int": "invalid_number",
    "money": "non_numeric_amount",
    "qty": "non_numeric_amount",
    "rate": "non_numeric_amount",
    "fx": "non_numeric_amount",
}


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _blank(arr: pa.Array) -> pa.Array:
    """True where a value is null or (for text) empty after trimming."""
    if _is_text(arr.type):
        # empty, or only white space (utf8_is_space is false for ""): no trimmed copy of the column
        empty = pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr))
        return pc.or_kleene(pc.is_null(arr), empty).fill_null(True)
    return pc.is_null(arr)


def _parse_dates(arr: pa.Array, formats: list[str]) -> tuple[pa.Array, pa.Array]:
    """(date32 values, ok mask) for a text column; a value must round-trip (no 2025-02-30)."""
    if "%Y-%m-%d" in formats:
        # fast path: Arrow's ISO cast accepts exactly YYYY-MM-DD of a real calendar day and fails
        # the whole column otherwise (then the per-format check below finds the bad values)
        try:
            values = arr.cast(pa.date32())
            return values, pc.is_valid(values)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    text = pc.utf8_trim_whitespace(arr)
    out = pa.nulls(len(arr), pa.date32())
    ok = pa.array([False] * len(arr))
    for fmt in formats:
        ts = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
        back = pc.strftime(ts, format=fmt)
        good = pc.and_(pc.is_valid(ts), pc.equal(back, text).fill_null(False))
        out = pc.if_else(pc.and_(good, pc.invert(ok)), ts.cast(pa.date32()), out)
        ok = pc.or_(ok, good)
    return out, ok


def _to_decimal(arr: pa.Array, t: pa.Decimal128Type) -> pa.Array:
    if pa.types.is_floating(arr.type):
        return pc.round(arr, ndigits=t.scale).cast(t, safe=False)
    if _is_text(arr.type):
        text = pc.utf8_trim_whitespace(arr)
        try:
            return text.cast(t)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # more decimals than the scale: round
            q = decimal.Decimal(1).scaleb(-t.scale)
            vals = [
                None if v is None else decimal.Decimal(v).quantize(q, decimal.ROUND_HALF_UP)
                for v in text.to_pylist()
            ]
            return pa.array(vals, t)
    return arr.cast(t, safe=False)


def _convert(
    arr: pa.Array, kind: str, t: pa.DataType, formats: list[str]
) -> tuple[pa.Array, pa.Array | None]:
    """Cast one column to its kind; returns (typed values with nulls for bad ones, bad mask or None)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if arr.type == t:
        return arr, None
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), t), None
    if not _is_text(arr.type):
        if kind == "date" and pa.types.is_timestamp(arr.type):
            return arr.cast(pa.date32()), None
        if pa.types.is_decimal(t):
            return _to_decimal(arr, t), None
        if kind == "int" and pa.types.is_floating(arr.type):
            return pc.round(arr).cast(t), None
        if kind == "text" and pa.types.is_floating(arr.type):
            ints = pc.equal(pc.round(arr), arr).fill_null(False)
            return pc.if_else(ints, pc.round(arr).cast(pa.int64()).cast(t), arr.cast(t)), None
        return arr.cast(t, safe=False), None
    if kind == "text":
        return arr, None
    blank = _blank(arr)
    present = pc.invert(blank)
    if kind == "date":
        values, ok = _parse_dates(arr, formats)
    elif kind == "timestamp":
        text = pc.utf8_trim_whitespace(pc.if_else(blank, pa.scalar(None, arr.type), arr))
        try:
            values = text.cast(t)
            ok = pc.is_valid(values)
        except pa.ArrowInvalid:
            vals = []
            for v in text.to_pylist():
                try:
                    vals.append(None if v is None else dt.datetime.fromisoformat(v.replace("Z", "+00:00")))
                except ValueError:
                    vals.append(None)
            values = pa.array(vals, pa.timestamp("us")).cast(t)
            ok = pc.is_valid(values)
    else:
        ok = pc.match_substring_regex(arr, INT_RE if kind == "int" else NUMBER_RE).fill_null(False)
        clean = pc.if_else(ok, arr, pa.scalar(None, arr.type))
        if kind == "int":
            values = pc.replace_substring_regex(pc.utf8_trim_whitespace(clean), r"\.0*$", "").cast(t)
        else:
            values = _to_decimal(clean, t)
    bad = pc.and_(present, pc.invert(ok.fill_null(False)))
    values = pc.if_else(blank, pa.scalar(None, t), values)
    return values, bad


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def raw_json(record: dict[str, Any]) -> str:
    """A raw record as JSON text (keys in source order, non-ASCII kept)."""
    return json.dumps({k: _jsonable(v) for k, v in record.items()}, ensure_ascii=False, default=str)


def record_key(spec: TableSpec, record: dict[str, Any]) -> str:
    """How a (bad) row is named: the configured template, else the primary key joined by '/'."""

    def text(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(_jsonable(v)).strip()

    if spec.record_key:
        return spec.record_key.format_map(
            {k: text(v) for k, v in record.items()} | {c: text(record.get(c)) for c in spec.primary_key}
        )
    parts = [text(record.get(c)) for c in spec.primary_key]
    missing = [c for c, p in zip(spec.primary_key, parts, strict=True) if p == ""]
    if missing:
        return (f"(no {', '.join(missing)}) " + "/".join(p for p in parts if p)).strip()
    return "/".join(parts)


def quarantine_record(spec: TableSpec, location: str, record: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "source_name": spec.source,
        "table_name": spec.name,
        "source_location": location,
        "record_key": record_key(spec, record),
        "reason": reason,
        "raw_record": raw_json(record),
    }


def conform(table: pa.Table, spec: TableSpec, location: str) -> tuple[pa.Table, list[dict[str, Any]]]:
    """Good rows typed per the spec, plus quarantine records for the bad ones."""
    n = table.num_rows
    if n == 0:
        return _cast_empty(table, spec), []
    reason = pa.nulls(n, pa.string())

    def flag(mask: pa.Array | None, code: str) -> None:
        nonlocal reason
        if mask is None:
            return
        reason = pc.if_else(pc.and_(pc.is_null(reason), mask.fill_null(False)), pa.scalar(code), reason)

    # 1. required keys
    for col in spec.primary_key:
        if col not in table.column_names:
            flag(pa.array([True] * n), "missing_key")
        else:
            flag(_blank(table.column(col).combine_chunks()), "missing_key")
    # 2. types (dates, numbers, timestamps)
    typed: dict[str, pa.Array] = {}
    for col in table.column_names:
        arr = table.column(col).combine_chunks()
        kind = spec.kind(col)
        if col not in spec.kinds and not _is_text(arr.type):
            typed[col] = arr  # a column the configuration does not type: keep the source's type
            continue
        if col in spec.zero_if_empty and _is_text(arr.type):
            arr = pc.if_else(_blank(arr), pa.scalar("0"), arr)
        values, bad = _convert(arr, kind, spec.arrow_type(col), spec.date_formats)
        typed[col] = values
        flag(bad, KIND_REASON.get(kind, "invalid_value"))
    # 3. non-negative columns
    for col in spec.non_negative:
        if col in typed:
            zero = pa.scalar(
                decimal.Decimal(0) if pa.types.is_decimal(typed[col].type) else 0, typed[col].type
            )
            flag(pc.less(typed[col], zero), "negative_quantity")
    # 4. currencies
    known = pa.array(spec.known_currencies, pa.string())
    for col in spec.currency_columns:
        if col in typed and _is_text(typed[col].type):
            vals = typed[col]
            unknown = pc.and_(pc.is_valid(vals), pc.invert(pc.is_in(vals, value_set=known)))
            flag(unknown, "unknown_currency")

    bad_mask = pc.is_valid(reason)
    n_bad = pc.sum(bad_mask).as_py() or 0
    good = pa.table(typed)
    records: list[dict[str, Any]] = []
    if n_bad:
        good = good.filter(pc.invert(bad_mask))
        bad_rows = table.filter(bad_mask).to_pylist()
        reasons = reason.filter(bad_mask).to_pylist()
        records = [
            quarantine_record(spec, location, r, why) for r, why in zip(bad_rows, reasons, strict=True)
        ]
    return _not_null_keys(good, spec), records


def _not_null_keys(table: pa.Table, spec: TableSpec) -> pa.Table:
    """Mark key columns (validated non-null) as not nullable, as dlt's key hints expect."""
    keys = {*spec.primary_key, *([spec.merge_key] if spec.merge_key else [])}
    schema = table.schema
    for i, f in enumerate(schema):
        if f.name in keys and f.nullable and table.column(i).null_count == 0:
            schema = schema.set(i, f.with_nullable(False))
    return table if schema.equals(table.schema) else table.cast(schema)


def _cast_empty(table: pa.Table, spec: TableSpec) -> pa.Table:
    empty = pa.table(
        {
            c: pa.array([], spec.arrow_type(c) if c in spec.kinds else table.schema.field(c).type)
            for c in table.column_names
        }
    )
    return _not_null_keys(empty, spec)
