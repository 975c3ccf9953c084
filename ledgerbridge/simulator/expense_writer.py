"""The expense system's store: Parquet files that the demo API serves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER, to_date
from ledgerbridge.simulator.money import to_text
from ledgerbridge.simulator.snapshot import MASTER_UPDATED, Snapshot
from ledgerbridge.simulator.world import World

BAD_EXPENSE_ROWS = [
    ("expense_claims", "missing_key"),
    ("expense_claim_lines", "malformed_date"),
    ("vat_invoices", "unknown_currency"),
]


def _date(day: np.ndarray) -> np.ndarray:
    day = np.asarray(day)
    text = np.datetime_as_string(to_date(np.where(day < NEVER, day, 0)))
    return np.where(day < NEVER, text, None)


def _money(cents) -> pa.Array:
    return pa.array(to_text(np.asarray(cents, np.int64)), pa.string()).cast(pa.decimal128(18, 2))


def expense_tables(world: World, snap: Snapshot) -> dict[str, pd.DataFrame]:
    """Entities of the expense API at the snapshot (money still in cents, codes in the house style)."""
    m, x, w = world.master, snap.expense, world
    c, ln, inv, ap = x["expense_claims"], x["expense_claim_lines"], x["vat_invoices"], x["approval_steps"]
    adv, pay, pl = x["employee_advances"], x["claim_payments"], x["claim_payment_lines"]
    claim_no = w.expenses.claims["doc_no"].to_numpy()
    adv_no = w.expenses.advances["doc_no"].to_numpy()
    pay_no = w.expenses.payments["doc_no"].to_numpy()
    advance_idx = c["advance_idx"].to_numpy()
    out = {
        "departments": m.departments.assign(updated_at=MASTER_UPDATED),
        "employees": m.employees.assign(updated_at=MASTER_UPDATED),
        "expense_claims": pd.DataFrame(
            {
                "claim_id": c["claim_id"],
                "org_code": c["org_code"],
                "employee_code": c["employee_code"],
                "dept_code": c["dept_code"],
                "claim_date": _date(c["claim_day"]),
                "approved_date": _date(c["approve_day"]),
                "paid_date": _date(c["paid_day"]),
                "currency": c["currency"],
                "gross_amount": c["gross"],
                "advance_no": np.where(advance_idx >= 0, adv_no[np.maximum(advance_idx, 0)], None),
                "advance_offset": c["advance_offset"],
                "payable_amount": c["payable"],
                "status": c["status"],
                "updated_at": c["updated_at"],
            }
        ),
        "expense_claim_lines": pd.DataFrame(
            {
                "claim_id": claim_no[ln["claim_idx"].to_numpy()],
                "line_no": ln["line_no"],
                "expense_type": ln["expense_type"],
                "expense_date": _date(ln["expense_day"]),
                "invoice_id": ln["invoice_id"],
                "invoice_type": ln["invoice_type"],
                "amount": ln["amount"],
                "fare_amount": ln["fare_amount"],
                "fuel_surcharge": ln["fuel_surcharge"],
                "other_fees": ln["other_fees"],
                "description": ln["description"],
                "updated_at": ln["updated_at"],
            }
        ),
        "vat_invoices": pd.DataFrame(
            {
                "invoice_id": inv["invoice_id"],
                "invoice_code": inv["invoice_code"],
                "invoice_number": inv["invoice_number"],
                "invoice_type": inv["invoice_type"],
                "seller_name": inv["seller_name"],
                "seller_tax_id": inv["seller_tax_id"],
                "issue_date": _date(inv["issue_day"]),
                "currency": inv["currency"],
                "amount": inv["amount"],
                "tax_amount": inv["tax_amount"],
                "total_amount": inv["total_amount"],
                "updated_at": inv["updated_at"],
            }
        ),
        "approval_steps": pd.DataFrame(
            {
                "claim_id": claim_no[ap["claim_idx"].to_numpy()],
                "step_no": ap["step_no"],
                "approver_code": ap["approver_code"],
                "action": ap["action"],
                "acted_at": ap["updated_at"],
                "updated_at": ap["updated_at"],
            }
        ),
        "employee_advances": pd.DataFrame(
            {
                "advance_no": adv["doc_no"],
                "org_code": adv["org_code"],
                "employee_code": adv["employee_code"],
                "advance_date": _date(adv["day"]),
                "currency": adv["currency"],
                "amount": adv["amount"],
                "bank_account": adv["bank_account"],
                "status": adv["status"],
                "updated_at": adv["updated_at"],
            }
        ),
        "claim_payments": pd.DataFrame(
            {
                "payment_no": pay["doc_no"],
                "org_code": pay["org_code"],
                "payment_date": _date(pay["day"]),
                "currency": pay["currency"],
                "amount": pay["amount"],
                "bank_account": pay["bank_account"],
                "status": pay["status"],
                "updated_at": pay["updated_at"],
            }
        ),
        "claim_payment_lines": pd.DataFrame(
            {
                "payment_no": pay_no[pl["payment_idx"].to_numpy()],
                "line_no": pl["line_no"],
                "claim_id": claim_no[pl["claim_idx"].to_numpy()],
                "amount": pl["amount"],
                "updated_at": pl["updated_at"],
            }
        ),
    }
    return {name: w.style.recode(df) for name, df in out.items()}


STABLE_POOL = 50  # bad records copy one of an entity's first records


def plant_bad_rows(tables: dict[str, pd.DataFrame], world: World, a: int) -> list[dict]:
    """Malformed records the expense system lets through; returns their ground truth."""
    rng = np.random.default_rng([world.seed, 62])
    per_kind = world.rates_cfg.bad_rows_per_kind
    truth = []
    for entity, reason in BAD_EXPENSE_ROWS:
        df = tables[entity]
        added: list[pd.Series] = []  # appended once at the end; a pick may fall on an earlier bad row
        for i in range(0 if per_kind <= 0 else max(1, int(round(per_kind * world.scale)))):
            created = int(rng.integers(0, HORIZON_DAYS))
            pick = int(rng.integers(0, STABLE_POOL))
            if created > a or df.empty:
                continue
            # one of the entity's first records (the oldest): the same record at every as-of date,
            # so the planted record keeps its key and content as the world moves on
            row = df.sort_values(df.columns[0], kind="stable").iloc[pick % len(df)].copy()
            row["updated_at"] = np.datetime64(to_date(np.array([created]))[0], "s") + np.timedelta64(
                50000, "s"
            )
            if entity == "expense_claims":
                row["claim_id"], row["status"] = None, "submitted"
                key = f"(no claim_id) employee {row['employee_code']} {row['claim_date']}"
            elif entity == "expense_claim_lines":
                row["line_no"] = 90 + i
                row["expense_date"] = str(row["expense_date"])[:4] + f"/{i % 12 + 1}/3{i % 9}"
                key = f"{row['claim_id']}/{row['line_no']}"
            else:
                row["invoice_id"] = f"INV9{i:07d}"
                row["currency"] = "XYZ"
                key = row["invoice_id"]
            added.append(row)
            truth.append(
                {
                    "anomaly": "bad_row",
                    "system": "expense",
                    "org": None,
                    "source": entity,
                    "record_key": key,
                    "expected_status": "quarantine",
                    "reason": reason,
                    "detail": f"{entity} record {key}: {reason.replace('_', ' ')}",
                }
            )
        if added:
            tables[entity] = pd.concat([df, *(r.to_frame().T for r in added)], ignore_index=True)
    return truth


MONEY = {
    "expense_claims": ["gross_amount", "advance_offset", "payable_amount"],
    "expense_claim_lines": ["amount", "fare_amount", "fuel_surcharge", "other_fees"],
    "vat_invoices": ["amount", "tax_amount", "total_amount"],
    "employee_advances": ["amount"],
    "claim_payments": ["amount"],
    "claim_payment_lines": ["amount"],
}


def write_expense(tables: dict[str, pd.DataFrame], out: Path) -> dict[str, int]:
    """One Parquet file per entity; decimals as decimal128(18,2), timestamps in seconds."""
    folder = out / "expense"
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for entity, df in tables.items():
        cols = {}
        for c in df.columns:
            if c in MONEY.get(entity, []):
                cols[c] = _money(df[c].to_numpy())
            elif c in ("updated_at", "acted_at"):
                cols[c] = pa.array(
                    pd.to_datetime(df[c]).to_numpy().astype("datetime64[s]"), pa.timestamp("s")
                )
            elif c in ("line_no", "step_no"):
                cols[c] = pa.array(df[c].astype(np.int64).to_numpy(), pa.int64())
            else:
                cols[c] = pa.array(df[c].astype(object).where(df[c].notna(), None).tolist(), pa.string())
        tmp = folder / f".{entity}.parquet.tmp"
        pq.write_table(pa.table(cols), tmp)
        tmp.replace(folder / f"{entity}.parquet")
        counts[entity] = len(df)
    return counts
