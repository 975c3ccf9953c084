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
