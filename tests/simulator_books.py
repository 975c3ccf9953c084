"""The correct voucher of every business document, recomputed from the WRITTEN source rows.

A second route to the simulator's ledger: written here from the posting practice
(企业会计准则, general VAT taxpayer; 2019 公告第39号 for travel VAT), in plain Python and
pandas over the ERP and expense rows read back from their files, with its own account roles
(looked up by the chart's English names, so every house style's sub-codes resolve) and its own
deduction rules. Nothing here imports the simulator's ledger.

| document | debit | credit |
|---|---|---|
| goods receipt | inventory by material group, Σ line value at the receipt-date rate | GR/IR |
| goods invoice | GR/IR at the receipt value cleared (1); price difference to stock; input VAT | AP gross |
| service invoice | expense by type × department function; input VAT | AP gross |
| payment | AP at the carrying amount settled (2); prepayment; fee; FX loss | bank (amount + fee) |
| receipt | bank (amount − fee); fee; FX loss | AR at carrying amount; customer advance; FX gain |
| delivery | cost of sales | finished goods |
| customer invoice | AR gross | revenue; output VAT |
| expense claim | expense net of deductible VAT; input VAT | advance offset; other payables |
| claim payment | other payables, per employee | bank |
| advance | other receivables | bank |

(1) the receipt line's value pro rata of the quantity invoiced, cumulatively in invoice date order.
(2) the invoice's booked gross pro rata of what is allocated, cumulatively in settlement date order.

A cancelled invoice is reversed on its cancellation day by the same voucher with negated amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from simulator_files import Sources, cents, convert, milli, prorate, round_half_away

from ledgerbridge.simulator.events import SOURCE_OF_EVENT

#: account roles by the chart's English names
ROLE = {
    "RAW": "Raw materials",
    "GOODS": "Finished goods",
    "GRIR": "AP - goods received not invoiced",
    "AP": "AP - suppliers",
    "PREPAYMENT": "Prepayments",
    "AR": "Accounts receivable",
    "CUSTOMER_ADVANCE": "Customer advances",
    "INPUT_VAT": "VAT - input tax",
    "OUTPUT_VAT": "VAT - output tax",
    "REVENUE": "Revenue",
    "COGS": "Cost of sales",
    "FEE": "Finance - bank fees",
    "FX": "Finance - FX gains and losses",
    "ADVANCE": "Other receivables",
    "EMPLOYEE_PAYABLE": "Other payables",
    "BANK_CNY": "Bank - CNY account",
    "BANK_USD": "Bank - USD account",
    "BANK_EUR": "Bank - EUR account",
}
#: expense type -> the expense sub-account's English name (after "Selling - " / "Admin - ")
EXPENSE_NAME = {
    "TRAVEL_AIR": "travel",
    "TRAVEL_RAIL": "travel",
    "TRAVEL_ROAD": "travel",
    "HOTEL": "travel",
    "MEALS": "entertainment",
    "ENTERTAINMENT": "entertainment",
    "OFFICE": "office",
    "TELECOM": "telecom",
    "CONSULTING": "consulting",
    "ADVERTISING": "advertising",
    "FREIGHT": "freight",
    "RENT": "rent",
}
NOT_DEDUCTIBLE = {"MEALS", "ENTERTAINMENT"}  # consumption: input VAT never deductible
LEG = [
    "doc_type",
    "doc_no",
    "event",
    "org",
    "date",
    "account",
    "side",
    "base",
    "orig",
    "currency",
    "rate_micro",
]
POSTED = ("approved", "cancelled", "paid")


@dataclass
class Books:
    """Correct legs per (document, event) and the posted documents."""

    legs: pd.DataFrame  # LEG columns; event 'post' or 'reverse'
    docs: pd.DataFrame  # doc_type, doc_no, org, date, status, cancel_date, party
    deductible: pd.DataFrame  # claim lines with their deductible VAT (claim_id, line_no, deductible)


def deductible_vat(lines: pd.DataFrame, stated_tax: np.ndarray) -> np.ndarray:
    """Deductible input VAT per claim line (2019 公告第39号): special invoice: the stated tax;
    air itinerary: (fare + fuel surcharge) ÷ 1.09 × 9 % (the civil aviation fund is not
    deductible); rail ÷ 1.09 × 9 %; road ÷ 1.03 × 3 %; meals and entertainment, ordinary
    invoices and receipts: none."""
    it = lines["invoice_type"].to_numpy()
    amount = cents(lines["amount"])
    fare_fuel = cents(lines["fare_amount"]) + cents(lines["fuel_surcharge"])
    tax = np.select(
        [it == "special", it == "e_ticket_air", it == "e_ticket_rail", it == "e_ticket_road"],
        [
            stated_tax,
            round_half_away(fare_fuel * 9, 109),
            round_half_away(amount * 9, 109),
            round_half_away(amount * 3, 103),
        ],
        0,
    )
    return np.where(lines["expense_type"].isin(NOT_DEDUCTIBLE).to_numpy(), 0, tax).astype(np.int64)


class _Builder:
    def __init__(self, src: Sources):
        self.src = src
        chart = src.chart
        by_en = dict(zip(chart["英文名称"], chart["科目代码"], strict=True))
        self.account = {role: by_en[name] for role, name in ROLE.items()}
        self.by_en = by_en
        orgs = src.erp["orgs"]
        self.base = dict(zip(orgs["org_code"], orgs["base_currency"], strict=True))
        self.frames: list[pd.DataFrame] = []
        self.docs: list[pd.DataFrame] = []
        bad = src.planted("bad_row")
        self.bad = {s: set(g["record_key"]) for s, g in bad.groupby("source")}

    def rate(self, dates, currencies, orgs) -> np.ndarray:
        """The daily rate of the document currency into the org's base currency (1 if equal)."""
        out = []
        for d, c, o in zip(dates, currencies, orgs, strict=True):
            b = self.base[o]
            out.append(1_000_000 if c == b else self.src.rates[(d, c, b)])
        return np.array(out, dtype=np.int64)

    def expense_account(self, function, expense_type) -> np.ndarray:
        prefix = np.where(np.asarray(function) == "SALES", "Selling - ", "Admin - ")
        names = [p + EXPENSE_NAME[t] for p, t in zip(prefix, expense_type, strict=True)]
        return np.array([self.by_en[n] for n in names], dtype=object)

    def leg(
        self, doc_type: str, df: pd.DataFrame, account, side, base, orig, currency=None, rate=None
    ) -> None:
        """Legs of the documents in ``df`` (doc_no, org, date, currency, rate_micro columns)."""
        n = len(df)
        if n == 0:
            return
        full = lambda v: np.full(n, v, dtype=object) if np.ndim(v) == 0 else np.asarray(v)  # noqa: E731
        self.frames.append(
            pd.DataFrame(
                {
                    "doc_type": doc_type,
                    "doc_no": df["doc_no"].to_numpy(),
                    "event": "post",
                    "org": df["org"].to_numpy(),
                    "date": df["date"].to_numpy(),
                    "account": full(account),
                    "side": full(side),
                    "base": np.asarray(base, dtype=np.int64),
                    "orig": np.asarray(orig, dtype=np.int64),
                    "currency": full(df["currency"].to_numpy() if currency is None else currency),
                    "rate_micro": np.asarray(
                        df["rate_micro"] if rate is None else full(rate), dtype=np.int64
                    ),
                }
            )
        )

    def signed_leg(self, doc_type, df, account, signed_base, signed_orig, **kw) -> None:
        """A leg whose side follows the sign of a debit-positive base amount."""
        signed_base, signed_orig = np.asarray(signed_base), np.asarray(signed_orig)
        flip = np.where(signed_base >= 0, 1, -1)
        self.leg(
            doc_type, df, account, np.where(flip > 0, "D", "C"), signed_base * flip, signed_orig * flip, **kw
        )

    def document(
        self, doc_type: str, df: pd.DataFrame, no: str, date: str, party: str | None, status: str = "status"
    ) -> pd.DataFrame:
        """Posted documents of one type (bad rows left out) with doc_no, org, date, currency."""
        df = df[~df[no].isin(self.bad.get(_table_of(doc_type), set())) & df[no].notna()]
        df = df[df[status].isin(POSTED)].copy()
        df["doc_no"], df["org"], df["date"] = df[no], df["org_code"], df[date]
        self.docs.append(
            pd.DataFrame(
                {
                    "doc_type": doc_type,
                    "doc_no": df["doc_no"],
                    "org": df["org"],
                    "date": df["date"],
                    "status": df[status],
                    "cancel_date": np.where(
                        df[status] == "cancelled", df["updated_at"].astype(str).str[:10], ""
                    ),
                    "party": df[party] if party else "",
                    "currency": df["currency"],
                }
            )
        )
        return df


def _table_of(doc_type: str) -> str:
    """The table a document type lives in (the answer key's ``source``)."""
    return SOURCE_OF_EVENT["EC_APPROVE" if doc_type == "EC" else doc_type]


def _sum(df: pd.DataFrame, by, cols) -> pd.DataFrame:
    return df.groupby(by, as_index=False, sort=False)[cols].sum()


def _purchasing(b: _Builder) -> pd.DataFrame:
    """Receipts and supplier invoices; returns the invoices' booked values (for settlements)."""
    erp = b.src.erp
    acc = b.account
    gr = b.document("GR", erp["goods_receipts"], "gr_no", "receipt_date", "supplier_code")
    grl_all = erp["goods_receipt_lines"].merge(
        erp["goods_receipts"][["gr_no", "org_code", "receipt_date", "currency"]], on="gr_no"
    )
    grl_all["rate_micro"] = b.rate(grl_all["receipt_date"], grl_all["currency"], grl_all["org_code"])
    grl_all["net"] = cents(grl_all["net_amount"])
    grl_all["net_base"] = convert(grl_all["net"], grl_all["rate_micro"])
    grl_all["qty"] = milli(grl_all["quantity"])
    grl = grl_all[grl_all["gr_no"].isin(gr["doc_no"])].rename(columns={"gr_no": "doc_no"})
    grl = grl.assign(org=grl["org_code"], date=grl["receipt_date"])
    inv = _sum(
        grl, ["doc_no", "org", "date", "currency", "rate_micro", "material_group"], ["net", "net_base"]
    )
    b.leg("GR", inv, inv["material_group"].map(acc), "D", inv["net_base"], inv["net"])
    head = _sum(grl, ["doc_no", "org", "date", "currency", "rate_micro"], ["net", "net_base"])
    b.leg("GR", head, acc["GRIR"], "C", head["net_base"], head["net"])

    si_all = erp["supplier_invoices"]
    si = b.document("PINV", si_all, "invoice_no", "invoice_date", "supplier_code")
    lines = erp["supplier_invoice_lines"].merge(
        si_all[["invoice_no", "org_code", "invoice_date", "currency", "status"]], on="invoice_no"
    )
    lines["rate_micro"] = b.rate(lines["invoice_date"], lines["currency"], lines["org_code"])
    for c in ("net", "tax"):
        lines[c] = cents(lines[f"{c}_amount"])
        lines[f"{c}_base"] = convert(lines[c], lines["rate_micro"])
    lines["doc_no"], lines["org"], lines["date"] = (
        lines["invoice_no"],
        lines["org_code"],
        lines["invoice_date"],
    )
    # the receipt value each goods line clears: cumulative over the receipt line's invoices in
    # date order (cancelled ones too: their reversal un-clears the same value)
    goods = lines[lines["gr_no"].notna()].merge(
        grl_all[["gr_no", "line_no", "qty", "net", "net_base", "material_group"]].rename(
            columns={"line_no": "gr_line_no", "qty": "received", "net": "r_net", "net_base": "r_base"}
        ),
        on=["gr_no", "gr_line_no"],
        how="left",
    )
    goods["qty"] = milli(goods["quantity"])
    goods = goods.sort_values(["gr_no", "gr_line_no", "invoice_date", "invoice_no"], kind="stable")
    cum = goods.groupby(["gr_no", "gr_line_no"])["qty"].cumsum().to_numpy()
    q, rq = goods["qty"].to_numpy(), goods["received"].to_numpy()
    goods["cleared_base"] = prorate(goods["r_base"], cum, rq) - prorate(goods["r_base"], cum - q, rq)
    goods["cleared"] = prorate(goods["r_net"], cum, rq) - prorate(goods["r_net"], cum - q, rq)
    goods = goods[goods["invoice_no"].isin(si["doc_no"])]
    keys = ["doc_no", "org", "date", "currency", "rate_micro"]
    cleared = _sum(goods, keys, ["cleared_base", "cleared"])
    b.leg("PINV", cleared, acc["GRIR"], "D", cleared["cleared_base"], cleared["cleared"])
    goods = goods.assign(
        diff_base=goods["net_base"] - goods["cleared_base"], diff=goods["net"] - goods["cleared"]
    )
    diff = _sum(goods, [*keys, "material_group"], ["diff_base", "diff"])
    diff = diff[(diff["diff_base"] != 0) | (diff["diff"] != 0)]
    b.signed_leg("PINV", diff, diff["material_group"].map(acc), diff["diff_base"], diff["diff"])
    service = lines[lines["gr_no"].isna() & lines["invoice_no"].isin(si["doc_no"])]
    function = service["dept_code"].map(_dept_function(b.src))
    service = service.assign(account=b.expense_account(function, service["expense_type"]))
    sx = _sum(service, [*keys, "account", "dept_code"], ["net", "net_base"])
    b.leg("PINV", sx, sx["account"], "D", sx["net_base"], sx["net"])
    posted = lines[lines["invoice_no"].isin(si["doc_no"])]
    head = _sum(posted, keys, ["net", "tax", "net_base", "tax_base"])
    taxed = head[head["tax"] != 0]
    b.leg("PINV", taxed, acc["INPUT_VAT"], "D", taxed["tax_base"], taxed["tax"])
    b.leg("PINV", head, acc["AP"], "C", head["net_base"] + head["tax_base"], head["net"] + head["tax"])
    booked = _sum(lines, ["invoice_no"], ["net", "tax", "net_base", "tax_base"])
    return pd.DataFrame(
        {
            "invoice_no": booked["invoice_no"],
            "gross": booked["net"] + booked["tax"],
            "gross_base": booked["net_base"] + booked["tax_base"],
        }
    )


def _dept_function(src: Sources) -> dict[str, str]:
    d = src.exp["departments"]
    return dict(zip(d["dept_code"], d["function"], strict=True))


def _sales(b: _Builder) -> pd.DataFrame:
    """Deliveries and customer invoices; returns the invoices' booked values."""
    erp, acc = b.src.erp, b.account
    dn = b.document("DN", erp["deliveries"], "delivery_no", "delivery_date", "customer_code")
    dn["cost"] = cents(dn["cost_amount"])
    base_cur = dn["org"].map(b.base).to_numpy()
    b.leg("DN", dn, acc["COGS"], "D", dn["cost"], dn["cost"], currency=base_cur, rate=1_000_000)
    b.leg("DN", dn, acc["GOODS"], "C", dn["cost"], dn["cost"], currency=base_cur, rate=1_000_000)

    ci_all = erp["customer_invoices"]
    ci_all = ci_all[ci_all["currency"].isin(list(set(b.base.values()) | {"EUR"}))].copy()  # bad rows: XYZ
    ci_all["rate_micro"] = b.rate(ci_all["invoice_date"], ci_all["currency"], ci_all["org_code"])
    for c in ("net", "tax"):
        ci_all[c] = cents(ci_all[f"{c}_amount"])
        ci_all[f"{c}_base"] = convert(ci_all[c], ci_all["rate_micro"])
    ci = b.document("SINV", ci_all, "invoice_no", "invoice_date", "customer_code")
    b.leg("SINV", ci, acc["AR"], "D", ci["net_base"] + ci["tax_base"], ci["net"] + ci["tax"])
    b.leg("SINV", ci, acc["REVENUE"], "C", ci["net_base"], ci["net"])
    taxed = ci[ci["tax"] != 0]
    b.leg("SINV", taxed, acc["OUTPUT_VAT"], "C", taxed["tax_base"], taxed["tax"])
    return pd.DataFrame(
        {
            "invoice_no": ci_all["invoice_no"],
            "gross": ci_all["net"] + ci_all["tax"],
            "gross_base": ci_all["net_base"] + ci_all["tax_base"],
        }
    )


def _settlements(b: _Builder, doc_type: str, booked: pd.DataFrame) -> None:
    """Payments (paying out) or receipts, with carrying amounts, prepayments, fees and FX."""
    paying = doc_type == "PAY"
    table, allocations, no, date, party = (
        ("supplier_payments", "supplier_payment_allocations", "payment_no", "payment_date", "supplier_code")
        if paying
        else (
            "customer_receipts",
            "customer_receipt_allocations",
            "receipt_no",
            "receipt_date",
            "customer_code",
        )
    )
    erp, acc = b.src.erp, b.account
    heads_all = erp[table]
    alloc = erp[allocations].merge(heads_all[[no, date]], on=no)
    alloc["amount_c"] = cents(alloc["amount"])
    alloc = alloc.merge(booked, on="invoice_no", how="left")
    # carrying amount: the invoice's booked gross pro rata of what is allocated, cumulatively in
    # settlement date order (the last allocation clears exactly what is left)
    alloc = alloc.sort_values(["invoice_no", date, no, "line_no"], kind="stable")
    cum = alloc.groupby("invoice_no")["amount_c"].cumsum().to_numpy()
    cum_base = prorate(alloc["gross_base"], cum, alloc["gross"])
    first = ~alloc["invoice_no"].duplicated().to_numpy()
    alloc["carrying"] = cum_base - np.where(first, 0, np.r_[0, cum_base[:-1]])
    per = alloc.groupby(no)[["amount_c", "carrying"]].sum()

    h = b.document(doc_type, heads_all, no, date, party)
    h["rate_micro"] = b.rate(h["date"], h["currency"], h["org"])
    amount, fee = cents(h["amount"]), cents(h["bank_fee"])
    allocated = per["amount_c"].reindex(h["doc_no"]).fillna(0).astype(np.int64).to_numpy()
    carrying = per["carrying"].reindex(h["doc_no"]).fillna(0).astype(np.int64).to_numpy()
    rate = h["rate_micro"].to_numpy()
    prepay = amount - allocated
    prepay_base, fee_base = convert(prepay, rate), convert(fee, rate)
    bank = amount + fee if paying else amount - fee
    bank_base = convert(bank, rate)
    fx = (
        bank_base - fee_base - prepay_base - carrying
        if paying
        else -(bank_base + fee_base - prepay_base - carrying)
    )
    control, prepay_acct = ("AP", "PREPAYMENT") if paying else ("AR", "CUSTOMER_ADVANCE")
    ctrl_side, bank_side = ("D", "C") if paying else ("C", "D")
    for mask, account, side, base, orig in (
        (allocated != 0, acc[control], ctrl_side, carrying, allocated),
        (prepay != 0, acc[prepay_acct], ctrl_side, prepay_base, prepay),
        (fee_base != 0, acc["FEE"], "D", fee_base, fee),
    ):
        b.leg(doc_type, h[mask], account, side, base[mask], orig[mask])
    m = fx != 0
    b.signed_leg(
        doc_type,
        h[m],
        acc["FX"],
        fx[m],
        fx[m],
        currency=h.loc[m, "org"].map(b.base).to_numpy(),
        rate=1_000_000,
    )
    b.leg(doc_type, h, ("BANK_" + h["currency"]).map(acc).to_numpy(), bank_side, bank_base, bank)


def _expenses(b: _Builder) -> pd.DataFrame:
    """Expense claims, claim payments and advances; returns each claim line's deductible VAT."""
    x, acc = b.src.exp, b.account
    claims_all = x["expense_claims"]
    claims = b.document("EC", claims_all, "claim_id", "approved_date", "employee_code")
    claims = claims[claims["approved_date"].notna()]
    claims["rate_micro"] = 1_000_000
    bad_lines = b.bad.get("expense_claim_lines", set())
    lines = x["expense_claim_lines"]
    lines = lines[~(lines["claim_id"] + "/" + lines["line_no"].astype(str)).isin(bad_lines)]
    vat = x["vat_invoices"].drop_duplicates("invoice_id").set_index("invoice_id")["tax_amount"]
    lines = lines.assign(stated=cents(lines["invoice_id"].map(vat)))
    lines = lines.assign(
        deductible=deductible_vat(lines, lines["stated"].to_numpy()), gross=cents(lines["amount"])
    )
    ln = lines.merge(
        claims[["doc_no", "org", "date", "currency", "rate_micro", "dept_code"]],
        left_on="claim_id",
        right_on="doc_no",
    )
    ln["account"] = b.expense_account(ln["dept_code"].map(_dept_function(b.src)), ln["expense_type"])
    ln["net"] = ln["gross"] - ln["deductible"]
    keys = ["doc_no", "org", "date", "currency", "rate_micro"]
    ex = _sum(ln, [*keys, "account"], ["net"])
    b.leg("EC", ex, ex["account"], "D", ex["net"], ex["net"])
    tax = _sum(ln, keys, ["deductible"])
    tax = tax[tax["deductible"] != 0]
    b.leg("EC", tax, acc["INPUT_VAT"], "D", tax["deductible"], tax["deductible"])
    off, pay = cents(claims["advance_offset"]), cents(claims["payable_amount"])
    b.leg("EC", claims[off != 0], acc["ADVANCE"], "C", off[off != 0], off[off != 0])
    b.leg("EC", claims[pay != 0], acc["EMPLOYEE_PAYABLE"], "C", pay[pay != 0], pay[pay != 0])

    cp = b.document("CPAY", x["claim_payments"], "payment_no", "payment_date", None)
    cp["rate_micro"] = 1_000_000
    cpl = x["claim_payment_lines"].merge(claims_all[["claim_id", "employee_code"]], on="claim_id")
    cpl = cpl.merge(
        cp[["doc_no", "org", "date", "currency", "rate_micro"]], left_on="payment_no", right_on="doc_no"
    )
    cpl["paid"] = cents(cpl["amount"])
    per = _sum(cpl, ["doc_no", "org", "date", "currency", "rate_micro", "employee_code"], ["paid"])
    b.leg("CPAY", per, acc["EMPLOYEE_PAYABLE"], "D", per["paid"], per["paid"])
    amount = cents(cp["amount"])
    b.leg("CPAY", cp, ("BANK_" + cp["currency"]).map(acc).to_numpy(), "C", amount, amount)

    adv = b.document("ADV", x["employee_advances"], "advance_no", "advance_date", "employee_code")
    adv["rate_micro"] = 1_000_000
    amount = cents(adv["amount"])
    b.leg("ADV", adv, acc["ADVANCE"], "D", amount, amount)
    b.leg("ADV", adv, ("BANK_" + adv["currency"]).map(acc).to_numpy(), "C", amount, amount)
    return lines[["claim_id", "line_no", "expense_type", "invoice_type", "gross", "stated", "deductible"]]


def correct_books(src: Sources) -> Books:
    """Every posted document's correct voucher legs, recomputed from the written rows."""
    b = _Builder(src)
    supplier_booked = _purchasing(b)
    customer_booked = _sales(b)
    _settlements(b, "PAY", supplier_booked)
    _settlements(b, "REC", customer_booked)
    deductible = _expenses(b)
    legs = pd.concat(b.frames, ignore_index=True)
    legs = legs[(legs["base"] != 0) | (legs["orig"] != 0)]
    docs = pd.concat(b.docs, ignore_index=True)
    # cancelled invoices: the reversal, on the cancellation day, negates every leg
    cancelled = docs[docs["status"] == "cancelled"].set_index("doc_no")["cancel_date"]
    rev = legs[legs["doc_no"].isin(cancelled.index)].copy()
    rev["event"], rev["date"] = "reverse", rev["doc_no"].map(cancelled)
    rev["base"], rev["orig"] = -rev["base"], -rev["orig"]
    legs = pd.concat([legs, rev], ignore_index=True)[LEG].reset_index(drop=True)
    return Books(legs, docs.reset_index(drop=True), deductible)


# --- the GL's vouchers, against the documents ------------------------------------------------------

Leg = tuple  # (account, side, base, orig, currency, rate_micro)


def leg_tuples(df: pd.DataFrame, base: str = "base") -> tuple[Leg, ...]:
    """A voucher's legs as a sorted tuple (a multiset that compares exactly)."""
    return tuple(
        sorted(
            zip(
                df["account"],
                df["side"],
                df[base].astype(int),
                df["orig"].astype(int),
                df["currency"],
                df["rate_micro"].astype(int),
                strict=True,
            )
        )
    )


def grouped_legs(df: pd.DataFrame, key, base: str = "base") -> dict:
    """``leg_tuples`` per group of ``key`` (one pass over the rows)."""
    df = df.sort_values(key, kind="stable")
    keys = (
        list(zip(*(df[k].tolist() for k in key), strict=True)) if isinstance(key, list) else df[key].tolist()
    )
    rows = list(
        zip(
            df["account"].tolist(),
            df["side"].tolist(),
            df[base].astype(int).tolist(),
            df["orig"].astype(int).tolist(),
            df["currency"].tolist(),
            df["rate_micro"].astype(int).tolist(),
            strict=True,
        )
    )
    out: dict = {}
    for k, r in zip(keys, rows, strict=True):
        out.setdefault(k, []).append(r)
    return {k: tuple(sorted(v)) for k, v in out.items()}


@dataclass
class Vouchers:
    """The GL's vouchers with the documents they name, and the correct legs per document."""

    table: pd.DataFrame  # index voucher_id: org, date, period, text, docs (tuple), legs (tuple)
    by_doc: dict[str, list[str]]  # document number -> vouchers naming it
    expected: dict[tuple[str, str], tuple[Leg, ...]]  # (doc_no, 'post'|'reverse') -> legs


def gl_vouchers(src: Sources, books: Books) -> Vouchers:
    """Group the GL's lines into vouchers and link them to the documents their texts name."""
    from simulator_files import find_documents

    lines = src.gl.lines
    first = lines.drop_duplicates("voucher_id").set_index("voucher_id")
    text = lines.groupby("voucher_id")["text"].agg(" ".join)
    found = dict(zip(text.index, find_documents(text, src.style), strict=True))
    legs = grouped_legs(lines, "voucher_id", "amount")
    table = pd.DataFrame(
        {
            "org": first["org"],
            "date": first["date"],
            "period": first["period"],
            "text": text.reindex(first.index),
            "docs": [tuple(sorted(n for _, n in found[v])) for v in first.index],
            "legs": [legs[v] for v in first.index],
        },
        index=first.index,
    )
    by_doc: dict[str, list[str]] = {}
    for v, docs in zip(table.index, table["docs"], strict=True):
        for d in docs:
            by_doc.setdefault(d, []).append(v)
    expected = grouped_legs(books.legs, ["doc_no", "event"])
    return Vouchers(table, by_doc, expected)


def posted_correctly(books: Books, v: Vouchers) -> pd.Series:
    """Per posted document: is it in the GL exactly once, on its date, with its correct legs
    (and, when cancelled, reversed exactly once on its cancellation day)?"""
    ok = []
    legs, dates = v.table["legs"].to_dict(), v.table["date"].to_dict()
    for doc, date, cancel in zip(
        books.docs["doc_no"], books.docs["date"], books.docs["cancel_date"], strict=True
    ):
        names = v.by_doc.get(doc, [])
        want = {(v.expected.get((doc, "post")), date)}
        if cancel:
            want.add((v.expected.get((doc, "reverse")), cancel))
        got = [(legs[n], dates[n]) for n in names]
        ok.append(len(got) == len(want) and set(got) == want)
    return pd.Series(ok, index=books.docs["doc_no"].to_numpy())
