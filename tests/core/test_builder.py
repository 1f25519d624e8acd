"""The builder makes the topology asked for, with stable names and Keras's own parameter counts."""

import itertools

import numpy as np
import pytest

from rnnviz.model.builder import (
    LookAheadError,
    _assemble,
    build_model,
    expected_params,
    layer_table,
    stateless_twin,
)
from rnnviz.model.cells import cudnn_blockers
from rnnviz.model.spec import CELLS, TOPOLOGIES, ModelSpec, lookahead_reason


def leaks(bidirectional: bool, topology: str) -> bool:
    return bidirectional and topology == "many_to_many"


COMBOS = [
    combo
    for combo in itertools.product(CELLS, (False, True), TOPOLOGIES, (1, 2))
    if not leaks(combo[1], combo[2])
]


@pytest.mark.parametrize("cell,bidirectional,topology,depth", COMBOS, ids=lambda v: str(v))
def test_shapes_names_and_parameter_counts(cell, bidirectional, topology, depth):
    spec = ModelSpec(
        cell=cell, units=(4, 5)[:depth], bidirectional=bidirectional, topology=topology, horizon=3
    )
    model = build_model(spec, (6, 2))
    out = model(np.zeros((2, 6, 2), np.float32))
    expected_shape = {
        "many_to_one": (2, 1),
        "many_to_many": (2, 6, 1),
        "encoder_decoder": (2, 3, 1),
    }
    assert tuple(out.shape) == expected_shape[topology]
    # Parameters: Keras's count equals the textbook formula, and the table sums to it.
    assert model.count_params() == expected_params(spec, input_features=2)
    assert sum(row.params for row in layer_table(model)) == model.count_params()
    names = [layer.name for layer in model.layers]
    prefixes = ("encoder", "decoder") if topology == "encoder_decoder" else ("rnn",)
    for prefix in prefixes:
        assert [n for n in names if n.startswith(prefix + "_")] == [
            f"{prefix}_{i}" for i in range(1, depth + 1)
        ]
    assert names[-1] == "head"


def test_lstm_parameter_count_by_hand():
    # LSTM(8) on 3 features: 4 * 8 * (3 + 8 + 1) = 384; Dense(1): 9.
    assert build_model(ModelSpec(cell="LSTM", units=(8,)), (5, 3)).count_params() == 384 + 9


def test_text_model_masks_padding_and_uses_the_right_head():
    spec = ModelSpec(
        cell="GRU", units=(4,), vocab_size=30, embedding_dim=5, head="multiclass", n_outputs=3
    )
    model = build_model(spec, (7,))
    probs = np.asarray(model(np.array([[3, 4, 5, 0, 0, 0, 0]])))
    assert probs.shape == (1, 3) and np.isclose(probs.sum(), 1.0, atol=1e-5)
    assert model.get_layer("embedding").mask_zero
    # Padding must not change the prediction: the same tokens with more zeros give the same output.
    longer = build_model(spec, (9,))
    longer.set_weights(model.get_weights())
    np.testing.assert_allclose(longer(np.array([[3, 4, 5, 0, 0, 0, 0, 0, 0]])), probs, atol=1e-6)


def test_stateful_model_fixes_batch_and_twin_matches_from_zero_state():
    spec = ModelSpec(cell="LSTM", units=(4,), stateful=True, stateful_batch_size=2)
    model = build_model(spec, (5, 1))
    assert model.input_shape[0] == 2
    x = np.random.default_rng(0).normal(size=(2, 5, 1)).astype("float32")
    twin = stateless_twin(model, spec)
    assert twin.input_shape[0] is None
    np.testing.assert_allclose(
        twin.predict(x, verbose=0), model.predict(x, batch_size=2, verbose=0), atol=1e-6
    )


def test_cudnn_blockers_name_each_choice():
    assert cudnn_blockers(ModelSpec(cell="LSTM")) == []
    assert any(
        "recurrent dropout" in b
        for b in cudnn_blockers(ModelSpec(cell="GRU", recurrent_dropout=0.2))
    )
    assert any("reset_after" in b for b in cudnn_blockers(ModelSpec(cell="GRU", reset_after=False)))
    assert "no cuDNN" in cudnn_blockers(ModelSpec(cell="SimpleRNN"))[0]


@pytest.mark.parametrize(
    "bad", [dict(units=()), dict(units=(4,) * 5), dict(dropout=1.0), dict(cell="Transformer")]
)
def test_spec_rejects_impossible_choices(bad):
    with pytest.raises(ValueError):
        ModelSpec(**bad)


# -- no look-ahead --------------------------------------------------------------------------------
STEPS = 6


def output_steps(topology: str, n_outputs: int) -> np.ndarray:
    """The input step each output stands at: many-to-many output j after step j; many-to-one after
    the last step; encoder-decoder output k at step STEPS + k (past the window)."""
    if topology == "many_to_many":
        return np.arange(STEPS)
    if topology == "many_to_one":
        return np.array([STEPS - 1])
    return STEPS + np.arange(n_outputs)


def future_changes(model, topology: str) -> list[int]:
    """Steps t at which perturbing the inputs after t changed an output at or before t."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, STEPS, 2)).astype("float32")  # (batch, time, features)
    base = np.asarray(model(x)).reshape(3, -1)  # (batch, outputs)
    steps = output_steps(topology, base.shape[1])
    leaked = []
    for t in range(STEPS - 1):
        perturbed = x.copy()
        perturbed[:, t + 1 :, :] += rng.normal(scale=3.0, size=(3, STEPS - t - 1, 2))
        out = np.asarray(model(perturbed)).reshape(3, -1)
        past = steps <= t
        if not np.allclose(out[:, past], base[:, past], atol=1e-6):
            leaked.append(t)
        # The perturbation is felt by the outputs after t (the check is not vacuous).
        if topology == "many_to_many":
            assert not np.allclose(out[:, ~past], base[:, ~past], atol=1e-6)
    return leaked


@pytest.mark.parametrize(
    "cell,bidirectional,topology",
    list(itertools.product(CELLS, (False, True), TOPOLOGIES)),
    ids=lambda v: str(v),
)
def test_no_output_reads_inputs_after_its_step(cell, bidirectional, topology):
    spec = ModelSpec(
        cell=cell, units=(4, 4), bidirectional=bidirectional, topology=topology, horizon=3
    )
    if leaks(bidirectional, topology):
        with pytest.raises(LookAheadError, match="backward direction"):
            build_model(spec, (STEPS, 2))
        # Built anyway, the check below catches the leak at every step: the refusal is needed.
        assert future_changes(_assemble(spec, (STEPS, 2)), topology) == list(range(STEPS - 1))
        return
    assert lookahead_reason(spec) is None
    assert future_changes(build_model(spec, (STEPS, 2)), topology) == []


def test_text_models_may_read_both_ways():
    spec = ModelSpec(cell="GRU", units=(4,), bidirectional=True, vocab_size=20, head="binary")
    assert lookahead_reason(spec) is None
    assert build_model(spec, (5,)).count_params() > 0


def test_output_dropout_drops_what_the_head_reads_only_while_training():
    spec = ModelSpec(
        units=(6,), vocab_size=12, embedding_dim=4, head="multiclass", n_outputs=12,
        topology="many_to_many", mask_zero=False,
    )  # fmt: skip
    plain = build_model(spec, (5,))
    dropped = build_model(spec.with_(output_dropout=0.5), (5,))
    names = [layer.name for layer in dropped.layers]
    assert names[-2:] == ["output_dropout", "head"]
    assert "output_dropout" not in [layer.name for layer in plain.layers]
    assert dropped.get_layer("output_dropout").rate == 0.5
    assert dropped.count_params() == plain.count_params() == expected_params(spec, 4)
    dropped.set_weights(plain.get_weights())  # no weights of its own: the same arrays
    x = np.arange(10).reshape(2, 5) % 12
    np.testing.assert_allclose(dropped(x, training=False), plain(x), atol=1e-6)
    assert not np.allclose(dropped(x, training=True), plain(x), atol=1e-4)
