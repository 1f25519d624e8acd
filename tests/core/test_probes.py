"""probes.trace recomputes Keras's recurrent layers exactly, from the weights alone."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from rnnviz.model.builder import _assemble, build_model, expected_params, twin
from rnnviz.model.gates import GATE_KEYS, GATE_LABELS, SIGMOID_GATES, Trace
from rnnviz.model.probes import gate_summary, outputs, stepper, trace
from rnnviz.model.spec import CELLS, MERGE_MODES, TOPOLOGIES, ModelSpec

ATOL = 1e-5
BATCH, TIME, FEATURES = 2, 6, 3
MERGE = {
    "concat": lambda a, b: np.concatenate([a, b], axis=-1),
    "sum": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "ave": lambda a, b: (a + b) / 2,
}


def _randomise(model: keras.Model, seed: int = 0) -> keras.Model:
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def _series(batch: int = BATCH, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(batch, TIME, FEATURES)).astype("float32")


def _tokens(padding: str, lengths=(7, 4, 2), time: int = 7) -> np.ndarray:
    rng = np.random.default_rng(2)
    x = np.zeros((len(lengths), time), dtype="int32")
    for row, n in enumerate(lengths):
        ids = rng.integers(1, 20, size=n)
        if padding == "pre":
            x[row, time - n :] = ids
        else:
            x[row, :n] = ids
    return x


def _recurrent_layers(model: keras.Model) -> list[layers.Layer]:
    return [ly for ly in model.layers if isinstance(ly, (layers.RNN, layers.Bidirectional))]


def _keras_direction(sub: layers.RNN, inputs: np.ndarray, mask: np.ndarray | None) -> list:
    """A stateless replica of one direction returning (sequence, h[, c]), outputs carried."""
    config = sub.get_config() | {
        "return_sequences": True,
        "return_state": True,
        "stateful": False,
        "zero_output_for_mask": False,
    }
    replica = type(sub).from_config(config)
    replica.build(inputs.shape)
    replica.set_weights(sub.get_weights())
    return [np.asarray(t) for t in replica(inputs, mask=mask)]


def _final(values: np.ndarray, backward: bool) -> np.ndarray:
    return values[:, 0] if backward else values[:, -1]


def _check_direction(tr: Trace, sub: layers.RNN, inputs: np.ndarray, mask) -> None:
    backward = sub.go_backwards
    sequence, h, *c = _keras_direction(sub, inputs, mask)
    if backward:
        sequence = sequence[:, ::-1]  # Keras emits the backward sequence in processing order
    np.testing.assert_allclose(tr.gates["hidden"], sequence, atol=ATOL)
    np.testing.assert_allclose(_final(tr.gates["hidden"], backward), h, atol=ATOL)
    if tr.cell == "LSTM":
        np.testing.assert_allclose(_final(tr.gates["cell"], backward), c[0], atol=ATOL)


def _check_layer_output(layer, traces: list[Trace], keras_out: np.ndarray, mask) -> None:
    """The layer's own (merged) Keras output, compared where Keras exposes the state."""
    outs = [
        tr.gates["hidden"] if layer.return_sequences else _final(tr.gates["hidden"], i == 1)
        for i, tr in enumerate(traces)
    ]
    ours = outs[0] if len(outs) == 1 else MERGE[layer.merge_mode](*outs)
    if layer.return_sequences and mask is not None:
        ours, keras_out = ours[mask], keras_out[mask]  # Bidirectional zeroes masked steps
    np.testing.assert_allclose(ours, keras_out, atol=ATOL)


def _check_gates(traces: list[Trace], batch: int) -> None:
    for tr in traces:
        assert tuple(tr.gates) == GATE_KEYS[tr.cell]
        for key, values in tr.gates.items():
            assert values.dtype == np.float32 and values.ndim == 3 and values.shape[0] == batch
            if key in SIGMOID_GATES:
                finite = values[~np.isnan(values)]
                assert finite.min() >= 0.0 and finite.max() <= 1.0


def assert_matches_keras(model: keras.Model, x: np.ndarray, mask: np.ndarray | None = None):
    """Every direction of every recurrent layer equals Keras at every step it exposes.

    ``mask`` is the padding mask of a text model; Keras reports which layers it reaches.
    """
    traces = trace(model, x)
    rec = _recurrent_layers(model)
    ports = [_inputs(ly) + [ly.output] for ly in rec]  # [sequence, (mask,) output] per layer
    probe = keras.Model(model.input, [t for port in ports for t in port])
    values = iter(np.asarray(v) for v in probe(x))
    for layer, port in zip(rec, ports, strict=True):
        inputs = next(values)
        layer_mask = next(values) if len(port) == 3 else None
        keras_out = next(values)
        if layer_mask is not None:
            np.testing.assert_array_equal(layer_mask, mask)
        mine = [tr for tr in traces if tr.layer == layer.name]
        if isinstance(layer, layers.Bidirectional):
            subs = [layer.forward_layer, layer.backward_layer]
            assert [tr.direction for tr in mine] == ["forward", "backward"]
        else:
            subs = [layer]
            assert [tr.direction for tr in mine] == ["forward"]
        for tr, sub in zip(mine, subs, strict=True):
            _check_direction(tr, sub, inputs, layer_mask)
        _check_layer_output(layer, mine, keras_out, layer_mask)
    _check_gates(traces, len(x))
    return traces


def _inputs(layer: layers.Layer) -> list:
    """A layer's input tensor, followed by its mask tensor when one reaches it."""
    return list(layer.input) if isinstance(layer.input, (list, tuple)) else [layer.input]


def _grid():
    cases = []
    for ci, cell in enumerate(CELLS):
        for ti, topology in enumerate(TOPOLOGIES):
            for depth in (1, 2, 3):
                merge = MERGE_MODES[(ci + ti + depth) % len(MERGE_MODES)]
                for bi in (False, True):
                    direction = f"bi-{merge}" if bi else "uni"
                    case_id = f"{cell}-{direction}-depth{depth}-{topology}"
                    cases.append(pytest.param(cell, bi, merge, depth, topology, id=case_id))
    return cases


@pytest.mark.parametrize("cell, bidirectional, merge, depth, topology", _grid())
def test_trace_matches_keras(cell, bidirectional, merge, depth, topology):
    spec = ModelSpec(
        cell=cell,
        units=(3, 4, 5)[:depth],
        bidirectional=bidirectional,
        merge_mode=merge,
        topology=topology,
        horizon=3,
    )
    # _assemble: the probes must stay exact for every layout Keras can load, including the
    # bidirectional many-to-many forecaster that build_model refuses (an uploaded model may be one).
    model = _randomise(_assemble(spec, (TIME, FEATURES)))
    traces = assert_matches_keras(model, _series())
    stacks = 2 if topology == "encoder_decoder" else 1
    assert len(traces) == depth * stacks * (2 if bidirectional else 1)


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell", CELLS)
def test_trace_masked_text(cell, bidirectional, padding):
    spec = ModelSpec(
        cell=cell,
        units=(3, 4),
        bidirectional=bidirectional,
        topology="many_to_many",
        vocab_size=20,
        embedding_dim=4,
    )
    x = _tokens(padding)
    mask = x != 0
    model = _randomise(build_model(spec, (x.shape[1],)))
    traces = assert_matches_keras(model, x, mask)
    for tr in traces:
        for key, values in tr.gates.items():
            assert np.isnan(values[~mask]).all() != (key in ("hidden", "cell"))
            assert not np.isnan(values[mask]).any()


@pytest.mark.parametrize("cell", CELLS)
def test_trace_masked_text_encoder_decoder(cell):
    spec = ModelSpec(
        cell=cell,
        units=(3, 4),
        bidirectional=True,
        merge_mode="ave",
        topology="encoder_decoder",
        horizon=3,
        vocab_size=20,
        embedding_dim=4,
    )
    x = _tokens("pre")
    model = _randomise(build_model(spec, (x.shape[1],)))
    assert_matches_keras(model, x, x != 0)


OPTIONS = [pytest.param(cell, {"activation": "relu"}, id=f"{cell}-relu") for cell in CELLS] + [
    pytest.param("LSTM", {"recurrent_activation": "hard_sigmoid"}, id="LSTM-hard_sigmoid"),
    pytest.param("GRU", {"recurrent_activation": "hard_sigmoid"}, id="GRU-hard_sigmoid"),
    pytest.param("SimpleRNN", {"activation": "linear"}, id="SimpleRNN-linear"),
    pytest.param("SimpleRNN", {"use_bias": False}, id="SimpleRNN-no_bias"),
    pytest.param("LSTM", {"use_bias": False}, id="LSTM-no_bias"),
    pytest.param("GRU", {"use_bias": False}, id="GRU-no_bias"),
    pytest.param("GRU", {"reset_after": False}, id="GRU-reset_before"),
    pytest.param("GRU", {"reset_after": False, "use_bias": False}, id="GRU-reset_before-no_bias"),
]


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell, options", OPTIONS)
def test_trace_non_default_options(cell, options, bidirectional):
    spec = ModelSpec(
        cell=cell, units=(3, 4), bidirectional=bidirectional, topology="many_to_many", **options
    )
    # The gate numerics only: _assemble skips the builder's refusal of bidirectional many-to-many.
    model = _randomise(_assemble(spec, (TIME, FEATURES)))
    assert_matches_keras(model, _series())


@pytest.mark.parametrize("cell", CELLS)
def test_trace_stateful_starts_from_zero_state(cell):
    spec = ModelSpec(cell=cell, units=(4, 3), stateful=True, stateful_batch_size=BATCH)
    model = _randomise(build_model(spec, (TIME, FEATURES)))
    assert_matches_keras(model, _series(BATCH))  # a fresh stateful model holds a zero state
    x = _series(BATCH, seed=5)
    first = trace(model, x)
    again = trace(model, x)  # nothing carried between traces
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a.gates["hidden"], b.gates["hidden"])


def test_trace_uses_weight_snapshot_not_live_model():
    spec = ModelSpec(cell="LSTM", units=(3, 4), bidirectional=True, topology="encoder_decoder")
    model = build_model(spec, (TIME, FEATURES))
    x = _series()
    rng = np.random.default_rng(3)
    snapshot = [rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]
    from_snapshot = trace(model, x, weights=snapshot)
    model.set_weights(snapshot)
    live = trace(model, x)
    for a, b in zip(from_snapshot, live, strict=True):
        assert (a.layer, a.direction) == (b.layer, b.direction)
        for key in a.gates:
            np.testing.assert_allclose(a.gates[key], b.gates[key], atol=1e-6)
    _randomise(model, seed=9)  # training moves the live weights on
    changed = trace(model, x)
    again = trace(model, x, weights=snapshot)
    assert not np.allclose(changed[0].gates["hidden"], again[0].gates["hidden"])
    np.testing.assert_array_equal(again[0].gates["hidden"], from_snapshot[0].gates["hidden"])


def test_trace_rejects_snapshot_of_another_model():
    model = build_model(ModelSpec(cell="GRU", units=(3,)), (TIME, FEATURES))
    with pytest.raises(ValueError, match="snapshot"):
        trace(model, _series(), weights=model.get_weights()[:-1])


def test_gate_labels_cover_every_key():
    for cell, keys in GATE_KEYS.items():
        assert set(GATE_LABELS[cell]) == set(keys)


def test_gate_summary_means_and_saturation_ignore_nan():
    forget = np.array([[[0.05], [0.5], [0.95], [np.nan]]], dtype="float32")  # (1, 4, 1)
    candidate = np.array([[[-0.95], [0.0], [0.5], [np.nan]]], dtype="float32")
    cell_state = np.full((1, 4, 1), 3.0, dtype="float32")
    tr = Trace(
        "rnn_1", "forward", "LSTM", {"forget": forget, "candidate": candidate, "cell": cell_state}
    )
    summary = gate_summary([tr])
    assert set(summary) == {("rnn_1", "forward", "forget"), ("rnn_1", "forward", "candidate")}
    mean, saturated = summary[("rnn_1", "forward", "forget")]
    assert mean == pytest.approx(0.5) and saturated == pytest.approx(2 / 3)
    mean, saturated = summary[("rnn_1", "forward", "candidate")]
    assert mean == pytest.approx(-0.15) and saturated == pytest.approx(1 / 3)


def test_gate_summary_on_a_real_trace():
    spec = ModelSpec(cell="GRU", units=(3,), bidirectional=True)
    model = _randomise(build_model(spec, (TIME, FEATURES)))
    summary = gate_summary(trace(model, _series()))
    assert {gate for _, _, gate in summary} == {"update", "reset", "candidate"}
    assert {direction for _, direction, _ in summary} == {"forward", "backward"}
    for mean, saturated in summary.values():
        assert -1.0 <= mean <= 1.0 and 0.0 <= saturated <= 1.0


@pytest.mark.parametrize(
    "cell, head, topology, bidirectional",
    [
        ("LSTM", "binary", "many_to_one", True),
        ("GRU", "multiclass", "many_to_one", False),
        ("SimpleRNN", "regression", "many_to_many", False),
        ("LSTM", "multiclass", "many_to_many", False),
        ("GRU", "regression", "encoder_decoder", True),
    ],
)
@pytest.mark.parametrize("text", [False, True], ids=["series", "text"])
def test_outputs_replayed_in_numpy_match_keras(cell, head, topology, bidirectional, text):
    """The whole model replayed from its weights gives what ``model.predict`` gives (masked
    text included: post-padded ids, the state carried past the padding)."""
    spec = ModelSpec(
        cell=cell,
        units=(3, 4),
        bidirectional=bidirectional,
        topology=topology,
        horizon=3,
        head=head,
        n_outputs=1 if head == "binary" else 3,
        vocab_size=20 if text else None,
        embedding_dim=4,
    )
    x = _tokens("post") if text else _series()
    model = _randomise(_assemble(spec, x.shape[1:]))
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_outputs_at_every_step_match_the_many_to_many_twin(cell):
    spec = ModelSpec(
        cell=cell, units=(3, 4), head="multiclass", n_outputs=5, vocab_size=20, embedding_dim=4
    )
    x = _tokens("post")
    model = _randomise(build_model(spec, x.shape[1:]))
    stepwise = twin(model, spec, x.shape[1:], topology="many_to_many")
    expected = stepwise.predict(x, verbose=0)  # (batch, time, 5)
    np.testing.assert_allclose(outputs(model, x, every_step=True), expected, rtol=1e-4, atol=1e-5)
    bidirectional = _randomise(build_model(spec.with_(bidirectional=True), x.shape[1:]))
    assert outputs(bidirectional, x, every_step=True) is None  # no per-step reading: Keras decides


def test_outputs_of_a_model_it_cannot_replay_is_none():
    inputs = keras.Input((TIME, FEATURES))
    hidden = layers.LSTM(3, return_sequences=True)(inputs)
    pooled = layers.GlobalMaxPooling1D()(hidden)
    model = keras.Model(inputs, layers.Dense(2)(pooled))
    assert outputs(model, _series()) is None


def test_a_mean_read_out_over_masked_words_replays_as_keras():
    """``read_out="mean"``: the head reads the LSTM's outputs averaged over the real words
    (Keras's masked GlobalAveragePooling1D); no per-step reading feeds such a head."""
    spec = ModelSpec(
        cell="LSTM",
        units=(4, 3),
        head="multiclass",
        n_outputs=3,
        vocab_size=20,
        embedding_dim=5,
        read_out="mean",
    )
    model = _randomise(build_model(spec, (6,)))
    assert model.get_layer("mean_over_steps") is not None
    x = np.array([[4, 5, 6, 0, 0, 0], [7, 3, 9, 12, 2, 19], [1, 0, 0, 0, 0, 0]])
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(outputs(model, x), expected, rtol=1e-4, atol=1e-5)
    assert outputs(model, x, every_step=True) is None
    assert model.count_params() == expected_params(spec, 0)


def test_trace_and_outputs_pass_through_output_dropout():
    """A Dropout before the head is inactive at inference: the replay skips it."""
    spec = ModelSpec(
        units=(3,), topology="many_to_many", head="multiclass", n_outputs=5, vocab_size=20,
        embedding_dim=4, output_dropout=0.4,
    )  # fmt: skip
    x = _tokens("post")
    model = _randomise(build_model(spec, x.shape[1:]))
    assert "output_dropout" in [layer.name for layer in model.layers]
    np.testing.assert_allclose(outputs(model, x), model.predict(x, verbose=0), rtol=1e-4, atol=1e-5)
    assert [t.layer for t in trace(model, x)] == ["rnn_1"]


@pytest.mark.parametrize("cell", CELLS)
def test_stepper_matches_a_stateful_keras_copy_step_by_step(cell):
    spec = ModelSpec(
        cell=cell, units=(5, 3), topology="many_to_many", head="multiclass", n_outputs=20,
        vocab_size=20, embedding_dim=4, mask_zero=False, output_dropout=0.2,
    )  # fmt: skip
    model = _randomise(build_model(spec, (7,)))
    keras_copy = twin(model, spec, (1,), stateful=True, stateful_batch_size=2)
    replay = stepper(model, 2)
    ids = np.array([[3, 0], [7, 19], [1, 1], [12, 4]])  # (steps, streams)
    for row in ids:
        expected = keras_copy.predict_on_batch(row[:, None].astype(np.int32))[:, -1]
        np.testing.assert_allclose(replay.step(row), expected, rtol=1e-4, atol=1e-6)
    replay.reset(2)  # a zero state again: what a fresh stateful copy gives
    fresh = twin(model, spec, (1,), stateful=True, stateful_batch_size=2)
    expected = fresh.predict_on_batch(ids[0][:, None].astype(np.int32))[:, -1]
    np.testing.assert_allclose(replay.step(ids[0]), expected, rtol=1e-4, atol=1e-6)
    bidirectional = build_model(spec.with_(bidirectional=True, mask_zero=True), (7,))
    assert stepper(bidirectional, 2) is None  # Keras samples then
