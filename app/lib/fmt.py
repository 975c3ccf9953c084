"""Number formatting as finance expects: thousand separators, two decimals,
negatives visible. One helper for text (metrics, captions) and one for tables."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

#: Table columns that hold counts, not money (kept as integers).
_COUNT_HINTS = ("count", "rows_", "_rows", "n_", "line_no", "voucher_no", "age_days", "days", "year", "month")


def money(value: object, *, signed: bool = False) -> str:
    """``1234.5 -> '1,234.50'``, ``-3 -> '-3.00'``; ``None``/NaN -> '—'.

    ``signed=True`` also prints a '+' for positive changes (deltas).
    """
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = float(value)
    try:
        num = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(num):
        return "—"
    text = f"{num:,.2f}"
    if text in ("-0.00",):
        text = "0.00"
    if signed and num > 0 and text != "0.00":
        text = "+" + text
    return text


def pct(value: object) -> str:
    """A ratio as a percentage with one decimal ('12.3%'), '—' when unknown."""
    try:
        num = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(num) or math.isinf(num) else f"{num * 100:+.1f}%"


def is_money_column(name: str, dtype: object) -> bool:
    """True for float/decimal columns that are not counts (those are money)."""
    lname = name.lower()
    if any(h in lname for h in _COUNT_HINTS):
        return False
    return pd.api.types.is_float_dtype(dtype) or str(dtype).startswith("decimal")


def column_config(df: pd.DataFrame) -> dict[str, object]:
    """Streamlit column configs: headers in the UI language (the column's own name in the
    tooltip) and money columns in accounting format (thousand separators, two decimals,
    negatives in parentheses)."""
    import streamlit as st

    from app.lib.i18n import column_label

    cfg: dict[str, object] = {}
    for col in map(str, df.columns):
        label = column_label(col)
        kwargs = {"label": label, "help": col} if label != col else {}
        if is_money_column(col, df[col].dtype):
            cfg[col] = st.column_config.NumberColumn(format="accounting", **kwargs)
        elif kwargs:
            cfg[col] = st.column_config.Column(**kwargs)
    return cfg


def money_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with money columns as formatted strings (for exports and text views)."""
    out = df.copy()
    for col in out.columns:
        if is_money_column(str(col), out[col].dtype):
            out[col] = out[col].map(money)
    return out
