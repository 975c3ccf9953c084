"""A clean source set publishes: after one load of sources with no bad row, no finding and tables
with no rows yet, every table the warehouse reads exists (read from the dbt sources files)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingestion import run_ingest
from ledgerbridge.paths import PROJECT_ROOT
from tests.hostile.kit import csv_bytes, erp_db, q, voucher, write_gl
from tests.hostile.test_api_hostile import TOKEN, Stub


def warehouse_sources() -> set[tuple[str, str]]:
    """(schema, table) of every source table the dbt project declares in the raw file."""
    out = set()
    for path in (PROJECT_ROOT / "dbt_project" / "models").rglob("*.yml"):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            if source.get("database") == "raw":
                out |= {(source["schema"], t["name"]) for t in source.get("tables", [])}
    return out


def test_every_table_the_warehouse_reads_exists_after_a_clean_load(
    place: Path, monkeypatch: pytest.MonkeyPatch
):
    erp_db(place / "sources")  # every ERP table, no rows yet
    write_gl(place / "sources", {"2026-07/凭证_A_2026-07.csv": csv_bytes(voucher("A", "2026-07", 1))})
    server = Stub()
    server.records = []
    monkeypatch.setenv("SOURCES__EXPENSE__BASE_URL", server.url)
    monkeypatch.setenv("SOURCES__EXPENSE__TOKEN", TOKEN)
    try:
        report = run_ingest(sources_dir=place / "sources", raw_path=place / "raw.duckdb")
    finally:
        server.stop()
    assert report.ok and report.warnings == []
    present = set(q(place / "raw.duckdb", "select table_schema, table_name from information_schema.tables"))
    wanted = warehouse_sources()
    assert ("raw_erp", "quarantine") in wanted and ("ops", "run_log") in wanted
    assert wanted - present == set()
    for schema in ("raw_erp", "raw_finance", "raw_expense"):
        assert q(place / "raw.duckdb", f"select count(*) from {schema}.quarantine") == [(0,)]
    assert q(place / "raw.duckdb", "select count(*) from ops.data_quality") == [(0,)]
