"""Bytes for every download: tables as CSV and XLSX, proposals in the
finance import layout. Pure functions, unit-tested without Streamlit."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

import pandas as pd

#: XLSX number format: thousand separators, two decimals, negatives red with a sign.
XLSX_MONEY = "#,##0.00;[Red]-#,##0.00"


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel opens Chinese text correctly), no index."""
    return df.to_csv(index=False).encode("utf-8-sig")


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet1"


def to_xlsx_bytes(data: pd.DataFrame | Mapping[str, pd.DataFrame], sheet: str = "data") -> bytes:
    """One sheet per frame, money columns with a thousand-separator format, header frozen."""
    from app.lib.fmt import is_money_column

    sheets = {sheet: data} if isinstance(data, pd.DataFrame) else dict(data)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        book = xw.book
        money_fmt = book.add_format({"num_format": XLSX_MONEY})
        head_fmt = book.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        for name, df in sheets.items():
            name = _sheet_name(name)
            out = df.copy()
            for col in out.columns:  # Excel has no timezone-aware datetimes
                if isinstance(out[col].dtype, pd.DatetimeTZDtype):
                    out[col] = out[col].dt.tz_localize(None)
            out.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes(1, 0)
            for i, col in enumerate(out.columns):
                ws.write(0, i, str(col), head_fmt)
                width = min(40, max(10, len(str(col)) * 2))
                ws.set_column(i, i, width, money_fmt if is_money_column(str(col), out[col].dtype) else None)
    return buf.getvalue()


def voucher_import_bytes(proposals: pd.DataFrame, lines: pd.DataFrame, fmt: str = "xlsx") -> bytes:
    """The selected proposals as an import file (``xlsx`` or ``csv``), in the order of ``proposals``.

    The layout is ``ledgerbridge.vouchers``' (the same as ``ledgerbridge vouchers export``): the proposal
    id goes to the reference field so a repeated import is recognisable.
    """
    from ledgerbridge.vouchers import export_bytes, number_vouchers

    order = {pid: i for i, pid in enumerate(proposals["proposal_id"])}
    ordered = lines.assign(_order=lines["proposal_id"].map(order)).sort_values(["_order", "line_no"])
    return export_bytes(number_vouchers(ordered.drop(columns="_order")), fmt)
