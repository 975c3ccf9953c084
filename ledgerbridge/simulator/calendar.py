"""The simulated fiscal year: day offsets, periods and timestamps."""

from __future__ import annotations

import numpy as np

YEAR_START = np.datetime64("2025-01-01")
HORIZON_DAYS = 365  # documents are dated within fiscal year 2025
DEFAULT_AS_OF = np.datetime64("2026-01-05")
CLOSE_AFTER_DAYS = 10  # a period is closed this many days after its end
NEVER = np.iinfo(np.int64).max // 4  # "this never happens" day


def to_date(day: np.ndarray) -> np.ndarray:
    """Day offsets -> datetime64[D]."""
    return YEAR_START + np.asarray(day, np.int64).astype("timedelta64[D]")


def day_of(date: np.datetime64) -> int:
    """A date -> its day offset."""
    return int((np.datetime64(date, "D") - YEAR_START).astype(int))


def period_of(day: np.ndarray) -> np.ndarray:
    """Day offsets -> 'YYYY-MM' strings."""
    return np.datetime_as_string(to_date(day).astype("datetime64[M]"))


def period_index(day: np.ndarray) -> np.ndarray:
    """Day offsets -> month index since 2025-01 (0..11 within the year)."""
    d = to_date(day).astype("datetime64[M]").astype(np.int64)
    return d - YEAR_START.astype("datetime64[M]").astype(np.int64)


def period_end_day(period_idx: np.ndarray) -> np.ndarray:
    """Month index -> day offset of the month's last day."""
    first_next = (YEAR_START.astype("datetime64[M]") + np.asarray(period_idx) + 1).astype("datetime64[D]")
    return (first_next - YEAR_START).astype(np.int64) - 1


def period_start_day(period_idx: np.ndarray) -> np.ndarray:
    """Month index -> day offset of the month's first day."""
    first = (YEAR_START.astype("datetime64[M]") + np.asarray(period_idx)).astype("datetime64[D]")
    return (first - YEAR_START).astype(np.int64)


def timestamp(day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Day offsets -> datetime64[s] during office hours of that day."""
    secs = rng.integers(8 * 3600, 19 * 3600, len(day))
    return to_date(day).astype("datetime64[s]") + secs.astype("timedelta64[s]")
