"""Business events: every document fact that should reach the books.

One row per (document, event); the GL postings and the ground truth are
derived from this table. Amounts are int64 cents in document currency and
in the org's base currency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER
from ledgerbridge.simulator.expenses import ExpenseSystem
from ledgerbridge.simulator.master import BANK_BY_CURRENCY, MasterData
from ledgerbridge.simulator.trade import TradeChain, base_currency_of

EVENT_COLUMNS = [
    "event_type",
    "doc_no",
    "org_code",
    "day",
    "is_reversal",
    "supplier_code",
    "customer_code",
    "employee_code",
    "dept_code",
    "currency",
    "rate_micro",
    "tax_pct",
    "net",
    "tax",
    "gross",
    "net_base",
    "tax_base",
    "gross_base",
    "material_group",
    "bank_account_code",
    "claim_idx",
]


def _frame(**cols) -> pd.DataFrame:
    n = max(len(v) for v in cols.values() if np.ndim(v) > 0)
    full = {c: cols.get(c) for c in EVENT_COLUMNS}
    df = pd.DataFrame({c: (np.full(n, v) if np.ndim(v) == 0 else v) for c, v in full.items()})
    return df


def _bank(currency: np.ndarray) -> np.ndarray:
    return (
        pd.Series(currency, dtype=object)
        .map({c: a for c, (_, a) in BANK_BY_CURRENCY.items()})
        .to_numpy(object)
    )


def build_events(
    purchase: TradeChain, sales: TradeChain, expenses: ExpenseSystem, master: MasterData
) -> pd.DataFrame:
    """All business events of the world (before any as-of cut)."""
    frames = []
    f = purchase.fulfilments
    frames.append(
        _frame(
            event_type="GR",
            doc_no=f["doc_no"],
            org_code=f["org_code"],
            day=f["approve_day"],
            is_reversal=False,
            supplier_code=f["party_code"],
            currency=f["currency"],
            rate_micro=f["rate_micro"],
            tax_pct=0,
            net=f["net"],
            tax=0,
            gross=f["net"],
            net_base=f["net_base"],
            tax_base=0,
            gross_base=f["net_base"],
            material_group=f["material_group"],
        )
    )
    d = sales.fulfilments
    base = base_currency_of(d["org_code"])
    frames.append(
        _frame(
            event_type="DN",
            doc_no=d["doc_no"],
            org_code=d["org_code"],
            day=d["approve_day"],
            is_reversal=False,
            customer_code=d["party_code"],
            currency=base,
            rate_micro=1_000_000,
            tax_pct=0,
            net=d["cost_base"],
            tax=0,
            gross=d["cost_base"],
            net_base=d["cost_base"],
            tax_base=0,
            gross_base=d["cost_base"],
            material_group=d["material_group"],
        )
    )
    for chain, etype, party_col in ((purchase, "PINV", "supplier_code"), (sales, "SINV", "customer_code")):
        inv = chain.invoices
        common = dict(
            doc_no=inv["doc_no"],
            org_code=inv["org_code"],
            currency=inv["currency"],
            rate_micro=inv["rate_micro"],
            tax_pct=inv["tax_pct"],
            material_group=inv["material_group"],
            **{party_col: inv["party_code"]},
        )
        frames.append(
            _frame(
                event_type=etype,
                day=inv["approve_day"],
                is_reversal=False,
                net=inv["net"],
                tax=inv["tax"],
                gross=inv["gross"],
                net_base=inv["net_base"],
                tax_base=inv["tax_base"],
                gross_base=inv["gross_base"],
                **common,
            )
        )
        c = inv["cancel_day"].to_numpy() < HORIZON_DAYS
        rev = {k: (np.asarray(v)[c] if np.ndim(v) else v) for k, v in common.items()}
        frames.append(
            _frame(
                event_type=etype,
                day=inv["cancel_day"].to_numpy()[c],
                is_reversal=True,
                net=-inv["net"].to_numpy()[c],
                tax=-inv["tax"].to_numpy()[c],
                gross=-inv["gross"].to_numpy()[c],
                net_base=-inv["net_base"].to_numpy()[c],
                tax_base=-inv["tax_base"].to_numpy()[c],
                gross_base=-inv["gross_base"].to_numpy()[c],
                **rev,
            )
        )
    for chain, etype, party_col in ((purchase, "PAY", "supplier_code"), (sales, "REC", "customer_code")):
        s = chain.settlements
        frames.append(
            _frame(
                event_type=etype,
                doc_no=s["doc_no"],
                org_code=s["org_code"],
                day=s["approve_day"],
                is_reversal=False,
                currency=s["currency"],
                rate_micro=s["rate_micro"],
                tax_pct=0,
                net=s["amount"],
                tax=0,
                gross=s["amount"],
                net_base=s["amount_base"],
                tax_base=0,
                gross_base=s["amount_base"],
                bank_account_code=_bank(s["currency"].to_numpy()),
                **{party_col: s["party_code"]},
            )
        )
    cl = expenses.claims
    appr = cl["approve_day"].to_numpy() < NEVER
    net = (cl["gross"] - cl["deductible_tax"]).to_numpy()
    common = dict(
        doc_no=cl["claim_id"],
        org_code=cl["org_code"],
        employee_code=cl["employee_code"],
        dept_code=cl["dept_code"],
        currency=cl["currency"],
        rate_micro=1_000_000,
        tax_pct=0,
        is_reversal=False,
        claim_idx=np.arange(len(cl)),
    )
    sub = {k: (np.asarray(v)[appr] if np.ndim(v) else v) for k, v in common.items()}
    frames.append(
        _frame(
            event_type="EC_APPROVE",
            day=cl["approve_day"].to_numpy()[appr],
            net=net[appr],
            tax=cl["deductible_tax"].to_numpy()[appr],
            gross=cl["gross"].to_numpy()[appr],
            net_base=net[appr],
            tax_base=cl["deductible_tax"].to_numpy()[appr],
            gross_base=cl["gross"].to_numpy()[appr],
            **sub,
        )
    )
    paid = cl["paid_day"].to_numpy() < NEVER
    sub = {k: (np.asarray(v)[paid] if np.ndim(v) else v) for k, v in common.items()}
    frames.append(
        _frame(
            event_type="EC_PAY",
            day=cl["paid_day"].to_numpy()[paid],
            net=cl["gross"].to_numpy()[paid],
            tax=0,
            gross=cl["gross"].to_numpy()[paid],
            net_base=cl["gross"].to_numpy()[paid],
            tax_base=0,
            gross_base=cl["gross"].to_numpy()[paid],
            bank_account_code=_bank(cl["currency"].to_numpy()[paid]),
            **sub,
        )
    )
    events = pd.concat(frames, ignore_index=True)
    events = events[events["day"] < HORIZON_DAYS].reset_index(drop=True)
    for col in ("day", "rate_micro", "tax_pct", "net", "tax", "gross", "net_base", "tax_base", "gross_base"):
        events[col] = events[col].astype(np.int64)
    events["claim_idx"] = events["claim_idx"].fillna(-1).astype(np.int64)
    events["is_reversal"] = events["is_reversal"].astype(bool)
    events.insert(0, "event_id", np.arange(len(events)))
    return events
