"""The XLSX of a report: an "about" sheet, then one sheet per section (through the safe writer)."""

from __future__ import annotations

import pandas as pd

from ledgerbridge import exports
from ledgerbridge.reports.content import ReportContent
from ledgerbridge.reports.render.text import local_time, scope_label, word


def render_xlsx(content: ReportContent) -> bytes:
    """Formatted headers, number formats, frozen panes, totals as formulas, charts as images."""
    lang = content.language
    subtitle = " · ".join(
        [
            content.company,
            f"{word('period', lang)} {content.period}",
            scope_label(content),
            f"{word('generated', lang)} {local_time(content)}",
        ]
    )
    about = pd.DataFrame(
        {
            word("item", lang): [
                word(k, lang) for k in ("report", "period", "scope", "company", "generated", "version")
            ]
            + [s.definition.title.get(lang) for s in content.sections],
            word("value", lang): [
                content.title,
                content.period,
                scope_label(content),
                content.company,
                local_time(content),
                content.warehouse_version,
            ]
            + [
                " ".join([word("rows", lang, n=len(s.frame)) if not s.withheld else "", *s.notes]).strip()
                for s in content.sections
            ],
        }
    )
    sheets = [exports.Sheet(word("about", lang), about, title=content.title, subtitle=subtitle)]
    for s in content.sections:
        title = s.definition.title.get(lang)
        sheets.append(
            exports.Sheet(
                title,
                s.frame,
                title=f"{content.title} — {title}",
                subtitle=subtitle,
                headers=s.labels(lang),
                totals=s.totals,
                total_label=word("total", lang),
                note=" ".join(s.notes) or None,
                image=s.chart_png,
            )
        )
    return exports.xlsx_bytes(sheets)
