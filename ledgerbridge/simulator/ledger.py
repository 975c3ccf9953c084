"""The correct posting of every business event, computed from the documents themselves.

This is how the simulated finance team books each document (企业会计准则, general VAT
taxpayer; ``docs/reconciliation.md`` has a worked example per type). It is written
independently of the product's posting rules, in NumPy over the documents, so the
product's proposals and subledger balances can be checked against it.

| event | debit | credit |
|---|---|---|
| GR | inventory by material group (receipt value) | 220202 GR/IR |
| PINV goods | 220202 (receipt value cleared); price difference (D or C); 22210101 | 220201 gross |
| PINV service | expense by type × department function; 22210101 | 220201 gross |
| PAY | 220201 carrying amount settled; 1123 unallocated; 660303 fee; 660304 FX loss | bank |
| DN | 6401 cost | 1405 |
| SINV | 1122 gross | 6001 net; 22210108 tax |
| REC | bank (amount − fee); 660303 fee | 1122 carrying amount; 2203 unallocated; 660304 FX gain |
| EC_APPROVE | expense per line net of deductible VAT; 22210101 | 1221 advance offset; 2241 payable |
| CPAY | 2241 per claim | bank |
| ADV | 1221 | bank |

A cancelled invoice is reversed by a mirror voucher (红字: same sides, negated amounts).
Amounts are int64 cents; ``amount_base`` in the org's base currency, ``amount_original``
in the line's currency (base-only lines — FX — carry the base currency).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.expenses import ExpenseSystem
from ledgerbridge.simulator.master import BANK_BY_CURRENCY, BASE_OF, EXPENSE_ACCOUNT_SUFFIX, MasterData
from ledgerbridge.simulator.money import convert
from ledgerbridge.simulator.trade import Purchasing, Sales

INVENTORY_BY_GROUP = {"RAW": "1403", "GOODS": "1405"}
BANK_ACCOUNT = {c: a for c, (_, a) in BANK_BY_CURRENCY.items()}
LEG_COLUMNS = [
    "event_id",
    "account_code",
    "side",
    "amount_base",
    "amount_original",
    "currency",
    "rate_micro",
    "supplier_code",
    "customer_code",
    "employee_code",
    "dept_code",
    "leg_order",
]
SUPPLIER_ACCOUNTS = ("220201", "220202", "1123")
CUSTOMER_ACCOUNTS = ("1122", "2203")
EMPLOYEE_ACCOUNTS = ("2241", "1221")


def expense_account(function: np.ndarray, expense_type: np.ndarray) -> np.ndarray:
    """6601xx for sales departments, 6602xx otherwise, by expense type."""
    prefix = np.where(np.asarray(function) == "SALES", "6601", "6602")
    suffix = pd.Series(np.asarray(expense_type, dtype=object)).map(EXPENSE_ACCOUNT_SUFFIX).to_numpy()
    return np.char.add(prefix.astype(str), suffix.astype(str)).astype(object)


def _leg(key: np.ndarray, account, side, base, orig, currency, rate, order: int, **dims) -> pd.DataFrame:
    n = len(key)
    full = lambda v: np.full(n, v, dtype=object) if np.ndim(v) == 0 else np.asarray(v)  # noqa: E731
    return pd.DataFrame(
        {
            "doc_key": key,
            "account_code": full(account),
            "side": full(side),
            "amount_base": np.asarray(base, np.int64),
            "amount_original": np.asarray(orig, np.int64),
            "currency": full(currency),
            "rate_micro": np.asarray(rate, np.int64) if np.ndim(rate) else np.full(n, rate, np.int64),
            "supplier_code": full(dims.get("supplier")),
            "customer_code": full(dims.get("customer")),
            "employee_code": full(dims.get("employee")),
            "dept_code": full(dims.get("dept")),
            "leg_order": order,
        }
    )


def _signed_leg(key, account, signed_base, signed_orig, currency, rate, order, **dims) -> pd.DataFrame:
    """A leg whose side follows the sign of a debit-positive amount (price differences, FX)."""
    side = np.where(np.asarray(signed_base) >= 0, "D", "C")
    flip = np.where(side == "D", 1, -1)
    return _leg(
        key,
        account,
        side,
        np.asarray(signed_base) * flip,
        np.asarray(signed_orig) * flip,
        currency,
        rate,
        order,
        **dims,
    )


def _receipt_legs(p: Purchasing) -> pd.DataFrame:
    r, rl = p.receipts, p.receipt_lines
    inv = rl.groupby(["receipt_idx", "material_group"], as_index=False)[["net", "net_base"]].sum()
    h = r.loc[inv["receipt_idx"]]
    legs = [
        _leg(
            inv["receipt_idx"].to_numpy(),
            inv["material_group"].map(INVENTORY_BY_GROUP).to_numpy(),
            "D",
            inv["net_base"],
            inv["net"],
            h["currency"].to_numpy(),
            h["rate_micro"].to_numpy(),
            0,
        ),
        _leg(
            np.arange(len(r)),
            "220202",
            "C",
            r["net_base"],
            r["net"],
            r["currency"].to_numpy(),
            r["rate_micro"].to_numpy(),
            1,
            supplier=r["party_code"].to_numpy(),
        ),
    ]
    return pd.concat(legs, ignore_index=True)


def _purchase_invoice_legs(p: Purchasing, master: MasterData) -> pd.DataFrame:
    inv, ln = p.invoices, p.invoice_lines
    goods = ln[ln["receipt_idx"].to_numpy() >= 0].copy()
    rl = p.receipt_lines.set_index(["receipt_idx", "line_no"])
    gr = rl.loc[pd.MultiIndex.from_arrays([goods["receipt_idx"], goods["receipt_line_no"]])]
    # the receipt's document-currency value cleared, pro rata as the base value
    from ledgerbridge.simulator.settlement import prorate

    order = goods.assign(
        day=inv["day"].to_numpy()[goods["invoice_idx"]],
        rkey=goods["receipt_idx"].astype(str) + "/" + goods["receipt_line_no"].astype(str),
    )
    order = order.sort_values(["rkey", "day", "invoice_idx"], kind="stable")
    cum = order.groupby("rkey")["quantity"].cumsum().to_numpy()
    g2 = rl.loc[pd.MultiIndex.from_arrays([order["receipt_idx"], order["receipt_line_no"]])]
    cleared_orig = prorate(g2["net"].to_numpy(), cum, g2["quantity"].to_numpy()) - prorate(
        g2["net"].to_numpy(), cum - order["quantity"].to_numpy(), g2["quantity"].to_numpy()
    )
    goods.loc[order.index, "cleared_orig"] = cleared_orig
    goods["cleared_orig"] = goods["cleared_orig"].astype(np.int64)
    _ = gr
    i = goods["invoice_idx"].to_numpy()
    cur, rate = inv["currency"].to_numpy()[i], inv["rate_micro"].to_numpy()[i]
    sup = inv["party_code"].to_numpy()
    by_inv = goods.groupby("invoice_idx", as_index=False)[["cleared_base", "cleared_orig"]].sum()
    pd_ = goods.assign(
        diff_base=goods["net_base"] - goods["cleared_base"], diff_orig=goods["net"] - goods["cleared_orig"]
    )
    pdiff = pd_.groupby(["invoice_idx", "material_group"], as_index=False)[["diff_base", "diff_orig"]].sum()
    pdiff = pdiff[(pdiff["diff_base"] != 0) | (pdiff["diff_orig"] != 0)]
    gi, pi = by_inv["invoice_idx"].to_numpy(), pdiff["invoice_idx"].to_numpy()
    service = ln[ln["receipt_idx"].to_numpy() < 0]
    dept_fn = master.departments.set_index("dept_code")["function"]
    service = service.assign(
        account=expense_account(
            service["dept_code"].map(dept_fn).to_numpy(), service["expense_type"].to_numpy()
        )
    )
    sx = service.groupby(["invoice_idx", "account", "dept_code"], as_index=False)[["net", "net_base"]].sum()
    si = sx["invoice_idx"].to_numpy()
    all_i = np.arange(len(inv))
    taxed = inv["tax"].to_numpy() != 0
    _ = cur, rate
    legs = [
        _leg(
            gi,
            "220202",
            "D",
            by_inv["cleared_base"],
            by_inv["cleared_orig"],
            inv["currency"].to_numpy()[gi],
            inv["rate_micro"].to_numpy()[gi],
            0,
            supplier=sup[gi],
        ),
        _signed_leg(
            pi,
            pdiff["material_group"].map(INVENTORY_BY_GROUP).to_numpy(),
            pdiff["diff_base"],
            pdiff["diff_orig"],
            inv["currency"].to_numpy()[pi],
            inv["rate_micro"].to_numpy()[pi],
            1,
        ),
        _leg(
            si,
            sx["account"].to_numpy(),
            "D",
            sx["net_base"],
            sx["net"],
            inv["currency"].to_numpy()[si],
            inv["rate_micro"].to_numpy()[si],
            2,
            dept=sx["dept_code"].to_numpy(),
        ),
        _leg(
            all_i[taxed],
            "22210101",
            "D",
            inv["tax_base"].to_numpy()[taxed],
            inv["tax"].to_numpy()[taxed],
            inv["currency"].to_numpy()[taxed],
            inv["rate_micro"].to_numpy()[taxed],
            3,
        ),
        _leg(
            all_i,
            "220201",
            "C",
            inv["gross_base"],
            inv["gross"],
            inv["currency"].to_numpy(),
            inv["rate_micro"].to_numpy(),
            4,
            supplier=sup,
        ),
    ]
    return pd.concat(legs, ignore_index=True)


def settlement_amounts(h: pd.DataFrame, alloc: pd.DataFrame, paying: bool) -> pd.DataFrame:
    """Per settlement: allocated, carrying, prepayment, fee, bank and realized FX (cents).

    Paying out, the bank is credited with the amount plus the fee; receiving, the bank
    is debited with the amount less the fee. FX is what balances the voucher: the bank
    side at today's rate against the invoices' carrying amounts (debit-positive: a loss
    when paying, a gain when receiving shows as negative)."""
    n = len(h)
    allocated = np.bincount(alloc["settle_idx"], weights=alloc["amount"], minlength=n).astype(np.int64)
    carrying = np.bincount(alloc["settle_idx"], weights=alloc["carrying_base"], minlength=n).astype(np.int64)
    rate = h["rate_micro"].to_numpy()
    amount, fee = h["amount"].to_numpy(), h["fee"].to_numpy()
    prepay = amount - allocated
    prepay_base = convert(prepay, rate)
    fee_base = convert(fee, rate)
    bank_orig = amount + fee if paying else amount - fee
    bank_base = convert(bank_orig, rate)
    fx = (
        bank_base - fee_base - prepay_base - carrying
        if paying
        else -(bank_base + fee_base - prepay_base - carrying)
    )
    return pd.DataFrame(
        {
            "allocated": allocated,
            "carrying": carrying,
            "prepay": prepay,
            "prepay_base": prepay_base,
            "fee_base": fee_base,
            "bank_orig": bank_orig,
            "bank_base": bank_base,
            "fx": fx,
        }
    )


def _settlement_legs(h: pd.DataFrame, alloc: pd.DataFrame, paying: bool) -> pd.DataFrame:
    a = settlement_amounts(h, alloc, paying)
    k = np.arange(len(h))
    cur, rate, party = h["currency"].to_numpy(), h["rate_micro"].to_numpy(), h["party_code"].to_numpy()
    base_cur = h["org_code"].map(BASE_OF).to_numpy()
    bank = pd.Series(cur).map(BANK_ACCOUNT).to_numpy()
    control, prepay_acct = ("220201", "1123") if paying else ("1122", "2203")
    dims = {"supplier": party} if paying else {"customer": party}
    ctrl_side, bank_side = ("D", "C") if paying else ("C", "D")
    has_alloc, has_prepay, has_fee, has_fx = (
        (a["allocated"] != 0),
        (a["prepay"] != 0),
        (a["fee_base"] != 0),
        (a["fx"] != 0),
    )
    sel = lambda m: np.flatnonzero(m.to_numpy())  # noqa: E731
    legs = [
        _leg(
            k[sel(has_alloc)],
            control,
            ctrl_side,
            a["carrying"][has_alloc],
            a["allocated"][has_alloc],
            cur[sel(has_alloc)],
            rate[sel(has_alloc)],
            0,
            **{kk: v[sel(has_alloc)] for kk, v in dims.items()},
        ),
        _leg(
            k[sel(has_prepay)],
            prepay_acct,
            ctrl_side,
            a["prepay_base"][has_prepay],
            a["prepay"][has_prepay],
            cur[sel(has_prepay)],
            rate[sel(has_prepay)],
            1,
            **{kk: v[sel(has_prepay)] for kk, v in dims.items()},
        ),
        _leg(
            k[sel(has_fee)],
            "660303",
            "D",
            a["fee_base"][has_fee],
            h["fee"].to_numpy()[sel(has_fee)],
            cur[sel(has_fee)],
            rate[sel(has_fee)],
            2,
        ),
        _signed_leg(
            k[sel(has_fx)], "660304", a["fx"][has_fx], a["fx"][has_fx], base_cur[sel(has_fx)], 1_000_000, 3
        ),
        _leg(k, bank, bank_side, a["bank_base"], a["bank_orig"], cur, rate, 4),
    ]
    return pd.concat(legs, ignore_index=True)


def _delivery_legs(s: Sales) -> pd.DataFrame:
    d = s.deliveries
    k = np.arange(len(d))
    base = d["org_code"].map(BASE_OF).to_numpy()
    return pd.concat(
        [
            _leg(k, "6401", "D", d["cost_base"], d["cost_base"], base, 1_000_000, 0),
            _leg(k, "1405", "C", d["cost_base"], d["cost_base"], base, 1_000_000, 1),
        ],
        ignore_index=True,
    )


def _sales_invoice_legs(s: Sales) -> pd.DataFrame:
    inv = s.invoices
    k = np.arange(len(inv))
    cur, rate = inv["currency"].to_numpy(), inv["rate_micro"].to_numpy()
    taxed = inv["tax"].to_numpy() != 0
    return pd.concat(
        [
            _leg(
                k,
                "1122",
                "D",
                inv["gross_base"],
                inv["gross"],
                cur,
                rate,
                0,
                customer=inv["party_code"].to_numpy(),
            ),
            # revenue carries the customer, so the group view can eliminate sales between its orgs
            _leg(
                k,
                "6001",
                "C",
                inv["net_base"],
                inv["net"],
                cur,
                rate,
                1,
                customer=inv["party_code"].to_numpy(),
            ),
            _leg(
                k[taxed],
                "22210108",
                "C",
                inv["tax_base"].to_numpy()[taxed],
                inv["tax"].to_numpy()[taxed],
                cur[taxed],
                rate[taxed],
                2,
            ),
        ],
        ignore_index=True,
    )


def _claim_legs(x: ExpenseSystem, master: MasterData) -> pd.DataFrame:
    c, ln = x.claims, x.lines
    dept_fn = master.departments.set_index("dept_code")["function"]
    emp = c["employee_code"].to_numpy()
    dept = c["dept_code"].to_numpy()
    li = ln["claim_idx"].to_numpy()
    acct = expense_account(pd.Series(dept[li]).map(dept_fn).to_numpy(), ln["expense_type"].to_numpy())
    ex = pd.DataFrame({"claim_idx": li, "account": acct, "net": ln["amount"] - ln["deductible_tax"]})
    ex = ex.groupby(["claim_idx", "account"], as_index=False)["net"].sum()
    ei = ex["claim_idx"].to_numpy()
    k = np.arange(len(c))
    cur = c["currency"].to_numpy()
    tax, off, pay = c["deductible_tax"].to_numpy(), c["advance_offset"].to_numpy(), c["payable"].to_numpy()
    return pd.concat(
        [
            _leg(
                ei,
                ex["account"].to_numpy(),
                "D",
                ex["net"],
                ex["net"],
                cur[ei],
                1_000_000,
                0,
                employee=emp[ei],
                dept=dept[ei],
            ),
            _leg(k[tax != 0], "22210101", "D", tax[tax != 0], tax[tax != 0], cur[tax != 0], 1_000_000, 1),
            _leg(
                k[off != 0],
                "1221",
                "C",
                off[off != 0],
                off[off != 0],
                cur[off != 0],
                1_000_000,
                2,
                employee=emp[off != 0],
            ),
            _leg(
                k[pay != 0],
                "2241",
                "C",
                pay[pay != 0],
                pay[pay != 0],
                cur[pay != 0],
                1_000_000,
                3,
                employee=emp[pay != 0],
            ),
        ],
        ignore_index=True,
    )


def _claim_payment_legs(x: ExpenseSystem) -> pd.DataFrame:
    p, pl = x.payments, x.payment_lines
    emp = x.claims["employee_code"].to_numpy()[pl["claim_idx"].to_numpy()]
    per = pd.DataFrame({"payment_idx": pl["payment_idx"], "employee": emp, "amount": pl["amount"]})
    per = per.groupby(["payment_idx", "employee"], as_index=False)["amount"].sum()
    k = np.arange(len(p))
    cur = p["currency"].to_numpy()
    return pd.concat(
        [
            _leg(
                per["payment_idx"].to_numpy(),
                "2241",
                "D",
                per["amount"],
                per["amount"],
                cur[per["payment_idx"].to_numpy()],
                1_000_000,
                0,
                employee=per["employee"].to_numpy(),
            ),
            _leg(
                k,
                pd.Series(cur).map(BANK_ACCOUNT).to_numpy(),
                "C",
                p["amount"],
                p["amount"],
                cur,
                1_000_000,
                1,
            ),
        ],
        ignore_index=True,
    )


def _advance_legs(x: ExpenseSystem) -> pd.DataFrame:
    a = x.advances
    k = np.arange(len(a))
    cur = a["currency"].to_numpy()
    return pd.concat(
        [
            _leg(
                k,
                "1221",
                "D",
                a["amount"],
                a["amount"],
                cur,
                1_000_000,
                0,
                employee=a["employee_code"].to_numpy(),
            ),
            _leg(
                k,
                pd.Series(cur).map(BANK_ACCOUNT).to_numpy(),
                "C",
                a["amount"],
                a["amount"],
                cur,
                1_000_000,
                1,
            ),
        ],
        ignore_index=True,
    )


def correct_legs(
    events: pd.DataFrame, p: Purchasing, s: Sales, x: ExpenseSystem, master: MasterData
) -> pd.DataFrame:
    """Every event's correct voucher legs (LEG_COLUMNS), reversals mirrored with negated amounts."""
    by_type = {
        "GR": _receipt_legs(p),
        "PINV": _purchase_invoice_legs(p, master),
        "PAY": _settlement_legs(p.payments.headers, p.payments.allocations, paying=True),
        "DN": _delivery_legs(s),
        "SINV": _sales_invoice_legs(s),
        "REC": _settlement_legs(s.receipts.headers, s.receipts.allocations, paying=False),
        "EC_APPROVE": _claim_legs(x, master),
        "CPAY": _claim_payment_legs(x),
        "ADV": _advance_legs(x),
    }
    frames = []
    for etype, legs in by_type.items():
        ev = events[events["event_type"] == etype][["event_id", "doc_idx", "is_reversal"]]
        joined = ev.merge(legs, left_on="doc_idx", right_on="doc_key")
        sign = np.where(joined["is_reversal"].to_numpy(), -1, 1)
        joined["amount_base"] = joined["amount_base"] * sign
        joined["amount_original"] = joined["amount_original"] * sign
        frames.append(joined)
    out = pd.concat(frames, ignore_index=True)
    out = out[(out["amount_base"] != 0) | (out["amount_original"] != 0)]
    return (
        out[LEG_COLUMNS]
        .sort_values(["event_id", "leg_order", "account_code"], kind="stable")
        .reset_index(drop=True)
    )


__all__ = [
    "BANK_ACCOUNT",
    "INVENTORY_BY_GROUP",
    "LEG_COLUMNS",
    "correct_legs",
    "expense_account",
    "settlement_amounts",
]
