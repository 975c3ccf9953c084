"""The delivery queue in the operational database.

``deliveries`` holds one row per message to send (a recipient's report mail, a robot
notice, an alert), unique by a de-duplication key, so enqueueing twice sends once.
``delivery_attempts`` logs every attempt: sent, rate limited, error, skipped.

:func:`dispatch` sends what is due:

- a channel's rate-limit windows are counted from the attempt log; a message over a
  limit waits (``next_attempt_at``) and is sent later, never dropped;
- a receiver that answers "too fast" re-queues the message after its back-off, without
  using up an attempt;
- an error retries with exponential back-off up to ``max_attempts``, then the delivery
  is ``failed``; a refused address or a bad token fails at once;
- a message is claimed (``queued`` → ``sending``) before it is sent; one found still
  ``sending`` later was interrupted mid-send and is marked failed, not sent again.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from ledgerbridge import ops
from ledgerbridge.delivery.channels import Channel
from ledgerbridge.delivery.errors import DeliveryError, NotConfigured, RateLimited
from ledgerbridge.delivery.message import Message
from ledgerbridge.reports.runs import db_time, utc

METADATA = sa.MetaData()
SENDING_TIMEOUT = dt.timedelta(minutes=15)

deliveries = sa.Table(
    "deliveries",
    METADATA,
    sa.Column("delivery_id", sa.String(40), primary_key=True),
    sa.Column("dedupe_key", sa.String(400), nullable=False, unique=True),
    sa.Column("source_kind", sa.String(16), nullable=False),  # report | alert
    sa.Column("source_id", sa.String(64), nullable=False),  # run id or alert event id
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("target", sa.String(400)),  # e-mail address; empty for robots
    sa.Column("recipient_id", sa.String(64)),
    sa.Column("subject", sa.String(400), nullable=False),
    sa.Column("payload_json", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # queued | sending | sent | failed | skipped
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("detail", sa.Text),
    sa.Index("ix_deliveries_due", "state", "next_attempt_at"),
    sa.Index("ix_deliveries_source", "source_kind", "source_id"),
)

delivery_attempts = sa.Table(
    "delivery_attempts",
    METADATA,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("delivery_id", sa.String(40), nullable=False, index=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),  # sent | rate_limited | error | skipped
    sa.Column("seconds", sa.Float),
    sa.Column("detail", sa.Text),
    sa.Index("ix_delivery_attempts_window", "channel", "at"),
)


def _v1(con: sa.Connection) -> None:
    METADATA.create_all(con, tables=[deliveries, delivery_attempts])


ops.register(ops.Migration("delivery", 1, "deliveries and delivery attempts", _v1))


def enqueue(
    eng: sa.Engine,
    *,
    dedupe_key: str,
    source_kind: str,
    source_id: str,
    channel: str,
    message: Message,
    now: dt.datetime,
    target: str | None = None,
    recipient_id: str | None = None,
    max_attempts: int = 5,
) -> str | None:
    """Queue a message; None when one with the same key was queued before (it is not sent twice)."""
    delivery_id = uuid.uuid4().hex
    try:
        with eng.begin() as con:
            con.execute(
                deliveries.insert().values(
                    delivery_id=delivery_id,
                    dedupe_key=dedupe_key,
                    source_kind=source_kind,
                    source_id=source_id,
                    channel=channel,
                    target=target,
                    recipient_id=recipient_id,
                    subject=message.subject[:400],
                    payload_json=message.to_json(),
                    state="queued",
                    attempts=0,
                    max_attempts=max_attempts,
                    next_attempt_at=db_time(now),
                    created_at=db_time(now),
                )
            )
    except sa.exc.IntegrityError:
        return None
    return delivery_id


def rate_wait(eng: sa.Engine, channel: Channel, now: dt.datetime) -> float:
    """Seconds until ``channel`` may send again under all its (count, seconds) windows; 0 = now."""
    wait = 0.0
    with eng.connect() as con:
        for count, seconds in channel.limits:
            since = db_time(now - dt.timedelta(seconds=seconds))
            times = (
                con.execute(
                    sa.select(delivery_attempts.c.at)
                    .where(
                        delivery_attempts.c.channel == channel.name,
                        delivery_attempts.c.at > since,
                        delivery_attempts.c.outcome.in_(("sent", "rate_limited")),
                    )
                    .order_by(delivery_attempts.c.at.desc())
                    .limit(count)
                )
                .scalars()
                .all()
            )
            if len(times) >= count:  # the oldest of the last `count` sends must leave the window
                free_at = utc(times[-1]) + dt.timedelta(seconds=seconds)
                wait = max(wait, (free_at - now).total_seconds())
    return max(0.0, wait)


@dataclass
class DispatchReport:
    """What one dispatch did."""

    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _log(
    con: sa.Connection,
    delivery_id: str,
    channel: str,
    now: dt.datetime,
    outcome: str,
    seconds: float,
    detail: str,
) -> None:
    con.execute(
        delivery_attempts.insert().values(
            delivery_id=delivery_id,
            channel=channel,
            at=db_time(now),
            outcome=outcome,
            seconds=seconds,
            detail=detail[:2000],
        )
    )


def _claim(eng: sa.Engine, delivery_id: str, now: dt.datetime) -> bool:
    """queued -> sending (one process wins); next_attempt_at then says since when it is sending."""
    with eng.begin() as con:
        res = con.execute(
            deliveries.update()
            .where(deliveries.c.delivery_id == delivery_id, deliveries.c.state == "queued")
            .values(state="sending", next_attempt_at=db_time(now))
        )
    return res.rowcount == 1


def recover_interrupted(eng: sa.Engine, now: dt.datetime) -> list[str]:
    """Deliveries left ``sending`` by a dead process: failed, and not sent again (it may have gone out)."""
    cutoff = db_time(now - SENDING_TIMEOUT)
    with eng.begin() as con:
        rows = con.execute(
            sa.select(deliveries.c.delivery_id, deliveries.c.channel).where(
                deliveries.c.state == "sending", deliveries.c.next_attempt_at < cutoff
            )
        ).all()
        msg = "interrupted while sending; not resent, so that it cannot arrive twice"
        for did, channel in rows:
            con.execute(
                deliveries.update()
                .where(deliveries.c.delivery_id == did)
                .values(state="failed", last_error=msg)
            )
            _log(con, did, channel, now, "error", 0.0, msg)
    return [r[0] for r in rows]


def dispatch(
    eng: sa.Engine,
    channels: Mapping[str, Channel],
    now: dt.datetime,
    *,
    retry_base_s: float = 60.0,
    retry_max_s: float = 3600.0,
    limit: int = 500,
) -> DispatchReport:
    """Send the queued messages that are due (see the module docstring for the rules)."""
    report = DispatchReport()
    recover_interrupted(eng, now)
    with eng.connect() as con:
        due = (
            con.execute(
                sa.select(deliveries)
                .where(deliveries.c.state == "queued", deliveries.c.next_attempt_at <= db_time(now))
                .order_by(deliveries.c.next_attempt_at, deliveries.c.created_at)
                .limit(limit)
            )
            .mappings()
            .all()
        )
    for d in due:
        did, name = d["delivery_id"], d["channel"]
        channel = channels.get(name)
        if channel is None:
            _finish(eng, did, name, now, "failed", "error", 0.0, f"no channel named {name!r} is configured")
            report.failed.append(did)
            continue
        wait = rate_wait(eng, channel, now)
        if wait > 0:  # over the channel's own limit: wait, keep the message
            with eng.begin() as con:
                con.execute(
                    deliveries.update()
                    .where(deliveries.c.delivery_id == did)
                    .values(next_attempt_at=db_time(now + dt.timedelta(seconds=wait)))
                )
            report.deferred.append(did)
            continue
        if not _claim(eng, did, now):
            continue  # another process took it
        t0 = time.perf_counter()
        try:
            detail = channel.send(d["target"], Message.from_json(d["payload_json"]))
        except NotConfigured as exc:
            _finish(eng, did, name, now, "skipped", "skipped", time.perf_counter() - t0, f"skipped: {exc}")
            report.skipped.append(did)
        except RateLimited as exc:
            with eng.begin() as con:
                con.execute(
                    deliveries.update()
                    .where(deliveries.c.delivery_id == did)
                    .values(
                        state="queued",
                        last_error=str(exc),
                        next_attempt_at=db_time(now + dt.timedelta(seconds=exc.retry_after)),
                    )
                )
                _log(con, did, name, now, "rate_limited", time.perf_counter() - t0, str(exc))
            report.deferred.append(did)
        except DeliveryError as exc:
            attempts = d["attempts"] + 1
            final = exc.permanent or attempts >= d["max_attempts"]
            delay = min(retry_max_s, retry_base_s * 2 ** (attempts - 1))
            with eng.begin() as con:
                con.execute(
                    deliveries.update()
                    .where(deliveries.c.delivery_id == did)
                    .values(
                        state="failed" if final else "queued",
                        attempts=attempts,
                        last_error=str(exc),
                        next_attempt_at=db_time(now if final else now + dt.timedelta(seconds=delay)),
                    )
                )
                _log(con, did, name, now, "error", time.perf_counter() - t0, str(exc))
            (report.failed if final else report.retrying).append(did)
        else:
            _finish(eng, did, name, now, "sent", "sent", time.perf_counter() - t0, detail, sent=True)
            report.sent.append(did)
    return report


def _finish(
    eng: sa.Engine,
    did: str,
    channel: str,
    now: dt.datetime,
    state: str,
    outcome: str,
    seconds: float,
    detail: str,
    sent: bool = False,
) -> None:
    values = {"state": state, "detail": detail}
    if sent:
        values["sent_at"] = db_time(now)
    else:
        values["last_error"] = detail
    with eng.begin() as con:
        con.execute(deliveries.update().where(deliveries.c.delivery_id == did).values(**values))
        _log(con, did, channel, now, outcome, seconds, detail)


def listing(eng: sa.Engine, source_kind: str | None = None, source_id: str | None = None) -> pd.DataFrame:
    """Deliveries (optionally of one run or alert), newest first."""
    q = sa.select(deliveries).order_by(deliveries.c.created_at.desc())
    if source_kind:
        q = q.where(deliveries.c.source_kind == source_kind)
    if source_id:
        q = q.where(deliveries.c.source_id == source_id)
    with eng.connect() as con:
        return pd.DataFrame(con.execute(q).mappings().all(), columns=[c.name for c in deliveries.columns])


def attempts(eng: sa.Engine, delivery_id: str | None = None) -> pd.DataFrame:
    q = sa.select(delivery_attempts).order_by(delivery_attempts.c.attempt_id)
    if delivery_id:
        q = q.where(delivery_attempts.c.delivery_id == delivery_id)
    with eng.connect() as con:
        return pd.DataFrame(
            con.execute(q).mappings().all(), columns=[c.name for c in delivery_attempts.columns]
        )
