"""KPI arithmetic for the overview page (pure pandas, unit-testable):
sums of flows over a period range, balances at its end, comparisons."""

from __future__ import annotations

import pandas as pd

from app.lib import queries as Q

#: KPI -> candidate column names in ``kpi_monthly`` (first present wins).
KPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "revenue": ("revenue", "revenue_base", "revenue_reporting", "revenue_cny"),
    "gross_margin": ("gross_margin", "gross_profit", "gross_margin_base"),
    "opex": ("operating_expenses", "opex", "opex_base"),
    "net_profit": ("net_profit", "net_income", "net_profit_base"),
    "cash": ("cash", "cash_balance", "cash_base"),
    "ar": ("accounts_receivable", "ar", "ar_balance", "ar_base"),
    "ap": ("accounts_payable", "ap", "ap_balance", "ap_base"),
}
#: Balances are taken at the range's last period; everything else is summed.
BALANCES = ("cash", "ar", "ap")
#: The statement lines each KPI is made of (what its figure drills into).
_PROFIT_LINES = [
    "REVENUE",
    "COST_OF_SALES",
    "TAXES_AND_SURCHARGES",
    "SELLING_EXPENSES",
    "ADMIN_EXPENSES",
    "RD_EXPENSES",
    "FINANCE_COSTS",
    "OTHER_INCOME",
    "INVESTMENT_INCOME",
    "NET_EXPOSURE_HEDGE_GAINS",
    "FAIR_VALUE_GAINS",
    "CREDIT_IMPAIRMENT",
    "ASSET_IMPAIRMENT",
    "ASSET_DISPOSAL_GAINS",
    "NON_OPERATING_INCOME",
    "NON_OPERATING_EXPENSES",
    "INCOME_TAX",
]
KPI_LINES: dict[str, tuple[str, list[str]]] = {
    "revenue": ("income_statement", ["REVENUE"]),
    "gross_margin": ("income_statement", ["REVENUE", "COST_OF_SALES"]),
    "opex": ("income_statement", ["SELLING_EXPENSES", "ADMIN_EXPENSES", "RD_EXPENSES"]),
    "net_profit": ("income_statement", _PROFIT_LINES),
    "cash": ("balance_sheet", ["MONETARY_FUNDS"]),
    "ar": ("balance_sheet", ["ACCOUNTS_RECEIVABLE"]),
    "ap": ("balance_sheet", ["ACCOUNTS_PAYABLE"]),
}


def kpi_column(df: pd.DataFrame, kpi: str) -> str | None:
    """The column of ``df`` holding ``kpi``."""
    for c in KPI_COLUMNS[kpi]:
        if c in df.columns:
            return c
    return None


def range_value(df: pd.DataFrame, kpi: str, p0: str, p1: str) -> float | None:
    """The KPI over periods p0..p1 for all orgs in ``df``: flows summed, balances at p1."""
    col = kpi_column(df, kpi)
    if col is None:
        return None
    in_range = (df["period"] >= p0) & (df["period"] <= p1)
    sel = df[df["period"] == p1] if kpi in BALANCES else df[in_range]
    if sel.empty:
        return None
    return float(pd.to_numeric(sel[col]).sum())


def comparison_ranges(p0: str, p1: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(previous range of the same length, same range last year)."""
    y0, m0 = map(int, p0.split("-"))
    y1, m1 = map(int, p1.split("-"))
    n = (y1 * 12 + m1) - (y0 * 12 + m0) + 1
    prev = (Q.shift_period(p0, -n), Q.shift_period(p1, -n))
    ly = (Q.shift_period(p0, -12), Q.shift_period(p1, -12))
    return prev, ly


def kpi_table(df: pd.DataFrame, p0: str, p1: str) -> pd.DataFrame:
    """One row per KPI: current, previous period, change, same period last year, change."""
    prev, ly = comparison_ranges(p0, p1)
    rows = []
    for kpi in KPI_COLUMNS:
        cur = range_value(df, kpi, p0, p1)
        pv = range_value(df, kpi, *prev)
        lv = range_value(df, kpi, *ly)
        rows.append(
            {
                "kpi": kpi,
                "current": cur,
                "previous": pv,
                "mom_pct": None if cur is None or not pv else (cur - pv) / abs(pv),
                "last_year": lv,
                "yoy_pct": None if cur is None or not lv else (cur - lv) / abs(lv),
            }
        )
    return pd.DataFrame(rows)


def monthly(df: pd.DataFrame, p0: str, p1: str) -> pd.DataFrame:
    """KPIs by period (summed over orgs) in p0..p1."""
    sel = df[(df["period"] >= p0) & (df["period"] <= p1)]
    out = pd.DataFrame({"period": sorted(sel["period"].unique())})
    for kpi in KPI_COLUMNS:
        col = kpi_column(sel, kpi)
        if col is not None:
            s = sel.groupby("period")[col].sum().astype(float)
            out[kpi] = out["period"].map(s)
    return out


def overdue(aging: pd.DataFrame) -> float | None:
    """Overdue receivables (past due) from an aging table, wide or long.

    With ``open_amount`` and ``not_yet_due`` columns: open minus not yet due;
    otherwise the buckets older than 30 days.
    """
    if aging is None or aging.empty:
        return 0.0 if aging is not None else None
    if "open_amount" in aging.columns and "not_yet_due" in aging.columns:
        return float(aging["open_amount"].astype(float).sum() - aging["not_yet_due"].astype(float).sum())
    cols = [
        c
        for c in aging.columns
        if c.startswith(("bucket", "days", "aging", "over", "b_")) and pd.api.types.is_numeric_dtype(aging[c])
    ]
    over = [c for c in cols if not any(tag in c for tag in ("0_30", "0-30", "current", "not_due"))]
    if over:
        return float(aging[over].astype(float).sum().sum())
    bucket = next((c for c in ("aging_bucket", "bucket", "age_bucket") if c in aging.columns), None)
    amount = next(
        (c for c in ("amount", "amount_base", "open_amount", "balance") if c in aging.columns), None
    )
    if bucket and amount:
        mask = ~aging[bucket].astype(str).str.contains("0-30|0_30|current|未到期", regex=True)
        return float(aging.loc[mask, amount].astype(float).sum())
    return None


#: The org code of consolidated rows in the finance marts (reporting currency).
GROUP = "GROUP"


def is_consolidated(orgs: list[str], all_orgs: list[str]) -> bool:
    """All orgs of a group chosen: the figures are the group's (reporting currency, eliminated)."""
    return set(orgs) >= set(all_orgs) and len(all_orgs) > 1


def scope(kpis: pd.DataFrame, orgs: list[str], all_orgs: list[str]) -> tuple[pd.DataFrame, bool]:
    """The KPI rows to show and whether they are the consolidated (GROUP) view.

    All orgs chosen and GROUP rows present: the GROUP rows (reporting currency).
    Otherwise the chosen orgs' own rows (summed by the callers).
    """
    has_group = (kpis["org_code"] == GROUP).any()
    if has_group and is_consolidated(orgs, all_orgs):
        return kpis[kpis["org_code"] == GROUP], True
    return kpis[kpis["org_code"].isin(orgs)], False
