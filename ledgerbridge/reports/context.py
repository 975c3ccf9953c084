"""Everything a report run, a scheduler tick or an alert check works with, loaded once per tick."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from ledgerbridge import ops
from ledgerbridge.alerts.rules import AlertRule, parse_rules
from ledgerbridge.delivery import channels as delivery_channels
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.paths import warehouse_path
from ledgerbridge.reports import config as report_config
from ledgerbridge.reports import recipients as users_mod
from ledgerbridge.reports.definitions import ReportDef, parse_reports
from ledgerbridge.reports.settings import Settings, parse_settings

REFRESH_JOB = "refresh"


def _default_refresh() -> str:
    from ledgerbridge.refresh import refresh

    result = refresh()
    return f"published {result.published_path} in {result.seconds:,.1f} s"


@dataclass
class Reporting:
    """The reporting configuration, the operational database and the warehouse, together."""

    config: dict[str, Any]
    settings: Settings
    reports: dict[str, ReportDef]
    rules: list[AlertRule]
    engine: sa.Engine
    warehouse: Path
    users: users_mod.UserDirectory
    #: runs the warehouse refresh; returns a one-line summary (tests replace it)
    refresh: Callable[[], str] = _default_refresh
    #: keyword arguments for the robots (tests give them a fake clock or HTTP post)
    robot_options: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def channels(self) -> dict[str, delivery_channels.Channel]:
        from ledgerbridge.reports import archive

        return delivery_channels.build(
            self.config.get("delivery") or {},
            lambda file_id: archive.read(self.engine, file_id)[1],
            **self.robot_options,
        )

    def report(self, report_id: str) -> ReportDef:
        try:
            return self.reports[report_id]
        except KeyError:
            known = ", ".join(self.reports) or "none"
            raise LedgerbridgeError(f"no report {report_id!r} (defined: {known})") from None

    def schedules(self) -> dict[str, tuple[str | dict, str]]:
        """job id -> (schedule, time zone) of every scheduled job, the refresh included."""
        out: dict[str, tuple[str | dict, str]] = {}
        if self.settings.refresh_schedule:
            out[REFRESH_JOB] = (self.settings.refresh_schedule, self.settings.timezone)
        for r in self.reports.values():
            if r.schedule:
                out[r.id] = (r.schedule, r.timezone or self.settings.timezone)
        return out

    def app_link(self, **query: str) -> str:
        """A link to the app's scheduled-reports page."""
        base = self.settings.app_url.rstrip("/") + "/scheduled_reports"
        return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")

    @contextlib.contextmanager
    def warehouse_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the published warehouse: one snapshot for a whole run."""
        if not self.warehouse.exists():
            raise LedgerbridgeError(f"no warehouse at {self.warehouse}: run `ledgerbridge run` first")
        # report SQL reads the warehouse and nothing else: no files, no network
        con = duckdb.connect(str(self.warehouse), read_only=True, config={"enable_external_access": False})
        try:
            yield con
        finally:
            con.close()

    def validate(self) -> list[str]:
        """Problems of the configuration that would only show at run time (names that resolve nowhere)."""
        from ledgerbridge.reports.schedule import trigger

        problems = []
        for r in self.reports.values():
            try:
                users_mod.resolve(r.recipients, self.users)
                if r.owner:
                    users_mod.resolve([r.owner], self.users)
                if r.schedule:
                    trigger(r.schedule, r.timezone or self.settings.timezone)
            except LedgerbridgeError as exc:
                problems.append(f"report {r.id}: {exc}")
            problems += [f"report {r.id}: no channel {c!r}" for c in r.channels if c not in self.channels]
        for rule in self.rules:
            try:
                users_mod.resolve(rule.recipients, self.users)
            except LedgerbridgeError as exc:
                problems.append(f"alert rule {rule.id}: {exc}")
            problems += [
                f"alert rule {rule.id}: no channel {c!r}" for c in rule.channels if c not in self.channels
            ]
        return problems


def load(
    config_path: Path | None = None,
    *,
    ops_url: str | None = None,
    warehouse: Path | None = None,
    **overrides: Any,
) -> Reporting:
    """The reporting context from the configuration file, the operational database and the warehouse."""
    # the modules that register the operational tables, before the engine migrates
    from ledgerbridge.alerts import state as _alert_state  # noqa: F401
    from ledgerbridge.delivery import outbox as _outbox  # noqa: F401
    from ledgerbridge.reports import runs as _runs  # noqa: F401

    cfg = report_config.load(config_path)
    return Reporting(
        config=cfg,
        settings=parse_settings(cfg),
        reports=parse_reports(cfg),
        rules=parse_rules(cfg),
        engine=ops.engine(ops_url),
        warehouse=Path(warehouse or warehouse_path()),
        users=users_mod.directory(cfg),
        **overrides,
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
