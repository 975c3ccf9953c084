"""The ground truth: one row per planted item, with the status a correct hub reports at the as-of date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.calendar import period_of
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
SOURCE_OF_EVENT = {
    "GR": "goods_receipts",
    "PINV": "supplier_invoices",
    "PAY": "supplier_payments",
    "DN": "deliveries",
    "SINV": "customer_invoices",
    "REC": "customer_receipts",
    "EC_APPROVE": "expense_claims",
    "EC_PAY": "expense_claims",
}
STATUS = {
    "missing_posting": "missing_in_gl",
    "amount_mismatch": "amount_mismatch",
    "duplicate_posting": "duplicate_posting",
    "wrong_period": "timing",
    "fx_difference": "fx_difference",
    "reference_missing": "matched",
    "reference_mistyped": "matched",
    "split_posting": "matched",
    "batch_posting": "matched",
    "ambiguous_pair": "ambiguous",
}
DETAIL = {
    "missing_posting": "never posted to the GL",
    "amount_mismatch": "posted with a different amount",
    "duplicate_posting": "posted twice",
    "wrong_period": "posted in the following period",
    "fx_difference": "posted at a wrong exchange rate",
    "reference_missing": "posted without the document number",
    "reference_mistyped": "posted with a mistyped document number",
    "split_posting": "posted in two vouchers (goods, then VAT)",
    "batch_posting": "posted together with another receipt",
    "ambiguous_pair": "installment posted without reference; an identical one exists",
}


def ground_truth(world: World, snap: Snapshot, bad_rows: list[dict]) -> pd.DataFrame:
    """All planted items visible at the snapshot."""
    a = snap.as_of_day
    ev = world.events
    ev = ev[(ev["anomaly"] != "") & (ev["day"] <= a)].copy()
    gl = snap.gl_lines
    # Vouchers of the planted events only (joining strings per group is slow on every event).
    posted = gl[gl["event_id"].isin(ev["event_id"]).to_numpy()]
    vouchers = posted.groupby("event_id")["voucher_id"].agg(lambda s: ",".join(sorted(set(s))))
    batch_v = (
        gl[gl["event_type"] == "REC"].drop_duplicates("voucher_key").set_index("voucher_key")["voucher_id"]
    )
    ev["voucher_no"] = ev["event_id"].map(vouchers)
    in_batch = ev["batch"] >= 0
    ev.loc[in_batch, "voucher_no"] = (ev.loc[in_batch, "batch"] * 4 + 1).map(batch_v)
    status = ev["anomaly"].map(STATUS).to_numpy().astype(object)
    unposted = ev["voucher_no"].isna().to_numpy()
    # A posting dated after the as-of date is not in the books yet.
    status = np.where(
        np.isin(ev["anomaly"], ["wrong_period", "batch_posting"]) & unposted, "missing_in_gl", status
    )
    amb = ev["anomaly"] == "ambiguous_pair"
    twins = ev[amb].groupby(["org_code", "supplier_code", "gross"])["event_id"].transform("count")
    status[np.flatnonzero(amb.to_numpy())] = np.where(twins.to_numpy() >= 2, "ambiguous", "matched")
    rows = pd.DataFrame(
        {
            "anomaly": ev["anomaly"],
            "system": "finance",
            "org": ev["org_code"],
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
    orphans = gl[gl["event_type"] == "ORPHAN"].drop_duplicates("voucher_id")
    rows_orphan = pd.DataFrame(
        {
            "anomaly": "orphan_posting",
            "system": "finance",
            "org": orphans["org_code"],
            "period": orphans["period"],
            "source": "gl_voucher_lines",
            "record_key": orphans["voucher_id"],
            "document_no": None,
            "voucher_no": orphans["voucher_id"],
            "event_type": None,
            "expected_status": "missing_in_business",
            "reason": None,
            "detail": "manual journal on a control account with no business document: " + orphans["summary"],
        }
    )
    gc = world.gl_codes[world.gl_codes["mismatch"]]
    rows_codes = pd.DataFrame(
        {
            "anomaly": "code_mismatch",
            "system": "finance",
            "org": None,
            "period": None,
            "source": "gl_counterparties",
            "record_key": gc["gl_code"],
            "document_no": None,
            "voucher_no": None,
            "event_type": None,
            "expected_status": np.where(gc["gl_has_tax_id"], "mapping", "unmapped"),
            "reason": gc["party_type"],
            "detail": "GL code "
            + gc["gl_code"]
            + " is ERP "
            + gc["party_type"]
            + " "
            + gc["erp_code"]
            + np.where(gc["gl_has_tax_id"], " (same tax id)", " (no tax id in the GL: needs a mapping)"),
        }
    )
    claims = set(snap.expense["expense_claims"]["claim_id"])
    dup = world.duplicate_invoice_lines[world.duplicate_invoice_lines["claim_id"].isin(claims)]
    org_of = world.expenses.claims.set_index("claim_id")["org_code"]
    rows_dup = pd.DataFrame(
        {
            "anomaly": "duplicate_vat_invoice",
            "system": "expense",
            "org": dup["claim_id"].map(org_of),
            "period": None,
            "source": "expense_claim_lines",
            "record_key": dup["claim_id"] + "/" + dup["line_no"].astype(str),
            "document_no": dup["claim_id"],
            "voucher_no": None,
            "event_type": None,
            "expected_status": "duplicate_invoice",
            "reason": None,
            "detail": "VAT invoice " + dup["invoice_id"] + " already claimed in " + dup["first_claim_id"],
        }
    )
    bad = pd.DataFrame(bad_rows, columns=COLUMNS)
    out = pd.concat([rows, rows_orphan, rows_codes, rows_dup, bad], ignore_index=True)[COLUMNS]
    return out.sort_values(["anomaly", "system", "source", "record_key"], na_position="last").reset_index(
        drop=True
    )
