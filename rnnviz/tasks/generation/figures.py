"""Figures of the text-generation task: character frequencies, bits per character side by side. Pure Plotly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.common.figures import GATE_COLOURS, LAYOUT, SPLIT_COLOURS
from rnnviz.common.safe import plotly_text


def bpc_comparison(
    curves: dict[str, Sequence[float]], baseline: float | None = None, order: int | None = None
) -> go.Figure:
    """Validation bits per character per epoch of every variant; the n-gram's as a flat line."""
    fig = go.Figure()
    for i, (label, values) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(values) + 1),
                y=list(values),
                name=plotly_text(label),
                mode="lines+markers" if len(values) < 30 else "lines",
                line=dict(color=GATE_COLOURS[i % len(GATE_COLOURS)]),
            )
        )
    if baseline is not None:
        name = f"{order}-gram" if order else "n-gram"
        fig.add_hline(y=baseline, line=dict(color="#868E96", dash="dash"))
        fig.add_trace(  # the line's legend entry
            go.Scatter(x=[None], y=[None], name=name, line=dict(color="#868E96", dash="dash"))
        )
    fig.update_layout(
        **LAYOUT,
        title="Validation bits per character per epoch (lower is better)",
        xaxis_title="epoch",
        yaxis_title="bits per character",
    )
    return fig


def char_frequency_figure(table: Sequence[dict], top: int = 40) -> go.Figure:
    """The ``top`` most frequent characters of a vocabulary table (label, count, share)."""
    rows = list(table)[:top]
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(row["label"]) for row in rows],
            y=[row["share"] for row in rows],
            marker_color=SPLIT_COLOURS["train"],
            hovertemplate="%{x}: %{y:.2%}<extra></extra>",
        )
    )
    fig.update_layout(
        **LAYOUT,
        title=f"The {len(rows)} most frequent characters",
        yaxis_title="share of the text",
        yaxis_tickformat=".0%",
    )
    fig.update_xaxes(type="category")
    return fig
