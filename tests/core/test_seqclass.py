"""Sequence classifiers: masking, gate probes, per-step probabilities, evaluation, baselines."""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import pytest
from keras import layers
from threadpoolctl import threadpool_limits

from rnnviz.common.metrics import evaluate_classifier
from rnnviz.common.metrics import evaluate_classifier as old_name
from rnnviz.model.builder import build_model, expected_params
from rnnviz.model.probes import trace
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.sequences.classify import (
    baselines,
    confused_pairs,
    evaluate_sequences,
    logistic_baseline,
    most_confused,
    nearest_neighbour_baseline,
    predict_proba,
    probabilities_by_step,
    sequence_specs,
    step_probability_frame,
    stepwise_twin,
)
from rnnviz.tasks.sequences.data import load_builtin_sequences, prepare_sequences
from rnnviz.tasks.sequences.recipes import DEFAULT_SEQUENCE_RECIPE, LSTM30_RECIPE, recipe_epochs
from rnnviz.train.training import new_model

ATOL = 1e-5
FEATURES, CLASSES, MASK = 3, 4, -1000.0


def _randomise(model: keras.Model, seed: int = 0) -> keras.Model:
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return model


def _spec(cell: str = "LSTM", bidirectional: bool = False, mask: float | None = MASK) -> ModelSpec:
    return ModelSpec(
        cell=cell,
        units=(5,),
        bidirectional=bidirectional,
        head="multiclass",
        n_outputs=CLASSES,
        mask_value=mask,
    )


def _padded(lengths=(6, 3, 1), time: int = 6, seed: int = 1) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(len(lengths), time, FEATURES)).astype("float32")
    for row, n in enumerate(lengths):
        x[row, n:] = MASK
    return x


def test_masking_layer_only_when_the_spec_asks():
    masked = build_model(_spec(), (6, FEATURES))
    assert isinstance(masked.get_layer("masking"), layers.Masking)
    assert masked.get_layer("masking").mask_value == MASK
    assert masked.count_params() == expected_params(_spec(), FEATURES)
    plain = build_model(_spec(mask=None), (6, FEATURES))
    assert not any(isinstance(ly, layers.Masking) for ly in plain.layers)
    assert plain.output_shape == (None, CLASSES)


@pytest.mark.parametrize(
    "cell, bidirectional", [("LSTM", False), ("GRU", True), ("SimpleRNN", False)]
)
def test_padded_sequence_predicts_as_the_unpadded_one(cell, bidirectional):
    spec = _spec(cell, bidirectional)
    model = _randomise(build_model(spec, (None, FEATURES)))
    lengths = (6, 3, 1)
    x = _padded(lengths)
    padded = model.predict(x, verbose=0)  # (3, classes)
    for row, n in enumerate(lengths):
        alone = model.predict(x[row : row + 1, :n], verbose=0)[0]
        np.testing.assert_allclose(padded[row], alone, atol=ATOL)
    np.testing.assert_allclose(padded.sum(axis=1), 1.0, atol=1e-6)  # softmax head


def test_probes_replay_a_masked_model_exactly():
    spec = _spec("LSTM").with_(units=(5, 4))
    model = _randomise(build_model(spec, (6, FEATURES)))
    lengths = np.array([6, 3, 1])
    x = _padded(tuple(lengths))
    traces = trace(model, x)
    assert [t.layer for t in traces] == ["rnn_1", "rnn_2"]
    first = keras.Model(model.input, model.get_layer("rnn_1").output)
    np.testing.assert_allclose(traces[0].gates["hidden"], first.predict(x, verbose=0), atol=ATOL)
    last = keras.Model(model.input, model.get_layer("rnn_2").output)
    np.testing.assert_allclose(
        traces[1].gates["hidden"][:, -1], last.predict(x, verbose=0), atol=ATOL
    )
    real = np.arange(6)[None, :] < lengths[:, None]
    assert np.isnan(traces[0].gates["input"][~real]).all()  # padding is not read
    assert not np.isnan(traces[0].gates["input"][real]).any()


def test_probes_replay_a_row_by_row_image_model():
    data = prepare_sequences(load_builtin_sequences("digits_rows"), seed=1)
    spec = ModelSpec(cell="GRU", units=(4,), head="multiclass", n_outputs=10)
    model = _randomise(build_model(spec, data.input_shape), seed=3)
    x = data.x_test[:3]
    hidden = trace(model, x)[0].gates["hidden"]  # (3, 8 rows, 4 units)
    twin = build_model(spec.with_(topology="many_to_many"), data.input_shape)
    twin.set_weights(model.get_weights())
    sequence = keras.Model(twin.input, twin.get_layer("rnn_1").output)
    np.testing.assert_allclose(hidden, sequence.predict(x, verbose=0), atol=ATOL)


@pytest.mark.parametrize("mask", [None, MASK])
def test_probabilities_by_step_match_predictions_on_truncated_inputs(mask):
    spec = _spec("LSTM", mask=mask)
    model = _randomise(build_model(spec, (None, FEATURES)), seed=4)
    x = _padded((6, 6)) if mask is None else _padded((6, 4))
    steps = probabilities_by_step(model, spec, x)  # (2, 6, classes)
    assert steps.shape == (2, 6, CLASSES)
    for t in range(1, 7):
        truncated = model.predict(x[:, :t], verbose=0)  # a separate Keras prediction
        real = [row for row in range(2) if mask is None or t <= (6, 4)[row]]
        np.testing.assert_allclose(steps[real, t - 1], truncated[real], atol=ATOL)
    if mask is not None:  # after the end the last real step's probabilities are carried
        np.testing.assert_allclose(steps[1, 4:], np.repeat(steps[1, 3:4], 2, axis=0), atol=ATOL)
    frame = step_probability_frame(steps[1], 4, ["a", "b", "c", "d"])
    assert list(frame.columns) == ["step", "p_a", "p_b", "p_c", "p_d"] and len(frame) == 4
    stepwise = stepwise_twin(model, spec)  # built once (Inspect keeps it per run), reused
    for row in range(2):
        one = probabilities_by_step(model, spec, x[row : row + 1], stepwise)
        np.testing.assert_allclose(one[0], steps[row], atol=ATOL)
    np.testing.assert_allclose(frame["p_c"], steps[1, :4, 2])


def test_probabilities_by_step_refuse_a_bidirectional_model():
    spec = _spec("GRU", bidirectional=True)
    model = build_model(spec, (None, FEATURES))
    with pytest.raises(ValueError, match="bidirectional"):
        probabilities_by_step(model, spec, _padded())


def test_evaluate_classifier_moved_and_still_importable():
    assert old_name is evaluate_classifier


def test_most_confused_and_confused_pairs_by_hand():
    y = np.array([0, 1, 2, 2, 1])
    proba = np.array(
        [[0.9, 0.1, 0.0], [0.2, 0.1, 0.7], [0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.3, 0.2, 0.5]]
    )
    frame = most_confused([10, 11, 12, 13, 14], y, proba, ["a", "b", "c"], k=3)
    assert list(frame["row"]) == [13, 11, 12]  # wrong, by confidence 0.8, 0.7, 0.6
    assert list(frame["predicted"]) == ["b", "c", "a"] and list(frame["true"]) == ["c", "b", "c"]
    confusion = evaluate_classifier(y, proba, ["a", "b", "c"])["confusion"]
    pairs = confused_pairs(confusion, ["a", "b", "c"], k=5)
    assert pairs.to_dict("list") == {
        "true": ["b", "c", "c"],
        "predicted": ["c", "a", "b"],
        "count": [2, 1, 1],
    }


def test_baselines_against_sklearn_directly():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier

    data = prepare_sequences(load_builtin_sequences("digits_rows"), seed=2)
    x_fit = np.concatenate([data.x_train, data.x_val]).reshape(-1, 64)
    y_fit = np.concatenate([data.y_train, data.y_val])
    x_test = data.x_test.reshape(-1, 64)
    knn = KNeighborsClassifier(n_neighbors=1).fit(x_fit, y_fit)
    ours = nearest_neighbour_baseline(data)
    np.testing.assert_array_equal(ours["pred"], knn.predict(x_test))
    assert ours["accuracy"] > 0.95  # 1-NN on digits is a strong baseline
    with threadpool_limits(limits=1, user_api="blas"):  # the same arithmetic as ours
        logistic = LogisticRegression(C=1.0, max_iter=2000, random_state=7).fit(x_fit, y_fit)
    ours = logistic_baseline(data, seed=7)
    np.testing.assert_array_equal(ours["pred"], logistic.predict(x_test))
    np.testing.assert_allclose(ours["proba"], logistic.predict_proba(x_test), atol=1e-9)


@pytest.mark.parametrize("key, expected", [("GunPoint", 0.913), ("ItalyPowerDemand", 0.955)])
def test_one_nn_matches_the_ucr_archive_reference(key, expected):
    data = prepare_sequences(load_builtin_sequences(key), seed=7)
    assert round(nearest_neighbour_baseline(data)["accuracy"], 3) == expected


def test_one_nn_on_ragged_data_uses_zero_padding():
    data = prepare_sequences(load_builtin_sequences("JapaneseVowels"), seed=7)
    from sklearn.neighbors import KNeighborsClassifier

    def flat(x, lengths):
        return np.stack(
            [np.pad(s[:n], ((0, 29 - n), (0, 0))).ravel() for s, n in zip(x, lengths, strict=True)]
        )

    x_fit = np.concatenate(
        [flat(data.x_train, data.lengths_train), flat(data.x_val, data.lengths_val)]
    )
    knn = KNeighborsClassifier(n_neighbors=1).fit(x_fit, np.concatenate([data.y_train, data.y_val]))
    expected = knn.predict(flat(data.x_test, data.lengths_test))
    np.testing.assert_array_equal(nearest_neighbour_baseline(data)["pred"], expected)
    assert set(baselines(data)) == {
        "1-nearest neighbour (Euclidean)",
        "logistic regression (flattened)",
    }  # ragged: no DTW


def test_sequence_specs_follow_the_data():
    ragged = prepare_sequences(load_builtin_sequences("JapaneseVowels"), seed=7)
    spec, train = sequence_specs(DEFAULT_SEQUENCE_RECIPE, ragged, seed=3)
    assert spec.head == "multiclass" and spec.n_outputs == 9
    assert spec.mask_value == ragged.mask_value and spec.topology == "many_to_one"
    assert ModelSpec.from_dict(spec.to_dict()) == spec  # a saved run keeps its masking
    assert train.seed == 3 and train.epochs == recipe_epochs(DEFAULT_SEQUENCE_RECIPE, 216) == 286
    assert train.patience == 8 * (286 // 40)  # 7 batches an epoch: 7x the epochs, 7x the patience
    tiny = prepare_sequences(load_builtin_sequences("GunPoint"))  # 40 training sequences
    assert sequence_specs(DEFAULT_SEQUENCE_RECIPE, tiny)[1].patience == 200  # capped
    images = prepare_sequences(load_builtin_sequences("digits_rows"), seed=7)
    spec, train = sequence_specs(LSTM30_RECIPE, images)
    assert spec.mask_value is None and spec.units == (30,) and spec.n_outputs == 10
    assert (train.optimizer, train.batch_size, train.epochs) == ("rmsprop", 128, 60)


def test_recipe_epochs_give_small_sets_enough_updates():
    recipe = {"batch_size": 32, "epochs": 40, "min_updates": 2000}
    assert recipe_epochs(recipe, 3200) == 40  # 100 batches an epoch: 4000 updates already
    assert recipe_epochs(recipe, 53) == 1000  # 2 batches an epoch
    assert recipe_epochs({**recipe, "min_updates": 0}, 53) == 40


def test_a_tiny_model_trains_and_evaluates_on_a_ragged_set():
    data = prepare_sequences(load_builtin_sequences("JapaneseVowels"), seed=7)
    recipe = {**DEFAULT_SEQUENCE_RECIPE, "units": 8, "epochs": 2, "min_updates": 0}
    spec, train = sequence_specs(recipe, data, seed=1)
    model = new_model(spec, train, data.input_shape)
    model.fit(data.x_train, data.y_train, epochs=2, batch_size=32, verbose=0)
    report = evaluate_sequences(model, data)
    proba = predict_proba(model, data.x_test)
    np.testing.assert_allclose(report["proba"], proba)
    assert report["accuracy"] == pytest.approx(np.mean(proba.argmax(axis=1) == data.y_test))
    assert report["confusion"].shape == (9, 9) and report["confusion"].sum() == 370
    assert isinstance(report["per_class"], pd.DataFrame) and len(report["per_class"]) == 9
    assert report["accuracy"] > 2 / 9  # two epochs already beat guessing (1/9)


def test_dtw_matches_a_plain_dynamic_programme_and_its_band():
    from rnnviz.tasks.sequences.dtw import band, dtw_distances

    def plain_dtw(x, y, window):
        length = len(x)
        table = np.full((length + 1, length + 1), np.inf)
        table[0, 0] = 0.0
        for i in range(1, length + 1):
            for j in range(max(1, i - window), min(length, i + window) + 1):
                step = ((x[i - 1] - y[j - 1]) ** 2).sum()
                table[i, j] = step + min(table[i - 1, j], table[i, j - 1], table[i - 1, j - 1])
        return np.sqrt(table[length, length])

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 20, 2)), rng.normal(size=(4, 20, 2))
    expected = [[plain_dtw(x, y, 2) for y in b] for x in a]
    np.testing.assert_allclose(dtw_distances(a, b, 2), expected)
    # No warping at all (a band of 0 steps) is the Euclidean distance sklearn computes.
    from sklearn.metrics import pairwise_distances

    euclid = pairwise_distances(a.reshape(3, -1), b.reshape(4, -1))
    np.testing.assert_allclose(dtw_distances(a, b, 0), euclid)
    # A shifted copy is far in Euclidean distance, near under DTW.
    wave = np.sin(np.linspace(0, 6, 40))[None, :, None]
    shifted = np.roll(wave, 2, axis=1)
    assert dtw_distances(wave, shifted, band(40))[0, 0] < 0.5 * np.linalg.norm(wave - shifted)
    assert band(427) == 43


def test_dtw_is_left_out_where_it_is_not_cheap():
    from rnnviz.tasks.sequences.dtw import dtw_skip_reason

    assert dtw_skip_reason(67, 1029, 24, 1, ragged=False) == ""  # ItalyPowerDemand
    osuleaf = dtw_skip_reason(200, 242, 427, 1, ragged=False)
    assert osuleaf.startswith("1-NN with DTW is left out: 242 test x 200 training sequences")
    assert "different lengths" in dtw_skip_reason(10, 10, 10, 1, ragged=True)
    # a bench may grant more: OSULeaf's 1.8e9 cell updates fit a budget of 3e9
    assert dtw_skip_reason(200, 242, 427, 1, ragged=False, budget=3e9) == ""
    assert "(budget 1e+09)" in dtw_skip_reason(200, 242, 427, 1, ragged=False, budget=1e9)


def test_dtw_baseline_on_italy_power_demand():
    data = prepare_sequences(load_builtin_sequences("ItalyPowerDemand"), seed=7)
    found = baselines(data)
    assert list(found) == [
        "1-nearest neighbour (Euclidean)",
        "logistic regression (flattened)",
        "1-NN DTW (10% band)",
    ]
    assert (
        0.93 <= found["1-NN DTW (10% band)"]["accuracy"] <= 0.97
    )  # 0.953 here; UCR: 0.950 (full DTW)
