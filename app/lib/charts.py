"""Every chart of the app (plotly). Codes (accounts, orgs, periods) are
category axes so plotly never reads "1122" or "2025-01" as numbers; periods
run in calendar order whatever order the traces bring them in; series and
legend entries are named in the UI language; count axes tick in whole numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from app.lib.i18n import code_column, code_label, column_label

_PERIOD = re.compile(r"^\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2})?$")


def _series_name(col: str) -> str:
    return column_label(col)


def _order_periods(fig: go.Figure, values: pd.Series, axis: str = "x") -> None:
    """Category axis of periods / dates in calendar order (plotly keeps first appearance)."""
    cats = sorted({str(v) for v in values.dropna()})
    if cats and all(_PERIOD.match(c) for c in cats):
        getattr(fig, f"update_{axis}axes")(categoryorder="array", categoryarray=cats)


def _count_axis(fig: go.Figure, values: pd.Series, axis: str = "y") -> None:
    """Whole-number ticks (no 0, 0, 1, 1, 2 from a fractional step)."""
    top = pd.to_numeric(values, errors="coerce").abs().max()
    extra = {"dtick": 1} if pd.notna(top) and top <= 10 else {}
    getattr(fig, f"update_{axis}axes")(tickformat=",d", **extra)


_LAYOUT = dict(
    margin=dict(l=10, r=10, t=40, b=10),
    height=340,
    legend=dict(orientation="h", y=-0.2),
    separators=".,",
    hovermode="x unified",
)
_MONEY_AXIS = dict(tickformat=",.2f")


def _finish(fig: go.Figure, title: str, x_category: bool = True) -> go.Figure:
    fig.update_layout(title=title, **_LAYOUT)
    if x_category:
        fig.update_xaxes(type="category")
    fig.update_yaxes(**_MONEY_AXIS)
    return fig


def line(
    df: pd.DataFrame, x: str, ys: Sequence[str], title: str, names: Sequence[str] | None = None
) -> go.Figure:
    """One line per column in ``ys`` over a category x axis (periods)."""
    fig = go.Figure()
    for i, y in enumerate(ys):
        fig.add_trace(
            go.Scatter(
                x=df[x].astype(str),
                y=df[y],
                mode="lines+markers",
                name=(names[i] if names else _series_name(y)),
            )
        )
    fig = _finish(fig, title)
    _order_periods(fig, df[x])
    return fig


def bar(
    df: pd.DataFrame,
    x: str,
    y: str | Sequence[str],
    title: str,
    color: str | None = None,
    horizontal: bool = False,
    barmode: str = "group",
) -> go.Figure:
    """Bars of ``y`` by ``x`` (a category axis), optionally split by ``color``."""
    fig = go.Figure()
    ys = [y] if isinstance(y, str) else list(y)
    if code_column(x):  # codes on the axis in the UI language
        df = df.assign(**{x: df[x].map(lambda v: code_label(x, v))})
    if color is not None:
        for key, part in df.groupby(color, sort=True):
            xs, vals = part[x].astype(str), part[ys[0]]
            fig.add_trace(
                go.Bar(
                    x=vals if horizontal else xs,
                    y=xs if horizontal else vals,
                    name=str(code_label(color, key)),
                    orientation="h" if horizontal else "v",
                )
            )
    else:
        for col in ys:
            xs, vals = df[x].astype(str), df[col]
            fig.add_trace(
                go.Bar(
                    x=vals if horizontal else xs,
                    y=xs if horizontal else vals,
                    name=_series_name(col),
                    orientation="h" if horizontal else "v",
                )
            )
    fig.update_layout(barmode=barmode)
    counts = all(any(h in c for h in ("count", "rows_", "_rows")) for c in ys)
    totals = df.groupby(x)[ys].sum().sum(axis=1) if barmode == "stack" else df[ys].stack()
    if horizontal:
        fig.update_layout(title=title, **_LAYOUT)
        fig.update_yaxes(type="category", autorange="reversed")
        fig.update_xaxes(**_MONEY_AXIS)
        if counts:
            _count_axis(fig, totals, "x")
        return fig
    fig = _finish(fig, title)
    if counts:  # counts: whole numbers, not money
        _count_axis(fig, totals)
    _order_periods(fig, df[x])
    return fig


def waterfall(steps: Sequence[tuple[str, float]], title: str, start_label: str, end_label: str) -> go.Figure:
    """A bridge: the first step absolute, the middle ones relative, the last a total."""
    labels = [s[0] for s in steps]
    values = [float(s[1]) for s in steps]
    measure = ["absolute"] + ["relative"] * (len(steps) - 2) + ["total"]
    fig = go.Figure(
        go.Waterfall(
            x=labels,
            y=values,
            measure=measure,
            textposition="outside",
            text=[f"{v:,.2f}" for v in values],
            connector={"line": {"color": "#999"}},
        )
    )
    fig.update_layout(title=title, **_LAYOUT)
    fig.update_xaxes(type="category")
    fig.update_yaxes(**_MONEY_AXIS)
    return fig


def quick(df: pd.DataFrame, x: str, y: str, kind: str = "bar") -> go.Figure:
    """The SQL console's quick chart."""
    if kind == "line":
        return line(df, x, [y], f"{y} / {x}")
    return bar(df, x, y, f"{y} / {x}")


def status_bars(df: pd.DataFrame, x: str, y: str, color: str, title: str) -> go.Figure:
    """Stacked bars (e.g. open exceptions by period and status)."""
    return bar(df, x, y, title, color=color, barmode="stack")
