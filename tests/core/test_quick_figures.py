"""The views an Inspect interaction redraws are built from plain dicts without Plotly's
validation (issue 19): each must be exactly what the validating constructors make of it, the
template and subplot grid included."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from rnnviz.common.figures import gate_explorer_figure, quick_figure, unit_lines_figure
from rnnviz.model.gates import Trace
from rnnviz.tasks.sentiment.figures import reading_figure
from rnnviz.tasks.sequences.figures import digit_gate_figure, step_probabilities_figure


def plain(figure: go.Figure) -> dict:
    return json.loads(figure.to_json())


def assert_validates_to_itself(figure: go.Figure) -> None:
    """Plotly's validating constructor, fed the figure, changes nothing (floats to 1e-12)."""
    ours, validated = plain(figure), plain(go.Figure(figure.to_dict()))
    assert_same(ours, validated, "figure")


def assert_same(a, b, path: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), (path, set(a) ^ set(b))
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, abs=1e-12), path
    else:
        assert a == b, path


LSTM = Trace(
    "rnn_1",
    "forward",
    "LSTM",
    {
        g: np.random.default_rng(0).random((1, 9, 6))
        for g in ("input", "forget", "cell", "candidate", "output", "hidden")
    },
)


@pytest.mark.parametrize("gate", ["input", "cell"])
@pytest.mark.parametrize("with_input", [False, True])
def test_gate_explorer_is_a_valid_figure(gate, with_input):
    steps = [f"{i}. w" for i in range(1, 10)]
    figure = gate_explorer_figure(LSTM, 0, gate, steps, np.arange(9.0) if with_input else None, "x")
    assert_validates_to_itself(figure)
    layout = plain(figure)["layout"]
    assert layout["template"]["layout"]["plot_bgcolor"] == "white"  # plotly_white, written out
    if with_input:  # two rows sharing the time axis, the input's title over the first
        assert layout["annotations"][0]["text"] == "Input: x" and "yaxis2" in layout
        assert plain(figure)["data"][1]["yaxis"] == "y2"
    assert np.allclose(figure.data[-1].z, LSTM.gates[gate][0].T)  # (units, time)


def test_line_and_heatmap_views_are_valid_figures():
    assert_validates_to_itself(unit_lines_figure(LSTM, 0, "forget", list(range(9))))
    frame = pd.DataFrame(
        {"step": [1, 2], "word": ["good", "<b>"], "p_a": [0.2, 0.3], "p_b": [0.8, 0.7]}
    )
    reading = reading_figure(frame, ["a", "b"])
    assert_validates_to_itself(reading)
    assert plain(reading)["layout"]["shapes"][0]["y0"] == 0.5
    steps = pd.DataFrame({"step": [1, 2, 3], "p_a": [0.1, 0.5, 0.9], "p_b": [0.9, 0.5, 0.1]})
    assert_validates_to_itself(step_probabilities_figure(steps, ["a", "b"]))
    digit = digit_gate_figure(np.eye(9), LSTM, "output", "true 3, predicted 5")
    assert_validates_to_itself(digit)
    texts = [a["text"] for a in plain(digit)["layout"]["annotations"]]
    assert texts == ["image, read row by row", "Output gate o: rnn_1 (forward)"]
    probabilities = np.linspace(0, 1, 9 * 3).reshape(9, 3)  # (rows, classes)
    three = digit_gate_figure(np.eye(9), LSTM, "output", "", probabilities, ["a", "<b>", "c"])
    assert_validates_to_itself(three)
    assert plain(three)["layout"]["annotations"][2]["text"].startswith("class probabilities")


def test_quick_figure_writes_what_validation_would_reject_unchanged():
    """No validation of values: a wrong one passes through (the tests above are the guard)."""
    figure = quick_figure([dict(type="scatter", y=[1, 2], mode="sideways")], {})
    assert plain(figure)["data"][0]["mode"] == "sideways"
    with pytest.raises(ValueError):
        go.Figure(figure.to_dict())
