"""Cron schedules: when a job fires. APScheduler's cron trigger computes the times.

A schedule is a crontab text (``"0 8 1 * *"``; the day field also takes ``last``,
``last fri`` and ``4th fri``; use day names, ``mon-fri``, in the weekday field) or a
table of APScheduler cron fields (``{ day = "last", hour = 19, minute = 50 }``). Times
are in the configured time zone; everything stored is UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from ledgerbridge.errors import LedgerbridgeError

_TICK = dt.timedelta(microseconds=1)


def trigger(schedule: str | dict[str, Any], timezone: str) -> CronTrigger:
    """The cron trigger of a schedule; a bad expression is a one-line error."""
    try:
        tz = zoneinfo.ZoneInfo(timezone)
        if isinstance(schedule, str):
            return CronTrigger.from_crontab(schedule, timezone=tz)
        return CronTrigger(timezone=tz, **schedule)
    except (ValueError, TypeError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise LedgerbridgeError(f"schedule {schedule!r} ({timezone}): {exc}") from exc


def fire_times(
    schedule: str | dict[str, Any], timezone: str, after: dt.datetime, until: dt.datetime
) -> Iterator[dt.datetime]:
    """Fire times in ``(after, until]``, as aware UTC datetimes, oldest first."""
    trig = trigger(schedule, timezone)
    t = trig.get_next_fire_time(None, after + _TICK)
    while t is not None and t <= until:
        yield t.astimezone(dt.UTC)
        t = trig.get_next_fire_time(None, t + _TICK)


def next_fire_time(schedule: str | dict[str, Any], timezone: str, now: dt.datetime) -> dt.datetime | None:
    """The first fire time after ``now`` (aware UTC), or None."""
    t = trigger(schedule, timezone).get_next_fire_time(None, now + _TICK)
    return t.astimezone(dt.UTC) if t else None
