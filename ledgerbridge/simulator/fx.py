"""Daily FX rates of the simulated world (a random walk per currency pair)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgerbridge.simulator.money import RATE_SCALE

# Mid rates to CNY at the start of the year.
START_TO_CNY = {"USD": 7.18, "EUR": 7.82}


def daily_rates(seed: int, start: np.datetime64, days: int) -> pd.DataFrame:
    """Rates for every calendar day: X->CNY for USD and EUR, and cross rates into USD.

    Columns: rate_date (datetime64[D]), from_currency, to_currency, rate_micro (int64).
    """
    rng = np.random.default_rng([seed, 2])
    dates = start + np.arange(days).astype("timedelta64[D]")
    to_cny = {}
    for cur, start_rate in START_TO_CNY.items():
        walk = np.cumsum(rng.normal(0, 0.0025, days))
        to_cny[cur] = np.round(start_rate * np.exp(walk) * 10_000).astype(np.int64) * 100  # 4 decimals
    usd = to_cny["USD"]
    pairs = {
        ("USD", "CNY"): usd,
        ("EUR", "CNY"): to_cny["EUR"],
        ("CNY", "USD"): np.round(RATE_SCALE * RATE_SCALE / usd).astype(np.int64),
        ("EUR", "USD"): np.round(to_cny["EUR"] * RATE_SCALE / usd).astype(np.int64),
    }
    frames = [
        pd.DataFrame({"rate_date": dates, "from_currency": f, "to_currency": t, "rate_micro": r})
        for (f, t), r in pairs.items()
    ]
    return pd.concat(frames, ignore_index=True)


def rate_lookup(rates: pd.DataFrame, start: np.datetime64):
    """A vectorised lookup: (day offsets, from currencies, to currency per row) -> rate_micro.

    Same currency gives exactly 1.000000.
    """
    days = int((rates["rate_date"].max() - pd.Timestamp(start)).days) + 1
    table: dict[tuple[str, str], np.ndarray] = {}
    for (f, t), grp in rates.groupby(["from_currency", "to_currency"]):
        arr = np.zeros(days, np.int64)
        arr[(grp["rate_date"] - pd.Timestamp(start)).dt.days.to_numpy()] = grp["rate_micro"].to_numpy()
        table[(f, t)] = arr

    def lookup(day: np.ndarray, from_cur: np.ndarray, to_cur: np.ndarray) -> np.ndarray:
        day = np.asarray(day, np.int64)
        out = np.full(len(day), RATE_SCALE, np.int64)
        from_cur = np.asarray(from_cur)
        to_cur = np.asarray(to_cur)
        for (f, t), arr in table.items():
            m = (from_cur == f) & (to_cur == t)
            if m.any():
                out[m] = arr[day[m]]
        return out

    return lookup
