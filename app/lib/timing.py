"""Page query timings for the bench: ``measure_pages(path) -> {page: seconds}``.

Each page's on-open batch (:func:`app.lib.queries.page_requests`) runs
uncached in a fresh read-only connection, as the first visitor after a
publish would see it; the median of ``repeats`` runs is reported. The
catalog (loaded once per published version) is excluded from page times and
reported as ``_catalog``. Drill-downs are timed as ``reports.drill`` (an
account's GL lines) and ``reports.chain`` (a document's chain); the group view
of a user granted two orgs (computed, not read) as ``reports.scoped``.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from app.lib import consolidation
from app.lib import queries as Q
from app.lib import warehouse as wh

PAGES = ("overview", "reports", "recon", "vouchers", "monitor")


def _defaults(path: str, rels: Any) -> dict[str, Any]:
    _, res = wh.timed_uncached(path, [("periods", ()), ("orgs", ())], rels)
    periods = [] if isinstance(res[0], Exception) else [str(p) for p in res[0]["period"]]
    orgs = [] if isinstance(res[1], Exception) else [str(o) for o in res[1]["org_code"]]
    last = periods[-1] if periods else "2025-01"
    first = min([p for p in periods if p >= Q.shift_period(last, -11)] or [last])
    return {
        "orgs": orgs,
        "org": orgs[0] if orgs else "",
        "p0": first,
        "p1": last,
        "period": last,
        "statuses": list(Q.EXCEPTION_STATUSES),
    }


def measure_pages(warehouse_path: str | Path, repeats: int = 5) -> dict[str, float]:
    """Median seconds of each page's on-open queries against ``warehouse_path``."""
    path = str(warehouse_path)
    t0 = time.perf_counter()
    rels, _ = wh._load_catalog(path)
    out: dict[str, float] = {"_catalog": time.perf_counter() - t0}
    f = _defaults(path, rels)
    batches = {page: Q.page_requests(page, f) for page in PAGES}
    scoped_orgs = f["orgs"][:2]
    batches["reports.scoped"] = [(name, (f["period"],)) for name in consolidation.SCOPED.values()]
    # drill-downs: the largest account of the trial balance, one of its documents
    _, (tb,) = wh.timed_uncached(path, [("trial_balance", (f["org"], f["period"]))], rels)
    if not isinstance(tb, Exception) and not tb.empty and "period_debit" in tb.columns:
        acct = str(tb.sort_values("period_debit", ascending=False).iloc[0]["account_code"])
        batches["reports.drill"] = [("gl_lines_account", (f["org"], f["period"], acct))]
        _, (lines,) = wh.timed_uncached(path, batches["reports.drill"], rels)
        docs = [] if isinstance(lines, Exception) else lines["source_document_no"].dropna().tolist()
        if docs:
            cols = set(wh._load_catalog(path)[1].query("table_name == 'fct_business_events'")["column_name"])
            links = [c for c in Q.LINK_COLUMNS if c in cols]
            chain = "events_linked|" + ",".join(links)
            batches["reports.chain"] = [
                (chain, Q.linked_params([docs[0]], links)),
                ("gl_lines_docs", ([docs[0]],)),
            ]
    for page, reqs in batches.items():
        codes = scoped_orgs if page == "reports.scoped" else None
        times = [wh.timed_uncached(path, reqs, rels, codes)[0] for _ in range(repeats)]
        out[page] = statistics.median(times)
    return out


if __name__ == "__main__":  # python -m app.lib.timing [warehouse]
    import sys

    target = sys.argv[1] if len(sys.argv) > 1 else str(wh.warehouse_path())
    for page, secs in measure_pages(target).items():
        print(f"{page:16s} {secs * 1000:8.1f} ms")
