"""Settlements (supplier payments, customer receipts) with their allocation lines.

One settlement may pay several open invoices of one party (a payment run), an invoice
may be paid in installments, a settlement may carry more than it allocates (the
remainder is a prepayment: 1123 for suppliers, 2203 for customers), and every
settlement carries the bank account it moved through and a bank fee.

Carrying amounts: an allocation relieves the control account at the invoice's booked
base-currency value; a partial allocation relieves the proportional share, rounded half
away from zero on the cumulative amount, so that the last allocation clears exactly what
is left (``prorate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER
from ledgerbridge.simulator.master import BANK_BY_CURRENCY
from ledgerbridge.simulator.money import convert, round_div


@dataclass
class Settlements:
    """Settlement headers and their allocation lines (money in int64 cents)."""

    headers: pd.DataFrame  # org_code, party_code, day, currency, amount, fee, bank_account, rate_micro
    allocations: pd.DataFrame  # settle_idx, line_no, invoice_idx, amount, carrying_base


def prorate(total: np.ndarray, part_cum: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``total × part_cum ÷ whole`` rounded half away from zero (exactly ``total`` when the
    part is the whole); integer arithmetic, so SQL on DECIMAL gives the same cents."""
    total, part_cum, whole = (np.asarray(a, np.int64) for a in (total, part_cum, whole))
    safe_whole = np.where(whole == 0, 1, whole)
    small = (np.abs(total) < 2**31) & (np.abs(part_cum) < 2**31)
    out = np.zeros(len(total), np.int64)
    num = total[small] * part_cum[small]
    out[small] = np.sign(num) * ((np.abs(num) * 2 + safe_whole[small]) // (2 * safe_whole[small]))
    for i in np.flatnonzero(~small):  # very large amounts: exact Python integers
        n, d = int(total[i]) * int(part_cum[i]), int(safe_whole[i])
        q = (abs(n) * 2 + d) // (2 * d)
        out[i] = q if n >= 0 else -q
    return np.where(part_cum == whole, total, out)


def bank_accounts(currency: np.ndarray, org: np.ndarray) -> np.ndarray:
    """The bank account a settlement moves through: bank-currency-org (ICBC-CNY-01)."""
    prefix = pd.Series(currency, dtype=object).map({c: f"{b}-{c}-" for c, (b, _) in BANK_BY_CURRENCY.items()})
    return (prefix + pd.Series(org, dtype=object).str[-2:]).to_numpy(dtype=object)


def carrying_amounts(alloc: pd.DataFrame, invoices: pd.DataFrame, settle_day: np.ndarray) -> np.ndarray:
    """Each allocation's carrying amount: the share of its invoice's booked gross (base
    currency) it relieves, allocations taken in settlement date order."""
    a = alloc.assign(day=settle_day[alloc["settle_idx"].to_numpy()]).reset_index()
    a = a.sort_values(["invoice_idx", "day", "settle_idx", "line_no"], kind="stable")
    cum = a.groupby("invoice_idx")["amount"].cumsum().to_numpy()
    inv = a["invoice_idx"].to_numpy()
    gross = invoices["gross"].to_numpy()[inv]
    gross_base = invoices["gross_base"].to_numpy()[inv]
    cum_base = prorate(gross_base, cum, gross)
    prev = np.r_[0, cum_base[:-1]]
    first = np.r_[True, inv[1:] != inv[:-1]]
    carrying = cum_base - np.where(first, 0, prev)
    out = np.empty(len(a), np.int64)
    out[a["index"].to_numpy()] = carrying
    return out


def settle(
    invoices: pd.DataFrame,
    rng: np.random.Generator,
    rate,
    base_of: dict[str, str],
    *,
    paid_share: float = 0.88,
    installment_share: float = 0.05,
    run_share: float = 0.5,
    overpay_share: float = 0.02,
    equal_installment_idx: np.ndarray | None = None,
) -> Settlements:
    """Plan the settlements of ``invoices`` (org_code, party_code, currency, day, terms, gross,
    gross_base, settleable) and allocate them.

    ``equal_installment_idx``: invoices paid in two equal installments a day apart, each its
    own settlement (the ambiguous case when posted without references)."""
    n = len(invoices)
    inv_day = invoices["day"].to_numpy()
    terms = invoices["terms"].to_numpy()
    gross = invoices["gross"].to_numpy()
    planned = inv_day + 5 + (terms * rng.uniform(0.3, 1.4, n)).astype(np.int64)
    paid = (rng.random(n) < paid_share) & invoices["settleable"].to_numpy()
    twice = paid & (rng.random(n) < installment_share) & (gross >= 200_00)
    equal = np.zeros(n, bool)
    if equal_installment_idx is not None and len(equal_installment_idx):
        equal[equal_installment_idx] = True
        paid[equal_installment_idx] = True
        twice[equal_installment_idx] = False
    first_share = round_div(gross * 60, 100)
    # pieces: (invoice, amount, day, may join a payment run)
    one = paid & ~twice & ~equal
    pieces = [
        (np.flatnonzero(one), gross[one], planned[one], np.ones(one.sum(), bool)),
        (np.flatnonzero(twice), first_share[twice], planned[twice] - 10, np.ones(twice.sum(), bool)),
        (
            np.flatnonzero(twice),
            gross[twice] - first_share[twice],
            planned[twice] + rng.integers(5, 21, twice.sum()),
            np.ones(twice.sum(), bool),
        ),
        (np.flatnonzero(equal), gross[equal] // 2, planned[equal], np.zeros(equal.sum(), bool)),
        (
            np.flatnonzero(equal),
            gross[equal] - gross[equal] // 2,
            planned[equal] + 1,
            np.zeros(equal.sum(), bool),
        ),
    ]
    inv_idx = np.concatenate([p[0] for p in pieces]).astype(np.int64)
    amount = np.concatenate([p[1] for p in pieces]).astype(np.int64)
    day = np.concatenate([p[2] for p in pieces]).astype(np.int64)
    may_join = np.concatenate([p[3] for p in pieces])
    day = np.maximum(day, inv_day[inv_idx] + 1)
    keep = day < HORIZON_DAYS
    inv_idx, amount, day, may_join = inv_idx[keep], amount[keep], day[keep], may_join[keep]

    # Payment runs: pieces of one party, org and currency due in the same week may go together.
    org = invoices["org_code"].to_numpy()[inv_idx]
    party = invoices["party_code"].to_numpy()[inv_idx]
    cur = invoices["currency"].to_numpy()[inv_idx]
    join = may_join & (rng.random(len(inv_idx)) < run_share)
    week = day // 14  # a payment run every other week
    key = pd.DataFrame({"org": org, "party": party, "cur": cur, "week": week, "solo": np.where(join, -1, 0)})
    key.loc[~join, "solo"] = np.arange((~join).sum()) + 1
    group = key.groupby(["org", "party", "cur", "week", "solo"], sort=False).ngroup().to_numpy()
    g_day = pd.Series(day).groupby(group).transform("max").to_numpy()
    heads = pd.DataFrame(
        {"group": group, "org_code": org, "party_code": party, "currency": cur, "day": g_day}
    )
    heads = heads.drop_duplicates("group").sort_values(["day", "group"], kind="stable").reset_index(drop=True)
    settle_of_group = pd.Series(np.arange(len(heads)), index=heads["group"].to_numpy())
    settle_idx = settle_of_group.loc[group].to_numpy()

    alloc = pd.DataFrame({"settle_idx": settle_idx, "invoice_idx": inv_idx, "amount": amount})
    alloc = alloc.sort_values(["settle_idx", "invoice_idx", "amount"], kind="stable").reset_index(drop=True)
    alloc["line_no"] = alloc.groupby("settle_idx").cumcount() + 1
    total = alloc.groupby("settle_idx")["amount"].sum().reindex(range(len(heads))).to_numpy()
    h = len(heads)
    # Some settlements carry more than they allocate: the remainder is a prepayment/advance.
    over = rng.random(h) < overpay_share
    extra = np.where(over, round_div(total * rng.integers(5, 31, h), 100), 0)
    heads["amount"] = total + extra
    base = heads["org_code"].map(base_of).to_numpy()
    foreign = heads["currency"].to_numpy() != base
    fee = np.where(
        foreign | (heads["currency"].to_numpy() != "CNY"),  # wire fees in whole units abroad
        rng.integers(15, 46, h) * 100,
        np.where(rng.random(h) < 0.3, rng.integers(50, 2001, h), 0),
    )
    heads["fee"] = fee.astype(np.int64)
    heads["bank_account"] = bank_accounts(heads["currency"].to_numpy(), heads["org_code"].to_numpy())
    heads["rate_micro"] = rate(heads["day"].to_numpy(), heads["currency"].to_numpy(), base)
    heads = heads.drop(columns="group")
    alloc["carrying_base"] = carrying_amounts(alloc, invoices, heads["day"].to_numpy())
    return Settlements(heads, alloc[["settle_idx", "line_no", "invoice_idx", "amount", "carrying_base"]])


__all__ = ["NEVER", "Settlements", "bank_accounts", "carrying_amounts", "convert", "prorate", "settle"]
