"""The one safe writer (``ledgerbridge.exports``) and every download that uses it.

Text that looks like a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the start) must
never become one: XLSX text is a string cell, CSV text is prefixed with ``'``. Each
check is shown to catch the unsafe writer it guards against.
"""

from __future__ import annotations

import ast
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from app.lib import downloads
from ledgerbridge import exports, vouchers

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", "=1+2"]
SAFE = ["应付账款", "-12.50", "+3", "ok -1"]


def formula_cells(data: bytes) -> list[str]:
    """Coordinates of every formula cell in a workbook (``sheet!A1``)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [
        f"{ws.title}!{c.coordinate}"
        for ws in book
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


def risky_csv_fields(data: bytes) -> list[str]:
    """CSV fields a spreadsheet would run as a formula (not a plain number)."""
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    fields = [*frame.columns, *frame.to_numpy().ravel().tolist()]
    return [f for f in fields if f[:1] in exports.FORMULA_TRIGGERS and not _plain_number(f)]


def _plain_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def hostile_frame() -> pd.DataFrame:
    texts = HOSTILE + SAFE
    return pd.DataFrame({"摘要": texts, "amount": [Decimal("-1234.56")] * len(texts), "n": range(len(texts))})


# --- the writer ----------------------------------------------------------------------


def test_xlsx_writes_text_as_text_and_numbers_as_numbers():
    data = exports.xlsx_bytes([exports.Sheet("凭证", hostile_frame(), title="标题", totals=["amount"])])
    ws = openpyxl.load_workbook(io.BytesIO(data))["凭证"]
    body = list(ws.iter_rows(min_row=4, max_row=3 + len(HOSTILE) + len(SAFE)))
    # (openpyxl leaves XML's escape of a carriage return as it is)
    assert [r[0].value.replace("_x000D_", "\r") for r in body] == HOSTILE + SAFE
    assert all(r[0].data_type == "s" for r in body), "a text cell is not a string cell"
    assert all(r[1].data_type == "n" and r[1].value == -1234.56 for r in body)
    assert body[0][1].number_format == exports.XLSX_MONEY
    # the only formula is the deliberate total, with its cached value
    assert formula_cells(data) == [f"凭证!B{4 + len(body)}"]
    total = ws.cell(row=4 + len(body), column=2)
    assert total.value == f"=SUM(B4:B{3 + len(body)})"
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["凭证"].cell(
        row=4 + len(body), column=2
    )
    assert Decimal(str(cached.value)) == Decimal("-1234.56") * len(body)
    assert ws.freeze_panes == "A4"


def test_unsafe_xlsx_writer_is_caught():
    """pandas' own writer turns the hostile 摘要 into formulas: the check sees them."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="xlsxwriter") as xw:
        hostile_frame().to_excel(xw, index=False)
    assert len(formula_cells(buf.getvalue())) >= 2


def test_csv_neutralizes_formula_text_and_keeps_numbers():
    frame = hostile_frame()
    data = exports.csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    assert risky_csv_fields(data) == []
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["摘要"].tolist()[: len(HOSTILE)] == ["'" + h for h in HOSTILE]
    assert back["摘要"].tolist()[len(HOSTILE) :] == SAFE  # plain numbers and Chinese text untouched
    assert back["amount"].map(Decimal).tolist() == frame["amount"].tolist()


def test_unsafe_csv_writer_is_caught():
    raw = hostile_frame().to_csv(index=False).encode("utf-8-sig")
    assert len(risky_csv_fields(raw)) >= len(HOSTILE) - 1  # (a lone CR even splits its row)


def test_long_text_is_cut_with_a_mark_and_sheet_names_are_unique():
    long = pd.DataFrame({"t": ["x" * 200_000, "a\x00b"]})
    data = exports.xlsx_bytes([exports.Sheet("a/b:c", long), exports.Sheet("a/b:c", long)])
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["a_b_c", "a_b_c~2"]
    cell = book["a_b_c"]["A2"].value
    assert len(cell) == exports.XLSX_MAX_TEXT and cell.endswith(exports.TRUNCATED_MARK)


# --- every download ---------------------------------------------------------------


def _proposal_lines(summary: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    import datetime as dt

    lines = pd.DataFrame(
        {
            "proposal_id": ["P1", "P1"],
            "line_no": [1, 2],
            "org_code": ["ORG01"] * 2,
            "target_period": ["2025-03"] * 2,
            "voucher_date": [dt.date(2025, 3, 31)] * 2,
            "voucher_word": ["记"] * 2,
            "summary": [summary] * 2,
            "account_code": ["1122", "6001"],
            "debit": [113.0, 0.0],
            "credit": [0.0, 113.0],
            "currency": ["CNY"] * 2,
            "amount_original": [113.0, 113.0],
            "fx_rate": [1.0] * 2,
            "supplier_code": [None, None],
            "customer_code": ["@C1", "@C1"],
            "employee_code": [None] * 2,
            "dept_code": [None] * 2,
            "source_document_no": ["SINV1"] * 2,
            "rule_id": ["R1"] * 2,
        }
    )
    return lines[["proposal_id"]].drop_duplicates(), lines


#: Every function that produces download bytes, with how to call it on a hostile input.
DOWNLOADS = {
    "to_csv_bytes": ("csv", lambda: downloads.to_csv_bytes(hostile_frame())),
    "to_xlsx_bytes": ("xlsx", lambda: downloads.to_xlsx_bytes({"表": hostile_frame()})),
    "voucher_import_bytes/csv": (
        "csv",
        lambda: downloads.voucher_import_bytes(*_proposal_lines("=1+2"), "csv"),
    ),
    "voucher_import_bytes/xlsx": (
        "xlsx",
        lambda: downloads.voucher_import_bytes(*_proposal_lines("=1+2"), "xlsx"),
    ),
    "vouchers export/csv": (
        "csv",
        lambda: vouchers.export_bytes(_proposal_lines("-冲销")[1].assign(voucher_no=900001), "csv"),
    ),
    "vouchers export/xlsx": (
        "xlsx",
        lambda: vouchers.export_bytes(_proposal_lines("-冲销")[1].assign(voucher_no=900001), "xlsx"),
    ),
}


@pytest.mark.parametrize("name", sorted(DOWNLOADS))
def test_every_download_is_formula_free(name):
    kind, make = DOWNLOADS[name]
    data = make()
    if kind == "csv":
        assert data.startswith(b"\xef\xbb\xbf")
        assert risky_csv_fields(data) == []
    else:
        assert formula_cells(data) == []
        book = openpyxl.load_workbook(io.BytesIO(data))
        texts = [c.value for ws in book for row in ws.iter_rows() for c in row if c.data_type == "s"]
        assert any(str(t).startswith(("=", "-", "@")) for t in texts), "the hostile text is missing"


def test_voucher_json_keeps_the_text_verbatim():
    vs = json.loads(vouchers.export_bytes(_proposal_lines("=1+2")[1].assign(voucher_no=900001), "json"))
    assert vs[0]["lines"][0]["summary"] == "=1+2"  # JSON is data for a program, not a spreadsheet


def _download_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and getattr(n.func, "attr", getattr(n.func, "id", None)) == "download_button"
    ]


def test_every_download_button_goes_through_the_safe_writer():
    """Each ``download_button`` in the app builds its bytes with a function tested above,
    and nothing outside ``ledgerbridge/exports.py`` writes CSV or XLSX for a user."""
    tested = {n.split("/")[0] for n in DOWNLOADS} | {"archived_file_bytes"}
    seen: set[str] = set()
    for path in sorted((ROOT / "app").rglob("*.py")):
        for call in _download_calls(ast.parse(path.read_text(encoding="utf-8"))):
            data = next(
                (k.value for k in call.keywords if k.arg == "data"),
                call.args[1] if len(call.args) > 1 else None,
            )
            assert data is not None, f"{path.name}: download_button without data"
            names = {n.attr for n in ast.walk(data) if isinstance(n, ast.Attribute)}
            used = names & tested
            assert used, f"{path.name}:{call.lineno}: download bytes not from the safe writer ({names})"
            seen |= used
    assert {"to_csv_bytes", "to_xlsx_bytes", "voucher_import_bytes"} <= seen
    writers = ("to_excel(", ".to_csv(", "xlsxwriter.Workbook", "csv.writer(")
    offenders = [
        f"{p.relative_to(ROOT)}: {w}"
        for base in ("app", "ledgerbridge")
        for p in (ROOT / base).rglob("*.py")
        if p.name != "exports.py"
        and "simulator" not in p.parts  # the simulator imitates other systems' files
        for w in writers
        if w in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


# --- voucher export: each line's side and amount -------------------------------------


def export_problems(export: pd.DataFrame, warehouse_lines: pd.DataFrame) -> list[str]:
    """Lines of the import file whose account, side or amount differ from the proposal line."""
    ref = warehouse_lines.sort_values(["proposal_id", "line_no"])
    got = export.assign(_seq=export.groupby("参考信息").cumcount() + 1)
    merged = ref.merge(
        got, left_on=["proposal_id", "line_no"], right_on=["参考信息", "_seq"], how="outer", indicator=True
    )
    problems = [
        f"{r.proposal_id}/{r.line_no}: missing from one side"
        for r in merged[merged["_merge"] != "both"].itertuples()
    ]
    both = merged[merged["_merge"] == "both"]
    for r in both.itertuples():
        d, c = Decimal(r.借方金额), Decimal(r.贷方金额)
        if (r.科目代码, d, c) != (r.account_code, r.debit, r.credit):
            problems.append(
                f"{r.proposal_id}/{r.line_no}: {r.科目代码} D{d} C{c} "
                f"!= {r.account_code} D{r.debit} C{r.credit}"
            )
    return problems


@pytest.fixture(scope="module")
def warehouse_proposal_lines(built_warehouse) -> pd.DataFrame:
    with built_warehouse.connect() as con:  # the second route: straight from the mart, as Decimals
        return (
            con.execute("""select proposal_id, line_no, account_code, debit, credit
                              from vouchers.voucher_proposal_lines""")
            .to_arrow_table()
            .to_pandas()
        )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_voucher_export_lines_match_the_proposal_lines(built_warehouse, warehouse_proposal_lines, fmt):
    data = vouchers.export_bytes(vouchers.proposal_lines(built_warehouse.warehouse), fmt)
    if fmt == "csv":
        export = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    else:
        export = pd.read_excel(io.BytesIO(data), dtype=str, engine="calamine")
    assert len(export) == len(warehouse_proposal_lines) > 0
    assert export_problems(export, warehouse_proposal_lines) == []


def test_voucher_export_with_sides_swapped_is_caught(built_warehouse, warehouse_proposal_lines, monkeypatch):
    swapped = dict(vouchers.IMPORT_COLUMNS, debit="贷方金额", credit="借方金额")
    monkeypatch.setattr(vouchers, "IMPORT_COLUMNS", swapped)
    data = vouchers.export_bytes(vouchers.proposal_lines(built_warehouse.warehouse), "csv")
    export = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert len(export_problems(export, warehouse_proposal_lines)) == len(warehouse_proposal_lines)
