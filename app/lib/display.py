"""What a table shows of a warehouse frame: business columns first, technical keys
hidden, names in the UI language, code values as words, dates without a time of
day, nothing printed as "None". The data itself (downloads, the SQL console) keeps
the warehouse's columns and codes; the rules live in ``column_labels.toml``."""

from __future__ import annotations

import pandas as pd

from app.lib import fmt
from app.lib.i18n import code_column, code_label, display_rules, get_lang


def ordered_columns(columns: list[str]) -> list[str]:
    """``columns`` without the hidden ones, the ``first`` ones first and the ``last`` ones last."""
    rules = display_rules()
    hidden = set(rules.get("hidden", []))
    shown = [c for c in columns if c not in hidden]
    first = [c for c in rules.get("first", []) if c in shown]
    last = [c for c in rules.get("last", []) if c in shown and c not in first]
    return first + [c for c in shown if c not in first and c not in last] + last


def frame(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """The frame as a table shows it in ``lang`` (default: the session's)."""
    lang = lang or get_lang()
    out = df.copy()
    # one name column per language: English names in the English UI, and no English twin in Chinese
    for col in [c for c in out.columns if f"{c}_en" in out.columns]:
        if lang == "en":
            out[col] = out[f"{col}_en"].where(out[f"{col}_en"].notna(), out[col])
        out = out.drop(columns=f"{col}_en")
    out = out[ordered_columns([str(c) for c in out.columns])]
    for col in out.columns:
        values = out[col]
        if code_column(col) and (values.dtype == object or pd.api.types.is_string_dtype(values)):
            out[col] = values.map(lambda v, c=col: code_label(c, v, lang))
        elif pd.api.types.is_datetime64_any_dtype(values):
            stamps = values.dropna()
            if len(stamps) and (stamps == stamps.dt.normalize()).all():
                out[col] = values.dt.date  # a date, not "2025-03-31 00:00:00"
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].where(out[col].notna(), "")
    # a number column with gaps would print "None" in them: write it out, gaps empty
    as_text = []
    for col in out.columns:
        kind = fmt.number_format(str(col), out[col].dtype)
        if kind and out[col].isna().any():
            out[col] = out[col].map(_writer(kind))
            as_text.append(str(col))
    out.attrs["numbers_as_text"] = as_text
    return out


def _writer(kind: str):
    """How a number of a column formatted ``kind`` is written out."""
    if kind == "accounting":
        return fmt.accounting
    if kind == "percent":
        return lambda v: "" if pd.isna(v) else f"{float(v) * 100:.1f}%"
    if kind.startswith("%"):
        return lambda v: "" if pd.isna(v) else kind % float(v)
    return lambda v: "" if pd.isna(v) else f"{int(v):,}"
