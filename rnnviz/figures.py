"""Pure functions that return Plotly figures; no streamlit, no model calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.spec import ModelSpec

SPLIT_COLOURS = {"train": "#4C6EF5", "val": "#F59F00", "test": "#E03131"}
FUTURE_COLOUR = "#2F9E44"
LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10), height=360)


def _split_bands(fig: go.Figure, index: pd.Index, train_end: int, val_end: int, **where) -> None:
    """Shade the validation and test rows of a chronological split."""
    n = len(index)
    for name, lo, hi in (("validation", train_end, val_end), ("test", val_end, n)):
        if hi > lo:
            colour = SPLIT_COLOURS["val" if name == "validation" else "test"]
            fig.add_vrect(
                x0=index[lo],
                x1=index[hi - 1],
                fillcolor=colour,
                opacity=0.08,
                line_width=0,
                annotation_text=name,
                annotation_position="top left",
                **where,
            )


def series_preview(
    frame: pd.DataFrame, target: str, train_end: int, val_end: int, title: str = ""
) -> go.Figure:
    """The target series with the validation and test rows shaded."""
    fig = go.Figure(go.Scatter(x=frame.index, y=frame[target], name=target, line=dict(width=1.5)))
    _split_bands(fig, frame.index, train_end, val_end)
    fig.update_layout(title=title or target, yaxis_title=target, showlegend=False, **LAYOUT)
    return fig


def history_figure(history: dict[str, Sequence[float]], metric: str) -> go.Figure:
    """Loss and the task metric per epoch, train and validation side by side."""
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Loss", metric.upper() if metric == "mae" else metric.title()),
    )
    for col, key in ((1, "loss"), (2, metric)):
        for prefix, dash in (("", "solid"), ("val_", "dot")):
            values = history.get(prefix + key)
            if values:
                fig.add_trace(
                    go.Scatter(
                        x=np.arange(1, len(values) + 1),
                        y=values,
                        name=("validation " if prefix else "train ") + key,
                        mode="lines+markers" if len(values) < 30 else "lines",
                        line=dict(dash=dash, color=SPLIT_COLOURS["val" if prefix else "train"]),
                    ),
                    row=1,
                    col=col,
                )
    fig.update_xaxes(title_text="epoch")
    if history.get("loss") and min(history["loss"]) > 0:
        fig.update_yaxes(type="log", row=1, col=1)
    fig.update_layout(**LAYOUT, legend=dict(orientation="h", y=-0.25))
    return fig


def forecast_figure(fitted: pd.DataFrame, future: pd.DataFrame, target: str) -> go.Figure:
    """Actual values, one-step predictions per split and the forecast past the end."""
    fig = go.Figure(
        go.Scatter(
            x=fitted["time"],
            y=fitted["actual"],
            name="actual",
            line=dict(color="#495057", width=1.5),
        )
    )
    for split, rows in fitted.groupby("split", sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["time"],
                y=rows["predicted"],
                name=f"predicted ({split})",
                line=dict(color=SPLIT_COLOURS[split], width=1.5, dash="dot"),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=future["time"],
            y=future["forecast"],
            name="forecast",
            mode="lines+markers",
            line=dict(color=FUTURE_COLOUR, width=2),
        )
    )
    fig.update_layout(title="Actual vs predicted", yaxis_title=target, **LAYOUT)
    return fig


def residuals_figure(fitted: pd.DataFrame) -> go.Figure:
    """Actual minus predicted over time, coloured by split."""
    fig = go.Figure()
    for split, rows in fitted.groupby("split", sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["time"],
                y=rows["actual"] - rows["predicted"],
                name=split,
                mode="markers",
                marker=dict(color=SPLIT_COLOURS[split], size=5),
            )
        )
    fig.add_hline(y=0, line_color="#868E96")
    fig.update_layout(title="Residuals (actual - predicted)", **LAYOUT)
    return fig


def topology_diagram(spec: ModelSpec, input_shape: tuple[int, ...]) -> go.Figure:
    """A left-to-right block diagram of the layers the spec builds."""
    blocks = [("Input", f"{input_shape}")]
    if spec.is_text:
        blocks.append(("Embedding", f"{spec.vocab_size} x {spec.embedding_dim}, masks padding"))
    arrows = "⇄ " if spec.bidirectional else "→ "
    cell = f"{arrows}{spec.cell}"

    def stack(prefix: str, last_sequences: bool) -> None:
        for i, units in enumerate(spec.units, start=1):
            seq = last_sequences or i < spec.depth
            detail = f"{units} units" + (" x2" if spec.bidirectional else "")
            detail += ", all steps" if seq else ", last step"
            blocks.append((f"{prefix} {i}: {cell}", detail))

    if spec.topology == "encoder_decoder":
        stack("Encoder", False)
        blocks.append(("RepeatVector", f"x {spec.horizon} steps"))
        stack("Decoder", True)
    else:
        stack("Layer", spec.topology == "many_to_many")
    head = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}[spec.head]
    per_step = spec.topology != "many_to_one"
    blocks.append(("Dense head" + (" per step" if per_step else ""), head))
    fig = go.Figure()
    for i, (title, detail) in enumerate(blocks):
        fig.add_shape(
            type="rect", x0=i, x1=i + 0.8, y0=0, y1=1, fillcolor="#EDF2FF", line_color="#4C6EF5"
        )
        fig.add_annotation(
            x=i + 0.4, y=0.62, text=f"<b>{title}</b>", showarrow=False, font=dict(size=11)
        )
        fig.add_annotation(x=i + 0.4, y=0.32, text=detail, showarrow=False, font=dict(size=10))
        if i:
            fig.add_annotation(
                x=i,
                y=0.5,
                ax=i - 0.2,
                ay=0.5,
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
            )
    if spec.stateful:
        fig.add_annotation(
            x=len(blocks) / 2,
            y=1.2,
            text=f"stateful: state carried across batches of {spec.stateful_batch_size}",
            showarrow=False,
        )
    fig.update_xaxes(visible=False, range=[-0.1, len(blocks)])
    fig.update_yaxes(visible=False, range=[-0.2, 1.35])
    fig.update_layout(template="plotly_white", height=170, margin=dict(l=5, r=5, t=5, b=5))
    return fig
