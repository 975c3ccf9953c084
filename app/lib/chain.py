"""A document's whole chain: order → receipt/delivery → invoice → payment → voucher.

Starts from one document number, follows the link columns that
``fct_business_events`` has (order, receipt, invoice references), and adds
the GL lines that cite any document of the chain. All reads go through
:mod:`app.lib.warehouse` with document filters (never a full fact scan
without a predicate).
"""

from __future__ import annotations

import pandas as pd

from app.lib import queries as Q
from app.lib import warehouse as wh

#: Display order of event types within a chain.
STAGE = {
    "PO": 0,
    "SO": 0,
    "GR": 1,
    "DN": 1,
    "PINV": 2,
    "SINV": 2,
    "ADV": 1,
    "EC_APPROVE": 2,
    "PAY": 3,
    "REC": 3,
    "CPAY": 3,
}


def document_chain(doc: str, hops: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(business events of the chain in stage order, GL lines citing its documents)."""
    links = [c for c in Q.LINK_COLUMNS if c in set(wh.columns_of("fct_business_events"))]
    docs = {doc}
    events = pd.DataFrame()
    for _ in range(hops + 1):
        name = "events_linked|" + ",".join(links)
        events = wh.fetch(name, *Q.linked_params(sorted(docs), links))
        found = set(events["document_no"].dropna().astype(str))
        for c in links:
            found |= set(events[c].dropna().astype(str))
        if found <= docs:
            break
        docs |= found
    if not events.empty and "event_type" in events.columns:
        events = events.assign(_stage=events["event_type"].map(STAGE).fillna(9))
        sort = ["_stage"] + [c for c in ("event_date", "event_id") if c in events.columns]
        events = events.sort_values(sort).drop(columns="_stage").reset_index(drop=True)
    all_docs = sorted(docs | set(events.get("document_no", pd.Series(dtype=str)).dropna().astype(str)))
    gl = wh.fetch("gl_lines_docs", all_docs)
    return events, gl
