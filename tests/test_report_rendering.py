"""Every default report rendered on the demo warehouse, checked against the warehouse.

- XLSX: every cell of every section equals the warehouse's rows for the scope (queried
  here, the scope applied in pandas rather than SQL), totals are ``SUM`` formulas over
  exactly the data rows, and key figures agree with a second route (the GL lines, the
  subledger open items).
- Scope: a recipient granted ORG01 never gets another org's rows (XLSX, CSV, PDF).
- PDF: the extracted text has the Chinese titles and key figures; a page image is saved.
- CSV: UTF-8 with BOM, and it round-trips to the same values.
Each checker is also shown to catch a tampered file.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from test_exports import export_problems

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import PROJECT_ROOT
from ledgerbridge.reports import config, content, definitions, periods, render
from ledgerbridge.reports.recipients import Scope

REFERENCE = dt.datetime(2025, 12, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 on 1 December in Shanghai
ORG01 = Scope(frozenset({"ORG01"}))
ALL = Scope(None)
OUTPUT = PROJECT_ROOT / "test-output" / "reports"


@pytest.fixture(scope="module")
def reports() -> dict[str, definitions.ReportDef]:
    from ledgerbridge.reports.fonts import cjk_font

    try:  # PDFs and charts need it; `make test` installs it where it can
        cjk_font()
    except LedgerbridgeError as exc:
        pytest.skip(f"reports are not rendered without a CJK font: {exc}")
    return definitions.parse_reports(config.load())


@pytest.fixture(scope="module")
def rendered(built_warehouse, reports):
    """(report id, scope key) -> (content, {fmt: [files]}) for every default report, all orgs and ORG01."""
    out = {}
    with built_warehouse.connect() as con:
        closed = [r[0] for r in con.execute("select period from core.dim_period where is_closed").fetchall()]
        for r in reports.values():
            period = periods.resolve(r.period, REFERENCE, "Asia/Shanghai", closed)
            params = periods.parameters(period, REFERENCE.date() if r.period == "month_to_date" else None)
            for scope in (ALL, ORG01):
                c = content.build(
                    r,
                    period,
                    params,
                    scope,
                    con,
                    company="明远集团",
                    generated_at=REFERENCE,
                    warehouse_version="test-build",
                )
                out[(r.id, scope.key)] = (c, {fmt: render.render(c, fmt) for fmt in r.formats})
    return out


def expected_rows(con, section: definitions.SectionDef, c: content.ReportContent) -> pd.DataFrame:
    """The section's rows straight from the warehouse, the scope applied here in pandas."""
    params = periods.parameters(c.period, REFERENCE.date() if c.report.period == "month_to_date" else None)
    used = {k: v for k, v in params.items() if f"${k}" in section.sql}
    frame = con.execute(section.sql, used).to_arrow_table().to_pandas()
    if c.scope.orgs is not None:
        if "org_code" not in frame:
            return frame.iloc[0:0]
        frame = frame[frame["org_code"].isin(c.scope.orgs)].reset_index(drop=True)
    return frame


HEADER_ROW = 4  # title, subtitle, blank line, header


def sheet_rows(ws) -> tuple[list[str], list[list], list | None]:
    """(headers, data rows, totals row or None) of a section sheet."""
    rows = list(ws.iter_rows(min_row=HEADER_ROW))
    headers = [c.value for c in rows[0] if c.value is not None]
    data, total = [], None
    for row in rows[1:]:
        cells = row[: len(headers)]
        if any(
            c.data_type == "f" or c.value in ("合计", "Total") for c in cells
        ):  # formulas, or their values
            total = cells
            break
        if all(c.value is None for c in cells):
            break
        data.append([c.value for c in cells])
    return headers, data, total


def _same(cell, value) -> bool:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return cell is None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        return cell is not None and abs(Decimal(str(cell)) - Decimal(str(value))) < Decimal("0.0000005")
    if isinstance(value, dt.datetime | pd.Timestamp):  # Excel keeps times to the millisecond
        want = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
        return isinstance(cell, dt.datetime) and abs(cell - want) < dt.timedelta(milliseconds=1)
    if isinstance(value, dt.date):
        return isinstance(cell, dt.datetime) and cell.date() == value
    return str(cell) == str(value)


def xlsx_problems(ws, frame: pd.DataFrame, labels: dict[str, str], totals: tuple[str, ...]) -> list[str]:
    """Differences between a section sheet and the warehouse rows it should hold."""
    headers, data, total = sheet_rows(ws)
    problems = []
    if headers != [labels.get(str(c), str(c)) for c in frame.columns]:
        problems.append(f"{ws.title}: headers {headers}")
    if len(data) != len(frame):
        problems.append(f"{ws.title}: {len(data)} rows, warehouse has {len(frame)}")
    for i, (got, want) in enumerate(zip(data, frame.itertuples(index=False, name=None), strict=False)):
        bad = [
            f"{frame.columns[j]}={g!r}≠{w!r}"
            for j, (g, w) in enumerate(zip(got, want, strict=True))
            if not _same(g, w)
        ]
        if bad:
            problems.append(f"{ws.title} row {i + 1}: {', '.join(bad[:3])}")
    if bool(total) != bool(totals and len(frame)):
        problems.append(f"{ws.title}: totals row {'missing' if totals else 'unexpected'}")
    for col in totals if total else ():
        j = list(frame.columns).index(col)
        letter = openpyxl.utils.get_column_letter(j + 1)
        want = f"=SUM({letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + len(frame)})"
        if total[j].value != want:
            problems.append(f"{ws.title}: total of {col} is {total[j].value!r}, want {want}")
    return problems


def _book(files) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(files["xlsx"][0].data))


def _cached(files) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(files["xlsx"][0].data), data_only=True)


# --- every report, every format ----------------------------------------------------------------------


def test_every_default_report_renders_in_every_format(rendered, reports):
    for (rid, scope), (c, files) in rendered.items():
        assert set(files) == set(reports[rid].formats)
        for fmt, fs in files.items():
            assert fs, f"{rid}/{scope}/{fmt}: no file"
            for f in fs:
                assert f.name.endswith(f"_{c.period}_{scope}.{fmt}") and c.title in f.name
                assert len(f.data) > 200
        if "pdf" in files:
            assert files["pdf"][0].data.startswith(b"%PDF")


def test_xlsx_figures_equal_the_warehouse(built_warehouse, rendered):
    problems = []
    with built_warehouse.connect() as con:
        for (rid, scope), (c, files) in rendered.items():
            if "xlsx" not in files:
                continue
            book = _book(files)
            assert book.sheetnames[0] in ("报告信息", "About")
            for s, ws in zip(c.sections, book.worksheets[1:], strict=True):
                if s.definition.source:
                    continue  # the import layout is checked line by line below
                frame = expected_rows(con, s.definition, c)
                problems += [
                    f"{rid}/{scope}: {p}" for p in xlsx_problems(ws, frame, s.labels("zh"), s.totals)
                ]
    assert problems == []


def test_a_tampered_xlsx_is_caught(built_warehouse, rendered):
    c, files = rendered[("aging", "ORG01")]
    book = _book(files)
    ws = book.worksheets[1]
    ws.cell(row=HEADER_ROW + 3, column=6).value = 1.0  # one open amount changed
    ws.cell(row=HEADER_ROW + 1, column=1).value = "ORG02"  # and one org
    s = c.sections[0]
    with built_warehouse.connect() as con:
        problems = xlsx_problems(ws, expected_rows(con, s.definition, c), s.labels("zh"), s.totals)
    assert len(problems) == 2 and "row 3" in problems[1] and "row 1" in problems[0]


def test_key_figures_agree_with_a_second_route(built_warehouse, rendered):
    """Figures of ORG01's files against the GL lines and the subledger, not the marts they came from."""
    with built_warehouse.connect() as con:
        gl = con.execute(
            """select sum(g.credit - g.debit) filter (where a.statement = 'income_statement'),
                      sum(g.credit - g.debit) filter (where a.account_type = 'revenue')
               from core.fct_gl_lines g join core.dim_account a on a.account_code = g.account_code
               where g.org_code = 'ORG01' and g.period = '2025-11'"""
        ).fetchone()
        open_items = dict(
            con.execute(
                """select ledger, sum(open_amount_base) from finance.subledger_open_items
               where org_code = 'ORG01' and period = '2025-11' group by ledger"""
            ).fetchall()
        )

    def table(report: str, section: str) -> tuple[list[str], list[list], list]:
        c, files = rendered[(report, "ORG01")]
        s = next(s for s in c.sections if s.definition.id == section)
        _, rows, total = sheet_rows(_cached(files)[s.definition.title.zh])
        return [str(col) for col in s.frame.columns], rows, total

    def dec(v) -> Decimal:
        return Decimal(str(v))

    cols, rows, _ = table("management_pack", "income_statement")
    (net_profit,) = [r for r in rows if r[0] == "ORG01" and r[cols.index("line_code")] == "NET_PROFIT"]
    assert dec(net_profit[cols.index("period_amount")]) == gl[0]  # Σ (credit − debit) of P&L accounts
    cols, rows, _ = table("management_pack", "kpi")
    assert rows[0][0] == "ORG01" and dec(rows[0][cols.index("revenue")]) == gl[1]
    for section, ledger in (("ar_aging", "AR"), ("ap_aging", "AP")):
        cols, rows, total = table("aging", section)
        j = cols.index("open_amount")
        assert dec(total[j].value) == open_items[ledger] == sum(dec(r[j]) for r in rows)
    cols, rows, _ = table("reconciliation_pack", "bridge")
    d, g, sub = cols.index("difference"), cols.index("gl_closing"), cols.index("subledger_closing")
    assert rows and all(dec(r[d]) == dec(r[g]) - dec(r[sub]) for r in rows)  # on every line


def test_voucher_import_report_lines_match_the_proposal_lines(built_warehouse, rendered):
    with built_warehouse.connect() as con:
        for scope in ("all", "ORG01"):
            c, files = rendered[("voucher_import", scope)]
            orgs = ["ORG01"] if scope == "ORG01" else ["ORG01", "ORG02", "ORG03"]
            lines = (
                con.execute(
                    """select proposal_id, line_no, account_code, debit, credit
                   from vouchers.voucher_proposal_lines
                   where target_period = ? and list_contains(?, org_code)""",
                    [c.period, orgs],
                )
                .to_arrow_table()
                .to_pandas()
            )
            sheet = pd.read_excel(
                io.BytesIO(files["xlsx"][0].data),
                sheet_name=1,
                header=HEADER_ROW - 1,
                dtype=str,
                engine="calamine",
            )
            assert len(lines) > 0 and export_problems(sheet, lines) == []
            csv = pd.read_csv(io.BytesIO(files["csv"][0].data), encoding="utf-8-sig", dtype=str)
            assert export_problems(csv, lines) == []


# --- scope ----------------------------------------------------------------------------------------------


def foreign_orgs(data: bytes, fmt: str, allowed: set[str]) -> set[str]:
    """Org codes in a file that the scope does not allow (ORG.. codes and GROUP)."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        text = " ".join(
            str(c.value)
            for ws in book.worksheets[1:]
            for row in ws.iter_rows()
            for c in row
            if c.value is not None and ws.title
        )
    elif fmt == "csv":
        text = data.decode("utf-8-sig")
    else:
        text = pdf_text(data)
    # PDF text runs adjacent cells together ("ORG03USD"): an org code ends where its digits do
    return set(re.findall(r"ORG\d\d(?!\d)|GROUP", text)) - allowed


def test_a_scoped_recipient_never_gets_another_orgs_rows(built_warehouse, rendered):
    with built_warehouse.connect() as con:
        proposal_orgs = dict(
            con.execute("select proposal_id, org_code from vouchers.voucher_proposals").fetchall()
        )
        for (rid, scope), (c, files) in rendered.items():
            if scope != "ORG01":
                continue
            for fmt, fs in files.items():
                for f in fs:
                    assert foreign_orgs(f.data, fmt, {"ORG01"}) == set(), f"{rid}: {f.name}"
            for s in c.sections:  # every row the warehouse has for ORG01, and only those
                if "org_code" in s.frame:
                    assert set(s.frame["org_code"]) <= {"ORG01"}
                    assert len(s.frame) == len(expected_rows(con, s.definition, c)), (
                        f"{rid}/{s.definition.id}"
                    )
    vouchers_c, _ = rendered[("voucher_import", "ORG01")]
    refs = set(vouchers_c.sections[0].frame["参考信息"])
    assert refs and {proposal_orgs[p] for p in refs} == {"ORG01"}
    assert rendered[("voucher_import", "all")][0].sections[0].frame["参考信息"].nunique() > len(refs)


def test_the_scope_checker_catches_other_orgs(rendered):
    _, files = rendered[("management_pack", "all")]
    assert foreign_orgs(files["xlsx"][0].data, "xlsx", {"ORG01"}) == {"ORG02", "ORG03", "GROUP"}
    assert foreign_orgs(files["pdf"][0].data, "pdf", {"ORG01"}) >= {"ORG02", "ORG03"}


def test_company_wide_sections_are_withheld_from_scoped_recipients(rendered):
    c_all, f_all = rendered[("integration_health", "all")]
    c_one, f_one = rendered[("integration_health", "ORG01")]
    assert all(not s.withheld for s in c_all.sections) and any(len(s.frame) for s in c_all.sections)
    assert all(s.withheld and s.frame.empty and s.notes for s in c_one.sections)
    ws = _book(f_one)[c_one.sections[1].definition.title.zh]
    assert sheet_rows(ws)[1] == [] and any("组织权限" in str(c.value) for row in ws.iter_rows() for c in row)


def test_totals_only_where_one_currency(rendered):
    for scope, want_formulas in (("all", False), ("ORG01", True)):
        c, files = rendered[("aging", scope)]
        ws = _book(files)["应收账款账龄"]
        assert (sheet_rows(ws)[2] is not None) is want_formulas
        assert any("不合计" in n for n in c.sections[0].notes) is not want_formulas


# --- PDF and CSV --------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of a PDF. pypdf reads the font's 4-byte Unicode map entries as a NUL and the
    character: the NULs are dropped."""
    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\x00", "")


def test_pdf_has_the_chinese_titles_key_figures_and_page_numbers(built_warehouse, rendered):
    c, files = rendered[("management_pack", "ORG01")]
    pdf = files["pdf"][0].data
    text = pdf_text(pdf)
    for title in (
        "月度管理报告",
        "关键指标",
        "近十二个月趋势",
        "利润表",
        "资产负债表",
        "明远集团",
        "会计期间 2025-11",
    ):
        assert title in text, title
    with built_warehouse.connect() as con:
        revenue, profit = con.execute(
            """select revenue, net_profit from finance.kpi_monthly
               where org_code = 'ORG01' and period = '2025-11'"""
        ).fetchone()
    assert f"{revenue:,.2f}" in text and f"{profit:,.2f}" in text
    pages = len(re.findall(r"第 \d+ 页 / 共 (\d+) 页", text))
    assert pages == int(re.search(r"共 (\d+) 页", text).group(1)) > 3
    assert b"NotoSansCJK" in pdf and b"/FontFile3" in pdf  # the CJK font is embedded, not substituted
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: no page image saved")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "management_pack_ORG01.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "2",
            "-l",
            "3",
            str(OUTPUT / "management_pack_ORG01.pdf"),
            str(OUTPUT / "management_pack_ORG01"),
        ],
        check=True,
        timeout=60,
    )
    images = sorted(OUTPUT.glob("management_pack_ORG01-*.png"))
    assert len(images) == 2 and all(p.stat().st_size > 5000 for p in images)


def test_a_missing_cjk_font_is_a_clear_error(monkeypatch):
    from ledgerbridge.reports import fonts

    monkeypatch.setenv(fonts.ENV, "/nonexistent/font.ttc")
    fonts.cjk_font.cache_clear()
    try:
        with pytest.raises(LedgerbridgeError, match="fonts-noto-cjk"):
            fonts.cjk_font()
    finally:
        monkeypatch.delenv(fonts.ENV)
        fonts.cjk_font.cache_clear()


def test_csv_round_trips(rendered):
    c, files = rendered[("aging", "ORG01")]
    for s, f in zip(c.sections, files["csv"], strict=True):
        assert f.data.startswith(b"\xef\xbb\xbf") and f.section == s.definition.id
        back = pd.read_csv(io.BytesIO(f.data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
        labels = s.labels("zh")
        assert list(back.columns) == [labels[str(col)] for col in s.frame.columns]
        for col in s.frame.columns:
            want = ["" if v is None else str(v) for v in s.frame[col]]
            assert back[labels[str(col)]].tolist() == want, col
