"""App settings from ``app/config.toml`` (``LEDGERBRIDGE_APP_CONFIG`` overrides)."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "config.toml"


@cache
def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError:
        return {}


def settings() -> dict[str, Any]:
    """The parsed settings (empty sections when the file is missing)."""
    return _load(os.environ.get("LEDGERBRIDGE_APP_CONFIG", str(DEFAULT_PATH)))


def expected_hours(source: str) -> float:
    """The expected load interval of a source, in hours."""
    fr = settings().get("freshness", {})
    return float(fr.get("sources", {}).get(source, fr.get("default_hours", 24)))


def amber_factor() -> float:
    return float(settings().get("freshness", {}).get("amber_factor", 2.0))


def console() -> dict[str, Any]:
    """SQL console limits: row_limit, timeout_seconds, memory_limit."""
    base = {"row_limit": 10000, "timeout_seconds": 10.0, "memory_limit": "512MB"}
    base.update(settings().get("sql_console", {}))
    return base
