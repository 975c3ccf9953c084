"""Chart images for reports, drawn with matplotlib (no browser involved).

A chart is a PNG: lines or bars of ``y`` columns over ``x``, one set per ``series``
value when the chart names one. Chinese labels use the CJK font of
:mod:`ledgerbridge.reports.fonts`.
"""

from __future__ import annotations

import io
from functools import cache

import pandas as pd

from ledgerbridge.reports.definitions import ChartDef
from ledgerbridge.reports.fonts import cjk_font

DPI = 150
SIZE_IN = (9.0, 3.6)


@cache
def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font = cjk_font()
    font_manager.fontManager.addfont(str(font.path))
    plt.rcParams["font.family"] = [font.family, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def chart_png(frame: pd.DataFrame, chart: ChartDef, title: str, labels: dict[str, str]) -> bytes | None:
    """The chart as PNG bytes, or None when the frame has nothing to draw."""
    missing = [c for c in (chart.x, *chart.y, *([chart.series] if chart.series else [])) if c not in frame]
    if frame.empty or missing:
        return None
    plt = _pyplot()
    data = frame.copy()
    for col in chart.y:
        data[col] = pd.to_numeric(data[col].astype(float), errors="coerce")
    data[chart.x] = data[chart.x].astype(str)
    wide = (
        data.pivot_table(index=chart.x, columns=chart.series, values=list(chart.y), aggfunc="sum")
        if chart.series
        else data.groupby(chart.x)[list(chart.y)].sum()
    ).sort_index()
    if chart.series:  # one column per (measure, series), named "series · measure"
        wide.columns = [f"{s} · {labels.get(m, m)}" if len(chart.y) > 1 else str(s) for m, s in wide.columns]
    else:
        wide.columns = [labels.get(c, c) for c in wide.columns]
    fig, ax = plt.subplots(figsize=SIZE_IN, dpi=DPI)
    try:
        if chart.kind == "bar":
            wide.plot.bar(ax=ax, rot=0, width=0.8)
        else:
            wide.plot(ax=ax, marker="o")
        ax.set_title(title)
        ax.set_xlabel(labels.get(chart.x, chart.x))
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="best")
        if len(wide) > 8:
            fig.autofmt_xdate()
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    finally:
        plt.close(fig)
    return buf.getvalue()
