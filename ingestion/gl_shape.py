"""A GL file's table -> the canonical columns its layout describes, vectorised:

- headers renamed to canonical columns (the first alias present wins; a mapped column the file
  lacks is NULL);
- thousands separators stripped from numbers (``1,234.50``);
- total rows (合计) taken out and kept as the file's promise; rows after the last one are the
  export's footer;
- ledger (or any column) from the file's path or a constant;
- debit and credit from one signed amount column and a direction column;
- the period normalised to ``YYYY-MM`` (``2026-07``, ``2026.7``, ``2026/07``, ``202607``,
  ``2026年7月``; ``7`` takes its year from the voucher date) or derived from a date column.

A value the layout cannot read (an unknown direction, a period in no known form) is flagged for
the quarantine with its column, like any other bad value.
"""

from __future__ import annotations

import decimal
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.gl_layout import Layout
from ingestion.gl_read import BadLine, LayoutError, Sheet

NUMERIC_KINDS = {"int", "money", "qty", "rate", "fx"}
Flag = tuple[pa.Array, str, str | None]

PERIOD_YEAR_MONTH = r"^\s*(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})\s*月?\s*$"
PERIOD_COMPACT = r"^\s*(?P<y>\d{4})(?P<m>\d{2})\s*$"
PERIOD_MONTH = r"^\s*第?\s*(?P<m>\d{1,2})\s*[月期]?\s*$"
DATE_YEAR_MONTH = r"^\s*(?P<y>\d{4})\s*[-./年]\s*(?P<m>\d{1,2})"


@dataclass
class Promise:
    """What a file's total row says: debit and credit totals, a line count (any may be None)."""

    row_number: int | None
    debit: decimal.Decimal | None = None
    credit: decimal.Decimal | None = None
    count: int | None = None
    unreadable: list[str] = field(default_factory=list)


@dataclass
class Shaped:
    """A file in canonical columns, with the sheet row of every row and what the layout flagged."""

    table: pa.Table
    row_index: np.ndarray
    flags: list[Flag] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    promise: Promise | None = None
    total_rows: int = 0


def rename(table: pa.Table, layout: Layout) -> pa.Table:
    """Canonical columns in mapping order (first matching header wins; missing -> null)."""
    cols: dict[str, Any] = {}
    for header, canon in layout.headers.items():
        if canon not in cols and header in table.column_names:
            cols[canon] = table.column(header)
    for canon in layout.mapped:
        if canon not in cols:
            cols[canon] = pa.nulls(table.num_rows, pa.string())
    return pa.table({c: cols[c] for c in layout.mapped})


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, values)
    return table.append_column(name, values)


def _text(table: pa.Table, name: str) -> pa.Array:
    return (
        table.column(name).combine_chunks()
        if name in table.column_names
        else pa.nulls(table.num_rows, pa.string())
    )


def _blank(arr: pa.Array) -> pa.Array:
    return pc.or_(pc.is_null(arr), pc.equal(pc.utf8_trim_whitespace(arr), "")).fill_null(True)


def strip_thousands(arr: pa.Array, sep: str) -> pa.Array:
    """``1,234.50`` -> ``1234.50`` where the grouping is regular; anything else stays as it was
    (and fails the number check if it is no number)."""
    if not sep or not pa.types.is_string(arr.type):
        return arr
    s = re.escape(sep)
    grouped = pc.match_substring_regex(arr, rf"^\s*[+-]?\d{{1,3}}({s}\d{{3}})+(\.\d*)?\s*$").fill_null(False)
    if not pc.any(grouped).as_py():
        return arr
    return pc.if_else(grouped, pc.replace_substring(arr, sep, ""), arr)


def _decimal(text: Any) -> decimal.Decimal | None:
    try:
        return decimal.Decimal(str(text).strip()) if text not in (None, "") else None
    except decimal.InvalidOperation:
        return None


def _take_totals(
    table: pa.Table, layout: Layout, sheet: Sheet
) -> tuple[pa.Table, np.ndarray, Promise | None, int]:
    """Remove total rows (and the footer after the last one); the last total row is the promise."""
    index = np.arange(table.num_rows)
    t = layout.total_row
    if t is None:
        return table, index, None, 0
    marker = pc.utf8_trim_whitespace(_text(table, t.column))
    is_total = pc.is_in(marker, value_set=pa.array(list(t.markers), pa.string())).fill_null(False)
    positions = np.flatnonzero(is_total.to_numpy(zero_copy_only=False))
    if not len(positions):
        return table, index, None, 0
    last = int(positions[-1])
    row = table.slice(last, 1).to_pylist()[0]
    # the row number is only needed to tell footer lines from bad lines (a scan of the file)
    promise = Promise(row_number=sheet.row_numbers([last])[0] if sheet.bad_lines else None)
    for key in ("debit", "credit"):
        col = getattr(t, key)
        if col:
            value = _decimal(row.get(col))
            if value is None and row.get(col) not in (None, ""):
                promise.unreadable.append(f"{key} {row.get(col)!r}")
            setattr(promise, key, value)
    if t.count:
        digits = re.findall(r"\d+", str(row.get(t.count) or ""))
        promise.count = int(digits[0]) if len(digits) == 1 else None
        if len(digits) != 1:
            promise.unreadable.append(f"count {row.get(t.count)!r}")
    keep = np.ones(table.num_rows, dtype=bool)
    keep[positions] = False
    keep[last + 1 :] = False  # the footer after the last total row
    return table.filter(pa.array(keep)), index[keep], promise, len(positions)


def _fill(table: pa.Table, values: dict[str, str]) -> pa.Table:
    """Columns whose blank cells take a fixed value (from the path or a constant)."""
    for col, value in values.items():
        current = _text(table, col)
        table = _set(table, col, pc.if_else(_blank(current), pa.scalar(value, pa.string()), current))
    return table


def _path_values(layout: Layout, rel: str) -> dict[str, str]:
    if layout.path_pattern is None:
        return {}
    m = layout.path_pattern.search(rel)
    if m is None:
        raise LayoutError(
            f"path_pattern {layout.path_pattern.pattern!r} does not match the file's path {rel!r}"
        )
    return {k: v for k, v in m.groupdict().items() if v is not None}


def _negate(arr: pa.Array) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(arr)
    negative = pc.starts_with(trimmed, "-").fill_null(False)
    minus = pc.binary_join_element_wise(pa.scalar("-"), trimmed, "")
    return pc.if_else(
        negative, pc.utf8_slice_codeunits(trimmed, 1), pc.if_else(_blank(trimmed), trimmed, minus)
    )


def _signed_amount(table: pa.Table, layout: Layout) -> tuple[pa.Table, list[Flag]]:
    s = layout.signed_amount
    if s is None:
        return table, []
    amount = pc.utf8_trim_whitespace(_text(table, s.column))
    zero = pa.scalar("0", pa.string())
    flags: list[Flag] = []
    if s.direction:
        direction = pc.utf8_upper(pc.utf8_trim_whitespace(_text(table, s.direction)))
        is_debit = pc.is_in(direction, value_set=pa.array([w.upper() for w in s.debit])).fill_null(False)
        is_credit = pc.is_in(direction, value_set=pa.array([w.upper() for w in s.credit])).fill_null(False)
        neither = pc.and_(pc.invert(pc.or_(is_debit, is_credit)), pc.invert(_blank(amount)))
        flags.append((neither, "invalid_direction", s.direction))
        credit_amount = _negate(amount) if s.negative_credits else amount
    else:
        negative = pc.starts_with(amount, "-").fill_null(False)
        is_credit, is_debit = negative, pc.invert(negative)
        credit_amount = _negate(amount)
    table = _set(table, "debit", pc.if_else(is_debit, amount, zero))
    table = _set(table, "credit", pc.if_else(is_credit, credit_amount, zero))
    return table.drop_columns([c for c in layout.consumed if c in table.column_names]), flags


def _two_digit(month: pa.Array) -> pa.Array:
    return pc.utf8_lpad(month, 2, "0")


def normalise_periods(table: pa.Table, layout: Layout) -> tuple[pa.Table, list[Flag]]:
    """``period`` as ``YYYY-MM`` (see the module docstring)."""
    has = "period" in table.column_names
    if not has and not layout.period_from:
        return table, []
    period = _text(table, "period")
    date_ym = None
    if layout.period_from:
        date_ym = pc.extract_regex(_text(table, layout.period_from), DATE_YEAR_MONTH)
    out = None
    for pattern in (PERIOD_YEAR_MONTH, PERIOD_COMPACT):
        ym = pc.extract_regex(period, pattern)
        joined = pc.binary_join_element_wise(
            pc.struct_field(ym, "y"), _two_digit(pc.struct_field(ym, "m")), "-"
        )
        out = joined if out is None else pc.coalesce(out, joined)
    month_only = pc.extract_regex(period, PERIOD_MONTH)
    if date_ym is not None:
        year = pc.struct_field(date_ym, "y")
        from_month = pc.binary_join_element_wise(year, _two_digit(pc.struct_field(month_only, "m")), "-")
        out = pc.coalesce(out, from_month)
        from_date = pc.binary_join_element_wise(year, _two_digit(pc.struct_field(date_ym, "m")), "-")
        out = pc.if_else(_blank(period), from_date, out)
    month = pc.cast(pc.utf8_slice_codeunits(out, 5, 7), pa.int32(), safe=False)
    valid_month = pc.and_(pc.greater_equal(month, 1), pc.less_equal(month, 12)).fill_null(False)
    out = pc.if_else(valid_month, out, pa.scalar(None, pa.string()))
    bad = pc.and_(pc.invert(_blank(period)), pc.is_null(out))
    return _set(table, "period", out), [(bad, "malformed_period", "period")]


def shape(sheet: Sheet, layout: Layout, rel: str, numeric: set[str]) -> Shaped:
    """Apply the layout to one file's sheet (``numeric``: the canonical columns holding numbers)."""
    table = rename(sheet.table, layout)
    promise_cols = (
        {c for c in (layout.total_row.debit, layout.total_row.credit) if c} if layout.total_row else set()
    )
    for col in numeric | promise_cols | ({layout.signed_amount.column} if layout.signed_amount else set()):
        if col in table.column_names:
            table = _set(table, col, strip_thousands(_text(table, col), layout.thousands_separator))
    table, index, promise, n_totals = _take_totals(table, layout, sheet)
    bad_lines = sheet.bad_lines
    if promise is not None and promise.row_number:
        bad_lines = [b for b in bad_lines if b.line_no < promise.row_number]  # the rest is footer
    table = _fill(table, {**_path_values(layout, rel), **layout.constants})
    table, flags = _signed_amount(table, layout)
    table, period_flags = normalise_periods(table, layout)
    flags += period_flags
    table = table.select([c for c in layout.columns if c in table.column_names])
    table = table.append_column("source_file", pa.array([rel] * table.num_rows, pa.string()))
    return Shaped(table, index, flags, bad_lines, promise, n_totals)


def bad_line_record(line: BadLine, header: list[str], layout: Layout, rel: str) -> dict[str, Any]:
    """A line that could not be read, as a record under canonical names (as far as it goes)."""
    record = {
        layout.headers.get(h, h): (line.fields[i] if i < len(line.fields) else None)
        for i, h in enumerate(header)
    }
    record = {k: v for k, v in record.items() if v is not None}
    if line.reason == "invalid_encoding":
        record["line"] = line.text
    record["source_file"] = rel
    return record
