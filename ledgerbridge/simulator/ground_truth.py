"""The ground truth: one row per planted item, with the status a correct hub reports at the as-of date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import period_of
from ledgerbridge.simulator.events import SOURCE_OF_EVENT
from ledgerbridge.simulator.snapshot import Snapshot
from ledgerbridge.simulator.world import World

COLUMNS = [
    "anomaly",
    "system",
    "org",
    "period",
    "source",
    "record_key",
    "document_no",
    "voucher_no",
    "event_type",
    "expected_status",
    "reason",
    "detail",
]
STATUS = {
    "missing_posting": "missing_in_gl",
    "amount_mismatch": "amount_mismatch",
    "amount_off_by_cent": "amount_mismatch",
    "duplicate_posting": "duplicate_posting",
    "wrong_period": "timing",
    "fx_difference": "fx_difference",
    "reference_missing": "matched",
    "reference_mistyped": "matched",
    "window_edge_inside": "matched",
    "window_edge_outside": "missing_in_gl",
    "split_posting": "matched",
    "batch_posting": "matched",
    "ambiguous_pair": "ambiguous",
}
DETAIL = {
    "missing_posting": "never posted to the GL",
    "amount_mismatch": "posted with a different amount",
    "amount_off_by_cent": "posted 0.01 high (just over the amount tolerance)",
    "duplicate_posting": "posted twice",
    "wrong_period": "posted in the following period",
    "fx_difference": "posted at a wrong exchange rate",
    "reference_missing": "posted without the document number",
    "reference_mistyped": "posted with a mistyped document number",
    "window_edge_inside": "posted without the document number 7 days later (the date window's edge)",
    "window_edge_outside": "posted without the document number 8 days later (outside the date window)",
    "split_posting": "posted in two vouchers (goods, then VAT)",
    "batch_posting": "posted together with another receipt",
    "ambiguous_pair": "installment posted without reference; an identical one exists",
}
#: anomalies whose posting may fall after the as-of date (then the document is missing in the GL)
LATE_POSTINGS = ("wrong_period", "batch_posting", "window_edge_inside", "window_edge_outside")


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def ground_truth(world: World, snap: Snapshot, bad_rows: list[dict]) -> pd.DataFrame:
    """All planted items visible at the snapshot, in the house style's codes and numbers."""
    style = world.style
    a = snap.as_of_day
    ev = world.events
    ev = ev[(ev["anomaly"] != "") & (ev["day"] <= a)].copy()
    gl = snap.gl_lines
    planted = gl[gl["event_id"].isin(ev["event_id"]).to_numpy()]
    vouchers = planted.groupby("event_id")["voucher_id"].agg(lambda s: ",".join(sorted(set(s))))
    ev["voucher_no"] = ev["event_id"].map(vouchers)
    # a batch voucher is keyed by the batch's event
    in_batch = ev["batch"] >= 0
    batch_v = gl[gl["voucher_key"].isin((ev.loc[in_batch, "batch"] * 4 + 1).to_numpy())]
    batch_v = batch_v.drop_duplicates("voucher_key").set_index("voucher_key")["voucher_id"]
    ev.loc[in_batch, "voucher_no"] = (ev.loc[in_batch, "batch"] * 4 + 1).map(batch_v)
    status = ev["anomaly"].map(STATUS).to_numpy().astype(object)
    unposted = ev["voucher_no"].isna().to_numpy()
    status = np.where(np.isin(ev["anomaly"], LATE_POSTINGS) & unposted, "missing_in_gl", status)
    amb = ev["anomaly"] == "ambiguous_pair"
    twins = ev[amb].groupby(["org_code", "supplier_code", "gross"])["event_id"].transform("count")
    status[np.flatnonzero(amb.to_numpy())] = np.where(twins.to_numpy() >= 2, "ambiguous", "matched")
    org = ev["org_code"].map(style.erp_org)
    rows = pd.DataFrame(
        {
            "anomaly": ev["anomaly"],
            "system": "finance",
            "org": org,
            "period": period_of(ev["day"].to_numpy()),
            "source": ev["event_type"].map(SOURCE_OF_EVENT),
            "record_key": ev["doc_no"],
            "document_no": ev["doc_no"],
            "voucher_no": ev["voucher_no"],
            "event_type": ev["event_type"],
            "expected_status": status,
            "reason": None,
            "detail": ev["event_type"] + " " + ev["doc_no"] + ": " + ev["anomaly"].map(DETAIL),
        }
    )
    # a reference-less posting one day outside the window is a posting no document explains
    outside = ev[(ev["anomaly"] == "window_edge_outside") & ev["voucher_no"].notna()]
    rows_outside = (
        _empty()
        if outside.empty
        else pd.DataFrame(
            {
                "anomaly": "window_edge_outside",
                "system": "finance",
                "org": outside["org_code"].map(style.erp_org),
                "period": outside["post_day"].map(lambda d: period_of(np.array([d]))[0]),
                "source": "gl_voucher_lines",
                "record_key": outside["voucher_no"],
                "document_no": None,
                "voucher_no": outside["voucher_no"],
                "event_type": None,
                "expected_status": "missing_in_business",
                "reason": None,
                "detail": "voucher of " + outside["doc_no"] + " posted 8 days late without its number",
            }
        )
    )
    orphans = gl[gl["event_type"] == "ORPHAN"].drop_duplicates("voucher_id")
    rows_orphan = (
        _empty()
        if orphans.empty
        else pd.DataFrame(
            {
                "anomaly": "orphan_posting",
                "system": "finance",
                "org": orphans["org_code"].map(style.erp_org),
                "period": orphans["period"],
                "source": "gl_voucher_lines",
                "record_key": orphans["voucher_id"],
                "document_no": None,
                "voucher_no": orphans["voucher_id"],
                "event_type": None,
                "expected_status": "missing_in_business",
                "reason": None,
                "detail": "manual journal on a control account with no business document: "
                + orphans["summary"],
            }
        )
    )
    from ledgerbridge.simulator.gl_writer import gl_party_keys

    keys = gl_party_keys(world)
    gc = world.gl_codes[world.gl_codes["mismatch"]]
    erp_styled = style.recode(
        pd.DataFrame(
            {
                "supplier_code": gc["erp_code"].where(gc["party_type"] == "supplier"),
                "customer_code": gc["erp_code"].where(gc["party_type"] == "customer"),
            }
        )
    )
    erp_styled = erp_styled["supplier_code"].fillna(erp_styled["customer_code"])
    gl_key = gc["erp_code"].map(keys)
    rows_codes = (
        _empty()
        if gc.empty
        else pd.DataFrame(
            {
                "anomaly": "code_mismatch",
                "system": "finance",
                "org": None,
                "period": None,
                "source": "gl_counterparties",
                "record_key": gl_key,
                "document_no": None,
                "voucher_no": None,
                "event_type": None,
                "expected_status": np.where(gc["gl_has_tax_id"], "mapping", "unmapped"),
                "reason": gc["party_type"],
                "detail": "GL code "
                + gl_key
                + " is ERP "
                + gc["party_type"]
                + " "
                + erp_styled
                + np.where(gc["gl_has_tax_id"], " (same tax id)", " (no tax id in the GL: needs a mapping)"),
            }
        )
    )
    x = world.expenses
    claims = x.claims.set_index("claim_idx")
    present = set(snap.expense["expense_claims"]["claim_idx"])
    dup = x.duplicate_invoice_lines[x.duplicate_invoice_lines["claim_idx"].isin(present)]
    claim_no = claims["claim_id"]
    rows_dup = (
        _empty()
        if dup.empty
        else pd.DataFrame(
            {
                "anomaly": "duplicate_vat_invoice",
                "system": "expense",
                "org": dup["claim_idx"].map(claims["org_code"]).map(style.erp_org),
                "period": None,
                "source": "expense_claim_lines",
                "record_key": dup["claim_idx"].map(claim_no) + "/" + dup["line_no"].astype(str),
                "document_no": dup["claim_idx"].map(claim_no),
                "voucher_no": None,
                "event_type": None,
                "expected_status": "duplicate_invoice",
                "reason": None,
                "detail": "VAT invoice "
                + dup["invoice_id"]
                + " already claimed in "
                + dup["first_claim_idx"].map(claim_no),
            }
        )
    )
    bad = pd.DataFrame(bad_rows, columns=COLUMNS)
    parts = [f for f in (rows, rows_outside, rows_orphan, rows_codes, rows_dup, bad) if not f.empty]
    out = pd.concat(parts, ignore_index=True)[COLUMNS] if parts else _empty()
    return out.sort_values(["anomaly", "system", "source", "record_key"], na_position="last").reset_index(
        drop=True
    )
