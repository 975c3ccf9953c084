"""Cut the world at an as-of date: the source systems as they stood on that day.

A row exists once created; its status and ``updated_at`` follow the lifecycle
days that have passed. Producing a later as-of adds rows and moves statuses
and timestamps forward, exactly as incremental loads will see it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import (
    CLOSE_AFTER_DAYS,
    HORIZON_DAYS,
    NEVER,
    period_end_day,
    period_index,
    to_date,
)
from ledgerbridge.simulator.money import to_text
from ledgerbridge.simulator.world import World

MASTER_UPDATED = np.datetime64("2024-12-01T09:00:00")


@dataclass
class Snapshot:
    """Tables per source system at the as-of day (money still in int64 cents)."""

    as_of_day: int
    erp: dict[str, pd.DataFrame]
    expense: dict[str, pd.DataFrame]
    gl_lines: pd.DataFrame
    period_status: pd.DataFrame
    rates: pd.DataFrame


def _tod(key: pd.Series, salt: int) -> np.ndarray:
    """A stable time of day (seconds) per row key, independent of the as-of date."""
    h = pd.util.hash_pandas_object(key.reset_index(drop=True), index=False).to_numpy()
    return (8 * 3600 + (h + np.uint64(salt)) % np.uint64(11 * 3600)).astype(np.int64)


def _stamp(days: np.ndarray, tod: np.ndarray) -> np.ndarray:
    return to_date(days).astype("datetime64[s]") + tod.astype("timedelta64[s]")


def _documents(df: pd.DataFrame, a: int, key: str, status_cancel: bool = True) -> pd.DataFrame:
    """Rows created by day a, with status and updated_at as of a."""
    df = df[df["created_day"].to_numpy() <= a].copy()
    passed = {
        c: np.where(df[c].to_numpy() <= a, df[c].to_numpy(), -1)
        for c in ("created_day", "approve_day", "cancel_day", "amend_day")
        if c in df
    }
    last = np.max(np.column_stack(list(passed.values())), axis=1)
    status = np.where(passed["approve_day"] >= 0, "approved", "draft")
    if status_cancel:
        status = np.where(passed["cancel_day"] >= 0, "cancelled", status)
    df["status"] = status
    df["updated_at"] = _stamp(last, _tod(df[key], 1))
    if "amend_day" in df:
        df["amended"] = passed["amend_day"] >= 0
    return df


def _children(lines: pd.DataFrame, heads: pd.DataFrame, key: str) -> pd.DataFrame:
    """Lines of the headers that exist, stamped with their header's updated_at."""
    kept = lines[lines[key].isin(heads.index)].copy()
    kept["updated_at"] = heads["updated_at"].reindex(kept[key].to_numpy()).to_numpy()
    return kept


def take(world: World, a: int) -> Snapshot:
    """The sources at as-of day ``a``."""
    w = world
    p, s, x = w.purchase, w.sales, w.expenses
    erp: dict[str, pd.DataFrame] = {}
    for name, orders, lines in (("purchase", p.orders, p.order_lines), ("sales", s.orders, s.order_lines)):
        o = _documents(orders, a, "doc_no")
        erp[f"{name}_orders"] = o
        erp[f"{name}_order_lines"] = _children(lines, o, "order_idx")
    gr = _documents(p.receipts, a, "doc_no")
    erp["goods_receipts"] = gr
    erp["goods_receipt_lines"] = _children(p.receipt_lines, gr, "receipt_idx")
    for name, inv in (("supplier_invoices", p.invoices), ("customer_invoices", s.invoices)):
        df = _documents(inv, a, "doc_no")
        df["due_day"] = np.where(df["amended"], df["due_day_amended"], df["due_day"])
        erp[name] = df
    erp["supplier_invoice_lines"] = _children(p.invoice_lines, erp["supplier_invoices"], "invoice_idx")
    dn = _documents(s.deliveries, a, "doc_no")
    erp["deliveries"] = dn
    erp["delivery_lines"] = _children(s.delivery_lines, dn, "delivery_idx")
    for name, st in (("supplier_payments", p.payments), ("customer_receipts", s.receipts)):
        h = _documents(st.headers, a, "doc_no")
        erp[name] = h
        erp[f"{name}_allocations"] = _children(st.allocations, h, "settle_idx")

    claims = x.claims[x.claims["created_day"].to_numpy() <= a].copy()
    st = np.full(len(claims), "draft", dtype=object)
    for col, label in (
        ("submit_day", "submitted"),
        ("approve_day", "approved"),
        ("reject_day", "rejected"),
        ("paid_day", "paid"),
    ):
        st = np.where(claims[col].to_numpy() <= a, label, st)
    claims["status"] = st
    days = np.column_stack(
        [
            np.where(claims[c].to_numpy() <= a, claims[c].to_numpy(), -1)
            for c in ("created_day", "submit_day", "approve_day", "reject_day", "paid_day")
        ]
    )
    claims["updated_at"] = _stamp(days.max(axis=1), _tod(claims["claim_id"], 2))
    for c in ("approve_day", "paid_day"):
        claims[c] = np.where(claims[c].to_numpy() <= a, claims[c].to_numpy(), NEVER)
    lines = _children(
        x.lines,
        claims.assign(updated_at=_stamp(claims["created_day"].to_numpy(), _tod(claims["claim_id"], 3))),
        "claim_idx",
    )
    invoices = x.invoices[x.invoices["invoice_id"].isin(lines["invoice_id"])].copy()
    first_use = lines.groupby("invoice_id")["updated_at"].min()
    invoices["updated_at"] = invoices["invoice_id"].map(first_use).to_numpy()
    approvals = x.approvals[
        (x.approvals["day"].to_numpy() <= a) & x.approvals["claim_idx"].isin(claims.index)
    ].copy()
    approvals["updated_at"] = _stamp(approvals["day"].to_numpy(), _tod(approvals["claim_idx"].astype(str), 5))
    payments = _documents(x.payments, a, "doc_no")
    advances = _documents(x.advances, a, "doc_no")
    expense = {
        "expense_claims": claims,
        "expense_claim_lines": lines,
        "vat_invoices": invoices,
        "approval_steps": approvals,
        "employee_advances": advances,
        "claim_payments": payments,
        "claim_payment_lines": _children(x.payment_lines, payments, "payment_idx"),
    }

    gl = w.gl_lines[w.gl_lines["day"].to_numpy() <= a]
    last_period = int(period_index(np.array([min(a, HORIZON_DAYS - 1)]))[0])
    periods = np.arange(0, last_period + 1)
    closed = a >= period_end_day(periods) + CLOSE_AFTER_DAYS
    ps = pd.DataFrame(
        [(o, p_, c) for o in w.master.orgs["org_code"] for p_, c in zip(periods, closed, strict=True)],
        columns=["org_code", "period_idx", "closed"],
    )
    rates = w.rates[w.rates["rate_date"] <= pd.Timestamp(to_date(np.array([a]))[0])]
    return Snapshot(a, erp, expense, gl, ps, rates)


def money(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Cents columns -> decimal text columns."""
    out = df.copy()
    for c in cols:
        out[c] = to_text(out[c].to_numpy())
    return out
