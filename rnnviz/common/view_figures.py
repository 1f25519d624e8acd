"""Figures of issue 23's views: a trajectory through the PCA of training states, the spread of
variants over seeds, and reference bands on a metric chart (Plotly, no streamlit)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.common.figures import GATE_COLOURS, LAYOUT
from rnnviz.common.references import ReferenceMark
from rnnviz.common.safe import plotly_text
from rnnviz.common.seeds import curve_spread
from rnnviz.model.trajectories import Projection, StateBank, Trajectory, neighbour_text

PATH_COLOUR = "#D6336C"
BASELINE_BAND, PUBLISHED_BAND = "134, 142, 150", "174, 62, 201"  # grey, violet (rgb)
MAX_BACKGROUND = 4_000  # training states drawn behind the path (the rest are still neighbours)


def trajectory_figure(
    projection: Projection,
    bank: StateBank,
    path: Trajectory,
    sample_labels: Sequence[str] | None = None,
    path_label: str = "",
) -> go.Figure:
    """Training states as faint points (coloured by their sample's label), the input's path on
    top, a point per step; hovering a step lists its nearest training states."""
    fig = go.Figure()
    rows = np.arange(len(bank.states))[:MAX_BACKGROUND]
    points = projection.transform(bank.states[rows])  # (rows, 2)
    labels = (
        np.asarray(sample_labels, dtype=object)[bank.sample[rows]]
        if sample_labels is not None
        else np.full(len(rows), "training states", dtype=object)
    )
    for label in dict.fromkeys(labels):
        chosen = labels == label
        fig.add_trace(
            go.Scattergl(
                x=points[chosen, 0],
                y=points[chosen, 1],
                mode="markers",
                name=str(label),
                marker=dict(size=4, opacity=0.25),
                hoverinfo="skip",
            )
        )
    tokens = path.tokens or tuple("" for _ in path.steps)
    fig.add_trace(
        go.Scatter(
            x=path.points[:, 0],
            y=path.points[:, 1],
            mode="lines+markers+text",
            name=path_label or "this input",
            text=[str(t) for t in tokens],
            textposition="top center",
            line=dict(color=PATH_COLOUR, width=2),
            marker=dict(
                size=7,
                color=np.arange(len(path.steps)),
                colorscale="Reds",
                line_width=1,
            ),
            customdata=[
                [int(step), neighbour_text(n)]
                for step, n in zip(path.steps, path.neighbours, strict=True)
            ],
            hovertemplate="step %{customdata[0]} %{text}<br><b>nearest training states</b><br>"
            "%{customdata[1]}<extra></extra>",
        )
    )
    x_title, y_title = (projection.axis_titles() + ["", ""])[:2]
    fig.update_layout(
        xaxis_title=x_title,
        yaxis_title=y_title,
        legend=dict(orientation="h", y=-0.2),
        margin=dict(l=10, r=10, t=30, b=10),
        height=460,
    )
    return fig


def spread_figure(summary: pd.DataFrame, metric: str) -> go.Figure:
    """Each variant's mean over its seeds with a +/- 1 sd bar (from :func:`seeds.seed_summary`)."""
    fig = go.Figure(
        go.Scatter(
            x=summary["variant"],
            y=summary["mean"],
            error_y=dict(type="data", array=summary["sd"].fillna(0.0), visible=True),
            mode="markers",
            marker=dict(size=10),
            customdata=summary["seeds"],
            hovertemplate="%{x}: %{y:.4g} \u00b1 %{error_y.array:.2g} over %{customdata} seeds"
            "<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis_title=f"{metric} (mean \u00b1 sd over seeds)",
        height=320,
        margin=dict(t=30),
    )
    return fig


def add_reference_bands(
    fig: go.Figure, marks: Sequence[ReferenceMark], epochs: int, **where: int
) -> go.Figure:
    """Each mark as a translucent horizontal band over epochs 1..``epochs`` with a dashed line at
    its value; hovering the line shows the mark's source (``where``: a subplot's row and col)."""
    xs = np.linspace(1, max(epochs, 2), 50)
    for mark in marks:
        rgb = PUBLISHED_BAND if mark.published else BASELINE_BAND
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=np.full(len(xs), mark.value),
                mode="lines",
                name=mark.label,
                line=dict(color=f"rgb({rgb})", width=1, dash="dash"),
                hovertemplate=f"<b>{mark.label}</b>: {mark.value:.4g}<br>"
                + "<br>".join(textwrap.wrap(mark.source, 70))
                + "<extra></extra>",
            ),
            **where,
        )
        if mark.high > mark.low:  # after the line: Plotly skips a subplot without traces
            fig.add_hrect(
                y0=mark.low,
                y1=mark.high,
                fillcolor=f"rgba({rgb}, 0.18)",
                line_width=0,
                **where,
            )
    return fig


def spread_curves(histories: Mapping[str, Sequence[Mapping[str, Sequence[float]]]]) -> go.Figure:
    """Each variant's validation loss per epoch over its seeds: the mean as a line, +/- 1 sd as
    a shaded band (``histories``: variant -> one history per seed)."""
    fig = go.Figure()
    for i, (label, runs) in enumerate(histories.items()):
        colour = GATE_COLOURS[i % len(GATE_COLOURS)]
        spread = curve_spread(runs, "val_loss")
        sd = spread["sd"].fillna(0.0)
        name = plotly_text(label)
        fig.add_trace(
            go.Scatter(
                x=np.r_[spread["epoch"], spread["epoch"][::-1]],
                y=np.r_[spread["mean"] + sd, (spread["mean"] - sd)[::-1]],
                fill="toself",
                fillcolor=colour,
                opacity=0.2,
                line=dict(width=0),
                name=f"{name} \u00b1 1 sd",
                legendgroup=label,
                showlegend=False,
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=spread["epoch"],
                y=spread["mean"],
                name=name,
                legendgroup=label,
                mode="lines+markers" if len(spread) < 30 else "lines",
                line=dict(color=colour),
                customdata=np.c_[sd, spread["seeds"]],
                hovertemplate="epoch %{x}: %{y:.4g} \u00b1 %{customdata[0]:.2g} "
                "(%{customdata[1]} seeds)<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        **LAYOUT,
        title="Validation loss per epoch: mean over seeds, shaded \u00b1 1 sd",
        xaxis_title="epoch",
        yaxis_title="validation loss",
    )
    return fig
