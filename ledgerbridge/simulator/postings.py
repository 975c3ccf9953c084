"""GL vouchers: what finance actually posted for the business events.

The correct legs come from ``ledger``; planted anomalies change what is posted (left
out, another amount, another rate, another day, no reference, twice, split, batched),
never the documents. Texts (摘要, 参考信息, 备注) follow the house style.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import HORIZON_DAYS, period_index, period_start_day
from ledgerbridge.simulator.ledger import LEG_COLUMNS
from ledgerbridge.simulator.master import BASE_OF
from ledgerbridge.simulator.money import convert
from ledgerbridge.simulator.styles import HouseStyle

LABEL_CN = {
    "GR": "采购入库",
    "PINV": "采购发票",
    "PAY": "付款",
    "DN": "销售出库",
    "SINV": "销售发票",
    "REC": "收款",
    "EC_APPROVE": "报销",
    "CPAY": "支付报销款",
    "ADV": "员工借款",
}
LABEL_EN = {
    "GR": "Goods receipt",
    "PINV": "Supplier invoice",
    "PAY": "Payment",
    "DN": "Delivery",
    "SINV": "Customer invoice",
    "REC": "Receipt",
    "EC_APPROVE": "Expense claim",
    "CPAY": "Claim payment",
    "ADV": "Employee advance",
}
PREPARERS = {"ORG01": "张会计", "ORG02": "李会计", "ORG03": "Anna Lee"}
CONTROL = ("1122", "2203", "220201", "220202", "1123", "1403", "1405", "2241", "1221", "22210101", "22210108")
LINE_COLUMNS = [
    *LEG_COLUMNS,
    "voucher_key",
    "org_code",
    "day",
    "summary",
    "reference",
    "remark",
    "event_type",
    "doc_no",
    "voucher_kind",
]


def _scale(legs: pd.DataFrame, mask: np.ndarray, factor_milli: np.ndarray) -> None:
    """Multiply the amounts of the legs in ``mask`` by factor/1000, keeping each voucher balanced
    (the residue goes to the voucher's largest leg)."""
    if not mask.any():
        return
    f = factor_milli[mask]
    for col in ("amount_base", "amount_original"):
        v = legs.loc[mask, col].to_numpy()
        legs.loc[mask, col] = np.sign(v) * ((np.abs(v) * f * 2 + 1000) // 2000)
    _rebalance(legs, mask)


def _rebalance(legs: pd.DataFrame, mask: np.ndarray) -> None:
    """Make each event's legs in ``mask`` balance again in base currency (residue to the largest leg)."""
    sub = legs[mask]
    signed = np.where(sub["side"] == "D", sub["amount_base"], -sub["amount_base"])
    residue = pd.Series(signed).groupby(sub["event_id"].to_numpy()).sum()
    largest = (
        sub.assign(a=sub["amount_base"].abs()).sort_values("a", kind="stable").groupby("event_id").tail(1)
    )
    fix = residue.reindex(largest["event_id"].to_numpy()).to_numpy()
    sign = np.where(largest["side"] == "D", -1, 1)
    legs.loc[largest.index, "amount_base"] = largest["amount_base"].to_numpy() + sign * fix
    # a line at rate 1 (in the base currency) keeps its original amount equal to its base amount
    at_par = largest["rate_micro"].to_numpy() == 1_000_000
    legs.loc[largest.index[at_par], "amount_original"] = legs.loc[largest.index[at_par], "amount_base"]


def _mistype(doc_no: np.ndarray, where: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Drop one digit of the numbers in ``where``: a typo that never names another document.

    The random positions are drawn for every row, so the draws do not depend on ``where``."""
    out = doc_no.astype(object).copy()
    pick = rng.random(len(doc_no))
    for i in np.flatnonzero(where):
        d = str(doc_no[i])
        digits = [k for k, ch in enumerate(d) if ch.isdigit()]
        k = digits[int(pick[i] * len(digits))]
        out[i] = d[:k] + d[k + 1 :]
    return out


def posted_legs(events: pd.DataFrame, legs: pd.DataFrame, rate, seed: int) -> pd.DataFrame:
    """The legs finance posted per event (with the planted amount, rate and day anomalies) and
    the posting day per event in ``events['post_day']``."""
    rng = np.random.default_rng([seed, 40])
    a = events.set_index("event_id")["anomaly"]
    legs = legs[legs["event_id"].map(a).to_numpy() != "missing_posting"].copy()
    lan = legs["event_id"].map(a).to_numpy()
    # amount_mismatch: every leg scaled by 1–5 % (at least 100.00 on the largest leg)
    gross = events.set_index("event_id")["gross"].abs()
    pct = rng.uniform(0.01, 0.05, len(events))
    delta = np.maximum(10_000, np.round(gross.to_numpy() * pct)).astype(np.int64)
    up = rng.random(len(events)) < 0.5
    factor = pd.Series(
        np.where(
            up,
            1000 + np.maximum(1, delta * 1000 // np.maximum(gross.to_numpy(), 1)),
            np.maximum(500, 1000 - np.maximum(1, delta * 1000 // np.maximum(gross.to_numpy(), 1))),
        ),
        index=gross.index,
    )
    _scale(legs, lan == "amount_mismatch", legs["event_id"].map(factor).to_numpy())
    # amount_off_by_cent: a customer invoice posted one cent high (receivable and revenue)
    cent = (lan == "amount_off_by_cent") & legs["account_code"].isin(["1122", "6001"]).to_numpy()
    legs.loc[cent, "amount_base"] += 1
    legs.loc[cent, "amount_original"] += 1
    # fx_difference, settlements: the control account relieved at today's rate instead of the
    # invoices' carrying amount, no FX line
    et = legs["event_id"].map(events.set_index("event_id")["event_type"]).to_numpy()
    fx = lan == "fx_difference"
    settle_fx = fx & np.isin(et, ["PAY", "REC"])
    legs = legs[~(settle_fx & (legs["account_code"].to_numpy() == "660304"))].copy()
    lan = legs["event_id"].map(a).to_numpy()
    et = legs["event_id"].map(events.set_index("event_id")["event_type"]).to_numpy()
    ctrl = (
        (lan == "fx_difference")
        & np.isin(et, ["PAY", "REC"])
        & legs["account_code"].isin(["220201", "1122"]).to_numpy()
    )
    legs.loc[ctrl, "amount_base"] = convert(
        legs.loc[ctrl, "amount_original"].to_numpy(), legs.loc[ctrl, "rate_micro"].to_numpy()
    )
    _rebalance(legs, (lan == "fx_difference") & np.isin(et, ["PAY", "REC"]))
    # fx_difference, documents: every document-currency leg at the rate of a day 7–30 days earlier
    doc_fx = (lan == "fx_difference") & ~np.isin(et, ["PAY", "REC"])
    if doc_fx.any():
        ev = events.set_index("event_id")
        ids = legs.loc[doc_fx, "event_id"].to_numpy()
        back = rng.integers(7, 31, len(events))
        wrong = rate(
            np.maximum(ev["day"].to_numpy() - back, 0),
            ev["currency"].to_numpy(),
            ev["org_code"].map(BASE_OF).to_numpy(),
        )
        wrong = np.where(wrong == ev["rate_micro_doc"].to_numpy(), wrong + 15_000, wrong)
        wr = pd.Series(wrong, index=ev.index).reindex(ids).to_numpy()
        doc_cur = legs.loc[doc_fx, "currency"].to_numpy() == ev["currency"].reindex(ids).to_numpy()
        new_base = np.where(
            doc_cur,
            convert(legs.loc[doc_fx, "amount_original"].to_numpy(), wr),
            legs.loc[doc_fx, "amount_base"].to_numpy(),
        )
        legs.loc[doc_fx, "amount_base"] = new_base
        legs.loc[doc_fx, "rate_micro"] = np.where(doc_cur, wr, legs.loc[doc_fx, "rate_micro"].to_numpy())
        _rebalance(legs, doc_fx)
    legs = legs[(legs["amount_base"] != 0) | (legs["amount_original"] != 0)].copy()
    # posting days: wrong_period to the next period's first days; reference-less postings at the
    # date-window edges 7 (still matched) or 8 days (outside the window) after the document
    day = events["day"].to_numpy()
    post = day.copy()
    wrong_p = (events["anomaly"] == "wrong_period").to_numpy()
    post = np.where(wrong_p, period_start_day(period_index(day) + 1) + rng.integers(0, 5, len(events)), post)
    post = np.where((events["anomaly"] == "window_edge_inside").to_numpy(), day + 7, post)
    post = np.where((events["anomaly"] == "window_edge_outside").to_numpy(), day + 8, post)
    events["post_day"] = post
    return legs


def _texts(
    events: pd.DataFrame, style: HouseStyle, names: pd.Series, rng: np.random.Generator
) -> pd.DataFrame:
    """摘要, 参考信息 and 备注 per event as each org's bookkeepers write them."""
    et = events["event_type"].to_numpy()
    abroad = events["org_code"].to_numpy() == "ORG03"
    label = np.where(abroad, pd.Series(et).map(LABEL_EN), pd.Series(et).map(LABEL_CN)).astype(str)
    party = (
        (
            events["supplier_code"]
            .fillna(events["customer_code"])
            .fillna(events["employee_code"])
            .map(names)
            .fillna("")
        )
        .to_numpy()
        .astype(str)
    )
    an = events["anomaly"].to_numpy()
    ref = _mistype(events["doc_no"].to_numpy(), an == "reference_mistyped", rng)
    no_ref = np.isin(an, ["reference_missing", "ambiguous_pair", "window_edge_inside", "window_edge_outside"])
    ref = np.where(no_ref, "", ref).astype(str)
    rev = np.where(events["is_reversal"].to_numpy(), np.where(abroad, "Reversal ", "冲销 "), "")
    if style.reference_placement == "summary":
        number = np.where(ref == "", "", np.char.add(ref, " "))
        summary = np.char.add(
            np.char.add(np.char.add(rev.astype(str), label), " "), np.char.add(number.astype(str), party)
        )
        reference = np.where(np.isin(events["org_code"].to_numpy(), list(style.reference_orgs)), ref, "")
        remark = np.full(len(events), "", dtype=object)
    else:
        summary = np.char.add(np.char.add(rev.astype(str), label), np.char.add(" ", party))
        reference = np.full(len(events), "", dtype=object)
        remark = ref
    return pd.DataFrame(
        {
            "event_id": events["event_id"],
            "summary": np.char.rstrip(summary.astype(str)),
            "reference": reference,
            "remark": remark,
        }
    )


def voucher_lines(
    events: pd.DataFrame, legs: pd.DataFrame, style: HouseStyle, names: pd.Series, batch: pd.Series, seed: int
) -> pd.DataFrame:
    """Posted legs grouped into vouchers (``voucher_key``) with their texts: one voucher per
    event, a second for duplicates, two for split postings, one for a batch of receipts."""
    rng = np.random.default_rng([seed, 41])
    texts = _texts(events, style, names, rng)
    ev = events.set_index("event_id")
    legs = legs.merge(texts, on="event_id")
    legs["org_code"] = legs["event_id"].map(ev["org_code"])
    legs["day"] = legs["event_id"].map(ev["post_day"])
    legs["event_type"] = legs["event_id"].map(ev["event_type"])
    legs["doc_no"] = legs["event_id"].map(ev["doc_no"])
    an = legs["event_id"].map(ev["anomaly"]).to_numpy()
    legs["voucher_key"] = legs["event_id"] * 4

    # Split postings: the goods part first, the VAT when the invoice is certified.
    split = an == "split_posting"
    if split.any():
        sp = legs[split]
        vat = sp[sp["account_code"] == "22210101"]
        ap = sp[sp["account_code"] == "220201"]
        tax = vat.groupby("event_id")["amount_base"].sum()
        tax_o = vat.groupby("event_id")["amount_original"].sum()
        second = pd.concat(
            [
                vat,
                ap.assign(
                    amount_base=ap["event_id"].map(tax).to_numpy(),
                    amount_original=ap["event_id"].map(tax_o).to_numpy(),
                ),
            ]
        )
        second["voucher_key"] = second["event_id"] * 4 + 2
        first = sp[sp["account_code"] != "22210101"].copy()
        is_ap = first["account_code"] == "220201"
        first.loc[is_ap, "amount_base"] -= first.loc[is_ap, "event_id"].map(tax).to_numpy()
        first.loc[is_ap, "amount_original"] -= first.loc[is_ap, "event_id"].map(tax_o).to_numpy()
        legs = pd.concat([legs[~split], first, second], ignore_index=True)

    # Batch postings: a pair of receipts in one voucher, one line per account.
    b = batch.reindex(legs["event_id"]).to_numpy()
    in_batch = b >= 0
    if in_batch.any():
        bl = legs[in_batch].copy()
        bl["voucher_key"] = b[in_batch] * 4 + 1
        docs = bl.groupby("voucher_key")["doc_no"].agg(lambda s: sorted(set(s)))
        bl["day"] = bl.groupby("voucher_key")["day"].transform("max")
        keys = ["voucher_key", "account_code", "side", "leg_order"]
        agg = bl.groupby(keys, as_index=False).agg(
            event_id=("event_id", "min"),
            org_code=("org_code", "first"),
            day=("day", "first"),
            event_type=("event_type", "first"),
            amount_base=("amount_base", "sum"),
            amount_original=("amount_original", "sum"),
            currency=("currency", "first"),
            rate_micro=("rate_micro", "first"),
            supplier_code=("supplier_code", "first"),
            customer_code=("customer_code", "first"),
            employee_code=("employee_code", "first"),
            dept_code=("dept_code", "first"),
            summary=("summary", "first"),
        )
        numbers = agg["voucher_key"].map(docs)
        party = (
            agg["customer_code"]
            .map(names)
            .fillna(agg["voucher_key"].map(bl.groupby("voucher_key")["customer_code"].first().map(names)))
            .fillna("")
        )
        agg["doc_no"] = numbers.map(",".join)
        if style.reference_placement == "summary":
            agg["summary"] = "收款 " + agg["doc_no"] + " " + party
            agg["reference"] = np.where(agg["org_code"].isin(list(style.reference_orgs)), agg["doc_no"], "")
            agg["remark"] = ""
        else:
            agg["summary"] = "收款 " + party
            agg["reference"] = ""
            agg["remark"] = numbers.map(";".join)
        legs = pd.concat([legs[~in_batch], agg], ignore_index=True)

    # Duplicate postings: the same voucher entered twice (a retried import).
    dup_ids = events.loc[(events["anomaly"] == "duplicate_posting").to_numpy(), "event_id"].to_numpy()
    dup = legs[legs["event_id"].isin(dup_ids)].copy()
    dup["voucher_key"] = dup["voucher_key"] + 3
    legs = pd.concat([legs, dup], ignore_index=True)
    legs["voucher_kind"] = np.select(
        [legs["event_type"].isin(["PAY", "CPAY", "ADV"]), legs["event_type"] == "REC"], ["付", "收"], "转"
    )
    legs = legs[legs["day"].to_numpy() < HORIZON_DAYS + 40].reset_index(drop=True)
    return legs[LINE_COLUMNS]


__all__ = ["CONTROL", "LABEL_CN", "LABEL_EN", "LINE_COLUMNS", "PREPARERS", "posted_legs", "voucher_lines"]
