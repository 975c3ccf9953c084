"""Number formatting as finance expects: thousand separators, two decimals,
negatives visible. One helper for text (metrics, captions) and one for tables."""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

#: Table columns that hold counts, not money (whole numbers with thousand separators).
_COUNT_HINTS = ("count", "rows_", "_rows", "row_count", "n_", "failures", "occurrences", "rows")
#: Integer columns that are numbers, not quantities (no thousand separators).
_NUMBER_HINTS = ("line_no", "voucher_no", "year", "month", "days", "display_order", "indent", "priority")
#: Durations (seconds, hours): one decimal.
_DURATION_HINTS = ("seconds", "duration", "_s", "hours")
#: Rates: six decimals; ratios: a percentage.
_RATE_HINTS = ("rate",)
_PCT_HINTS = ("_pct", "pct_")


def _has(name: str, hints: tuple[str, ...]) -> bool:
    lname = name.lower()
    return any(h in lname for h in hints)


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


def accounting(value: object) -> str:
    """A money amount as accounting prints it: ``-1234.5 -> '(1,234.50)'``; empty when unknown."""
    if value is None or value is pd.NA:
        return ""
    try:
        num = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(num):
        return ""
    text = money(abs(num))
    return f"({text})" if round(num, 2) < 0 else text


def pct(value: object) -> str:
    """A ratio as a percentage with one decimal ('12.3%'), '—' when unknown."""
    try:
        num = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return "—" if math.isnan(num) or math.isinf(num) else f"{num * 100:+.1f}%"


def is_money_column(name: str, dtype: object) -> bool:
    """True for float/decimal columns that are not counts, durations, rates or ratios (those are money)."""
    if _has(name, _COUNT_HINTS + _NUMBER_HINTS + _RATE_HINTS + _PCT_HINTS) or name.endswith(_DURATION_HINTS):
        return False
    return pd.api.types.is_float_dtype(dtype) or str(dtype).startswith("decimal")


def number_format(name: str, dtype: object) -> str | None:
    """The Streamlit number format of a column: money in accounting format (thousand separators, two
    decimals, negatives in parentheses), counts with separators, durations with one decimal, rates
    with six, ratios as percentages; None for text and plain numbers (codes, years, line numbers)."""
    if not (pd.api.types.is_numeric_dtype(dtype) or str(dtype).startswith("decimal")):
        return None
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if _has(name, _PCT_HINTS):
        return "percent"
    if _has(name, _RATE_HINTS):
        return "%.6f"
    if name.endswith(_DURATION_HINTS) or "seconds" in name:
        return "%.1f"
    if _has(name, _COUNT_HINTS):
        return "localized"
    if _has(name, _NUMBER_HINTS):
        return None
    if is_money_column(name, dtype):
        return "accounting"
    return "localized" if pd.api.types.is_integer_dtype(dtype) else "accounting"


def column_config(df: pd.DataFrame) -> dict[str, object]:
    """Streamlit column configs: headers in the UI language (the column's own name in the tooltip),
    numbers formatted by :func:`number_format`."""
    import streamlit as st

    from app.lib.i18n import column_label

    cfg: dict[str, object] = {}
    as_text = set(df.attrs.get("numbers_as_text", ()))
    for col in map(str, df.columns):
        label = column_label(col)
        kwargs = {"label": label, "help": col} if label != col else {}
        fmt_ = number_format(col, df[col].dtype)
        if col in as_text:  # numbers with gaps, already written out (see app.lib.display)
            cfg[col] = st.column_config.TextColumn(alignment="right", **kwargs)
        elif fmt_:
            cfg[col] = st.column_config.NumberColumn(format=fmt_, **kwargs)
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
