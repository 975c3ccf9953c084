"""The whole simulated year, before any as-of cut: documents, events, vouchers, plants."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.anomalies import AnomalyRates, plan_anomalies, plan_batches
from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER, YEAR_START, period_of
from ledgerbridge.simulator.events import build_events
from ledgerbridge.simulator.expenses import ExpenseSystem, build_expenses
from ledgerbridge.simulator.fx import daily_rates, rate_lookup
from ledgerbridge.simulator.journals import manual_journals, orphan_postings
from ledgerbridge.simulator.master import ORGS, MasterData, build_master
from ledgerbridge.simulator.money import convert
from ledgerbridge.simulator.postings import PREPARERS, post_events, voucher_word
from ledgerbridge.simulator.trade import PURCHASE, SALES, TradeChain, build_chain, doc_numbers

RATE_DAYS = 400  # rates run past year end, so late as-of dates still have them


@dataclass
class World:
    """Everything the three source systems will ever hold, with the planted anomalies."""

    seed: int
    scale: float
    master: MasterData
    rates: pd.DataFrame
    purchase: TradeChain
    sales: TradeChain
    expenses: ExpenseSystem
    events: pd.DataFrame  # with 'anomaly' and 'batch' columns
    gl_lines: pd.DataFrame  # voucher lines with voucher ids
    gl_codes: pd.DataFrame  # ERP party code -> GL code (+ whether the GL master has the tax id)
    duplicate_invoice_lines: pd.DataFrame  # claim lines re-using an earlier VAT invoice


def _installments(
    chain: TradeChain, rates: AnomalyRates, seed: int, unmapped_parties: frozenset[str]
) -> set[str]:
    """Split some CNY payments of mainland orgs into two equal installments a day apart.

    Posted without references, such a pair cannot be told apart: the ambiguous case."""
    rng = np.random.default_rng([seed, 32])
    s = chain.settlements
    ok = (
        (s["currency"] == "CNY")
        & (s["org_code"] != "ORG03")
        & (s["amount"] % 2 == 0)
        & (s["day"] < HORIZON_DAYS - 2)
        & ~s["party_code"].isin(unmapped_parties)
    ).to_numpy()
    idx = np.flatnonzero(ok)
    if len(idx) == 0:
        return set()
    k = max(1, int(round(rates.ambiguous_pairs * len(s))))
    chosen = np.sort(rng.choice(idx, min(k, len(idx)), replace=False))
    s.loc[chosen, "amount"] //= 2
    s.loc[chosen, "amount_base"] = s.loc[chosen, "amount"]
    second = s.loc[chosen].copy()
    second["doc_no"] = doc_numbers(PURCHASE.settle_prefix, np.arange(len(s) + 1, len(s) + len(chosen) + 1))
    for col in ("day", "created_day", "approve_day"):
        second[col] = second[col] + 1
    chain.settlements = pd.concat([s, second], ignore_index=True)
    return set(s.loc[chosen, "doc_no"]) | set(second["doc_no"])


def _duplicate_vat_invoices(expenses: ExpenseSystem, rates: AnomalyRates, seed: int) -> pd.DataFrame:
    """Re-use the VAT invoice of an earlier line on a later claim's line (claimed twice)."""
    rng = np.random.default_rng([seed, 33])
    lines, claims = expenses.lines, expenses.claims
    claim_day = claims["claim_day"].to_numpy()[lines["claim_idx"].to_numpy()]
    approved = claims["approve_day"].to_numpy()[lines["claim_idx"].to_numpy()] < NEVER
    mainland = claims["org_code"].to_numpy()[lines["claim_idx"].to_numpy()] != "ORG03"
    n = max(1, int(round(rates.duplicate_vat_invoice * len(lines))))
    cand = np.flatnonzero(approved & mainland & (lines["line_no"].to_numpy() == 1))
    pairs = []
    order = cand[np.argsort(claim_day[cand], kind="stable")]
    for j in rng.choice(np.arange(len(order) // 2, len(order)), min(n, len(order) // 2), replace=False):
        later = order[j]
        earlier = order[rng.integers(0, j)]
        if lines.at[earlier, "claim_id"] == lines.at[later, "claim_id"]:
            continue
        pairs.append((earlier, later))
    for earlier, later in pairs:
        for col in ("invoice_id", "amount", "deductible_tax", "expense_type", "invoice_type", "description"):
            lines.at[later, col] = lines.at[earlier, col]
    # Claim totals follow their lines.
    totals = lines.groupby("claim_idx")[["amount", "deductible_tax"]].sum()
    claims["gross"] = totals["amount"].reindex(range(len(claims))).to_numpy().astype(np.int64)
    claims["deductible_tax"] = (
        totals["deductible_tax"].reindex(range(len(claims))).to_numpy().astype(np.int64)
    )
    return lines.loc[[p[1] for p in pairs], ["claim_id", "line_no", "invoice_id", "claim_idx"]].assign(
        first_claim_id=[lines.at[p[0], "claim_id"] for p in pairs]
    )


def _gl_codes(master: MasterData, rates: AnomalyRates, seed: int) -> pd.DataFrame:
    """The GL's own codes for suppliers and customers: most equal the ERP's, some are legacy codes."""
    rng = np.random.default_rng([seed, 34])
    frames = []
    for df, col, legacy in (
        (master.suppliers, "supplier_code", "GYS"),
        (master.customers, "customer_code", "KH"),
    ):
        code = df[col].to_numpy()
        k = max(2, int(round(rates.code_mismatch * len(df))))
        chosen = np.sort(rng.choice(len(df), k, replace=False))
        gl = code.astype(object).copy()
        gl[chosen] = [f"{legacy}{c[-4:]}" for c in code[chosen]]
        has_tax_id = np.ones(len(df), bool)
        has_tax_id[chosen[0]] = False  # one legacy code finance never maintained: stays unmapped
        frames.append(
            pd.DataFrame(
                {
                    "party_type": "supplier" if legacy == "GYS" else "customer",
                    "erp_code": code,
                    "gl_code": gl,
                    "name": df.iloc[:, 1].to_numpy(),
                    "tax_id": df["tax_id"].to_numpy(),
                    "gl_has_tax_id": has_tax_id,
                    "mismatch": gl != code,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def build_world(seed: int, scale: float, rates_cfg: AnomalyRates | None = None) -> World:
    """Generate the full year deterministically from the seed."""
    rates_cfg = rates_cfg or AnomalyRates()
    master = build_master(seed, scale)
    rates = daily_rates(seed, YEAR_START, RATE_DAYS)
    rate = rate_lookup(rates, YEAR_START)
    purchase = build_chain(PURCHASE, seed, scale, master, rate)
    sales = build_chain(SALES, seed, scale, master, rate)
    expenses = build_expenses(seed, scale, master)
    gl_codes = _gl_codes(master, rates_cfg, seed)
    unmapped = frozenset(gl_codes.loc[gl_codes["mismatch"] & ~gl_codes["gl_has_tax_id"], "erp_code"])
    ambiguous_docs = _installments(purchase, rates_cfg, seed, unmapped)
    dup_invoices = _duplicate_vat_invoices(expenses, rates_cfg, seed)
    events = build_events(purchase, sales, expenses, master)

    cancelled = set(purchase.invoices.loc[purchase.invoices["cancel_drawn"], "doc_no"]) | set(
        sales.invoices.loc[sales.invoices["cancel_drawn"], "doc_no"]
    )
    anomaly = plan_anomalies(events, cancelled | ambiguous_docs, rates_cfg, seed, unmapped)
    anomaly[events["doc_no"].isin(ambiguous_docs).to_numpy() & (events["event_type"] == "PAY").to_numpy()] = (
        "ambiguous_pair"
    )
    batch = plan_batches(events, anomaly, rates_cfg, seed)
    anomaly[(batch >= 0).to_numpy()] = "batch_posting"
    events["anomaly"], events["batch"] = anomaly.to_numpy(), batch.to_numpy()

    legs = post_events(events, anomaly, batch, expenses.lines, master, rate, seed)
    manual = manual_journals(seed, scale)
    orphans = orphan_postings(seed, max(3, int(round(rates_cfg.orphan_posting * len(events)))), master)
    lines = pd.concat(
        [
            legs,
            manual.assign(event_id=-1, event_type="MANUAL"),
            orphans.assign(event_id=-2, event_type="ORPHAN"),
        ],
        ignore_index=True,
    )
    base = ORGS.set_index("org_code")["base_currency"]
    lines["currency"] = lines["currency"].fillna(lines["org_code"].map(base))
    lines["voucher_word"] = voucher_word(lines["org_code"].to_numpy(), lines["voucher_word"].to_numpy())
    lines = _number_vouchers(lines)
    return World(seed, scale, master, rates, purchase, sales, expenses, events, lines, gl_codes, dup_invoices)


def _number_vouchers(lines: pd.DataFrame) -> pd.DataFrame:
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
    lines = lines.sort_values(
        ["org_code", "period", "voucher_word", "voucher_no", "side", "leg_order"],
        key=lambda s: s.map({"D": 0, "C": 1}) if s.name == "side" else s,
    )
    lines["line_no"] = lines.groupby("voucher_key").cumcount() + 1
    lines["voucher_id"] = (
        lines["org_code"]
        + "-"
        + lines["period"]
        + "-"
        + lines["voucher_word"]
        + "-"
        + lines["voucher_no"].astype(str)
    )
    lines["preparer"] = lines["org_code"].map(PREPARERS)
    return lines.reset_index(drop=True)


__all__ = ["World", "build_world", "convert"]
