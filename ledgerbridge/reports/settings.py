"""Reporting settings (``[settings]`` of the reporting configuration), with their defaults."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from ledgerbridge.errors import LedgerbridgeError


@dataclass(frozen=True)
class Settings:
    """How runs are scheduled, retried and presented."""

    #: time zone of cron schedules and of the times printed in reports
    timezone: str = "Asia/Shanghai"
    #: the app's address, for download links in mails and chat messages
    app_url: str = "http://127.0.0.1:8501"
    #: the company shown in page headers when a recipient sees every org
    company: str = ""
    #: language of titles, headers and messages (zh or en)
    language: str = "zh"
    #: a run still "working" after this long was interrupted: it is marked error
    working_timeout_minutes: float = 60.0
    #: attempts of a failing run before its owner is told (the first run included)
    max_attempts: int = 3
    #: retry back-off: base × 2^(attempt-1), capped
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    #: when the scheduler refreshes the warehouse (crontab text; empty = never)
    refresh_schedule: str = ""
    #: the scheduler's tick, in seconds
    tick_seconds: float = 60.0

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.retry_max_seconds, self.retry_base_seconds * 2 ** max(0, attempt - 1))


def parse_settings(config: dict[str, Any]) -> Settings:
    """The ``[settings]`` table as :class:`Settings`; unknown keys are refused."""
    raw = dict(config.get("settings") or {})
    known = {f.name: f.type for f in fields(Settings)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise LedgerbridgeError(
            f"[settings]: unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})"
        )
    try:
        return Settings(**raw)
    except TypeError as exc:
        raise LedgerbridgeError(f"[settings]: {exc}") from exc
