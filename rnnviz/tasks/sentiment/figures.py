"""Figures of the sentiment task: text lengths and the prediction after each word. Pure Plotly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.common.figures import GATE_COLOURS, LAYOUT, SPLIT_COLOURS
from rnnviz.common.safe import plotly_text


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
    fig = go.Figure()
    words = zip(frame["step"], frame["word"], strict=True)
    x = [f"{step}. {plotly_text(word)}" for step, word in words]
    for i, name in enumerate(class_names):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=frame[f"p_{name}"],
                name=plotly_text(name),
                mode="lines+markers",
                line=dict(color=GATE_COLOURS[i % len(GATE_COLOURS)]),
            )
        )
    fig.add_hline(y=0.5, line_dash="dot", line_color="#ADB5BD")
    fig.update_layout(
        **LAYOUT,
        title="Prediction as the network reads",
        yaxis=dict(range=[0, 1], title="probability"),
    )
    return fig
