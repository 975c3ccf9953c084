"""The expense system: claims (报销单) with lines, VAT invoices and approval steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER
from ledgerbridge.simulator.master import MasterData
from ledgerbridge.simulator.money import round_div
from ledgerbridge.simulator.trade import doc_numbers

# expense type -> (invoice type in the mainland, VAT percent stated on special invoices, amount range CNY)
EXPENSE_TYPES = {
    "TRAVEL_AIR": ("e_ticket_air", 9, (600, 4500)),
    "TRAVEL_RAIL": ("e_ticket_rail", 9, (80, 900)),
    "TRAVEL_ROAD": ("e_ticket_road", 3, (30, 300)),
    "HOTEL": ("special", 6, (300, 2400)),
    "MEALS": ("ordinary", 6, (60, 800)),
    "ENTERTAINMENT": ("special", 6, (500, 6000)),
    "OFFICE": ("special", 13, (50, 3000)),
    "TELECOM": ("special", 9, (50, 600)),
    "CONSULTING": ("special", 6, (2000, 30000)),
}
TYPE_WEIGHTS = np.array([0.12, 0.16, 0.08, 0.14, 0.16, 0.06, 0.14, 0.08, 0.06])
NOT_DEDUCTIBLE = {"MEALS", "ENTERTAINMENT"}  # consumption: input VAT is not deductible


@dataclass
class ExpenseSystem:
    """Claims, lines, invoices and approval steps; money in int64 cents."""

    claims: pd.DataFrame
    lines: pd.DataFrame
    invoices: pd.DataFrame
    approvals: pd.DataFrame


def deductible_tax(
    expense_type: np.ndarray, invoice_type: np.ndarray, gross: np.ndarray, stated_tax: np.ndarray
) -> np.ndarray:
    """Deductible input VAT per line (2019 公告第39号 for transport tickets)."""
    air_rail = np.isin(invoice_type, ["e_ticket_air", "e_ticket_rail"])
    road = invoice_type == "e_ticket_road"
    special = invoice_type == "special"
    tax = np.where(
        air_rail,
        round_div(gross * 9, 109),
        np.where(road, round_div(gross * 3, 103), np.where(special, stated_tax, 0)),
    )
    return np.where(np.isin(expense_type, list(NOT_DEDUCTIBLE)), 0, tax)


def build_expenses(seed: int, scale: float, master: MasterData) -> ExpenseSystem:
    """Claims of the group's employees over the year."""
    rng = np.random.default_rng([seed, 20])
    n = max(3, int(round(900 * scale)))
    emp = master.employees
    e = rng.integers(0, len(emp), n)
    org = emp["org_code"].to_numpy()[e]
    abroad = org == "ORG03"
    claim_day = rng.integers(0, HORIZON_DAYS - 3, n)
    u = rng.random(n)
    # 4 % never leave draft, 5 % are rejected, the rest get approved; 92 % of approved get paid.
    approved_day = np.where(u >= 0.09, claim_day + rng.integers(1, 6, n), NEVER)
    rejected_day = np.where((u >= 0.04) & (u < 0.09), claim_day + rng.integers(1, 4, n), NEVER)
    paid_day = np.where(
        (approved_day < NEVER) & (rng.random(n) < 0.92), approved_day + rng.integers(1, 11, n), NEVER
    )
    approved_day = np.where(approved_day < HORIZON_DAYS, approved_day, NEVER)
    paid_day = np.where(paid_day < HORIZON_DAYS, paid_day, NEVER)
    draft = u < 0.04
    claim_id = doc_numbers("EC", np.arange(1, n + 1))

    n_lines = 1 + rng.binomial(3, 0.4, n)
    li = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(li)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    types = np.array(list(EXPENSE_TYPES))
    t = rng.choice(len(types), len(li), p=TYPE_WEIGHTS / TYPE_WEIGHTS.sum())
    etype = types[t]
    lo = np.array([EXPENSE_TYPES[x][2][0] for x in types])[t]
    hi = np.array([EXPENSE_TYPES[x][2][1] for x in types])[t]
    gross = (rng.uniform(lo, hi) * 100).astype(np.int64)
    gross = np.where(abroad[li], gross // 7, gross)  # the abroad org claims in USD
    inv_type = np.where(abroad[li], "receipt", np.array([EXPENSE_TYPES[x][0] for x in types])[t])
    pct = np.where(abroad[li], 0, np.array([EXPENSE_TYPES[x][1] for x in types])[t])
    # Hotels and offices sometimes hand out ordinary invoices.
    ordinary = (inv_type == "special") & (rng.random(len(li)) < 0.2)
    inv_type = np.where(ordinary, "ordinary", inv_type)
    ticket = np.char.startswith(inv_type.astype(str), "e_ticket") | (inv_type == "receipt")
    net = np.where(ticket, gross, round_div(gross * 100, 100 + pct))
    stated_tax = gross - net
    exp_day = np.maximum(claim_day[li] - rng.integers(0, 20, len(li)), 0)

    seller_idx = rng.integers(0, len(master.suppliers), len(li))
    invoice_id = np.char.add("INV", np.char.zfill(np.arange(1, len(li) + 1).astype(str), 8))
    invoices = pd.DataFrame(
        {
            "invoice_id": invoice_id,
            "invoice_code": np.char.zfill(rng.integers(0, 10**12, len(li)).astype(str), 12),
            "invoice_number": np.char.zfill(rng.integers(0, 10**8, len(li)).astype(str), 8),
            "invoice_type": inv_type,
            "seller_name": master.suppliers["supplier_name"].to_numpy()[seller_idx],
            "seller_tax_id": master.suppliers["tax_id"].to_numpy()[seller_idx],
            "issue_day": exp_day,
            "currency": np.where(abroad[li], "USD", "CNY"),
            "amount": net,
            "tax_amount": stated_tax,
            "total_amount": gross,
        }
    )
    lines = pd.DataFrame(
        {
            "claim_id": claim_id[li],
            "line_no": line_no,
            "expense_type": etype,
            "expense_day": exp_day,
            "invoice_id": invoice_id,
            "amount": gross,
            "deductible_tax": deductible_tax(etype, inv_type, gross, stated_tax),
            "invoice_type": inv_type,
            "claim_idx": li,
        }
    )
    descriptions = {
        "TRAVEL_AIR": "机票",
        "TRAVEL_RAIL": "高铁票",
        "TRAVEL_ROAD": "客运车票",
        "HOTEL": "住宿费",
        "MEALS": "餐费",
        "ENTERTAINMENT": "业务招待",
        "OFFICE": "办公用品",
        "TELECOM": "通讯费",
        "CONSULTING": "咨询服务费",
    }
    lines["description"] = lines["expense_type"].map(descriptions)
    claims = pd.DataFrame(
        {
            "claim_id": claim_id,
            "org_code": org,
            "employee_code": emp["employee_code"].to_numpy()[e],
            "dept_code": emp["dept_code"].to_numpy()[e],
            "claim_day": claim_day,
            "currency": np.where(abroad, "USD", "CNY"),
            "gross": np.bincount(li, weights=gross, minlength=n).astype(np.int64),
            "deductible_tax": np.bincount(li, weights=lines["deductible_tax"], minlength=n).astype(np.int64),
            "created_day": np.where(draft, claim_day, claim_day),
            "submit_day": np.where(draft, NEVER, claim_day),
            "approve_day": approved_day,
            "reject_day": rejected_day,
            "paid_day": paid_day,
            "cancel_day": np.full(n, NEVER),
        }
    )
    approver = emp["employee_code"].to_numpy()[rng.integers(0, len(emp), n)]
    approvals = pd.DataFrame(
        {
            "claim_id": np.repeat(claim_id, 2),
            "step_no": np.tile([1, 2], n),
            "approver_code": np.repeat(approver, 2),
            "action": np.where(
                np.tile([True, False], n),
                np.repeat(np.where(rejected_day < NEVER, "reject", "approve"), 2),
                "approve",
            ),
            "day": np.ravel(
                np.column_stack(
                    [np.minimum(claim_day + 1, np.minimum(approved_day, rejected_day)), approved_day]
                )
            ),
        }
    )
    approvals = approvals[approvals["day"] < NEVER].reset_index(drop=True)
    return ExpenseSystem(claims, lines, invoices, approvals)
