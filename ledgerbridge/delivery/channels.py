"""The configured channels by name: ``email`` (SMTP to each recipient) and every webhook robot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ledgerbridge.delivery.errors import DeliveryError
from ledgerbridge.delivery.message import Message
from ledgerbridge.delivery.smtp import SmtpChannel
from ledgerbridge.delivery.webhooks import ROBOTS

EMAIL = "email"


class Channel(Protocol):
    """A way to send a message. ``limits`` are (messages, seconds) windows the sender respects."""

    name: str
    type: str
    limits: tuple[tuple[int, float], ...]

    @property
    def configured(self) -> bool: ...

    def send(self, target: str | None, message: Message) -> str: ...


def build(
    delivery: Mapping[str, Any], load_file: Callable[[str], bytes], **robot_kw: Any
) -> dict[str, Channel]:
    """Channels from ``[delivery]``: ``email`` plus ``[delivery.webhooks.<name>]`` robots."""
    out: dict[str, Channel] = {EMAIL: SmtpChannel(EMAIL, dict(delivery.get("smtp") or {}), load_file)}
    for name, settings in (delivery.get("webhooks") or {}).items():
        kind = str(settings.get("type") or "")
        if kind not in ROBOTS:
            raise DeliveryError(
                f"delivery.webhooks.{name}: type {kind!r} is not one of {', '.join(ROBOTS)}", permanent=True
            )
        if name == EMAIL:
            raise DeliveryError("delivery.webhooks: 'email' is the name of the mail channel", permanent=True)
        out[name] = ROBOTS[kind](name, dict(settings), **robot_kw)
    return out
