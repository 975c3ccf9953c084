"""Report definitions: what a report holds, for which period, in which formats, when, for whom.

Parsed from the ``[[reports]]`` tables of the reporting configuration
(:mod:`ledgerbridge.reports.config`); every mistake is reported with the report's id
and the key, before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge.errors import LedgerbridgeError

FORMATS = ("xlsx", "pdf", "csv")
#: Period specs relative to the run's reference time (see ``ledgerbridge.reports.periods``).
RELATIVE_PERIODS = ("last_closed", "previous_month", "month_to_date")
#: Built-in section contents that are not plain SQL.
SOURCES = ("voucher_import",)
CHART_KINDS = ("line", "bar")
_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Text:
    """A label in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class ChartDef:
    """A chart image under a section's table: ``y`` columns over ``x``, one line/bar set per ``series``."""

    x: str
    y: tuple[str, ...]
    kind: str = "line"
    series: str | None = None
    title: Text | None = None


@dataclass(frozen=True)
class SectionDef:
    """One sheet of the XLSX, one chapter of the PDF, one CSV file."""

    id: str
    title: Text
    sql: str | None = None
    source: str | None = None
    totals: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    chart: ChartDef | None = None
    pdf_columns: tuple[str, ...] = ()
    pdf_max_rows: int = 300
    in_pdf: bool = True


@dataclass(frozen=True)
class Retention:
    """How many versions of a report period the archive keeps (0 = all)."""

    versions: int = 0


@dataclass(frozen=True)
class ReportDef:
    """A report: content, parameters, formats, schedule, retention, recipients and channels."""

    id: str
    title: Text
    sections: tuple[SectionDef, ...]
    period: str = "previous_month"
    formats: tuple[str, ...] = ("xlsx",)
    schedule: str | dict[str, Any] | None = None
    timezone: str | None = None
    retention: Retention = Retention()
    recipients: tuple[str, ...] = ()
    channels: tuple[str, ...] = ("email",)
    owner: str | None = None
    description: Text | None = None
    max_attempts: int | None = None
    paused: bool = False
    #: orgs the report is about (None = all); each recipient sees those within their grants
    orgs: frozenset[str] | None = None


class DefinitionError(LedgerbridgeError):
    """A report definition is invalid."""


def _text(value: Any, where: str) -> Text:
    if isinstance(value, str):
        return Text(value, value)
    if isinstance(value, dict) and value.get("zh"):
        return Text(str(value["zh"]), str(value.get("en") or value["zh"]))
    raise DefinitionError(f"{where}: expected a text or {{ zh = …, en = … }}, got {value!r}")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DefinitionError(f"{where}: expected a list of texts, got {value!r}")


def _check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise DefinitionError(
            f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})"
        )


def check_period_spec(spec: str, where: str) -> str:
    """A relative period name or an explicit ``YYYY-MM``."""
    if spec in RELATIVE_PERIODS or _PERIOD_RE.match(spec):
        return spec
    raise DefinitionError(f"{where}: period {spec!r} is not one of {', '.join(RELATIVE_PERIODS)} or YYYY-MM")


def _chart(raw: dict[str, Any], where: str) -> ChartDef:
    _check_keys(raw, {"x", "y", "kind", "series", "title"}, where)
    kind = raw.get("kind", "line")
    if kind not in CHART_KINDS:
        raise DefinitionError(f"{where}: chart kind {kind!r} is not one of {', '.join(CHART_KINDS)}")
    if not raw.get("x") or not raw.get("y"):
        raise DefinitionError(f"{where}: a chart needs x and y")
    return ChartDef(
        x=str(raw["x"]),
        y=_strings(raw["y"], f"{where}.y"),
        kind=kind,
        series=raw.get("series"),
        title=_text(raw["title"], f"{where}.title") if raw.get("title") else None,
    )


def _section(raw: dict[str, Any], where: str) -> SectionDef:
    allowed = {
        "id",
        "title",
        "sql",
        "source",
        "totals",
        "labels",
        "chart",
        "pdf_columns",
        "pdf_max_rows",
        "pdf",
    }
    _check_keys(raw, allowed, where)
    sid = raw.get("id")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        raise DefinitionError(f"{where}: section id {sid!r} must be lower-case letters, digits and _")
    where = f"{where} ({sid})"
    sql, source = raw.get("sql"), raw.get("source")
    if bool(sql) == bool(source):
        raise DefinitionError(f"{where}: give exactly one of sql or source")
    if source and source not in SOURCES:
        raise DefinitionError(f"{where}: source {source!r} is not one of {', '.join(SOURCES)}")
    return SectionDef(
        id=sid,
        title=_text(raw.get("title", sid), f"{where}.title"),
        sql=sql,
        source=source,
        totals=_strings(raw.get("totals"), f"{where}.totals"),
        labels={str(k): str(v) for k, v in (raw.get("labels") or {}).items()},
        chart=_chart(raw["chart"], f"{where}.chart") if raw.get("chart") else None,
        pdf_columns=_strings(raw.get("pdf_columns"), f"{where}.pdf_columns"),
        pdf_max_rows=int(raw.get("pdf_max_rows", 300)),
        in_pdf=bool(raw.get("pdf", True)),
    )


def parse_report(raw: dict[str, Any]) -> ReportDef:
    """One ``[[reports]]`` table as a :class:`ReportDef`."""
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        raise DefinitionError(f"reports: id {rid!r} must be lower-case letters, digits and _")
    where = f"report {rid}"
    allowed = {
        "id",
        "title",
        "description",
        "sections",
        "period",
        "formats",
        "schedule",
        "timezone",
        "retention",
        "recipients",
        "channels",
        "owner",
        "max_attempts",
        "paused",
        "orgs",
    }
    _check_keys(raw, allowed, where)
    formats = _strings(raw.get("formats", ["xlsx"]), f"{where}.formats")
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise DefinitionError(f"{where}: formats {list(formats)} must be some of {', '.join(FORMATS)}")
    sections = tuple(_section(s, f"{where} section {i + 1}") for i, s in enumerate(raw.get("sections") or []))
    if not sections:
        raise DefinitionError(f"{where}: no sections")
    ids = [s.id for s in sections]
    if len(set(ids)) != len(ids):
        raise DefinitionError(f"{where}: section ids repeat: {ids}")
    schedule = raw.get("schedule")
    if schedule is not None and not isinstance(schedule, str | dict):
        raise DefinitionError(f"{where}.schedule: a crontab text or a table of cron fields")
    retention = raw.get("retention") or {}
    _check_keys(retention, {"versions"}, f"{where}.retention")
    return ReportDef(
        id=rid,
        title=_text(raw.get("title", rid), f"{where}.title"),
        description=_text(raw["description"], f"{where}.description") if raw.get("description") else None,
        sections=sections,
        period=check_period_spec(str(raw.get("period", "previous_month")), where),
        formats=formats,
        schedule=schedule,
        timezone=raw.get("timezone"),
        retention=Retention(versions=int(retention.get("versions", 0))),
        recipients=_strings(raw.get("recipients"), f"{where}.recipients"),
        channels=_strings(raw.get("channels", ["email"]), f"{where}.channels"),
        owner=raw.get("owner"),
        max_attempts=int(raw["max_attempts"]) if raw.get("max_attempts") else None,
        paused=bool(raw.get("paused", False)),
        orgs=frozenset(_strings(raw["orgs"], f"{where}.orgs")) if raw.get("orgs") else None,
    )


def parse_reports(config: dict[str, Any]) -> dict[str, ReportDef]:
    """Every report of the configuration, by id (ids must be unique)."""
    out: dict[str, ReportDef] = {}
    for raw in config.get("reports") or []:
        report = parse_report(raw)
        if report.id in out:
            raise DefinitionError(f"report {report.id} is defined twice")
        out[report.id] = report
    return out
