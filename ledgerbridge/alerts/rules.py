"""Alert rules from ``[alerts]`` / ``[[alerts.rules]]`` and what each one finds firing now.

Every kind turns the warehouse (or the run records) into a list of :class:`Firing`,
one per (org, subject); the subject is what the alert is about (a source, a table, a
control account and period, an exception item, a job). Kinds:

| kind | fires for | parameters |
|---|---|---|
| ``run_failed`` | a scheduled refresh or report period whose last run failed its last retry | ``owner`` |
| ``source_stale`` | a source with no successful load for more than ``hours`` | ``hours`` (24) |
| ``quarantine_above`` | a raw table with more than ``threshold`` quarantined rows | ``threshold`` (0) |
| ``exceptions_above`` | each reconciliation exception whose difference is at least ``amount`` | ``amount`` |
| ``bridge_unexplained`` | a control account and period whose bridge leaves an unexplained remainder | |
| ``dbt_test_warn`` | a dbt test of the published warehouse that warns | |
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import duckdb
import sqlalchemy as sa

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports.runs import job_runs, utc

NO_ORG = "*"


@dataclass(frozen=True)
class AlertRule:
    """One rule: what to watch, whom to tell, how often to repeat."""

    id: str
    kind: str
    params: dict[str, Any]
    repeat_hours: float
    recipients: tuple[str, ...]
    channels: tuple[str, ...]
    owner: bool = False


@dataclass(frozen=True)
class Firing:
    """Something a rule finds wrong right now."""

    org: str
    subject: str
    summary: str
    owner: str | None = None  # a user to tell besides the rule's recipients (a report's owner)


@dataclass
class Context:
    """What rules read: the warehouse (opened on first use), the operational DB, the time."""

    open_warehouse: Callable[[], duckdb.DuckDBPyConnection | None]
    ops: sa.Engine
    now: dt.datetime
    report_owners: dict[str, str] = field(default_factory=dict)

    @cached_property
    def warehouse(self) -> duckdb.DuckDBPyConnection | None:
        return self.open_warehouse()


def _money(v: Any) -> str:
    return f"{Decimal(str(v)):,.2f}"


def _rows(ctx: Context, rule: AlertRule, sql: str, params: list[Any] | None = None) -> list[tuple]:
    """The rows of a query over the published warehouse (an error when there is none)."""
    if ctx.warehouse is None:
        raise LedgerbridgeError(f"{rule.kind}: no published warehouse to check")
    return ctx.warehouse.execute(sql, params or []).fetchall()


def run_failed(rule: AlertRule, ctx: Context) -> list[Firing]:
    """A scheduled run that ended in error (after its last retry), with no success since.

    Keyed by job and period (refreshes by job alone). A manual run that fails does not
    alert (its requester saw the error); any later success resolves the alert.
    """
    with ctx.ops.connect() as con:
        rows = con.execute(
            sa.select(
                job_runs.c.job_id,
                job_runs.c.kind,
                job_runs.c.trigger,
                job_runs.c.period,
                job_runs.c.state,
                job_runs.c.attempt,
                job_runs.c.error,
            )
            .where(job_runs.c.state.in_(("success", "error")))
            .order_by(job_runs.c.ended_at, job_runs.c.created_at)
        ).all()
    failing: dict[tuple[str, str], Any] = {}
    for r in rows:  # in the order they ended: a success clears, a scheduled failure sets
        key = (r.job_id, r.period if r.kind == "report" and r.period else "")
        if r.state == "success":
            failing.pop(key, None)
        elif r.trigger == "schedule":
            failing[key] = r
    out = []
    for (job, period), r in sorted(failing.items()):
        subject = f"{job} {period}".strip()
        error = " ".join((r.error or "").split())[:300]
        out.append(
            Firing(
                NO_ORG,
                subject,
                f"{subject}: failed after {r.attempt} attempt(s): {error}",
                owner=ctx.report_owners.get(job) if rule.owner else None,
            )
        )
    return out


def source_stale(rule: AlertRule, ctx: Context) -> list[Firing]:
    hours = float(rule.params.get("hours", 24))
    rows = _rows(
        ctx,
        rule,
        """select source,
                      max(ended_at) filter (where lower(status) in ('success', 'ok', 'loaded')) as last_ok
               from monitoring.mon_load_history group by source order by source""",
    )
    out = []
    for source, last_ok in rows:
        age = None if last_ok is None else (ctx.now - utc(last_ok)).total_seconds() / 3600
        if age is None or age > hours:
            seen = "never loaded successfully" if age is None else f"last successful load {age:,.1f} h ago"
            out.append(Firing(NO_ORG, str(source), f"source {source}: {seen} (expected within {hours:g} h)"))
    return out


def quarantine_above(rule: AlertRule, ctx: Context) -> list[Firing]:
    threshold = int(rule.params.get("threshold", 0))
    rows = _rows(
        ctx,
        rule,
        """select source_system || '.' || table_name as tbl, count(*) as n
           from monitoring.mon_quarantine group by 1 having count(*) > ? order by 1""",
        [threshold],
    )
    return [
        Firing(NO_ORG, tbl, f"{tbl}: {n:,} rows in quarantine (threshold {threshold:,})") for tbl, n in rows
    ]


def exceptions_above(rule: AlertRule, ctx: Context) -> list[Firing]:
    amount = Decimal(str(rule.params.get("amount", 0)))
    rows = _rows(
        ctx,
        rule,
        """select org_code, item_id, period, control_account, recon_status,
                  coalesce(business_document_no, gl_voucher_no, item_id) as doc,
                  coalesce(difference, business_amount_base, gl_amount_base) as diff
           from reconciliation.recon_items
           where is_exception and abs(coalesce(difference, business_amount_base, gl_amount_base, 0)) >= ?
           order by org_code, period, item_id""",
        [amount],
    )
    return [
        Firing(org, item, f"{period} {account} {status} {doc}: {_money(diff)}")
        for org, item, period, account, status, doc, diff in rows
    ]


def bridge_unexplained(rule: AlertRule, ctx: Context) -> list[Firing]:
    rows = _rows(
        ctx,
        rule,
        """select org_code, control_account, period, unexplained from reconciliation.recon_account_bridge
           where unexplained <> 0 order by org_code, period, control_account""",
    )
    return [
        Firing(org, f"{account} {period}", f"{account} {period}: unexplained {_money(v)}")
        for org, account, period, v in rows
    ]


def dbt_test_warn(rule: AlertRule, ctx: Context) -> list[Firing]:
    rows = _rows(
        ctx,
        rule,
        """select node_name, coalesce(failures, 0), coalesce(message, '') from ops.dbt_results
           where run_id = (select max(run_id) from ops.dbt_results)
             and resource_type in ('test', 'unit_test') and status = 'warn'
           order by node_name""",
    )
    return [
        Firing(NO_ORG, name, f"dbt test {name} warns: {n} row(s) {msg[:200]}".strip())
        for name, n, msg in rows
    ]


EVALUATORS: dict[str, Callable[[AlertRule, Context], list[Firing]]] = {
    f.__name__: f
    for f in (run_failed, source_stale, quarantine_above, exceptions_above, bridge_unexplained, dbt_test_warn)
}


def parse_rules(config: dict[str, Any]) -> list[AlertRule]:
    """The rules of ``[alerts]``; defaults (repeat_hours, recipients, channels) from the table itself."""
    alerts = config.get("alerts") or {}
    default_repeat = float(alerts.get("repeat_hours", 4))
    default_recipients = tuple(alerts.get("recipients") or ())
    default_channels = tuple(alerts.get("channels") or ("email",))
    rules, seen = [], set()
    for raw in alerts.get("rules") or []:
        rid, kind = str(raw.get("id") or ""), str(raw.get("kind") or "")
        if not rid or rid in seen:
            raise LedgerbridgeError(f"[[alerts.rules]]: id {rid!r} missing or repeated")
        if kind not in EVALUATORS:
            raise LedgerbridgeError(f"alert rule {rid}: kind {kind!r} is not one of {', '.join(EVALUATORS)}")
        seen.add(rid)
        common = {"id", "kind", "repeat_hours", "recipients", "channels", "owner"}
        rules.append(
            AlertRule(
                id=rid,
                kind=kind,
                params={k: v for k, v in raw.items() if k not in common},
                repeat_hours=float(raw.get("repeat_hours", default_repeat)),
                recipients=tuple(raw.get("recipients") or default_recipients),
                channels=tuple(raw.get("channels") or default_channels),
                owner=bool(raw.get("owner", False)),
            )
        )
    return rules
