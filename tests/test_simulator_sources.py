"""The simulator's sources are internally consistent, every document is booked as finance books
it, and every planted anomaly — and nothing else — shows in them.

Everything is read back from the written files (SQLite ERP, GL CSV/XLSX exports, expense
Parquet) the way ingestion reads them, and checked by a second route: the test recomputes each
document's correct voucher from the written rows (``simulator_books``) and compares the GL as
written against it; the ground truth is the answer key. Each invariant check is a function that
returns its violations, run once on the sources and once on a tampered copy that must fail.
"""

from __future__ import annotations

import copy
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from simulator_books import (
    ROLE,
    Books,
    Vouchers,
    correct_books,
    deductible_vat,
    gl_vouchers,
    posted_correctly,
)
from simulator_files import (
    Sources,
    cents,
    convert,
    document_patterns,
    milli,
    read_sources,
    round_half_away,
    simulated,
)

from ledgerbridge.simulator.erp_schema import TABLES as ERP_SCHEMA

SCALE = 0.5
SETTLEMENTS = ("PAY", "REC")
#: documents whose posting planted without a usable reference (nothing names them in the GL)
UNREFERENCED = (
    "reference_missing",
    "reference_mistyped",
    "ambiguous_pair",
    "window_edge_inside",
    "window_edge_outside",
)


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> Sources:
    return read_sources(simulated(tmp_path_factory, seed=42, scale=SCALE))


@pytest.fixture(scope="module")
def books(src) -> Books:
    return correct_books(src)


@pytest.fixture(scope="module")
def vouchers(src, books) -> Vouchers:
    return gl_vouchers(src, books)


def finance_docs(src: Sources, *anomalies: str) -> pd.DataFrame:
    t = src.truth
    t = t[(t["system"] == "finance") & (t["document_no"] != "")]
    return t[t["anomaly"].isin(anomalies)] if anomalies else t


def tampered(src: Sources) -> Sources:
    """A deep copy of the sources to break on purpose."""
    return copy.deepcopy(src)


def without_bad_rows(src: Sources, table: str, key: pd.Series) -> pd.Series:
    """Mask of the rows of ``table`` that are not planted bad rows (``key`` as the truth writes it)."""
    bad = set(src.planted("bad_row").query("source == @table")["record_key"])
    return ~key.isin(bad)


# --- everything is there ---------------------------------------------------------------------------


def test_every_table_and_file_is_there(src):
    assert set(src.erp) == set(ERP_SCHEMA)
    for table in (
        "goods_receipt_lines",
        "supplier_invoice_lines",
        "supplier_payment_allocations",
        "customer_receipt_allocations",
    ):
        assert len(src.erp[table]) > 0, table
    assert {
        "expense_claims",
        "expense_claim_lines",
        "vat_invoices",
        "approval_steps",
        "employee_advances",
        "claim_payments",
        "claim_payment_lines",
        "employees",
        "departments",
    } <= set(src.exp)
    for entity in ("employee_advances", "claim_payments", "claim_payment_lines"):
        assert len(src.exp[entity]) > 0, entity
    gl = src.out / "gl"
    periods = [str(p) for p in pd.period_range("2024-01", "2025-12", freq="M")]
    for period in periods:
        for name in ("凭证_ORG01", "凭证_ORG02", "凭证_ORG03", "汇率", "期间状态"):
            assert list((gl / period).glob(f"{name}_{period}.*")), f"{period}: {name}"
    assert (gl / "科目表.xlsx").exists() and (gl / "往来单位.csv").exists()
    assert (src.out / "ground_truth.csv").exists() and (src.out / "ground_truth.parquet").exists()
    # both fiscal years hold business
    years = src.gl.lines["date"].str[:4].value_counts()
    assert years["2024"] > 1000 and years["2025"] > 1000


# --- internal consistency --------------------------------------------------------------------------


def _pct(rate: pd.Series) -> np.ndarray:
    """Tax rates as written (0.13) -> integer percent."""
    return round_half_away(milli(rate) // 10, 1)


def total_violations(src: Sources) -> list[str]:
    """Headers that are not the sum of their lines, lines whose net is not quantity × price,
    VAT that is not the line's net at its rate."""
    erp, out = src.erp, []

    def sums(lines: pd.DataFrame, key: str, cols: list[str]) -> pd.DataFrame:
        return (
            pd.DataFrame({c: pd.Series(cents(lines[c]), index=lines.index) for c in cols})
            .groupby(lines[key].to_numpy())
            .sum()
        )

    def line_value(lines: pd.DataFrame, name: str) -> None:
        goods = lines["quantity"].notna()
        net = milli(lines.loc[goods, "quantity"]) * cents(lines.loc[goods, "unit_price"])
        wrong = net != cents(lines.loc[goods, "net_amount"]) * 1000
        out.extend(f"{name} line {k}: net is not quantity × price" for k in lines.loc[goods].index[wrong])

    for head, lines, key in (
        ("purchase_orders", "purchase_order_lines", "po_no"),
        ("sales_orders", "sales_order_lines", "so_no"),
        ("goods_receipts", "goods_receipt_lines", "gr_no"),
        ("supplier_invoices", "supplier_invoice_lines", "invoice_no"),
    ):
        h, ln = erp[head], erp[lines]
        ln = ln[without_bad_rows(src, lines, ln[key] + "/" + ln["line_no"])]
        h = h[without_bad_rows(src, head, h[key])]
        line_value(ln, lines)
        s = sums(ln, key, ["net_amount"]).reindex(h[key]).fillna(0)
        wrong = s["net_amount"].to_numpy() != cents(h["net_amount"])
        out.extend(f"{head} {k}: net is not the sum of its lines" for k in h[key][wrong])
        if "tax_amount" in h:
            wrong = cents(h["gross_amount"]) != cents(h["net_amount"]) + cents(h["tax_amount"])
            out.extend(f"{head} {k}: gross is not net + tax" for k in h[key][wrong])
        if "tax_amount" in ln:  # VAT per line, the header's tax their sum
            tax = round_half_away(cents(ln["net_amount"]) * _pct(ln["tax_rate"]), 100)
            out.extend(
                f"{lines} {k}: VAT is not net × rate" for k in ln.index[tax != cents(ln["tax_amount"])]
            )
            t = sums(ln, key, ["tax_amount"]).reindex(h[key]).fillna(0)
            wrong = t["tax_amount"].to_numpy() != cents(h["tax_amount"])
            out.extend(f"{head} {k}: tax is not the sum of its lines" for k in h[key][wrong])
        elif "tax_rate" in h:  # orders: VAT on the order's net
            wrong = round_half_away(cents(h["net_amount"]) * _pct(h["tax_rate"]), 100) != cents(
                h["tax_amount"]
            )
            out.extend(f"{head} {k}: VAT is not net × rate" for k in h[key][wrong])
    ci = erp["customer_invoices"]
    ci = ci[without_bad_rows(src, "customer_invoices", ci["invoice_no"])]
    wrong = cents(ci["gross_amount"]) != cents(ci["net_amount"]) + cents(ci["tax_amount"])
    out.extend(f"customer_invoices {k}: gross is not net + tax" for k in ci["invoice_no"][wrong])
    dn = erp["deliveries"].set_index("delivery_no")
    billed = dn["net_amount"].reindex(ci["delivery_no"]).to_numpy()
    out.extend(
        f"customer_invoices {k}: net is not its delivery's"
        for k in ci["invoice_no"][cents(billed) != cents(ci["net_amount"])]
    )
    # a delivery's cost is what left stock (the inventory movements of its lines)
    mv = erp["inventory_movements"]
    gi = mv[mv["movement_type"] == "GI"]
    issued = pd.Series(-cents(gi["amount_base"]), index=gi.index).groupby(gi["document_no"].to_numpy()).sum()
    moved = dn[dn["status"] != "draft"]
    wrong = issued.reindex(moved.index).fillna(0).to_numpy() != cents(moved["cost_amount"])
    out.extend(f"deliveries {k}: cost is not what left stock" for k in moved.index[wrong])
    return out


def test_document_totals_are_the_sum_of_their_lines(src):
    assert total_violations(src) == []


def test_document_totals_check_fails_on_a_tampered_line(src):
    bad = tampered(src)
    ln = bad.erp["supplier_invoice_lines"]
    ln.loc[ln.index[0], "tax_amount"] = str(cents([ln.loc[ln.index[0], "tax_amount"]])[0] / 100 + 0.01)
    po = bad.erp["purchase_order_lines"]
    po.loc[po.index[0], "net_amount"] = "1.00"
    found = "\n".join(total_violations(bad))
    assert "supplier_invoice_lines" in found and "VAT is not net × rate" in found
    assert "purchase_order_lines" in found and "purchase_orders" in found


def quantity_violations(src: Sources) -> list[str]:
    """Receipts beyond what was ordered, invoices clearing more than was received per receipt
    line, invoice lines that disagree with the receipt line they clear."""
    erp, out = src.erp, []
    pol = erp["purchase_order_lines"]
    pol = pol[without_bad_rows(src, "purchase_order_lines", pol["po_no"] + "/" + pol["line_no"])]
    ordered = pd.Series(
        milli(pol["quantity"]), index=pd.MultiIndex.from_arrays([pol["po_no"], pol["line_no"]])
    )
    grl = erp["goods_receipt_lines"]
    received = (
        pd.Series(milli(grl["quantity"]))
        .groupby([grl["po_no"].to_numpy(), grl["po_line_no"].to_numpy()])
        .sum()
    )
    over = received > ordered.reindex(received.index).fillna(-1)
    out.extend(f"order line {k}: received more than ordered (or never ordered)" for k in received.index[over])
    gr = erp["goods_receipts"].set_index("gr_no")
    wrong = grl["po_no"].to_numpy() != gr["po_no"].reindex(grl["gr_no"]).to_numpy()
    out.extend(f"receipt line {k}: another order than its receipt" for k in grl.index[wrong])

    sil = erp["supplier_invoice_lines"]
    si = erp["supplier_invoices"].set_index("invoice_no")
    goods = sil[sil["gr_no"].notna()]
    rq = pd.Series(milli(grl["quantity"]), index=pd.MultiIndex.from_arrays([grl["gr_no"], grl["line_no"]]))
    for name, lines in (
        ("all invoices", goods),
        ("live invoices", goods[si["status"].reindex(goods["invoice_no"]).to_numpy() != "cancelled"]),
    ):
        invoiced = (
            pd.Series(milli(lines["quantity"]))
            .groupby([lines["gr_no"].to_numpy(), lines["gr_line_no"].to_numpy()])
            .sum()
        )
        over = invoiced > rq.reindex(invoiced.index).fillna(-1)
        out.extend(f"receipt line {k}: {name} clear more than was received" for k in invoiced.index[over])
    head = si.reindex(goods["invoice_no"])
    rcpt = gr.reindex(goods["gr_no"])
    for col in ("org_code", "supplier_code", "currency"):
        wrong = head[col].to_numpy() != rcpt[col].to_numpy()
        out.extend(f"invoice line {k}: {col} differs from its receipt's" for k in goods.index[wrong])
    rline = grl.set_index(["gr_no", "line_no"]).reindex(
        pd.MultiIndex.from_arrays([goods["gr_no"], goods["gr_line_no"]])
    )
    wrong = rline["material_code"].to_numpy() != goods["material_code"].to_numpy()
    out.extend(f"invoice line {k}: another material than its receipt line" for k in goods.index[wrong])
    kinds = si["invoice_kind"].reindex(sil["invoice_no"]).to_numpy()
    service = sil["gr_no"].isna().to_numpy()
    out.extend(
        f"invoice line {k}: kind does not fit the line" for k in sil.index[(kinds == "service") != service]
    )
    missing = service & (sil["expense_type"].isna() | sil["dept_code"].isna()).to_numpy()
    out.extend(f"service line {k}: no expense type or department" for k in sil.index[missing])
    return out


def test_receipts_and_invoices_stay_within_what_was_ordered_and_received(src):
    assert quantity_violations(src) == []
    sil = src.erp["supplier_invoice_lines"]
    goods = sil[sil["gr_no"].notna()]
    # the new document shapes are all there: multi-receipt invoices, receipts invoiced in parts
    assert (goods.groupby("invoice_no")["gr_no"].nunique() > 1).any()
    assert (goods.groupby(["gr_no", "gr_line_no"])["invoice_no"].nunique() > 1).any()
    assert (src.erp["supplier_invoices"]["invoice_kind"] == "service").any()


def test_quantity_check_fails_when_an_invoice_clears_too_much(src):
    bad = tampered(src)
    sil = bad.erp["supplier_invoice_lines"]
    i = sil.index[sil["gr_no"].notna()][0]
    sil.loc[i, "quantity"] = str(milli([sil.loc[i, "quantity"]])[0] // 1000 + 1000)
    assert any("clear more than was received" in v for v in quantity_violations(bad))


def allocation_violations(src: Sources) -> list[str]:
    """Allocations beyond an invoice's gross or a settlement's amount, or across parties,
    orgs or currencies; allocations to cancelled invoices."""
    erp, out = src.erp, []
    for heads, alloc, no, party, invoices in (
        (
            "supplier_payments",
            "supplier_payment_allocations",
            "payment_no",
            "supplier_code",
            "supplier_invoices",
        ),
        (
            "customer_receipts",
            "customer_receipt_allocations",
            "receipt_no",
            "customer_code",
            "customer_invoices",
        ),
    ):
        h, a = erp[heads].set_index(no), erp[alloc]
        inv = erp[invoices].drop_duplicates("invoice_no").set_index("invoice_no")
        amount = pd.Series(cents(a["amount"]), index=a.index)
        per_inv = amount.groupby(a["invoice_no"].to_numpy()).sum()
        gross = pd.Series(cents(inv["gross_amount"]), index=inv.index).reindex(per_inv.index)
        out.extend(
            f"{invoices} {k}: allocated beyond its gross" for k in per_inv.index[per_inv > gross.fillna(-1)]
        )
        per_set = amount.groupby(a[no].to_numpy()).sum()
        total = pd.Series(cents(h["amount"]), index=h.index).reindex(per_set.index)
        out.extend(
            f"{heads} {k}: allocates more than its amount" for k in per_set.index[per_set > total.fillna(-1)]
        )
        out.extend(f"{alloc} {k}: non-positive amount" for k in a.index[amount <= 0])
        hh, ii = h.reindex(a[no]), inv.reindex(a["invoice_no"])
        for col_h, col_i in (("org_code", "org_code"), (party, party), ("currency", "currency")):
            wrong = hh[col_h].to_numpy() != ii[col_i].to_numpy()
            out.extend(f"{alloc} {k}: {col_h} differs from its invoice's" for k in a.index[wrong])
        cancelled = ii["status"].to_numpy() == "cancelled"
        out.extend(f"{alloc} {k}: settles a cancelled invoice" for k in a.index[cancelled])
    return out


def test_allocations_stay_within_invoices_and_settlements(src):
    assert allocation_violations(src) == []
    for heads, alloc, no in (
        ("supplier_payments", "supplier_payment_allocations", "payment_no"),
        ("customer_receipts", "customer_receipt_allocations", "receipt_no"),
    ):
        a = src.erp[alloc]
        assert (a.groupby(no)["invoice_no"].nunique() > 1).any(), f"{heads}: no payment run"
        assert (a.groupby("invoice_no")[no].nunique() > 1).any(), f"{heads}: no installments"
        h = src.erp[heads]
        allocated = pd.Series(cents(a["amount"])).groupby(a[no].to_numpy()).sum().reindex(h[no]).fillna(0)
        assert (cents(h["amount"]) > allocated.to_numpy()).any(), f"{heads}: no prepayment"
        assert (cents(h["bank_fee"]) > 0).any(), f"{heads}: no bank fee"


def test_allocation_check_fails_on_an_over_allocation(src):
    bad = tampered(src)
    a = bad.erp["customer_receipt_allocations"]
    a.loc[a.index[0], "amount"] = "99999999.00"
    found = allocation_violations(bad)
    assert any("beyond its gross" in v for v in found) and any("more than its amount" in v for v in found)


def claim_violations(src: Sources) -> list[str]:
    """Claims whose gross is not the sum of their lines or whose payable is not gross less the
    advance offset, offsets beyond the advance, air tickets whose parts do not add up, claim
    payments that do not pay the claims' payable."""
    x, out = src.exp, []
    claims = x["expense_claims"].dropna(subset=["claim_id"]).set_index("claim_id")
    lines = x["expense_claim_lines"]
    lines = lines[
        without_bad_rows(src, "expense_claim_lines", lines["claim_id"] + "/" + lines["line_no"].astype(str))
    ]
    gross = (
        pd.Series(cents(lines["amount"])).groupby(lines["claim_id"].to_numpy()).sum().reindex(claims.index)
    )
    g, off, pay = (
        cents(claims["gross_amount"]),
        cents(claims["advance_offset"]),
        cents(claims["payable_amount"]),
    )
    out.extend(
        f"claim {k}: gross is not the sum of its lines"
        for k in claims.index[gross.fillna(-1).to_numpy() != g]
    )
    out.extend(f"claim {k}: payable is not gross − advance offset" for k in claims.index[pay != g - off])
    adv = x["employee_advances"].set_index("advance_no")
    has = claims["advance_no"].notna().to_numpy()
    out.extend(f"claim {k}: an offset without an advance" for k in claims.index[(off != 0) & ~has])
    a = adv.reindex(claims["advance_no"])
    beyond = has & ((off > cents(a["amount"].fillna(0))) | (off > g) | (off < 0))
    out.extend(f"claim {k}: offset beyond its advance or gross" for k in claims.index[beyond])
    other = has & (a["employee_code"].to_numpy() != claims["employee_code"].to_numpy())
    out.extend(f"claim {k}: another employee's advance" for k in claims.index[other])
    air = lines[lines["invoice_type"] == "e_ticket_air"]
    parts = cents(air["fare_amount"]) + cents(air["fuel_surcharge"]) + cents(air["other_fees"])
    out.extend(
        f"air line {k}: fare + fuel + fund is not the amount"
        for k in air.index[parts != cents(air["amount"])]
    )
    inv = x["vat_invoices"].drop_duplicates("invoice_id").set_index("invoice_id")
    total = cents(inv["total_amount"].reindex(lines["invoice_id"]))
    out.extend(
        f"claim line {k}: not its invoice's total" for k in lines.index[total != cents(lines["amount"])]
    )
    vat = x["vat_invoices"]
    vat = vat[vat["currency"].isin(["CNY", "USD"])]
    wrong = cents(vat["total_amount"]) != cents(vat["amount"]) + cents(vat["tax_amount"])
    out.extend(f"VAT invoice {k}: total is not amount + tax" for k in vat["invoice_id"][wrong])

    pl, cp = x["claim_payment_lines"], x["claim_payments"].set_index("payment_no")
    paid = cents(pl["amount"])
    payable = pd.Series(pay, index=claims.index).reindex(pl["claim_id"]).to_numpy()
    out.extend(f"claim payment line {k}: not the claim's payable" for k in pl.index[paid != payable])
    head = pd.Series(paid).groupby(pl["payment_no"].to_numpy()).sum().reindex(cp.index).fillna(0)
    out.extend(
        f"claim payment {k}: not the sum of its lines"
        for k in cp.index[head.to_numpy() != cents(cp["amount"])]
    )
    twice = pl["claim_id"].value_counts()
    out.extend(f"claim {k}: paid more than once" for k in twice.index[twice > 1])
    c = claims.reindex(pl["claim_id"])
    for col in ("org_code", "currency"):
        wrong = c[col].to_numpy() != cp[col].reindex(pl["payment_no"]).to_numpy()
        out.extend(f"claim payment line {k}: {col} differs from its claim's" for k in pl.index[wrong])
    unpaid = (claims["status"] == "paid").to_numpy() & (pay > 0) & ~claims.index.isin(pl["claim_id"])
    out.extend(f"claim {k}: paid but on no claim payment" for k in claims.index[unpaid])
    return out


def test_claims_add_up_and_claim_payments_pay_what_is_payable(src):
    assert claim_violations(src) == []
    claims = src.exp["expense_claims"]
    assert (cents(claims["advance_offset"]) > 0).any()
    assert (src.exp["claim_payment_lines"]["payment_no"].value_counts() > 1).any(), (
        "no payment pays several claims"
    )


def test_claim_check_fails_on_a_tampered_claim(src):
    bad = tampered(src)
    c = bad.exp["expense_claims"]
    i = c.index[cents(c["advance_offset"]) > 0][0]
    c.loc[i, "advance_offset"] = "999999.00"
    pl = bad.exp["claim_payment_lines"]
    pl.loc[pl.index[0], "amount"] = "0.01"
    found = "\n".join(claim_violations(bad))
    assert "payable is not gross − advance offset" in found and "offset beyond" in found
    assert "not the claim's payable" in found


def test_deductible_vat_follows_the_2019_rules_on_hand_computed_lines():
    """Air: fare 1,000.00 + fuel 60.00 (+ fund 50.00): 1,060.00 ÷ 1.09 × 9 % = 87.52;
    rail 545.00 ÷ 1.09 × 9 % = 45.00; road 103.00 ÷ 1.03 × 3 % = 3.00; special invoice: its
    stated 56.60; meals on a special invoice and an ordinary invoice: none."""
    lines = pd.DataFrame(
        {
            "expense_type": ["TRAVEL_AIR", "TRAVEL_RAIL", "TRAVEL_ROAD", "HOTEL", "MEALS", "OFFICE"],
            "invoice_type": [
                "e_ticket_air",
                "e_ticket_rail",
                "e_ticket_road",
                "special",
                "special",
                "ordinary",
            ],
            "amount": ["1110.00", "545.00", "103.00", "1000.00", "300.00", "200.00"],
            "fare_amount": ["1000.00", "0", "0", "0", "0", "0"],
            "fuel_surcharge": ["60.00", "0", "0", "0", "0", "0"],
        }
    )
    stated = np.array([0, 0, 0, 5660, 1698, 0])
    assert deductible_vat(lines, stated).tolist() == [8752, 4500, 300, 5660, 0, 0]


def test_claims_book_the_deductible_vat_of_their_lines(src, books, vouchers):
    """The input VAT the GL booked on each correctly posted claim is the sum of its lines'
    deductible VAT by the rules above; every invoice type occurs."""
    d = books.deductible
    assert {"special", "e_ticket_air", "e_ticket_rail", "e_ticket_road", "ordinary", "receipt"} <= set(
        d["invoice_type"]
    )
    want = d.groupby("claim_id")["deductible"].sum()
    vat = ROLE["INPUT_VAT"]
    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))[vat]
    ok = posted_correctly(books, vouchers)
    claims = books.docs[(books.docs["doc_type"] == "EC") & ok.to_numpy()]["doc_no"]
    lines = src.gl.lines
    booked = {}
    for c in claims:
        (v,) = vouchers.by_doc[c]
        booked[c] = int(lines.loc[(lines["voucher_id"] == v) & (lines["account"] == code), "amount"].sum())
    booked = pd.Series(booked)
    assert len(booked) > 100
    assert (booked == want.reindex(booked.index).fillna(0)).all()
    assert (booked > 0).sum() > 50


def inventory_by_month(legs: pd.DataFrame, accounts: dict[str, str]) -> pd.DataFrame:
    """Inventory balance per org, account and month end (cents; debit positive)."""
    legs = legs[legs["account"].isin(list(accounts.values()))]
    signed = np.where(legs["side"] == "D", legs["base"], -legs["base"])
    per = (
        pd.Series(signed)
        .groupby([legs["org"].to_numpy(), legs["account"].to_numpy(), legs["date"].str[:7].to_numpy()])
        .sum()
    )
    months = sorted(set(legs["date"].str[:7]))
    full = per.unstack(fill_value=0).reindex(columns=months, fill_value=0)
    return full.cumsum(axis=1)


def test_inventory_is_never_negative_at_a_month_end(src, books):
    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))
    accounts = {g: code[ROLE[g]] for g in ("RAW", "GOODS")}
    gl = src.gl.lines.rename(columns={"amount": "base"})
    for name, legs in (("GL as posted", gl), ("correct ledger", books.legs)):
        bal = inventory_by_month(legs, accounts)
        assert (bal.to_numpy() >= 0).all(), (name, bal[(bal < 0).any(axis=1)])
        assert (bal.iloc[:, -1] > 0).all(), name  # stock is held throughout
    # and the ERP's own stock ledger agrees: value per org never below zero at a month end
    mv = src.erp["inventory_movements"]
    m = (
        pd.Series(cents(mv["amount_base"]))
        .groupby([mv["org_code"].to_numpy(), mv["movement_date"].str[:7].to_numpy()])
        .sum()
    )
    assert (m.unstack(fill_value=0).cumsum(axis=1).to_numpy() >= 0).all()


def test_inventory_check_fails_when_a_receipt_is_dropped(src, books):
    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))
    goods = books.legs[(books.legs["doc_type"] == "GR") & (books.legs["account"] == code[ROLE["GOODS"]])]
    first_month = goods["date"].str[:7].min()
    drop = goods.loc[goods["date"].str[:7] == first_month, "doc_no"]
    legs = books.legs[~books.legs["doc_no"].isin(drop)]
    bal = inventory_by_month(legs, {"GOODS": code[ROLE["GOODS"]]})
    assert (bal.to_numpy() < 0).any()


def intercompany_pairs(src: Sources) -> dict[str, tuple[Counter, Counter]]:
    """Per document kind: the seller's and the buyer's intercompany documents as multisets of
    (seller, buyer, day, currency, amounts)."""
    erp = src.erp
    org_of_tax = dict(zip(erp["orgs"]["tax_id"], erp["orgs"]["org_code"], strict=True))
    ic_customer = {
        c: org_of_tax[t]
        for c, t in zip(erp["customers"]["customer_code"], erp["customers"]["tax_id"], strict=True)
        if t in org_of_tax
    }
    ic_supplier = {
        s: org_of_tax[t]
        for s, t in zip(erp["suppliers"]["supplier_code"], erp["suppliers"]["tax_id"], strict=True)
        if t in org_of_tax
    }
    assert ic_customer and ic_supplier

    def side(df, party, date, amounts, seller_side: bool, extra=()) -> Counter:
        other = df[party].map(ic_customer if seller_side else ic_supplier)
        df, other = df[other.notna()], other[other.notna()]
        seller, buyer = (df["org_code"], other) if seller_side else (other, df["org_code"])
        cols = [
            seller,
            buyer,
            df[date],
            df["currency"],
            *[pd.Series(cents(df[a]), index=df.index) for a in amounts],
            *[df[e] for e in extra],
        ]
        return Counter(zip(*cols, strict=True))

    money = ["net_amount", "tax_amount", "gross_amount"]
    return {
        "orders": (
            side(erp["sales_orders"], "customer_code", "order_date", money, True, ["status"]),
            side(erp["purchase_orders"], "supplier_code", "order_date", money, False, ["status"]),
        ),
        "deliveries/receipts": (
            side(erp["deliveries"], "customer_code", "delivery_date", ["net_amount"], True),
            side(erp["goods_receipts"], "supplier_code", "receipt_date", ["net_amount"], False),
        ),
        "invoices": (
            side(erp["customer_invoices"], "customer_code", "invoice_date", money, True, ["status"]),
            side(erp["supplier_invoices"], "supplier_code", "invoice_date", money, False, ["status"]),
        ),
        "settlements": (
            side(erp["customer_receipts"], "customer_code", "receipt_date", ["amount", "bank_fee"], True),
            side(erp["supplier_payments"], "supplier_code", "payment_date", ["amount", "bank_fee"], False),
        ),
    }


def test_intercompany_documents_mirror_each_other(src):
    for kind, (seller, buyer) in intercompany_pairs(src).items():
        assert sum(seller.values()) > 0, kind
        assert seller == buyer, (kind, (seller - buyer).most_common(3), (buyer - seller).most_common(3))


def test_intercompany_check_fails_when_one_side_differs(src):
    bad = tampered(src)
    si = bad.erp["supplier_invoices"]
    ic = set(intercompany_pairs(src)["invoices"][1])
    first = next(i for i in si.index if si.loc[i, "invoice_date"] in {k[2] for k in ic})
    si.loc[first, "invoice_date"] = "2023-01-01"
    seller, buyer = intercompany_pairs(bad)["invoices"]
    assert seller != buyer


def chain_violations(src: Sources) -> list[str]:
    """Documents dated before the document they follow (order -> receipt -> invoice -> payment,
    order -> delivery -> invoice -> receipt, advance -> claim -> approval -> claim payment), and
    receipts whose material group is not their lines'."""
    erp, x, out = src.erp, src.exp, []

    def after(name: str, keys: pd.Series, later: pd.Series, earlier: pd.Series) -> None:
        ok = [
            pd.isna(a) or pd.isna(b) or a >= b for a, b in zip(later.tolist(), earlier.tolist(), strict=True)
        ]
        out.extend(f"{name} {k}: dated before what it follows" for k in keys[~np.array(ok, bool)])

    po = erp["purchase_orders"].set_index("po_no")["order_date"]
    so = erp["sales_orders"].set_index("so_no")["order_date"]
    gr = erp["goods_receipts"]
    gr = gr[pd.to_datetime(gr["receipt_date"], format="%Y-%m-%d", errors="coerce").notna()]
    after("goods receipt", gr["gr_no"], gr["receipt_date"], po.reindex(gr["po_no"]))
    dn = erp["deliveries"]
    after("delivery", dn["delivery_no"], dn["delivery_date"], so.reindex(dn["so_no"]))
    ci = erp["customer_invoices"]
    after(
        "customer invoice",
        ci["invoice_no"],
        ci["invoice_date"],
        dn.set_index("delivery_no")["delivery_date"].reindex(ci["delivery_no"]),
    )
    sil = erp["supplier_invoice_lines"].dropna(subset=["gr_no"])
    si = erp["supplier_invoices"].set_index("invoice_no")["invoice_date"]
    after(
        "supplier invoice line",
        sil["invoice_no"] + "/" + sil["line_no"],
        si.reindex(sil["invoice_no"]),
        gr.set_index("gr_no")["receipt_date"].reindex(sil["gr_no"]),
    )
    for heads, alloc, no, date, invoices in (
        ("supplier_payments", "supplier_payment_allocations", "payment_no", "payment_date", si),
        (
            "customer_receipts",
            "customer_receipt_allocations",
            "receipt_no",
            "receipt_date",
            ci.set_index("invoice_no")["invoice_date"],
        ),
    ):
        a = erp[alloc]
        after(
            alloc,
            a[no] + "/" + a["line_no"],
            erp[heads].set_index(no)[date].reindex(a[no]),
            invoices.reindex(a["invoice_no"]),
        )
    groups = erp["goods_receipt_lines"].groupby("gr_no")["material_group"].agg(set)
    wrong = [k for k, g in zip(gr["gr_no"], gr["material_group"], strict=True) if groups.get(k, {g}) != {g}]
    out.extend(f"goods receipt {k}: material group differs from its lines'" for k in wrong)
    claims = x["expense_claims"].dropna(subset=["claim_id"])
    after("claim approval", claims["claim_id"], claims["approved_date"], claims["claim_date"])
    adv = x["employee_advances"].set_index("advance_no")["advance_date"]
    after("claim", claims["claim_id"], claims["claim_date"], adv.reindex(claims["advance_no"]))
    pl = x["claim_payment_lines"]
    after(
        "claim payment line",
        pl["payment_no"] + "/" + pl["line_no"].astype(str),
        x["claim_payments"].set_index("payment_no")["payment_date"].reindex(pl["payment_no"]),
        claims.set_index("claim_id")["approved_date"].reindex(pl["claim_id"]),
    )
    return out


def test_documents_follow_their_chain_in_time(src):
    assert chain_violations(src) == []


def test_chain_check_fails_on_a_payment_before_its_invoice(src):
    bad = tampered(src)
    a = bad.erp["supplier_payment_allocations"]
    pay = bad.erp["supplier_payments"]
    pay.loc[pay["payment_no"] == a["payment_no"].iloc[0], "payment_date"] = "2023-12-31"
    assert any("supplier_payment_allocations" in v for v in chain_violations(bad))


# --- postings ------------------------------------------------------------------------------------


def test_every_document_is_posted_correctly_unless_planted(src, books, vouchers):
    """Each document's voucher in the GL equals the voucher recomputed from its rows (legs,
    amounts in both currencies, rates, date; the reversal of a cancelled invoice on its
    cancellation day) — except the documents the ground truth lists, each of which differs."""
    ok = posted_correctly(books, vouchers)
    wrong = set(ok.index[~ok])
    planted = set(finance_docs(src)["document_no"])
    assert wrong - planted == set(), sorted(wrong - planted)[:10]
    assert planted - wrong == set(), sorted(planted - wrong)[:10]
    assert ok.sum() > 3000
    kinds = Counter(books.docs["doc_type"])
    assert set(kinds) == {"GR", "PINV", "PAY", "DN", "SINV", "REC", "EC", "CPAY", "ADV"}
    assert (books.docs["status"] == "cancelled").any()  # reversals are checked too
    # no voucher names a document that does not exist
    named = {d for docs in vouchers.table["docs"] for d in docs}
    assert named <= set(books.docs["doc_no"])


def test_posting_check_fails_on_a_tampered_gl_amount(src, books, vouchers):
    v = copy.deepcopy(vouchers)
    ok = posted_correctly(books, v)
    doc = ok.index[ok][100]
    (name,) = v.by_doc[doc]
    legs = list(v.table.at[name, "legs"])
    a, s, base, orig, cur, rate = legs[0]
    legs[0] = (a, s, base + 1, orig, cur, rate)
    v.table.at[name, "legs"] = tuple(legs)
    assert not posted_correctly(books, v)[doc]


def party_violations(src: Sources, books: Books, v: Vouchers) -> list[str]:
    """Lines on a party's control account (AP, GR/IR, prepayments, AR, customer advances, other
    payables and receivables) that do not carry their document's party — as the GL knows it:
    the ERP code, or the party's name in a GL without codes, or the legacy key the answer key
    lists for a planted code mismatch."""
    erp = src.erp
    legacy = {
        re.search(r"is ERP \w+ (\S+)", d).group(1): k
        for k, d in zip(
            src.planted("code_mismatch")["record_key"], src.planted("code_mismatch")["detail"], strict=True
        )
    }
    by_code = "编码" in src.parties
    names = dict(zip(erp["suppliers"]["supplier_code"], erp["suppliers"]["supplier_name"], strict=True))
    names |= dict(zip(erp["customers"]["customer_code"], erp["customers"]["customer_name"], strict=True))

    def gl_key(code: str) -> str:
        return legacy.get(code, code if by_code else names.get(code, code))

    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))
    column = {
        code[ROLE[r]]: c
        for r, c in (
            ("AP", "supplier"),
            ("GRIR", "supplier"),
            ("PREPAYMENT", "supplier"),
            ("AR", "customer"),
            ("CUSTOMER_ADVANCE", "customer"),
            ("EMPLOYEE_PAYABLE", "employee"),
            ("ADVANCE", "employee"),
        )
    }
    ok = posted_correctly(books, v)
    doc_of = {n: docs[0] for n, docs in zip(v.table.index, v.table["docs"], strict=True) if len(docs) == 1}
    lines = src.gl.lines
    lines = lines[lines["account"].isin(list(column)) & lines["voucher_id"].map(doc_of).isin(ok.index[ok])]
    docs = books.docs.set_index("doc_no")
    doc = lines["voucher_id"].map(doc_of)
    out = []
    for i, acct, d in zip(lines.index, lines["account"], doc, strict=True):
        if docs.at[d, "doc_type"] == "CPAY":  # one line per employee paid: checked by the amounts
            continue
        party = docs.at[d, "party"]
        want = party if column[acct] == "employee" else gl_key(party)
        if lines.at[i, column[acct]] != want:
            out.append(f"line {i} ({d}, {acct}): party {lines.at[i, column[acct]]!r}, not {want!r}")
    return out


@pytest.mark.parametrize("which", ["src", "qinghe"])
def test_control_lines_carry_their_documents_party(which, request):
    s: Sources = request.getfixturevalue(which)
    books = correct_books(s)
    assert party_violations(s, books, gl_vouchers(s, books)) == []


def test_party_check_fails_on_a_swapped_party(src, books, vouchers):
    bad = tampered(src)
    lines = bad.gl.lines
    i = lines.index[lines["supplier"] != ""][0]
    lines.loc[i, "supplier"] = "S99999"
    assert any("S99999" in x for x in party_violations(bad, books, vouchers))


def _one(v: Vouchers, doc: str) -> tuple[str, tuple]:
    names = v.by_doc.get(doc, [])
    assert len(names) == 1, (doc, names)
    return names[0], v.table.at[names[0], "legs"]


def _balanced(legs) -> bool:
    return sum(b if s == "D" else -b for _, s, b, *_ in legs) == 0


def test_missing_postings_are_not_in_the_gl(src, vouchers):
    docs = finance_docs(src, "missing_posting")
    assert len(docs) > 10
    for doc, voucher in zip(docs["document_no"], docs["voucher_no"], strict=True):
        assert doc not in vouchers.by_doc and voucher == "", doc


def test_amount_mismatches_scale_every_leg_by_one_factor(src, vouchers):
    docs = finance_docs(src, "amount_mismatch")
    assert len(docs) > 5
    for doc in docs["document_no"]:
        _, got = _one(vouchers, doc)
        want = vouchers.expected[(doc, "post")]
        assert _balanced(got) and [g[:2] for g in got] == [w[:2] for w in want]
        # pair the legs by account, side and original amount (a positive factor keeps their order)
        pairs = [
            (w[3], g[3])
            for w, g in zip(
                sorted(want, key=lambda x: (x[0], x[1], x[3])),
                sorted(got, key=lambda x: (x[0], x[1], x[3])),
                strict=True,
            )
        ]
        w, g = max(pairs, key=lambda p: abs(p[0]))
        guess = round(1000 * g / w)
        # each leg is rounded to the cent on its own; the voucher's rounding residue (at most a
        # cent per leg) goes to the largest leg, so that one may differ from the plain scaling
        largest = pairs.index((w, g))

        def scaled(f: int, pairs=pairs, largest=largest) -> bool:
            exact = [int(round_half_away(np.array([wo * f], dtype=object), 1000)[0]) for wo, _ in pairs]
            return all(
                e == go if i != largest else abs(e - go) < len(pairs)
                for i, (e, (_, go)) in enumerate(zip(exact, pairs, strict=True))
            )

        factors = [f for f in range(guess - 2, guess + 3) if scaled(f)]
        assert factors and 1000 not in factors, (doc, want, got)


def test_amounts_off_by_one_cent_are_customer_invoices_one_cent_high(src, vouchers):
    docs = finance_docs(src, "amount_off_by_cent")
    assert len(docs) >= 1
    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))
    high = {code[ROLE["AR"]], code[ROLE["REVENUE"]]}
    for doc in docs["document_no"]:
        _, got = _one(vouchers, doc)
        want = vouchers.expected[(doc, "post")]
        bumped = tuple(
            sorted(
                (a, s, b + 1, o + 1, c, r) if a in high else (a, s, b, o, c, r) for a, s, b, o, c, r in want
            )
        )
        assert got == bumped, doc


def test_duplicate_postings_are_the_correct_voucher_twice(src, books, vouchers):
    docs = finance_docs(src, "duplicate_posting")
    assert len(docs) > 5
    assert (books.docs.set_index("doc_no").loc[docs["document_no"], "doc_type"] == "CPAY").any()
    date = books.docs.set_index("doc_no")["date"]
    for doc, named in zip(docs["document_no"], docs["voucher_no"], strict=True):
        names = vouchers.by_doc[doc]
        assert sorted(names) == sorted(named.split(",")), doc
        for n in names:
            assert vouchers.table.at[n, "legs"] == vouchers.expected[(doc, "post")]
            assert vouchers.table.at[n, "date"] == date[doc]


def test_wrong_periods_are_the_correct_voucher_early_next_period(src, books, vouchers):
    docs = finance_docs(src, "wrong_period")
    date = books.docs.set_index("doc_no")["date"]
    posted = docs[docs["voucher_no"] != ""]
    assert len(posted) > 5
    for doc in posted["document_no"]:
        name, got = _one(vouchers, doc)
        assert got == vouchers.expected[(doc, "post")]
        day = pd.Timestamp(vouchers.table.at[name, "date"])
        assert day.to_period("M") == pd.Timestamp(date[doc]).to_period("M") + 1 and day.day <= 5, doc
    # planted late postings beyond the as-of date are not in the GL yet
    for doc in docs.loc[docs["voucher_no"] == "", "document_no"]:
        assert doc not in vouchers.by_doc


def test_fx_differences_post_at_a_wrong_rate(src, books, vouchers):
    docs = finance_docs(src, "fx_difference")
    assert len(docs) > 5
    kind = books.docs.set_index("doc_no")["doc_type"]
    date = books.docs.set_index("doc_no")["date"]
    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))
    fx, control = code[ROLE["FX"]], {code[ROLE["AP"]], code[ROLE["AR"]]}
    assert set(kind[docs["document_no"]]) & set(SETTLEMENTS) and set(kind[docs["document_no"]]) - set(
        SETTLEMENTS
    )
    for doc in docs["document_no"]:
        _, got = _one(vouchers, doc)
        want = vouchers.expected[(doc, "post")]
        assert _balanced(got) and got != want
        if kind[doc] in SETTLEMENTS:
            # the control account relieved at today's rate instead of the carrying amount; no FX line
            assert all(a != fx for a, *_ in got)
            rest = [w for w in want if w[0] != fx]
            assert sorted((a, s, o, c, r) for a, s, _, o, c, r in got) == sorted(
                (a, s, o, c, r) for a, s, _, o, c, r in rest
            )
            (ctrl,) = [g for g in got if g[0] in control]
            (right,) = [w for w in want if w[0] in control]
            assert ctrl[2] != right[2]
            assert abs(ctrl[2] - int(convert([ctrl[3]], [ctrl[5]])[0])) <= 2, doc
        else:
            # every document-currency leg at the rate of an earlier day (or off by 0.015)
            org = books.docs.set_index("doc_no").loc[doc]
            foreign = [g for g in got if g[4] == org["currency"]]
            rates = {g[5] for g in foreign}
            (wrong_rate,) = rates
            right_rate = {w[5] for w in want if w[4] == org["currency"]}.pop()
            base = src.erp["orgs"].set_index("org_code").loc[org["org"], "base_currency"]
            earlier = {
                src.rates.get(
                    (str((pd.Timestamp(date[doc]) - pd.Timedelta(days=k)).date()), org["currency"], base)
                )
                for k in range(7, 31)
            }
            assert wrong_rate != right_rate and (
                wrong_rate in earlier or wrong_rate == right_rate + 15_000
            ), doc
            off = [g for g in foreign if g[2] != int(convert([g[3]], [g[5]])[0])]
            assert len(off) <= 1, doc  # the voucher's residue goes to its largest leg


def test_split_postings_are_goods_then_vat(src, vouchers):
    docs = finance_docs(src, "split_posting")
    assert len(docs) > 3
    code = dict(zip(src.chart["英文名称"], src.chart["科目代码"], strict=True))
    vat, ap = code[ROLE["INPUT_VAT"]], code[ROLE["AP"]]
    for doc in docs["document_no"]:
        names = vouchers.by_doc[doc]
        assert len(names) == 2, doc
        parts = sorted(
            (vouchers.table.at[n, "legs"] for n in names), key=lambda legs: all(a != vat for a, *_ in legs)
        )
        tax_part, goods_part = parts
        assert {a for a, *_ in tax_part} == {vat, ap} and all(a != vat for a, *_ in goods_part)
        assert _balanced(tax_part) and _balanced(goods_part)
        ap_total: Counter = Counter()
        rebuilt = []
        for a, s, b, o, c, r in tax_part + goods_part:
            if a == ap:
                ap_total[(a, s, c, r, "b")] += b
                ap_total[(a, s, c, r, "o")] += o
            else:
                rebuilt.append((a, s, b, o, c, r))
        rebuilt += [
            (a, s, ap_total[(a, s, c, r, "b")], ap_total[(a, s, c, r, "o")], c, r)
            for a, s, c, r, k in ap_total
            if k == "b"
        ]
        rebuilt.sort()
        assert tuple(rebuilt) == vouchers.expected[(doc, "post")], doc


def test_batch_postings_sum_two_receipts(src, books, vouchers):
    docs = finance_docs(src, "batch_posting")
    date = books.docs.set_index("doc_no")["date"]
    posted = docs[docs["voucher_no"] != ""]
    assert len(posted) >= 2
    batches = set()
    for doc in posted["document_no"]:
        name, got = _one(vouchers, doc)
        pair = vouchers.table.at[name, "docs"]
        assert len(pair) == 2 and set(pair) <= set(docs["document_no"]), pair
        batches.add(pair)
        total: Counter = Counter()
        for d in pair:
            for a, s, b, o, c, r in vouchers.expected[(d, "post")]:
                total[(a, s, c, r, "b")] += b
                total[(a, s, c, r, "o")] += o
        want = sorted(
            (a, s, total[(a, s, c, r, "b")], total[(a, s, c, r, "o")], c, r)
            for a, s, c, r, k in total
            if k == "b"
        )
        assert got == tuple(want), pair
        assert vouchers.table.at[name, "date"] == max(date[d] for d in pair)
    assert all(books.docs.set_index("doc_no").loc[list(p), "doc_type"].eq("REC").all() for p in batches)


def test_unreferenced_postings_are_the_correct_voucher_without_the_number(src, books, vouchers):
    """Reference missing, mistyped, ambiguous installments and the window edges: nothing names
    the document, the voucher the truth points at is its correct voucher, posted on its date —
    or 7 / 8 days later for the window edges; a mistyped number drops exactly one digit."""
    docs = finance_docs(src, *UNREFERENCED)
    date = books.docs.set_index("doc_no")["date"]
    lag = {"window_edge_inside": 7, "window_edge_outside": 8}
    for anomaly in UNREFERENCED:
        assert (docs["anomaly"] == anomaly).sum() >= 1, anomaly
    for doc, anomaly, name in zip(docs["document_no"], docs["anomaly"], docs["voucher_no"], strict=True):
        assert doc not in vouchers.by_doc, doc
        if name == "":  # posted after the as-of date
            assert anomaly in lag
            continue
        row = vouchers.table.loc[name]
        assert row["docs"] == () and row["legs"] == vouchers.expected[(doc, "post")], doc
        assert pd.Timestamp(row["date"]) - pd.Timestamp(date[doc]) == pd.Timedelta(
            days=lag.get(anomaly, 0)
        ), doc
        if anomaly == "reference_mistyped":
            digits = [i for i, ch in enumerate(doc) if ch.isdigit()]
            typos = {doc[:i] + doc[i + 1 :] for i in digits}
            assert any(t in row["text"] for t in typos), (doc, row["text"])
    # the ambiguous installments come in identical pairs (same org, party, amount)
    pay = src.erp["supplier_payments"].set_index("payment_no")
    amb = pay.loc[docs.loc[docs["anomaly"] == "ambiguous_pair", "document_no"]]
    assert (amb.groupby(["org_code", "supplier_code", "amount"]).size() == 2).all()


def test_unreferenced_control_vouchers_are_the_orphans_and_the_planted_ones(src, vouchers):
    controls = set(pd.read_csv(src_seed(src, "control_accounts"), dtype=str)["account_code"])
    lines = src.gl.lines
    on_control = set(lines.loc[lines["account"].isin(controls), "voucher_id"])
    unreferenced = {v for v in on_control if vouchers.table.at[v, "docs"] == ()}
    settlements = set(finance_docs(src, *UNREFERENCED)["voucher_no"]) - {""}
    orphans = set(src.planted("orphan_posting")["voucher_no"])
    assert orphans and unreferenced == orphans | settlements
    outside = src.truth[
        (src.truth["anomaly"] == "window_edge_outside") & (src.truth["source"] == "gl_voucher_lines")
    ]
    assert set(outside["voucher_no"]) == set(finance_docs(src, "window_edge_outside")["voucher_no"]) - {""}


def src_seed(src: Sources, name: str):
    from simulator_files import DEFAULT_SEEDS, PROFILES

    own = PROFILES / (src.style or "mingyuan") / "seeds" / f"{name}.csv"
    return own if own.exists() else DEFAULT_SEEDS / f"{name}.csv"


# --- the GL as a file ------------------------------------------------------------------------------


def voucher_violations(src: Sources) -> list[str]:
    """Unbalanced vouchers, malformed lines, voucher numbers that skip or repeat within an org,
    period and voucher word, or that run against the dates."""
    lines, out = src.gl.lines, []
    signed = np.where(lines["side"] == "D", lines["amount"], -lines["amount"])
    per = pd.Series(signed).groupby(lines["voucher_id"].to_numpy()).sum()
    out.extend(f"voucher {v}: debits ≠ credits" for v in per.index[per != 0])
    one_side = (lines["debit_text"] == "") != (lines["credit_text"] == "")
    out.extend(f"line {i}: not exactly one of debit and credit" for i in lines.index[~one_side])
    chart = set(src.chart["科目代码"])
    out.extend(f"line {i}: account not in the chart" for i in lines.index[~lines["account"].isin(chart)])
    base = lines["org"].map(src.erp["orgs"].set_index("org_code")["base_currency"])
    home = lines["currency"] == base
    bad_home = home & (lines["rate_text"] != "1.000000")
    out.extend(f"line {i}: base-currency line not at 1.000000" for i in lines.index[bad_home])
    out.extend(
        f"line {i}: unknown currency" for i in lines.index[~lines["currency"].isin(["CNY", "USD", "EUR"])]
    )
    out.extend(
        f"line {i}: date outside its period" for i in lines.index[lines["date"].str[:7] != lines["period"]]
    )
    # voucher numbers 1..n per ledger, period and word, in date order; line numbers 1..n per voucher
    v = lines.drop_duplicates("voucher_id").assign(n=lambda d: d["voucher_no"].astype(int))
    v = v.sort_values(["ledger", "period", "word", "n"])
    scope = v.groupby(["ledger", "period", "word"])
    skipped = v["n"].to_numpy() != scope.cumcount().to_numpy() + 1
    out.extend(f"voucher {x}: voucher numbers are not 1..n" for x in v["voucher_id"][skipped])
    backwards = (scope["date"].shift() > v["date"]).to_numpy()
    out.extend(f"voucher {x}: voucher numbers run against the dates" for x in v["voucher_id"][backwards])
    ln = lines.assign(n=lines["line_no"].astype(int)).sort_values(["voucher_id", "n"])
    skipped = ln["n"].to_numpy() != ln.groupby("voucher_id").cumcount().to_numpy() + 1
    out.extend(f"voucher {x}: line numbers are not 1..n" for x in ln["voucher_id"][skipped].unique())
    return out


def test_every_voucher_balances_and_is_numbered_per_org_period_and_word(src):
    assert voucher_violations(src) == []
    words = src.gl.lines.groupby("ledger")["word"].agg(set)
    assert words["ORG01"] == {"收", "付", "转"} and words["ORG02"] == {"记"} and words["ORG03"] == {"记"}


def test_base_currency_lines_carry_their_amount_as_the_original_amount(src):
    lines = src.gl.lines
    base = lines["org"].map(src.erp["orgs"].set_index("org_code")["base_currency"])
    home = lines[lines["currency"] == base]
    differ = home[home["orig"] != home["amount"]]
    assert differ.empty, differ[["voucher_id", "account", "orig", "amount", "summary"]].head()


def test_voucher_check_fails_on_an_unbalanced_or_misnumbered_voucher(src):
    bad = tampered(src)
    lines = bad.gl.lines
    lines.loc[lines.index[0], "amount"] += 1
    lines.loc[lines["voucher_id"] == lines.loc[lines.index[-1], "voucher_id"], "voucher_no"] = "999"
    found = "\n".join(voucher_violations(bad))
    assert "debits ≠ credits" in found and "not 1..n" in found


# --- the rest of the answer key --------------------------------------------------------------------


def test_counterparty_codes_differ_only_where_planted(src):
    erp = src.erp
    erp_codes = set(erp["suppliers"]["supplier_code"]) | set(erp["customers"]["customer_code"])
    parties = src.parties
    unknown = parties[~parties["编码"].isin(erp_codes)]
    truth = src.planted("code_mismatch").set_index("record_key")
    assert set(unknown["编码"]) == set(truth.index)
    for code, tax_id in zip(unknown["编码"], unknown["税号"], strict=True):
        assert (tax_id != "") == (truth.loc[code, "expected_status"] == "mapping"), code
    assert set(truth["expected_status"]) == {"mapping", "unmapped"}
    used = set(src.gl.lines["supplier"]) | set(src.gl.lines["customer"])
    assert used - {""} <= erp_codes | set(truth.index)
    tax_of = dict(zip(erp["suppliers"]["supplier_code"], erp["suppliers"]["tax_id"], strict=True))
    tax_of |= dict(zip(erp["customers"]["customer_code"], erp["customers"]["tax_id"], strict=True))
    for code, row in truth.iterrows():
        erp_code = re.search(r"is ERP \w+ (\S+)", row["detail"]).group(1)
        tid = unknown.set_index("编码").loc[code, "税号"]
        assert tid in ("", tax_of[erp_code])


def test_duplicate_vat_invoices_are_only_the_planted_ones(src):
    lines = src.exp["expense_claim_lines"]
    bad = set(src.planted("bad_row").query("source == 'expense_claim_lines'")["record_key"])
    lines = lines[~(lines["claim_id"] + "/" + lines["line_no"].astype(str)).isin(bad)]
    claims_per_invoice = lines.groupby("invoice_id")["claim_id"].nunique()
    dup_ids = set(claims_per_invoice.index[claims_per_invoice > 1])
    truth = src.planted("duplicate_vat_invoice")
    assert len(truth) > 0
    assert dup_ids == set(truth["detail"].str.extract(r"VAT invoice (\S+)")[0])
    keyed = lines.assign(key=lines["claim_id"] + "/" + lines["line_no"].astype(str)).set_index("key")
    assert set(truth["record_key"]) <= set(keyed.index)
    assert sorted(keyed.loc[list(truth["record_key"]), "invoice_id"]) == sorted(dup_ids)


def _is_num(v: str) -> bool:
    try:
        float(v.replace(",", ""))
        return True
    except ValueError:
        return False


def test_planted_bad_rows_are_present_and_malformed(src):
    erp, exp = src.erp, src.exp
    bad = src.planted("bad_row")
    by = {k: set(g["record_key"]) for k, g in bad.groupby("source")}
    gr = erp["goods_receipts"]
    not_a_date = pd.to_datetime(gr["receipt_date"], format="%Y-%m-%d", errors="coerce").isna()
    assert set(gr.loc[not_a_date, "gr_no"]) == by["goods_receipts"]
    pol = erp["purchase_order_lines"]
    negative = pol[milli(pol["quantity"]) < 0]
    assert set(negative["po_no"] + "/" + negative["line_no"]) == by["purchase_order_lines"]
    ci = erp["customer_invoices"]
    assert set(ci.loc[~ci["currency"].isin(["CNY", "USD", "EUR"]), "invoice_no"]) == by["customer_invoices"]
    claims = exp["expense_claims"]
    assert claims["claim_id"].isna().sum() == len(bad[bad["source"] == "expense_claims"]) > 0
    ln = exp["expense_claim_lines"]
    bad_dates = pd.to_datetime(ln["expense_date"], format="%Y-%m-%d", errors="coerce").isna()
    assert (
        set(ln.loc[bad_dates, "claim_id"] + "/" + ln.loc[bad_dates, "line_no"].astype(str))
        == by["expense_claim_lines"]
    )
    vat = exp["vat_invoices"]
    assert set(vat.loc[~vat["currency"].isin(["CNY", "USD"]), "invoice_id"]) == by["vat_invoices"]
    stray_truth(src, bad[bad["system"] == "finance"])


def stray_truth(src: Sources, gl_bad: pd.DataFrame) -> None:
    """One stray line per affected export file, malformed as the truth states."""
    stray = src.gl.stray
    assert len(gl_bad) > 0 and set(stray["file"]) == set(gl_bad["source"]) and len(stray) == len(gl_bad)
    amount = "借方" if "借方" in stray else "金额"
    no = "凭证号" if "凭证号" in stray else "凭证编号"
    for source, reason in zip(gl_bad["source"], gl_bad["reason"], strict=True):
        line = stray[stray["file"] == source].iloc[0]
        if reason == "non_numeric_amount":
            assert not _is_num(line[amount])
        elif reason == "missing_key":
            assert line[no] == ""
        else:
            assert reason == "truncated_line" and line["科目名称"] == "" and line["制单人"] == ""


def test_ground_truth_vocabulary(src):
    truth = src.truth
    assert len(pd.read_parquet(src.out / "ground_truth.parquet")) == len(truth)
    assert list(truth.columns) == [
        "anomaly",
        "system",
        "org",
        "period",
        "source",
        "record_key",
        "document_no",
        "voucher_no",
        "event_type",
        "expected_status",
        "reason",
        "detail",
    ]
    counts = Counter(truth["anomaly"])
    for anomaly in (
        "missing_posting",
        "amount_mismatch",
        "amount_off_by_cent",
        "duplicate_posting",
        "wrong_period",
        "fx_difference",
        "orphan_posting",
        "reference_missing",
        "reference_mistyped",
        "ambiguous_pair",
        "window_edge_inside",
        "window_edge_outside",
        "split_posting",
        "batch_posting",
        "code_mismatch",
        "duplicate_vat_invoice",
        "bad_row",
    ):
        assert counts[anomaly] > 0, anomaly
    status = truth.groupby("anomaly")["expected_status"].agg(set).to_dict()
    assert status["missing_posting"] == {"missing_in_gl"}
    assert status["bad_row"] == {"quarantine"}
    assert status["code_mismatch"] == {"mapping", "unmapped"}
    assert status["orphan_posting"] == {"missing_in_business"}
    assert status["duplicate_vat_invoice"] == {"duplicate_invoice"}
    assert status["ambiguous_pair"] <= {"ambiguous", "matched"}
    assert status["amount_off_by_cent"] == {"amount_mismatch"}
    assert status["window_edge_outside"] <= {"missing_in_gl", "missing_in_business"}
    assert set(truth["system"]) == {"erp", "finance", "expense"}


# --- a second house style, and a clean world ---------------------------------------------------------

STYLE_SCALE = 0.3
NUMBERED = {  # document type -> (system, table, number column)
    "PO": ("erp", "purchase_orders", "po_no"),
    "GR": ("erp", "goods_receipts", "gr_no"),
    "PINV": ("erp", "supplier_invoices", "invoice_no"),
    "PAY": ("erp", "supplier_payments", "payment_no"),
    "SO": ("erp", "sales_orders", "so_no"),
    "DN": ("erp", "deliveries", "delivery_no"),
    "SINV": ("erp", "customer_invoices", "invoice_no"),
    "REC": ("erp", "customer_receipts", "receipt_no"),
    "EC": ("exp", "expense_claims", "claim_id"),
    "CPAY": ("exp", "claim_payments", "payment_no"),
    "ADV": ("exp", "employee_advances", "advance_no"),
}


@pytest.fixture(scope="module")
def qinghe(tmp_path_factory) -> Sources:
    return read_sources(simulated(tmp_path_factory, seed=42, scale=STYLE_SCALE, style="qinghe"), "qinghe")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Sources:
    return read_sources(simulated(tmp_path_factory, seed=42, scale=STYLE_SCALE, clean=True))


def test_qinghe_gl_is_one_workbook_per_period_in_the_house_layout(qinghe):
    from simulator_files import WORKBOOK_HEADERS, workbook_rows

    gl = qinghe.out / "gl"
    assert qinghe.gl.layout == "ledger_workbook" and not list(gl.glob("*/凭证_*_*"))
    books = sorted(gl.glob("*/凭证_*.xlsx"))
    assert len(books) >= 24
    ledgers = set(pd.read_csv(src_seed(qinghe, "ledger_org_mappings"), dtype=str)["ledger_code"])
    amount = re.compile(r"-?\d{1,3}(,\d{3})*\.\d{2}")
    lines = qinghe.gl.lines
    for path in books:
        period = path.parent.name
        rows, header = workbook_rows(path)
        assert header == 3 and rows[0][0] == "记账凭证列表" and all(v == "" for v in rows[2]), path.name
        assert rows[1][0].startswith("单位：") and f"会计期间：{period}" in rows[1][0]
        assert rows[header] == WORKBOOK_HEADERS and "会计期间" not in rows[header]
        body = pd.DataFrame(rows[header + 1 :], columns=rows[header]).astype(str)
        assert body["摘要"].iloc[-1] == "合计" and (body["摘要"] == "合计").sum() == 1
        total = body.iloc[-1]
        mine = lines[lines["file"] == f"gl/{period}/{path.name}"]
        assert set(mine["ledger"]) <= ledgers and len(set(mine["ledger"])) >= 2
        # the 合计 row is the file's total debit
        assert (
            total["方向"] == "借"
            and cents([total["金额"]])[0] == mine.loc[mine["side"] == "D", "amount"].sum()
        )
        real = body.iloc[:-1]
        real = real[~real["凭证编号"].isin(["9001", ""])]
        assert real["方向"].isin(["借", "贷"]).all()
        for col in ("金额", "原币金额"):
            assert real[col].map(lambda v: bool(amount.fullmatch(v))).all(), (path.name, col)
    assert lines["debit_text"].str.contains(",").any()  # thousands separators
    assert (lines.loc[lines["side"] == "C", "credit_text"] != "").all()


def numbers_by_type(src: Sources) -> dict[str, pd.Series]:
    """Every document number written, per document type (planted bad rows left out)."""
    out = {}
    bad = set(src.planted("bad_row")["record_key"])
    for doc_type, (system, table, col) in NUMBERED.items():
        df = (src.erp if system == "erp" else src.exp)[table]
        nos = df[col].dropna()
        out[doc_type] = nos[~nos.isin(bad)]
    return out


@pytest.mark.parametrize("which", ["src", "qinghe"])
def test_document_numbers_match_exactly_their_own_pattern(which, request):
    """Every document number matches its type's pattern in the profile's seed and no other
    type's (PAY- and PAY-EXP- share a prefix in the second style)."""
    s: Sources = request.getfixturevalue(which)
    patterns = document_patterns(s.style)
    assert set(patterns) == set(NUMBERED)
    for doc_type, nos in numbers_by_type(s).items():
        assert len(nos) > 0, doc_type
        for other, p in patterns.items():
            hits = nos.map(lambda n, p=p: bool(p.fullmatch(n)))
            assert hits.all() if other == doc_type else not hits.any(), (
                doc_type,
                other,
                nos[hits != (other == doc_type)][:3],
            )
    if s.style == "qinghe":
        assert numbers_by_type(s)["PAY"].str.startswith("PAY-").all()
        assert numbers_by_type(s)["CPAY"].str.startswith("PAY-EXP-").all()


def test_qinghe_codes_are_the_house_codes(qinghe):
    erp, exp = qinghe.erp, qinghe.exp
    orgs = set(pd.read_csv(src_seed(qinghe, "ledger_org_mappings"), dtype=str)["org_code"])
    assert set(erp["orgs"]["org_code"]) == orgs == {"1010", "1020", "2010"}
    for df in [*erp.values(), *exp.values()]:
        if "org_code" in df:
            assert set(df["org_code"].dropna()) <= orgs
    checks = {
        "supplier_code": r"V\d{5}",
        "customer_code": r"K\d{5}",
        "employee_code": r"QH\d{4}",
        "dept_code": r"Q[A-Z]+\d{2}",
    }
    for col, pattern in checks.items():
        for name, df in [*erp.items(), *exp.items()]:
            if col in df:
                values = df[col].dropna()
                assert values.str.fullmatch(pattern).all(), (
                    name,
                    col,
                    values[~values.str.fullmatch(pattern)][:3],
                )
    lines = qinghe.gl.lines
    assert set(lines["ledger"]) == {"001", "002", "003"} and set(lines["word"]) == {"记"}
    accounts = set(lines["account"])
    assert {"220210", "220299", "10020101"} <= accounts and not {"220201", "220202", "100201"} & accounts
    # the GL knows parties by name, never by code
    names = set(qinghe.parties["名称"])
    used = (set(lines["supplier"]) | set(lines["customer"])) - {""}
    assert used and used <= names and not any(re.fullmatch(r"[VK]\d{5}", u) for u in used)
    # the document number sits in 备注 (the text's tail), never in the prose of 摘要
    assert not any(find_in(qinghe, lines["summary"]))


def find_in(src: Sources, text: pd.Series) -> list:
    from simulator_files import find_documents

    return [d for d in find_documents(text.drop_duplicates(), src.style) if d]


def test_qinghe_every_document_is_posted_correctly_unless_planted(qinghe):
    books = correct_books(qinghe)
    v = gl_vouchers(qinghe, books)
    ok = posted_correctly(books, v)
    wrong, planted = set(ok.index[~ok]), set(finance_docs(qinghe)["document_no"])
    assert wrong == planted and len(planted) > 20
    assert ok.sum() > 1500
    assert voucher_violations(qinghe) == []
    stray_truth(qinghe, qinghe.planted("bad_row").query("system == 'finance'"))


def test_clean_world_plants_nothing(clean):
    """No planted anomaly and no bad row: an empty answer key, and every document posted
    exactly once and correctly."""
    assert clean.truth.empty
    assert clean.gl.stray.empty
    books = correct_books(clean)
    v = gl_vouchers(clean, books)
    ok = posted_correctly(books, v)
    assert ok.all() and len(ok) > 1500
    assert voucher_violations(clean) == []
    # every control-account voucher names its document; parties carry the ERP's codes
    controls = set(pd.read_csv(src_seed(clean, "control_accounts"), dtype=str)["account_code"])
    lines = clean.gl.lines
    on_control = set(lines.loc[lines["account"].isin(controls), "voucher_id"])
    assert all(v.table.at[x, "docs"] for x in on_control)
    codes = set(clean.erp["suppliers"]["supplier_code"]) | set(clean.erp["customers"]["customer_code"])
    assert ((set(lines["supplier"]) | set(lines["customer"])) - {""}) <= codes
    assert set(clean.parties["编码"]) <= codes and (clean.parties["税号"] != "").all()
    # no malformed source rows, no VAT invoice claimed twice
    for table, col in (("goods_receipts", "receipt_date"), ("customer_invoices", "invoice_date")):
        assert pd.to_datetime(clean.erp[table][col], format="%Y-%m-%d", errors="coerce").notna().all()
    assert (milli(clean.erp["purchase_order_lines"]["quantity"]) > 0).all()
    assert clean.erp["customer_invoices"]["currency"].isin(["CNY", "USD", "EUR"]).all()
    assert clean.exp["expense_claims"]["claim_id"].notna().all()
    assert (clean.exp["expense_claim_lines"].groupby("invoice_id")["claim_id"].nunique() == 1).all()
    assert (
        total_violations(clean) == [] and claim_violations(clean) == [] and allocation_violations(clean) == []
    )
