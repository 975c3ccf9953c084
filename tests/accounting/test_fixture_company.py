"""The fixture company (fixture_company.py) through the real warehouse: every posting, every
status, the subledger from documents and the account bridge, against the figures worked out by
hand in fixture_company's docstring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

D = Decimal

#: The correct posting of every document (the docstring's table): event -> {(account, side): amount}
POSTINGS = {
    "GR|GR-A1": {("1403", "D"): "1000.00", ("1405", "D"): "500.00", ("220202", "C"): "1500.00"},
    "PINV|PI-B1": {
        ("220202", "D"): "1100.00",
        ("1403", "D"): "12.00",
        ("22210101", "D"): "144.56",
        ("220201", "C"): "1256.56",
    },
    "PINV|PI-B2": {
        ("220202", "D"): "400.00",
        ("22210101", "D"): "51.48",
        ("1403", "C"): "4.00",
        ("220201", "C"): "447.48",
    },
    "GR|GR-C1": {("1405", "D"): "300.00", ("220202", "C"): "300.00"},
    "GR|GR-C2": {("1405", "D"): "200.00", ("220202", "C"): "200.00"},
    "PINV|PI-C1": {("220202", "D"): "500.00", ("22210101", "D"): "65.00", ("220201", "C"): "565.00"},
    "PINV|PI-D1": {
        ("660205", "D"): "1000.00",
        ("660107", "D"): "2000.00",
        ("22210101", "D"): "180.00",
        ("220201", "C"): "3180.00",
    },
    "PAY|PAY-E1": {
        ("220201", "D"): "4821.56",
        ("1123", "D"): "178.44",
        ("660303", "D"): "10.00",
        ("100201", "C"): "5010.00",
    },
    "GR|GR-F1": {("1405", "D"): "1420.00", ("220202", "C"): "1420.00"},
    "PINV|PI-F1": {("220202", "D"): "1420.00", ("1405", "D"): "10.00", ("220201", "C"): "1430.00"},
    "PAY|PAY-F1": {
        ("220201", "D"): "1430.00",
        ("660303", "D"): "36.00",
        ("660304", "D"): "10.00",
        ("100202", "C"): "1476.00",
    },
    "DN|DN-G1": {("6401", "D"): "800.00", ("1405", "C"): "800.00"},
    "DN|DN-G2": {("6401", "D"): "300.00", ("1405", "C"): "300.00"},
    "SINV|SI-G1": {("1122", "D"): "1130.00", ("6001", "C"): "1000.00", ("22210108", "C"): "130.00"},
    "SINV|SI-G2": {("1122", "D"): "2260.00", ("6001", "C"): "2000.00", ("22210108", "C"): "260.00"},
    "REC|REC-G1": {
        ("100201", "D"): "2995.00",
        ("660303", "D"): "5.00",
        ("1122", "C"): "2630.00",
        ("2203", "C"): "370.00",
    },
    "ADV|ADV-H1": {("1221", "D"): "500.00", ("100201", "C"): "500.00"},
    "ADV|ADV-M1": {("1221", "D"): "100.00", ("100201", "C"): "100.00"},
    "EC_APPROVE|EC-H1": {
        ("660101", "D"): "1722.48",
        ("660102", "D"): "300.00",
        ("22210101", "D"): "135.52",
        ("1221", "C"): "500.00",
        ("2241", "C"): "1658.00",
    },
    "EC_APPROVE|EC-H2": {("660203", "D"): "100.00", ("22210101", "D"): "13.00", ("2241", "C"): "113.00"},
    "CPAY|CPAY-H1": {("2241", "D"): "1771.00", ("100201", "C"): "1771.00"},
    "PINV|PI-J1": {("660205", "D"): "600.00", ("220201", "C"): "600.00"},
    "PAY|PAY-J1": {("220201", "D"): "300.00", ("100201", "C"): "300.00"},
    "PAY|PAY-J2": {("220201", "D"): "300.00", ("100201", "C"): "300.00"},
    "PINV|PI-L1": {("660205", "D"): "400.00", ("220201", "C"): "400.00"},
    "PAY|PAY-L1": {("220201", "D"): "200.00", ("100201", "C"): "200.00"},
    "PAY|PAY-L2": {("220201", "D"): "200.00", ("100201", "C"): "200.00"},
    "SINV|SI-K1": {("1122", "D"): "1130.00", ("6001", "C"): "1000.00", ("22210108", "C"): "130.00"},
    "SINV|SI-K2": {("1122", "D"): "565.00", ("6001", "C"): "500.00", ("22210108", "C"): "65.00"},
    "REC|REC-K1": {("100201", "D"): "1130.00", ("1122", "C"): "1130.00"},
    "REC|REC-K2": {("100201", "D"): "565.00", ("1122", "C"): "565.00"},
    "SINV|SI-N1": {("1122", "D"): "226.00", ("6001", "C"): "200.00", ("22210108", "C"): "26.00"},
    "REC|REC-N1": {("100201", "D"): "226.00", ("1122", "C"): "226.00"},
}

STATUSES = {
    "GR-A1": "matched",
    "PI-B1": "matched",
    "PI-B2": "matched",
    "GR-C1": "matched",
    "GR-C2": "timing",
    "PI-C1": "matched",
    "PI-D1": "matched",
    "PAY-E1": "matched",
    "GR-F1": "matched",
    "PI-F1": "matched",
    "PAY-F1": "fx_difference",
    "DN-G1": "matched",
    "DN-G2": "missing_in_gl",
    "SI-G1": "matched",
    "SI-G2": "amount_mismatch",
    "REC-G1": "matched",
    "ADV-H1": "matched",
    "EC-H1": "matched",
    "EC-H2": "matched",
    "CPAY-H1": "duplicate_posting",
    "PI-J1": "matched",
    "PAY-J1": "ambiguous",
    "PAY-J2": "ambiguous",
    "PI-L1": "matched",
    "PAY-L1": "ambiguous",
    "PAY-L2": "ambiguous",
    "SI-K1": "matched",
    "SI-K2": "matched",
    "REC-K1": "missing_in_gl",
    "REC-K2": "matched",
    "ADV-M1": "missing_in_gl",
    "SI-N1": "matched",
    "REC-N1": "timing",
}

#: Subledger movements of March from the documents (docstring): account -> amount, debit-positive
SUBLEDGER_MARCH = {
    "1122": "760.00",
    "2203": "-370.00",
    "220201": "-627.48",
    "1123": "178.44",
    "220202": "0.00",
    "1403": "1008.00",
    "1405": "1330.00",
    "2241": "0.00",
    "1221": "0.00",
    "22210101": "589.56",
    "22210108": "-611.00",
}


def _postings(built) -> dict[str, dict[tuple[str, str], str]]:
    rows = built.query(
        "select event_id, account_code, side, sum(amount_base) from intermediate.int_event_posting_lines "
        "group by all"
    )
    out: dict[str, dict[tuple[str, str], str]] = {}
    for event_id, account, side, amount in rows:
        key = event_id.rsplit("|", 1)[0]
        out.setdefault(key, {})[(account, side)] = f"{amount:.2f}"
    return out


def test_every_document_posts_as_worked_out_by_hand(fixture_company_built):
    """Goods receipts, goods invoices clearing GR/IR (partial and multi-receipt, price
    differences both ways), service invoices by department function, payments and receipts at
    carrying amount with fees, prepayments and realized FX, claims with the 2019 公告第39号
    deduction and an advance offset, claim payments and advances."""
    got = _postings(fixture_company_built)
    assert set(got) == set(POSTINGS), set(got) ^ set(POSTINGS)
    for event, lines in POSTINGS.items():
        assert got[event] == lines, event


def test_every_proposed_voucher_is_the_correct_posting(fixture_company_built):
    """Only the documents missing in the GL get a proposal, line by line what they should be."""
    rows = fixture_company_built.query(
        "select source_document_no, account_code, debit, credit, target_period "
        "from vouchers.voucher_proposal_lines"
    )
    proposals: dict[str, dict[tuple[str, str], str]] = {}
    for doc, account, debit, credit, period in rows:
        assert period == "2025-03"
        side, amount = ("D", debit) if debit else ("C", credit)
        proposals.setdefault(doc, {})[(account, side)] = f"{amount:.2f}"
    assert proposals == {
        "DN-G2": POSTINGS["DN|DN-G2"],
        "REC-K1": POSTINGS["REC|REC-K1"],
        "ADV-M1": POSTINGS["ADV|ADV-M1"],
    }


def test_a_closed_periods_document_is_proposed_in_the_next_open_period(fixture_company_built):
    """ADV-M1 (02-20) is missing and February is closed: by the default closed-period policy
    (shift) its voucher goes to March, dated 03-01 and flagged; nothing is left unposted."""
    rows = fixture_company_built.query(
        "select source_document_no, target_period, voucher_date, period_shifted "
        "from vouchers.voucher_proposals"
    )
    shifted = {r[0]: r[1:] for r in rows if r[3]}
    assert shifted == {"ADV-M1": ("2025-03", dt.date(2025, 3, 1), True)}
    assert fixture_company_built.query("select count(*) from vouchers.voucher_unposted") == [(0,)]


def test_every_document_gets_its_status(fixture_company_built):
    rows = dict(
        fixture_company_built.query(
            "select document_no, recon_status from reconciliation.recon_document_status where not is_reversal"
        )
    )
    assert rows == STATUSES


def test_gl_lines_without_a_document(fixture_company_built):
    """The orphan journal and the late reference-less receipt are missing_in_business; the two
    equal payments without numbers are ambiguous, and so is the one line posted for two equal
    payments; every other control line is explained."""
    rows = fixture_company_built.query(
        "select voucher_id, recon_status from reconciliation.recon_gl_line_status "
        "where recon_status in ('missing_in_business', 'ambiguous') group by all order by 1"
    )
    assert rows == [
        ("F01-2025-03-记-21", "ambiguous"),
        ("F01-2025-03-记-22", "ambiguous"),
        ("F01-2025-03-记-25", "missing_in_business"),
        ("F01-2025-03-记-27", "missing_in_business"),
        ("F01-2025-03-记-29", "ambiguous"),
    ]


def test_subledger_from_documents_alone(fixture_company_built):
    rows = fixture_company_built.query(
        "select account_code, subledger_movement from intermediate.int_subledger_movements "
        "where period = '2025-03'"
    )
    got = {a: f"{m:.2f}" for a, m in rows}
    assert {a: got.get(a, "0.00") for a in SUBLEDGER_MARCH} == SUBLEDGER_MARCH


@pytest.mark.parametrize(
    ("account", "gl", "categories"),
    [
        # AR: the one-cent invoice, the orphan journal, the late receipt (its leg missing, its
        # line unexplained by a document) and REC-N1 posted in April:
        # 1,486.01 − 760.00 = 0.01 + 1,130.00 − 630.00 + 226.00
        (
            "1122",
            "1486.01",
            {
                "amount_mismatch": "0.01",
                "missing_in_gl": "1130.00",
                "missing_in_business": "-630.00",
                "timing": "226.00",
            },
        ),
        # AP: PAY-F1 posted at today's rate (1,440.00 instead of 1,430.00); of PAY-L1 and
        # PAY-L2 (400.00) one line of 200.00 without number: −817.48 − (−627.48) = 10.00 − 200.00
        ("220201", "-817.48", {"fx_difference": "10.00", "ambiguous": "-200.00"}),
        # GR/IR: GR-C2 posted in April
        ("220202", "200.00", {"timing": "200.00"}),
        # inventory: GR-C2 in April, DN-G2 never posted
        ("1405", "1430.00", {"timing": "-200.00", "missing_in_gl": "300.00"}),
        # employee payables: the claim payment posted twice
        ("2241", "1771.00", {"duplicate_posting": "1771.00"}),
    ],
)
def test_bridge_explains_each_difference_by_its_category(fixture_company_built, account, gl, categories):
    cats = [
        "timing",
        "amount_mismatch",
        "missing_in_gl",
        "missing_in_business",
        "duplicate_posting",
        "fx_difference",
        "ambiguous",
    ]
    row = fixture_company_built.query(
        f"select subledger_closing, gl_closing, difference, {', '.join(cats)}, "
        "matched_difference, unexplained "
        "from reconciliation.recon_account_bridge where period = '2025-03' and control_account = ?",
        [account],
    )[0]
    sub, gl_closing, diff, *values, matched_difference, unexplained = row
    assert f"{sub:.2f}" == SUBLEDGER_MARCH[account]
    assert f"{gl_closing:.2f}" == gl
    assert diff == D(gl) - D(SUBLEDGER_MARCH[account])
    assert {c: f"{v:.2f}" for c, v in zip(cats, values, strict=True) if v} == categories
    assert matched_difference == 0 and unexplained == 0


def test_bridge_closes_everywhere_and_timing_reverses_in_april(fixture_company_built):
    assert fixture_company_built.query(
        "select count(*) from reconciliation.recon_account_bridge "
        "where unexplained <> 0 or matched_difference <> 0"
    ) == [(0,)]
    april = dict(
        fixture_company_built.query(
            "select control_account, timing from reconciliation.recon_account_bridge where period = '2025-04'"
        )
    )
    assert april["220202"] == 0 and april["1405"] == 0
