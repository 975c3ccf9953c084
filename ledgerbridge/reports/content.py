"""What a report holds for one recipient scope: each section's rows out of the warehouse.

A section is SQL over the warehouse (named parameters such as ``$period``, see
:func:`ledgerbridge.reports.periods.parameters`) or a built-in source. The org scope
is applied in SQL around the section's query: only rows whose ``org_code`` the scope
allows leave the warehouse. A section without an ``org_code`` column is company-wide;
a recipient who does not see every org gets a note instead of its rows.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import duckdb
import pandas as pd

from ledgerbridge import vouchers
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT
from ledgerbridge.reports.definitions import ReportDef, SectionDef
from ledgerbridge.reports.recipients import Scope

ORG_COLUMN = "org_code"
LABELS_FILE = PROJECT_ROOT / "app" / "lib" / "column_labels.toml"
_PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

NOTES = {
    "withheld": (
        "本节为全公司范围数据，不在您的组织权限内。",
        "Company-wide section, outside your org grants.",
    ),
    "mixed_currency": ("金额币种不同，不合计。", "Amounts are in different currencies: no total."),
    "truncated": (
        "PDF 仅显示前 {shown} 行（共 {total} 行），完整数据见 XLSX。",
        "The PDF shows the first {shown} of {total} rows; the XLSX has them all.",
    ),
    "empty": ("本期无数据。", "No data for this period."),
}


def note(key: str, lang: str, **kw: Any) -> str:
    """A note printed in reports, in the report's language."""
    zh, en = NOTES[key]
    return (en if lang == "en" else zh).format(**kw)


@cache
def _column_labels() -> dict[str, dict[str, str]]:
    try:
        with open(LABELS_FILE, "rb") as fh:
            return tomllib.load(fh)
    except OSError:
        return {}


def column_label(column: str, lang: str, section: SectionDef) -> str:
    """The header of a column: the section's own label, else the app's label file, else the name."""
    if column in section.labels:
        return section.labels[column]
    return _column_labels().get(lang, {}).get(column, column)


@dataclass
class SectionContent:
    """One section's rows for one scope, and what to say about them."""

    definition: SectionDef
    frame: pd.DataFrame
    withheld: bool = False
    totals: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    chart_png: bytes | None = None

    def labels(self, lang: str) -> dict[str, str]:
        return {str(c): column_label(str(c), lang, self.definition) for c in self.frame.columns}


@dataclass
class ReportContent:
    """A report rendered for one scope: header facts and sections."""

    report: ReportDef
    period: str
    scope: Scope
    #: the page-header line naming the company or the orgs in scope
    company: str
    generated_at: dt.datetime
    warehouse_version: str
    language: str
    sections: list[SectionContent]

    @property
    def title(self) -> str:
        return self.report.title.get(self.language)


def _bind(sql: str, params: dict[str, Any], where: str) -> dict[str, Any]:
    used = set(_PARAM_RE.findall(sql))
    unknown = sorted(used - set(params))
    if unknown:
        raise LedgerbridgeError(
            f"{where}: unknown parameter(s) {', '.join('$' + u for u in unknown)} "
            f"(known: {', '.join('$' + p for p in sorted(params))})"
        )
    return {k: params[k] for k in used}


def _query(
    con: duckdb.DuckDBPyConnection, section: SectionDef, params: dict[str, Any], scope: Scope, where: str
) -> tuple[pd.DataFrame, bool]:
    """(rows, withheld) of an SQL section, the scope applied in SQL."""
    sql = section.sql.strip().rstrip(";")
    bound = _bind(sql, params, where)
    try:
        columns = [d[0] for d in con.execute(f"select * from (\n{sql}\n) as q limit 0", bound).description]
        if scope.orgs is None:
            rel = con.execute(f"select * from (\n{sql}\n) as q", bound)
        elif ORG_COLUMN in columns:
            rel = con.execute(
                f"select * from (\n{sql}\n) as q where list_contains($__orgs, q.{ORG_COLUMN})",
                {**bound, "__orgs": sorted(scope.orgs)},
            )
        else:
            return pd.DataFrame(columns=columns), True
        return rel.to_arrow_table().to_pandas(), False
    except duckdb.Error as exc:
        raise LedgerbridgeError(f"{where}: {' '.join(str(exc).split())[:400]}") from exc


def _voucher_import(con: duckdb.DuckDBPyConnection, params: dict[str, Any], scope: Scope) -> pd.DataFrame:
    orgs = None if scope.orgs is None else sorted(scope.orgs)
    return vouchers.import_layout(vouchers.read_proposal_lines(con, params["period"], orgs=orgs))


def _totals(section: SectionDef, frame: pd.DataFrame, lang: str) -> tuple[tuple[str, ...], list[str]]:
    """The columns to total, and a note when amounts in different currencies forbid a total."""
    wanted = tuple(c for c in section.totals if c in frame.columns)
    if wanted and "currency" in frame.columns and frame["currency"].nunique(dropna=True) > 1:
        return (), [note("mixed_currency", lang)]
    return wanted, []


def build(
    report: ReportDef,
    period: str,
    params: dict[str, Any],
    scope: Scope,
    con: duckdb.DuckDBPyConnection,
    *,
    company: str,
    generated_at: dt.datetime,
    warehouse_version: str,
    language: str = "zh",
    charts: bool = True,
) -> ReportContent:
    """Every section of ``report`` for ``scope``, read through ``con`` (one warehouse snapshot)."""
    from ledgerbridge.reports.charts import chart_png

    sections: list[SectionContent] = []
    for section in report.sections:
        where = f"report {report.id} section {section.id}"
        if section.source == "voucher_import":
            frame, withheld = _voucher_import(con, params, scope), False
        else:
            frame, withheld = _query(con, section, params, scope, where)
        content = SectionContent(section, frame, withheld=withheld)
        if withheld:
            content.notes.append(note("withheld", language))
        elif frame.empty:
            content.notes.append(note("empty", language))
        else:
            content.totals, extra = _totals(section, frame, language)
            content.notes.extend(extra)
            if section.chart and charts:
                title = (section.chart.title or section.title).get(language)
                content.chart_png = chart_png(frame, section.chart, title, content.labels(language))
        sections.append(content)
    return ReportContent(report, period, scope, company, generated_at, warehouse_version, language, sections)
