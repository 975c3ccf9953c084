"""Shared page chrome: the warehouse guard, filters, result handling and
tables with their downloads. Pages stay thin: filters → one batch → show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app.lib import downloads, fmt
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import get_lang, t

#: Rows rendered in a table widget (downloads always carry the full result).
SHOW_ROWS = 1000


def guard() -> wh.Status:
    """Stop the page with a clear message when there is no usable warehouse."""
    stt = wh.status()
    if stt.state == "missing":
        st.warning(t("wh_missing", path=stt.path))
        st.code("make demo\n# or\nledgerbridge run", language="bash")
        st.stop()
    if stt.state == "empty":
        st.warning(t("wh_empty", path=stt.path))
        st.code("make demo\n# or\nledgerbridge run", language="bash")
        st.stop()
    if stt.state == "error":
        st.error(t("wh_error", path=stt.path, error=stt.error))
        st.stop()
    return stt


def result(res: pd.DataFrame | Exception | None) -> pd.DataFrame | None:
    """A frame, or None after showing why not (missing model: info; failure: warning)."""
    if isinstance(res, wh.ModelMissing):
        st.info(t("model_missing", models=", ".join(res.models)))
        return None
    if isinstance(res, wh.QueryFailed):
        st.warning(t("query_failed", name=res.name, error=res.error))
        return None
    if isinstance(res, Exception):
        st.warning(str(res))
        return None
    return res


def fetch(name: str, *params: Any) -> pd.DataFrame | None:
    """One named query shown through :func:`result`."""
    return result(wh.fetch_many([(name, params)])[0])


def quiet(res: pd.DataFrame | Exception) -> pd.DataFrame | None:
    """A frame or None, without a message."""
    return None if isinstance(res, Exception) else res


def pick(df: pd.DataFrame, candidates: Sequence[str], numeric: bool = False) -> str | None:
    """The first column of ``df`` among ``candidates`` (or the first numeric one)."""
    for c in candidates:
        if c in df.columns:
            return c
    if numeric:
        nums = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and c not in ("period",)]
        return nums[0] if nums else None
    return None


# --- filters --------------------------------------------------------------------


def _meta() -> tuple[list[str], pd.DataFrame]:
    res = wh.fetch_many([("periods", ()), ("orgs", ())])
    periods = quiet(res[0])
    orgs = quiet(res[1])
    if periods is None or periods.empty:
        for alt in ("kpi_monthly", "recon_items", "fct_gl_lines"):
            if wh.has_model(alt):
                periods = wh.fetch_many([("periods_" + alt, ())])[0]
                periods = quiet(periods)
                break
    plist = [] if periods is None else [str(p) for p in periods["period"].dropna().tolist()]
    if orgs is None:
        orgs = pd.DataFrame(columns=["org_code"])
    return plist, orgs


def org_label(orgs: pd.DataFrame):
    """format_func for org codes: 'ORG01 上海明远…' (English name when switched)."""
    name_col = (
        "org_name_en"
        if get_lang() == "en" and "org_name_en" in orgs.columns
        else ("org_name" if "org_name" in orgs.columns else None)
    )
    names = dict(zip(orgs["org_code"], orgs[name_col], strict=False)) if name_col else {}
    return lambda code: f"{code} {names.get(code, '')}".strip()


def filters(
    page: str, *, multi_org: bool = True, period_range: bool = True, group: bool = False
) -> dict[str, Any]:
    """Org and period widgets (keys prefixed with the page); returns the filter dict."""
    periods, orgs = _meta()
    if not periods:
        st.info(t("model_missing", models="trial_balance / kpi_monthly"))
        st.stop()
    codes = orgs["org_code"].astype(str).tolist()
    label = org_label(orgs)
    cols = st.columns([3, 2, 2] if period_range else [3, 2])
    f: dict[str, Any] = {}
    with cols[0]:
        if multi_org:
            chosen = st.multiselect(t("orgs"), codes, default=[], format_func=label, key=f"{page}_orgs")
            f["orgs"] = chosen or codes
            f["org"] = f["orgs"][0] if f["orgs"] else ""
        else:
            opts = [*codes, "GROUP"] if group else codes
            fmt_org = (lambda c: t("group") if c == "GROUP" else label(c)) if group else label
            f["org"] = st.selectbox(t("org"), opts, format_func=fmt_org, key=f"{page}_org") if opts else ""
            f["orgs"] = [f["org"]]
    last = periods[-1]
    if period_range:
        default_from = min(p for p in periods if p >= Q.shift_period(last, -11))
        with cols[1]:
            f["p0"] = st.selectbox(
                t("period_from"), periods, index=periods.index(default_from), key=f"{page}_p0"
            )
        with cols[2]:
            to_opts = [p for p in periods if p >= f["p0"]]
            f["p1"] = st.selectbox(t("period_to"), to_opts, index=len(to_opts) - 1, key=f"{page}_p1")
        f["period"] = f["p1"]
    else:
        with cols[1]:
            f["period"] = st.selectbox(t("period"), periods, index=len(periods) - 1, key=f"{page}_period")
        f["p0"] = f["p1"] = f["period"]
    f["all_orgs"] = codes
    f["periods"] = periods
    return f


def default_filters(path: str | None = None) -> dict[str, Any]:
    """The filters a page opens with (latest period, last 12 months, all orgs) — for timing."""
    periods, orgs = _meta()
    last = periods[-1] if periods else dt.date.today().strftime("%Y-%m")
    first = min([p for p in periods if p >= Q.shift_period(last, -11)] or [last])
    codes = orgs["org_code"].astype(str).tolist()
    return {"orgs": codes, "org": codes[0] if codes else "", "p0": first, "p1": last, "period": last}


# --- tables ----------------------------------------------------------------------


def table(df: pd.DataFrame, key: str, filename: str, height: int | None = None) -> None:
    """The frame (money columns formatted) with XLSX and CSV downloads of all rows."""
    shown = df.head(SHOW_ROWS)
    kwargs: dict[str, Any] = {
        "hide_index": True,
        "width": "stretch",
        "column_config": fmt.column_config(shown),
    }
    if height:
        kwargs["height"] = height
    st.dataframe(shown, key=f"df_{key}", **kwargs)
    if len(df) > SHOW_ROWS:
        st.caption(t("rows_shown", shown=SHOW_ROWS, total=len(df)))
    c1, c2, _ = st.columns([1, 1, 4])
    with c1:
        st.download_button(
            t("download_xlsx"),
            data=lambda: downloads.to_xlsx_bytes(df, sheet=filename),
            file_name=f"{filename}.xlsx",
            key=f"xlsx_{key}",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    with c2:
        st.download_button(
            t("download_csv"),
            data=lambda: downloads.to_csv_bytes(df),
            file_name=f"{filename}.csv",
            key=f"csv_{key}",
            mime="text/csv",
        )


def metric(
    label: str,
    value: float | None,
    prev: float | None = None,
    ly: float | None = None,
    prev_label: str = "",
    ly_label: str = "",
    inverse: bool = False,
) -> None:
    """A KPI tile: value, delta vs the previous period, and the same period last year below."""
    delta = None if value is None or prev is None else fmt.money(value - prev, signed=True)
    st.metric(
        label,
        fmt.money(value),
        delta=delta,
        help=f"{prev_label}: {fmt.money(prev)}" if prev_label else None,
        delta_color="inverse" if inverse else "normal",
    )
    if ly_label:
        ch = "" if value is None or ly in (None, 0) else f" ({fmt.pct((value - ly) / abs(ly))})"
        st.caption(f"{ly_label}: {fmt.money(ly)}{ch}")
