"""Figures of the forecast task: the series and its split, the forecast against its baselines, errors by horizon, residuals, variants overlaid. Pure Plotly."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnviz.common.decimate import decimate_frame
from rnnviz.common.figures import GATE_COLOURS, LAYOUT, SPLIT_COLOURS
from rnnviz.common.safe import plotly_text

FUTURE_COLOUR = "#2F9E44"


NARROW_SPLIT = 0.15  # validation + test under this share of the rows: their labels could meet


def _split_bands(fig: go.Figure, index: pd.Index, train_end: int, val_end: int, **where) -> None:
    """Shade the validation and test rows of a chronological split.

    "validation" is written from the left edge of its band, "test" up to the right edge of its
    band; when both bands together are narrow the test label moves one line down, so the two
    never overlap.
    """
    n = len(index)
    narrow = (n - train_end) / max(n, 1) < NARROW_SPLIT
    bands = (
        ("validation", train_end, val_end, "top left", 0),
        ("test", val_end, n, "top right", -16 if narrow and val_end > train_end else 0),
    )
    for name, lo, hi, position, shift in bands:
        if hi > lo:
            colour = SPLIT_COLOURS["val" if name == "validation" else "test"]
            fig.add_vrect(
                x0=index[lo],
                x1=index[hi - 1],
                fillcolor=colour,
                opacity=0.08,
                line_width=0,
                annotation_text=name,
                annotation_position=position,
                annotation=dict(yshift=shift),
                **where,
            )


def series_preview(
    frame: pd.DataFrame, target: str, train_end: int, val_end: int, title: str = ""
) -> go.Figure:
    """The target series with the validation and test rows shaded."""
    name = plotly_text(target)
    drawn = decimate_frame(frame, target)  # a long series: min-max per bucket, same picture
    fig = go.Figure(go.Scatter(x=drawn.index, y=drawn[target], name=name, line=dict(width=1.5)))
    _split_bands(fig, frame.index, train_end, val_end)
    fig.update_layout(
        title=plotly_text(title) or name, yaxis_title=name, showlegend=False, **LAYOUT
    )
    return fig


BASELINE_COLOURS = ("#868E96", "#AE3EC9", "#F08C00", "#1098AD", "#D6336C", "#364FC7")


BAND_COLOUR = "47, 158, 68"  # FUTURE_COLOUR as rgb, for translucent bands


def forecast_figure(
    fitted: pd.DataFrame,
    future: pd.DataFrame,
    target: str,
    actual: pd.DataFrame | None = None,
    baselines: Sequence[str] = (),
) -> go.Figure:
    """The whole actual series, one-step predictions per split, and the forecast past the end
    with its interval bands (columns ``low 95%``/``high 95%``... of ``future``) and, optionally,
    the baseline columns named in ``baselines`` drawn over the same future steps."""
    actual = fitted[["time", "actual"]] if actual is None or actual.empty else actual
    actual = decimate_frame(actual, "actual")  # a long series: min-max per bucket
    fig = go.Figure(
        go.Scatter(
            x=actual["time"],
            y=actual["actual"],
            name="actual",
            line=dict(color="#495057", width=1.5),
        )
    )
    for split, rows in fitted.groupby("split", sort=False):
        rows = decimate_frame(rows, "predicted")
        fig.add_trace(
            go.Scatter(
                x=rows["time"],
                y=rows["predicted"],
                name=f"predicted ({split})",
                line=dict(color=SPLIT_COLOURS[split], width=1.5, dash="dot"),
            )
        )
    levels = sorted(
        (c.removeprefix("low ") for c in future.columns if c.startswith("low ")),
        key=lambda level: -float(level.rstrip("%")),
    )
    for level in levels:  # the widest band first, so the narrower one is drawn on top
        low, high = future[f"low {level}"], future[f"high {level}"]
        if not (np.isfinite(low).all() and np.isfinite(high).all()):
            continue  # too few validation residuals for this level
        opacity = 0.12 if level == levels[0] else 0.25
        fig.add_trace(
            go.Scatter(
                x=[*future["time"], *future["time"][::-1]],
                y=[*high, *low[::-1]],
                fill="toself",
                fillcolor=f"rgba({BAND_COLOUR}, {opacity})",
                line=dict(width=0),
                name=f"{level} interval",
                hoverinfo="skip",
            )
        )
    for name, colour in zip(baselines, BASELINE_COLOURS, strict=False):
        fig.add_trace(
            go.Scatter(
                x=future["time"],
                y=future[name],
                name=name,
                mode="lines",
                line=dict(color=colour, width=1.5, dash="dash"),
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
    fig.update_layout(title="Actual vs predicted", yaxis_title=plotly_text(target), **LAYOUT)
    return fig


def horizon_figure(by_horizon: pd.DataFrame, unit: str = "RMSE") -> go.Figure:
    """Test error against forecast horizon: the model beside each baseline."""
    fig = go.Figure()
    columns = [c for c in by_horizon.columns if c.endswith(f" {unit}")]
    for i, column in enumerate(columns):
        is_model = i == 0
        fig.add_trace(
            go.Scatter(
                x=by_horizon["horizon"],
                y=by_horizon[column],
                name=column.removesuffix(f" {unit}"),
                mode="lines+markers",
                line=dict(
                    color=FUTURE_COLOUR
                    if is_model
                    else BASELINE_COLOURS[(i - 1) % len(BASELINE_COLOURS)],
                    width=2.5 if is_model else 1.5,
                    dash="solid" if is_model else "dash",
                ),
            )
        )
    fig.update_xaxes(title_text="steps ahead", tick0=1, dtick=max(1, len(by_horizon) // 12))
    fig.update_yaxes(title_text=f"test {unit}", rangemode="tozero")
    fig.update_layout(title=f"Test {unit} by horizon (rolling origin)", **LAYOUT)
    return fig


def residuals_figure(fitted: pd.DataFrame) -> go.Figure:
    """Actual minus predicted over time, coloured by split."""
    fig = go.Figure()
    residuals = fitted.assign(residual=fitted["actual"] - fitted["predicted"])
    for split, rows in residuals.groupby("split", sort=False):
        rows = decimate_frame(rows, "residual")
        fig.add_trace(
            go.Scatter(
                x=rows["time"],
                y=rows["residual"],
                name=split,
                mode="markers",
                marker=dict(color=SPLIT_COLOURS[split], size=5),
            )
        )
    fig.add_hline(y=0, line_color="#868E96")
    fig.update_layout(title="Residuals (actual - predicted)", **LAYOUT)
    return fig


def forecast_overlay(
    actual: pd.DataFrame, predictions: dict[str, pd.DataFrame], target: str
) -> go.Figure:
    """Test-split actual values and each variant's predictions on the same axes."""
    fig = go.Figure(
        go.Scatter(
            x=actual["time"], y=actual["actual"], name="actual", line=dict(color="#495057", width=2)
        )
    )
    for i, (label, frame) in enumerate(predictions.items()):
        fig.add_trace(
            go.Scatter(
                x=frame["time"],
                y=frame["predicted"],
                name=plotly_text(label),
                line=dict(color=GATE_COLOURS[i % len(GATE_COLOURS)], dash="dot"),
            )
        )
    fig.update_layout(
        **LAYOUT, title="Test forecasts side by side", yaxis_title=plotly_text(target)
    )
    return fig
