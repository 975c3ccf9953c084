"""Unit tests of the app's pure helpers: number formatting, download bytes,
the voucher import layout, KPI arithmetic, freshness, i18n, timing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from test_app_support import build_synthetic_warehouse

from app.lib import downloads, fmt, kpi, monitor, queries, timing
from app.lib.i18n import TEXT, t
from ledgerbridge.vouchers import IMPORT_COLUMNS


def test_money_format():
    assert fmt.money(1234567.891) == "1,234,567.89"
    assert fmt.money(-1234.5) == "-1,234.50"
    assert fmt.money(0) == "0.00"
    assert fmt.money(-0.001) == "0.00"
    assert fmt.money(None) == "—"
    assert fmt.money(float("nan")) == "—"
    assert fmt.money(12.5, signed=True) == "+12.50"
    assert fmt.pct(0.1234) == "+12.3%"


def test_money_columns_are_detected():
    df = pd.DataFrame({"debit": [1.5], "item_count": [2.0], "account_code": ["1122"], "line_no": [1]})
    assert fmt.is_money_column("debit", df["debit"].dtype)
    assert not fmt.is_money_column("item_count", df["item_count"].dtype)
    assert not fmt.is_money_column("account_code", df["account_code"].dtype)
    assert fmt.money_frame(df)["debit"][0] == "1.50"


def test_csv_bytes_are_utf8_with_bom():
    df = pd.DataFrame({"科目": ["应收账款"], "金额": [-1234.5]})
    data = downloads.to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.equals(df)


def test_xlsx_bytes_round_trip():
    df = pd.DataFrame({"account_code": ["1122", "6001"], "closing_balance": [1234.56, -99.0]})
    data = downloads.to_xlsx_bytes({"trial balance": df, "other": df.head(1)})
    assert data[:2] == b"PK"
    back = pd.read_excel(io.BytesIO(data), sheet_name=None, engine="calamine", dtype={"account_code": str})
    assert list(back) == ["trial balance", "other"]
    assert back["trial balance"]["closing_balance"].tolist() == [1234.56, -99.0]
    assert back["trial balance"]["account_code"].tolist() == ["1122", "6001"]


def _lines() -> tuple[pd.DataFrame, pd.DataFrame]:
    props = pd.DataFrame({"proposal_id": ["P2", "P1"]})
    day = dt.date(2025, 3, 31)
    lines = pd.DataFrame(
        {
            "proposal_id": ["P1", "P1", "P2", "P2"],
            "line_no": [1, 2, 1, 2],
            "org_code": ["ORG01"] * 4,
            "target_period": ["2025-03"] * 4,
            "voucher_date": [day] * 4,
            "voucher_word": ["记"] * 4,
            "summary": ["收款 RC1", "收款 RC1", "采购入库 GR1", "采购入库 GR1"],
            "account_code": ["100201", "1122", "1405", "220202"],
            "debit": [113.0, 0.0, 100.0, 0.0],
            "credit": [0.0, 113.0, 0.0, 100.0],
            "currency": ["CNY"] * 4,
            "amount_original": [113.0, 113.0, 100.0, 100.0],
            "fx_rate": [1.0] * 4,
            "supplier_code": [None, None, "S001", "S001"],
            "customer_code": ["C001", "C001", None, None],
            "employee_code": [None] * 4,
            "dept_code": [None] * 4,
        }
    )
    return props, lines


def test_voucher_import_layout():
    props, lines = _lines()
    csv = pd.read_csv(
        io.BytesIO(downloads.voucher_import_bytes(props, lines, "csv")), encoding="utf-8-sig", dtype=str
    )
    assert list(csv.columns) == list(IMPORT_COLUMNS.values())
    # numbered in the order of the selected proposals, per org / period / word
    assert csv["参考信息"].tolist() == ["P2", "P2", "P1", "P1"]
    assert csv["凭证号"].tolist() == ["900001", "900001", "900002", "900002"]
    assert csv["科目代码"].tolist() == ["1405", "220202", "100201", "1122"]
    assert csv["辅助核算"].tolist()[1] == "供应商:S001"
    assert csv["借方金额"].astype(float).sum() == csv["贷方金额"].astype(float).sum() == 213.0
    xlsx = downloads.voucher_import_bytes(props, lines, "xlsx")
    back = pd.read_excel(io.BytesIO(xlsx), engine="calamine", dtype={"科目代码": str})
    assert back["科目代码"].tolist() == ["1405", "220202", "100201", "1122"]


def test_kpi_ranges_and_comparisons():
    df = pd.DataFrame(
        {
            "org_code": ["A"] * 4,
            "period": ["2024-01", "2024-02", "2025-01", "2025-02"],
            "revenue": [10.0, 20.0, 30.0, 40.0],
            "accounts_receivable": [1.0, 2.0, 3.0, 4.0],
        }
    )
    assert kpi.range_value(df, "revenue", "2025-01", "2025-02") == 70.0
    assert kpi.range_value(df, "ar", "2025-01", "2025-02") == 4.0  # balance at the end
    assert kpi.comparison_ranges("2025-01", "2025-02") == (("2024-11", "2024-12"), ("2024-01", "2024-02"))
    table = kpi.kpi_table(df, "2025-01", "2025-02").set_index("kpi")
    assert table.loc["revenue", "last_year"] == 30.0
    assert table.loc["revenue", "yoy_pct"] == pytest.approx(40 / 30)
    aging = pd.DataFrame(
        {"open_amount": [100.0, 50.0], "not_yet_due": [60.0, 50.0], "days_0_30": [40.0, 0.0]}
    )
    assert kpi.overdue(aging) == 40.0


def test_kpi_scope_uses_group_rows_for_all_orgs():
    df = pd.DataFrame(
        {"org_code": ["A", "B", "GROUP"], "period": ["2025-01"] * 3, "revenue": [1.0, 2.0, 4.0]}
    )
    rows, consolidated = kpi.scope(df, ["A", "B"], ["A", "B"])
    assert consolidated and rows["revenue"].sum() == 4.0
    rows, consolidated = kpi.scope(df, ["A"], ["A", "B"])
    assert not consolidated and rows["revenue"].sum() == 1.0


def test_freshness_lights():
    assert monitor.freshness(1, 24, "success") == "green"
    assert monitor.freshness(30, 24, "success") == "amber"
    assert monitor.freshness(60, 24, "success") == "red"
    assert monitor.freshness(1, 24, "failed") == "red"
    assert monitor.freshness(None, 24, "success") == "red"


def test_source_summary():
    now = dt.datetime(2025, 7, 2, 12, 0)
    hist = pd.DataFrame(
        {
            "run_id": ["r1", "r1", "r2"],
            "source": ["erp", "erp", "expense"],
            "table_name": ["a", "b", "c"],
            "started_at": [dt.datetime(2025, 7, 2, 2, 0)] * 2 + [dt.datetime(2025, 7, 1, 2, 0)],
            "ended_at": [dt.datetime(2025, 7, 2, 2, 1)] * 2 + [dt.datetime(2025, 7, 1, 2, 0, 5)],
            "status": ["success", "success", "failed"],
            "rows_loaded": [10, 5, 0],
            "rows_quarantined": [1, 0, 0],
            "error": [None, None, "boom"],
        }
    )
    s = monitor.source_summary(hist, now=now).set_index("source")
    assert s.loc["erp", "rows_loaded"] == 15 and s.loc["erp", "rows_quarantined"] == 1
    assert s.loc["erp", "duration_s"] == 60.0
    assert s.loc["erp", "freshness"].endswith("green")
    assert s.loc["expense", "freshness"].endswith("red")
    assert s.loc["expense", "last_error"] == "boom"


def test_every_text_has_both_languages():
    assert all(len(pair) == 2 and all(pair) for pair in TEXT.values())
    assert t("page_overview", "zh") == "经营概览" and t("page_overview", "en") == "Management overview"
    assert t("unknown_key", "en") == "unknown_key"


def test_period_helpers():
    assert queries.shift_period("2025-01", -1) == "2024-12"
    assert queries.shift_period("2024-12", 13) == "2026-01"
    assert queries.period_end("2024-02") == dt.date(2024, 2, 29)


def test_measure_pages(tmp_path: Path):
    path = build_synthetic_warehouse(tmp_path / "w.duckdb")
    times = timing.measure_pages(path, repeats=3)
    for page in ("overview", "reports", "recon", "vouchers", "monitor", "reports.drill", "reports.chain"):
        assert 0 < times[page] < 5, (page, times)
