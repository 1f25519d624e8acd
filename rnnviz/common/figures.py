"""Pure functions that return Plotly figures; no streamlit, no model calls."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnviz.common.decimate import decimate_frame
from rnnviz.common.safe import plotly_text
from rnnviz.model.gates import GATE_KEYS, GATE_LABELS, SIGMOID_GATES, Trace
from rnnviz.model.spec import ModelSpec

SPLIT_COLOURS = {"train": "#4C6EF5", "val": "#F59F00", "test": "#E03131"}
FUTURE_COLOUR = "#2F9E44"
LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=40, b=10), height=360)


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


def history_figure(
    history: dict[str, Sequence[float]],
    metric: str,
    batch_loss: Sequence[float] = (),
    steps_per_epoch: int = 0,
) -> go.Figure:
    """Loss and the task metric per epoch, train and validation side by side.

    With ``batch_loss`` (Keras's running training loss after every batch) and ``steps_per_epoch``
    a faint line under the loss shows it batch by batch: batch ``k`` of epoch ``e`` sits at
    ``e - 1 + k / steps_per_epoch``, so the last batch of an epoch meets that epoch's point.
    """
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Loss", metric.upper() if metric in ("mae", "bpc") else metric.title()),
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
        readable_log_axis(fig, losses, row=1, col=1)
    fig.update_layout(**LAYOUT, legend=dict(orientation="h", y=-0.25))
    return fig


BASELINE_COLOURS = ("#868E96", "#AE3EC9", "#F08C00", "#1098AD", "#D6336C")
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
    elif spec.mask_value is not None:  # padded sequences of different lengths
        blocks.append(("Masking", f"skips steps<br>of {spec.mask_value:g}"))
    cell = f"⇄ {spec.cell}" if spec.bidirectional else spec.cell

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
        stack("Layer", spec.topology == "many_to_many")
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


def _gate_range(gate: str) -> tuple[float | None, float | None]:
    if gate in SIGMOID_GATES:
        return 0.0, 1.0
    if gate in ("candidate", "hidden"):
        return -1.0, 1.0
    return None, None


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
    ranges = list(dict.fromkeys(_gate_range(key) for key in keys))  # in order of first use
    for col, key in enumerate(keys, start=1):
        values = trace.gates[key][sample]  # (time, units)
        lo, hi = _gate_range(key)
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
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.3, 0.7] if rows == 2 else [1.0],
        vertical_spacing=0.08 if rows == 2 else 0.04,
        subplot_titles=[f"Input: {plotly_text(input_name)}", ""] if rows == 2 else None,
    )
    if input_values is not None:
        fig.add_trace(
            go.Scatter(
                x=list(steps),
                y=input_values,
                name=plotly_text(input_name),
                mode="lines+markers",
                line=dict(color="#495057"),
            ),
            row=1,
            col=1,
        )
    lo, hi = _gate_range(gate)
    fig.add_trace(
        go.Heatmap(
            z=values.T,
            x=list(steps),
            zmin=lo,
            zmax=hi,
            colorscale="Viridis" if lo == 0.0 else "RdBu",
            colorbar=dict(title=gate, len=0.7, y=0.35 if rows == 2 else 0.5),
            hovertemplate="step %{x}<br>unit %{y}<br>value %{z:.3f}<extra></extra>",
        ),
        row=rows,
        col=1,
    )
    fig.update_yaxes(title_text="unit", row=rows, col=1, dtick=max(1, values.shape[1] // 8))
    fig.update_xaxes(title_text="time step", row=rows, col=1)
    fig.update_layout(
        **{
            **LAYOUT,
            "height": 480 if rows == 2 else 440,
            "margin": dict(l=10, r=10, t=80 if rows == 2 else 40, b=10),  # the input's title
        },
        title=dict(text=f"{label}: {trace.layer} ({trace.direction})", y=0.97),
        showlegend=False,
    )
    return fig


def unit_lines_figure(trace: Trace, sample: int, gate: str, steps: Sequence) -> go.Figure:
    """One line per unit of the chosen gate over time."""
    values = trace.gates[gate][sample]  # (time, units)
    fig = go.Figure(
        [
            go.Scatter(
                x=list(steps),
                y=values[:, unit],
                name=f"unit {unit}",
                mode="lines",
                hovertemplate=f"step %{{x}}<br>unit {unit}<br>value %{{y:.3f}}<extra></extra>",
            )
            for unit in range(values.shape[1])
        ]
    )
    fig.update_layout(
        **LAYOUT, title=f"{GATE_LABELS[trace.cell][gate]} per unit", xaxis_title="time step"
    )
    return fig


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
