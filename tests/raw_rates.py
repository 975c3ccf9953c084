"""The period FX rates recomputed in Python from the raw GL rate table: a second route to the
rates the warehouse translates with (``int_fx_period_rates``). Not a test module."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

SIX_PLACES = Decimal("0.000001")


def raw_period_rates(raw) -> dict[tuple[str, str, str], tuple[Decimal, Decimal, int]]:
    """(period, from, to) -> (closing rate = the rate of the period's last rate day, average =
    the mean of its days' rates to 6 places half away from zero, number of rate days)."""
    rates = raw.execute(
        "select rate_date, from_currency, to_currency, rate from raw_finance.gl_fx_rates"
    ).df()
    rates["period"] = pd.to_datetime(rates["rate_date"]).dt.strftime("%Y-%m")
    out = {}
    for key, g in rates.groupby(["period", "from_currency", "to_currency"]):
        last = g.sort_values("rate_date").iloc[-1]["rate"]
        mean = (sum(Decimal(str(r)) for r in g["rate"]) / len(g)).quantize(SIX_PLACES, ROUND_HALF_UP)
        out[key] = (Decimal(str(last)), mean, len(g))
    return out
