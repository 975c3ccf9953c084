"""GL export files (CSV in any encoding, XLSX) -> an all-text Arrow table under the file's own
header row, found where the layout says (a row number, or the first row holding every required
header). Lines that cannot be read (a wrong field count, bytes invalid in the file's encoding)
come back separately with their line numbers, for the quarantine; the file row number of any
loaded row can be asked for (computed only for files that have bad rows).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingestion.gl_layout import Layout

GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt")


class LayoutError(ValueError):
    """The file does not fit its layout (no header row, a required column missing)."""


@dataclass
class BadLine:
    """A line that could not be read as a row: its number, fields (as far as they go) and why."""

    line_no: int
    fields: list[str]
    reason: str  # truncated_line | invalid_encoding
    text: str = ""


@dataclass
class Sheet:
    """One file's table under its header (every cell text, fully blank rows dropped)."""

    table: pa.Table
    header_row: int  # 1-based row (line) number of the header
    bad_lines: list[BadLine] = field(default_factory=list)
    row_numbers: Callable[[list[int]], list[int]] = lambda idx: [i + 2 for i in idx]


def _mostly(lines: list[bytes], encoding: str) -> bool:
    """Whether all but a few (1 %, at least one) of the lines holding non-ASCII bytes decode."""
    non_ascii = [line for line in lines if not line.isascii()]
    bad = 0
    for line in non_ascii:
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            bad += 1
    return bad <= max(1, len(non_ascii) // 100)


def detect_encoding(data: bytes, configured: str = "auto") -> str:
    """The encoding of a text export: a BOM or valid UTF-8 wins, then GB18030 (the superset of the
    GB family); a file with a few lines invalid in its encoding keeps that encoding (the lines go
    to the quarantine); anything else is charset-normalizer's guess."""
    if configured and configured != "auto":
        return configured
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    lines: list[bytes] | None = None
    for enc in ("utf-8", "gb18030"):
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            lines = lines or data.split(b"\n")
            if _mostly(lines, enc):
                return enc
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    enc = (best.encoding if best else "gb18030").lower().replace("-", "").replace("_", "")
    if enc in GB_FAMILY or best is None:
        return "gb18030"
    return best.encoding


# -- header detection --------------------------------------------------------------------------


def _canonical(cells: list[str], layout: Layout | None) -> set[str]:
    if layout is None:
        return set()
    return {layout.headers[c] for c in cells if c in layout.headers}


def find_header(rows: list[list[str]], layout: Layout | None, where: str) -> int:
    """The 0-based index of the header among the first rows (see the module docstring)."""
    if layout is None:
        return 0
    required = set(layout.required)
    if layout.header_row is not None:
        idx = layout.header_row - 1
        if idx >= len(rows):
            raise LayoutError(f"{where}: header_row {layout.header_row} is past the end of the file")
        missing = sorted(required - _canonical(rows[idx], layout))
        if missing:
            raise LayoutError(_missing_message(where, layout, missing, idx + 1))
        return idx
    best, best_found = -1, -1
    for idx, row in enumerate(rows[: layout.header_search_rows]):
        found = _canonical(row, layout)
        if required <= found and found:
            return idx
        if len(found & required) > best_found:
            best, best_found = idx, len(found & required)
    if best < 0:
        raise LayoutError(f"{where}: the file is empty (no header row)")
    missing = sorted(required - _canonical(rows[best], layout))
    raise LayoutError(_missing_message(where, layout, missing, best + 1))


def _missing_message(where: str, layout: Layout, missing: list[str], row: int) -> str:
    names = "; ".join(f"{c} ({' / '.join(layout.aliases(c)) or 'no header mapped'})" for c in missing)
    return f"{where}: required column missing from the header (row {row}): {names}"


def _unique_names(header: list[str]) -> list[str]:
    """Header cells as column names: trimmed, blanks and repeats made distinct."""
    seen: Counter[str] = Counter()
    out = []
    for i, h in enumerate(header):
        name = h.strip() or f"(column {i + 1})"
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


# -- CSV ---------------------------------------------------------------------------------------


def _fields(line: str) -> list[str]:
    """One CSV line's fields (a field too long for the csv module is split on commas instead)."""
    try:
        return next(csv.reader(io.StringIO(line)), [])
    except csv.Error:
        return line.split(",")


def _decode_lines(data: bytes, encoding: str) -> tuple[bytes, list[BadLine]]:
    """UTF-8 bytes of the file; a line invalid in its encoding is blanked (line numbers stay) and
    returned as a bad line."""
    enc = encoding.lower().replace("_", "-")
    try:
        if enc in ("utf-8", "utf8", "utf-8-sig"):
            data.decode("utf-8")
            return (data[3:] if data.startswith(b"\xef\xbb\xbf") else data), []
        return data.decode(encoding).encode("utf-8"), []
    except UnicodeDecodeError:
        pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    out, bad = [], []
    for no, line in enumerate(data.split(b"\n"), start=1):
        try:
            out.append(line.decode(encoding).encode("utf-8"))
        except UnicodeDecodeError as exc:
            text = line.rstrip(b"\r").decode(encoding, "backslashreplace")
            fields = _fields(text)
            bad.append(BadLine(no, fields, "invalid_encoding", f"{text} ({exc.reason} at byte {exc.start})"))
            out.append(b"")
    return b"\n".join(out), bad


def _first_lines(text: bytes, n: int) -> list[list[str]]:
    head = text[: 1 << 20].split(b"\n")[:n]
    return [_fields(line.decode("utf-8", "replace").rstrip("\r")) for line in head]


def _line_offset(text: bytes, line_idx: int) -> int:
    """Byte offset of the start of 0-based line ``line_idx``."""
    pos = 0
    for _ in range(line_idx):
        nxt = text.find(b"\n", pos)
        if nxt < 0:
            return len(text)
        pos = nxt + 1
    return pos


def read_csv_sheet(data: bytes, encoding: str, layout: Layout | None = None, where: str = "") -> Sheet:
    """A CSV export under its header row (see the module docstring)."""
    text, bad = _decode_lines(data, encoding)
    if not text.strip():
        raise LayoutError(f"{where}: the file is empty (no header row)")
    head = _first_lines(text, (layout.header_search_rows if layout else 1) + 1)
    h = find_header(head, layout, where)
    names = _unique_names(head[h])
    body_start = _line_offset(text, h + 1)
    invalid: list[tuple[list[str], str]] = []

    def on_invalid(row: Any) -> str:
        line = row.text or ""
        invalid.append((_fields(line), line))
        return "skip"

    body = text[body_start:]
    if not body.strip():  # a header and no lines
        empty = pa.table({n: pa.array([], pa.string()) for n in names})
        return Sheet(empty, h + 1, bad)
    table = pacsv.read_csv(
        io.BytesIO(body),
        read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24, column_names=names),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=True,
            null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    table, kept = _drop_blank_rows(table)
    first_body_line = h + 2  # 1-based line number of the line after the header

    @functools.cache
    def body_line_numbers() -> tuple[np.ndarray, dict[str, list[int]]]:
        """Line numbers of the parsed rows, and of the invalid lines by their text."""
        lines = text[body_start:].split(b"\n")
        waiting = Counter(t.rstrip("\r") for _, t in invalid)
        rows, invalid_at = [], {}
        for i, raw in enumerate(lines):
            line = raw.rstrip(b"\r")
            if not line:
                continue
            decoded = line.decode("utf-8", "replace")
            if waiting[decoded] > 0:
                waiting[decoded] -= 1
                invalid_at.setdefault(decoded, []).append(first_body_line + i)
                continue
            rows.append(first_body_line + i)
        return np.array(rows, dtype=np.int64), invalid_at

    def row_numbers(index: list[int]) -> list[int]:
        numbers, _ = body_line_numbers()
        return [int(numbers[kept[i]]) if kept[i] < len(numbers) else None for i in index]

    if invalid:
        _, invalid_at = body_line_numbers()
        taken: Counter[str] = Counter()
        for fields, line in invalid:
            key = line.rstrip("\r")
            nums = invalid_at.get(key, [])
            no = nums[taken[key]] if taken[key] < len(nums) else None
            taken[key] += 1
            bad.append(BadLine(no or 0, fields, "truncated_line", line))
    return Sheet(table, h + 1, sorted(bad, key=lambda b: b.line_no), row_numbers)


def read_csv(data: bytes, encoding: str) -> tuple[pa.Table, list[tuple[list[str], str]]]:
    """All columns as text under the first line's header; lines with a wrong field count come back
    separately (fields, text)."""
    sheet = read_csv_sheet(data, encoding)
    return sheet.table, [(b.fields, b.text) for b in sheet.bad_lines if b.reason == "truncated_line"]


# -- XLSX --------------------------------------------------------------------------------------


def _cell_text(v: Any) -> str | None:
    """An XLSX cell as the text an export would show (numbers without float noise)."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return np.format_float_positional(v, trim="-")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _number_text(values: np.ndarray) -> pa.Array:
    """Numbers as export text, vectorised: integral values without ".0", others in their shortest
    positional form (the rare value Arrow would write in exponent notation is formatted alone)."""
    num = pa.array(values, pa.float64(), from_pandas=True)
    whole = pc.and_(pc.equal(pc.round(num), num), pc.less(pc.abs(num), 1e15))
    text = pc.if_else(
        whole, pc.cast(pc.if_else(whole, num, 0.0), pa.int64()).cast(pa.string()), num.cast(pa.string())
    )
    exponent = pc.match_substring(text, "e").fill_null(False)
    if pc.any(exponent).as_py():
        fixed = [
            _cell_text(v) if e else t
            for v, e, t in zip(values, exponent.to_pylist(), text.to_pylist(), strict=True)
        ]
        text = pa.array(fixed, pa.string())
    return text


def _xlsx_column(values: list[Any]) -> pa.Array:
    """One sheet column as text. Text and number columns (the usual export) convert in bulk; a
    column holding anything else (dates, booleans) is formatted cell by cell."""
    cells = np.array(values, dtype=object)
    empty = (cells == "") | pd.isna(cells)
    kinds = {type(v) for v in cells[~empty]}
    if kinds <= {str}:
        return pa.array(cells, pa.string(), mask=empty, from_pandas=True)
    if kinds <= {float, int}:
        cells[empty] = None
        return _number_text(cells)
    return pa.array([_cell_text(v) for v in values], pa.string())


def read_xlsx_sheet(
    data: bytes, sheet: int | str = 0, layout: Layout | None = None, where: str = ""
) -> Sheet:
    """One worksheet under its header row, read with calamine."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    ws = wb.get_sheet_by_name(sheet) if isinstance(sheet, str) else wb.get_sheet_by_index(sheet)
    rows = ws.to_python(skip_empty_area=False)
    if not rows:
        raise LayoutError(f"{where}: the worksheet is empty (no header row)")
    search = (layout.header_search_rows if layout else 1) + 1
    h = find_header([[_cell_text(c) or "" for c in r] for r in rows[:search]], layout, where)
    names = _unique_names([_cell_text(c) or "" for c in rows[h]])
    body = rows[h + 1 :]
    # calamine pads every row to the sheet's width, so the body transposes as it is
    columns = list(zip(*body, strict=True)) if body else [()] * len(names)
    table = pa.Table.from_arrays([_xlsx_column(list(c)) for c in columns], names=names)
    table, kept = _drop_blank_rows(table)
    first = h + 2
    return Sheet(table, h + 1, [], lambda index: [first + int(kept[i]) for i in index])


def read_xlsx(data: bytes, sheet: int | str = 0) -> pa.Table:
    """One sheet as an all-text Arrow table (first row = header; blank rows dropped)."""
    return read_xlsx_sheet(data, sheet).table


def _drop_blank_rows(table: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """Rows with every cell empty dropped; returns the table and the kept rows' original indices."""
    if not table.num_columns or not table.num_rows:
        return table, np.arange(table.num_rows)
    blank = functools.reduce(
        pc.and_,
        (
            pc.or_(pc.is_null(c), pc.equal(pc.utf8_trim_whitespace(c), "")).fill_null(True)
            for c in table.columns
        ),
    )
    if not pc.any(blank).as_py():
        return table, np.arange(table.num_rows)
    keep = pc.invert(blank)
    return table.filter(keep), np.flatnonzero(keep.to_numpy(zero_copy_only=False))


def read_sheet(
    data: bytes, suffix: str, *, encoding: str, sheet: int | str, layout: Layout | None, where: str
) -> Sheet:
    """A CSV or XLSX export by its file suffix."""
    if suffix in XLSX_SUFFIXES:
        return read_xlsx_sheet(data, sheet, layout, where)
    if suffix in CSV_SUFFIXES:
        return read_csv_sheet(data, detect_encoding(data, encoding), layout, where)
    raise LayoutError(f"{where}: unsupported file type {suffix!r} (CSV or XLSX)")
