"""Bytes for every download: tables as CSV and XLSX, proposals in the finance
import layout. Pure functions, unit-tested without Streamlit.

All of them go through ``ledgerbridge.exports``, the one writer that keeps text
from ever becoming a spreadsheet formula (XLSX string cells, CSV values prefixed
per OWASP) and writes CSV as UTF-8 with BOM.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ledgerbridge.exports import csv_bytes, xlsx_bytes


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel opens Chinese text correctly), no index, formula-like text neutralized."""
    return csv_bytes(df)


def to_xlsx_bytes(data: pd.DataFrame | Mapping[str, pd.DataFrame], sheet: str = "data") -> bytes:
    """One sheet per frame: formatted header, frozen and filterable; money with thousand separators."""
    return xlsx_bytes(data, sheet)


def voucher_import_bytes(proposals: pd.DataFrame, lines: pd.DataFrame, fmt: str = "xlsx") -> bytes:
    """The selected proposals as an import file (``xlsx`` or ``csv``), in the order of ``proposals``.

    The layout is ``ledgerbridge.vouchers``' (the same as ``ledgerbridge vouchers export``): the proposal
    id goes to the reference field so a repeated import is recognisable.
    """
    from ledgerbridge.vouchers import export_bytes, number_vouchers

    order = {pid: i for i, pid in enumerate(proposals["proposal_id"])}
    ordered = lines.assign(_order=lines["proposal_id"].map(order)).sort_values(["_order", "line_no"])
    return export_bytes(number_vouchers(ordered.drop(columns="_order")), fmt)
