"""Report files from report content: XLSX (one sheet per section), PDF, CSV (one per section)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledgerbridge.reports.content import ReportContent

MIME = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv",
}


@dataclass(frozen=True)
class RenderedFile:
    """One file of a run: its name (Chinese allowed), bytes and format."""

    name: str
    data: bytes
    fmt: str
    section: str | None = None

    @property
    def mime(self) -> str:
        return MIME[self.fmt]


def file_name(*parts: str, ext: str) -> str:
    """A file name from parts joined by ``_``, without characters file systems or mail refuse."""
    text = "_".join(p for p in parts if p)
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", text).strip("._") + f".{ext}"


def render(content: ReportContent, fmt: str) -> list[RenderedFile]:
    """The files of one format for one scope's content."""
    base = (content.title, content.period, content.scope.key)
    if fmt == "xlsx":
        from ledgerbridge.reports.render.xlsx import render_xlsx

        return [RenderedFile(file_name(*base, ext="xlsx"), render_xlsx(content), "xlsx")]
    if fmt == "pdf":
        from ledgerbridge.reports.render.pdf import render_pdf

        return [RenderedFile(file_name(*base, ext="pdf"), render_pdf(content), "pdf")]
    if fmt == "csv":
        from ledgerbridge.reports.render.csv import render_csv

        return [
            RenderedFile(file_name(base[0], title, *base[1:], ext="csv"), data, "csv", section)
            for section, title, data in render_csv(content)
        ]
    raise ValueError(f"unknown format {fmt!r}")
