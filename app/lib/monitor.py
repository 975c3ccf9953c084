"""Integration-monitor arithmetic: per-source last run and freshness (pure pandas)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from app.lib import settings

OK_STATUSES = ("success", "succeeded", "ok", "completed", "done", "loaded")


def freshness(
    age_hours: float | None, expected_hours: float, last_status: str | None, amber_factor: float = 2.0
) -> str:
    """'green' within the expected interval, 'amber' up to amber_factor × it, else 'red'.

    A failed latest run or no successful load at all is red.
    """
    if age_hours is None or (last_status or "").lower() not in OK_STATUSES:
        return "red"
    if age_hours <= expected_hours:
        return "green"
    if age_hours <= expected_hours * amber_factor:
        return "amber"
    return "red"


LIGHT = {"green": "🟢", "amber": "🟠", "red": "🔴"}


def _col(df: pd.DataFrame, *names: str) -> str | None:
    return next((n for n in names if n in df.columns), None)


def source_summary(history: pd.DataFrame, now: dt.datetime | None = None) -> pd.DataFrame:
    """One row per source: last run, status, duration, rows, quarantined, freshness."""
    src = _col(history, "source", "source_name")
    if history.empty or src is None:
        return pd.DataFrame()
    h = history.copy()
    start = _col(h, "started_at", "start_time")
    end = _col(h, "ended_at", "finished_at", "end_time")
    h[start] = pd.to_datetime(h[start])
    if end:
        h[end] = pd.to_datetime(h[end])
    now = now or dt.datetime.now()
    run = _col(h, "run_id", "load_id") or start
    rows = []
    for source, g in h.groupby(src):
        last_run = g.sort_values(start).iloc[-1][run]
        last = g[g[run] == last_run]
        status_col = _col(g, "status")
        statuses = last[status_col].astype(str).str.lower().tolist() if status_col else []
        status = next((s for s in statuses if s not in OK_STATUSES), statuses[0] if statuses else "unknown")
        ok = g[g[status_col].astype(str).str.lower().isin(OK_STATUSES)] if status_col else g
        last_ok = ok[end or start].max() if not ok.empty else None
        age = (
            None
            if last_ok is None or pd.isna(last_ok)
            else (now - last_ok.to_pydatetime().replace(tzinfo=None)).total_seconds() / 3600
        )
        exp = settings.expected_hours(str(source))
        light = freshness(age, exp, status, settings.amber_factor())
        err_col = _col(g, "error", "error_message")
        rows.append(
            {
                "source": source,
                "last_run": last[start].max(),
                "status": status,
                "duration_s": (last[end].max() - last[start].min()).total_seconds() if end else None,
                "rows_loaded": int(pd.to_numeric(last.get("rows_loaded", pd.Series([0]))).fillna(0).sum()),
                "rows_quarantined": int(
                    pd.to_numeric(last.get("rows_quarantined", pd.Series([0]))).fillna(0).sum()
                ),
                "last_success": last_ok,
                "age_hours": None if age is None else round(age, 1),
                "expected_hours": exp,
                "freshness": f"{LIGHT[light]} {light}",
                "last_error": next(
                    (
                        e
                        for e in g.sort_values(start, ascending=False)[err_col].tolist()
                        if isinstance(e, str) and e
                    ),
                    None,
                )
                if err_col
                else None,
            }
        )
    return pd.DataFrame(rows)
