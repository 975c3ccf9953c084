"""The whole simulated horizon, before any as-of cut: documents, events, vouchers, plants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.anomalies import AnomalyRates, plan_anomalies, plan_batches
from ledgerbridge.simulator.calendar import HORIZON_DAYS, YEAR_START, period_of
from ledgerbridge.simulator.events import build_events
from ledgerbridge.simulator.expenses import ExpenseSystem, build_expenses
from ledgerbridge.simulator.fx import daily_rates, rate_lookup
from ledgerbridge.simulator.journals import manual_journals, orphan_postings
from ledgerbridge.simulator.ledger import correct_legs, settlement_amounts
from ledgerbridge.simulator.master import BASE_OF, MasterData, build_master
from ledgerbridge.simulator.money import convert
from ledgerbridge.simulator.postings import PREPARERS, posted_legs, voucher_lines
from ledgerbridge.simulator.styles import MINGYUAN, HouseStyle
from ledgerbridge.simulator.trade import Purchasing, Sales, build_purchasing, build_sales, lifecycle

RATE_DAYS = HORIZON_DAYS + 40  # rates run past the horizon, so late as-of dates still have them


@dataclass
class World:
    """Everything the three source systems will ever hold, with the planted anomalies."""

    seed: int
    scale: float
    style: HouseStyle
    rates_cfg: AnomalyRates
    master: MasterData
    rates: pd.DataFrame
    purchase: Purchasing
    sales: Sales
    expenses: ExpenseSystem
    events: pd.DataFrame  # with 'anomaly' and 'batch' columns
    legs: pd.DataFrame  # the correct posting of every event (ledger.correct_legs)
    gl_lines: pd.DataFrame  # voucher lines as posted, with voucher ids
    gl_codes: pd.DataFrame  # ERP party code -> GL code (+ whether the GL master has the tax id)


def _gl_codes(master: MasterData, rates: AnomalyRates, seed: int) -> pd.DataFrame:
    """The GL's own codes for suppliers and customers: most equal the ERP's, some are legacy codes."""
    rng = np.random.default_rng([seed, 34])
    frames = []
    for df, col, name_col, legacy in (
        (master.suppliers, "supplier_code", "supplier_name", "GYS"),
        (master.customers, "customer_code", "customer_name", "KH"),
    ):
        code = df[col].to_numpy()
        third = np.flatnonzero(df["group_org"].to_numpy() == "")
        k = 0 if rates.code_mismatch <= 0 else max(2, int(round(rates.code_mismatch * len(third))))
        chosen = np.sort(rng.choice(third, k, replace=False)) if k else np.array([], np.int64)
        gl = code.astype(object).copy()
        gl[chosen] = [f"{legacy}{c[-4:]}" for c in code[chosen]]
        has_tax_id = np.ones(len(df), bool)
        if k:
            has_tax_id[chosen[0]] = False  # one legacy code finance never maintained: stays unmapped
        frames.append(
            pd.DataFrame(
                {
                    "party_type": "supplier" if legacy == "GYS" else "customer",
                    "erp_code": code,
                    "gl_code": gl,
                    "name": df[name_col].to_numpy(),
                    "tax_id": df["tax_id"].to_numpy(),
                    "gl_has_tax_id": has_tax_id,
                    "mismatch": gl != code,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _add_lifecycles(seed: int, purchase: Purchasing, sales: Sales, expenses: ExpenseSystem) -> None:
    """Settlements, claim payments and advances: drafted a few days before they are approved."""
    rng = np.random.default_rng([seed, 12])
    for df in (purchase.payments.headers, sales.receipts.headers, expenses.payments, expenses.advances):
        for k, v in lifecycle(rng, df["day"].to_numpy()).items():
            df[k] = v


def _number_documents(style: HouseStyle, p: Purchasing, s: Sales, x: ExpenseSystem) -> None:
    """Document numbers in the house style, in date order per type."""
    for doc_type, df, day in (
        ("PO", p.orders, "day"),
        ("GR", p.receipts, "day"),
        ("PINV", p.invoices, "day"),
        ("PAY", p.payments.headers, "day"),
        ("SO", s.orders, "day"),
        ("DN", s.deliveries, "day"),
        ("SINV", s.invoices, "day"),
        ("REC", s.receipts.headers, "day"),
        ("EC", x.claims, "claim_day"),
        ("CPAY", x.payments, "day"),
        ("ADV", x.advances, "day"),
    ):
        df["doc_no"] = style.number(doc_type, df[day].to_numpy())
    x.claims["claim_id"] = x.claims["doc_no"]


def _event_facts(events: pd.DataFrame, p: Purchasing, s: Sales) -> None:
    """Facts the anomaly plan needs: the document's rate, whether a wrong rate would show,
    a settlement's allocation state, and which payments are equal installments."""
    et = events["event_type"].to_numpy()
    di = events["doc_idx"].to_numpy()
    rate_doc = np.full(len(events), 1_000_000, np.int64)
    fx_visible = np.zeros(len(events), bool)
    fully = np.zeros(len(events), bool)
    for etype, df in (("GR", p.receipts), ("PINV", p.invoices), ("SINV", s.invoices)):
        m = et == etype
        rate_doc[m] = df["rate_micro"].to_numpy()[di[m]]
        fx_visible[m] = events["foreign"].to_numpy()[m]
    for etype, st, paying in (("PAY", p.payments, True), ("REC", s.receipts, False)):
        m = et == etype
        h = st.headers
        amounts = settlement_amounts(h, st.allocations, paying)
        rate_doc[m] = h["rate_micro"].to_numpy()[di[m]]
        at_today = convert(amounts["allocated"].to_numpy(), h["rate_micro"].to_numpy())
        visible = (at_today != amounts["carrying"].to_numpy()) & (amounts["allocated"].to_numpy() > 0)
        fx_visible[m] = events["foreign"].to_numpy()[m] & visible[di[m]]
        fully[m] = (amounts["prepay"].to_numpy() == 0)[di[m]]
    events["rate_micro_doc"] = rate_doc
    events["fx_visible"] = fx_visible
    events["fully_allocated"] = fully
    # equal installments: both payments of an invoice in the equal-installment set
    a = p.payments.allocations
    eq = a[np.isin(a["invoice_idx"], p.equal_installment_invoices)]
    events["ambiguous"] = (et == "PAY") & np.isin(di, eq["settle_idx"].to_numpy())
    # settlements whose party and amount no other settlement shares within ±10 days
    settle = np.isin(et, ["PAY", "REC"])
    party = events["supplier_code"].fillna(events["customer_code"]).to_numpy()
    sub = pd.DataFrame(
        {
            "i": np.flatnonzero(settle),
            "k": (
                events["org_code"] + "|" + pd.Series(party).astype(str) + "|" + events["gross"].astype(str)
            ).to_numpy()[settle],
            "d": events["day"].to_numpy()[settle],
        }
    ).sort_values(["k", "d"])
    same_prev = (sub["k"].eq(sub["k"].shift())) & (sub["d"] - sub["d"].shift() <= 10)
    same_next = (sub["k"].eq(sub["k"].shift(-1))) & (sub["d"].shift(-1) - sub["d"] <= 10)
    unique = np.zeros(len(events), bool)
    unique[sub["i"].to_numpy()] = ~(same_prev | same_next).to_numpy()
    events["unique_amount"] = unique


def build_world(
    seed: int, scale: float, style: HouseStyle = MINGYUAN, rates_cfg: AnomalyRates | None = None
) -> World:
    """Generate the whole horizon deterministically from the seed."""
    rates_cfg = rates_cfg or AnomalyRates()
    master = build_master(seed, scale)
    rates = daily_rates(seed, YEAR_START, RATE_DAYS)
    rate = rate_lookup(rates, YEAR_START)
    gl_codes = _gl_codes(master, rates_cfg, seed)
    unmapped = frozenset(gl_codes.loc[gl_codes["mismatch"] & ~gl_codes["gl_has_tax_id"], "erp_code"])
    sales = build_sales(seed, scale, master, rate)
    purchase = build_purchasing(
        seed,
        scale,
        master,
        rate,
        sales,
        unmapped_parties=unmapped,
        equal_installments=rates_cfg.ambiguous_pairs,
    )
    expenses = build_expenses(seed, scale, master, duplicate_vat_share=rates_cfg.duplicate_vat_invoice)
    _add_lifecycles(seed, purchase, sales, expenses)
    _number_documents(style, purchase, sales, expenses)
    events = build_events(purchase, sales, expenses)
    _event_facts(events, purchase, sales)

    cancelled = set(purchase.invoices.loc[purchase.invoices["cancel_drawn"], "doc_no"]) | set(
        sales.invoices.loc[sales.invoices["cancel_drawn"], "doc_no"]
    )
    anomaly = plan_anomalies(events, cancelled, rates_cfg, seed, unmapped)
    batch = plan_batches(events, anomaly, rates_cfg, seed)
    anomaly[(batch >= 0).to_numpy()] = "batch_posting"
    events["anomaly"], events["batch"] = anomaly.to_numpy(), batch.to_numpy()

    legs = correct_legs(events, purchase, sales, expenses, master)
    posted = posted_legs(events, legs, rate, seed)
    names = pd.concat(
        [
            master.suppliers.set_index("supplier_code")["supplier_name"],
            master.customers.set_index("customer_code")["customer_name"],
            master.employees.set_index("employee_code")["employee_name"],
        ]
    )
    lines = voucher_lines(events, posted, style, names, events.set_index("event_id")["batch"], seed)
    n_orphans = (
        0 if rates_cfg.orphan_posting <= 0 else max(3, int(round(rates_cfg.orphan_posting * len(events))))
    )
    lines = pd.concat(
        [lines, manual_journals(seed, scale), orphan_postings(seed, n_orphans, master)], ignore_index=True
    )
    lines["currency"] = lines["currency"].fillna(lines["org_code"].map(BASE_OF))
    lines["voucher_word"] = np.where(
        lines["org_code"].isin(list(style.orgs_with_voucher_kinds)), lines["voucher_kind"], "记"
    )
    lines = _number_vouchers(lines, style)
    return World(
        seed, scale, style, rates_cfg, master, rates, purchase, sales, expenses, events, legs, lines, gl_codes
    )


def _number_vouchers(lines: pd.DataFrame, style: HouseStyle) -> pd.DataFrame:
    """Voucher numbers per org, period and word in date order; lines numbered within a voucher."""
    lines["period"] = period_of(lines["day"].to_numpy())
    v = lines.groupby("voucher_key", as_index=False).agg(
        org_code=("org_code", "first"),
        period=("period", "first"),
        voucher_word=("voucher_word", "first"),
        day=("day", "first"),
    )
    v = v.sort_values(["org_code", "period", "voucher_word", "day", "voucher_key"])
    v["voucher_no"] = v.groupby(["org_code", "period", "voucher_word"]).cumcount() + 1
    lines = lines.merge(v[["voucher_key", "voucher_no"]], on="voucher_key")
    lines["side_order"] = np.where(lines["side"] == "D", 0, 1)
    lines = lines.sort_values(
        ["org_code", "period", "voucher_word", "voucher_no", "side_order", "leg_order", "account_code"],
        kind="stable",
    )
    lines["line_no"] = lines.groupby("voucher_key").cumcount() + 1
    lines["voucher_id"] = (
        pd.Series(style.ledger(lines["org_code"]), index=lines.index)
        + "-"
        + lines["period"]
        + "-"
        + lines["voucher_word"]
        + "-"
        + lines["voucher_no"].astype(str)
    )
    lines["preparer"] = lines["org_code"].map(PREPARERS)
    return lines.drop(columns="side_order").reset_index(drop=True)


__all__ = ["World", "build_world", "convert"]
