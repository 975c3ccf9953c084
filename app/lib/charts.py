"""Every chart of the app (plotly). Codes (accounts, orgs, periods) are
category axes so plotly never reads "1122" or "2025-01" as numbers."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

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
            go.Scatter(x=df[x].astype(str), y=df[y], mode="lines+markers", name=(names[i] if names else y))
        )
    return _finish(fig, title)


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
    if color is not None:
        for key, part in df.groupby(color, sort=True):
            xs, vals = part[x].astype(str), part[ys[0]]
            fig.add_trace(
                go.Bar(
                    x=vals if horizontal else xs,
                    y=xs if horizontal else vals,
                    name=str(key),
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
                    name=col,
                    orientation="h" if horizontal else "v",
                )
            )
    fig.update_layout(barmode=barmode)
    counts = all(any(h in c for h in ("count", "rows_", "_rows")) for c in ys)
    if counts:  # counts: whole numbers, not money
        fig.update_layout(title=title, **_LAYOUT)
        fig.update_xaxes(type="category")
        fig.update_yaxes(tickformat=",d")
        return fig
    if horizontal:
        fig.update_layout(title=title, **_LAYOUT)
        fig.update_yaxes(type="category", autorange="reversed")
        fig.update_xaxes(**_MONEY_AXIS)
        return fig
    return _finish(fig, title)


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
