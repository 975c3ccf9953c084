"""ledgerbridge ingestion: dlt pipelines for the ERP database, the GL export folder and the
expense API into ``data/raw.duckdb`` (datasets ``raw_erp``, ``raw_finance``, ``raw_expense``).

    from ingestion import run_ingest
    report = run_ingest(["erp"], sources_dir=Path("data/sources"))
"""

from ingestion import dlt_runtime  # noqa: F401  (first: how dlt runs in this process)
from ingestion.runner import IngestReport, SourceResult, TableResult, run_ingest

__all__ = ["IngestReport", "SourceResult", "TableResult", "run_ingest"]
