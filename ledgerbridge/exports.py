"""The one writer of every table a user downloads or receives: CSV and XLSX bytes.

Spreadsheets execute what looks like a formula, so a 摘要 such as ``=HYPERLINK(…)``
must never reach a user as one (OWASP "CSV Injection"):

- **XLSX**: text is always a string cell. The workbook is opened with
  ``strings_to_formulas`` / ``strings_to_urls`` off and text goes through
  ``write_string``; the only formulas in a workbook are the column totals a caller
  asks for (:attr:`Sheet.totals`), written deliberately with their cached value.
- **CSV**: UTF-8 with a BOM (Excel then reads Chinese correctly). A text value that
  starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
  single quote, unless the whole value is a plain number (``-12.50`` stays a number).

Numbers keep their type: ``Decimal`` money is written as a number with a
thousand-separator format, never as text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

#: Leading characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_RE = r"^[=+\-@\t\r]"
_PLAIN_NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
#: The longest text an XLSX cell holds; longer text is cut and says so.
XLSX_MAX_TEXT = 32767
TRUNCATED_MARK = "…[truncated]"

#: Number formats by column kind.
XLSX_FORMATS = {
    "money": "#,##0.00;[Red]-#,##0.00",
    "pct": "0.00%",
    "rate": "0.000000",
    "int": "#,##0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
XLSX_MONEY = XLSX_FORMATS["money"]

#: Names of numeric columns that hold counts, not money (aging buckets such as
#: ``days_0_30`` are money; ``days_past_due`` is a count).
_COUNT_HINTS = ("count", "rows", "line_no", "voucher_no", "age_days", "past_due", "year", "month", "seconds")


def _holds_decimals(values: pd.Series) -> bool:
    first = values.dropna()
    return not first.empty and isinstance(first.iloc[0], Decimal)


def column_kind(name: str, values: pd.Series) -> str:
    """How a column is formatted: money, pct, rate, int, date, datetime or text."""
    dtype = values.dtype
    lname = name.lower()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "text"
    decimals = pd.api.types.is_object_dtype(dtype) and _holds_decimals(values)
    numeric = pd.api.types.is_numeric_dtype(dtype) or decimals
    if numeric:
        if lname.endswith(("_pct", "_ratio")):
            return "pct"
        if lname.endswith("rate") or lname.endswith("_rate_rpt"):
            return "rate"
        if pd.api.types.is_integer_dtype(dtype):
            return "int"
        return "int" if any(h in lname for h in _COUNT_HINTS) else "money"
    if pd.api.types.is_object_dtype(dtype):
        first = values.dropna()
        if not first.empty and isinstance(first.iloc[0], dt.date):
            return "datetime" if isinstance(first.iloc[0], dt.datetime) else "date"
    return "text"


# --- CSV ---------------------------------------------------------------------


def neutralize_text(values: pd.Series) -> pd.Series:
    """Text values that a spreadsheet would run as a formula, prefixed with ``'``."""
    text = values.astype("string")
    # a number stored as text ("-12.50", a Decimal) is not a formula: it stays as it is
    mask = (text.str.match(_TRIGGER_RE) & ~text.str.match(_PLAIN_NUMBER_RE)).fillna(False).astype(bool)
    return values.where(~mask, "'" + text)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as CSV: UTF-8 with BOM, CRLF, no index, formula-like text neutralized."""
    out = df.copy()
    out.columns = neutralize_text(pd.Series([str(c) for c in out.columns], dtype=object)).tolist()
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col].dtype) or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = neutralize_text(out[col])
    # CRLF as RFC 4180 says; it also makes the writer quote a field holding a lone CR
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# --- XLSX --------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet: an optional title block, a header row, the rows, optional totals.

    ``headers`` maps column names to the header shown (the data keeps its names);
    ``totals`` names the columns summed by a ``SUM`` formula in a last row labelled
    ``total_label``; ``kinds`` overrides the inferred kind of a column; ``image`` (PNG bytes,
    e.g. a chart) goes under the table, ``note`` between them.
    """

    name: str
    frame: pd.DataFrame
    title: str | None = None
    subtitle: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    totals: Sequence[str] = ()
    total_label: str = "合计"
    kinds: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    image: bytes | None = None


def sheet_name(name: str, taken: set[str] | None = None) -> str:
    """A valid, unique worksheet name (31 characters, none of ``[]:*?/\\``)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'")[:31] or "Sheet"
    taken = taken if taken is not None else set()
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f"~{n}"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _cell_values(values: pd.Series, kind: str) -> list[Any]:
    """Python values for one column: None for missing, text cut to the XLSX limit."""
    if kind == "datetime":
        s = pd.to_datetime(values)
        if isinstance(s.dtype, pd.DatetimeTZDtype):  # Excel has no time zones
            s = s.dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in s]
    out = values.astype(object).where(values.notna(), None).tolist()
    if kind == "text":
        cut = XLSX_MAX_TEXT - len(TRUNCATED_MARK)
        return [
            None if v is None else (t if len(t := str(v)) <= XLSX_MAX_TEXT else t[:cut] + TRUNCATED_MARK)
            for v in out
        ]
    return [float(v) if isinstance(v, Decimal) else v for v in out]


def _width(values: list[Any], header: str) -> int:
    def w(text: str) -> int:  # CJK characters take two columns
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    sample = [w(f"{v:,.2f}" if isinstance(v, float) else str(v)) for v in values[:200] if v is not None]
    return max(8, min(48, max([w(header), *sample]) + 2))


def xlsx_bytes(
    sheets: Sequence[Sheet] | Mapping[str, pd.DataFrame] | pd.DataFrame, sheet: str = "data"
) -> bytes:
    """A workbook with one sheet per :class:`Sheet` (or per frame of a mapping).

    Headers are bold on a fill, frozen and filterable; money has a thousand-separator
    format; text is never a formula.
    """
    import xlsxwriter

    if isinstance(sheets, pd.DataFrame):
        sheets = [Sheet(sheet, sheets)]
    elif isinstance(sheets, Mapping):
        sheets = [Sheet(name, df) for name, df in sheets.items()]
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    sub_fmt = book.add_format({"italic": True, "font_color": "#555555"})
    head_fmt = book.add_format(
        {"bold": True, "bg_color": "#DDE5F0", "border": 1, "text_wrap": True, "valign": "vcenter"}
    )
    kind_fmts = {k: book.add_format({"num_format": f}) for k, f in XLSX_FORMATS.items()}
    total_fmts = {
        k: book.add_format({"num_format": f, "bold": True, "top": 1}) for k, f in XLSX_FORMATS.items()
    }
    total_label_fmt = book.add_format({"bold": True, "top": 1})
    taken: set[str] = set()
    for spec in sheets:
        ws = book.add_worksheet(sheet_name(spec.name, taken))
        row = 0
        if spec.title:
            ws.write_string(row, 0, spec.title, title_fmt)
            row += 1
        if spec.subtitle:
            ws.write_string(row, 0, spec.subtitle, sub_fmt)
            row += 1
        if row:
            row += 1
        df = spec.frame
        header_row = row
        columns = [str(c) for c in df.columns]
        kinds = {c: spec.kinds.get(c) or column_kind(c, df[c]) for c in columns}
        for i, col in enumerate(columns):
            values = _cell_values(df[col], kinds[col])
            header = str(spec.headers.get(col, col))
            ws.write_string(header_row, i, header, head_fmt)
            if values:
                ws.write_column(header_row + 1, i, values, kind_fmts.get(kinds[col]))
            ws.set_column(i, i, _width(values, header))
        last = header_row + len(df)
        ws.freeze_panes(header_row + 1, 0)
        if columns:
            ws.autofilter(header_row, 0, max(last, header_row), len(columns) - 1)
        if spec.totals and len(df):
            total_row = last + 1
            label_col = next((i for i, c in enumerate(columns) if c not in spec.totals), None)
            if label_col is not None:
                ws.write_string(total_row, label_col, spec.total_label, total_label_fmt)
            for col in spec.totals:
                i = columns.index(col)
                ref = f"{_col_letter(i)}{header_row + 2}:{_col_letter(i)}{last + 1}"
                cached = sum((Decimal(str(v)) for v in df[col].dropna()), Decimal(0))
                ws.write_formula(total_row, i, f"=SUM({ref})", total_fmts.get(kinds[col]), float(cached))
            last = total_row
        if spec.note:
            ws.write_string(last + 2, 0, spec.note, sub_fmt)
            last += 2
        if spec.image:
            ws.insert_image(
                last + 2,
                0,
                "chart.png",
                {"image_data": io.BytesIO(spec.image), "x_scale": 0.5, "y_scale": 0.5, "object_position": 3},
            )
    book.close()
    return buf.getvalue()


def _col_letter(index: int) -> str:
    from xlsxwriter.utility import xl_col_to_name

    return xl_col_to_name(index)
