"""Plotly figures of the anomaly task (no streamlit): the series with its reconstruction and
the error over time, the codes in two dimensions, and AUC bars for Compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.common.figures import LAYOUT, SPLIT_COLOURS, score_bars
from rnnviz.common.safe import plotly_text
from rnnviz.tasks.anomaly.data import AnomalySeries

RNN_COLOUR, PCA_COLOUR, ANOMALY_COLOUR, FLAG_COLOUR = "#4C6EF5", "#868E96", "#E03131", "#F59F00"


def series_figure(
    frame: pd.DataFrame, threshold: float, score: str, rebuilt: str, name: str, unit: str
) -> go.Figure:
    """The series and its reconstruction (above), the anomaly score with the threshold (below);
    labelled anomalies in red, flagged points (score at or above the threshold) in orange."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.55, 0.45]
    )
    steps = frame["step"]
    fig.add_trace(
        go.Scatter(
            x=steps, y=frame["value"], name=plotly_text(unit), line=dict(color="#343A40", width=1)
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=frame[rebuilt],
            name=f"{name} reconstruction",
            line=dict(color=RNN_COLOUR, width=1),
        ),
        row=1,
        col=1,
    )
    labelled = frame["label"] == 1
    fig.add_trace(
        go.Scatter(
            x=steps[labelled],
            y=frame["value"][labelled],
            mode="markers",
            name="labelled anomaly",
            marker=dict(color=ANOMALY_COLOUR, size=4),
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=steps, y=frame[score], name=f"{name} score", line=dict(color=RNN_COLOUR, width=1)
        ),
        row=2,
        col=1,
    )
    flagged = frame[score] >= threshold
    fig.add_trace(
        go.Scatter(
            x=steps[flagged],
            y=frame[score][flagged],
            mode="markers",
            name="flagged",
            marker=dict(color=FLAG_COLOUR, size=4),
        ),
        row=2,
        col=1,
    )
    fig.add_hline(y=threshold, line=dict(dash="dash", color=FLAG_COLOUR), row=2, col=1)
    parts = frame["part"].to_numpy()
    train_end = int(np.sum(parts == "train"))
    val_end = train_end + int(np.sum(parts == "validation"))
    shade_parts(fig, train_end, val_end, len(steps), row=1, col=1)
    fig.update_layout(
        **{**LAYOUT, "height": 520}, title=f"Series, {name} reconstruction and anomaly score"
    )
    fig.update_yaxes(title_text=plotly_text(unit), row=1, col=1)
    fig.update_yaxes(title_text="reconstruction error", row=2, col=1)
    fig.update_xaxes(title_text="step", row=2, col=1)
    return fig


def codes_figure(points: np.ndarray, anomalous: np.ndarray, parts: np.ndarray) -> go.Figure:
    """Window codes projected on their first two principal components, coloured by label."""
    fig = go.Figure()
    for is_anomalous, colour, label in (
        (False, RNN_COLOUR, "normal"),
        (True, ANOMALY_COLOUR, "holds an anomaly"),
    ):
        keep = anomalous == is_anomalous
        if keep.any():
            fig.add_trace(
                go.Scatter(
                    x=points[keep, 0],
                    y=points[keep, 1],
                    mode="markers",
                    name=label,
                    marker=dict(color=colour, size=5, opacity=0.6),
                    text=[f"{p} window" for p in parts[keep]],
                )
            )
    fig.update_layout(
        **LAYOUT,
        title="Window codes (PCA to 2-D)",
        xaxis_title="component 1",
        yaxis_title="component 2",
    )
    return fig


def auc_bars(scores: dict[str, float]) -> go.Figure:
    """Test ROC AUC per model (variants and the PCA baseline), as labelled bars."""
    return score_bars(scores, "Test ROC AUC", (0, 1.1))


def shade_parts(fig: go.Figure, train_end: int, val_end: int, n: int, **where) -> None:
    """Shade the validation and test steps of the chronological split, each named."""
    for name, lo, hi, colour in (
        ("validation", train_end, val_end, SPLIT_COLOURS["val"]),
        ("test", val_end, n, SPLIT_COLOURS["test"]),
    ):
        if hi > lo:
            fig.add_vrect(
                x0=lo,
                x1=hi - 1,
                fillcolor=colour,
                opacity=0.08,
                line_width=0,
                annotation_text=name,
                annotation_position="top left",
                **where,
            )


def labelled_series_figure(series: AnomalySeries) -> go.Figure:
    """The series (first feature), its labelled anomalies and the split, for the Data page."""
    steps = np.arange(len(series.values))
    values = series.values[:, 0]
    fig = go.Figure(
        go.Scatter(
            x=steps,
            y=values,
            name=plotly_text(series.features[0]),
            line=dict(color="#343A40", width=1),
        )
    )
    labelled = series.labels_or_zeros == 1
    if labelled.any():
        fig.add_trace(
            go.Scatter(
                x=steps[labelled],
                y=values[labelled],
                mode="markers",
                name="labelled anomaly",
                marker=dict(color=ANOMALY_COLOUR, size=4),
            )
        )
    shade_parts(fig, series.train_end, series.val_end, len(steps))
    fig.update_layout(**LAYOUT, title=plotly_text(series.name), xaxis_title="step")
    return fig
