"""Figures of the sequence task: what each draws, checked on the figure's own data."""

import numpy as np
import pandas as pd

from rnnviz.common.figures import topology_diagram
from rnnviz.model.gates import Trace
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.sequences.figures import (
    MAX_LINES_PER_CLASS,
    accuracy_bars,
    digit_gate_figure,
    example_images,
    example_sequences,
    step_probabilities_figure,
)


def _annotations(figure) -> str:
    return " ".join(a.text or "" for a in figure.layout.annotations)


def test_the_diagram_shows_the_masking_layer_of_padded_sequences():
    spec = ModelSpec(units=(4,), head="multiclass", n_outputs=3, mask_value=-1000.0)
    assert "Masking" in _annotations(topology_diagram(spec, (29, 12)))
    assert "skips steps<br>of -1000" in _annotations(topology_diagram(spec, (29, 12)))
    assert "Masking" not in _annotations(topology_diagram(spec.with_(mask_value=None), (8, 8)))


def test_digit_beside_its_gate_shares_the_rows():
    image = np.arange(8 * 8, dtype=float).reshape(8, 8)
    gates = {"forget": np.random.default_rng(0).uniform(size=(1, 8, 5))}  # (1, time, units)
    figure = digit_gate_figure(image, Trace("rnn_1", "forward", "LSTM", gates), "forget", "a 3")
    drawn_image, drawn_gate = figure.data
    np.testing.assert_array_equal(np.asarray(drawn_image.z), image)
    np.testing.assert_array_equal(np.asarray(drawn_gate.z), gates["forget"][0])  # (rows, units)
    assert list(drawn_gate.y) == list(range(1, 9)) == list(drawn_image.y)
    assert (drawn_gate.zmin, drawn_gate.zmax) == (0.0, 1.0)  # a sigmoid gate
    assert figure.layout.yaxis.autorange == "reversed"  # row 1 at the top, as in the image


def test_the_class_probabilities_after_each_row_share_the_digit_rows():
    image = np.arange(8 * 8, dtype=float).reshape(8, 8)
    gates = {"forget": np.random.default_rng(0).uniform(size=(1, 8, 5))}
    probabilities = np.random.default_rng(1).dirichlet(np.ones(3), size=8)  # (rows, classes)
    trace = Trace("rnn_1", "forward", "LSTM", gates)
    figure = digit_gate_figure(image, trace, "forget", "a 3", probabilities, ["x", "y", "z"])
    drawn_image, drawn_gate, drawn_classes = figure.data
    np.testing.assert_allclose(np.asarray(drawn_classes.z), probabilities)
    assert list(drawn_classes.x) == ["x", "y", "z"]
    assert list(drawn_classes.y) == list(drawn_image.y) == list(range(1, 9))
    assert (drawn_classes.zmin, drawn_classes.zmax) == (0.0, 1.0)
    assert drawn_classes.yaxis == "y3" and figure.layout.yaxis3.matches == "y"  # shared rows
    # the gate's colour bar sits between its panel and the classes' panel
    assert figure.layout.xaxis2.domain[1] < drawn_gate.colorbar.x < figure.layout.xaxis3.domain[0]


def test_examples_draw_images_and_a_few_sequences_per_class():
    images = np.zeros((4, 8, 8))
    figure = example_images(images, ["label 0", "label 1", "label 2", "label 3"], columns=2)
    assert len(figure.data) == 4 and "label 3" in _annotations(figure)
    x = np.zeros((10, 6, 2))
    x[:, :, 1] = np.arange(10)[:, None]
    lengths = np.array([6, 4] * 5)
    y = np.array([0] * 6 + [1] * 4)
    figure = example_sequences(x, lengths, y, ("a", "b"), feature=1, feature_name="second")
    assert len(figure.data) == 2 * MAX_LINES_PER_CLASS
    first = figure.data[0]
    assert list(first.y) == [0.0] * 6 and len(figure.data[1].x) == 4  # real steps only
    assert [t.showlegend for t in figure.data[:3]] == [True, False, False]


def test_step_probabilities_and_accuracy_bars():
    frame = pd.DataFrame({"step": [1, 2, 3], "p_a": [0.5, 0.7, 0.9], "p_b": [0.5, 0.3, 0.1]})
    figure = step_probabilities_figure(frame, ("a", "b"))
    assert [t.name for t in figure.data] == ["a", "b"]
    assert list(figure.data[0].y) == [0.5, 0.7, 0.9]
    bars = accuracy_bars({"LSTM uni x1": 0.91, "1-NN": 0.8})
    assert list(bars.data[0].x) == ["LSTM uni x1", "1-NN"]
    assert list(bars.data[0].text) == ["0.910", "0.800"]


def test_the_diagram_shows_fixed_word_features_and_the_mean_read_out():
    text = ModelSpec(units=(4,), head="binary", vocab_size=50, embedding_dim=8)
    plain = _annotations(topology_diagram(text, (20,)))
    assert "Word features" not in plain and "Mean over steps" not in plain
    assert "last step" in plain
    both = _annotations(topology_diagram(text.with_(fixed_features=5, read_out="mean"), (20,)))
    assert "5 fixed<br>per word" in both and "Mean over steps" in both
    assert "last step" not in both  # the layer hands all its steps to the mean
    pairs = _annotations(topology_diagram(text.with_(fixed_features=5, pair_features=1), (20,)))
    assert "5 fixed per word<br>1 per word pair" in pairs
