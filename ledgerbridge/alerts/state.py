"""Alert state in the operational database: de-duplication, repeats and recovery.

``alert_states`` has one row per (rule, org, subject). A firing that is new is told;
one still firing is told again only after the rule's ``repeat_hours`` (0 = never); when
it stops firing, its recovery is told once. ``alert_events`` is the history the monitor
page lists (fired, repeated, resolved).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from ledgerbridge import ops
from ledgerbridge.alerts.rules import AlertRule, Firing
from ledgerbridge.reports.runs import db_time, utc

METADATA = sa.MetaData()

alert_states = sa.Table(
    "alert_states",
    METADATA,
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("org", sa.String(32), primary_key=True),
    sa.Column("subject", sa.String(400), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),  # firing | resolved
    sa.Column("summary", sa.Text),
    sa.Column("first_fired_at", sa.DateTime, nullable=False),
    sa.Column("last_seen_at", sa.DateTime, nullable=False),
    sa.Column("last_notified_at", sa.DateTime),
    sa.Column("resolved_at", sa.DateTime),
    sa.Column("notify_count", sa.Integer, nullable=False, default=0),
)

alert_events = sa.Table(
    "alert_events",
    METADATA,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("rule_id", sa.String(64), nullable=False),
    sa.Column("org", sa.String(32), nullable=False),
    sa.Column("subject", sa.String(400), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # fired | repeated | resolved
    sa.Column("summary", sa.Text),
    sa.Index("ix_alert_events_at", "at"),
)


def _v1(con: sa.Connection) -> None:
    METADATA.create_all(con, tables=[alert_states, alert_events])


ops.register(ops.Migration("alerts", 1, "alert states and alert events", _v1))


@dataclass(frozen=True)
class Notice:
    """Something to tell: an alert fired, is still firing (repeat), or resolved."""

    kind: str  # fired | repeated | resolved
    rule_id: str
    org: str
    subject: str
    summary: str
    owner: str | None = None


def reconcile(eng: sa.Engine, rule: AlertRule, firings: Iterable[Firing], now: dt.datetime) -> list[Notice]:
    """Compare what fires now with the stored state; update it; return what must be told."""
    t = db_time(now)
    current = {(f.org, f.subject): f for f in firings}
    notices: list[Notice] = []
    with eng.begin() as con:
        stored = {
            (r.org, r.subject): r
            for r in con.execute(sa.select(alert_states).where(alert_states.c.rule_id == rule.id)).all()
        }
        for key, f in current.items():
            row = stored.get(key)
            where = sa.and_(
                alert_states.c.rule_id == rule.id,
                alert_states.c.org == f.org,
                alert_states.c.subject == f.subject,
            )
            if row is None or row.state == "resolved":
                values = dict(
                    state="firing",
                    summary=f.summary,
                    first_fired_at=t,
                    last_seen_at=t,
                    last_notified_at=t,
                    resolved_at=None,
                    notify_count=1,
                )
                if row is None:
                    con.execute(
                        alert_states.insert().values(rule_id=rule.id, org=f.org, subject=f.subject, **values)
                    )
                else:
                    con.execute(alert_states.update().where(where).values(**values))
                notices.append(Notice("fired", rule.id, f.org, f.subject, f.summary, f.owner))
                continue
            due = rule.repeat_hours > 0 and now - utc(row.last_notified_at) >= dt.timedelta(
                hours=rule.repeat_hours
            )
            values = {"last_seen_at": t, "summary": f.summary}
            if due:
                values |= {"last_notified_at": t, "notify_count": row.notify_count + 1}
                notices.append(Notice("repeated", rule.id, f.org, f.subject, f.summary, f.owner))
            con.execute(alert_states.update().where(where).values(**values))
        for (org, subject), row in stored.items():
            if row.state == "firing" and (org, subject) not in current:
                con.execute(
                    alert_states.update()
                    .where(
                        alert_states.c.rule_id == rule.id,
                        alert_states.c.org == org,
                        alert_states.c.subject == subject,
                    )
                    .values(state="resolved", resolved_at=t)
                )
                notices.append(Notice("resolved", rule.id, org, subject, row.summary or subject))
        for n in notices:
            con.execute(
                alert_events.insert().values(
                    at=t, rule_id=n.rule_id, org=n.org, subject=n.subject, kind=n.kind, summary=n.summary
                )
            )
    return notices


def states(eng: sa.Engine) -> pd.DataFrame:
    """Every alert and its state, firing first, newest first."""
    q = sa.select(alert_states).order_by(alert_states.c.state, alert_states.c.last_seen_at.desc())
    with eng.connect() as con:
        return pd.DataFrame(con.execute(q).mappings().all(), columns=[c.name for c in alert_states.columns])


def history(eng: sa.Engine, limit: int = 500) -> pd.DataFrame:
    """Alert events (fired, repeated, resolved), newest first."""
    q = sa.select(alert_events).order_by(alert_events.c.event_id.desc()).limit(limit)
    with eng.connect() as con:
        return pd.DataFrame(con.execute(q).mappings().all(), columns=[c.name for c in alert_events.columns])
