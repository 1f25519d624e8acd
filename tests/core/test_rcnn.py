"""The sentiment task's RCNN: layers and parameter counts against Keras, the filter and gate probes
against the Keras model's own intermediate outputs, and the task's hooks (spec, build, diagram)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnviz.model.builder import layer_table
from rnnviz.model.probes import trace
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.sentiment.figures import filter_windows_figure, rcnn_diagram
from rnnviz.tasks.sentiment.rcnn import (
    ConvSpec,
    build_rcnn,
    conv_activations,
    expected_rcnn_params,
    filter_table,
    filter_windows,
    rcnn_spec,
)

MAX_LEN = 7
pytestmark = pytest.mark.filterwarnings("ignore:Layer .conv_k:UserWarning")


def spec(conv: ConvSpec | None = None, **changes) -> ModelSpec:
    base = ModelSpec(
        cell="LSTM", units=(4,), bidirectional=True, vocab_size=20, embedding_dim=5, head="binary"
    )
    return rcnn_spec(base.with_(**changes), conv or ConvSpec((1, 2, 3), 6, "both"))


def model_for(s: ModelSpec) -> keras.Model:
    keras.utils.set_random_seed(3)
    return build_rcnn(s, (MAX_LEN,))


def ids() -> np.ndarray:
    return np.array([[3, 4, 5, 6, 0, 0, 0], [7, 8, 9, 10, 11, 12, 13]], dtype=np.int32)


def sub_model_output(model: keras.Model, name: str, x: np.ndarray) -> np.ndarray:
    return keras.Model(model.inputs, model.get_layer(name).output).predict(x, verbose=0)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        dict(cell="GRU", bidirectional=False),
        dict(cell="SimpleRNN", merge_mode="sum"),
        dict(head="multiclass", n_outputs=3, dropout=0.2),
        dict(cell="GRU", reset_after=False, use_bias=False),
    ],
)
@pytest.mark.parametrize("conv", [ConvSpec((1, 2, 3), 6, "both"), ConvSpec((2,), 3, "max")])
def test_parameter_count_and_shapes_match_keras(changes: dict, conv: ConvSpec) -> None:
    s = spec(conv, **changes)
    model = model_for(s)
    assert model.count_params() == expected_rcnn_params(s)
    assert sum(row.params for row in layer_table(model)) == model.count_params()
    assert model.output_shape == (None, 1 if s.head == "binary" else s.n_outputs)
    for k in conv.kernel_sizes:  # a valid convolution: one position per window
        assert model.get_layer(f"conv_k{k}").output.shape == (None, MAX_LEN - k + 1, conv.filters)


def test_layers_are_named_and_pooled_as_asked() -> None:
    model = model_for(spec(ConvSpec((1, 2), 3, "avg")))
    names = [layer.name for layer in model.layers]
    assert {"embedding", "context", "join", "conv_k1", "conv_k2", "avg_k1", "avg_k2"} <= set(names)
    assert not any(n.startswith("max_") for n in names)
    assert model.get_layer("pooled").output.shape == (None, 2 * 3)
    assert "dropout" not in names  # dropout 0: no layer


def test_rcnn_spec_keeps_one_context_layer_and_its_settings() -> None:
    s = rcnn_spec(ModelSpec(units=(8, 4), stateful=True), ConvSpec((3, 1), 5, "max"))
    assert (s.architecture, s.units, s.stateful) == ("rcnn", (8,), False)
    assert ConvSpec.of(s) == ConvSpec((1, 3), 5, "max")  # kernel sizes sorted
    assert ConvSpec.of(ModelSpec.from_dict(s.to_dict())) == ConvSpec((1, 3), 5, "max")


def test_kernel_wider_than_text_is_refused() -> None:
    with pytest.raises(ValueError, match="padded length"):
        model_for(spec(ConvSpec((8,), 3)))


@pytest.mark.parametrize(
    "bad, message",
    [
        (dict(kernel_sizes=()), "at least one"),
        (dict(filters=0), "Filters"),
        (dict(pooling="sum"), "Pooling"),
        (dict(kernel_sizes=(10,)), "Kernel sizes"),
    ],
)
def test_bad_conv_settings_are_refused(bad: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ConvSpec(**bad)


def _numpy_conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Valid 1-D convolution + ReLU: x (time, d), kernel (k, d, f) -> (time - k + 1, f)."""
    k = kernel.shape[0]
    windows = np.stack([x[t : t + k].reshape(-1) for t in range(len(x) - k + 1)])
    return np.maximum(windows @ kernel.reshape(-1, kernel.shape[-1]) + bias, 0.0)


def test_conv_activations_match_numpy_and_the_models_max_pooling() -> None:
    model = model_for(spec())
    x = ids()
    acts = conv_activations(model, x)
    assert sorted(acts) == [1, 2, 3]
    joined = sub_model_output(model, "join", x)  # (batch, time, emb + context)
    for k in (1, 2, 3):
        kernel, bias = (w.numpy() for w in model.get_layer(f"conv_k{k}").weights)
        for row in range(len(x)):
            expected = _numpy_conv(joined[row], kernel, bias)
            np.testing.assert_allclose(acts[k][row], expected, atol=1e-5)
        pooled = sub_model_output(model, f"max_k{k}", x)
        np.testing.assert_allclose(acts[k].max(axis=1), pooled, atol=1e-6)


def test_filter_windows_name_the_words_at_the_argmax() -> None:
    model = model_for(spec(ConvSpec((1, 3), 6, "max")))
    acts = conv_activations(model, ids()[:1])
    tokens = ["a", "b", "c", "d"]
    rows = filter_windows(acts, tokens, top=2)
    assert [r.kernel for r in rows] == [1, 1, 3, 3]
    pooled = {k: sub_model_output(model, f"max_k{k}", ids()[:1])[0] for k in (1, 3)}
    for r in rows:
        assert r.activation == pytest.approx(pooled[r.kernel][r.filter], abs=1e-6)
        assert r.activation == pytest.approx(acts[r.kernel][0, r.start, r.filter])
        assert r.past_end == (r.start + r.kernel > len(tokens))
        span = range(r.start, r.start + r.kernel)
        assert list(r.words) == [tokens[i] if i < 4 else "<pad>" for i in span]
    for k in (1, 3):  # the strongest filters of each width, strongest first
        strongest = sorted(pooled[k], reverse=True)[:2]
        assert [r.activation for r in rows if r.kernel == k] == pytest.approx(strongest, abs=1e-6)
    table = filter_table(rows)
    assert list(table["words"])[0] == " ".join(rows[0].words)
    figure = filter_windows_figure(rows, tokens)
    assert list(figure.data[0].y) == ["k=1", "k=3"] and len(figure.data[0].x) == 4


@pytest.mark.parametrize("changes", [{}, dict(cell="GRU", bidirectional=False)])
def test_context_gates_reproduce_the_keras_context_output(changes: dict) -> None:
    model = model_for(spec(**changes))
    x = ids()
    traces = trace(model, x)  # the shared probe stops at the join
    expected = ["forward", "backward"] if not changes else ["forward"]
    assert [t.direction for t in traces] == expected
    assert {t.layer for t in traces} == {"context"}
    context = sub_model_output(model, "context", x)  # (batch, time, units * directions)
    hidden = np.concatenate([t.gates["hidden"] for t in traces], axis=-1)
    real = x != 0
    np.testing.assert_allclose(hidden[real], context[real], atol=1e-5)
    gate = "input" if not changes else "update"
    assert np.isnan(traces[0].gates[gate][0, 4:]).all()  # padding: not read


def test_diagram_draws_one_branch_per_kernel_width() -> None:
    s = spec(ConvSpec((1, 2, 4), 6, "both"))
    figure = rcnn_diagram(s, (MAX_LEN,))
    texts = [a.text for a in figure.layout.annotations if a.text]
    for k in (1, 2, 4):
        assert f"<b>Conv1D k={k}</b>" in texts
    assert sum("Global pool" in t for t in texts) == 3
    assert any("36 features" in t for t in texts)  # 3 widths x 6 filters x (avg, max)
