"""Which events get which planted anomaly (the plan the GL postings follow).

Vocabulary of ``anomaly`` (also documented in docs/simulator.md):

| anomaly | system | what was planted | expected_status |
|---|---|---|---|
| missing_posting | finance | business event never posted to the GL | missing_in_gl |
| amount_mismatch | finance | posted with a different amount | amount_mismatch |
| duplicate_posting | finance | the same document posted twice | duplicate_posting |
| wrong_period | finance | posted in the following period | timing |
| fx_difference | finance | right original amount, wrong rate | fx_difference |
| orphan_posting | finance | control-account journal with no document | missing_in_business |
| reference_missing | finance | posting without the document number | matched (tier 2) |
| reference_mistyped | finance | posting with a mistyped document number | matched (tier 2) |
| ambiguous_pair | finance | two same-party, same-amount payments posted without references | ambiguous |
| split_posting | finance | one invoice posted in two vouchers (net, then tax) | matched |
| batch_posting | finance | several receipts posted in one line | matched |
| code_mismatch | finance | counterparty coded differently in the GL | mapping / unmapped |
| duplicate_vat_invoice | expense | the same VAT invoice claimed twice | duplicate_invoice |
| bad_row | erp / finance / expense | malformed source row | quarantine |
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import period_index


@dataclass(frozen=True)
class AnomalyRates:
    """Planting rates: a share of the eligible events (at least one where any is eligible)."""

    missing_posting: float = 0.012
    amount_mismatch: float = 0.008
    duplicate_posting: float = 0.005
    wrong_period: float = 0.008
    fx_difference: float = 0.03  # of foreign-currency events
    reference_missing: float = 0.03  # of payments and receipts
    reference_mistyped: float = 0.02
    split_posting: float = 0.04  # of supplier invoices with VAT
    batch_posting: float = 0.02  # of CNY receipts (pairs)
    ambiguous_pairs: float = 0.004  # pairs per supplier payment
    orphan_posting: float = 0.002  # orphan vouchers per event
    code_mismatch: float = 0.06  # of suppliers and customers
    duplicate_vat_invoice: float = 0.004  # of claim lines
    bad_rows_per_kind: int = 2  # per kind of bad row, per scale unit (at least one)


def _pick(rng: np.random.Generator, eligible: np.ndarray, rate: float) -> np.ndarray:
    idx = np.flatnonzero(eligible)
    if len(idx) == 0:
        return idx
    k = max(1, int(round(rate * len(idx))))
    return np.sort(rng.choice(idx, min(k, len(idx)), replace=False))


def plan_anomalies(
    events: pd.DataFrame,
    cancelled_docs: set[str],
    rates: AnomalyRates,
    seed: int,
    unmapped_parties: frozenset[str] = frozenset(),
) -> pd.Series:
    """An ``anomaly`` label per event ('' for a clean one); each event gets at most one.

    Postings without a usable reference are only planted for parties the GL codes
    resolvably: matching them needs the party, so for an unmapped one no hub could."""
    rng = np.random.default_rng([seed, 30])
    label = np.full(len(events), "", dtype=object)
    et = events["event_type"].to_numpy()
    clean = (~events["is_reversal"].to_numpy()) & (~events["doc_no"].isin(cancelled_docs).to_numpy())
    foreign = events["currency"].to_numpy() != np.where(
        events["org_code"].to_numpy() == "ORG03", "USD", "CNY"
    )
    party = events["supplier_code"].fillna(events["customer_code"]).to_numpy()
    settle = np.isin(et, ["PAY", "REC"]) & ~np.isin(party, list(unmapped_parties))
    early = period_index(events["day"].to_numpy()) <= 10  # the next period is still within the year

    def take(name: str, eligible: np.ndarray, rate: float) -> None:
        chosen = _pick(rng, eligible & clean & (label == ""), rate)
        label[chosen] = name

    take("missing_posting", np.ones(len(events), bool), rates.missing_posting)
    take("amount_mismatch", et != "EC_APPROVE", rates.amount_mismatch)
    take("duplicate_posting", np.ones(len(events), bool), rates.duplicate_posting)
    take("wrong_period", early, rates.wrong_period)
    take("fx_difference", foreign & (et != "DN"), rates.fx_difference)
    take("reference_missing", settle, rates.reference_missing)
    take("reference_mistyped", settle, rates.reference_mistyped)
    take("split_posting", (et == "PINV") & (events["tax"].to_numpy() > 0), rates.split_posting)
    return pd.Series(label, index=events.index, name="anomaly")


def plan_batches(events: pd.DataFrame, anomaly: pd.Series, rates: AnomalyRates, seed: int) -> pd.Series:
    """Pairs of clean CNY receipts of one customer in one period posted as one line: a batch id per event."""
    rng = np.random.default_rng([seed, 31])
    ev = events[(events["event_type"] == "REC") & (events["currency"] == "CNY") & (anomaly == "")].copy()
    ev["period"] = period_index(ev["day"].to_numpy())
    ev = ev.sort_values(["org_code", "customer_code", "period", "day", "event_id"])
    same = (
        ev["org_code"].eq(ev["org_code"].shift())
        & ev["customer_code"].eq(ev["customer_code"].shift())
        & ev["period"].eq(ev["period"].shift())
    ).to_numpy()
    second = np.flatnonzero(same)
    # Non-overlapping pairs (i-1, i).
    second = second[np.r_[True, np.diff(second) > 1]] if len(second) else second
    batch = pd.Series(-1, index=events.index, dtype=np.int64)
    if len(second) == 0:
        return batch
    k = max(1, int(round(rates.batch_posting * len(ev) / 2)))
    chosen = np.sort(rng.choice(second, min(k, len(second)), replace=False))
    ids = ev["event_id"].to_numpy()
    batch.loc[ids[chosen]] = ids[chosen]
    batch.loc[ids[chosen - 1]] = ids[chosen]
    return batch
