"""GL export layouts by configuration (the mapping file's knobs), one small hand-made file per knob:
header rows, total rows, thousands separators, signed amounts, ledgers in a column or a folder,
periods, document columns, and the validation of the knobs themselves."""

from __future__ import annotations

import decimal
import io
import textwrap
from pathlib import Path

import pytest

from ingestion.config import TableSpec
from ingestion.gl_files import FileVersion, check_promises
from ingestion.gl_layout import load_layouts, parse_layout
from ingestion.gl_read import LayoutError, read_sheet
from ingestion.gl_shape import shape
from ingestion.validate import check
from ledgerbridge.errors import LedgerbridgeError

D = decimal.Decimal
KINDS = {
    "debit": "money",
    "credit": "money",
    "amount": "money",
    "voucher_no": "int",
    "line_no": "int",
    "voucher_date": "date",
}
BASE_HEADERS = """
[v.headers]
"日期" = "voucher_date"
"凭证号" = "voucher_no"
"分录号" = "line_no"
"摘要" = "summary"
"科目代码" = "account_code"
"""


def layout(knobs: str, headers: str = BASE_HEADERS + '"借方" = "debit"\n"贷方" = "credit"\n'):
    import tomllib

    data = tomllib.loads(textwrap.dedent(knobs) + headers)
    return parse_layout("v", data["v"], "test.toml")


def spec_for(lay, **options) -> TableSpec:
    cols = [*lay.columns, "source_file"]
    return TableSpec(
        "finance",
        "v",
        ["voucher_no", "line_no"],
        {c: KINDS.get(c, "text") for c in cols},
        cursor=None,
        zero_if_empty=["debit", "credit"],
        options=options,
        layout=lay,
    )


def run(text: str, lay, rel: str = "2026-07/v.csv", encoding: str = "utf-8", suffix: str = ".csv", **options):
    """Read + shape + check one file: (typed good rows as dicts, checked, shaped)."""
    data = text.encode(encoding) if isinstance(text, str) else text
    sheet = read_sheet(data, suffix, encoding="auto", sheet=0, layout=lay, where=f"gl/{rel}")
    spec = spec_for(lay, **options)
    shaped = shape(sheet, lay, rel, {c for c, k in spec.kinds.items() if k in ("money", "int")})
    checked = check(shaped.table, spec, flags=shaped.flags)
    return checked, shaped, spec


def good_rows(checked) -> list[dict]:
    import pyarrow.compute as pc

    return checked.typed.filter(pc.invert(checked.bad_mask)).to_pylist()


CSV = (
    "日期,凭证号,分录号,摘要,科目代码,借方,贷方\n"
    "2026-07-01,1,1,收款,1002,100.00,\n"
    "2026-07-01,1,2,收款,1122,,100.00\n"
)


def test_header_row_detected_below_title_lines_and_fixed_by_number():
    titled = "明远集团 凭证列表\n制表日期: 2026-08-01,,\n\n" + CSV
    checked, shaped, _ = run(titled, layout(""))
    assert [r["debit"] for r in good_rows(checked)] == [D("100.00"), D("0.00")]
    assert shaped.table.num_rows == 2
    checked, _, _ = run(titled, layout("[v]\nheader_row = 4\n"))
    assert len(good_rows(checked)) == 2
    with pytest.raises(
        LayoutError, match=r"gl/2026-07/v.csv: required column missing from the header \(row 2\)"
    ):
        run(titled, layout("[v]\nheader_row = 2\n"))


def test_a_required_column_missing_names_file_and_column_and_optional_ones_may_be_absent():
    renamed = CSV.replace("借方", "借方金额X")
    with pytest.raises(LayoutError) as err:
        run(renamed, layout(""))
    msg = str(err.value)
    assert msg.startswith("gl/2026-07/v.csv: required column missing") and "debit (借方)" in msg
    no_summary = "日期,凭证号,分录号,科目代码,借方,贷方\n2026-07-01,1,1,1002,5,\n2026-07-01,1,2,1122,,5\n"
    checked, _, _ = run(no_summary, layout('[v]\noptional = ["summary"]\n'))
    assert [r["summary"] for r in good_rows(checked)] == [None, None]
    with pytest.raises(LayoutError, match="summary"):
        run(no_summary, layout(""))


def test_total_rows_are_the_promise_and_never_lines():
    lay = layout('[v]\ntotal_row = { column = "summary", markers = ["合计"] }\n')
    text = CSV + ",,,合计,,100.00,100.00\n制表人: 张三\n"
    checked, shaped, spec = run(text, lay)
    assert len(good_rows(checked)) == 2 and shaped.total_rows == 1
    assert shaped.promise.debit == D("100.00") and shaped.promise.credit == D("100.00")
    assert shaped.bad_lines == []  # the footer after the total row is not a broken line
    version = FileVersion("v", "x", 1, "", "", lines_read=2)
    assert (
        check_promises(
            version, None, shaped.promise, spec, checked.typed, checked.bad_mask, checked.column, 0
        )
        == []
    )
    # a total that does not add up, and a file cut before its total row
    checked, shaped, spec = run(CSV + ",,,合计,,120.00,100.00\n", lay)
    problems = check_promises(
        version, None, shaped.promise, spec, checked.typed, checked.bad_mask, checked.column, 0
    )
    assert problems == [("total_row_mismatch", "total row says debit 120.00, the lines add up to 100.00")]
    checked, shaped, spec = run(CSV, lay)
    problems = check_promises(
        version, None, shaped.promise, spec, checked.typed, checked.bad_mask, checked.column, 0
    )
    assert [p[0] for p in problems] == ["total_row_missing"]


def test_total_row_line_count():
    lay = layout('[v]\ntotal_row = { column = "summary", markers = ["合计"], count = "account_code" }\n')
    checked, shaped, spec = run(CSV + ",,,合计,共3条,100.00,100.00\n", lay)
    version = FileVersion("v", "x", 1, "", "", lines_read=2)
    problems = check_promises(
        version, None, shaped.promise, spec, checked.typed, checked.bad_mask, checked.column, 0
    )
    assert problems == [("total_row_mismatch", "total row says 3 lines, 2 read")]


def test_thousands_separators_and_zero_or_empty_for_the_unused_side():
    text = (
        "日期,凭证号,分录号,摘要,科目代码,借方,贷方\n"
        '2026-07-01,1,1,a,1002,"1,234.50",0.00\n2026-07-01,1,2,b,1122,,"1,234.50"\n'
        '2026-07-01,2,1,c,1002,"12,3O5.00",\n'
    )
    checked, _, _ = run(text, layout(""))
    rows = good_rows(checked)
    assert [(r["debit"], r["credit"]) for r in rows] == [(D("1234.50"), D("0.00")), (D("0.00"), D("1234.50"))]
    assert checked.reason.to_pylist()[2] == "non_numeric_amount"  # a letter O is no digit
    checked, _, _ = run(text, layout('[v]\nthousands_separator = ""\n'))
    assert checked.reason.to_pylist()[0] == "non_numeric_amount"


SIGNED_HEADERS = BASE_HEADERS + '"金额" = "amount"\n"方向" = "direction"\n'


def test_signed_amount_with_a_direction_column():
    lay = layout('[v]\nsigned_amount = { column = "amount", direction = "direction" }\n', SIGNED_HEADERS)
    text = (
        '日期,凭证号,分录号,摘要,科目代码,金额,方向\n2026-07-01,1,1,a,1002,"1,000.00",借\n'
        "2026-07-01,1,2,b,1122,1000.00,贷\n2026-07-01,2,1,red,1002,-50.00,D\n2026-07-01,2,2,x,1122,-50.00,C\n"
        "2026-07-01,3,1,?,1002,5.00,平\n"
    )
    checked, _, _ = run(text, lay)
    rows = good_rows(checked)
    assert [(r["debit"], r["credit"]) for r in rows] == [
        (D("1000.00"), D("0.00")),
        (D("0.00"), D("1000.00")),
        (D("-50.00"), D("0.00")),
        (D("0.00"), D("-50.00")),
    ]
    assert "amount" not in checked.typed.column_names and "direction" not in checked.typed.column_names
    assert (
        checked.reason.to_pylist()[4] == "invalid_direction" and checked.column.to_pylist()[4] == "direction"
    )


def test_signed_amount_without_direction_and_negative_credits():
    lay = layout('[v]\nsigned_amount = { column = "amount" }\n', BASE_HEADERS + '"金额" = "amount"\n')
    text = "日期,凭证号,分录号,摘要,科目代码,金额\n2026-07-01,1,1,a,1002,80\n2026-07-01,1,2,b,1122,-80\n"
    rows = good_rows(run(text, lay)[0])
    assert [(r["debit"], r["credit"]) for r in rows] == [(D("80.00"), D("0.00")), (D("0.00"), D("80.00"))]
    sap = layout(
        '[v]\nsigned_amount = { column = "amount", direction = "direction", debit = ["S"], '
        'credit = ["H"], negative_credits = true }\n',
        SIGNED_HEADERS,
    )
    text = (
        "日期,凭证号,分录号,摘要,科目代码,金额,方向\n"
        "2026-07-01,1,1,a,1002,80,S\n"
        "2026-07-01,1,2,b,1122,-80,H\n"
    )
    rows = good_rows(run(text, sap)[0])
    assert [(r["debit"], r["credit"]) for r in rows] == [(D("80.00"), D("0.00")), (D("0.00"), D("80.00"))]


def test_ledgers_in_a_column_or_per_folder():
    lay = layout("", BASE_HEADERS + '"借方" = "debit"\n"贷方" = "credit"\n"账套" = "org_code"\n')
    text = (
        "账套,日期,凭证号,分录号,摘要,科目代码,借方,贷方\n"
        "A01,2026-07-01,1,1,x,1002,5,\n"
        "B02,2026-07-01,1,1,x,1002,5,\n"
    )
    assert [r["org_code"] for r in good_rows(run(text, lay)[0])] == ["A01", "B02"]
    per_folder = layout('[v]\npath_pattern = "^(?P<org_code>[A-Z0-9]+)/"\n')
    rows = good_rows(run(CSV, per_folder, rel="C03/2026-07.csv")[0])
    assert [r["org_code"] for r in rows] == ["C03", "C03"]
    with pytest.raises(LayoutError, match="does not match the file's path 'misc/x.csv'"):
        run(CSV, per_folder, rel="misc/x.csv")
    constant = layout('[v]\nconstants = { org_code = "ONLY", voucher_word = "记" }\n')
    rows = good_rows(run(CSV, constant)[0])
    assert {(r["org_code"], r["voucher_word"]) for r in rows} == {("ONLY", "记")}


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("2026-07", "2026-07"),
        ("2026.7", "2026-07"),
        ("2026/07", "2026-07"),
        ("202607", "2026-07"),
        ("2026年7月", "2026-07"),
        ("7", "2026-07"),
        ("第7期", "2026-07"),
        ("", "2026-07"),
    ],
)
def test_period_forms_are_normalised(written, period):
    lay = layout(
        '[v]\nperiod_from = "voucher_date"\n',
        BASE_HEADERS + '"借方" = "debit"\n"贷方" = "credit"\n"期间" = "period"\n',
    )
    text = f"日期,期间,凭证号,分录号,摘要,科目代码,借方,贷方\n2026-07-31,{written},1,1,x,1002,5,\n"
    assert [r["period"] for r in good_rows(run(text, lay)[0])] == [period]


def test_no_period_column_takes_the_voucher_date_and_a_bad_period_is_quarantined():
    lay = layout('[v]\nperiod_from = "voucher_date"\n')
    assert [r["period"] for r in good_rows(run(CSV, lay)[0])] == ["2026-07", "2026-07"]
    lay = layout(
        '[v]\nperiod_from = "voucher_date"\n',
        BASE_HEADERS + '"借方" = "debit"\n"贷方" = "credit"\n"期间" = "period"\n',
    )
    text = (
        "日期,期间,凭证号,分录号,摘要,科目代码,借方,贷方\n"
        "2026-07-31,2026-13,1,1,x,1002,5,\n"
        "2026-07-31,Q3,1,2,x,1002,5,\n"
    )
    checked = run(text, lay)[0]
    assert checked.reason.to_pylist() == ["malformed_period", "malformed_period"]
    assert checked.column.to_pylist() == ["period", "period"]


def test_document_columns_map_to_remark_reference_document_ref():
    headers = BASE_HEADERS + (
        '"借方" = "debit"\n"贷方" = "credit"\n"备注" = "remark"\n'
        '"参考信息" = "reference"\n"单据编号" = "document_ref"\n'
    )
    lay = layout('[v]\noptional = ["remark", "reference", "document_ref"]\n', headers)
    text = (
        "日期,凭证号,分录号,摘要,科目代码,借方,贷方,单据编号,备注\n"
        "2026-07-01,1,1,x,1002,5,,RK/2026/07/0012,批量\n"
    )
    [row] = good_rows(run(text, lay)[0])
    assert (row["document_ref"], row["remark"], row["reference"]) == ("RK/2026/07/0012", "批量", None)


def test_xlsx_layout_with_title_rows_and_a_total_row():
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    rows = [
        ["凭证汇总表"],
        [],
        ["日期", "凭证号", "分录号", "摘要", "科目代码", "借方", "贷方"],
        ["2026-07-01", 1, 1, "a", "1002", 1234.5, None],
        ["2026-07-01", 1, 2, "b", "1122", None, 1234.5],
        [None, None, None, "合计", None, 1234.5, 1234.5],
    ]
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    lay = layout('[v]\ntotal_row = { column = "summary", markers = ["合计"] }\n')
    checked, shaped, _ = run(buf.getvalue(), lay, rel="2026-07/v.xlsx", suffix=".xlsx")
    assert [r["debit"] for r in good_rows(checked)] == [D("1234.50"), D("0.00")]
    assert shaped.promise.debit == D("1234.5") and shaped.table.num_rows == 2
    assert shaped.row_index.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[v]\nheader_rows = 3\n[v.headers]\n"a" = "b"\n', "unknown key 'header_rows'"),
        ('[v]\noptional = []\n"借方" = "debit"\n', "header aliases go in the [<entity>.headers] table"),
        ('[v]\npath_pattern = "([A-Z]+"\n[v.headers]\n"a" = "b"\n', "not a valid regular expression"),
        ('[v]\npath_pattern = "^([A-Z]+)/"\n[v.headers]\n"a" = "b"\n', "has no named group"),
        (
            '[v]\noptional = ["summary"]\n[v.headers]\n"a" = "b"\n',
            "optional names 'summary', which no header maps to",
        ),
        ('[v]\nheader_row = 0\n[v.headers]\n"a" = "b"\n', "header_row must be"),
        ('[v]\nthousands_separator = "."\n[v.headers]\n"a" = "b"\n', "thousands_separator"),
        ('[v]\nsigned_amount = { column = "amt" }\n[v.headers]\n"a" = "b"\n', "signed_amount.column 'amt'"),
        (
            '[v]\nsigned_amount = { column = "b" }\n[v.headers]\n"a" = "b"\n"c" = "debit"\n',
            "comes from the amount",
        ),
        (
            '[v]\ntotal_row = { column = "summary", colour = "red" }\n[v.headers]\n"a" = "summary"\n',
            "unknown key 'colour'",
        ),
        ('[v]\nperiod_from = "date"\n[v.headers]\n"a" = "b"\n', "period_from 'date'"),
    ],
)
def test_bad_knobs_are_one_clear_error(tmp_path: Path, toml: str, message: str):
    path = tmp_path / "gl_columns.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(LedgerbridgeError) as err:
        load_layouts(path)
    assert message in str(err.value) and str(path) in str(err.value) and "[v]" in str(err.value)


def test_the_flat_mapping_form_still_reads():
    import tomllib

    lay = parse_layout("v", tomllib.loads('"借方" = "debit"\n"凭证号" = "voucher_no"\n'), "x")
    assert lay.headers == {"借方": "debit", "凭证号": "voucher_no"} and lay.required == [
        "debit",
        "voucher_no",
    ]


def test_the_second_house_style_example_in_the_docs_reads_such_a_file():
    import re
    import tomllib

    from ledgerbridge.paths import PROJECT_ROOT

    doc = (PROJECT_ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    example = re.search(r"A second house style.*?```toml\n(.*?)```", doc, re.S).group(1)
    lay = parse_layout("gl_voucher_lines", tomllib.loads(example)["gl_voucher_lines"], "docs/sources.md")
    text = (
        "明远国际 记账凭证列表\n"
        "账套,制单日期,凭证编号,行号,摘要,科目编码,金额,方向,备注,单据编号\n"
        '001,2026-07-03,1,1,收款,1002,"1,000.00",借,,XS20260701001\n'
        "001,2026-07-03,1,2,收款,1122,1000.00,贷,,XS20260701001\n"
        ',,,,合计,,"1,000.00",,,\n'
    )
    checked, shaped, spec = run(text, lay)
    rows = good_rows(checked)
    assert [
        (r["org_code"], r["period"], r["voucher_word"], r["debit"], r["credit"], r["document_ref"])
        for r in rows
    ] == [
        ("001", "2026-07", "记", D("1000.00"), D("0.00"), "XS20260701001"),
        ("001", "2026-07", "记", D("0.00"), D("1000.00"), "XS20260701001"),
    ]
    version = FileVersion("v", "x", 1, "", "", lines_read=2)
    assert (
        check_promises(
            version, None, shaped.promise, spec, checked.typed, checked.bad_mask, checked.column, 0
        )
        == []
    )
