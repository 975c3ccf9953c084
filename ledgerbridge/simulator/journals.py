"""Journals with no business document: opening balances, payroll, depreciation, bank fees,
interest, and the planted orphan postings on control accounts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, PERIODS, period_end_day, period_start_day
from ledgerbridge.simulator.master import ORGS, MasterData
from ledgerbridge.simulator.postings import LINE_COLUMNS

MANUAL_KEY_BASE = 10**12
ORPHAN_KEY_BASE = 2 * 10**12

# (name, [(account, side, share of the amount)], day rule, monthly amount in CNY, voucher kind)
RECURRING = [
    (
        "计提工资 Payroll accrual",
        [("660206", "D", 0.6), ("660106", "D", 0.4), ("2211", "C", 1.0)],
        "end",
        900_000,
        "转",
    ),
    ("发放工资 Payroll paid", [("2211", "D", 1.0), ("100201", "C", 1.0)], "next10", 900_000, "付"),
    ("计提折旧 Depreciation", [("660207", "D", 1.0), ("1602", "C", 1.0)], "end", 120_000, "转"),
    ("银行手续费 Bank fees", [("660303", "D", 1.0), ("100201", "C", 1.0)], "mid", 1_800, "付"),
    ("计提利息 Interest accrual", [("660301", "D", 1.0), ("2231", "C", 1.0)], "end", 40_000, "转"),
]
OPENING = [("100201", "D", 0.7), ("1601", "D", 0.3), ("4001", "C", 1.0)]


def _lines(key, org, day, summary, legs, amount, word, employee=None, customer=None, supplier=None):
    """The lines of one journal voucher, balanced to the cent whatever the shares."""
    rows = []
    for order, (acct, side, share) in enumerate(legs):
        amt = int(round(amount * share))
        rows.append(
            {
                "event_id": -1,
                "account_code": acct,
                "side": side,
                "amount_base": amt,
                "amount_original": amt,
                "currency": None,
                "rate_micro": 1_000_000,
                "supplier_code": supplier if acct in ("220201", "220202") else None,
                "customer_code": customer if acct == "1122" else None,
                "employee_code": employee if acct == "2241" or (acct.startswith("66") and employee) else None,
                "dept_code": None,
                "leg_order": order,
                "voucher_key": key,
                "org_code": org,
                "day": day,
                "summary": summary,
                "reference": "",
                "remark": "",
                "event_type": "MANUAL",
                "doc_no": None,
                "voucher_kind": word,
            }
        )
    debit = sum(r["amount_base"] for r in rows if r["side"] == "D")
    credit = sum(r["amount_base"] for r in rows if r["side"] == "C")
    last = rows[-1]
    fix = debit - credit if last["side"] == "C" else credit - debit
    last["amount_base"] += fix
    last["amount_original"] += fix
    return rows


def manual_journals(seed: int, scale: float) -> pd.DataFrame:
    """Recurring journals per org and month (scaled with the volume), and the opening balances."""
    rng = np.random.default_rng([seed, 50])
    rows, key = [], MANUAL_KEY_BASE
    for org, share, base in ORGS[["org_code", "volume_share", "base_currency"]].itertuples(index=False):
        fx = 7.0 if base == "USD" else 1.0
        opening = int(round(80_000_000 * share * max(scale, 0.1) / fx)) * 100
        rows += _lines(key, org, 0, "期初余额 Opening balances", OPENING, opening, "转")
        key += 1
        for m in range(PERIODS):
            for name, legs, rule, monthly, word in RECURRING:
                day = {
                    "end": period_end_day(m),
                    "mid": period_start_day(m) + 14,
                    "next10": period_start_day(m + 1) + 9,
                }[rule]
                if day >= HORIZON_DAYS:
                    continue
                # the business volume is spread over the horizon's periods
                amount = int(
                    round(monthly * 12 / PERIODS * share * max(scale, 0.1) / fx * rng.uniform(0.9, 1.1) * 100)
                )
                rows += _lines(key, org, int(day), name, legs, amount, word)
                key += 1
    return pd.DataFrame(rows, columns=LINE_COLUMNS)


def orphan_postings(seed: int, n: int, master: MasterData) -> pd.DataFrame:
    """Control-account journals with no business document behind them (planted)."""
    rng = np.random.default_rng([seed, 51])
    kinds = [
        ("调整应收账款", [("1122", "D", 1.0), ("6001", "C", 1.0)], "customer"),
        ("补记应付服务费", [("660205", "D", 1.0), ("220201", "C", 1.0)], "supplier"),
        ("补提差旅费", [("660201", "D", 1.0), ("2241", "C", 1.0)], "employee"),
    ]
    rows = []
    emp_of_org = {o: e["employee_code"].to_numpy() for o, e in master.employees.groupby("org_code")}
    # third parties only: intercompany balances are eliminated on consolidation
    customers = master.customers.loc[master.customers["group_org"] == "", "customer_code"].to_numpy()
    suppliers = master.suppliers.loc[master.suppliers["group_org"] == "", "supplier_code"].to_numpy()
    for i in range(n):
        summary, legs, party = kinds[i % len(kinds)]
        org = ORGS["org_code"].to_numpy()[rng.integers(0, 2)]  # mainland orgs
        day = int(rng.integers(0, HORIZON_DAYS - 1))
        amount = int(rng.integers(5, 400)) * 10_000  # round adjustments, in cents
        emp = emp_of_org.get(org, np.array([], dtype=object))
        rows += _lines(
            ORPHAN_KEY_BASE + i,
            org,
            day,
            summary,
            legs,
            amount,
            "转",
            customer=customers[rng.integers(0, len(customers))],
            supplier=suppliers[rng.integers(0, len(suppliers))],
            employee=emp[rng.integers(0, len(emp))] if party == "employee" else None,
        )
    out = pd.DataFrame(rows, columns=LINE_COLUMNS)
    out["event_id"], out["event_type"] = -2, "ORPHAN"
    return out
