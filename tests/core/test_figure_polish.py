"""Readable figures (issue 13 polish): log-axis ticks, gate heatmaps, diagram labels, split labels."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.figures import (
    comparison_curves,
    gate_explorer_figure,
    gate_heatmaps,
    history_figure,
    log_ticks,
    topology_diagram,
)
from rnnviz.model.gates import GATE_KEYS, Trace
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.forecast.figures import series_preview


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ((0.08, 0.9), [0.1, 0.2, 0.5]),  # 1, 2, 5 x 10^k
        ((0.02, 3.5), [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]),
        ((0.3, 0.6), [0.3, 0.4, 0.5, 0.6]),  # 1-2-5 would give one tick: every digit
        ((0.85, 1.6), [0.9, 1, 1.2, 1.5]),  # across a power of ten: 1.2, 1.5 too
        ((1e-4, 50), [1e-4, 1e-3, 0.01, 0.1, 1, 10]),  # wide: powers of ten
        ((1e-9, 1e3), [1e-8, 1e-6, 1e-4, 0.01, 1, 100]),  # very wide: every other decade
        ((0.11, 0.13), []),  # no round value inside: Plotly's own ticks
        ((0.0, -1.0, math.nan), []),  # nothing a log axis can show
    ],
)
def test_log_ticks_are_round_values_inside_the_range(values, ticks):
    assert log_ticks(values) == pytest.approx(ticks)


def test_loss_axes_carry_fully_written_round_ticks():
    history = {"loss": [0.9, 0.4, 0.12], "val_loss": [1.3, 0.5, 0.2], "mae": [0.7, 0.5, 0.3]}
    loss_axis = history_figure(history, "mae").layout.yaxis
    assert loss_axis.type == "log"
    assert list(loss_axis.tickvals) == pytest.approx([0.2, 0.5, 1])  # losses 0.12 .. 1.3
    assert list(loss_axis.ticktext) == ["0.2", "0.5", "1"]
    compared = comparison_curves({"GRU uni x1": history}).layout.yaxis
    assert compared.type == "log" and list(compared.ticktext) == ["0.2", "0.5", "1"]


def lstm_trace(time: int = 5, units: int = 3) -> Trace:
    rng = np.random.default_rng(0)
    gates = {k: rng.uniform(-1, 1, size=(1, time, units)) for k in GATE_KEYS["LSTM"]}
    return Trace("rnn_1", "forward", "LSTM", gates)


def test_gate_heatmaps_one_colour_bar_per_value_range_and_title_above_subplots():
    fig = gate_heatmaps(lstm_trace())
    axes = [t.coloraxis for t in fig.data]  # input, forget, candidate, output, cell, hidden
    assert axes == ["coloraxis", "coloraxis", "coloraxis2", "coloraxis", "coloraxis3", "coloraxis2"]
    layout = fig.layout
    assert (layout.coloraxis.cmin, layout.coloraxis.cmax) == (0.0, 1.0)
    assert (layout.coloraxis2.cmin, layout.coloraxis2.cmax) == (-1.0, 1.0)
    assert layout.coloraxis3.cmin is None  # the cell state is unbounded
    bars = [layout[name].colorbar.x for name in ("coloraxis", "coloraxis2", "coloraxis3")]
    assert len(set(bars)) == 3  # side by side, not on top of each other
    # The title sits in the top margin, above the subplot titles at the top of the plot area.
    title_px = (1 - layout.title.y) * layout.height
    assert title_px < layout.margin.t - 30


def test_deep_encoder_decoder_diagram_wraps_and_its_labels_fit_their_boxes():
    spec = ModelSpec(
        cell="SimpleRNN",
        units=(512, 64, 64, 64),
        bidirectional=True,
        topology="encoder_decoder",
        horizon=12,
    )
    fig = topology_diagram(spec, (24, 1))
    boxes = fig.layout.shapes
    assert len(boxes) == 11  # input, 4 encoders, RepeatVector, 4 decoders, head
    assert len({box.x0 for box in boxes}) == 6 and len({box.y0 for box in boxes}) == 2  # 2 rows
    lines = [
        re.sub("<[^>]+>", "", line)
        for note in fig.layout.annotations
        if note.text and not note.showarrow
        for line in note.text.split("<br>")
    ]
    assert "512 units x2" in lines and "⇄ SimpleRNN" in lines
    # A box is 0.8 of 6.1 axis units: ~130 px of a 1000 px chart, 16 characters at 11 px.
    assert max(map(len, lines)) <= 16


def test_gate_explorer_names_the_input_over_its_row_not_as_a_long_axis_title():
    trace = lstm_trace(time=6)
    name = "Daily maximum temperature (deg C)"
    fig = gate_explorer_figure(trace, 0, "forget", list(range(6)), np.arange(6.0), name)
    assert fig.layout.yaxis.title.text is None  # the input row: no axis title to overflow
    assert f"Input: {name}" in [a.text for a in fig.layout.annotations]
    assert (1 - fig.layout.title.y) * fig.layout.height < fig.layout.margin.t - 30


def split_labels(n: int, train_end: int, val_end: int) -> dict[str, tuple[str, int]]:
    index = pd.date_range("2000-01", periods=n, freq="MS")
    frame = pd.DataFrame({"y": np.arange(n, dtype=float)}, index=index)
    fig = series_preview(frame, "y", train_end, val_end)
    return {a.text: (a.xanchor, a.yshift or 0) for a in fig.layout.annotations}


def test_validation_and_test_labels_part_on_a_narrow_split():
    wide = split_labels(144, 100, 120)  # 30% of the rows: side by side, one line
    assert wide == {"validation": ("left", 0), "test": ("right", 0)}
    narrow = split_labels(144, 138, 140)  # 6 rows: the test label moves one line down
    assert narrow["validation"] == ("left", 0) and narrow["test"][1] < -10
