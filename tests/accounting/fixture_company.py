"""A small company, written by hand: every document and every GL line below, with the
postings worked out in the comments. It goes straight into the raw layer (the contract the
ingestion produces, docs/sources.md §4) and through the real dbt build, so the tests compare
the warehouse with figures computed by hand, never with the simulator's.

Org F01 (base CNY). Rates USD→CNY: 03-03 7.10, 03-10 7.15, 03-20 7.20. Period 2025-02 closed,
2025-03 and 2025-04 open. Suppliers S1 (CNY), S2 (USD); customers C1 (CNY); employees E1 (sales dept
DSAL), E2 (admin dept DADM). VAT 13 % on goods, 6 % on services, 0 % on imports.

Documents and their correct postings (D debit / C credit, base currency):

A  GR-A1  03-03 S1: M1 (RAW) 100 @ 10.00 = 1,000.00; M2 (GOODS) 10 @ 50.00 = 500.00
          D 1403 1,000.00 · D 1405 500.00 · C 220202 1,500.00
B  PI-B1  03-10 goods: GR-A1/1 60 @ 10.20 = 612.00 (VAT 79.56); GR-A1/2 10 @ 50.00 = 500.00 (VAT 65.00)
          cleared: 1,000 × 60/100 = 600.00; 500.00 → price difference 612 − 600 = +12.00 (RAW)
          D 220202 1,100.00 · D 1403 12.00 · D 22210101 144.56 · C 220201 1,256.56
   PI-B2  03-15 goods: GR-A1/1 40 @ 9.90 = 396.00 (VAT 51.48)
          cleared: 1,000 − 600 = 400.00 (the last part clears what is left) → −4.00
          D 220202 400.00 · D 22210101 51.48 · C 1403 4.00 · C 220201 447.48
C  GR-C1  03-05 S1: M2 3 @ 100 = 300.00;  GR-C2  03-06 S1: M2 2 @ 100 = 200.00
          each D 1405 / C 220202
   PI-C1  03-12 one invoice for both receipts: 300.00 (VAT 39.00) + 200.00 (VAT 26.00)
          D 220202 500.00 · D 22210101 65.00 · C 220201 565.00
D  PI-D1  03-18 service: CONSULTING for DADM (ADMIN) 1,000.00 (VAT 60.00); ADVERTISING for
          DSAL (SALES) 2,000.00 (VAT 120.00)
          D 660205 1,000.00 · D 660107 2,000.00 · D 22210101 180.00 · C 220201 3,180.00
E  PAY-E1 03-25 S1 CNY 5,000.00, fee 10.00: PI-B1 1,256.56 + PI-C1 565.00 + PI-D1 3,000.00
          (of 3,180.00: carrying 3,180 × 3,000/3,180 = 3,000.00); unallocated 178.44
          D 220201 4,821.56 · D 1123 178.44 · D 660303 10.00 · C 100201 5,010.00 (FX 0)
F  GR-F1  03-03 S2 USD: M2 10 @ 20.00 = 200.00 USD × 7.10 = 1,420.00
          D 1405 1,420.00 · C 220202 1,420.00
   PI-F1  03-10 import (0 %): 200.00 USD × 7.15 = 1,430.00; clears 1,420.00 → +10.00
          D 220202 1,420.00 · D 1405 10.00 · C 220201 1,430.00
   PAY-F1 03-20 200.00 USD + fee 5.00 USD at 7.20: bank 205 × 7.20 = 1,476.00, fee 36.00;
          carrying 1,430.00; FX = 1,476 − 36 − 1,430 = 10.00 (a loss)
          D 220201 1,430.00 · D 660303 36.00 · D 660304 10.00 · C 100202 1,476.00
G  DN-G1  03-05 C1 cost 800.00: D 6401 800.00 · C 1405 800.00
   DN-G2  03-28 cost 300.00: never posted → proposal D 6401 300.00 · C 1405 300.00
   SI-G1  03-06 1,000.00 + VAT 130.00: D 1122 1,130.00 · C 6001 1,000.00 · C 22210108 130.00
   SI-G2  03-08 2,000.00 + VAT 260.00: D 1122 2,260.00 · C 6001 2,000.00 · C 22210108 260.00
   REC-G1 03-22 3,000.00, fee 5.00 deducted: SI-G1 1,130.00 + SI-G2 1,500.00; 370.00 unallocated
          D 100201 2,995.00 · D 660303 5.00 · C 1122 2,630.00 · C 2203 370.00 (FX 0)
H  ADV-H1 03-01 E1 500.00: D 1221 500.00 · C 100201 500.00
M  ADV-M1 02-20 E2 100.00 (period 2025-02, closed): D 1221 100.00 · C 100201 100.00
   EC-H1  03-12 E1 (SALES): air 1,110.00 (fare 1,000 + fuel 60 + fund 50: deductible
          1,060 × 9/109 = 87.52); rail 218.00 (× 9/109 = 18.00); meals 300.00 (0); hotel 530.00
          special invoice with 30.00 tax (30.00); gross 2,158.00, deductible 135.52; offsets
          the 500.00 advance; payable 1,658.00
          D 660101 1,722.48 · D 660102 300.00 · D 22210101 135.52 · C 1221 500.00 · C 2241 1,658.00
   EC-H2  03-14 E2 (ADMIN): office 113.00 special invoice with 13.00 tax
          D 660203 100.00 · D 22210101 13.00 · C 2241 113.00
   CPAY-H1 03-21 pays EC-H1 1,658.00 and EC-H2 113.00: D 2241 1,771.00 · C 100201 1,771.00
J  PI-J1  03-20 service CONSULTING DADM 600.00, no VAT: D 660205 600.00 · C 220201 600.00
   PAY-J1 03-26, PAY-J2 03-27: 300.00 each to PI-J1: D 220201 300.00 · C 100201 300.00
K  SI-K1  03-02 1,000.00 + 130.00; REC-K1 03-03 1,130.00 to SI-K1
   SI-K2  03-02 500.00 + 65.00;    REC-K2 03-03 565.00 to SI-K2
N  SI-N1  03-02 200.00 + 26.00;    REC-N1 03-29 226.00 to SI-N1
          D 100201 226.00 · C 1122 226.00
L  PI-L1  03-24 service CONSULTING DADM 400.00, no VAT: D 660205 400.00 · C 220201 400.00
   PAY-L1 03-28, PAY-L2 03-29: 200.00 each to PI-L1: D 220201 200.00 · C 100201 200.00

What finance posted (the GL below):
- correct, with the number in 摘要: A, B, C (GR-C2 only on 04-02: timing), D, E, F (PAY-F1 at
  today's rate: D 220201 1,440.00 with no FX line: fx_difference), G (SI-G2 one cent high:
  D 1122 2,260.01, C 6001 2,000.01: amount_mismatch; DN-G2 missing: missing_in_gl; REC-G1
  without any number: matched on party, amount and date), H (CPAY-H1 twice:
  duplicate_posting), PI-J1;
- PAY-J1 and PAY-J2 without numbers: two equal candidates each: ambiguous;
- PI-L1 with its number, but of PAY-L1 and PAY-L2 a single line without number (03-29): both
  payments and the line are ambiguous, and the group leaves money in the bridge: on 220201
  the GL has 200.00 of the payments' 400.00 (ambiguous 200.00 − 400.00 = −200.00);
- REC-K1 without number 8 days late (03-11): outside the 7-day window: missing_in_gl, and its
  line missing_in_business; REC-K2 without number 7 days late (03-10): matched;
- REC-N1 without number on 04-01, three days late but in April: matched on party, amount and
  date across the month end: timing (the AR bridge of March carries 226.00 of timing);
- a manual journal D 1122 500.00 (C1) · C 6001 500.00 with no document: missing_in_business;
- ADV-M1 never posted, and February is closed: missing_in_gl, proposed in March (the next open
  period, dated 03-01, flagged as shifted).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ingestion import ops_tables
from tests.accounting.raw_tables import RAW_TABLES

ORG = "F01"
LOAD = "fixture"
STAMP = dt.datetime(2025, 4, 5, 12)

MASTER = {
    "raw_erp.orgs": [
        dict(
            org_code=ORG,
            org_name="手工测试公司",
            org_name_en="Fixture Co.",
            country="CN",
            base_currency="CNY",
            tax_id="91310000FIXTURE001",
        )
    ],
    "raw_erp.suppliers": [
        dict(
            supplier_code="S1",
            supplier_name="甲供应商",
            tax_id="913100000000000S1",
            country="CN",
            currency="CNY",
            payment_days=30,
        ),
        dict(
            supplier_code="S2",
            supplier_name="Overseas Supplier",
            tax_id="US000000S2",
            country="US",
            currency="USD",
            payment_days=30,
        ),
    ],
    "raw_erp.customers": [
        dict(
            customer_code="C1",
            customer_name="乙客户",
            tax_id="913100000000000C1",
            country="CN",
            currency="CNY",
            credit_days=30,
        )
    ],
    "raw_erp.materials": [
        dict(material_code="M1", material_name="钢材", material_group="RAW", uom="KG", standard_cost=10),
        dict(material_code="M2", material_name="成品", material_group="GOODS", uom="PCS", standard_cost=50),
    ],
    "raw_expense.departments": [
        dict(dept_code="DSAL", dept_name="销售部", org_code=ORG, function="SALES"),
        dict(dept_code="DADM", dept_name="行政部", org_code=ORG, function="ADMIN"),
    ],
    "raw_expense.employees": [
        dict(employee_code="E1", employee_name="王销售", org_code=ORG, dept_code="DSAL"),
        dict(employee_code="E2", employee_name="李行政", org_code=ORG, dept_code="DADM"),
    ],
}


def _d(day: str) -> dt.date:
    return dt.date.fromisoformat(f"2025-{day}")


def documents() -> dict[str, list[dict]]:
    """The ERP and expense documents of the docstring."""

    def gr(no, day, sup, cur, grp):
        return dict(
            gr_no=no,
            org_code=ORG,
            po_no=None,
            supplier_code=sup,
            receipt_date=_d(day),
            currency=cur,
            material_group=grp,
            status="approved",
        )

    def grl(no, ln, mat, grp, qty, price):
        return dict(
            gr_no=no,
            line_no=ln,
            material_code=mat,
            material_group=grp,
            quantity=qty,
            unit_price=price,
            net_amount=round(qty * price, 2),
        )

    def pi(no, day, sup, cur, kind):
        return dict(
            invoice_no=no,
            org_code=ORG,
            supplier_code=sup,
            invoice_kind=kind,
            invoice_date=_d(day),
            due_date=_d(day),
            currency=cur,
            status="approved",
        )

    def pil(no, ln, net, tax, **kw):
        return dict(invoice_no=no, line_no=ln, net_amount=net, tax_amount=tax, **kw)

    def pay(no, day, sup, cur, amount, fee, bank):
        return dict(
            payment_no=no,
            org_code=ORG,
            supplier_code=sup,
            payment_date=_d(day),
            currency=cur,
            amount=amount,
            bank_fee=fee,
            bank_account=bank,
            status="approved",
        )

    def pal(no, ln, inv, amount):
        return dict(payment_no=no, line_no=ln, invoice_no=inv, amount=amount)

    def si(no, day, net, tax):
        return dict(
            invoice_no=no,
            org_code=ORG,
            customer_code="C1",
            invoice_date=_d(day),
            due_date=_d(day),
            currency="CNY",
            tax_rate=0.13,
            net_amount=net,
            tax_amount=tax,
            gross_amount=round(net + tax, 2),
            status="approved",
        )

    def rec(no, day, amount, fee):
        return dict(
            receipt_no=no,
            org_code=ORG,
            customer_code="C1",
            receipt_date=_d(day),
            currency="CNY",
            amount=amount,
            bank_fee=fee,
            bank_account="ICBC-CNY-F1",
            status="approved",
        )

    def ral(no, ln, inv, amount):
        return dict(receipt_no=no, line_no=ln, invoice_no=inv, amount=amount)

    return {
        "raw_erp.goods_receipts": [
            gr("GR-A1", "03-03", "S1", "CNY", "RAW"),
            gr("GR-C1", "03-05", "S1", "CNY", "GOODS"),
            gr("GR-C2", "03-06", "S1", "CNY", "GOODS"),
            gr("GR-F1", "03-03", "S2", "USD", "GOODS"),
        ],
        "raw_erp.goods_receipt_lines": [
            grl("GR-A1", 1, "M1", "RAW", 100, 10.00),
            grl("GR-A1", 2, "M2", "GOODS", 10, 50.00),
            grl("GR-C1", 1, "M2", "GOODS", 3, 100.00),
            grl("GR-C2", 1, "M2", "GOODS", 2, 100.00),
            grl("GR-F1", 1, "M2", "GOODS", 10, 20.00),
        ],
        "raw_erp.supplier_invoices": [
            pi("PI-B1", "03-10", "S1", "CNY", "goods"),
            pi("PI-B2", "03-15", "S1", "CNY", "goods"),
            pi("PI-C1", "03-12", "S1", "CNY", "goods"),
            pi("PI-D1", "03-18", "S1", "CNY", "service"),
            pi("PI-F1", "03-10", "S2", "USD", "goods"),
            pi("PI-J1", "03-20", "S1", "CNY", "service"),
            pi("PI-L1", "03-24", "S1", "CNY", "service"),
        ],
        "raw_erp.supplier_invoice_lines": [
            pil("PI-B1", 1, 612.00, 79.56, gr_no="GR-A1", gr_line_no=1, quantity=60, unit_price=10.20),
            pil("PI-B1", 2, 500.00, 65.00, gr_no="GR-A1", gr_line_no=2, quantity=10, unit_price=50.00),
            pil("PI-B2", 1, 396.00, 51.48, gr_no="GR-A1", gr_line_no=1, quantity=40, unit_price=9.90),
            pil("PI-C1", 1, 300.00, 39.00, gr_no="GR-C1", gr_line_no=1, quantity=3, unit_price=100),
            pil("PI-C1", 2, 200.00, 26.00, gr_no="GR-C2", gr_line_no=1, quantity=2, unit_price=100),
            pil("PI-D1", 1, 1000.00, 60.00, expense_type="CONSULTING", dept_code="DADM"),
            pil("PI-D1", 2, 2000.00, 120.00, expense_type="ADVERTISING", dept_code="DSAL"),
            pil("PI-F1", 1, 200.00, 0.00, gr_no="GR-F1", gr_line_no=1, quantity=10, unit_price=20.00),
            pil("PI-J1", 1, 600.00, 0.00, expense_type="CONSULTING", dept_code="DADM"),
            pil("PI-L1", 1, 400.00, 0.00, expense_type="CONSULTING", dept_code="DADM"),
        ],
        "raw_erp.supplier_payments": [
            pay("PAY-E1", "03-25", "S1", "CNY", 5000.00, 10.00, "ICBC-CNY-F1"),
            pay("PAY-F1", "03-20", "S2", "USD", 200.00, 5.00, "BOC-USD-F1"),
            pay("PAY-J1", "03-26", "S1", "CNY", 300.00, 0, "ICBC-CNY-F1"),
            pay("PAY-J2", "03-27", "S1", "CNY", 300.00, 0, "ICBC-CNY-F1"),
            pay("PAY-L1", "03-28", "S1", "CNY", 200.00, 0, "ICBC-CNY-F1"),
            pay("PAY-L2", "03-29", "S1", "CNY", 200.00, 0, "ICBC-CNY-F1"),
        ],
        "raw_erp.supplier_payment_allocations": [
            pal("PAY-E1", 1, "PI-B1", 1256.56),
            pal("PAY-E1", 2, "PI-C1", 565.00),
            pal("PAY-E1", 3, "PI-D1", 3000.00),
            pal("PAY-F1", 1, "PI-F1", 200.00),
            pal("PAY-J1", 1, "PI-J1", 300.00),
            pal("PAY-J2", 1, "PI-J1", 300.00),
            pal("PAY-L1", 1, "PI-L1", 200.00),
            pal("PAY-L2", 1, "PI-L1", 200.00),
        ],
        "raw_erp.deliveries": [
            dict(
                delivery_no="DN-G1",
                org_code=ORG,
                customer_code="C1",
                delivery_date=_d("03-05"),
                currency="CNY",
                net_amount=1000.00,
                cost_amount=800.00,
                status="approved",
            ),
            dict(
                delivery_no="DN-G2",
                org_code=ORG,
                customer_code="C1",
                delivery_date=_d("03-28"),
                currency="CNY",
                net_amount=400.00,
                cost_amount=300.00,
                status="approved",
            ),
        ],
        "raw_erp.customer_invoices": [
            si("SI-G1", "03-06", 1000.00, 130.00),
            si("SI-G2", "03-08", 2000.00, 260.00),
            si("SI-K1", "03-02", 1000.00, 130.00),
            si("SI-K2", "03-02", 500.00, 65.00),
            si("SI-N1", "03-02", 200.00, 26.00),
        ],
        "raw_erp.customer_receipts": [
            rec("REC-G1", "03-22", 3000.00, 5.00),
            rec("REC-K1", "03-03", 1130.00, 0),
            rec("REC-K2", "03-03", 565.00, 0),
            rec("REC-N1", "03-29", 226.00, 0),
        ],
        "raw_erp.customer_receipt_allocations": [
            ral("REC-G1", 1, "SI-G1", 1130.00),
            ral("REC-G1", 2, "SI-G2", 1500.00),
            ral("REC-K1", 1, "SI-K1", 1130.00),
            ral("REC-K2", 1, "SI-K2", 565.00),
            ral("REC-N1", 1, "SI-N1", 226.00),
        ],
        "raw_expense.employee_advances": [
            dict(
                advance_no=no,
                org_code=ORG,
                employee_code=employee,
                advance_date=_d(day),
                currency="CNY",
                amount=amount,
                bank_account="ICBC-CNY-F1",
                status="approved",
            )
            for no, employee, day, amount in (
                ("ADV-H1", "E1", "03-01", 500.00),
                ("ADV-M1", "E2", "02-20", 100.00),
            )
        ],
        "raw_expense.expense_claims": [
            dict(
                claim_id="EC-H1",
                org_code=ORG,
                employee_code="E1",
                dept_code="DSAL",
                claim_date=_d("03-11"),
                approved_date=_d("03-12"),
                currency="CNY",
                gross_amount=2158.00,
                advance_no="ADV-H1",
                advance_offset=500.00,
                payable_amount=1658.00,
                status="paid",
            ),
            dict(
                claim_id="EC-H2",
                org_code=ORG,
                employee_code="E2",
                dept_code="DADM",
                claim_date=_d("03-13"),
                approved_date=_d("03-14"),
                currency="CNY",
                gross_amount=113.00,
                advance_offset=0,
                payable_amount=113.00,
                status="paid",
            ),
        ],
        "raw_expense.expense_claim_lines": [
            dict(
                claim_id="EC-H1",
                line_no=1,
                expense_type="TRAVEL_AIR",
                invoice_type="e_ticket_air",
                amount=1110.00,
                fare_amount=1000.00,
                fuel_surcharge=60.00,
                other_fees=50.00,
                invoice_id="T1",
            ),
            dict(
                claim_id="EC-H1",
                line_no=2,
                expense_type="TRAVEL_RAIL",
                invoice_type="e_ticket_rail",
                amount=218.00,
                invoice_id="T2",
            ),
            dict(
                claim_id="EC-H1",
                line_no=3,
                expense_type="MEALS",
                invoice_type="ordinary",
                amount=300.00,
                invoice_id="T3",
            ),
            dict(
                claim_id="EC-H1",
                line_no=4,
                expense_type="HOTEL",
                invoice_type="special",
                amount=530.00,
                invoice_id="T4",
            ),
            dict(
                claim_id="EC-H2",
                line_no=1,
                expense_type="OFFICE",
                invoice_type="special",
                amount=113.00,
                invoice_id="T5",
            ),
        ],
        "raw_expense.vat_invoices": [
            dict(
                invoice_id="T4",
                invoice_code="031001900111",
                invoice_number="00000004",
                invoice_type="special",
                currency="CNY",
                amount=500.00,
                tax_amount=30.00,
                total_amount=530.00,
            ),
            dict(
                invoice_id="T5",
                invoice_code="031001900111",
                invoice_number="00000005",
                invoice_type="special",
                currency="CNY",
                amount=100.00,
                tax_amount=13.00,
                total_amount=113.00,
            ),
        ],
        "raw_expense.claim_payments": [
            dict(
                payment_no="CPAY-H1",
                org_code=ORG,
                payment_date=_d("03-21"),
                currency="CNY",
                amount=1771.00,
                bank_account="ICBC-CNY-F1",
                status="approved",
            ),
        ],
        "raw_expense.claim_payment_lines": [
            dict(payment_no="CPAY-H1", line_no=1, claim_id="EC-H1", amount=1658.00),
            dict(payment_no="CPAY-H1", line_no=2, claim_id="EC-H2", amount=113.00),
        ],
    }


def _voucher(no: int, day: str, summary: str, lines: list[tuple], word: str = "记") -> list[dict]:
    """GL lines of one voucher: (account, debit, credit, party kwargs[, currency, original])."""
    out = []
    for i, (account, debit, credit, *rest) in enumerate(lines, 1):
        extra = rest[0] if rest else {}
        currency = extra.pop("currency", "CNY")
        original = extra.pop("original", debit or credit)
        period = f"2025-{day[:2]}"
        out.append(
            dict(
                org_code=ORG,
                voucher_date=_d(day),
                period=period,
                voucher_word=word,
                voucher_no=no,
                line_no=i,
                summary=summary,
                account_code=account,
                currency=currency,
                amount_original=original,
                debit=debit,
                credit=credit,
                fx_rate=round((debit or credit) / original, 6) if original else 1,
                preparer="测试",
                source_file=f"{period}/凭证_F01_{period}.csv",
                **extra,
            )
        )
    return out


S1, S2, C1 = {"supplier_code": "S1"}, {"supplier_code": "S2"}, {"customer_code": "C1"}
E1, E2 = {"employee_code": "E1", "dept_code": "DSAL"}, {"employee_code": "E2", "dept_code": "DADM"}


def gl_lines() -> list[dict]:
    """The vouchers finance posted (see the docstring)."""
    v = []
    v += _voucher(
        1,
        "03-03",
        "采购入库 GR-A1",
        [("1403", 1000.00, 0), ("1405", 500.00, 0), ("220202", 0, 1500.00, dict(S1))],
    )
    v += _voucher(
        2,
        "03-10",
        "采购发票 PI-B1",
        [
            ("220202", 1100.00, 0, dict(S1)),
            ("1403", 12.00, 0),
            ("22210101", 144.56, 0),
            ("220201", 0, 1256.56, dict(S1)),
        ],
    )
    v += _voucher(
        3,
        "03-15",
        "采购发票 PI-B2",
        [
            ("220202", 400.00, 0, dict(S1)),
            ("22210101", 51.48, 0),
            ("1403", 0, 4.00),
            ("220201", 0, 447.48, dict(S1)),
        ],
    )
    v += _voucher(4, "03-05", "采购入库 GR-C1", [("1405", 300.00, 0), ("220202", 0, 300.00, dict(S1))])
    v += _voucher(1, "04-02", "采购入库 GR-C2", [("1405", 200.00, 0), ("220202", 0, 200.00, dict(S1))])
    # REC-N1 (03-29) without number, in the next month
    v += _voucher(2, "04-01", "收款 乙客户", [("100201", 226.00, 0), ("1122", 0, 226.00, dict(C1))])
    v += _voucher(
        5,
        "03-12",
        "采购发票 PI-C1",
        [("220202", 500.00, 0, dict(S1)), ("22210101", 65.00, 0), ("220201", 0, 565.00, dict(S1))],
    )
    v += _voucher(
        6,
        "03-18",
        "采购发票 PI-D1",
        [
            ("660205", 1000.00, 0, {"dept_code": "DADM"}),
            ("660107", 2000.00, 0, {"dept_code": "DSAL"}),
            ("22210101", 180.00, 0),
            ("220201", 0, 3180.00, dict(S1)),
        ],
    )
    v += _voucher(
        7,
        "03-25",
        "付款 PAY-E1",
        [
            ("220201", 4821.56, 0, dict(S1)),
            ("1123", 178.44, 0, dict(S1)),
            ("660303", 10.00, 0),
            ("100201", 0, 5010.00),
        ],
    )

    def usd(amount, **kw):
        return {"currency": "USD", "original": amount, **kw}

    v += _voucher(
        8,
        "03-03",
        "采购入库 GR-F1",
        [("1405", 1420.00, 0, usd(200.00)), ("220202", 0, 1420.00, usd(200.00, **S2))],
    )
    v += _voucher(
        9,
        "03-10",
        "采购发票 PI-F1",
        [
            ("220202", 1420.00, 0, usd(200.00, **S2)),
            ("1405", 10.00, 0),
            ("220201", 0, 1430.00, usd(200.00, **S2)),
        ],
    )
    # posted at today's rate, without the realized FX line
    v += _voucher(
        10,
        "03-20",
        "付款 PAY-F1",
        [
            ("220201", 1440.00, 0, usd(200.00, **S2)),
            ("660303", 36.00, 0, usd(5.00)),
            ("100202", 0, 1476.00, usd(205.00)),
        ],
    )
    v += _voucher(11, "03-05", "销售出库 DN-G1", [("6401", 800.00, 0), ("1405", 0, 800.00)])
    v += _voucher(
        12,
        "03-06",
        "销售发票 SI-G1",
        [("1122", 1130.00, 0, dict(C1)), ("6001", 0, 1000.00), ("22210108", 0, 130.00)],
    )
    # one cent high
    v += _voucher(
        13,
        "03-08",
        "销售发票 SI-G2",
        [("1122", 2260.01, 0, dict(C1)), ("6001", 0, 2000.01), ("22210108", 0, 260.00)],
    )
    # no document number at all: matched on party, amount and date
    v += _voucher(
        14,
        "03-22",
        "收款 乙客户",
        [
            ("100201", 2995.00, 0),
            ("660303", 5.00, 0),
            ("1122", 0, 2630.00, dict(C1)),
            ("2203", 0, 370.00, dict(C1)),
        ],
    )
    v += _voucher(
        15, "03-01", "员工借款 ADV-H1", [("1221", 500.00, 0, {"employee_code": "E1"}), ("100201", 0, 500.00)]
    )
    v += _voucher(
        16,
        "03-12",
        "报销 EC-H1",
        [
            ("660101", 1722.48, 0, dict(E1)),
            ("660102", 300.00, 0, dict(E1)),
            ("22210101", 135.52, 0),
            ("1221", 0, 500.00, {"employee_code": "E1"}),
            ("2241", 0, 1658.00, {"employee_code": "E1"}),
        ],
    )
    v += _voucher(
        17,
        "03-14",
        "报销 EC-H2",
        [
            ("660203", 100.00, 0, dict(E2)),
            ("22210101", 13.00, 0),
            ("2241", 0, 113.00, {"employee_code": "E2"}),
        ],
    )
    cpay = [
        ("2241", 1658.00, 0, {"employee_code": "E1"}),
        ("2241", 113.00, 0, {"employee_code": "E2"}),
        ("100201", 0, 1771.00),
    ]
    v += _voucher(
        18,
        "03-21",
        "支付报销款 CPAY-H1",
        [tuple(x if not isinstance(x, dict) else dict(x) for x in ln) for ln in cpay],
    )
    v += _voucher(
        19,
        "03-21",
        "支付报销款 CPAY-H1",
        [tuple(x if not isinstance(x, dict) else dict(x) for x in ln) for ln in cpay],
    )
    v += _voucher(
        20,
        "03-20",
        "采购发票 PI-J1",
        [("660205", 600.00, 0, {"dept_code": "DADM"}), ("220201", 0, 600.00, dict(S1))],
    )
    v += _voucher(21, "03-26", "付款 甲供应商", [("220201", 300.00, 0, dict(S1)), ("100201", 0, 300.00)])
    v += _voucher(22, "03-27", "付款 甲供应商", [("220201", 300.00, 0, dict(S1)), ("100201", 0, 300.00)])
    v += _voucher(
        23,
        "03-02",
        "销售发票 SI-K1",
        [("1122", 1130.00, 0, dict(C1)), ("6001", 0, 1000.00), ("22210108", 0, 130.00)],
    )
    v += _voucher(
        24,
        "03-02",
        "销售发票 SI-K2",
        [("1122", 565.00, 0, dict(C1)), ("6001", 0, 500.00), ("22210108", 0, 65.00)],
    )
    v += _voucher(25, "03-11", "收款 乙客户", [("100201", 1130.00, 0), ("1122", 0, 1130.00, dict(C1))])
    v += _voucher(26, "03-10", "收款 乙客户", [("100201", 565.00, 0), ("1122", 0, 565.00, dict(C1))])
    v += _voucher(27, "03-31", "调整应收账款", [("1122", 500.00, 0, dict(C1)), ("6001", 0, 500.00)])
    v += _voucher(
        28,
        "03-24",
        "采购发票 PI-L1",
        [("660205", 400.00, 0, {"dept_code": "DADM"}), ("220201", 0, 400.00, dict(S1))],
    )
    v += _voucher(
        30,
        "03-02",
        "销售发票 SI-N1",
        [("1122", 226.00, 0, dict(C1)), ("6001", 0, 200.00), ("22210108", 0, 26.00)],
    )
    # one of the two payments, without a number: two candidates for one line
    v += _voucher(29, "03-29", "付款 甲供应商", [("220201", 200.00, 0, dict(S1)), ("100201", 0, 200.00)])
    return v


def finance_tables() -> dict[str, list[dict]]:
    """GL master data, rates and period status."""
    accounts = [
        ("1002", "银行存款", "资产", "借", None),
        ("100201", "银行存款-人民币", "资产", "借", "1002"),
        ("100202", "银行存款-美元", "资产", "借", "1002"),
        ("1122", "应收账款", "资产", "借", None),
        ("1123", "预付账款", "资产", "借", None),
        ("1221", "其他应收款", "资产", "借", None),
        ("1403", "原材料", "资产", "借", None),
        ("1405", "库存商品", "资产", "借", None),
        ("2202", "应付账款", "负债", "贷", None),
        ("220201", "应付账款-供应商", "负债", "贷", "2202"),
        ("220202", "应付账款-暂估", "负债", "贷", "2202"),
        ("2203", "预收账款", "负债", "贷", None),
        ("2221", "应交税费", "负债", "贷", None),
        ("22210101", "进项税额", "负债", "借", "2221"),
        ("22210108", "销项税额", "负债", "贷", "2221"),
        ("2241", "其他应付款", "负债", "贷", None),
        ("6001", "主营业务收入", "损益", "贷", None),
        ("6401", "主营业务成本", "损益", "借", None),
        ("6601", "销售费用", "损益", "借", None),
        ("660101", "差旅费", "损益", "借", "6601"),
        ("660102", "业务招待费", "损益", "借", "6601"),
        ("660107", "广告费", "损益", "借", "6601"),
        ("6602", "管理费用", "损益", "借", None),
        ("660203", "办公费", "损益", "借", "6602"),
        ("660205", "咨询服务费", "损益", "借", "6602"),
        ("6603", "财务费用", "损益", "借", None),
        ("660303", "手续费", "损益", "借", "6603"),
        ("660304", "汇兑损益", "损益", "借", "6603"),
        ("660305", "尾差调整", "损益", "借", "6603"),
    ]
    return {
        "raw_finance.gl_voucher_lines": gl_lines(),
        "raw_finance.gl_accounts": [
            dict(
                account_code=c,
                account_name=n,
                account_category=cat,
                balance_direction=bal,
                parent_code=p,
                level=1 if p is None else 2,
                source_file="科目表.xlsx",
            )
            for c, n, cat, bal, p in accounts
        ],
        "raw_finance.gl_counterparties": [
            dict(
                party_type="供应商",
                gl_code="S1",
                party_name="甲供应商",
                tax_id="913100000000000S1",
                source_file="x",
            ),
            dict(
                party_type="供应商",
                gl_code="S2",
                party_name="Overseas Supplier",
                tax_id="US000000S2",
                source_file="x",
            ),
            dict(
                party_type="客户",
                gl_code="C1",
                party_name="乙客户",
                tax_id="913100000000000C1",
                source_file="x",
            ),
        ],
        "raw_finance.gl_fx_rates": [
            dict(rate_date=_d(day), from_currency="USD", to_currency="CNY", rate=rate, source_file="x")
            for day, rate in (("03-03", 7.10), ("03-10", 7.15), ("03-20", 7.20))
        ],
        "raw_finance.gl_period_status": [
            dict(org_code=ORG, period="2025-02", status="closed", source_file="x"),
            *(dict(org_code=ORG, period=p, status="open", source_file="x") for p in ("2025-03", "2025-04")),
        ],
    }


def write_raw(path: Path, overrides: dict[str, list[dict]] | None = None) -> Path:
    """The fixture company as a raw DuckDB file (every table the warehouse reads; most empty)."""
    data = {**MASTER, **documents(), **finance_tables(), **(overrides or {})}
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        ops_tables.ensure(con)
        for table, ddl in RAW_TABLES.items():
            schema = table.split(".")[0]
            con.execute(f"create schema if not exists {schema}")
            con.execute(f"create table {table} ({ddl})")
            rows = data.get(table, [])
            if not rows:
                continue
            columns = {c.split(" ")[0] for c in ddl.split(", ")}
            for row in rows:
                row = {**row, "_dlt_load_id": LOAD}
                if "updated_at" in columns:
                    row.setdefault("updated_at", STAMP)
                unknown = set(row) - columns
                assert not unknown, f"{table}: unknown columns {unknown}"
                names = list(row)
                con.execute(
                    f"insert into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                    list(row.values()),
                )
        con.execute("checkpoint")
    finally:
        con.close()
    return path
