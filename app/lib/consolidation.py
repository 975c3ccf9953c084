"""Consolidated figures for the user's org scope: the one place pages get them from.

A user granted every org sees the group's own consolidated rows (``org_code =
'GROUP'``, built by dbt: each org in the reporting currency, intercompany balances and
transactions eliminated). A user granted only some orgs never sees those; when they look
at all of their orgs together, the consolidation is computed over exactly those orgs by
the same rules (eliminations only between two of their orgs; the SQL is in
:mod:`app.lib.consolidation_sql`) and labelled as such.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.lib import access, kpi
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import t

GROUP = access.GROUP
#: The reports page's group queries -> their consolidation over a user's orgs (parameter: period).
SCOPED = {
    **{
        name: f"scoped_{name}"
        for name in (*Q.REPORT_QUERIES, "cash_flow_unclassified")
        if name != "trial_balance"
    },
    "trial_balance_consolidated": "scoped_trial_balance",
}


def offered(scope: access.Scope) -> bool:
    """Whether the user has a consolidated view: the group's own, or one over two orgs or more."""
    return scope.full or len(scope.orgs) > 1


def computed(scope: access.Scope) -> bool:
    """Whether the user's consolidated view is computed here (not the group's own rows)."""
    return not scope.full and len(scope.orgs) > 1


def label(scope: access.Scope, currency: str = "") -> str:
    """What the consolidated view is called: the group, or the consolidation over the user's orgs."""
    if not computed(scope):
        return t("group")
    return t("group_partial", orgs=", ".join(scope.orgs), cur=currency or "?")


def report_requests(f: dict[str, Any], scope: access.Scope) -> tuple[list[str], list[wh.Request]]:
    """(names, requests) of the reports page: ``names`` as :func:`app.lib.queries.page_requests`
    calls them, ``requests`` what runs - for a computed consolidation, the scoped queries."""
    reqs = Q.page_requests("reports", f)
    names = [name for name, _ in reqs]
    if f["org"] == GROUP and computed(scope):
        reqs = [(SCOPED[name], (f["period"],)) if name in SCOPED else (name, p) for name, p in reqs]
    return names, reqs


def line_details(org: str, statement: str, line: str, p0: str, p1: str) -> pd.DataFrame | Exception:
    """What a statement line of ``org`` (or the consolidated view, GROUP) is made of in p0..p1."""
    if org == GROUP and computed(wh.scope()):
        return wh.fetch_many([("scoped_line_details", (statement, line, p0, p1))])[0]
    return wh.fetch_many([("line_details", (org, statement, line, p0, p1))])[0]


def kpis(all_kpis: pd.DataFrame, chosen: list[str], scope: access.Scope) -> tuple[pd.DataFrame, str | None]:
    """The overview's KPI rows for the chosen orgs, and the consolidation label (None: the orgs' own rows)."""
    rows, group = kpi.scope(all_kpis, chosen, list(scope.orgs))
    if group:
        return rows, t("group")
    if not computed(scope) or not set(chosen) >= set(scope.orgs):
        return rows, None
    res = wh.fetch_many([("kpi_monthly_consolidated", ())])[0]
    if isinstance(res, Exception) or res.empty:
        return rows, None
    return res, label(scope, str(res["currency"].dropna().iloc[0]) if res["currency"].notna().any() else "")
