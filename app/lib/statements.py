"""The statements as the forms print them (资产负债表, 利润表, 现金流量表): 行次, the line
item indented as on the form, and the amount columns headed in the UI language;
subtotals and totals in bold, negatives in parentheses and red, headings without
amounts. Pure pandas (the page only shows the result)."""

from __future__ import annotations

import pandas as pd

from app.lib import fmt
from app.lib.i18n import get_lang, t

#: statement -> its amount columns, in the form's order
COLUMNS = {
    "balance_sheet": ("closing_balance", "prior_year_end_balance"),
    "income_statement": ("period_amount", "ytd_amount", "prior_year_period_amount", "prior_year_ytd_amount"),
    "cash_flow_statement": (
        "period_amount",
        "ytd_amount",
        "prior_year_period_amount",
        "prior_year_ytd_amount",
    ),
}
#: Balance-sheet lines whose equality is the balance check.
TOTALS = ("TOTAL_ASSETS", "TOTAL_LIABILITIES_AND_EQUITY")
_INDENT = "\u3000"  # an ideographic space per level, as the printed forms indent


def form(df: pd.DataFrame, statement: str, lang: str | None = None) -> pd.DataFrame:
    """One row per line in the form's order: 行次, 项目 and the amount columns (as text)."""
    lang = lang or get_lang()
    df = df.sort_values("display_order")
    name = df["line_name_en"] if lang == "en" else df["line_name"]
    out = pd.DataFrame(
        {
            t("fs_line_no", lang): df["line_no"].map(lambda n: "" if pd.isna(n) else str(int(n))),
            t("fs_item", lang): [
                _INDENT * int(i or 0) + str(n) for i, n in zip(df["indent"], name, strict=True)
            ],
        }
    )
    for col in COLUMNS[statement]:
        out[t(f"fs_{col}", lang)] = df[col].map(fmt.accounting).tolist()
    out.index = df["line_code"].tolist()
    return out


def styled(table: pd.DataFrame, kinds: pd.Series):
    """The form with totals in bold, headings shaded and negative amounts in red."""
    strong = set(kinds[kinds.isin(["subtotal", "total"])].index)
    heads = set(kinds[kinds == "header"].index)

    def row_style(row: pd.Series) -> list[str]:
        if row.name in heads:
            return ["font-weight: 600; background-color: #f3f4f6"] * len(row)
        return ["font-weight: 700" if row.name in strong else ""] * len(row)

    def red(value: object) -> str:
        return "color: #c62828" if isinstance(value, str) and value.startswith("(") else ""

    amounts = list(table.columns[2:])
    return (
        table.style.apply(row_style, axis=1)
        .map(red, subset=amounts)
        .set_properties(subset=amounts, **{"text-align": "right"})
    )


def column_config(table: pd.DataFrame) -> dict[str, object]:
    """Narrow 行次, a wide 项目, amounts right-aligned."""
    import streamlit as st

    cols = list(table.columns)
    cfg: dict[str, object] = {
        cols[0]: st.column_config.TextColumn(width="small"),
        cols[1]: st.column_config.TextColumn(width="large"),
    }
    for col in cols[2:]:
        cfg[col] = st.column_config.TextColumn(width="medium", alignment="right")
    return cfg


def balance_check(df: pd.DataFrame) -> tuple[bool, float, float]:
    """(balances, 资产总计, 负债和所有者权益总计) at the period end."""
    by_line = df.set_index("line_code")["closing_balance"]
    assets, right = (float(by_line.get(code, 0) or 0) for code in TOTALS)
    return round(assets - right, 2) == 0, assets, right


def drillable_lines(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Item and memo lines with an amount (those have account details to drill into)."""
    sel = df[df["kind"].isin(["item", "memo"]) & df[column].fillna(0).ne(0)]
    return sel.sort_values("display_order")
