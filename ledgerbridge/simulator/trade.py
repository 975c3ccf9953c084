"""Purchase-to-pay and order-to-cash document chains, generated column-wise.

Both chains have the same shape: order (+ lines) -> fulfilment (goods receipt /
delivery) -> invoice -> settlement (payment / receipt). Every document row
carries the days on which it was created, approved, cancelled and amended, so
that the sources can be cut at any as-of date (see ``snapshot``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER
from ledgerbridge.simulator.fx import START_TO_CNY
from ledgerbridge.simulator.master import BANK_BY_CURRENCY, ORGS, MasterData
from ledgerbridge.simulator.money import RATE_SCALE, convert, tax_of


@dataclass(frozen=True)
class Side:
    """What differs between purchasing and sales."""

    name: str  # "purchase" | "sales"
    order_prefix: str
    fulfil_prefix: str
    invoice_prefix: str
    settle_prefix: str
    orders_per_scale: int
    price_markup: tuple[float, float]


PURCHASE = Side("purchase", "PO", "GR", "PINV", "PAY", 1000, (0.95, 1.05))
SALES = Side("sales", "SO", "DN", "SINV", "REC", 1200, (1.25, 1.6))


@dataclass
class TradeChain:
    """All documents of one chain; money in int64 cents."""

    side: Side
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    fulfilments: pd.DataFrame
    fulfil_lines: pd.DataFrame
    invoices: pd.DataFrame
    settlements: pd.DataFrame


def doc_numbers(prefix: str, seq: np.ndarray) -> np.ndarray:
    """Document numbers: prefix + two-digit year + six-digit sequence."""
    return np.char.add(f"{prefix}25", np.char.zfill(np.asarray(seq).astype(str), 6))


def _lifecycle(rng: np.random.Generator, day: np.ndarray, draft_lag_max: int = 3) -> dict[str, np.ndarray]:
    """Created as a draft a few days before approval (some the same day)."""
    lag = np.where(rng.random(len(day)) < 0.3, rng.integers(1, draft_lag_max + 1, len(day)), 0)
    return {
        "created_day": np.maximum(day - lag, 0),
        "approve_day": day.copy(),
        "cancel_day": np.full(len(day), NEVER),
        "amend_day": np.full(len(day), NEVER),
    }


def _bank_accounts(currency: np.ndarray, org: np.ndarray) -> list[str]:
    """The paying/receiving bank account per row: bank-currency-org number (ICBC-CNY-01)."""
    prefix = pd.Series(currency, dtype=object).map({c: f"{b}-{c}-" for c, (b, _) in BANK_BY_CURRENCY.items()})
    return (prefix + pd.Series(org, dtype=object).str[-2:]).tolist()


def build_chain(side: Side, seed: int, scale: float, master: MasterData, rate) -> TradeChain:
    """Generate one chain for all orgs. ``rate(day, from, to)`` gives rate_micro."""
    rng = np.random.default_rng([seed, 10 if side.name == "purchase" else 11])
    n = max(3, int(round(side.orders_per_scale * scale)))
    parties = master.suppliers if side.name == "purchase" else master.customers
    pcode = parties.columns[0]
    org = rng.choice(ORGS["org_code"].to_numpy(), n, p=ORGS["volume_share"].to_numpy())
    base_cur = ORGS.set_index("org_code")["base_currency"].loc[org].to_numpy()

    # Counterparty: abroad org trades mostly with foreign parties.
    domestic_parties = np.flatnonzero(parties["currency"].to_numpy() == "CNY")
    foreign_parties = np.flatnonzero(parties["currency"].to_numpy() != "CNY")
    want_domestic = rng.random(n) < np.where(org == "ORG03", 0.3, 0.8)
    pick = np.where(
        want_domestic,
        domestic_parties[rng.integers(0, len(domestic_parties), n)],
        foreign_parties[rng.integers(0, len(foreign_parties), n)],
    )
    party = parties[pcode].to_numpy()[pick]
    currency = parties["currency"].to_numpy()[pick]
    terms = parties.iloc[:, 6].to_numpy()[pick]
    # VAT only for mainland orgs trading domestically (exports/imports and the abroad org: 0 %).
    tax_pct = np.where((currency == "CNY") & (org != "ORG03"), 13, 0)

    mats = master.materials
    if side.name == "purchase":
        group = np.where(rng.random(n) < np.where(org == "ORG02", 0.7, 0.35), "RAW", "GOODS")
    else:
        group = np.full(n, "GOODS")
    order_day = rng.integers(0, HORIZON_DAYS - 5, n)

    # Order status: 95 % approved, 3 % approved then cancelled, 2 % left as draft.
    u = rng.random(n)
    life = _lifecycle(rng, order_day)
    life["approve_day"] = np.where(u < 0.98, order_day, NEVER)
    life["cancel_day"] = np.where((u >= 0.95) & (u < 0.98), order_day + rng.integers(1, 10, n), NEVER)
    order_no = doc_numbers(side.order_prefix, np.arange(1, n + 1))

    # Lines: 1-5 per order, materials of the order's group.
    n_lines = 1 + rng.binomial(4, 0.5, n)
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    raw_idx = np.flatnonzero(mats["material_group"].to_numpy() == "RAW")
    goods_idx = np.flatnonzero(mats["material_group"].to_numpy() == "GOODS")
    is_raw = group[line_order] == "RAW"
    mat_pick = np.where(
        is_raw,
        raw_idx[rng.integers(0, len(raw_idx), len(line_order))],
        goods_idx[rng.integers(0, len(goods_idx), len(line_order))],
    )
    std_cost_cents = np.round(mats["standard_cost"].to_numpy()[mat_pick] * 100).astype(np.int64)
    qty = np.where(is_raw, rng.integers(20, 800, len(line_order)), rng.integers(1, 40, len(line_order)))
    fx_to_cny = np.vectorize(lambda c: START_TO_CNY.get(c, 1.0))(currency[line_order])
    unit_price = np.maximum(
        1, np.round(std_cost_cents * rng.uniform(*side.price_markup, len(line_order)) / fx_to_cny)
    ).astype(np.int64)
    line_net = qty * unit_price
    order_net = np.bincount(line_order, weights=line_net, minlength=n).astype(np.int64)
    orders = pd.DataFrame(
        {
            "order_no": order_no,
            "org_code": org,
            "party_code": party,
            "order_day": order_day,
            "currency": currency,
            "tax_pct": tax_pct,
            "material_group": group,
            "net": order_net,
            "tax": tax_of(order_net, tax_pct),
            **life,
        }
    )
    orders["gross"] = orders["net"] + orders["tax"]
    order_lines = pd.DataFrame(
        {
            "order_no": order_no[line_order],
            "line_no": line_no,
            "material_code": mats["material_code"].to_numpy()[mat_pick],
            "quantity": qty,
            "unit_price": unit_price,
            "net": line_net,
            "std_cost_cents": std_cost_cents,
            "order_idx": line_order,
        }
    )

    # Fulfilment: every approved, not-cancelled order; 10 % partial (half the quantity).
    fulfilled = (life["approve_day"] < NEVER) & (life["cancel_day"] == NEVER)
    f_day = order_day + rng.integers(2, 21, n)
    fulfilled &= f_day < HORIZON_DAYS
    partial = rng.random(n) < 0.10
    f_idx = np.flatnonzero(fulfilled)
    f_no = doc_numbers(side.fulfil_prefix, np.arange(1, len(f_idx) + 1))
    f_of_order = np.full(n, -1)
    f_of_order[f_idx] = np.arange(len(f_idx))
    fl_mask = fulfilled[line_order]
    fl = order_lines[fl_mask].copy()
    fl_f = f_of_order[fl["order_idx"].to_numpy()]
    fl_qty = np.where(
        partial[fl["order_idx"].to_numpy()], (fl["quantity"].to_numpy() + 1) // 2, fl["quantity"].to_numpy()
    )
    fl_net = fl_qty * fl["unit_price"].to_numpy()
    f_org = org[f_idx]
    f_base_cur = base_cur[f_idx]
    f_rate = rate(f_day[f_idx], currency[f_idx], f_base_cur)
    f_net = np.bincount(fl_f, weights=fl_net, minlength=len(f_idx)).astype(np.int64)
    f_net_base = convert(f_net, f_rate)
    # Line values in base currency sum exactly to the document's: the residue goes to the first line.
    line_base = convert(fl_net, f_rate[fl_f])
    residue = f_net_base - np.bincount(fl_f, weights=line_base, minlength=len(f_idx)).astype(np.int64)
    first_line = np.r_[True, fl_f[1:] != fl_f[:-1]]
    line_base = line_base + np.where(first_line, residue[fl_f], 0)
    # Cost of goods delivered: standard cost (CNY) in the org's base currency.
    cny_to_base = rate(f_day[f_idx], np.full(len(f_idx), "CNY"), f_base_cur)
    line_cost = convert(fl_qty * fl["std_cost_cents"].to_numpy(), cny_to_base[fl_f])
    f_cost = np.bincount(fl_f, weights=line_cost, minlength=len(f_idx)).astype(np.int64)
    fulfilments = pd.DataFrame(
        {
            "doc_no": f_no,
            "org_code": f_org,
            "order_no": order_no[f_idx],
            "party_code": party[f_idx],
            "day": f_day[f_idx],
            "currency": currency[f_idx],
            "material_group": group[f_idx],
            "net": f_net,
            "rate_micro": f_rate,
            "net_base": f_net_base,
            "cost_base": f_cost,
            "tax_pct": tax_pct[f_idx],
            "terms": terms[f_idx],
            **_lifecycle(rng, f_day[f_idx]),
        }
    )
    fulfil_lines = pd.DataFrame(
        {
            "doc_no": f_no[fl_f],
            "org_code": f_org[fl_f],
            "material_code": fl["material_code"].to_numpy(),
            "material_group": group[f_idx][fl_f],
            "day": f_day[f_idx][fl_f],
            "order_no": fl["order_no"].to_numpy(),
            "order_line_no": fl["line_no"].to_numpy(),
            "quantity": fl_qty,
            "amount_base": np.where(side.name == "purchase", line_base, line_cost),
        }
    )

    # Invoice: 95 % of fulfilments, for the fulfilled amount.
    nf = len(f_idx)
    inv_day = f_day[f_idx] + rng.integers(0, 26, nf)
    invoiced = (rng.random(nf) < 0.95) & (inv_day < HORIZON_DAYS)
    i_src = np.flatnonzero(invoiced)
    ni = len(i_src)
    i_day = inv_day[i_src]
    i_cur = currency[f_idx][i_src]
    i_net = f_net[i_src]
    i_tax = tax_of(i_net, tax_pct[f_idx][i_src])
    i_rate = rate(i_day, i_cur, f_base_cur[i_src])
    i_net_base = convert(i_net, i_rate)
    i_tax_base = convert(i_tax, i_rate)
    i_terms = terms[f_idx][i_src]
    life_i = _lifecycle(rng, i_day)
    # 5 % get their due date amended a few days after approval.
    amend = rng.random(ni) < 0.05
    life_i["amend_day"] = np.where(amend, i_day + rng.integers(1, 20, ni), NEVER)
    invoices = pd.DataFrame(
        {
            "doc_no": doc_numbers(side.invoice_prefix, np.arange(1, ni + 1)),
            "org_code": f_org[i_src],
            "party_code": party[f_idx][i_src],
            "order_no": order_no[f_idx][i_src],
            "fulfil_no": f_no[i_src],
            "day": i_day,
            "due_day": i_day + i_terms,
            "due_day_amended": i_day + i_terms + 15,
            "currency": i_cur,
            "tax_pct": tax_pct[f_idx][i_src],
            "net": i_net,
            "tax": i_tax,
            "gross": i_net + i_tax,
            "rate_micro": i_rate,
            "net_base": i_net_base,
            "tax_base": i_tax_base,
            "gross_base": i_net_base + i_tax_base,
            "material_group": group[f_idx][i_src],
            **life_i,
        }
    )

    # Settlement: 88 % of invoices, in full; 2 % of the unsettled ones get cancelled.
    s_day = i_day + 5 + (i_terms * rng.uniform(0.3, 1.4, ni)).astype(np.int64)
    settled = (rng.random(ni) < 0.88) & (s_day < HORIZON_DAYS)
    cancel = (~settled) & (rng.random(ni) < 0.15)
    cancel_day = np.where(cancel, np.minimum(i_day + rng.integers(3, 30, ni), NEVER), NEVER)
    # Cancellations stay within the simulated year: the GL ends with it, so an invoice cancelled
    # in January would show cancelled in the ERP with no reversal in the books (an unplanted
    # difference). Such an invoice simply stays open; it is still kept out of anomaly planting
    # (``cancel_drawn``) so that every other planted item stays where it was.
    invoices["cancel_day"] = np.where(cancel_day < HORIZON_DAYS, cancel_day, NEVER)
    invoices["cancel_drawn"] = cancel
    # A cancelled invoice is not amended: its updated_at is the day it was cancelled.
    invoices["amend_day"] = np.where(cancel, NEVER, invoices["amend_day"])
    s_src = np.flatnonzero(settled)
    ns = len(s_src)
    s_cur = i_cur[s_src]
    settlements = pd.DataFrame(
        {
            "doc_no": doc_numbers(side.settle_prefix, np.arange(1, ns + 1)),
            "org_code": f_org[i_src][s_src],
            "party_code": party[f_idx][i_src][s_src],
            "invoice_no": invoices["doc_no"].to_numpy()[s_src],
            "day": s_day[s_src],
            "currency": s_cur,
            "amount": (i_net + i_tax)[s_src],
            "bank_account": _bank_accounts(s_cur, f_org[i_src][s_src]),
            "rate_micro": rate(s_day[s_src], s_cur, f_base_cur[i_src][s_src]),
            **_lifecycle(rng, s_day[s_src]),
        }
    )
    settlements["amount_base"] = convert(
        settlements["amount"].to_numpy(), settlements["rate_micro"].to_numpy()
    )
    return TradeChain(
        side,
        orders,
        order_lines.drop(columns=["order_idx"]),
        fulfilments,
        fulfil_lines,
        invoices,
        settlements,
    )


def base_currency_of(org: np.ndarray) -> np.ndarray:
    """The base currency of each org code."""
    return ORGS.set_index("org_code")["base_currency"].loc[np.asarray(org)].to_numpy()


__all__ = ["PURCHASE", "SALES", "TradeChain", "build_chain", "doc_numbers", "base_currency_of", "RATE_SCALE"]
