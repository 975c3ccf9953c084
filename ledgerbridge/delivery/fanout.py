"""How a report or an alert is queued: by mail, one message per reader (their own content); by a
group robot, one notice for the group that @-mentions the readers whose chat id it knows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Protocol

import sqlalchemy as sa

from ledgerbridge.delivery import outbox
from ledgerbridge.delivery.channels import EMAIL, Channel
from ledgerbridge.delivery.message import Message


class Reader(Protocol):
    """Who receives: a user id, an e-mail address, chat ids by robot type."""

    user_id: str
    email: str | None
    chat_ids: Mapping[str, str]


def fan_out(
    eng: sa.Engine,
    robots: Mapping[str, Channel],
    channels: Iterable[str],
    personal: list[tuple[Reader, Message]],
    shared: Message,
    *,
    key: str,
    source_kind: str,
    source_id: str,
    now: dt.datetime,
) -> None:
    """Queue ``personal`` messages by mail and ``shared`` to each robot channel (keys make it idempotent)."""
    for channel in channels:
        if channel == EMAIL:
            for who, message in personal:
                outbox.enqueue(
                    eng,
                    dedupe_key=f"{key}:{EMAIL}:{who.user_id}",
                    source_kind=source_kind,
                    source_id=source_id,
                    channel=EMAIL,
                    message=message,
                    now=now,
                    target=who.email,
                    recipient_id=who.user_id,
                )
        else:
            robot_type = getattr(robots.get(channel), "type", "")
            mentions = tuple(w.chat_ids[robot_type] for w, _ in personal if robot_type in w.chat_ids)
            outbox.enqueue(
                eng,
                dedupe_key=f"{key}:{channel}",
                source_kind=source_kind,
                source_id=source_id,
                channel=channel,
                message=dataclasses.replace(shared, mentions=mentions),
                now=now,
            )
