"""A pytest plugin: ONE warehouse built per test session from simulated demo data.

Registered in conftest.py (``pytest_plugins``). The build runs the real
``ledgerbridge run`` path (simulate -> ingest -> dbt build -> publish) into a
temporary data folder; tests that need the warehouse share it and open it
read-only. Anything that republishes must use its own warehouse path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class BuiltWarehouse:
    data_dir: Path
    sources: Path
    raw: Path
    warehouse: Path
    result: object  # ledgerbridge.refresh.RefreshResult

    def connect(self):
        import duckdb

        return duckdb.connect(str(self.warehouse), read_only=True)

    def raw_connect(self):
        import duckdb

        return duckdb.connect(str(self.raw), read_only=True)


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    """Simulate the demo sources (scale 1), then run the full refresh once."""
    from ledgerbridge.refresh import refresh
    from ledgerbridge.simulator import SimulationConfig, simulate

    data = tmp_path_factory.mktemp("warehouse") / "data"
    data.mkdir()
    names = ("LEDGERBRIDGE_DATA_DIR", "LEDGERBRIDGE_WAREHOUSE", "LEDGERBRIDGE_RAW")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["LEDGERBRIDGE_DATA_DIR"] = str(data)
    for k in ("LEDGERBRIDGE_WAREHOUSE", "LEDGERBRIDGE_RAW"):
        os.environ.pop(k, None)
    sources = data / "sources"
    try:  # the env points ledgerbridge.paths at the temporary folder only while building
        simulate(SimulationConfig(seed=42, scale=1.0, out=sources))
        result = refresh(sources_dir=sources)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield BuiltWarehouse(data, sources, data / "raw.duckdb", data / "warehouse.duckdb", result)


@pytest.fixture(scope="session")
def demo_warehouse(built_warehouse: BuiltWarehouse) -> Path:
    """The published demo warehouse file (for the app's tests)."""
    return built_warehouse.warehouse
