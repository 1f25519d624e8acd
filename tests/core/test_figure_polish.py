"""Readable figures (issue 13 polish): log-axis ticks, gate heatmaps, diagram labels, split labels."""

from __future__ import annotations

import math

import pytest

from rnnviz.figures import comparison_curves, history_figure, log_ticks


@pytest.mark.parametrize(
    ("values", "ticks"),
    [
        ((0.08, 0.9), [0.1, 0.2, 0.3, 0.5]),  # under a decade: 1, 2, 3, 5
        ((0.02, 3.5), [0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]),  # 1, 2, 3, 5 would be 10 ticks
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
    assert list(loss_axis.tickvals) == pytest.approx([0.2, 0.3, 0.5, 1])
    assert list(loss_axis.ticktext) == ["0.2", "0.3", "0.5", "1"]
    compared = comparison_curves({"GRU uni x1": history}).layout.yaxis
    assert compared.type == "log" and list(compared.ticktext) == ["0.2", "0.3", "0.5", "1"]
