"""How tables and charts show warehouse frames: business columns first, technical
keys hidden, codes as words in the UI language, dates without 00:00:00, no "None",
numbers formatted by kind, periods in calendar order, whole-number count ticks."""

from __future__ import annotations

import json

import pandas as pd

from app.lib import charts, display, fmt
from app.lib.i18n import code_label, column_label, readable, status_label


def test_accounting_and_number_formats():
    assert fmt.accounting(-1234.5) == "(1,234.50)"
    assert fmt.accounting(1234.5) == "1,234.50"
    assert fmt.accounting(None) == fmt.accounting(float("nan")) == ""
    f = fmt.number_format
    assert f("closing_balance", pd.Series([1.5]).dtype) == "accounting"
    assert f("item_count", pd.Series([1]).dtype) == "localized"
    assert f("duration_s", pd.Series([1.5]).dtype) == f("execution_seconds", pd.Series([1.5]).dtype) == "%.1f"
    assert f("fx_rate", pd.Series([7.1]).dtype) == "%.6f"
    assert f("gross_margin_pct", pd.Series([0.1]).dtype) == "percent"
    assert f("fiscal_year", pd.Series([2025]).dtype) is None  # a year is not a quantity: no 2,025
    assert f("account_code", pd.Series(["1122"]).dtype) is None


def test_a_table_shows_business_columns_first_and_speaks_the_ui_language():
    df = pd.DataFrame(
        {
            "gl_line_id": ["V/1", "V/2"],
            "debit": [1.0, None],
            "recon_status": ["missing_in_gl", None],
            "account_name": ["应收账款", "银行存款"],
            "account_name_en": ["Accounts receivable", "Bank"],
            "account_code": ["1122", "1002"],
            "voucher_date": pd.to_datetime(["2025-03-31", "2025-04-01"]),
            "started_at": pd.to_datetime(["2025-03-31 08:15", "2025-04-01 00:00"]),
        }
    )
    zh = display.frame(df, "zh")
    assert list(zh.columns)[:3] == ["account_code", "account_name", "recon_status"]  # business first
    assert "gl_line_id" not in zh.columns and "account_name_en" not in zh.columns  # keys hidden
    assert zh["recon_status"].tolist() == ["未入账", ""]  # a code as words, a gap empty
    assert zh["voucher_date"].tolist() == [
        pd.Timestamp("2025-03-31").date(),
        pd.Timestamp("2025-04-01").date(),
    ]
    assert zh["started_at"].dtype.kind == "M"  # a real time of day stays
    assert zh["debit"].tolist() == ["1.00", ""] and "debit" in zh.attrs["numbers_as_text"]  # never "None"
    en = display.frame(df, "en")
    assert en["account_name"].tolist() == ["Accounts receivable", "Bank"]
    assert en["recon_status"].tolist() == ["Missing in GL", ""]
    assert column_label("closing_balance_rpt", "en") == "Closing balance (CNY)"
    assert readable("gl_line_id") == "GL line ID"
    assert column_label("closing_balance", "zh") == "期末余额"
    assert code_label("event_type", "SINV", "zh") == "销售发票" and status_label("timing", "zh") == "跨期入账"
    assert code_label("event_type", "NEW_CODE", "zh") == "NEW_CODE"  # unknown codes are shown as they are


def test_charts_order_periods_and_tick_counts_in_whole_numbers():
    df = pd.DataFrame(
        {
            "period": ["2025-03", "2025-01", "2025-02", "2025-01"],
            "open_count": [1, 2, 3, 1],
            "recon_status": ["timing", "missing_in_gl", "timing", "timing"],
        }
    )
    fig = charts.status_bars(df, "period", "open_count", "recon_status", "t")
    assert list(fig.layout.xaxis.categoryarray) == ["2025-01", "2025-02", "2025-03"]
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis.dtick == 1
    assert sorted(t.name for t in fig.data) == sorted([status_label("missing_in_gl"), status_label("timing")])
    line = charts.line(df, "period", ["open_count"], "t")
    spec = json.loads(line.to_json())
    assert spec["data"][0]["name"] == column_label("open_count")
    assert list(line.layout.xaxis.categoryarray) == ["2025-01", "2025-02", "2025-03"]
