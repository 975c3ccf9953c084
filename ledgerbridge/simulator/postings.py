"""GL vouchers: what finance posted for the business events, plus journals with no document.

Postings follow the default PRC rules (see docs/simulator.md): each event type
has a template of legs (account, side, amount basis). Planted anomalies change
what is posted (amount, rate, day, reference, copies), never the events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import period_index, period_start_day
from ledgerbridge.simulator.master import EXPENSE_ACCOUNT_SUFFIX, MasterData
from ledgerbridge.simulator.money import convert, tax_of

# event type -> legs (account or placeholder, side, amount basis)
LEGS: dict[str, list[tuple[str, str, str]]] = {
    "GR": [("INVENTORY", "D", "net"), ("220202", "C", "net")],
    "PINV": [("220202", "D", "net"), ("22210101", "D", "tax"), ("220201", "C", "gross")],
    "PAY": [("220201", "D", "gross"), ("BANK", "C", "gross")],
    "DN": [("6401", "D", "net"), ("1405", "C", "net")],
    "SINV": [("1122", "D", "gross"), ("6001", "C", "net"), ("22210108", "C", "tax")],
    "REC": [("BANK", "D", "gross"), ("1122", "C", "gross")],
    "EC_APPROVE": [("EXPENSE", "D", "net"), ("22210101", "D", "tax"), ("2241", "C", "gross")],
    "EC_PAY": [("2241", "D", "gross"), ("BANK", "C", "gross")],
}
# Split posting of a supplier invoice: the goods part first, the VAT when the invoice is certified.
SPLIT_PINV = [
    ("220202", "D", "net", 0),
    ("220201", "C", "net", 0),
    ("22210101", "D", "tax", 1),
    ("220201", "C", "tax", 1),
]
SUPPLIER_ACCOUNTS = {"220201", "220202"}
CUSTOMER_ACCOUNTS = {"1122"}
EMPLOYEE_ACCOUNTS = {"2241"}
INVENTORY_BY_GROUP = {"RAW": "1403", "GOODS": "1405"}
LABEL_CN = {
    "GR": "采购入库",
    "PINV": "采购发票",
    "PAY": "付款",
    "DN": "销售出库",
    "SINV": "销售发票",
    "REC": "收款",
    "EC_APPROVE": "报销",
    "EC_PAY": "支付报销款",
}
LABEL_EN = {
    "GR": "Goods receipt",
    "PINV": "Supplier invoice",
    "PAY": "Payment",
    "DN": "Delivery",
    "SINV": "Customer invoice",
    "REC": "Receipt",
    "EC_APPROVE": "Expense claim",
    "EC_PAY": "Claim payment",
}
PREPARERS = {"ORG01": "张会计", "ORG02": "李会计", "ORG03": "Anna Lee"}
LINE_COLUMNS = [
    "voucher_key",
    "org_code",
    "day",
    "summary",
    "reference",
    "account_code",
    "side",
    "amount_original",
    "amount_base",
    "currency",
    "rate_micro",
    "supplier_code",
    "customer_code",
    "employee_code",
    "dept_code",
    "leg_order",
]


def posted_amounts(events: pd.DataFrame, anomaly: pd.Series, rate, seed: int) -> pd.DataFrame:
    """The amounts, rate and day finance actually posted for each event."""
    rng = np.random.default_rng([seed, 40])
    p = events.copy()
    mis = (anomaly == "amount_mismatch").to_numpy()
    delta = np.maximum(10_000, np.round(np.abs(p["gross"].to_numpy()) * rng.uniform(0.01, 0.05, len(p))))
    delta = delta.astype(np.int64) * np.where(rng.random(len(p)) < 0.5, 1, -1)
    delta = np.where(np.abs(delta) >= np.abs(p["net"].to_numpy()), np.abs(delta), delta)  # stay positive
    net = np.where(mis, p["net"] + delta, p["net"])
    tax = np.where(mis, np.where(p["tax_pct"] > 0, tax_of(net, p["tax_pct"]), 0), p["tax"])
    is_claim = p["event_type"].to_numpy() == "EC_APPROVE"
    gross = np.where(mis, net + tax, p["gross"])
    fx = (anomaly == "fx_difference").to_numpy()
    base_cur = np.where(p["org_code"].to_numpy() == "ORG03", "USD", "CNY")
    wrong_rate = rate(
        np.maximum(p["day"].to_numpy() - rng.integers(7, 31, len(p)), 0), p["currency"].to_numpy(), base_cur
    )
    wrong_rate = np.where(wrong_rate == p["rate_micro"], wrong_rate + 15_000, wrong_rate)
    r = np.where(fx, wrong_rate, p["rate_micro"])
    changed = mis | fx
    p["net"], p["tax"], p["gross"], p["rate_micro"] = net, tax, gross, r
    nb = np.where(changed, convert(net, r), p["net_base"])
    tb = np.where(changed, convert(tax, r), p["tax_base"])
    p["net_base"], p["tax_base"] = nb, tb
    p["gross_base"] = np.where(changed & ~is_claim, nb + tb, p["gross_base"])
    wrong = (anomaly == "wrong_period").to_numpy()
    next_start = period_start_day(period_index(p["day"].to_numpy()) + 1)
    p["day"] = np.where(wrong, next_start + rng.integers(0, 5, len(p)), p["day"])
    return p


def _legs(
    p: pd.DataFrame, expenses_lines: pd.DataFrame, dept_function: pd.Series, split: np.ndarray
) -> pd.DataFrame:
    """One row per voucher leg, from the posted amounts."""
    frames = []
    for etype, legs in LEGS.items():
        ev = p[(p["event_type"] == etype) & ~(split if etype == "PINV" else False)]
        if etype == "EC_APPROVE":
            legs = legs[1:]
        frames += [
            _leg_frame(ev, acct, side, basis, order, 0) for order, (acct, side, basis) in enumerate(legs)
        ]
    ev = p[split]
    frames += [
        _leg_frame(ev, acct, side, basis, order, part)
        for order, (acct, side, basis, part) in enumerate(SPLIT_PINV)
    ]
    # Claim approvals: one expense debit per claim line (net of deductible VAT).
    ev = p[p["event_type"] == "EC_APPROVE"]
    lines = expenses_lines.merge(ev[["claim_idx", "event_id"]], on="claim_idx")
    lines = lines.merge(ev.drop(columns=["net", "net_base"]), on=["event_id", "claim_idx"])
    net = (lines["amount"] - lines["deductible_tax"]).to_numpy()
    prefix = np.where(lines["dept_code"].map(dept_function).to_numpy() == "SALES", "6601", "6602")
    acct = np.char.add(
        prefix.astype(str), lines["expense_type"].map(EXPENSE_ACCOUNT_SUFFIX).to_numpy().astype(str)
    )
    lines = lines.assign(net=net, net_base=net)
    frames.append(_leg_frame(lines, acct, "D", "net", -1, 0))
    legs = pd.concat(frames, ignore_index=True)
    return legs[legs["amount_base"] != 0].reset_index(drop=True)


def _leg_frame(ev: pd.DataFrame, account, side: str, basis: str, order: int, part: int) -> pd.DataFrame:
    acct = (
        np.full(len(ev), account, dtype=object) if isinstance(account, str) else np.asarray(account, object)
    )
    if isinstance(account, str) and account == "INVENTORY":
        acct = ev["material_group"].map(INVENTORY_BY_GROUP).to_numpy()
    elif isinstance(account, str) and account == "BANK":
        acct = ev["bank_account_code"].to_numpy()
    is_dn_cost = ev["event_type"].to_numpy() == "DN"
    return pd.DataFrame(
        {
            "event_id": ev["event_id"].to_numpy(),
            "part": part,
            "account_code": acct,
            "side": side,
            "amount_original": ev[basis].to_numpy(),
            "amount_base": ev[f"{basis}_base"].to_numpy(),
            "currency": ev["currency"].to_numpy(),
            "rate_micro": np.where(is_dn_cost, 1_000_000, ev["rate_micro"]),
            "supplier_code": np.where(np.isin(acct, list(SUPPLIER_ACCOUNTS)), ev["supplier_code"], None),
            "customer_code": np.where(np.isin(acct, list(CUSTOMER_ACCOUNTS)), ev["customer_code"], None),
            "employee_code": np.where(
                np.isin(acct, list(EMPLOYEE_ACCOUNTS)) | (order == -1), ev["employee_code"], None
            ),
            "dept_code": np.where(order == -1, ev["dept_code"], None),
            "leg_order": order,
        }
    )


def _mistype(doc_no: np.ndarray, where: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drop one digit of the numbers in ``where``: a typo that never names another document.

    The random positions are drawn for every row, so the draws do not depend on ``where``."""
    pos = rng.integers(4, 9, len(doc_no))
    out = doc_no.copy()
    idx = np.flatnonzero(where)
    out[idx] = [d[:-p] + d[len(d) - p + 1 :] for d, p in zip(doc_no[idx], pos[idx], strict=True)]
    return out


def _texts(p: pd.DataFrame, anomaly: pd.Series, party_names: pd.Series, rng: np.random.Generator):
    """Summary (摘要) and reference (参考信息) per event, the way each org's bookkeepers write them."""
    et = p["event_type"].to_numpy()
    abroad = p["org_code"].to_numpy() == "ORG03"
    label = np.where(abroad, pd.Series(et).map(LABEL_EN), pd.Series(et).map(LABEL_CN))
    party = (
        p["supplier_code"].fillna(p["customer_code"]).fillna(p["employee_code"]).map(party_names).fillna("")
    )
    ref = p["doc_no"].to_numpy().astype(object)
    a = anomaly.to_numpy()
    ref = _mistype(ref, a == "reference_mistyped", rng)
    ref = np.where(np.isin(a, ["reference_missing", "ambiguous_pair"]), "", ref)
    rev = np.where(p["is_reversal"].to_numpy(), np.where(abroad, "Reversal ", "冲销 "), "")
    summary = np.char.add(
        np.char.add(np.char.add(rev.astype(str), label.astype(str)), " "),
        np.char.add(np.where(ref == "", "", np.char.add(ref.astype(str), " ")), party.to_numpy().astype(str)),
    )
    reference = np.where(p["org_code"].to_numpy() == "ORG01", ref, "")
    return summary, reference


def voucher_word(org: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """记 everywhere, except ORG01 which keeps 收/付/转 (receipt, payment, transfer)."""
    return np.where(org == "ORG01", kind, "记")


def post_events(
    events: pd.DataFrame,
    anomaly: pd.Series,
    batch: pd.Series,
    expenses_lines: pd.DataFrame,
    master: MasterData,
    rate,
    seed: int,
) -> pd.DataFrame:
    """Voucher legs for all events as finance posted them (voucher_key groups a voucher's lines)."""
    rng = np.random.default_rng([seed, 41])
    p = posted_amounts(events, anomaly, rate, seed)
    posted = (anomaly != "missing_posting").to_numpy()
    names = pd.concat(
        [
            master.suppliers.set_index("supplier_code")["supplier_name"],
            master.customers.set_index("customer_code")["customer_name"],
            master.employees.set_index("employee_code")["employee_name"],
        ]
    )
    p["summary"], p["reference"] = _texts(p, anomaly, names, rng)
    split = (anomaly == "split_posting").to_numpy()
    dept_function = master.departments.set_index("dept_code")["function"]
    legs = _legs(p[posted], expenses_lines, dept_function, split[posted])
    legs = legs.merge(
        p[["event_id", "org_code", "day", "summary", "reference", "event_type", "doc_no"]], on="event_id"
    )
    legs["voucher_key"] = legs["event_id"] * 4 + legs["part"] * 2

    # Batch postings: a pair of receipts in one voucher, one line per account.
    b = batch.reindex(legs["event_id"]).to_numpy()
    in_batch = b >= 0
    if in_batch.any():
        bl = legs[in_batch].copy()
        bl["voucher_key"] = b[in_batch] * 4 + 1
        docs = bl.groupby("voucher_key")["doc_no"].agg(lambda s: ",".join(sorted(set(s))))
        bl["day"] = bl.groupby("voucher_key")["day"].transform("max")
        agg = bl.groupby(["voucher_key", "account_code", "side", "leg_order"], as_index=False).agg(
            org_code=("org_code", "first"),
            day=("day", "first"),
            event_type=("event_type", "first"),
            amount_original=("amount_original", "sum"),
            amount_base=("amount_base", "sum"),
            currency=("currency", "first"),
            rate_micro=("rate_micro", "first"),
            supplier_code=("supplier_code", "first"),
            customer_code=("customer_code", "first"),
            employee_code=("employee_code", "first"),
            dept_code=("dept_code", "first"),
            party=("summary", "first"),
        )
        agg["doc_no"] = agg["voucher_key"].map(docs)
        party = (
            agg["customer_code"]
            .map(names)
            .fillna(
                bl.groupby("voucher_key")["customer_code"]
                .first()
                .map(names)
                .reindex(agg["voucher_key"])
                .to_numpy()[0]
                if len(agg)
                else ""
            )
        )
        agg["summary"] = (
            "收款 "
            + agg["doc_no"]
            + " "
            + agg["voucher_key"]
            .map(bl.groupby("voucher_key")["customer_code"].first().map(names))
            .fillna(party)
        )
        agg["reference"] = np.where(agg["org_code"] == "ORG01", agg["doc_no"], "")
        legs = pd.concat([legs[~in_batch], agg.drop(columns=["party"])], ignore_index=True)

    # Duplicate postings: the same voucher entered twice (a retried import).
    dup_events = events.loc[(anomaly == "duplicate_posting").to_numpy(), "event_id"].to_numpy()
    dup = legs[legs["event_id"].isin(dup_events)].copy()
    dup["voucher_key"] = dup["voucher_key"] + 3
    legs = pd.concat([legs, dup], ignore_index=True)
    kind = np.select(
        [legs["event_type"].isin(["PAY", "EC_PAY"]), legs["event_type"] == "REC"], ["付", "收"], "转"
    )
    legs["voucher_word"] = voucher_word(legs["org_code"].to_numpy(), kind)
    return legs
