"""The CSV files of a report: one per section, headers as in the XLSX (through the safe writer)."""

from __future__ import annotations

from collections.abc import Iterator

from ledgerbridge import exports
from ledgerbridge.reports.content import ReportContent


def render_csv(content: ReportContent) -> Iterator[tuple[str, str, bytes]]:
    """(section id, section title, bytes) for every section the scope may see."""
    for s in content.sections:
        if s.withheld:
            continue
        frame = s.frame.rename(columns=s.labels(content.language))
        yield s.definition.id, s.definition.title.get(content.language), exports.csv_bytes(frame)
