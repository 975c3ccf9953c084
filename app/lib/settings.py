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
    """SQL console limits: row_limit, timeout_seconds, memory_limit, worker_overhead_mb."""
    base = {"row_limit": 10000, "timeout_seconds": 10.0, "memory_limit": "512MB", "worker_overhead_mb": 1024}
    base.update(settings().get("sql_console", {}))
    return base


def login_policy():
    """Lockout and session limits from ``[access]`` (``LEDGERBRIDGE_LOGIN_DELAY_S`` overrides the delay)."""
    from ledgerbridge.ops.login import LoginPolicy

    acc = settings().get("access", {})
    delay = os.environ.get("LEDGERBRIDGE_LOGIN_DELAY_S")
    return LoginPolicy(
        max_failures=int(acc.get("max_failed_logins", 5)),
        lockout_minutes=float(acc.get("lockout_minutes", 15)),
        failure_delay_s=float(delay if delay is not None else acc.get("failed_login_delay_seconds", 1)),
        idle_minutes=float(acc.get("session_idle_minutes", 30)),
        session_hours=float(acc.get("session_max_hours", 12)),
    )


def sso() -> dict[str, str]:
    """Single sign-on settings: ``provider`` ('' = the default [auth] section) and ``label``."""
    acc = settings().get("access", {})
    return {"provider": str(acc.get("sso_provider", "")), "label": str(acc.get("sso_label", "SSO"))}
