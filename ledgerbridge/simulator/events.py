"""Business events: every document fact that should reach the books, one row per
(document, event). Anomalies are planted on events and the ground truth speaks of them;
the postings themselves come from the documents (``ledger``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER
from ledgerbridge.simulator.expenses import ExpenseSystem
from ledgerbridge.simulator.master import BASE_OF
from ledgerbridge.simulator.trade import Purchasing, Sales

EVENT_COLUMNS = [
    "event_type",
    "doc_idx",
    "doc_no",
    "org_code",
    "day",
    "is_reversal",
    "supplier_code",
    "customer_code",
    "employee_code",
    "dept_code",
    "currency",
    "gross",
    "has_tax",
    "fee",
    "allocations",
    "ic_org",
]
#: which table each event type's document lives in (ground truth's ``source``)
SOURCE_OF_EVENT = {
    "GR": "goods_receipts",
    "PINV": "supplier_invoices",
    "PAY": "supplier_payments",
    "DN": "deliveries",
    "SINV": "customer_invoices",
    "REC": "customer_receipts",
    "EC_APPROVE": "expense_claims",
    "CPAY": "claim_payments",
    "ADV": "employee_advances",
}


def _frame(n: int, **cols) -> pd.DataFrame:
    full = {c: cols.get(c) for c in EVENT_COLUMNS}
    return pd.DataFrame(
        {
            c: (np.full(n, v, dtype=object if v is None else None) if np.ndim(v) == 0 else v)
            for c, v in full.items()
        }
    )


def _docs(event_type, df: pd.DataFrame, day_col: str, party: str | None, **extra) -> pd.DataFrame:
    ok = df[day_col].to_numpy() < HORIZON_DAYS
    idx = np.flatnonzero(ok)
    cols = dict(
        event_type=event_type,
        doc_idx=idx,
        doc_no=df["doc_no"].to_numpy()[idx],
        org_code=df["org_code"].to_numpy()[idx],
        day=df[day_col].to_numpy()[idx],
        is_reversal=False,
        currency=df["currency"].to_numpy()[idx],
        ic_org=df["ic_org"].to_numpy()[idx] if "ic_org" in df else "",
    )
    if party:
        cols[party] = df["party_code"].to_numpy()[idx] if "party_code" in df else df[party].to_numpy()[idx]
    for k, v in extra.items():
        cols[k] = np.asarray(v)[idx] if np.ndim(v) else v
    return _frame(len(idx), **cols)


def build_events(purchase: Purchasing, sales: Sales, expenses: ExpenseSystem) -> pd.DataFrame:
    """All business events of the world (before any as-of cut)."""
    p, s, x = purchase, sales, expenses
    pay_alloc = (
        p.payments.allocations.groupby("settle_idx")
        .size()
        .reindex(range(len(p.payments.headers)), fill_value=0)
    )
    rec_alloc = (
        s.receipts.allocations.groupby("settle_idx")
        .size()
        .reindex(range(len(s.receipts.headers)), fill_value=0)
    )
    frames = [
        _docs(
            "GR", p.receipts, "approve_day", "supplier_code", gross=p.receipts["net"], has_tax=False, fee=0
        ),
        _docs(
            "DN",
            s.deliveries,
            "approve_day",
            "customer_code",
            gross=s.deliveries["cost_base"],
            has_tax=False,
            fee=0,
        ),
    ]
    for etype, inv, party in (("PINV", p.invoices, "supplier_code"), ("SINV", s.invoices, "customer_code")):
        frames.append(
            _docs(etype, inv, "approve_day", party, gross=inv["gross"], has_tax=inv["tax"] > 0, fee=0)
        )
        rev = _docs(etype, inv, "cancel_day", party, gross=-inv["gross"], has_tax=inv["tax"] > 0, fee=0)
        rev["is_reversal"] = True
        frames.append(rev)
    frames.append(
        _docs(
            "PAY",
            p.payments.headers,
            "approve_day",
            "supplier_code",
            gross=p.payments.headers["amount"],
            has_tax=False,
            fee=p.payments.headers["fee"],
            allocations=pay_alloc.to_numpy(),
        )
    )
    frames.append(
        _docs(
            "REC",
            s.receipts.headers,
            "approve_day",
            "customer_code",
            gross=s.receipts.headers["amount"],
            has_tax=False,
            fee=s.receipts.headers["fee"],
            allocations=rec_alloc.to_numpy(),
        )
    )
    c = x.claims.assign(ic_org="")
    frames.append(
        _docs(
            "EC_APPROVE",
            c,
            "approve_day",
            "employee_code",
            dept_code=c["dept_code"],
            gross=c["gross"],
            has_tax=c["deductible_tax"] > 0,
            fee=0,
        )
    )
    frames.append(
        _docs(
            "CPAY",
            x.payments.assign(ic_org=""),
            "approve_day",
            None,
            gross=x.payments["amount"],
            has_tax=False,
            fee=0,
        )
    )
    frames.append(
        _docs(
            "ADV",
            x.advances.assign(ic_org=""),
            "approve_day",
            "employee_code",
            gross=x.advances["amount"],
            has_tax=False,
            fee=0,
        )
    )
    events = pd.concat(frames, ignore_index=True)
    events = events[events["day"].to_numpy() < min(HORIZON_DAYS, NEVER)].reset_index(drop=True)
    events["is_reversal"] = events["is_reversal"].astype(bool)
    events["has_tax"] = events["has_tax"].fillna(False).astype(bool)
    events["ic_org"] = events["ic_org"].fillna("")
    for col in ("day", "doc_idx", "gross", "fee"):
        events[col] = events[col].fillna(0).astype(np.int64)
    events["allocations"] = events["allocations"].fillna(0).astype(np.int64)
    events["foreign"] = events["currency"].to_numpy() != events["org_code"].map(BASE_OF).to_numpy()
    events.insert(0, "event_id", np.arange(len(events)))
    return events


__all__ = ["SOURCE_OF_EVENT", "build_events"]
