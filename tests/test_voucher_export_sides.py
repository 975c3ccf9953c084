"""Debit and credit land in the right columns of both voucher exports (issue 16), on a
hand-made proposal whose sides are known, so a swap cannot hide behind equal totals.

Proposal P1 (a customer invoice, CNY):  D 1122 应收账款 113.00 · C 6001 主营业务收入 100.00 ·
C 22210108 销项税额 13.00. Σ借 = Σ贷 = 113.00 whichever way round, so the test reads each
account's column: 1122 must be under 借方 and empty under 贷方, the other two the reverse.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from ledgerbridge import vouchers

ACCOUNTS = ["1122", "6001", "22210108"]
DEBIT = [113.0, 0.0, 0.0]
CREDIT = [0.0, 100.0, 13.0]


def _lines() -> pd.DataFrame:
    n = len(ACCOUNTS)
    return pd.DataFrame(
        {
            "proposal_id": ["P1"] * n,
            "line_no": list(range(1, n + 1)),
            "org_code": ["ORG01"] * n,
            "target_period": ["2025-03"] * n,
            "voucher_date": [dt.date(2025, 3, 31)] * n,
            "voucher_word": ["转"] * n,
            "voucher_no": [1] * n,
            "summary": ["销售发票 SI-1"] * n,
            "account_code": ACCOUNTS,
            "debit": DEBIT,
            "credit": CREDIT,
            "currency": ["CNY"] * n,
            "amount_original": [113.0, 100.0, 13.0],
            "fx_rate": [1.0] * n,
            "supplier_code": [None] * n,
            "customer_code": ["C1", "C1", None],
            "employee_code": [None] * n,
            "dept_code": [None] * n,
            "source_document_no": ["SI-1"] * n,
            "rule_id": ["SINV_AR", "SINV_REV", "SINV_VAT"],
        }
    )


def _sides(frame: pd.DataFrame, debit_col: str, credit_col: str) -> dict[str, tuple[float, float]]:
    """account -> (debit, credit) as read from the file; an empty cell is 0."""

    def num(v) -> float:
        text = "" if v is None else str(v).strip()
        return 0.0 if text in ("", "nan") else float(text)

    return {
        str(code): (num(d), num(c))
        for code, d, c in zip(frame["科目代码"], frame[debit_col], frame[credit_col], strict=True)
    }


WANT = {"1122": (113.0, 0.0), "6001": (0.0, 100.0), "22210108": (0.0, 13.0)}


def test_gl_export_puts_debits_under_jiefang():
    """The GL export layout (借方 / 贷方)."""
    assert _sides(vouchers.as_gl_export(_lines()), "借方", "贷方") == WANT


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_file_puts_debits_under_jiefang_jine(fmt: str):
    """The import file the finance package reads (借方金额 / 贷方金额), in both formats."""
    data = vouchers.export_bytes(_lines(), fmt)
    if fmt == "csv":
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    else:
        frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="calamine").fillna("")
    assert _sides(frame, "借方金额", "贷方金额") == WANT
