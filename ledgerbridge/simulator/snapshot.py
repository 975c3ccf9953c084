"""Cut the world at an as-of date: the source systems as they stood on that day.

A row exists once created; its status and ``updated_at`` follow the lifecycle
days that have passed. Producing a later as-of adds rows and moves statuses
and timestamps forward, exactly as incremental loads will see it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import CLOSE_AFTER_DAYS, NEVER, period_end_day, period_index, to_date
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


def take(world: World, a: int) -> Snapshot:
    """The sources at as-of day ``a``."""
    w = world
    erp: dict[str, pd.DataFrame] = {}
    for name, df in (("purchase", w.purchase), ("sales", w.sales)):
        orders = _documents(df.orders, a, "order_no")
        lines = df.order_lines[df.order_lines["order_no"].isin(orders["order_no"])].copy()
        lines = lines.merge(orders[["order_no", "updated_at"]], on="order_no")
        fulfil = _documents(df.fulfilments, a, "doc_no")
        fl = df.fulfil_lines[
            df.fulfil_lines["doc_no"].isin(fulfil.loc[fulfil["status"] == "approved", "doc_no"])
        ]
        inv = _documents(df.invoices, a, "doc_no")
        inv["due_day"] = np.where(inv["amended"], inv["due_day_amended"], inv["due_day"])
        settle = _documents(df.settlements, a, "doc_no")
        erp[f"{name}_orders"], erp[f"{name}_order_lines"] = orders, lines
        erp[f"{name}_fulfilments"], erp[f"{name}_fulfil_lines"] = fulfil, fl
        erp[f"{name}_invoices"], erp[f"{name}_settlements"] = inv, settle

    x = w.expenses
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
    created = claims[["claim_id", "created_day"]]
    lines = x.lines.merge(created, on="claim_id")
    lines["updated_at"] = _stamp(lines["created_day"].to_numpy(), _tod(lines["claim_id"], 3))
    invoices = x.invoices[x.invoices["invoice_id"].isin(lines["invoice_id"])].copy()
    first_use = lines.groupby("invoice_id")["created_day"].min()
    invoices["updated_at"] = _stamp(
        invoices["invoice_id"].map(first_use).to_numpy(), _tod(invoices["invoice_id"], 4)
    )
    approvals = x.approvals[(x.approvals["day"].to_numpy() <= a)].copy()
    approvals["updated_at"] = _stamp(approvals["day"].to_numpy(), _tod(approvals["claim_id"], 5))
    expense = {
        "expense_claims": claims,
        "expense_claim_lines": lines,
        "vat_invoices": invoices,
        "approval_steps": approvals,
    }

    gl = w.gl_lines[w.gl_lines["day"].to_numpy() <= a]
    last_period = int(period_index(np.array([min(a, 364)]))[0])
    periods = np.arange(0, last_period + 1)
    closed = a >= period_end_day(periods) + CLOSE_AFTER_DAYS
    ps = pd.DataFrame(
        [(o, p, c) for o in w.master.orgs["org_code"] for p, c in zip(periods, closed, strict=True)],
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
