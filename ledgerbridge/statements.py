"""The financial statements of the published warehouse as finance prints them
(资产负债表, 利润表, 现金流量表): the form's lines in order with 行次 and the amount
columns, negatives in parentheses. Read-only; the figures are the warehouse's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb

#: statement -> (model, {language: title}, [(column, {language: header})])
FORMS = {
    "balance_sheet": (
        "finance.balance_sheet",
        {"zh": "资产负债表", "en": "Balance sheet"},
        [
            ("closing_balance", {"zh": "期末余额", "en": "End of period"}),
            ("prior_year_end_balance", {"zh": "上年年末余额", "en": "End of previous year"}),
        ],
    ),
    "income_statement": (
        "finance.income_statement",
        {"zh": "利润表", "en": "Income statement"},
        [
            ("period_amount", {"zh": "本期金额", "en": "This period"}),
            ("ytd_amount", {"zh": "本年累计金额", "en": "Year to date"}),
            ("prior_year_ytd_amount", {"zh": "上期金额", "en": "Last year to date"}),
        ],
    ),
    "cash_flow_statement": (
        "finance.cash_flow_statement",
        {"zh": "现金流量表", "en": "Cash flow statement"},
        [
            ("period_amount", {"zh": "本期金额", "en": "This period"}),
            ("ytd_amount", {"zh": "本年累计金额", "en": "Year to date"}),
        ],
    ),
}


def amount(value: Decimal | None) -> str:
    """``Decimal('-1234.5')`` -> ``(1,234.50)``; empty for headings and missing comparisons."""
    if value is None:
        return ""
    return f"({abs(value):,.2f})" if value < 0 else f"{value:,.2f}"


def latest_period(warehouse: Path) -> str | None:
    """The last period of the balance sheet."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select max(period) from finance.balance_sheet").fetchone()[0]
    finally:
        con.close()


def printed(
    warehouse: Path, org: str, period: str, lang: str = "zh"
) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, headers, rows) of each statement of ``org`` (or GROUP) for ``period``."""
    con = duckdb.connect(str(warehouse), read_only=True)
    out = []
    try:
        for model, titles, columns in FORMS.values():
            name = "line_name_en" if lang == "en" else "line_name"
            cols = ", ".join(c for c, _ in columns)
            rows = con.execute(
                f"select line_no, indent, {name}, currency, {cols} from {model} "
                "where org_code = ? and period = ? order by display_order",
                [org, period],
            ).fetchall()
            if not rows:
                continue
            currency = rows[0][3]
            headers = ["行次" if lang == "zh" else "Line", "项目" if lang == "zh" else "Item"]
            headers += [h[lang] for _, h in columns]
            body = [
                [
                    "" if no is None else str(no),
                    "  " * int(indent or 0) + str(label),
                    *(amount(v) for v in values),
                ]
                for no, indent, label, _, *values in rows
            ]
            out.append((f"{titles[lang]} · {org} · {period} · {currency}", headers, body))
    finally:
        con.close()
    return out
