"""The expense system: claims (报销单) with lines and VAT invoices, approval steps, employee
advances (备用金) and claim payments — each payment a document of its own that may pay
several claims.

Deductible input VAT per claim line (2019 公告第39号; meals and entertainment never):
special VAT invoice: the stated tax; air e-ticket: (fare + fuel surcharge) ÷ 1.09 × 9 %
(the 民航发展基金 is not deductible); rail: amount ÷ 1.09 × 9 %; road/water: ÷ 1.03 × 3 %;
ordinary invoices and receipts: none. A claim may offset the employee's open advance, so
only the remainder is payable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, NEVER
from ledgerbridge.simulator.master import BASE_OF, MasterData
from ledgerbridge.simulator.money import round_div
from ledgerbridge.simulator.settlement import bank_accounts

# expense type -> (invoice type in the mainland, VAT percent stated on special invoices, amount range)
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
CIVIL_AVIATION_FUND = 50_00  # 民航发展基金 per domestic ticket, CNY cents
DESCRIPTIONS = {
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
PAYMENT_WEEKDAY = 4  # claims are paid in a weekly run (Friday)


@dataclass
class ExpenseSystem:
    """Claims, lines, invoices, approval steps, advances and claim payments (int64 cents)."""

    claims: pd.DataFrame
    lines: pd.DataFrame
    invoices: pd.DataFrame
    approvals: pd.DataFrame
    advances: pd.DataFrame
    payments: pd.DataFrame
    payment_lines: pd.DataFrame
    duplicate_invoice_lines: pd.DataFrame  # later claim lines re-using an earlier line's VAT invoice


def deductible_tax(
    expense_type: np.ndarray,
    invoice_type: np.ndarray,
    gross: np.ndarray,
    stated_tax: np.ndarray,
    fare_and_fuel: np.ndarray,
) -> np.ndarray:
    """Deductible input VAT per claim line (see the module docstring)."""
    tax = np.select(
        [
            invoice_type == "special",
            invoice_type == "e_ticket_air",
            invoice_type == "e_ticket_rail",
            invoice_type == "e_ticket_road",
        ],
        [
            stated_tax,
            round_div(np.asarray(fare_and_fuel, np.int64) * 9, 109),
            round_div(np.asarray(gross, np.int64) * 9, 109),
            round_div(np.asarray(gross, np.int64) * 3, 103),
        ],
        0,
    )
    return np.where(np.isin(expense_type, list(NOT_DEDUCTIBLE)), 0, tax).astype(np.int64)


def _duplicate_vat_invoices(
    lines: pd.DataFrame,
    claim_day: np.ndarray,
    approved: np.ndarray,
    mainland: np.ndarray,
    share: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Re-use the VAT invoice of an earlier claim's first line on a later claim's first line
    (the same invoice claimed twice); returns the later lines with the earlier claim."""
    if share <= 0:
        return pd.DataFrame(columns=["claim_idx", "line_no", "invoice_id", "first_claim_idx"])
    ci = lines["claim_idx"].to_numpy()
    cand = np.flatnonzero(approved[ci] & mainland[ci] & (lines["line_no"].to_numpy() == 1))
    order = cand[np.argsort(claim_day[ci[cand]], kind="stable")]
    n = max(1, int(round(share * len(lines))))
    pairs = []
    if len(order) >= 2:
        for j in rng.choice(np.arange(len(order) // 2, len(order)), min(n, len(order) // 2), replace=False):
            later, earlier = order[j], order[rng.integers(0, j)]
            if ci[earlier] != ci[later]:
                pairs.append((earlier, later))
    cols = [
        "invoice_id",
        "amount",
        "fare_amount",
        "fuel_surcharge",
        "other_fees",
        "deductible_tax",
        "expense_type",
        "invoice_type",
        "description",
    ]
    for earlier, later in pairs:
        lines.loc[later, cols] = lines.loc[earlier, cols].to_numpy()
    later = [p[1] for p in pairs]
    return lines.loc[later, ["claim_idx", "line_no", "invoice_id"]].assign(
        first_claim_idx=[int(ci[p[0]]) for p in pairs]
    )


def build_expenses(
    seed: int, scale: float, master: MasterData, duplicate_vat_share: float = 0.004
) -> ExpenseSystem:
    """Claims of the group's employees over the horizon, their advances and payments."""
    rng = np.random.default_rng([seed, 20])
    n = max(6, int(round(900 * scale)))
    emp = master.employees
    e = rng.integers(0, len(emp), n)
    org = emp["org_code"].to_numpy()[e]
    abroad = org == "ORG03"
    claim_day = np.sort(rng.integers(0, HORIZON_DAYS - 3, n))
    u = rng.random(n)
    # 4 % never leave draft, 5 % are rejected, the rest get approved.
    approved_day = np.where(u >= 0.09, claim_day + rng.integers(1, 6, n), NEVER)
    rejected_day = np.where((u >= 0.04) & (u < 0.09), claim_day + rng.integers(1, 4, n), NEVER)
    approved_day = np.where(approved_day < HORIZON_DAYS, approved_day, NEVER)
    draft = u < 0.04

    n_lines = 1 + rng.binomial(3, 0.4, n)
    li = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(li)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    types = np.array(list(EXPENSE_TYPES))
    t = rng.choice(len(types), len(li), p=TYPE_WEIGHTS / TYPE_WEIGHTS.sum())
    etype = types[t]
    lo = np.array([EXPENSE_TYPES[x][2][0] for x in types])[t]
    hi = np.array([EXPENSE_TYPES[x][2][1] for x in types])[t]
    amount = (rng.uniform(lo, hi) * 100).astype(np.int64)
    amount = np.where(abroad[li], amount // 7, amount)  # the abroad org claims in USD
    inv_type = np.where(abroad[li], "receipt", np.array([EXPENSE_TYPES[x][0] for x in types])[t])
    pct = np.where(abroad[li], 0, np.array([EXPENSE_TYPES[x][1] for x in types])[t])
    # Hotels and offices sometimes hand out ordinary invoices.
    ordinary = (inv_type == "special") & (rng.random(len(li)) < 0.2)
    inv_type = np.where(ordinary, "ordinary", inv_type)
    # Air tickets: fare + fuel surcharge, plus the civil aviation development fund.
    air = inv_type == "e_ticket_air"
    fuel = np.where(air, rng.choice([0, 20_00, 60_00, 120_00], len(li)), 0)
    fund = np.where(air, CIVIL_AVIATION_FUND, 0)
    fare = np.where(air, amount, 0)
    gross = np.where(air, fare + fuel + fund, amount)
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
            "claim_idx": li,
            "line_no": line_no,
            "expense_type": etype,
            "expense_day": exp_day,
            "invoice_id": invoice_id,
            "invoice_type": inv_type,
            "amount": gross,
            "fare_amount": fare,
            "fuel_surcharge": fuel,
            "other_fees": fund,
            "deductible_tax": deductible_tax(etype, inv_type, gross, stated_tax, fare + fuel),
            "description": pd.Series(etype).map(DESCRIPTIONS).to_numpy(),
        }
    )
    dup = _duplicate_vat_invoices(
        lines,
        claim_day,
        approved_day < NEVER,
        ~abroad,
        duplicate_vat_share,
        np.random.default_rng([seed, 33]),
    )
    gross_claim = np.bincount(li, weights=lines["amount"], minlength=n).astype(np.int64)

    # Advances: some employees draw cash before a trip; the claim offsets it.
    has_adv = (approved_day < NEVER) & (rng.random(n) < 0.10)
    adv_day = np.maximum(claim_day - rng.integers(5, 31, n), 0)
    adv_amount = round_div(gross_claim * rng.integers(60, 131, n), 100 * 100_00) * 100_00
    adv_amount = np.maximum(adv_amount, 100_00)
    adv_idx = np.flatnonzero(has_adv)
    advances = pd.DataFrame(
        {
            "claim_idx": adv_idx,
            "org_code": org[adv_idx],
            "employee_code": emp["employee_code"].to_numpy()[e][adv_idx],
            "day": adv_day[adv_idx],
            "currency": np.where(abroad[adv_idx], "USD", "CNY"),
            "amount": adv_amount[adv_idx],
        }
    )
    advances["bank_account"] = bank_accounts(advances["currency"].to_numpy(), advances["org_code"].to_numpy())
    advances = advances.sort_values(["day", "claim_idx"], kind="stable").reset_index(drop=True)
    offset = np.zeros(n, np.int64)
    offset[advances["claim_idx"].to_numpy()] = np.minimum(
        advances["amount"].to_numpy(), gross_claim[advances["claim_idx"].to_numpy()]
    )
    advance_of_claim = np.full(n, -1)
    advance_of_claim[advances["claim_idx"].to_numpy()] = np.arange(len(advances))
    payable = gross_claim - offset

    # Weekly payment runs per org: approved claims with something to pay, 92 % of them.
    pay = (approved_day < NEVER) & (payable > 0) & (rng.random(n) < 0.92)
    # the first payment weekday at least one day after approval (day 0 = 2024-01-01, a Monday)
    after = np.where(approved_day < NEVER, approved_day + 1, 0)
    run_day = after + (PAYMENT_WEEKDAY - after % 7) % 7
    pay &= run_day < HORIZON_DAYS
    paid_day = np.where(pay, run_day, NEVER)
    currency = np.where(abroad, "USD", "CNY")
    pl = pd.DataFrame({"claim_idx": np.flatnonzero(pay)})
    pl["org_code"] = org[pl["claim_idx"]]
    pl["day"] = paid_day[pl["claim_idx"]]
    pl["currency"] = currency[pl["claim_idx"]]
    pl["amount"] = payable[pl["claim_idx"]]
    runs = pl.groupby(["day", "org_code", "currency"], sort=True).ngroup().to_numpy()
    pl["payment_idx"] = runs
    pl = pl.sort_values(["payment_idx", "claim_idx"]).reset_index(drop=True)
    pl["line_no"] = pl.groupby("payment_idx").cumcount() + 1
    payments = (
        pl.groupby("payment_idx")
        .agg(
            org_code=("org_code", "first"),
            day=("day", "first"),
            currency=("currency", "first"),
            amount=("amount", "sum"),
        )
        .reset_index(drop=True)
    )
    payments["bank_account"] = bank_accounts(payments["currency"].to_numpy(), payments["org_code"].to_numpy())
    # fully offset claims are settled by the advance on approval
    settled_by_advance = (approved_day < NEVER) & (payable == 0)
    paid_day = np.where(settled_by_advance, approved_day, paid_day)

    claims = pd.DataFrame(
        {
            "claim_idx": np.arange(n),
            "org_code": org,
            "employee_code": emp["employee_code"].to_numpy()[e],
            "dept_code": emp["dept_code"].to_numpy()[e],
            "claim_day": claim_day,
            "currency": currency,
            "gross": gross_claim,
            "deductible_tax": np.bincount(li, weights=lines["deductible_tax"], minlength=n).astype(np.int64),
            "advance_idx": advance_of_claim,
            "advance_offset": offset,
            "payable": payable,
            "created_day": claim_day,
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
            "claim_idx": np.repeat(np.arange(n), 2),
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
    return ExpenseSystem(
        claims,
        lines,
        invoices,
        approvals,
        advances,
        payments,
        pl[["payment_idx", "line_no", "claim_idx", "amount"]],
        dup,
    )


__all__ = ["BASE_OF", "EXPENSE_TYPES", "ExpenseSystem", "build_expenses", "deductible_tax"]
