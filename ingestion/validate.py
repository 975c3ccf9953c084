"""Validate and type one Arrow batch against its table spec, vectorised.

``conform(table, spec, location)`` returns the good rows cast to the contract's types and a
quarantine record for every bad row. The rules come from the configuration: required keys
(the primary key), date layouts, numbers (and whether they fit their type), cursor timestamps
not in the future, non-negative columns and known currencies. The first rule a row breaks is
its reason code; the record names the row (file row number where there is one), the column
and the value that broke it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.config import TableSpec

NUMBER_RE = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$"
INT_RE = r"^\s*[+-]?\d+(\.0*)?\s*$"
#: The integer digits of a number written as text (leading zeros dropped).
INT_DIGITS_RE = r"^\s*[+-]?0*(?P<digits>\d*)"
INT64_DIGITS = 18  # every integer of up to 18 digits fits a BIGINT
#: Longest value text kept in a quarantine record's ``column_value`` (raw_record keeps all of it).
VALUE_TEXT_MAX = 200

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
OUT_OF_RANGE = "number_out_of_range"


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


def _too_big(arr: pa.Array, kind: str, t: pa.DataType) -> pa.Array | None:
    """True where a number (text or float) has more integer digits than its type holds."""
    limit = INT64_DIGITS if kind == "int" else (t.precision - t.scale if pa.types.is_decimal(t) else None)
    if limit is None:
        return None
    if pa.types.is_floating(arr.type):
        return pc.greater_equal(pc.abs(arr), 10.0**limit).fill_null(False)
    if not _is_text(arr.type):
        return None
    digits = pc.struct_field(pc.extract_regex(arr, INT_DIGITS_RE), "digits")
    return pc.greater(pc.utf8_length(digits), limit).fill_null(False)


def _to_decimal(arr: pa.Array, t: pa.Decimal128Type) -> pa.Array:
    """Numbers (valid, in range) to an exact decimal, rounded half up to the scale."""
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


def _parse_timestamps(text: pa.Array, t: pa.DataType) -> pa.Array:
    """ISO timestamps (a trailing Z or offset is converted to UTC); null where unreadable."""
    try:
        return text.cast(t)
    except pa.ArrowInvalid:
        vals = []
        for v in text.to_pylist():
            try:
                ts = None if v is None else dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                ts = None
            if ts is not None and ts.tzinfo is not None:
                ts = ts.astimezone(dt.UTC).replace(tzinfo=None)
            vals.append(ts)
        return pa.array(vals, pa.timestamp("us")).cast(t)


@dataclass
class Converted:
    """One column cast to its kind: typed values (null where bad), bad values, out-of-range values."""

    values: pa.Array
    bad: pa.Array | None = None
    too_big: pa.Array | None = None


def _convert(arr: pa.Array, kind: str, t: pa.DataType, formats: list[str]) -> Converted:
    """Cast one column to its kind."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if arr.type == t:
        return Converted(arr)
    if pa.types.is_null(arr.type):
        return Converted(pa.nulls(len(arr), t))
    if not _is_text(arr.type):
        if kind == "date" and pa.types.is_timestamp(arr.type):
            return Converted(arr.cast(pa.date32()))
        if pa.types.is_decimal(t) or (kind == "int" and pa.types.is_floating(arr.type)):
            too_big = _too_big(arr, kind, t)
            fits = arr if too_big is None else pc.if_else(too_big, pa.scalar(None, arr.type), arr)
            values = _to_decimal(fits, t) if pa.types.is_decimal(t) else pc.round(fits).cast(t)
            return Converted(values, None, too_big)
        if kind == "text" and pa.types.is_floating(arr.type):
            ints = pc.equal(pc.round(arr), arr).fill_null(False)
            return Converted(pc.if_else(ints, pc.round(arr).cast(pa.int64()).cast(t), arr.cast(t)))
        return Converted(arr.cast(t, safe=False))
    if kind == "text":
        return Converted(arr)
    blank = _blank(arr)
    present = pc.invert(blank)
    too_big = None
    if kind == "date":
        values, ok = _parse_dates(arr, formats)
    elif kind == "timestamp":
        text = pc.utf8_trim_whitespace(pc.if_else(blank, pa.scalar(None, arr.type), arr))
        values = _parse_timestamps(text, t)
        ok = pc.is_valid(values)
    else:
        ok = pc.match_substring_regex(arr, INT_RE if kind == "int" else NUMBER_RE).fill_null(False)
        too_big = pc.and_(ok, _too_big(arr, kind, t))
        clean = pc.if_else(pc.and_(ok, pc.invert(too_big)), arr, pa.scalar(None, arr.type))
        if kind == "int":
            values = pc.replace_substring_regex(pc.utf8_trim_whitespace(clean), r"\.0*$", "").cast(t)
        else:
            values = _to_decimal(clean, t)
    bad = pc.and_(present, pc.invert(ok.fill_null(False)))
    values = pc.if_else(blank, pa.scalar(None, t), values)
    return Converted(values, bad, too_big)


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
        values = _Blank({k: text(v) for k, v in record.items()})
        return spec.record_key.format_map(values)
    parts = [text(record.get(c)) for c in spec.primary_key]
    missing = [c for c, p in zip(spec.primary_key, parts, strict=True) if p == ""]
    if missing:
        return (f"(no {', '.join(missing)}) " + "/".join(p for p in parts if p)).strip()
    return "/".join(parts)


class _Blank(dict):
    """Template values: a column the record lacks is empty, not a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def _value_text(v: Any) -> str | None:
    if v is None:
        return None
    text = str(_jsonable(v))
    if len(text) > VALUE_TEXT_MAX:
        return f"{text[:VALUE_TEXT_MAX]}… ({len(text):,} characters)"
    return text


def quarantine_record(
    spec: TableSpec,
    location: str,
    record: dict[str, Any],
    reason: str,
    *,
    row_number: int | None = None,
    column: str | None = None,
) -> dict[str, Any]:
    """A quarantine record: where (location, row number), what (key, raw record), why (reason, the
    column and its value)."""
    return {
        "source_name": spec.source,
        "table_name": spec.name,
        "source_location": location,
        "record_key": record_key(spec, record),
        "reason": reason,
        "raw_record": raw_json(record),
        "row_number": row_number,
        "column_name": column,
        "column_value": _value_text(record.get(column)) if column else None,
    }


@dataclass
class Checked:
    """A batch checked against its contract: every row typed (nulls where a value was bad), and per
    row the first rule it broke (reason and column; null for a good row)."""

    typed: pa.Table
    reason: pa.Array
    column: pa.Array
    problems: list[str] = field(default_factory=list)

    @property
    def bad_mask(self) -> pa.Array:
        return pc.is_valid(self.reason)

    @property
    def n_bad(self) -> int:
        return int(pc.sum(self.bad_mask).as_py() or 0)


def check(
    table: pa.Table,
    spec: TableSpec,
    *,
    flags: list[tuple[pa.Array, str, str | None]] = (),
    now: dt.datetime | None = None,
) -> Checked:
    """Type and check every row of ``table``; ``flags`` are (mask, reason, column) a reader found
    before (they come first)."""
    n = table.num_rows
    reason = pa.nulls(n, pa.string())
    column = pa.nulls(n, pa.string())

    def flag(mask: pa.Array | None, code: str, col: str | None) -> None:
        nonlocal reason, column
        if mask is None:
            return
        new = pc.and_(pc.is_null(reason), mask.fill_null(False))
        reason = pc.if_else(new, pa.scalar(code), reason)
        column = pc.if_else(new, pa.scalar(col, pa.string()), column)

    for mask, code, col in flags:
        flag(mask, code, col)
    # 1. required keys
    for col in spec.primary_key:
        if col not in table.column_names:
            flag(pa.array([True] * n), "missing_key", col)
        else:
            flag(_blank(table.column(col).combine_chunks()), "missing_key", col)
    # 2. types (dates, numbers, timestamps), and whether numbers fit their type
    typed: dict[str, pa.Array] = {}
    for col in table.column_names:
        arr = table.column(col).combine_chunks()
        kind = spec.kind(col)
        if col not in spec.kinds and not _is_text(arr.type):
            typed[col] = arr  # a column the configuration does not type: keep the source's type
            continue
        if col in spec.zero_if_empty and _is_text(arr.type):
            arr = pc.if_else(_blank(arr), pa.scalar("0"), arr)
        conv = _convert(arr, kind, spec.arrow_type(col), spec.date_formats)
        typed[col] = conv.values
        flag(conv.bad, KIND_REASON.get(kind, "invalid_value"), col)
        flag(conv.too_big, OUT_OF_RANGE, col)
    # 3. a cursor in the future would hold the incremental cursor there: such rows wait in quarantine
    if spec.cursor and spec.cursor in typed and pa.types.is_timestamp(typed[spec.cursor].type):
        limit = (now or dt.datetime.now(dt.UTC).replace(tzinfo=None)) + spec.future_tolerance
        cursor = typed[spec.cursor]
        flag(pc.greater(cursor, pa.scalar(limit, cursor.type)), "future_timestamp", spec.cursor)
    # 4. non-negative columns
    for col in spec.non_negative:
        if col in typed:
            zero = pa.scalar(
                decimal.Decimal(0) if pa.types.is_decimal(typed[col].type) else 0, typed[col].type
            )
            flag(pc.less(typed[col], zero), "negative_quantity", col)
    # 5. currencies
    known = pa.array(spec.known_currencies, pa.string())
    for col in spec.currency_columns:
        if col in typed and _is_text(typed[col].type):
            vals = typed[col]
            unknown = pc.and_(pc.is_valid(vals), pc.invert(pc.is_in(vals, value_set=known)))
            flag(unknown, "unknown_currency", col)
    return Checked(pa.table(typed) if typed else table, reason, column)


def split(
    checked: Checked,
    raw: pa.Table,
    spec: TableSpec,
    location: str,
    row_numbers: Any = None,
) -> tuple[pa.Table, list[dict[str, Any]]]:
    """The good rows (typed) and a quarantine record per bad row. ``row_numbers(indices)`` gives
    the file row numbers of the bad rows (called only when there are some)."""
    bad_mask = checked.bad_mask
    if not checked.n_bad:
        return _not_null_keys(checked.typed, spec), []
    good = checked.typed.filter(pc.invert(bad_mask))
    index = pc.indices_nonzero(bad_mask).to_pylist()
    numbers = row_numbers(index) if row_numbers else [None] * len(index)
    rows = raw.take(index).to_pylist()
    reasons = checked.reason.filter(bad_mask).to_pylist()
    columns = checked.column.filter(bad_mask).to_pylist()
    records = [
        quarantine_record(spec, location, r, why, row_number=no, column=col)
        for r, why, col, no in zip(rows, reasons, columns, numbers, strict=True)
    ]
    return _not_null_keys(good, spec), records


def conform(
    table: pa.Table,
    spec: TableSpec,
    location: str,
    *,
    row_numbers: Any = None,
    flags: list[tuple[pa.Array, str, str | None]] = (),
) -> tuple[pa.Table, list[dict[str, Any]]]:
    """Good rows typed per the spec, plus quarantine records for the bad ones."""
    if table.num_rows == 0:
        return _cast_empty(table, spec), []
    return split(check(table, spec, flags=flags), table, spec, location, row_numbers)


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
