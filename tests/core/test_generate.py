"""Next-character models: spec rules, stateful training, bits per character, sampling, top-k."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnviz.common.csvread import DataError
from rnnviz.model.builder import build_model, expected_params
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.generation.chars import (
    BIDIRECTIONAL_REASON,
    CharCorpus,
    prepare_char_data,
    printable,
)
from rnnviz.tasks.generation.model import (
    ResetStatesEachEpoch,
    SampleEachEpoch,
    bpc_history,
    build_char_model,
    char_model_spec,
    char_recipe_specs,
    check_generation_spec,
    context_windows,
    evaluate_bpc,
    fit_char_model,
    in_context_bpc,
    inference_twin,
    next_char_probs,
    next_chars_table,
    sample_text,
    top_k_next,
)
from rnnviz.tasks.generation.recipes import DEFAULT_CHAR_RECIPE
from rnnviz.tasks.generation.sampling import apply_temperature, draw

TEXT = "MACBETH:\nSo foul and fair a day I have not seen.\n[Enter ROSS]\n\n" * 40
SEQ = 12


@pytest.fixture(scope="module")
def trained():
    """A tiny LSTM trained one epoch on a repeated passage."""
    data = prepare_char_data(CharCorpus("macbeth", TEXT), seq_len=SEQ, val_fraction=0.2)
    recipe = DEFAULT_CHAR_RECIPE | {"units": 8, "embedding_dim": 4, "epochs": 1, "batch_size": 16}
    recipe["stateful"] = False  # the windows, not the default's streams
    spec, train = char_recipe_specs(recipe, len(data.vocab), seed=3)
    keras.utils.set_random_seed(3)
    model = build_char_model(spec, train, SEQ)
    history = fit_char_model(model, spec, train, data)
    return data, spec, model, history


def test_char_spec_is_many_to_many_softmax_without_masking():
    spec = char_model_spec(30, ModelSpec(cell="GRU", units=(6, 5)), embedding_dim=4)
    model = build_model(spec, (SEQ,))
    assert model.output_shape == (None, SEQ, 30)
    assert not model.get_layer("embedding").mask_zero
    assert model.count_params() == expected_params(spec, input_features=0)
    x = np.zeros((2, SEQ), dtype="int32")  # id 0 is a real character: no step is skipped
    probs = np.asarray(model(x))
    assert probs.sum(axis=-1) == pytest.approx(np.ones((2, SEQ)), abs=1e-5)


def test_bidirectional_and_other_misfits_are_refused_with_reasons():
    with pytest.raises(ValueError) as err:
        char_model_spec(30, ModelSpec(bidirectional=True))
    assert BIDIRECTIONAL_REASON in str(err.value) and "next character" in str(err.value)
    wrong = char_model_spec(30).with_(topology="many_to_one", mask_zero=True, n_outputs=3)
    with pytest.raises(ValueError, match="many-to-many.*softmax.*must not mask"):
        check_generation_spec(wrong)


def test_training_reports_bits_per_character(trained):
    data, spec, model, history = trained
    bpc = bpc_history(history.history)
    assert bpc["bpc"][0] == pytest.approx(history.history["loss"][0] / np.log(2))
    assert set(bpc) == {"bpc", "val_bpc"}
    # Keras's cross-entropy in bits equals -mean log2 p(next char) computed here from predictions
    probs = model.predict(data.x_val, verbose=0)  # (n, seq, vocab)
    picked = np.take_along_axis(probs, data.y_val[..., None], axis=-1)[..., 0]
    assert evaluate_bpc(model, spec, data.x_val, data.y_val) == pytest.approx(
        -np.mean(np.log2(picked)), rel=1e-4
    )
    assert bpc["val_bpc"][0] == pytest.approx(-np.mean(np.log2(picked)), rel=1e-4)


@pytest.mark.parametrize(("n_ids", "length"), [(101, 20), (100, 20), (57, 10), (30, 200)])
def test_context_windows_score_every_character_once_after_half_a_window(n_ids, length):
    ids = np.arange(n_ids)  # each id is its own position
    x, y, weights = context_windows(ids, length)
    length = min(length, n_ids - 1)
    assert x.shape == y.shape == weights.shape and x.shape[1] == length
    assert np.array_equal(x + 1, y)  # targets: the inputs one character on
    scored = np.sort(y[weights > 0])
    assert np.array_equal(scored, np.arange(1, n_ids))  # each of ids[1:] scored exactly once
    step = max(1, length // 2)
    assert np.all(weights[1:, :step] == 0) or len(x) == 1  # later windows: context first


def test_in_context_bits_per_character_match_keras_on_one_window(trained):
    data, spec, model, _ = trained
    ids = data.val_ids[: SEQ + 1]  # one window: Keras's own cross-entropy over it
    expected = evaluate_bpc(model, spec, ids[None, :-1], ids[None, 1:])
    assert in_context_bpc(model, spec, ids, length=SEQ) == pytest.approx(expected, rel=1e-4)


def test_in_context_bits_per_character_average_the_scored_targets(trained):
    data, spec, model, _ = trained
    x, y, weights = context_windows(data.val_ids, 16)
    probs = next_char_probs(model, spec, x[0])  # (16, vocab) the first window, from Keras
    first = -np.log2(probs[np.arange(16), y[0]])
    later = [
        -np.log2(next_char_probs(model, spec, row)[np.arange(16), target])[w > 0]
        for row, target, w in zip(x[1:], y[1:], weights[1:], strict=True)
    ]
    expected = np.concatenate([first, *later]).mean()
    assert in_context_bpc(model, spec, data.val_ids, 16) == pytest.approx(expected, rel=1e-4)


def test_temperature_zero_is_greedy_decoding(trained):
    data, spec, model, _ = trained
    prompt, length = "fair a", 20  # longer than the training windows: state carried throughout
    text = sample_text(model, spec, data.vocab, prompt, length, temperatures=(0.0,), seed=1)[0]
    # independent decoding: a stateless copy re-reads the whole text each step, arg-max appended
    ids = list(data.vocab.encode(prompt))
    for _ in range(length):
        reader = build_model(spec, (len(ids),))
        reader.set_weights(model.get_weights())
        probs = np.asarray(reader(np.array([ids], dtype="int32")))  # (1, len, vocab)
        ids.append(int(np.argmax(probs[0, -1])))
    assert data.vocab.decode(ids[len(prompt) :]) == text


def test_sampling_is_seeded_and_side_by_side(trained):
    data, spec, model, _ = trained
    args = (model, spec, data.vocab, "MACBETH:\n", 40)
    a = sample_text(*args, temperatures=(0.5, 1.0, 2.0), seed=7)
    assert a == sample_text(*args, temperatures=(0.5, 1.0, 2.0), seed=7)
    assert a[1] == sample_text(*args, temperatures=(1.0,), seed=7)[0]  # rows do not interact
    assert a != sample_text(*args, temperatures=(0.5, 1.0, 2.0), seed=8)
    assert all(len(t) == 40 and set(t) <= set(data.vocab.chars) for t in a)
    with pytest.raises(DataError, match="prompt"):
        sample_text(model, spec, data.vocab, "", 5)
    with pytest.raises(DataError, match="'Z'"):
        sample_text(model, spec, data.vocab, "Zounds", 5)


def test_temperature_reshapes_the_distribution():
    p = np.array([0.5, 0.3, 0.2])
    assert apply_temperature(p, 1.0) == pytest.approx(p)
    sharp = apply_temperature(p, 0.5)
    assert sharp == pytest.approx(p**2 / np.sum(p**2))
    assert apply_temperature(p, 0.0) == pytest.approx([1, 0, 0])
    rng = np.random.default_rng(0)
    counts = np.bincount([draw(p, rng) for _ in range(4000)], minlength=3) / 4000
    assert counts == pytest.approx(p, abs=0.03)


def test_top_k_next_lists_the_likeliest_characters(trained):
    data, spec, model, _ = trained
    passage = "So foul and"
    rows = top_k_next(model, spec, data.vocab, passage, k=5)
    ids = data.vocab.encode(passage)
    probs = next_char_probs(model, spec, ids)  # (len, vocab), replayed in NumPy
    twin = inference_twin(model, spec, len(ids))  # Keras's own reading from a zero state
    np.testing.assert_allclose(probs, twin.predict(ids[None], verbose=0)[0], rtol=1e-4, atol=1e-6)
    assert len(rows) == len(passage) and rows[-1].actual is None
    for row in rows:
        got = [p for _, p in row.top]
        assert got == sorted(got, reverse=True) and len(got) == 5
        assert got[0] == pytest.approx(probs[row.position].max())
    assert rows[0].char == "S" and rows[0].actual == "o"
    assert rows[0].actual_prob == pytest.approx(probs[0, data.vocab.index["o"]])
    table = next_chars_table(rows)
    assert list(table.columns) == [
        "position",
        "character",
        "actual next",
        "P(actual)",
        *(f"top {i}" for i in range(1, 6)),
    ]
    assert table["character"].iloc[2] == "␣ (space)" and table["actual next"].iloc[1] == "␣ (space)"
    assert table["actual next"].iloc[-1] == "" and table["P(actual)"].iloc[0] == rows[0].actual_prob
    first, p = rows[0].top[0]
    assert table["top 1"].iloc[0] == f"{printable(first)}  {p:.2f}"


def test_stateful_training_resets_states_and_samples_each_epoch():
    data = prepare_char_data(
        CharCorpus("macbeth", TEXT), seq_len=SEQ, val_fraction=0.2, stateful_batch_size=4
    )
    spec = char_model_spec(len(data.vocab), ModelSpec(units=(4,)), embedding_dim=4)
    spec = spec.with_(stateful=True, stateful_batch_size=4)
    train = TrainSpec(batch_size=4, epochs=2, learning_rate=0.01)
    keras.utils.set_random_seed(0)
    model = build_char_model(spec, train, SEQ)
    sampler = SampleEachEpoch(spec, data.vocab, "So", length=10, seed=2)
    history = fit_char_model(model, spec, train, data, callbacks=[sampler])
    assert len(history.history["val_loss"]) == 2 and len(sampler.samples) == 2
    assert all(len(s) == 10 for s in sampler.samples)
    assert bpc_history(history.history)["val_bpc"][-1] == pytest.approx(
        evaluate_bpc(model, spec, data.x_val, data.y_val), rel=1e-4
    )


def test_states_reset_at_each_epoch_start():
    spec = char_model_spec(10, ModelSpec(units=(4,)), embedding_dim=3)
    spec = spec.with_(stateful=True, stateful_batch_size=2)
    keras.utils.set_random_seed(0)
    model = build_model(spec, (5,))
    layer = model.get_layer("rnn_1")
    model.predict_on_batch(np.arange(10, dtype="int32").reshape(2, 5))
    assert all(np.abs(np.asarray(s)).max() > 0 for s in layer.states)  # state carried
    callback = ResetStatesEachEpoch()
    callback.set_model(model)
    callback.on_epoch_begin(1)
    assert all(np.abs(np.asarray(s)).max() == 0 for s in layer.states)
