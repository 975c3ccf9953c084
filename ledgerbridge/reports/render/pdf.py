"""The PDF of a report: A4 landscape, the CJK font embedded, a header with company, report and
period on every page, page numbers in the footer, each section a table (and its chart)."""

from __future__ import annotations

import io

from fpdf import FPDF, FontFace

from ledgerbridge import exports
from ledgerbridge.reports.content import ReportContent, SectionContent, note
from ledgerbridge.reports.fonts import cjk_font
from ledgerbridge.reports.render.text import cell_text, local_time, scope_label, word

FONT = "cjk"
HEAD_FILL = (221, 229, 240)
TOTAL_FILL = (242, 242, 242)
MUTED = (90, 90, 90)


class _ReportPdf(FPDF):
    def __init__(self, content: ReportContent):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.content = content
        font = cjk_font()
        self.add_font(FONT, fname=str(font.path), collection_font_number=font.index)
        self.set_auto_page_break(True, margin=14)
        self.set_margins(12, 12, 12)
        self.alias_nb_pages()
        self.set_title(f"{content.title} {content.period}")
        self.set_creator("ledgerbridge")

    def header(self) -> None:
        c = self.content
        self.set_font(FONT, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{c.company} · {c.title} · {word('period', c.language)} {c.period}")
        self.set_x(self.l_margin)
        self.cell(0, 5, scope_label(c), align="R", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        self.set_text_color(0)

    def footer(self) -> None:
        c = self.content
        self.set_y(-10)
        self.set_font(FONT, size=7)
        self.set_text_color(*MUTED)
        page = word("page", c.language, page=self.page_no(), nb="{nb}")
        self.cell(
            0,
            5,
            f"{page} · {word('generated', c.language)} {local_time(c)} · {c.warehouse_version}",
            align="C",
        )


def _widths(texts: list[list[str]], headers: list[str]) -> list[float]:
    def w(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    cols = list(zip(headers, *texts, strict=True)) if texts else [(h,) for h in headers]
    return [max(6, min(40, max(w(t) for t in col))) for col in cols]


def _section(pdf: _ReportPdf, s: SectionContent) -> None:
    c = pdf.content
    lang = c.language
    pdf.add_page()
    pdf.set_font(FONT, size=13)
    pdf.cell(0, 8, s.definition.title.get(lang), new_x="LMARGIN", new_y="NEXT")
    notes = list(s.notes)
    frame = s.frame
    columns = [col for col in (s.definition.pdf_columns or frame.columns) if col in frame.columns]
    if not s.withheld and len(frame) > s.definition.pdf_max_rows:
        notes.append(note("truncated", lang, shown=s.definition.pdf_max_rows, total=len(frame)))
    shown = frame.head(s.definition.pdf_max_rows)
    if notes:
        pdf.set_font(FONT, size=8)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 5, " ".join(notes), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    if not s.withheld and columns and len(shown):
        kinds = {col: exports.column_kind(str(col), frame[col]) for col in columns}
        labels = s.labels(lang)
        headers = [labels.get(str(col), str(col)) for col in columns]
        rows = [
            [cell_text(v, kinds[col]) for v, col in zip(r, columns, strict=True)]
            for r in shown[columns].itertuples(index=False, name=None)
        ]
        if s.totals:
            sums = {col: sum(v for v in frame[col].dropna()) for col in s.totals if col in columns}
            rows.append(
                [
                    word("total", lang) if i == 0 else cell_text(sums[col], kinds[col]) if col in sums else ""
                    for i, col in enumerate(columns)
                ]
            )
        size = 8 if len(columns) <= 8 else 7 if len(columns) <= 12 else 6
        pdf.set_font(FONT, size=size)
        align = tuple("RIGHT" if kinds[col] in ("money", "pct", "int", "rate") else "LEFT" for col in columns)
        with pdf.table(
            col_widths=tuple(_widths(rows, headers)),
            text_align=align,
            line_height=size * 0.55,
            headings_style=FontFace(fill_color=HEAD_FILL),
            repeat_headings=1,
            padding=0.8,
        ) as table:
            table.row(headers)
            for i, values in enumerate(rows):
                style = FontFace(fill_color=TOTAL_FILL) if s.totals and i == len(rows) - 1 else None
                table.row(values, style=style)
    if s.chart_png:
        pdf.ln(4)
        width = pdf.epw * 0.85
        if pdf.get_y() + width * 0.4 > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(io.BytesIO(s.chart_png), x=pdf.l_margin, w=width)


def render_pdf(content: ReportContent) -> bytes:
    """The whole report as PDF bytes (raises when no CJK font is installed)."""
    pdf = _ReportPdf(content)
    lang = content.language
    pdf.add_page()
    pdf.set_font(FONT, size=20)
    pdf.ln(20)
    pdf.cell(0, 12, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=12)
    for key, value in (
        ("company", content.company),
        ("period", content.period),
        ("scope", scope_label(content)),
        ("generated", local_time(content)),
        ("version", content.warehouse_version),
    ):
        pdf.cell(0, 8, f"{word(key, lang)}：{value}", align="C", new_x="LMARGIN", new_y="NEXT")
    for s in content.sections:
        _section(pdf, s)
    return bytes(pdf.output())
