"""How a send can fail: retry later, wait for the rate limit, or give up."""

from __future__ import annotations

from ledgerbridge.errors import LedgerbridgeError


class DeliveryError(LedgerbridgeError):
    """A send failed. ``permanent`` failures (a refused address, a bad token) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class RateLimited(DeliveryError):
    """The receiver asks us to slow down: the message waits ``retry_after`` seconds and is re-queued."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotConfigured(DeliveryError):
    """The channel has no server or URL configured: the delivery is logged as skipped."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)
