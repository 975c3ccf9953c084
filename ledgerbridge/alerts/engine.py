"""The alert check: evaluate every rule, update the de-duplicated state, queue what must be told.

Notices of one rule, org and kind (fired / repeated / resolved) found in the same check go
out as one message. A recipient hears only about orgs they are granted (org-less alerts,
such as a stale source, go to all of the rule's recipients); the owner of a failing report
hears about their report only. A rule that cannot be evaluated (no warehouse yet) keeps
its state: nothing is declared resolved because it could not be looked at.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections import defaultdict

import duckdb

from ledgerbridge.alerts.rules import EVALUATORS, NO_ORG, AlertRule, Context
from ledgerbridge.alerts.state import Notice, reconcile
from ledgerbridge.delivery.fanout import fan_out
from ledgerbridge.delivery.message import Message
from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports.context import Reporting
from ledgerbridge.reports.recipients import Recipient, resolve

MAX_LINES = 30
KIND_WORDS = {"fired": "告警 ALERT", "repeated": "仍未恢复 STILL FIRING", "resolved": "已恢复 RESOLVED"}


def _message(rule: AlertRule, org: str, kind: str, notices: list[Notice], link: str) -> Message:
    where = "" if org == NO_ORG else f" {org}"
    subject = f"【{KIND_WORDS[kind]}】{rule.id}{where}: {len(notices)}"
    lines = [f"- {n.summary}" for n in notices[:MAX_LINES]]
    if len(notices) > MAX_LINES:
        lines.append(f"… +{len(notices) - MAX_LINES}")
    return Message(subject, "\n".join(lines), link)


def _notify(ctx: Reporting, rule: AlertRule, notices: list[Notice], now: dt.datetime) -> None:
    everyone = resolve(rule.recipients, ctx.users) if rule.recipients else []
    groups: dict[tuple[str, str], list[Notice]] = defaultdict(list)
    for n in notices:
        groups[(n.org, n.kind)].append(n)
    stamp = now.isoformat()
    for (org, kind), group in groups.items():
        audience: list[tuple[Recipient, list[Notice]]] = [
            (r, group) for r in everyone if org == NO_ORG or r.scope.allows(org)
        ]
        named = {r.user_id for r, _ in audience}
        for owner in sorted({n.owner for n in group if n.owner and n.owner not in named}):
            who = ctx.users.recipient(owner)
            if who is not None:
                audience.append((who, [n for n in group if n.owner == owner]))
        digest = hashlib.sha1("|".join(sorted(n.subject for n in group)).encode()).hexdigest()[:12]
        key = f"alert:{rule.id}:{org}:{kind}:{stamp}:{digest}"
        link = ctx.settings.app_url.rstrip("/") + "/monitor"
        fan_out(
            ctx.engine,
            ctx.channels,
            rule.channels,
            [(who, _message(rule, org, kind, theirs, link)) for who, theirs in audience],
            _message(rule, org, kind, group, link),
            key=key,
            source_kind="alert",
            source_id=f"{rule.id}:{org}",
            now=now,
        )


def check(ctx: Reporting, now: dt.datetime) -> tuple[list[Notice], list[str]]:
    """Evaluate every rule at ``now``; returns (notices queued, rules that could not be evaluated)."""
    notices: list[Notice] = []
    errors: list[str] = []
    with contextlib.ExitStack() as stack:

        def open_warehouse() -> duckdb.DuckDBPyConnection | None:
            if not ctx.warehouse.exists():
                return None
            return stack.enter_context(duckdb.connect(str(ctx.warehouse), read_only=True))

        owners = {r.id: r.owner for r in ctx.reports.values() if r.owner}
        actx = Context(open_warehouse, ctx.engine, now, owners)
        for rule in ctx.rules:
            try:
                firings = EVALUATORS[rule.kind](rule, actx)
            except (LedgerbridgeError, duckdb.Error) as exc:
                errors.append(f"{rule.id}: {' '.join(str(exc).split())[:300]}")
                continue
            told = reconcile(ctx.engine, rule, firings, now)
            if told:
                _notify(ctx, rule, told, now)
            notices += told
    return notices, errors
