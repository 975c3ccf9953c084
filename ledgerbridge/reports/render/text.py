"""Words and numbers printed in report files, in the report's language."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from ledgerbridge.reports.content import ReportContent

WORDS = {
    "about": ("报告信息", "About"),
    "report": ("报告", "Report"),
    "period": ("会计期间", "Period"),
    "scope": ("组织范围", "Orgs"),
    "company": ("单位", "Company"),
    "generated": ("生成时间", "Generated"),
    "version": ("数据版本", "Data version"),
    "rows": ("{n} 行", "{n} rows"),
    "sections": ("内容", "Contents"),
    "total": ("合计", "Total"),
    "page": ("第 {page} 页 / 共 {nb} 页", "Page {page} of {nb}"),
    "all_orgs": ("全部组织（含集团合并）", "All orgs (group consolidated included)"),
    "item": ("项目", "Item"),
    "value": ("内容", "Value"),
}


def word(key: str, lang: str, **kw: Any) -> str:
    zh, en = WORDS[key]
    return (en if lang == "en" else zh).format(**kw)


def local_time(content: ReportContent, timezone: str = "Asia/Shanghai") -> str:
    """The generation time in the configured time zone, to the second."""
    return content.generated_at.astimezone(zoneinfo.ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")


def scope_label(content: ReportContent) -> str:
    return (
        word("all_orgs", content.language)
        if content.scope.orgs is None
        else ", ".join(sorted(content.scope.orgs))
    )


def cell_text(value: Any, kind: str) -> str:
    """A value as printed in a PDF cell: money with separators and two decimals, % for ratios."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    try:
        if kind == "money":
            text = f"{Decimal(str(value)):,.2f}"
            return "0.00" if text == "-0.00" else text
        if kind == "pct":
            return f"{Decimal(str(value)) * 100:,.2f}%"
        if kind == "int":
            return f"{int(value):,}"
        if kind == "rate":
            return f"{Decimal(str(value)):.6f}"
    except (ArithmeticError, ValueError, TypeError):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
