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
| amount_off_by_cent | finance | customer invoice posted 0.01 high (over the tolerance) | amount_mismatch |
| window_edge_inside | finance | no reference, posted 7 days late (the window's edge) | matched (tier 2) |
| window_edge_outside | finance | no reference, 8 days late | missing_in_gl; its voucher missing_in_business |
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

from ledgerbridge.simulator.calendar import HORIZON_DAYS, period_index, period_start_day


@dataclass(frozen=True)
class AnomalyRates:
    """Planting rates: a share of the eligible events (at least one where any is eligible and
    the rate is above zero; ``AnomalyRates.none()`` plants nothing)."""

    missing_posting: float = 0.012
    amount_mismatch: float = 0.008
    amount_off_by_cent: float = 0.002  # of base-currency customer invoices: 0.01 over the tolerance
    duplicate_posting: float = 0.005
    duplicate_claim_payment: float = 0.01  # of claim payments
    wrong_period: float = 0.008
    fx_difference: float = 0.03  # of foreign-currency events
    reference_missing: float = 0.03  # of payments and receipts
    reference_mistyped: float = 0.02
    window_edge: float = 0.004  # reference-less settlements posted 7 (inside) / 8 (outside) days late
    split_posting: float = 0.04  # of supplier invoices with VAT
    batch_posting: float = 0.02  # of CNY receipts (pairs)
    ambiguous_pairs: float = 0.004  # pairs per supplier invoice
    orphan_posting: float = 0.002  # orphan vouchers per event
    code_mismatch: float = 0.06  # of suppliers and customers
    duplicate_vat_invoice: float = 0.004  # of claim lines
    bad_rows_per_kind: int = 2  # per kind of bad row, per scale unit (at least one)

    @classmethod
    def none(cls) -> AnomalyRates:
        """A clean world: no planted anomaly and no bad row."""
        return cls(**{f: 0 for f in cls.__dataclass_fields__})

    @property
    def clean(self) -> bool:
        return all(getattr(self, f) == 0 for f in self.__dataclass_fields__)


def _pick(rng: np.random.Generator, eligible: np.ndarray, rate: float) -> np.ndarray:
    idx = np.flatnonzero(eligible)
    if len(idx) == 0 or rate <= 0:
        return idx[:0]
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
    label[events["ambiguous"].to_numpy()] = "ambiguous_pair"
    et = events["event_type"].to_numpy()
    clean = (
        ~events["is_reversal"].to_numpy()
        & ~events["doc_no"].isin(cancelled_docs).to_numpy()
        & (events["ic_org"].to_numpy() == "")
    )
    party = events["supplier_code"].fillna(events["customer_code"]).to_numpy()
    settle = (
        np.isin(et, ["PAY", "REC"])
        & ~np.isin(party, list(unmapped_parties))
        & (events["allocations"] > 0).to_numpy()
    )
    day = events["day"].to_numpy()
    pidx = period_index(day)
    last = int(period_index(np.array([HORIZON_DAYS - 1]))[0])
    early = pidx < last  # the next period is still within the horizon
    dom = day - period_start_day(pidx)
    base_cur = ~events["foreign"].to_numpy()

    def take(name: str, eligible: np.ndarray, rate: float) -> None:
        chosen = _pick(rng, eligible & clean & (label == ""), rate)
        label[chosen] = name

    everything = np.ones(len(events), bool)
    take("missing_posting", everything, rates.missing_posting)
    take("amount_mismatch", ~np.isin(et, ["EC_APPROVE", "CPAY"]), rates.amount_mismatch)
    take("amount_off_by_cent", (et == "SINV") & base_cur, rates.amount_off_by_cent)
    take("duplicate_posting", everything, rates.duplicate_posting)
    take("duplicate_posting", et == "CPAY", rates.duplicate_claim_payment)
    take("wrong_period", early, rates.wrong_period)
    take("fx_difference", events["fx_visible"].to_numpy(), rates.fx_difference)
    take("reference_missing", settle, rates.reference_missing)
    take("reference_mistyped", settle, rates.reference_mistyped)
    edge = settle & base_cur & (dom <= 18) & events["unique_amount"].to_numpy()
    take("window_edge_inside", edge, rates.window_edge)
    take("window_edge_outside", edge, rates.window_edge)
    take("split_posting", (et == "PINV") & events["has_tax"].to_numpy(), rates.split_posting)
    return pd.Series(label, index=events.index, name="anomaly")


def plan_batches(events: pd.DataFrame, anomaly: pd.Series, rates: AnomalyRates, seed: int) -> pd.Series:
    """Pairs of clean CNY receipts of one customer in one period, without fee or prepayment,
    posted as one voucher: a batch id per event."""
    rng = np.random.default_rng([seed, 31])
    ok = (
        (events["event_type"] == "REC")
        & (events["currency"] == "CNY")
        & ~events["foreign"]
        & (events["fee"] == 0)
        & events["fully_allocated"]
        & (anomaly == "")
        & (events["ic_org"] == "")
    )
    ev = events[ok].copy()
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
    if len(second) == 0 or rates.batch_posting <= 0:
        return batch
    k = max(1, int(round(rates.batch_posting * len(ev) / 2)))
    chosen = np.sort(rng.choice(second, min(k, len(second)), replace=False))
    ids = ev["event_id"].to_numpy()
    batch.loc[ids[chosen]] = ids[chosen]
    batch.loc[ids[chosen - 1]] = ids[chosen]
    return batch
