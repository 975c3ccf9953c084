"""Which accounting period a run reports on, and the query parameters derived from it.

- ``previous_month``: the month before the run's reference time (the scheduled time,
  or now for a manual run), in the configured time zone: a run on 1 December reports
  November.
- ``month_to_date``: the month of the reference time, data as of that day.
- ``last_closed``: the latest period the GL has closed (``core.dim_period``).
- ``YYYY-MM``: that period.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from typing import Any

from ledgerbridge.errors import LedgerbridgeError
from ledgerbridge.reports.definitions import check_period_spec


def shift(period: str, months: int) -> str:
    """``YYYY-MM`` moved by ``months``."""
    y, m = map(int, period.split("-"))
    idx = y * 12 + (m - 1) + months
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def resolve(spec: str, reference: dt.datetime, timezone: str, closed: list[str] | None = None) -> str:
    """The period a spec names at ``reference`` (aware); ``closed`` lists the GL's closed periods."""
    check_period_spec(spec, "period")
    local = reference.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    if spec == "month_to_date":
        return f"{local:%Y-%m}"
    if spec == "previous_month":
        return shift(f"{local:%Y-%m}", -1)
    if spec == "last_closed":
        if not closed:
            raise LedgerbridgeError("period last_closed: the GL has no closed period yet")
        return max(closed)
    return spec


def parameters(period: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """Named values a section's SQL may use (``$period``, ``$period_end`` …)."""
    y, m = map(int, period.split("-"))
    start = dt.date(y, m, 1)
    end = dt.date(y, m, calendar.monthrange(y, m)[1])
    return {
        "period": period,
        "period_start": start,
        "period_end": end,
        "as_of": min(as_of, end) if as_of else end,
        "year_start": f"{y:04d}-01",
        "prev_period": shift(period, -1),
        "same_period_last_year": shift(period, -12),
        "trailing_start": shift(period, -11),
    }
