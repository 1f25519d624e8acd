"""Figures of the sentiment task: text lengths, the prediction after each word, and the RCNN's
branched diagram and where its strongest filters fired on a sentence. Pure Plotly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.common.figures import (
    GATE_COLOURS,
    LAYOUT,
    SPLIT_COLOURS,
    diagram_arrow,
    quick_figure,
)
from rnnviz.common.safe import plotly_text
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.sentiment.rcnn import POOLING_LABELS, ConvSpec, FilterWindow, context_width


# -- text ------------------------------------------------------------------------------------------
def length_histogram(lengths: np.ndarray, max_len: int) -> go.Figure:
    """Tokens per text, with the padded length marked."""
    fig = go.Figure(go.Histogram(x=lengths, nbinsx=60, marker_color=SPLIT_COLOURS["train"]))
    fig.add_vline(
        x=max_len,
        line_dash="dash",
        line_color=SPLIT_COLOURS["test"],
        annotation_text=f"padded length {max_len}",
    )
    fig.update_layout(
        **LAYOUT, title="Text length (tokens)", xaxis_title="tokens", yaxis_title="texts"
    )
    return fig


def reading_figure(frame: pd.DataFrame, class_names: Sequence[str]) -> go.Figure:
    """The predicted probability of each class after each word."""
    words = zip(frame["step"], frame["word"], strict=True)
    x = [f"{step}. {plotly_text(word)}" for step, word in words]
    lines = [
        dict(
            type="scatter",
            x=x,
            y=frame[f"p_{name}"].to_numpy(),
            name=plotly_text(name),
            mode="lines+markers",
            line=dict(color=GATE_COLOURS[i % len(GATE_COLOURS)]),
        )
        for i, name in enumerate(class_names)
    ]
    half = dict(  # a dotted line at 0.5 across the plot
        type="line",
        xref="x domain",
        x0=0,
        x1=1,
        yref="y",
        y0=0.5,
        y1=0.5,
        line=dict(dash="dot", color="#ADB5BD"),
    )
    layout = dict(
        title=dict(text="Prediction as the network reads"),
        yaxis=dict(range=[0, 1], title=dict(text="probability")),
        shapes=[half],
    )
    return quick_figure(lines, layout)


# -- RCNN ------------------------------------------------------------------------------------------
BOX_W, BOX_H, ROW_GAP = 0.8, 0.8, 1.1  # a box's size and the distance between branch rows


def _box(fig: go.Figure, x: float, y: float, title: str, detail: str) -> None:
    """A block centred at height ``y`` whose left edge is ``x``."""
    fig.add_shape(
        type="rect",
        x0=x,
        x1=x + BOX_W,
        y0=y - BOX_H / 2,
        y1=y + BOX_H / 2,
        fillcolor="#EDF2FF",
        line_color="#4C6EF5",
    )
    fig.add_annotation(x=x + BOX_W / 2, y=y + 0.15, text=f"<b>{title}</b>", showarrow=False)
    fig.add_annotation(
        x=x + BOX_W / 2, y=y - 0.17, text=detail, showarrow=False, font=dict(size=10)
    )


def rcnn_diagram(spec: ModelSpec, input_shape: tuple[int, ...]) -> go.Figure:
    """The RCNN left to right: input, embedding, context, the join of both (the embedding also
    skips the context), one convolution branch per kernel width with its pooling, the
    concatenation and the head."""
    conv = ConvSpec.of(spec)
    n = len(conv.kernel_sizes)
    rows = [(n - 1) / 2 * ROW_GAP - i * ROW_GAP for i in range(n)]  # branch heights, top down
    cell = f"⇄ {spec.cell}" if spec.bidirectional else spec.cell
    width = spec.embedding_dim + context_width(spec)
    fig = go.Figure()
    trunk = [
        ("Input", f"{input_shape[0]} token ids"),
        ("Embedding", f"{spec.vocab_size} x {spec.embedding_dim}"),
        (f"Context {cell}", f"{spec.units[0]} units" + (" x2" if spec.bidirectional else "")),
        ("Concatenate", f"[word; context]<br>{width} per word"),
    ]
    for x, (title, detail) in enumerate(trunk):
        _box(fig, x, 0, title, detail)
        if x:
            diagram_arrow(fig, (x - 1 + BOX_W, 0), (x, 0))
    # the embedding also goes straight to the join, over the context layer
    fig.add_shape(
        type="path",
        path=f"M {1 + BOX_W / 2} {BOX_H / 2} Q 2.4 1.2 {3 + BOX_W / 2} {BOX_H / 2}",
        line_color="#868E96",
    )
    pools = " + ".join(POOLING_LABELS[conv.pooling].split(" and "))
    for k, y in zip(conv.kernel_sizes, rows, strict=True):
        _box(fig, 4, y, f"Conv1D k={k}", f"{conv.filters} filters, relu")
        diagram_arrow(fig, (3 + BOX_W, 0), (4, y))
        _box(fig, 5, y, "Global pool", pools)
        diagram_arrow(fig, (4 + BOX_W, y), (5, y))
        diagram_arrow(fig, (5 + BOX_W, y), (6, 0))
    dropout = f", dropout {spec.dropout:g}" if spec.dropout > 0 else ""
    _box(fig, 6, 0, "Concatenate", f"{conv.pooled_width} features{dropout}")
    head = "sigmoid" if spec.head == "binary" else f"softmax, {spec.n_outputs}"
    _box(fig, 7, 0, "Dense head", head)
    diagram_arrow(fig, (6 + BOX_W, 0), (7, 0))
    top = max(rows[0], 0) + BOX_H / 2 + 0.5
    bottom = min(rows[-1], 0) - BOX_H / 2 - 0.1
    fig.update_xaxes(visible=False, range=[-0.1, 8])
    fig.update_yaxes(visible=False, range=[bottom, top])
    fig.update_layout(
        template="plotly_white",
        height=int(120 + 110 * max(1, (top - bottom) / ROW_GAP)),
        margin=dict(l=5, r=5, t=5, b=5),
        showlegend=False,
    )
    return fig


def filter_windows_figure(windows: list[FilterWindow], tokens: list[str]) -> go.Figure:
    """Words of the sentence (x) by kernel width (y): each cell the strongest activation of that
    width's top filters over the windows covering the word; hover names filter and window."""
    widths = sorted({w.kernel for w in windows})
    labels = [f"{i + 1}. {t}" for i, t in enumerate(tokens)]
    z = [[0.0] * len(tokens) for _ in widths]
    hover = [[""] * len(tokens) for _ in widths]
    for w in windows:
        row = widths.index(w.kernel)
        for i in range(w.start, min(w.start + w.kernel, len(tokens))):
            if w.activation > z[row][i]:
                z[row][i] = w.activation
                hover[row][i] = plotly_text(f"filter {w.filter}: {' '.join(w.words)}")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[plotly_text(label) for label in labels],
            y=[f"k={k}" for k in widths],
            text=hover,
            hovertemplate="%{y}, %{x}<br>%{text}<br>activation %{z:.3f}<extra></extra>",
            colorscale="Oranges",
            colorbar=dict(title="max"),
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=120 + 40 * len(widths),
        margin=dict(l=5, r=5, t=10, b=5),
        xaxis_title="word",
        yaxis_title="kernel width",
    )
    return fig
