"""Order-to-cash and purchase-to-pay, generated column-wise (money in int64 cents).

Sales: order (+ lines) -> delivery (+ lines, cost at standard cost in the org's base
currency) -> customer invoice (one per delivery) -> receipts with allocation lines.

Purchasing:
- goods: order (+ lines) -> goods receipts (+ lines; 10 % of orders arrive in two
  receipts) -> goods invoices whose lines reference receipt lines (most invoice one
  receipt; some suppliers invoice a month's receipts together; some receipts are
  invoiced in two parts; a few invoices carry a price different from the order) ->
  payments with allocation lines;
- services: invoices with no receipt (rent, advertising, consulting, freight), each
  line with an expense type and a department;
- intercompany: what one group org sells another is mirrored in the buyer's books
  (order, receipt, invoice and payment on the same days and amounts).

Goods are bought ahead of what is sold: each org receives, every month, about 15 %
more than it will deliver the next month (at cost), so inventory never goes negative.

Every document row carries the days on which it was created, approved, cancelled and
amended, so that the sources can be cut at any as-of date (see ``snapshot``); document
numbers are given at the end, per house style, in date order (see ``world``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER, PERIODS, period_index, period_start_day
from ledgerbridge.simulator.fx import START_TO_CNY
from ledgerbridge.simulator.master import BASE_OF, INTERCOMPANY, ORGS, MasterData
from ledgerbridge.simulator.money import convert, round_div, tax_of
from ledgerbridge.simulator.settlement import Settlements, bank_accounts, carrying_amounts, prorate, settle

#: service invoices: expense type -> (function of the ordering department, VAT %, monthly CNY range)
SERVICES = {
    "RENT": ("ADMIN", 9, (60_000, 120_000)),
    "ADVERTISING": ("SALES", 6, (20_000, 90_000)),
    "CONSULTING": ("ADMIN", 6, (10_000, 60_000)),
    "FREIGHT": ("SALES", 9, (8_000, 40_000)),
}
SERVICE_DEPT = {"ADMIN": "ADM", "SALES": "MKT", "RD": "RD"}
SALES_START_DAY = 20  # the first weeks only buy: stock before the first delivery


@dataclass
class Sales:
    """All order-to-cash documents."""

    orders: pd.DataFrame
    order_lines: pd.DataFrame
    deliveries: pd.DataFrame
    delivery_lines: pd.DataFrame
    invoices: pd.DataFrame
    receipts: Settlements


@dataclass
class Purchasing:
    """All purchase-to-pay documents."""

    orders: pd.DataFrame
    order_lines: pd.DataFrame
    receipts: pd.DataFrame
    receipt_lines: pd.DataFrame
    invoices: pd.DataFrame
    invoice_lines: pd.DataFrame
    payments: Settlements
    equal_installment_invoices: np.ndarray  # paid in two equal installments a day apart


def lifecycle(rng: np.random.Generator, day: np.ndarray, draft_lag_max: int = 3) -> dict[str, np.ndarray]:
    """Created as a draft a few days before approval (some the same day)."""
    day = np.asarray(day, np.int64)
    lag = np.where(rng.random(len(day)) < 0.3, rng.integers(1, draft_lag_max + 1, len(day)), 0)
    return {
        "created_day": np.maximum(day - lag, 0),
        "approve_day": day.copy(),
        "cancel_day": np.full(len(day), NEVER),
        "amend_day": np.full(len(day), NEVER),
    }


def _repeat_lines(rng: np.random.Generator, n: int, mean_extra: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """1–5 lines per document: (document index per line, line number)."""
    n_lines = 1 + rng.binomial(4, mean_extra, n)
    owner = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(owner)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    return owner, line_no


def _to_doc_currency(cents_cny: np.ndarray, currency: np.ndarray) -> np.ndarray:
    fx = pd.Series(currency).map(lambda c: START_TO_CNY.get(c, 1.0)).to_numpy(dtype=float)
    return np.maximum(1, np.round(cents_cny / fx)).astype(np.int64)


def _pick_parties(
    rng, parties: pd.DataFrame, org: np.ndarray, domestic_share_abroad: float, domestic_share_home: float
) -> np.ndarray:
    """Third-party counterparties (never a group org) per document."""
    third = parties[parties["group_org"] == ""]
    dom = np.flatnonzero(third["currency"].to_numpy() == "CNY")
    foreign = np.flatnonzero(third["currency"].to_numpy() != "CNY")
    want_dom = rng.random(len(org)) < np.where(org == "ORG03", domestic_share_abroad, domestic_share_home)
    pick = np.where(
        want_dom, dom[rng.integers(0, len(dom), len(org))], foreign[rng.integers(0, len(foreign), len(org))]
    )
    return third.index.to_numpy()[pick]


def _vat_pct(currency: np.ndarray, org: np.ndarray) -> np.ndarray:
    """13 % for mainland orgs trading domestically; exports, imports and the abroad org: 0 %."""
    return np.where((currency == "CNY") & (org != "ORG03"), 13, 0)


def _order_status(rng, day: np.ndarray) -> dict[str, np.ndarray]:
    """95 % approved, 3 % approved then cancelled, 2 % left as draft."""
    n = len(day)
    u = rng.random(n)
    life = lifecycle(rng, day)
    life["approve_day"] = np.where(u < 0.98, day, NEVER)
    life["cancel_day"] = np.where((u >= 0.95) & (u < 0.98), day + rng.integers(1, 10, n), NEVER)
    return life


# --- sales -------------------------------------------------------------------------------------


def build_sales(seed: int, scale: float, master: MasterData, rate) -> Sales:
    """Order-to-cash for all orgs (third-party and intercompany customers)."""
    rng = np.random.default_rng([seed, 11])
    cust = master.customers
    n = max(6, int(round(1200 * scale)))
    org = rng.choice(ORGS["org_code"].to_numpy(), n, p=ORGS["volume_share"].to_numpy())
    party_idx = _pick_parties(rng, cust, org, 0.3, 0.8)
    # Intercompany: a share of the selling org's orders go to the buying group org.
    for seller, buyer, currency, _pct in INTERCOMPANY:
        ic = np.flatnonzero((org == seller) & (rng.random(n) < 0.08))
        row = cust.index[(cust["group_org"] == buyer) & (cust["currency"] == currency)][0]
        party_idx[ic] = row
    party = cust["customer_code"].to_numpy()[party_idx]
    currency = cust["currency"].to_numpy()[party_idx]
    terms = cust["credit_days"].to_numpy()[party_idx]
    ic_buyer = cust["group_org"].to_numpy()[party_idx]
    pct = np.where(ic_buyer != "", 0, _vat_pct(currency, org))
    for seller, buyer, cur, ic_pct in INTERCOMPANY:
        pct = np.where((ic_buyer == buyer) & (org == seller) & (currency == cur), ic_pct, pct)
    order_day = rng.integers(SALES_START_DAY, HORIZON_DAYS - 5, n)
    life = _order_status(rng, order_day)

    mats = master.materials
    goods = np.flatnonzero(mats["material_group"].to_numpy() == "GOODS")
    owner, line_no = _repeat_lines(rng, n)
    mat = goods[rng.integers(0, len(goods), len(owner))]
    std = np.round(mats["standard_cost"].to_numpy()[mat] * 100).astype(np.int64)
    qty = rng.integers(1, 40, len(owner))
    price = _to_doc_currency(std * rng.uniform(1.25, 1.6, len(owner)), currency[owner])
    line_net = qty * price
    orders = pd.DataFrame(
        {
            "org_code": org,
            "party_code": party,
            "day": order_day,
            "currency": currency,
            "tax_pct": pct,
            "material_group": "GOODS",
            "net": np.bincount(owner, weights=line_net, minlength=n).astype(np.int64),
            "ic_org": ic_buyer,
            **life,
        }
    )
    orders["tax"] = tax_of(orders["net"].to_numpy(), pct)
    orders["gross"] = orders["net"] + orders["tax"]
    order_lines = pd.DataFrame(
        {
            "order_idx": owner,
            "line_no": line_no,
            "material_code": mats["material_code"].to_numpy()[mat],
            "quantity": qty,
            "unit_price": price,
            "net": line_net,
            "std_cost_cents": std,
        }
    )

    # Deliveries: one per approved, not cancelled order; 10 % partial (half the quantity).
    d_day = order_day + rng.integers(2, 21, n)
    ok = (life["approve_day"] < NEVER) & (life["cancel_day"] == NEVER) & (d_day < HORIZON_DAYS)
    d_order = np.flatnonzero(ok)
    partial = rng.random(n) < 0.10
    d_of_order = np.full(n, -1)
    d_of_order[d_order] = np.arange(len(d_order))
    dl = order_lines[ok[owner]]
    o = dl["order_idx"].to_numpy()
    d_qty = np.where(partial[o], (dl["quantity"].to_numpy() + 1) // 2, dl["quantity"].to_numpy())
    d_base = org[o]
    cny_to_base = rate(d_day[o], np.full(len(o), "CNY"), pd.Series(d_base).map(BASE_OF).to_numpy())
    cost = convert(d_qty * dl["std_cost_cents"].to_numpy(), cny_to_base)
    delivery_lines = pd.DataFrame(
        {
            "delivery_idx": d_of_order[o],
            "line_no": dl["line_no"].to_numpy(),
            "order_line_no": dl["line_no"].to_numpy(),
            "material_code": dl["material_code"].to_numpy(),
            "material_group": "GOODS",
            "quantity": d_qty,
            "unit_price": dl["unit_price"].to_numpy(),
            "net": d_qty * dl["unit_price"].to_numpy(),
            "cost_base": cost,
            "day": d_day[o],
            "org_code": org[o],
        }
    )
    nd = len(d_order)
    d_net = np.bincount(delivery_lines["delivery_idx"], weights=delivery_lines["net"], minlength=nd).astype(
        np.int64
    )
    d_cost = np.bincount(
        delivery_lines["delivery_idx"], weights=delivery_lines["cost_base"], minlength=nd
    ).astype(np.int64)
    deliveries = pd.DataFrame(
        {
            "org_code": org[d_order],
            "order_idx": d_order,
            "party_code": party[d_order],
            "day": d_day[d_order],
            "currency": currency[d_order],
            "material_group": "GOODS",
            "net": d_net,
            "cost_base": d_cost,
            "ic_org": ic_buyer[d_order],
            **lifecycle(rng, d_day[d_order]),
        }
    )

    # Invoices: 95 % of deliveries, for the delivered amount.
    i_day = deliveries["day"].to_numpy() + rng.integers(0, 26, nd)
    inv = (rng.random(nd) < 0.95) & (i_day < HORIZON_DAYS)
    src = np.flatnonzero(inv)
    # VAT per line (as the tax invoice computes it), summed per invoice
    line_tax = tax_of(
        delivery_lines["net"].to_numpy(), pct[d_order][delivery_lines["delivery_idx"].to_numpy()]
    )
    d_tax = np.bincount(delivery_lines["delivery_idx"], weights=line_tax, minlength=nd).astype(np.int64)
    invoices = _invoice_frame(
        rng,
        rate,
        org=deliveries["org_code"].to_numpy()[src],
        party=deliveries["party_code"].to_numpy()[src],
        day=i_day[src],
        terms=terms[d_order][src],
        currency=deliveries["currency"].to_numpy()[src],
        pct=pct[d_order][src],
        net=d_net[src],
        tax=d_tax[src],
    )
    invoices["delivery_idx"] = src
    invoices["order_idx"] = d_order[src]
    invoices["ic_org"] = deliveries["ic_org"].to_numpy()[src]
    invoices["material_group"] = "GOODS"
    _cancel_some(rng, invoices, share=np.where(invoices["ic_org"] != "", 0.0, 0.015))
    receipts = settle(_settleable(invoices), rng, rate, BASE_OF)
    _no_fee_between_group_orgs(receipts, invoices)
    return Sales(
        orders, order_lines.drop(columns="std_cost_cents"), deliveries, delivery_lines, invoices, receipts
    )


def _invoice_frame(rng, rate, *, org, party, day, terms, currency, pct, net, tax) -> pd.DataFrame:
    """Invoice headers with booked base-currency values."""
    n = len(org)
    r = rate(day, currency, pd.Series(org).map(BASE_OF).to_numpy())
    net_base, tax_base = convert(net, r), convert(tax, r)
    life = lifecycle(rng, day)
    amend = rng.random(n) < 0.05
    life["amend_day"] = np.where(amend, day + rng.integers(1, 20, n), NEVER)
    return pd.DataFrame(
        {
            "org_code": org,
            "party_code": party,
            "day": day,
            "terms": terms,
            "due_day": day + terms,
            "due_day_amended": day + terms + 15,
            "currency": currency,
            "tax_pct": pct,
            "net": net,
            "tax": tax,
            "gross": net + tax,
            "rate_micro": r,
            "net_base": net_base,
            "tax_base": tax_base,
            "gross_base": net_base + tax_base,
            **life,
        }
    )


def _cancel_some(rng, invoices: pd.DataFrame, share) -> None:
    """A few invoices get cancelled (never paid; reversed in the books) 3–29 days after their
    date; a cancellation after the horizon leaves the invoice open (``cancel_drawn`` keeps it
    out of anomaly planting either way)."""
    n = len(invoices)
    drawn = rng.random(n) < share
    day = invoices["day"].to_numpy() + rng.integers(3, 30, n)
    invoices["cancel_drawn"] = drawn
    invoices["cancel_day"] = np.where(drawn & (day < HORIZON_DAYS), day, NEVER)
    invoices["amend_day"] = np.where(drawn, NEVER, invoices["amend_day"])


def _settleable(invoices: pd.DataFrame) -> pd.DataFrame:
    return invoices.assign(settleable=~invoices["cancel_drawn"].to_numpy())


def _no_fee_between_group_orgs(s: Settlements, invoices: pd.DataFrame) -> None:
    """Transfers between group orgs carry no fee and no over-payment (mirrored 1:1)."""
    a = s.allocations
    ic_settle = np.unique(a["settle_idx"].to_numpy()[invoices["ic_org"].to_numpy()[a["invoice_idx"]] != ""])
    h = s.headers
    alloc_total = a.groupby("settle_idx")["amount"].sum().reindex(range(len(h))).fillna(0).astype(np.int64)
    h.loc[ic_settle, "fee"] = 0
    h.loc[ic_settle, "amount"] = alloc_total.to_numpy()[ic_settle]


# --- purchasing ----------------------------------------------------------------------------------


def build_purchasing(
    seed: int,
    scale: float,
    master: MasterData,
    rate,
    sales: Sales,
    unmapped_parties: frozenset[str] = frozenset(),
    equal_installments: float = 0.004,
) -> Purchasing:
    """Purchase-to-pay for all orgs: intercompany mirrors, goods bought ahead of sales,
    raw materials, services; then payments for everything invoiced."""
    rng = np.random.default_rng([seed, 10])
    sup = master.suppliers
    frames = [_intercompany_mirror(sales, sup)]
    frames.append(_goods_orders(rng, scale, master, rate, sales, frames[0]))
    orders = pd.concat([f[0] for f in frames], ignore_index=True)
    order_lines = pd.concat(
        [
            f[1].assign(order_idx=f[1]["order_idx"] + off)
            for f, off in zip(frames, _offsets(frames), strict=True)
        ],
        ignore_index=True,
    )
    order_lines["receipt_qty"] = order_lines["receipt_qty"].fillna(-1).astype(np.int64)
    receipts, receipt_lines = _receipts(rng, orders, order_lines, rate)
    g_inv, g_lines = _goods_invoices(rng, orders, receipts, receipt_lines, rate, sales)
    s_inv, s_lines = _service_invoices(rng, scale, master, rate)
    invoices = pd.concat([g_inv, s_inv], ignore_index=True)
    s_lines = s_lines.assign(invoice_idx=s_lines["invoice_idx"] + len(g_inv))
    invoice_lines = pd.concat([g_lines, s_lines], ignore_index=True)

    # Payments: everything invoiced; some CNY invoices of mainland orgs in two equal
    # installments a day apart (the ambiguous case when posted without references).
    third = invoices["ic_org"].to_numpy() == ""
    even = (invoices["gross"].to_numpy() % 2 == 0) & (invoices["currency"].to_numpy() == "CNY")
    eligible = np.flatnonzero(
        third
        & even
        & (invoices["org_code"].to_numpy() != "ORG03")
        & ~invoices["cancel_drawn"].to_numpy()
        & ~invoices["party_code"].isin(unmapped_parties).to_numpy()
        & (invoices["day"].to_numpy() < HORIZON_DAYS - 120)
    )
    k = (
        0
        if equal_installments <= 0
        else min(len(eligible), max(1, int(round(equal_installments * len(invoices)))))
    )
    equal_idx = np.sort(rng.choice(eligible, k, replace=False)) if k else np.array([], np.int64)
    payments = settle(_settleable(invoices), rng, rate, BASE_OF, equal_installment_idx=equal_idx)
    _mirror_intercompany_payments(payments, invoices, orders, sales)
    return Purchasing(
        orders, order_lines, receipts, receipt_lines, invoices, invoice_lines, payments, equal_idx
    )


def _offsets(frames) -> list[int]:
    out, n = [], 0
    for f in frames:
        out.append(n)
        n += len(f[0])
    return out


def _intercompany_mirror(sales: Sales, sup: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The buyer's purchase orders for what group orgs sold it (same days, prices, lines)."""
    so = sales.orders
    ic = np.flatnonzero(so["ic_org"].to_numpy() != "")
    supplier_of = {
        (row.group_org, row.currency): row.supplier_code for row in sup[sup["group_org"] != ""].itertuples()
    }
    seller = so["org_code"].to_numpy()[ic]
    cur = so["currency"].to_numpy()[ic]
    orders = pd.DataFrame(
        {
            "org_code": so["ic_org"].to_numpy()[ic],
            "party_code": [supplier_of[(s, c)] for s, c in zip(seller, cur, strict=True)],
            "day": so["day"].to_numpy()[ic],
            "currency": cur,
            "tax_pct": so["tax_pct"].to_numpy()[ic],
            "material_group": "GOODS",
            "net": so["net"].to_numpy()[ic],
            "tax": so["tax"].to_numpy()[ic],
            "gross": so["gross"].to_numpy()[ic],
            "ic_org": seller,
            "ic_sales_order": ic,
            **{c: so[c].to_numpy()[ic] for c in ("created_day", "approve_day", "cancel_day", "amend_day")},
        }
    )
    dn = sales.deliveries.reset_index(names="delivery_idx").set_index("order_idx")
    orders["receipt_day"] = dn["day"].reindex(ic).fillna(NEVER).to_numpy().astype(np.int64)
    pos = pd.Series(np.arange(len(ic)), index=ic)
    ol = sales.order_lines[sales.order_lines["order_idx"].isin(ic)]
    delivered = sales.delivery_lines.assign(
        order_idx=sales.deliveries["order_idx"].to_numpy()[sales.delivery_lines["delivery_idx"].to_numpy()]
    ).set_index(["order_idx", "order_line_no"])["quantity"]
    key = pd.MultiIndex.from_arrays([ol["order_idx"].to_numpy(), ol["line_no"].to_numpy()])
    lines = pd.DataFrame(
        {
            "order_idx": pos.loc[ol["order_idx"].to_numpy()].to_numpy(),
            "line_no": ol["line_no"].to_numpy(),
            "material_code": ol["material_code"].to_numpy(),
            "quantity": ol["quantity"].to_numpy(),
            "unit_price": ol["unit_price"].to_numpy(),
            "net": ol["net"].to_numpy(),
            "material_group": "GOODS",
            "receipt_qty": delivered.reindex(key).fillna(0).to_numpy().astype(np.int64),
        }
    )
    return orders, lines


def _goods_orders(
    rng, scale, master: MasterData, rate, sales: Sales, ic
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Third-party purchase orders: goods sized to next month's deliveries, plus raw materials."""
    mats = master.materials
    sup = master.suppliers
    dl = sales.delivery_lines
    need = (
        pd.DataFrame(
            {"org": dl["org_code"], "m": period_index(dl["day"].to_numpy()), "cost": dl["cost_base"]}
        )
        .groupby(["org", "m"])["cost"]
        .sum()
    )
    ic_orders, ic_lines = ic
    ic_value = (
        pd.Series(
            convert(
                ic_orders["net"].to_numpy(),
                rate(
                    ic_orders["day"].to_numpy(),
                    ic_orders["currency"].to_numpy(),
                    ic_orders["org_code"].map(BASE_OF).to_numpy(),
                ),
            ),
        )
        .groupby([ic_orders["org_code"].to_numpy(), period_index(ic_orders["day"].to_numpy() + 10)])
        .sum()
    )
    goods = np.flatnonzero(mats["material_group"].to_numpy() == "GOODS")
    raw = np.flatnonzero(mats["material_group"].to_numpy() == "RAW")
    rows = []  # (org, receipt day, material idx, qty)
    for org in ORGS["org_code"]:
        base = BASE_OF[org]
        cum_supply = 0
        cum_need = 0
        for m in range(PERIODS):
            nxt = need.get((org, m + 1), 0) + (need.get((org, 0), 0) if m == 0 else 0)
            cum_need += nxt
            target = int(1.15 * cum_need) - cum_supply - int(ic_value.get((org, m), 0))
            start = int(period_start_day(np.array([m]))[0])
            end = min(int(period_start_day(np.array([m + 1]))[0]), HORIZON_DAYS)
            while target > 0:
                mat = int(goods[rng.integers(0, len(goods))])
                cost = int(round(mats["standard_cost"].iat[mat] * 100))
                cost_base = cost if base == "CNY" else max(1, int(cost / START_TO_CNY["USD"]))
                q = int(min(max(1, target // cost_base + 1), rng.integers(10, 120)))
                rows.append((org, int(rng.integers(start, end)), mat, q))
                target -= q * cost_base
                cum_supply += q * cost_base
            cum_supply += int(ic_value.get((org, m), 0))
    # Raw materials: the manufacturer buys most of them.
    n_raw = max(3, int(round(300 * scale)))
    raw_org = rng.choice(ORGS["org_code"].to_numpy(), n_raw, p=[0.15, 0.8, 0.05])
    for o, d, mi, q in zip(
        raw_org,
        rng.integers(0, HORIZON_DAYS - 3, n_raw),
        raw[rng.integers(0, len(raw), n_raw)],
        rng.integers(20, 800, n_raw),
        strict=True,
    ):
        rows.append((o, int(d), int(mi), int(q)))
    lines = pd.DataFrame(rows, columns=["org", "rday", "mat", "qty"])
    lines["group"] = mats["material_group"].to_numpy()[lines["mat"]]
    # Lines of one org, material group and receipt week form one order (1–5 lines).
    lines = lines.sort_values(["org", "group", "rday", "mat"], kind="stable").reset_index(drop=True)
    lines["order_key"] = _chunk(rng, (lines["org"] + lines["group"]).to_numpy())
    first = lines.groupby("order_key").first()
    n = len(first)
    org = first["org"].to_numpy()
    party_idx = _pick_parties(rng, sup, org, 0.3, 0.8)
    currency = sup["currency"].to_numpy()[party_idx]
    rday = lines.groupby("order_key")["rday"].min().to_numpy()
    order_day = np.maximum(rday - rng.integers(2, 21, n), 0)
    life = _order_status(rng, order_day)
    # Goods orders needed for stock are never cancelled or left in draft.
    needed = first["group"].to_numpy() == "GOODS"
    life["approve_day"] = np.where(needed, order_day, life["approve_day"])
    life["cancel_day"] = np.where(needed, NEVER, life["cancel_day"])
    owner = lines["order_key"].to_numpy()
    std = np.round(mats["standard_cost"].to_numpy()[lines["mat"]] * 100).astype(np.int64)
    price = _to_doc_currency(std * rng.uniform(0.95, 1.05, len(lines)), currency[owner])
    net = lines["qty"].to_numpy() * price
    pct = _vat_pct(currency, org)
    orders = pd.DataFrame(
        {
            "org_code": org,
            "party_code": sup["supplier_code"].to_numpy()[party_idx],
            "day": order_day,
            "currency": currency,
            "tax_pct": pct,
            "material_group": first["group"].to_numpy(),
            "net": np.bincount(owner, weights=net, minlength=n).astype(np.int64),
            "ic_org": "",
            "ic_sales_order": -1,
            "receipt_day": rday,
            **life,
        }
    )
    orders["tax"] = tax_of(orders["net"].to_numpy(), pct)
    orders["gross"] = orders["net"] + orders["tax"]
    order_lines = pd.DataFrame(
        {
            "order_idx": owner,
            "line_no": lines.groupby("order_key").cumcount().to_numpy() + 1,
            "material_code": mats["material_code"].to_numpy()[lines["mat"]],
            "quantity": lines["qty"].to_numpy(),
            "unit_price": price,
            "net": net,
            "material_group": lines["group"].to_numpy(),
        }
    )
    return orders, order_lines


def _chunk(rng, partition: np.ndarray) -> np.ndarray:
    """Consecutive rows of one partition grouped into orders of 1–5 lines: an order id per row."""
    sizes = rng.integers(1, 6, len(partition))
    out = np.empty(len(partition), np.int64)
    key, left = -1, 0
    for i, part in enumerate(partition):  # a few thousand rows: a plain loop is clearest
        if left == 0 or part != partition[i - 1]:
            key += 1
            left = int(sizes[i])
        out[i] = key
        left -= 1
    return out


def _receipts(
    rng, orders: pd.DataFrame, order_lines: pd.DataFrame, rate
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Goods receipts: one per approved order (intercompany ones on the seller's delivery day),
    10 % of third-party orders in two receipts (half, then the rest 5–25 days later)."""
    n = len(orders)
    ok = (orders["approve_day"].to_numpy() < NEVER) & (orders["cancel_day"].to_numpy() == NEVER)
    ic = orders["ic_org"].to_numpy() != ""
    first_day = orders["receipt_day"].to_numpy().astype(np.int64)
    two = ok & ~ic & (rng.random(n) < 0.10)
    second_day = first_day + rng.integers(5, 26, n)
    heads = []
    for part, day, mask in ((1, first_day, ok), (2, second_day, two)):
        idx = np.flatnonzero(mask & (day < HORIZON_DAYS))
        heads.append(pd.DataFrame({"order_idx": idx, "part": part, "day": day[idx]}))
    h = pd.concat(heads, ignore_index=True)
    h["org_code"] = orders["org_code"].to_numpy()[h["order_idx"]]
    h["party_code"] = orders["party_code"].to_numpy()[h["order_idx"]]
    h["currency"] = orders["currency"].to_numpy()[h["order_idx"]]
    h["material_group"] = orders["material_group"].to_numpy()[h["order_idx"]]
    h["ic_org"] = orders["ic_org"].to_numpy()[h["order_idx"]]
    h["two_parts"] = two[h["order_idx"]]
    h["rate_micro"] = rate(
        h["day"].to_numpy(), h["currency"].to_numpy(), h["org_code"].map(BASE_OF).to_numpy()
    )
    h = h.sort_values(["day", "order_idx", "part"], kind="stable").reset_index(drop=True)
    for k, v in lifecycle(rng, h["day"].to_numpy()).items():
        h[k] = v
    # IC receipts are created on the seller's delivery: the sales delivery day is the receipt day.
    lines = (
        h[["order_idx", "part", "two_parts", "rate_micro"]]
        .reset_index(names="receipt_idx")
        .merge(order_lines, on="order_idx")
    )
    q = lines["quantity"].to_numpy()
    half = (q + 1) // 2
    lines["quantity"] = np.where(lines["two_parts"], np.where(lines["part"] == 1, half, q - half), q)
    # intercompany receipts take what the seller delivered
    lines["quantity"] = np.where(
        lines["receipt_qty"].to_numpy() >= 0, lines["receipt_qty"], lines["quantity"]
    )
    lines = lines[lines["quantity"] > 0].copy()
    lines["order_line_no"] = lines["line_no"]
    lines["line_no"] = lines.groupby("receipt_idx").cumcount() + 1
    lines["net"] = lines["quantity"] * lines["unit_price"]
    lines["net_base"] = convert(lines["net"].to_numpy(), lines["rate_micro"].to_numpy())
    lines = lines.sort_values(["receipt_idx", "line_no"]).reset_index(drop=True)
    h["net"] = np.bincount(lines["receipt_idx"], weights=lines["net"], minlength=len(h)).astype(np.int64)
    h["net_base"] = np.bincount(lines["receipt_idx"], weights=lines["net_base"], minlength=len(h)).astype(
        np.int64
    )
    cols = [
        "receipt_idx",
        "line_no",
        "order_idx",
        "order_line_no",
        "material_code",
        "material_group",
        "quantity",
        "unit_price",
        "net",
        "net_base",
    ]
    return h.drop(columns=["part", "two_parts"]), lines[cols]


def _goods_invoices(rng, orders, receipts: pd.DataFrame, rlines: pd.DataFrame, rate, sales: Sales):
    """Goods invoices with lines referencing receipt lines (see the module docstring)."""
    nr = len(receipts)
    ic = receipts["ic_org"].to_numpy() != ""
    u = rng.random(nr)
    # 80 % one invoice per receipt, 8 % a month's receipts of a supplier together,
    # 7 % in two parts, 5 % not invoiced (yet).
    mode = np.where(ic, 0, np.select([u < 0.80, u < 0.88, u < 0.95], [0, 1, 2], 3))
    rday = receipts["day"].to_numpy()
    m = period_index(rday)
    month_end = period_start_day(m + 1) - 1
    pieces = []  # (group key, receipt_idx, part(0 all / 1 first / 2 second), invoice day)
    single_day = rday + rng.integers(0, 26, nr)
    # Intercompany: the seller's invoice day.
    ic_day = np.full(nr, -1)
    if ic.any():
        so_idx = orders["ic_sales_order"].to_numpy()[receipts["order_idx"].to_numpy()]
        inv_by_order = pd.Series(
            sales.invoices["day"].to_numpy(), index=sales.invoices["order_idx"].to_numpy()
        )
        got = pd.Series(so_idx).map(inv_by_order)
        ic_day = np.where(ic, got.fillna(-1).to_numpy().astype(np.int64), -1)
        mode = np.where(ic & (ic_day < 0), 3, mode)
        single_day = np.where(ic, ic_day, single_day)
    # Receipts of an order that arrived in two parts are often invoiced together (one invoice
    # covering both receipts); other consolidated receipts by supplier and month.
    two_part = receipts["order_idx"].duplicated(keep=False).to_numpy() & ~ic
    together = two_part & (rng.random(nr) < 0.5)
    together = together & receipts.groupby("order_idx")["day"].transform("size").ge(2).to_numpy()
    together_orders = set(receipts["order_idx"].to_numpy()[together])
    together = np.isin(receipts["order_idx"].to_numpy(), list(together_orders)) & two_part
    mode = np.where(together, 1, mode)
    for r in np.flatnonzero(mode == 0):
        pieces.append((f"S{r}", r, 0, single_day[r]))
    consolidated = np.flatnonzero(mode == 1)
    for r in consolidated:
        if together[r]:
            key = f"P{receipts['order_idx'].iat[r]}"
            pieces.append((key, r, 0, rday[r] + int(rng.integers(0, 11))))
            continue
        org, party, cur = (receipts[c].iat[r] for c in ("org_code", "party_code", "currency"))
        key = f"M{org}|{party}|{cur}|{m[r]}"
        pieces.append((key, r, 0, month_end[r] + 1 + int(rng.integers(0, 5))))
    split = np.flatnonzero(mode == 2)
    d1 = rday + rng.integers(0, 11, nr)
    d2 = d1 + rng.integers(5, 21, nr)
    for r in split:
        pieces.append((f"A{r}", r, 1, d1[r]))
        pieces.append((f"B{r}", r, 2, d2[r]))
    p = pd.DataFrame(pieces, columns=["key", "receipt_idx", "part", "day"])
    p["day"] = p.groupby("key")["day"].transform("max")
    p = p[p["day"] < HORIZON_DAYS]
    lines = p.merge(rlines.reset_index(names="rline_idx"), on="receipt_idx")
    q = lines["quantity"].to_numpy()
    first_q = (q + 1) // 2
    lines["quantity"] = np.select([lines["part"] == 1, lines["part"] == 2], [first_q, q - first_q], q)
    lines = lines[lines["quantity"] > 0].copy()
    heads = lines.groupby("key", sort=False).agg(day=("day", "first"), receipt_idx=("receipt_idx", "first"))
    heads = heads.sort_values(["day", "receipt_idx"], kind="stable").reset_index()
    heads["invoice_idx"] = np.arange(len(heads))
    lines = lines.merge(heads[["key", "invoice_idx"]], on="key")
    ridx = heads["receipt_idx"].to_numpy()
    org = receipts["org_code"].to_numpy()[ridx]
    cur = receipts["currency"].to_numpy()[ridx]
    order_idx = receipts["order_idx"].to_numpy()[ridx]
    pct = orders["tax_pct"].to_numpy()[order_idx]
    # A few invoices carry prices different from the order (price differences).
    odd_price = ~receipts["ic_org"].to_numpy()[ridx].astype(bool) & (rng.random(len(heads)) < 0.10)
    odd = odd_price[lines["invoice_idx"].to_numpy()]
    factor = rng.uniform(0.97, 1.03, len(lines))
    lines["unit_price"] = np.where(
        odd, np.maximum(1, np.round(lines["unit_price"] * factor)), lines["unit_price"]
    ).astype(np.int64)
    lines = lines.sort_values(["invoice_idx", "receipt_idx", "line_no"]).reset_index(drop=True)
    lines["inv_line_no"] = lines.groupby("invoice_idx").cumcount() + 1
    lines["net"] = lines["quantity"] * lines["unit_price"]
    lpct = pct[lines["invoice_idx"].to_numpy()]
    lines["tax"] = tax_of(lines["net"].to_numpy(), lpct)
    inv_rate = rate(heads["day"].to_numpy(), cur, pd.Series(org).map(BASE_OF).to_numpy())
    lr = inv_rate[lines["invoice_idx"].to_numpy()]
    lines["net_base"] = convert(lines["net"].to_numpy(), lr)
    lines["tax_base"] = convert(lines["tax"].to_numpy(), lr)
    ni = len(heads)
    agg = {
        c: np.bincount(lines["invoice_idx"], weights=lines[c], minlength=ni).astype(np.int64)
        for c in ("net", "tax", "net_base", "tax_base")
    }
    terms_days = 60
    life = lifecycle(rng, heads["day"].to_numpy())
    amend = rng.random(ni) < 0.05
    life["amend_day"] = np.where(amend, heads["day"].to_numpy() + rng.integers(1, 20, ni), NEVER)
    invoices = pd.DataFrame(
        {
            "kind": "goods",
            "org_code": org,
            "party_code": receipts["party_code"].to_numpy()[ridx],
            "day": heads["day"].to_numpy(),
            "terms": terms_days,
            "due_day": heads["day"].to_numpy() + terms_days,
            "due_day_amended": heads["day"].to_numpy() + terms_days + 15,
            "currency": cur,
            "tax_pct": pct,
            "net": agg["net"],
            "tax": agg["tax"],
            "gross": agg["net"] + agg["tax"],
            "rate_micro": inv_rate,
            "net_base": agg["net_base"],
            "tax_base": agg["tax_base"],
            "gross_base": agg["net_base"] + agg["tax_base"],
            "material_group": receipts["material_group"].to_numpy()[ridx],
            "ic_org": receipts["ic_org"].to_numpy()[ridx],
            "order_idx": order_idx,
            **life,
        }
    )
    # Intercompany invoices mirror the seller's: same amounts and cancellation.
    _cancel_some(rng, invoices, share=np.where(invoices["ic_org"] != "", 0.0, 0.015))
    if (invoices["ic_org"] != "").any():
        _mirror_ic_invoices(invoices, orders, sales)
    # Receipt value each invoice line clears: the received line's base value pro rata of the
    # quantity invoiced so far (in invoice date order, cancelled invoices included: their
    # reversal un-clears the same value), the last part clearing what is left.
    order = lines.sort_values(["rline_idx", "day", "invoice_idx"], kind="stable")
    cum_q = order.groupby("rline_idx")["quantity"].cumsum().to_numpy()
    g = rlines.loc[order["rline_idx"].to_numpy()]
    value, received = g["net_base"].to_numpy(), g["quantity"].to_numpy()
    cleared = prorate(value, cum_q, received) - prorate(value, cum_q - order["quantity"].to_numpy(), received)
    lines.loc[order.index, "cleared_base"] = cleared
    lines["cleared_base"] = lines["cleared_base"].astype(np.int64)
    gr = rlines.loc[lines["rline_idx"].to_numpy()]
    out_lines = pd.DataFrame(
        {
            "invoice_idx": lines["invoice_idx"].to_numpy(),
            "line_no": lines["inv_line_no"].to_numpy(),
            "receipt_idx": lines["receipt_idx"].to_numpy(),
            "receipt_line_no": lines["line_no"].to_numpy(),
            "material_code": gr["material_code"].to_numpy(),
            "material_group": gr["material_group"].to_numpy(),
            "quantity": lines["quantity"].to_numpy(),
            "unit_price": lines["unit_price"].to_numpy(),
            "net": lines["net"].to_numpy(),
            "tax_pct": lpct,
            "tax": lines["tax"].to_numpy(),
            "net_base": lines["net_base"].to_numpy(),
            "tax_base": lines["tax_base"].to_numpy(),
            "cleared_base": lines["cleared_base"].to_numpy(),
            "expense_type": None,
            "dept_code": None,
        }
    )
    return invoices, out_lines


def _mirror_ic_invoices(invoices: pd.DataFrame, orders: pd.DataFrame, sales: Sales) -> None:
    """An intercompany purchase invoice is cancelled when (and as) the seller's is."""
    ic = np.flatnonzero(invoices["ic_org"].to_numpy() != "")
    so = orders["ic_sales_order"].to_numpy()[invoices["order_idx"].to_numpy()[ic]]
    si = sales.invoices.set_index("order_idx")
    for col in ("cancel_drawn", "cancel_day", "amend_day", "due_day", "due_day_amended", "terms"):
        invoices.loc[ic, col] = si[col].reindex(so).to_numpy()
    invoices["cancel_drawn"] = invoices["cancel_drawn"].astype(bool)


def _service_invoices(rng, scale, master: MasterData, rate) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly service invoices per org (rent, advertising, consulting, freight)."""
    sup = master.suppliers
    third = sup[sup["group_org"] == ""]
    dom = third[third["currency"] == "CNY"]["supplier_code"].to_numpy()
    usd = third[third["currency"] == "USD"]["supplier_code"].to_numpy()
    providers = {etype: (dom[i % len(dom)], usd[i % len(usd)]) for i, etype in enumerate(SERVICES)}
    depts = master.departments
    heads, lines = [], []
    for org, share in ORGS[["org_code", "volume_share"]].itertuples(index=False):
        abroad = org == "ORG03"
        base = BASE_OF[org]
        for m in range(PERIODS):
            start = int(period_start_day(np.array([m]))[0])
            for etype, (function, pct, (lo, hi)) in SERVICES.items():
                if etype == "CONSULTING" and rng.random() < 0.4:
                    continue
                day = min(start + int(rng.integers(0, 25)), HORIZON_DAYS - 1)
                n_lines = 2 if etype == "CONSULTING" else 1
                amount = int(rng.uniform(lo, hi) * share * max(scale, 0.2) ** 0.5 * 100)
                if abroad:
                    amount = amount // 7
                dept_suffix = [SERVICE_DEPT[function]] + (["RD"] if n_lines == 2 else [])
                idx = len(heads)
                for ln, suffix in enumerate(dept_suffix, 1):
                    dept = depts[(depts["org_code"] == org) & depts["dept_code"].str.startswith(suffix)][
                        "dept_code"
                    ].iat[0]
                    part = amount // n_lines
                    lines.append((idx, ln, etype, dept, part, 0 if abroad else pct))
                heads.append(
                    (org, providers[etype][1 if abroad else 0], day, "USD" if abroad else "CNY", base)
                )
    h = pd.DataFrame(heads, columns=["org_code", "party_code", "day", "currency", "base"])
    ln = pd.DataFrame(
        lines, columns=["invoice_idx", "line_no", "expense_type", "dept_code", "net", "tax_pct"]
    )
    ln["tax"] = tax_of(ln["net"].to_numpy(), ln["tax_pct"].to_numpy())
    r = rate(h["day"].to_numpy(), h["currency"].to_numpy(), h["base"].to_numpy())
    lr = r[ln["invoice_idx"].to_numpy()]
    ln["net_base"] = convert(ln["net"].to_numpy(), lr)
    ln["tax_base"] = convert(ln["tax"].to_numpy(), lr)
    ni = len(h)
    agg = {
        c: np.bincount(ln["invoice_idx"], weights=ln[c], minlength=ni).astype(np.int64)
        for c in ("net", "tax", "net_base", "tax_base")
    }
    life = lifecycle(rng, h["day"].to_numpy())
    terms = 30
    invoices = pd.DataFrame(
        {
            "kind": "service",
            "org_code": h["org_code"],
            "party_code": h["party_code"],
            "day": h["day"],
            "terms": terms,
            "due_day": h["day"] + terms,
            "due_day_amended": h["day"] + terms + 15,
            "currency": h["currency"],
            "tax_pct": ln.groupby("invoice_idx")["tax_pct"].max().reindex(range(ni)).to_numpy(),
            "net": agg["net"],
            "tax": agg["tax"],
            "gross": agg["net"] + agg["tax"],
            "rate_micro": r,
            "net_base": agg["net_base"],
            "tax_base": agg["tax_base"],
            "gross_base": agg["net_base"] + agg["tax_base"],
            "material_group": None,
            "ic_org": "",
            "order_idx": -1,
            **life,
        }
    )
    invoices["cancel_drawn"] = False
    out = pd.DataFrame(
        {
            "invoice_idx": ln["invoice_idx"],
            "line_no": ln["line_no"],
            "receipt_idx": -1,
            "receipt_line_no": -1,
            "material_code": None,
            "material_group": None,
            "quantity": 0,
            "unit_price": 0,
            "net": ln["net"],
            "tax_pct": ln["tax_pct"],
            "tax": ln["tax"],
            "net_base": ln["net_base"],
            "tax_base": ln["tax_base"],
            "cleared_base": 0,
            "expense_type": ln["expense_type"],
            "dept_code": ln["dept_code"],
        }
    )
    return invoices, out


def _mirror_intercompany_payments(
    payments: Settlements, invoices: pd.DataFrame, orders: pd.DataFrame, sales: Sales
) -> None:
    """Intercompany payments are the seller's receipts seen from the buyer: the planned
    payments of intercompany invoices are replaced by mirrors of those receipts (same day,
    amount and allocations; no fee)."""
    ic_inv = np.flatnonzero(invoices["ic_org"].to_numpy() != "")
    if len(ic_inv) == 0:
        return
    # sales invoice -> sales order -> the buyer's purchase order -> its purchase invoice
    ic_po = np.flatnonzero(orders["ic_sales_order"].to_numpy() >= 0)
    po_of_so = pd.Series(ic_po, index=orders["ic_sales_order"].to_numpy()[ic_po])
    pinv_of_po = pd.Series(ic_inv, index=invoices["order_idx"].to_numpy()[ic_inv])
    s_inv = sales.invoices
    ra = sales.receipts.allocations
    ra = ra[s_inv["ic_org"].to_numpy()[ra["invoice_idx"].to_numpy()] != ""]
    pinv = pinv_of_po.reindex(po_of_so.reindex(s_inv["order_idx"].to_numpy()[ra["invoice_idx"]]).to_numpy())
    ra = ra.assign(invoice_idx=pinv.to_numpy()).dropna(subset=["invoice_idx"])
    ra["invoice_idx"] = ra["invoice_idx"].astype(np.int64)
    rh = sales.receipts.headers.loc[np.unique(ra["settle_idx"])]
    first_inv = ra.groupby("settle_idx")["invoice_idx"].first().reindex(rh.index).to_numpy()
    mirror = rh.assign(
        org_code=invoices["org_code"].to_numpy()[first_inv],
        party_code=invoices["party_code"].to_numpy()[first_inv],
        fee=0,
    )
    base = mirror["org_code"].map(BASE_OF).to_numpy()
    mirror["bank_account"] = bank_accounts(mirror["currency"].to_numpy(), mirror["org_code"].to_numpy())
    mirror["rate_micro"] = np.where(mirror["currency"].to_numpy() == base, 1_000_000, mirror["rate_micro"])

    h, a = payments.headers, payments.allocations
    drop = np.unique(a["settle_idx"].to_numpy()[np.isin(a["invoice_idx"], ic_inv)])
    heads = pd.concat([h.drop(index=drop).assign(src="p"), mirror.assign(src="r")])
    heads["old"] = heads.index
    heads = heads.sort_values(["day", "src", "old"], kind="stable").reset_index(drop=True)
    pos = {(src, old): i for i, (src, old) in enumerate(zip(heads["src"], heads["old"], strict=True))}
    a_keep = a[~np.isin(a["settle_idx"], drop)]
    alloc = (
        pd.concat(
            [
                a_keep.assign(settle_idx=[pos[("p", o)] for o in a_keep["settle_idx"]]),
                ra.assign(settle_idx=[pos[("r", o)] for o in ra["settle_idx"]]),
            ],
            ignore_index=True,
        )
        .sort_values(["settle_idx", "line_no"])
        .reset_index(drop=True)
    )
    heads = heads.drop(columns=["src", "old"])
    alloc["carrying_base"] = carrying_amounts(alloc, invoices, heads["day"].to_numpy())
    payments.headers, payments.allocations = heads, alloc


__all__ = ["Purchasing", "Sales", "build_purchasing", "build_sales", "lifecycle", "round_div"]
