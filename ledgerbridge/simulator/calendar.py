"""The simulated fiscal years: day offsets, periods and timestamps.

Two fiscal years (2024 and 2025, periods 2024-01 … 2025-12), so that every
report has a prior-year comparison. Days are offsets from 2024-01-01."""

from __future__ import annotations

import numpy as np

YEAR_START = np.datetime64("2024-01-01")
FIRST_YEAR = 2024
YEARS = 2
HORIZON_DAYS = int((np.datetime64("2026-01-01") - YEAR_START).astype(int))  # 731: 2024 is a leap year
PERIODS = 12 * YEARS
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
    """Day offsets -> month index since the first period (0 … PERIODS - 1 within the horizon)."""
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


def period_name(period_idx: np.ndarray) -> np.ndarray:
    """Month index -> 'YYYY-MM'."""
    return np.datetime_as_string(YEAR_START.astype("datetime64[M]") + np.asarray(period_idx, np.int64))


def year_of(day: np.ndarray) -> np.ndarray:
    """Day offsets -> calendar year."""
    return to_date(day).astype("datetime64[Y]").astype(np.int64) + 1970
