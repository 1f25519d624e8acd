"""Pure functions that return Plotly figures; no streamlit, no model calls."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import get_colorscale, qualitative
from plotly.subplots import make_subplots

from rnnviz.common.safe import plotly_text
from rnnviz.model.gates import GATE_KEYS, GATE_LABELS, Trace, gate_range
from rnnviz.model.spec import ModelSpec

SPLIT_COLOURS = {"train": "#4C6EF5", "val": "#F59F00", "test": "#E03131"}
LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10), height=360)


@lru_cache(maxsize=1)
def _template_json() -> dict:
    """The ``plotly_white`` template as plain JSON (Plotly copies a named template into every
    figure it validates: about 6 ms each)."""
    return pio.templates["plotly_white"].to_plotly_json()


def quick_figure(data: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts (``type`` names a trace), built without
    Plotly's validation: about 4 times faster than ``go.Scatter`` objects, for the views an
    Inspect interaction redraws (issue 19). :data:`LAYOUT` and the template apply; the dicts must
    be what the validating constructors accept (tests build each one both ways)."""
    merged = {**LAYOUT, **layout, "template": _template_json()}
    return go.Figure(data=data, layout=merged, _validate=False)


@lru_cache(maxsize=8)
def _subplot_grid(**options) -> dict:
    """The axes and title annotations ``make_subplots(**options)`` lays out, as JSON (built once
    per set of options; tuple values for what make_subplots takes as lists)."""
    given = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    layout = make_subplots(**given).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def subplot_layout(titles: Sequence[str] = (), **options) -> dict:
    """A fresh copy of :func:`_subplot_grid`'s layout with the subplot ``titles`` written in."""
    layout = copy.deepcopy(_subplot_grid(**options))
    annotations = layout.get("annotations", [])
    for annotation, title in zip(annotations, titles, strict=False):
        annotation["text"] = title
    return layout


LOG_LADDERS = ((1, 2, 5), (1,))  # x 10^k, coarser next
FINE_LADDERS = (  # for a range within about a decade
    (1, 2, 3, 5),
    tuple(range(1, 10)),
    (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9),
)


def log_ticks(values: Sequence[float], max_ticks: int = 8) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k and the like) inside the range of ``values``, for a log
    axis: Plotly's own labels the minor ticks with a bare digit ("1, 5, 2, 0.1, 5, 2").

    1-2-5 steps, or powers of ten (every few decades for a very wide range) to stay within
    ``max_ticks``; a finer ladder when a narrow range holds fewer than three; [] (Plotly's
    default) when fewer than two fit, or no value is positive.
    """
    finite = np.asarray([v for v in values if v is not None], dtype=float)
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.size == 0:
        return []
    lo, hi = float(finite.min()), float(finite.max())
    decades = range(int(np.floor(np.log10(lo))), int(np.floor(np.log10(hi))) + 1)

    def inside(ladder: list[float]) -> list[float]:
        return [t for t in (float(f"{t:.12g}") for t in ladder) if lo <= t <= hi]

    coarse = [inside([m * 10.0**d for d in decades for m in ms]) for ms in LOG_LADDERS]
    coarse += [inside([10.0**d for d in decades if d % step == 0]) for step in (2, 3, 5, 10)]
    ticks = next((t for t in coarse if len(t) <= max_ticks), [])
    for ms in FINE_LADDERS if len(ticks) < 3 else ():
        finer = inside([m * 10.0**d for d in decades for m in ms])
        if len(finer) <= max_ticks:
            ticks = max(ticks, finer, key=len)
    return ticks if len(ticks) >= 2 else []


def readable_log_axis(fig: go.Figure, values: Sequence[float], **where) -> None:
    """Make a y axis logarithmic with round, fully written tick labels (see :func:`log_ticks`)."""
    ticks = log_ticks(values)
    labels = dict(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks]) if ticks else {}
    fig.update_yaxes(type="log", **labels, **where)


def history_figure(
    history: dict[str, Sequence[float]],
    metric: str,
    batch_loss: Sequence[float] = (),
    steps_per_epoch: int = 0,
    initial_loss: float | None = None,
) -> go.Figure:
    """Loss and the task metric per epoch, train and validation side by side.

    With ``batch_loss`` (Keras's running training loss after every batch) and ``steps_per_epoch``
    a faint line under the loss shows it batch by batch: batch ``k`` of epoch ``e`` sits at
    ``e - 1 + k / steps_per_epoch``, so the last batch of an epoch meets that epoch's point.
    ``initial_loss`` (the untrained model's loss on the first training rows) is a marker at 0.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Loss", metric.upper() if metric in ("mae", "bpc") else metric.title()),
    )
    if initial_loss is not None:
        fig.add_trace(
            go.Scatter(
                x=[0],
                y=[initial_loss],
                name="loss before training",
                mode="markers",
                marker=dict(color=SPLIT_COLOURS["train"], symbol="circle-open", size=8),
                hovertemplate="before training (first batch of rows): %{y:.4g}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    if len(batch_loss) and steps_per_epoch:
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(batch_loss) + 1) / steps_per_epoch,
                y=list(batch_loss),
                name="train loss per batch",
                mode="lines",
                opacity=0.35,
                line=dict(width=1, color=SPLIT_COLOURS["train"]),
            ),
            row=1,
            col=1,
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
    fig.update_xaxes(title_text="epoch", tick0=1, dtick=max(1, len(history.get("loss", [])) // 10))
    if history.get("loss") and min(history["loss"]) > 0:
        losses = [*history["loss"], *history.get("val_loss", []), *batch_loss]
        losses += [initial_loss] if initial_loss is not None else []
        readable_log_axis(fig, losses, row=1, col=1)
    fig.update_layout(**LAYOUT, legend=dict(orientation="h", y=-0.25))
    return fig


DIAGRAM_PER_ROW = 6  # blocks per row: labels of up to ~16 characters fit a box on a laptop screen


def diagram_arrow(fig: go.Figure, tail: tuple[float, float], head: tuple[float, float]) -> None:
    """An arrow between two blocks of a model diagram (data coordinates)."""
    fig.add_annotation(
        x=head[0],
        y=head[1],
        ax=tail[0],
        ay=tail[1],
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        showarrow=True,
        arrowhead=2,
    )


def topology_diagram(spec: ModelSpec, input_shape: tuple[int, ...]) -> go.Figure:
    """A block diagram of the layers the spec builds, left to right, wrapping onto new rows
    (a depth-4 encoder-decoder has 11 blocks); each label is two short lines per box."""
    blocks = [("Input", f"{input_shape}")]
    if spec.is_text:
        masking = "masks padding" if spec.mask_zero else "no masking"
        blocks.append(("Embedding", f"{spec.vocab_size} x {spec.embedding_dim}<br>{masking}"))
        if spec.fixed_features or spec.pair_features:  # fixed tables joined, word by word
            per_word = f"{spec.fixed_features} fixed<br>per word"
            if spec.pair_features:
                per_word = (
                    f"{spec.fixed_features} fixed per word<br>{spec.pair_features} per word pair"
                )
            blocks.append(("+ Word features", per_word))
    elif spec.mask_value is not None:  # padded sequences of different lengths
        blocks.append(("Masking", f"skips steps<br>of {spec.mask_value:g}"))
    cell = f"⇄ {spec.cell}" if spec.bidirectional else spec.cell

    mean_read = spec.read_out == "mean" and spec.topology == "many_to_one"

    def stack(prefix: str, last_sequences: bool) -> None:
        for i, units in enumerate(spec.units, start=1):
            seq = last_sequences or i < spec.depth
            detail = f"{units} units" + (" x2" if spec.bidirectional else "")
            detail += "<br>all steps" if seq else "<br>last step"
            blocks.append((f"{prefix} {i}<br>{cell}", detail))

    if spec.topology == "encoder_decoder":
        stack("Encoder", False)
        blocks.append(("RepeatVector", f"x {spec.horizon} steps"))
        stack("Decoder", True)
    else:
        stack("Layer", spec.topology == "many_to_many" or mean_read)
    if mean_read:
        blocks.append(("Mean over steps", "of the last<br>layer's outputs"))
    head = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}[spec.head]
    per_step = spec.topology != "many_to_one"
    blocks.append(("Dense head" + ("<br>per step" if per_step else ""), head))
    per_row = min(len(blocks), DIAGRAM_PER_ROW)
    rows = -(-len(blocks) // per_row)
    fig = go.Figure()
    for i, (title, detail) in enumerate(blocks):
        x, y = i % per_row, -1.6 * (i // per_row)  # box: x .. x + 0.8, y .. y + 1
        fig.add_shape(
            type="rect",
            x0=x,
            x1=x + 0.8,
            y0=y,
            y1=y + 1,
            fillcolor="#EDF2FF",
            line_color="#4C6EF5",
        )
        fig.add_annotation(
            x=x + 0.4, y=y + 0.7, text=f"<b>{title}</b>", showarrow=False, font=dict(size=11)
        )
        fig.add_annotation(x=x + 0.4, y=y + 0.25, text=detail, showarrow=False, font=dict(size=10))
        if i:  # from the previous box: its right edge, or the bottom of the row above
            tail = (x - 0.2, y + 0.5) if x else (per_row - 1 + 0.4, y + 1.6)
            head_at = (x, y + 0.5) if x else (x + 0.4, y + 1)
            diagram_arrow(fig, tail, head_at)
    if spec.stateful:
        fig.add_annotation(
            x=per_row / 2,
            y=1.2,
            text=f"stateful: state carried across batches of {spec.stateful_batch_size}",
            showarrow=False,
        )
    fig.update_xaxes(visible=False, range=[-0.1, per_row])
    fig.update_yaxes(visible=False, range=[-1.6 * (rows - 1) - 0.2, 1.35])
    fig.update_layout(
        template="plotly_white", height=170 + 130 * (rows - 1), margin=dict(l=5, r=5, t=5, b=5)
    )
    return fig


# -- gates -----------------------------------------------------------------------------------------
GATE_COLOURS = ("#4C6EF5", "#E03131", "#2F9E44", "#F59F00", "#AE3EC9", "#1098AD")


RANGE_NAMES = {(0.0, 1.0): "0 to 1", (-1.0, 1.0): "-1 to 1", (None, None): "any"}


def gate_heatmaps(trace: Trace, sample: int = 0, labels: Sequence[str] | None = None) -> go.Figure:
    """One time x units heatmap per gate of one trace (layer direction) for one sample.

    Maps with the same value range share one colour bar (gates 0..1, candidate and hidden
    -1..1, the cell state unbounded): one bar per range, side by side on the right.
    """
    keys = GATE_KEYS[trace.cell]
    names = GATE_LABELS[trace.cell]
    fig = make_subplots(
        rows=1, cols=len(keys), subplot_titles=[names[k] for k in keys], shared_yaxes=True
    )
    ranges = list(dict.fromkeys(gate_range(key) for key in keys))  # in order of first use
    for col, key in enumerate(keys, start=1):
        values = trace.gates[key][sample]  # (time, units)
        lo, hi = gate_range(key)
        axis = ranges.index((lo, hi))
        fig.add_trace(
            go.Heatmap(
                z=values.T,  # (units, time): time runs left to right
                x=list(labels) if labels is not None else np.arange(values.shape[0]),
                zmin=lo,
                zmax=hi,
                coloraxis="coloraxis" + (str(axis + 1) if axis else ""),
                hovertemplate="step %{x}<br>unit %{y}<br>value %{z:.3f}<extra>"
                + names[key]
                + "</extra>",
            ),
            row=1,
            col=col,
        )
    for axis, (lo, hi) in enumerate(ranges):
        fig.update_layout(
            {
                "coloraxis" + (str(axis + 1) if axis else ""): dict(
                    cmin=lo,
                    cmax=hi,
                    colorscale="Viridis" if lo == 0.0 else "RdBu",
                    colorbar=dict(
                        title=dict(text=RANGE_NAMES[(lo, hi)], side="top"),
                        x=1.02 + 0.12 * axis,  # room for the bar, its ticks and its title
                        thickness=10,
                    ),
                )
            }
        )
    fig.update_xaxes(title_text="time step")
    fig.update_yaxes(
        title_text="unit", row=1, col=1, dtick=max(1, trace.gates[keys[0]].shape[2] // 8)
    )
    fig.update_layout(
        **{**LAYOUT, "height": 330, "margin": dict(l=10, r=10, t=90, b=10)},
        title=dict(text=f"{trace.layer} ({trace.direction}): sample {sample}", y=0.97),
    )
    return fig


def gate_stats_figure(
    gate_history: Sequence[dict],
    layer: str,
    direction: str,
    epochs: Sequence[int] | None = None,
) -> go.Figure:
    """Per gate, its mean and saturation share over the epochs of a run (one layer direction);
    ``epochs`` numbers the entries of ``gate_history`` (default 1, 2, ...: every epoch traced)."""
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("Mean activation", "Saturated share (<0.1 or >0.9)")
    )
    keys = sorted({k[2] for epoch in gate_history for k in epoch if k[:2] == (layer, direction)})
    epochs = np.asarray(epochs) if epochs is not None else np.arange(1, len(gate_history) + 1)
    for i, gate in enumerate(keys):
        stats = np.array(
            [epoch.get((layer, direction, gate), (np.nan, np.nan)) for epoch in gate_history]
        )
        colour = GATE_COLOURS[i % len(GATE_COLOURS)]
        for col in (1, 2):
            fig.add_trace(
                go.Scatter(
                    x=epochs,
                    y=stats[:, col - 1],
                    name=gate,
                    legendgroup=gate,
                    showlegend=col == 1,
                    line=dict(color=colour),
                ),
                row=1,
                col=col,
            )
    last = int(epochs[-1]) if len(epochs) else 1
    fig.update_xaxes(title_text="epoch", tick0=1, dtick=max(1, last // 10))
    fig.update_yaxes(range=[-0.02, 1.02], row=1, col=2)
    fig.update_layout(**{**LAYOUT, "height": 300})
    return fig


def gate_explorer_figure(
    trace: Trace,
    sample: int,
    gate: str,
    steps: Sequence,
    input_values: np.ndarray | None = None,
    input_name: str = "input",
) -> go.Figure:
    """The chosen gate as a heatmap (time x units), with the input drawn above on the same time axis.

    The input is named by a title over its row (a long column name as its axis title ran into
    the chart title and the unit axis); the chart title sits in the top margin above it.
    """
    values = trace.gates[gate][sample]  # (time, units)
    label = GATE_LABELS[trace.cell][gate]
    rows = 2 if input_values is not None else 1
    layout = subplot_layout(
        [f"Input: {plotly_text(input_name)}"] if rows == 2 else [],
        rows=rows,
        cols=1,
        shared_xaxes=True,
        row_heights=(0.3, 0.7) if rows == 2 else (1.0,),
        vertical_spacing=0.08 if rows == 2 else 0.04,
        subplot_titles=("input", "") if rows == 2 else None,  # an annotation for the title
    )
    x = list(steps)
    data = []
    if input_values is not None:
        data.append(
            dict(
                type="scatter",
                x=x,
                y=input_values,
                name=plotly_text(input_name),
                mode="lines+markers",
                line=dict(color="#495057"),
                xaxis="x",
                yaxis="y",
            )
        )
    lo, hi = gate_range(gate)
    axis = "" if rows == 1 else "2"  # the heatmap's axes: the last row's
    data.append(
        dict(
            type="heatmap",
            z=values.T,
            x=x,
            zmin=lo,
            zmax=hi,
            colorscale=colourscale("Viridis" if lo == 0.0 else "RdBu"),
            colorbar=dict(title=dict(text=gate), len=0.7, y=0.35 if rows == 2 else 0.5),
            hovertemplate="step %{x}<br>unit %{y}<br>value %{z:.3f}<extra></extra>",
            xaxis=f"x{axis}",
            yaxis=f"y{axis}",
        )
    )
    layout[f"yaxis{axis}"].update(title=dict(text="unit"), dtick=max(1, values.shape[1] // 8))
    layout[f"xaxis{axis}"].update(title=dict(text="time step"))
    layout.update(
        height=480 if rows == 2 else 440,
        margin=dict(l=10, r=10, t=80 if rows == 2 else 40, b=10),  # the input's title
        title=dict(text=f"{label}: {trace.layer} ({trace.direction})", y=0.97),
        showlegend=False,
    )
    return quick_figure(data, layout)


@lru_cache(maxsize=8)
def colourscale(name: str) -> list:
    """A named colour scale as the explicit list Plotly's validation makes of it (plotly.js
    has scales of the same names that differ)."""
    return get_colorscale(name)


def unit_lines_figure(trace: Trace, sample: int, gate: str, steps: Sequence) -> go.Figure:
    """One line per unit of the chosen gate over time."""
    values = trace.gates[gate][sample]  # (time, units)
    x = list(steps)
    lines = [
        dict(
            type="scatter",
            x=x,
            y=values[:, unit],
            name=f"unit {unit}",
            mode="lines",
            hovertemplate=f"step %{{x}}<br>unit {unit}<br>value %{{y:.3f}}<extra></extra>",
        )
        for unit in range(values.shape[1])
    ]
    title = f"{GATE_LABELS[trace.cell][gate]} per unit"
    return quick_figure(
        lines, dict(title=dict(text=title), xaxis=dict(title=dict(text="time step")))
    )


def class_balance(counts: dict[str, int]) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(name) for name in counts],
            y=list(counts.values()),
            marker_color=[GATE_COLOURS[i % len(GATE_COLOURS)] for i in range(len(counts))],
        )
    )
    fig.update_layout(**LAYOUT, title="Class balance", yaxis_title="texts")
    return fig


def confusion_figure(matrix: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """Rows: true class, columns: predicted class."""
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=[f"pred. {plotly_text(c)}" for c in class_names],
            y=[f"true {plotly_text(c)}" for c in class_names],
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}",
            showscale=False,
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(**LAYOUT, title="Confusion matrix (test)")
    return fig


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray, float]]) -> go.Figure:
    """ROC curves: name -> (false positive rate, true positive rate, AUC)."""
    fig = go.Figure()
    for i, (name, (fpr, tpr, auc)) in enumerate(curves.items()):
        fig.add_trace(
            go.Scatter(
                x=fpr,
                y=tpr,
                name=f"{plotly_text(name)} (AUC {auc:.3f})",
                line=dict(color=GATE_COLOURS[i % len(GATE_COLOURS)]),
            )
        )
    fig.add_trace(
        go.Scatter(x=[0, 1], y=[0, 1], name="chance", line=dict(dash="dot", color="#ADB5BD"))
    )
    fig.update_layout(
        **LAYOUT,
        title="ROC curve (test)",
        xaxis_title="false positive rate",
        yaxis_title="true positive rate",
    )
    return fig


# -- comparison ------------------------------------------------------------------------------------
def comparison_curves(histories: dict[str, dict[str, Sequence[float]]]) -> go.Figure:
    """Training (solid) and validation (dotted) loss of every variant, overlaid."""
    fig = go.Figure()
    for i, (label, history) in enumerate(histories.items()):
        colour = GATE_COLOURS[i % len(GATE_COLOURS)]
        for key, dash in (("loss", "solid"), ("val_loss", "dot")):
            values = history.get(key) or []
            fig.add_trace(
                go.Scatter(
                    x=np.arange(1, len(values) + 1),
                    y=values,
                    name=f"{plotly_text(label)} {'validation' if key == 'val_loss' else 'train'}",
                    legendgroup=label,
                    mode="lines+markers" if len(values) < 30 else "lines",
                    line=dict(color=colour, dash=dash),
                )
            )
    fig.update_xaxes(title_text="epoch")
    losses = [
        v
        for history in histories.values()
        for k in ("loss", "val_loss")
        for v in history.get(k) or []
    ]
    fig.update_yaxes(title_text="loss")
    readable_log_axis(fig, losses)
    fig.update_layout(**LAYOUT, title="Loss per epoch (solid: train, dotted: validation)")
    return fig


def score_bars(
    scores: dict[str, float], title: str, y_range: tuple[float, float] | None = None
) -> go.Figure:
    """One labelled bar per model (variants and baselines)."""
    names = [plotly_text(name) for name in scores]
    values = list(scores.values())
    fig = go.Figure(
        go.Bar(
            x=names,
            y=values,
            text=[f"{v:.3g}" if abs(v) >= 1 else f"{v:.3f}" for v in values],
            textposition="outside",
            marker_color=[class_colour(k) for k in range(len(values))],
        )
    )
    fig.update_layout(**LAYOUT, title=title, yaxis=dict(range=y_range) if y_range else {})
    return fig


def class_colour(k: int) -> str:
    """Ten distinct colours (MNIST's digits each their own), then the next ten again."""
    return qualitative.Plotly[k % len(qualitative.Plotly)]
