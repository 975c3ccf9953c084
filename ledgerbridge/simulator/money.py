"""Exact money arithmetic on integer cents (vectorised).

Amounts are int64 cents and FX rates int64 millionths, so every figure the
simulator writes is exact and reproducible by SQL on DECIMAL columns:
``round(amount * rate, 2)`` with half-away-from-zero rounding.
"""

from __future__ import annotations

import numpy as np

RATE_SCALE = 1_000_000


def round_div(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """Integer division rounded half away from zero."""
    numerator = np.asarray(numerator, dtype=np.int64)
    q = (np.abs(numerator) + denominator // 2) // denominator
    return np.sign(numerator) * q


def convert(cents: np.ndarray, rate_micro: np.ndarray) -> np.ndarray:
    """Convert cents at a rate given in millionths, rounded to the cent."""
    return round_div(np.asarray(cents, np.int64) * np.asarray(rate_micro, np.int64), RATE_SCALE)


def tax_of(net_cents: np.ndarray, rate_pct: np.ndarray) -> np.ndarray:
    """VAT on a net amount at an integer percent rate, rounded to the cent."""
    return round_div(np.asarray(net_cents, np.int64) * np.asarray(rate_pct, np.int64), 100)


def to_text(cents: np.ndarray) -> np.ndarray:
    """Cents as decimal text with two places ("-12.05"), vectorised."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    a = np.abs(cents)
    whole = (a // 100).astype(str)
    frac = np.char.zfill((a % 100).astype(str), 2)
    return np.char.add(np.char.add(np.char.add(sign, whole), "."), frac)


def to_text_grouped(cents: np.ndarray) -> np.ndarray:
    """Cents as decimal text with thousands separators ("-1,234,567.05")."""
    cents = np.asarray(cents, dtype=np.int64)
    return np.array(
        [f"{'-' if c < 0 else ''}{abs(c) // 100:,}.{abs(c) % 100:02d}" for c in cents.tolist()], dtype=object
    )
