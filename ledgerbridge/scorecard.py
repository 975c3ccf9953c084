"""The reconciliation scorecard: the warehouse's statuses against the simulator's ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

RECON_STATUSES = [
    "matched",
    "timing",
    "amount_mismatch",
    "missing_in_gl",
    "missing_in_business",
    "duplicate_posting",
    "fx_difference",
    "ambiguous",
]


@dataclass
class Scorecard:
    """Precision and recall per anomaly type and the figures of merit."""

    per_anomaly: pd.DataFrame  # anomaly, expected_status, planted, found, recall
    per_status: pd.DataFrame  # recon_status, flagged, planted, correct, precision
    status_counts: dict[str, int]
    auto_match_rate_count: float
    auto_match_rate_amount: float
    proposals: int
    unbalanced_proposals: int
    unposted: int
    misses: pd.DataFrame = field(default_factory=pd.DataFrame)  # planted items not found as expected


def _read(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def score(warehouse: Path, ground_truth: Path) -> Scorecard:
    """Compare the document statuses (and the GL lines no document explains) with the planted
    anomalies whose expected status is a reconciliation status."""
    truth = pd.read_parquet(ground_truth)
    truth = truth[truth["expected_status"].isin(RECON_STATUSES)].copy()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        docs = _read(
            con,
            "select document_no, event_type, recon_status, control_amount_base "
            "from reconciliation.recon_document_status where not is_reversal",
        )
        gl = _read(
            con,
            "select gl_voucher_no, recon_status from reconciliation.recon_items where item_side = 'gl'",
        )
        counts = _read(con, "select recon_status, count(*) as n from reconciliation.recon_items group by 1")
        proposals = _read(
            con,
            "select count(*) as n, sum(case when is_balanced then 0 else 1 end) as unbalanced "
            "from vouchers.voucher_proposals",
        )
        unposted = int(con.execute("select count(*) from vouchers.voucher_unposted").fetchone()[0])

    gl_status = gl.groupby("gl_voucher_no")["recon_status"].agg(lambda s: ",".join(sorted(set(s))))
    by_doc = truth[truth["document_no"].notna()].merge(
        docs.rename(columns={"recon_status": "found_status"}), on=["document_no", "event_type"], how="left"
    )
    by_voucher = truth[truth["document_no"].isna()].copy()
    by_voucher["found_status"] = by_voucher["voucher_no"].map(gl_status)
    judged = pd.concat([by_doc, by_voucher], ignore_index=True)
    judged["found"] = judged["found_status"] == judged["expected_status"]
    per_anomaly = (
        judged.groupby(["anomaly", "expected_status"])
        .agg(planted=("found", "size"), found=("found", "sum"))
        .reset_index()
    )
    per_anomaly["recall"] = per_anomaly["found"] / per_anomaly["planted"]

    # Precision: every exception the hub flags, by document or by GL voucher, judged against the
    # planted item of that document or voucher.
    flagged_docs = docs[docs["recon_status"] != "matched"].assign(
        key=lambda d: d["document_no"] + "|" + d["event_type"]
    )
    flagged_gl = (
        gl[["gl_voucher_no", "recon_status"]].drop_duplicates().rename(columns={"gl_voucher_no": "key"})
    )
    flagged = pd.concat([flagged_docs[["key", "recon_status"]], flagged_gl], ignore_index=True)
    truth_keys = pd.concat(
        [
            (by_doc["document_no"] + "|" + by_doc["event_type"])
            .to_frame("key")
            .assign(expected_status=by_doc["expected_status"]),
            by_voucher[["voucher_no", "expected_status"]].rename(columns={"voucher_no": "key"}),
        ]
    )
    # An ambiguous pair's GL lines are flagged too: they belong to the planted documents' vouchers.
    amb = truth[truth["expected_status"] == "ambiguous"]["voucher_no"].dropna()
    truth_keys = pd.concat([truth_keys, pd.DataFrame({"key": amb, "expected_status": "ambiguous"})])
    truth_keys = truth_keys.drop_duplicates(["key", "expected_status"])
    merged = flagged.merge(truth_keys, on="key", how="left")
    merged["correct"] = merged["recon_status"] == merged["expected_status"]
    per_status = (
        merged.groupby("recon_status").agg(flagged=("key", "size"), correct=("correct", "sum")).reset_index()
    )
    per_status["precision"] = per_status["correct"] / per_status["flagged"]

    matched = docs["recon_status"] == "matched"
    amounts = docs["control_amount_base"].astype(float).abs()
    return Scorecard(
        per_anomaly=per_anomaly,
        per_status=per_status,
        status_counts=dict(zip(counts["recon_status"], counts["n"].astype(int), strict=True)),
        auto_match_rate_count=float(matched.mean()) if len(docs) else 0.0,
        auto_match_rate_amount=float(amounts[matched].sum() / amounts.sum()) if amounts.sum() else 0.0,
        proposals=int(proposals["n"].iloc[0]),
        unbalanced_proposals=int(proposals["unbalanced"].fillna(0).iloc[0]),
        unposted=unposted,
        misses=judged[~judged["found"]],
    )
