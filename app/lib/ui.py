"""Shared page chrome: the warehouse guard, filters, result handling and
tables with their downloads. Pages stay thin: filters → one batch → show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app.lib import access, audited, auth, consolidation, display, fmt
from app.lib import downloads as downloads_
from app.lib import queries as Q
from app.lib import warehouse as wh
from app.lib.i18n import get_lang, t

#: Rows rendered in a table widget (downloads always carry the full result).
SHOW_ROWS = 1000


#: Pages that show no org's figures: they open without an org grant.
ORG_FREE_PAGES = frozenset({"monitor", "audit", "users"})


def require_page() -> access.Principal:
    """The signed-in user, after stopping the page unless they may open it."""
    try:
        return access.require_page(auth.current_page())
    except access.AccessDenied:
        st.error(t("access_denied"))
        st.stop()
        raise  # st.stop() ends the run; this line only tells type checkers so


def guard() -> wh.Status:
    """Stop the page unless the user may open it and there is a usable warehouse;
    say so when the user sees only some orgs."""
    page = auth.current_page()
    require_page()
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
        st.error(t("wh_error", error=wh.redact(stt.error)))
        st.stop()
    if page not in ORG_FREE_PAGES:
        scope = wh.scope()
        if not scope.orgs:  # no grant, or a warehouse without its org list
            granted = access.require().granted
            st.warning(t("model_missing", models="dim_org") if granted else t("no_grants"))
            st.stop()
        if not scope.full:
            st.caption(t("scope_partial", orgs=", ".join(scope.orgs)))
    return stt


def result(res: pd.DataFrame | Exception | None) -> pd.DataFrame | None:
    """A frame, or None after showing why not (missing model: info; failure: warning)."""
    if isinstance(res, wh.ModelMissing):
        st.info(t("model_missing", models=", ".join(res.models)))
        return None
    if isinstance(res, access.AccessDenied):
        st.error(t("access_denied"))
        return None
    if isinstance(res, wh.QueryFailed):
        st.warning(t("query_failed", name=res.name, error=res.error))
        return None
    if isinstance(res, Exception):
        st.warning(str(res))
        return None
    return res


def rows(res: pd.DataFrame | Exception | None) -> pd.DataFrame | None:
    """A frame with rows, or None after showing why not (as :func:`result`, and "no data")."""
    df = result(res)
    if df is not None and df.empty:
        st.info(t("no_data"))
        return None
    return df


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


def period_range(p0: str, p1: str) -> str:
    """'2025-03' for one period, '2025-01~2025-03' for a range."""
    return p1 if p0 == p1 else f"{p0}~{p1}"


def latest_closed_period(periods: list[str]) -> str:
    """The latest period every org has closed (the last period when none is closed)."""
    res = quiet(wh.fetch_many([("closed_period", ())])[0])
    closed = None if res is None or res.empty else res["period"].iloc[0]
    return str(closed) if isinstance(closed, str) and closed in periods else periods[-1]


def filters(
    page: str,
    *,
    multi_org: bool = True,
    period_range: bool = True,
    group: bool = False,
    default_range: str = "year",
) -> dict[str, Any]:
    """Org and period widgets (keys prefixed with the page); returns the filter dict.

    ``default_range`` "year" opens on the last twelve periods, "closed_month" on the latest closed
    month alone (its comparisons - the month before, the same month last year - then exist)."""
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
            chosen = st.multiselect(
                t("orgs"), codes, default=[], format_func=label, key=f"{page}_orgs", placeholder=t("all")
            )
            f["orgs"] = chosen or codes
            f["org"] = f["orgs"][0] if f["orgs"] else ""
        else:  # the group's own rows for a user granted every org, else one over the user's orgs
            opts = [*codes, "GROUP"] if group and consolidation.offered(wh.scope()) else codes
            group_name = group_label(orgs)
            fmt_org = (lambda c: group_name if c == "GROUP" else label(c)) if group else label
            f["org"] = st.selectbox(t("org"), opts, format_func=fmt_org, key=f"{page}_org") if opts else ""
            f["orgs"] = [f["org"]]
    last = periods[-1]
    if period_range:
        if default_range == "closed_month":
            last = latest_closed_period(periods)
            default_from = last
        else:
            default_from = min(p for p in periods if p >= Q.shift_period(last, -11))
        with cols[1]:
            f["p0"] = st.selectbox(
                t("period_from"), periods, index=periods.index(default_from), key=f"{page}_p0"
            )
        with cols[2]:
            to_opts = [p for p in periods if p >= f["p0"]]
            f["p1"] = st.selectbox(
                t("period_to"),
                to_opts,
                index=to_opts.index(last) if last in to_opts else len(to_opts) - 1,
                key=f"{page}_p1",
            )
        f["period"] = f["p1"]
    else:
        with cols[1]:
            f["period"] = st.selectbox(t("period"), periods, index=len(periods) - 1, key=f"{page}_period")
        f["p0"] = f["p1"] = f["period"]
    f["all_orgs"] = codes
    f["periods"] = periods
    f["org_names"] = _org_names(orgs)
    return f


def _org_names(orgs: pd.DataFrame) -> dict[str, str]:
    col = "org_name_en" if get_lang() == "en" and "org_name_en" in orgs.columns else "org_name"
    if col not in orgs.columns:
        return {}
    return dict(zip(orgs["org_code"].astype(str), orgs[col].astype(str), strict=False))


def group_label(orgs: pd.DataFrame) -> str:
    """The consolidated view's name for this user (the group, or the consolidation over their orgs)."""
    currencies = orgs["reporting_currency"].dropna() if "reporting_currency" in orgs.columns else []
    return consolidation.label(wh.scope(), str(min(currencies)) if len(currencies) else "")


def org_formatter():
    """format_func for org codes (and GROUP) in the current language, fixed when the widget is made
    (a format_func must not look the language up later: tests call it outside the page run)."""
    _, orgs = _meta()
    label, group_name = org_label(orgs), group_label(orgs)
    return lambda code: group_name if code == "GROUP" else label(code)


def org_label_of(code: str) -> str:
    """'ORG01 上海明远…' for one org code (the consolidated view's label for GROUP)."""
    _, orgs = _meta()
    return group_label(orgs) if code == "GROUP" else org_label(orgs)(code)


def default_filters(path: str | None = None) -> dict[str, Any]:
    """The filters a page opens with (latest period, last 12 months, all orgs) — for timing."""
    periods, orgs = _meta()
    last = periods[-1] if periods else dt.date.today().strftime("%Y-%m")
    first = min([p for p in periods if p >= Q.shift_period(last, -11)] or [last])
    codes = orgs["org_code"].astype(str).tolist()
    return {"orgs": codes, "org": codes[0] if codes else "", "p0": first, "p1": last, "period": last}


# --- tables ----------------------------------------------------------------------


def table(df: pd.DataFrame, key: str, filename: str, height: int | None = None) -> None:
    """The frame as finance reads it (:func:`app.lib.display.frame`: business columns first, codes
    as words, numbers formatted) with XLSX and CSV downloads of all rows as the warehouse has them."""
    shown = display.frame(df.head(SHOW_ROWS))
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
    downloads(df, key, filename)


def downloads(df: pd.DataFrame, key: str, filename: str) -> None:
    """XLSX and CSV downloads of the whole frame as the warehouse has it, for a user who may
    download; each file is built on the click and audit-logged (:mod:`app.lib.audited`)."""
    if not access.allowed("download"):
        return
    c1, c2, _ = st.columns([1, 1, 4])
    with c1:
        st.download_button(
            t("download_xlsx"),
            data=audited.download(
                lambda: downloads_.to_xlsx_bytes(df, sheet=filename), what=filename, fmt="xlsx", frame=df
            ),
            file_name=f"{filename}.xlsx",
            key=f"xlsx_{key}",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    with c2:
        st.download_button(
            t("download_csv"),
            data=audited.download(lambda: downloads_.to_csv_bytes(df), what=filename, fmt="csv", frame=df),
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
