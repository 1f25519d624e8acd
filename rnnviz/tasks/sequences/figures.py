"""Figures of the sequence-classification task: example sequences, digits beside their gates,
the prediction after each step, accuracies side by side. Pure Plotly; no streamlit, no models."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.common.figures import (
    LAYOUT,
    class_colour,
    colourscale,
    quick_figure,
    score_bars,
    subplot_layout,
)
from rnnviz.common.safe import plotly_text
from rnnviz.model.gates import GATE_LABELS, Trace, gate_range

GREYS = [[0.0, "#FFFFFF"], [1.0, "#000000"]]  # ink on paper: high values dark
MAX_LINES_PER_CLASS = 3


def example_images(
    images: np.ndarray, titles: Sequence[str], columns: int = 5, height: int = 220
) -> go.Figure:
    """Images ``(n, rows, columns)`` in a grid, each titled (e.g. with its label)."""
    n = len(images)
    grid_rows = max(1, int(np.ceil(n / columns)))
    fig = make_subplots(
        rows=grid_rows,
        cols=columns,
        subplot_titles=[plotly_text(t) for t in titles],
        horizontal_spacing=0.02,
        vertical_spacing=0.12,
    )
    for i, image in enumerate(images):
        fig.add_trace(
            go.Heatmap(z=image, colorscale=GREYS, showscale=False, hoverinfo="skip"),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    margin = {**LAYOUT["margin"], "t": 70}  # the title above the images' own titles
    fig.update_layout(
        **{**LAYOUT, "height": height * grid_rows, "margin": margin}, title="Examples"
    )
    return fig


def example_sequences(
    x: np.ndarray,
    lengths: np.ndarray,
    y: np.ndarray,
    class_names: Sequence[str],
    feature: int = 0,
    feature_name: str = "value",
) -> go.Figure:
    """A few sequences of each class (one feature over its real steps), coloured by class."""
    fig = go.Figure()
    for k, name in enumerate(class_names):
        rows = np.flatnonzero(y == k)[:MAX_LINES_PER_CLASS]
        for j, row in enumerate(rows):
            n = int(lengths[row])
            fig.add_trace(
                go.Scatter(
                    x=np.arange(1, n + 1),
                    y=x[row, :n, feature],
                    name=plotly_text(name),
                    legendgroup=str(k),
                    showlegend=j == 0,
                    mode="lines",
                    line=dict(color=class_colour(k), width=1.5),
                )
            )
    fig.update_layout(
        **LAYOUT,
        title=f"Examples ({MAX_LINES_PER_CLASS} per class): {plotly_text(feature_name)}",
        xaxis_title="step",
        yaxis_title=plotly_text(feature_name),
    )
    return fig


def digit_gate_figure(
    image: np.ndarray,
    trace: Trace,
    gate: str,
    title: str = "",
    probabilities: np.ndarray | None = None,
    class_names: Sequence[str] = (),
) -> go.Figure:
    """The image beside one gate of one trace (sample 0), row ``r`` of the image level with the
    gate's values after the network read row ``r``; with ``probabilities`` ``(rows, classes)``
    a third panel on the same rows: each class's probability after row ``r`` (in this figure,
    not a chart of its own: a second chart costs the browser about 0.2 s on every pick)."""
    values = trace.gates[gate][0]  # (time = image rows, units)
    rows = np.arange(1, image.shape[0] + 1)
    label = GATE_LABELS[trace.cell][gate]
    titles = ("image, read row by row", f"{label}: {trace.layer} ({trace.direction})")
    if probabilities is not None:
        titles += ("class probabilities after each step (row)",)
    three = len(titles) == 3
    layout = subplot_layout(
        titles,
        rows=1,
        cols=len(titles),
        shared_yaxes=True,
        column_widths=(0.22, 0.5, 0.28) if three else (0.3, 0.7),
        horizontal_spacing=0.09 if three else 0.03,
        subplot_titles=("image", "gate", "classes")[: len(titles)],  # annotations, written in above
    )
    lo, hi = gate_range(gate)
    image_map = dict(
        type="heatmap",
        z=image,
        y=rows,
        colorscale=GREYS,
        showscale=False,
        hoverinfo="skip",
        xaxis="x",
        yaxis="y",
    )
    gate_bar = dict(title=dict(text=gate))
    if three:  # between the gate and the classes, not over the classes' panel
        gate_bar.update(x=layout["xaxis2"]["domain"][1] + 0.005, thickness=12)
    gate_map = dict(
        type="heatmap",
        z=values,
        y=rows,
        zmin=lo,
        zmax=hi,
        colorscale=colourscale("Viridis" if lo == 0.0 else "RdBu"),
        colorbar=gate_bar,
        hovertemplate="row %{y}<br>unit %{x}<br>value %{z:.3f}<extra></extra>",
        xaxis="x2",
        yaxis="y2",
    )
    maps = [image_map, gate_map]
    if three:
        maps.append(
            dict(
                type="heatmap",
                z=np.asarray(probabilities)[: len(rows)],  # (rows, classes)
                x=[plotly_text(name) for name in class_names],
                y=rows,
                zmin=0.0,
                zmax=1.0,
                colorscale=colourscale("Blues"),
                colorbar=dict(title=dict(text="p"), thickness=12),
                hovertemplate="row %{y}<br>class %{x}<br>p = %{z:.3f}<extra></extra>",
                xaxis="x3",
                yaxis="y3",
            )
        )
        layout["xaxis3"].update(title=dict(text="class"), type="category")
    layout["yaxis"].update(autorange="reversed", title=dict(text="row (time step)"))
    layout["xaxis"].update(visible=False)
    layout["xaxis2"].update(title=dict(text="unit"))
    layout["height"] = 420
    if title:
        layout["title"] = dict(text=plotly_text(title))
    return quick_figure(maps, layout)


def step_probabilities_figure(frame: pd.DataFrame, class_names: Sequence[str]) -> go.Figure:
    """The probability of each class after each step (``frame``: step, p_<class>...)."""
    lines = [
        dict(
            type="scatter",
            x=frame["step"].to_numpy(),
            y=frame[f"p_{name}"].to_numpy(),
            name=plotly_text(name),
            mode="lines+markers",
            line=dict(color=class_colour(k)),
        )
        for k, name in enumerate(class_names)
    ]
    layout = dict(
        title=dict(text="Class probabilities after each step"),
        xaxis=dict(title=dict(text="step (row)")),
        yaxis=dict(range=[0, 1], title=dict(text="probability")),
    )
    return quick_figure(lines, layout)


def accuracy_bars(scores: dict[str, float]) -> go.Figure:
    """Test accuracy per model (variants and baselines), as labelled bars."""
    return score_bars(scores, "Test accuracy", (0, 1.1))
