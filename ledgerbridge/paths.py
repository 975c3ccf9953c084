"""Where the project keeps its data; every default path is derived here."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder (override with LEDGERBRIDGE_DATA_DIR)."""
    return Path(os.environ.get("LEDGERBRIDGE_DATA_DIR", PROJECT_ROOT / "data"))


def sources_dir() -> Path:
    """Default output of the simulator: the three demo source systems."""
    return data_dir() / "sources"


def warehouse_path() -> Path:
    """The published warehouse that the app and analysts read."""
    return Path(os.environ.get("LEDGERBRIDGE_WAREHOUSE", data_dir() / "warehouse.duckdb"))


def raw_path() -> Path:
    """The raw DuckDB file that ingestion (dlt) loads into (override with LEDGERBRIDGE_RAW)."""
    return Path(os.environ.get("LEDGERBRIDGE_RAW", data_dir() / "raw.duckdb"))


def pipelines_dir() -> Path:
    """dlt's working folder (pipeline state, load packages), inside the data folder."""
    return data_dir() / ".dlt_pipelines"
