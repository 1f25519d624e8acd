"""Sentiment inference and analysis on tiny seeded models."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from rnnviz.common.labels import most_confident_errors
from rnnviz.common.metrics import evaluate_classifier
from rnnviz.model.builder import build_model, compile_model
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.sentiment.analysis import (
    classify,
    importance_html,
    predict_proba,
    reading_trace,
    tfidf_baseline,
    word_importance,
)
from rnnviz.tasks.sentiment.text import encode, prepare_text_data, tokenize
from tests.core.synthetic_text import synthetic

MAX_LEN = 8
SENTENCE = "the movie was good but the plot was awful"  # 9 tokens: longer than MAX_LEN


@pytest.fixture(scope="module")
def data():
    return prepare_text_data(synthetic(), vocab_size=50, max_len=MAX_LEN, seed=0)


def trained(data, **spec_changes):
    keras.utils.set_random_seed(0)
    spec = ModelSpec(
        cell="LSTM",
        units=(4,),
        head="binary",
        n_outputs=2,
        vocab_size=len(data.vocab),
        embedding_dim=8,
    ).with_(**spec_changes)
    model = compile_model(
        build_model(spec, (MAX_LEN,)), spec, TrainSpec(learning_rate=0.05, batch_size=16)
    )
    history = model.fit(data.x_train, data.y_train, epochs=2, batch_size=16, verbose=0)
    return model, spec, history


@pytest.fixture(scope="module")
def uni(data):
    return trained(data)


@pytest.fixture(scope="module")
def bi(data):
    return trained(data, bidirectional=True, cell="GRU")


def test_predict_proba_sigmoid_and_softmax(data, uni):
    model, _, history = uni
    assert history.history["loss"][-1] < history.history["loss"][0]
    proba = predict_proba(model, data.x_test)
    raw = model.predict(data.x_test, verbose=0)[:, 0]
    assert proba.shape == (len(data.x_test), 2)
    np.testing.assert_allclose(proba[:, 1], raw, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    spec = ModelSpec(
        units=(3,), head="multiclass", n_outputs=3, vocab_size=len(data.vocab), embedding_dim=4
    )
    multi = predict_proba(build_model(spec, (MAX_LEN,)), data.x_test[:5])
    assert multi.shape == (5, 3)
    np.testing.assert_allclose(multi.sum(axis=1), 1.0, atol=1e-5)


def test_classify_matches_predict(data, uni):
    model, _, _ = uni
    cls, proba = classify(model, data.vocab, "a great movie", MAX_LEN)
    direct = predict_proba(model, encode(data.vocab, ["a great movie"], MAX_LEN))[0]
    np.testing.assert_allclose(proba, direct, atol=1e-6)
    assert cls == int(np.argmax(direct))


def test_reading_trace_unidirectional_last_step_is_the_prediction(data, uni):
    model, spec, _ = uni
    frame, note = reading_trace(
        model, data.vocab, SENTENCE, MAX_LEN, spec=spec, class_names=data.class_names
    )
    assert list(frame.columns) == ["word", "step", "known", "p_neg", "p_pos"]
    assert frame["word"].tolist() == tokenize(SENTENCE)[:MAX_LEN]
    assert frame["step"].tolist() == list(range(1, MAX_LEN + 1))
    assert "hidden state" in note and "first 8 of 9" in note
    _, full = classify(model, data.vocab, SENTENCE, MAX_LEN)
    np.testing.assert_allclose(frame[["p_neg", "p_pos"]].to_numpy()[-1], full, atol=1e-5)
    # the one-pass many-to-many twin agrees with predicting on every prefix
    prefix, prefix_note = reading_trace(
        model, data.vocab, SENTENCE, MAX_LEN, class_names=data.class_names
    )
    assert "prefix" in prefix_note
    np.testing.assert_allclose(frame["p_pos"], prefix["p_pos"], atol=1e-5)
    for t in (1, 4):
        _, p = classify(model, data.vocab, " ".join(tokenize(SENTENCE)[:t]), MAX_LEN)
        assert frame["p_pos"].iloc[t - 1] == pytest.approx(p[1], abs=1e-5)


def test_reading_trace_bidirectional_uses_prefixes(data, bi):
    model, spec, _ = bi
    frame, note = reading_trace(model, data.vocab, "great movie zzzunknown", MAX_LEN, spec=spec)
    assert "Bidirectional" in note and "prefix" in note
    assert frame["known"].tolist() == [True, True, False]
    _, full = classify(model, data.vocab, "great movie zzzunknown", MAX_LEN)
    np.testing.assert_allclose(frame[["p_0", "p_1"]].to_numpy()[-1], full, atol=1e-5)
    _, first = classify(model, data.vocab, "great", MAX_LEN)
    assert frame["p_1"].iloc[0] == pytest.approx(first[1], abs=1e-5)
    empty, empty_note = reading_trace(model, data.vocab, "   ", MAX_LEN)
    assert empty.empty and "no words" in empty_note


def test_word_importance_is_leave_one_out(data, uni):
    model, _, _ = uni
    text = "good plot , awful movie"
    frame = word_importance(model, data.vocab, text, MAX_LEN)
    words = tokenize(text)
    assert frame["word"].tolist() == words
    cls, full = classify(model, data.vocab, text, MAX_LEN)
    for i in range(len(words)):
        _, without = classify(model, data.vocab, " ".join(words[:i] + words[i + 1 :]), MAX_LEN)
        assert frame["importance"].iloc[i] == pytest.approx(full[cls] - without[cls], abs=1e-5)
    single = word_importance(model, data.vocab, "good", MAX_LEN)
    assert len(single) == 1 and np.isfinite(single["importance"]).all()


def test_evaluate_classifier_against_hand_computation():
    y = [0, 0, 1, 1]
    p1 = np.array([0.1, 0.4, 0.35, 0.8])
    report = evaluate_classifier(y, np.column_stack([1 - p1, p1]), ("neg", "pos"))
    assert report["accuracy"] == pytest.approx(0.75)  # predictions 0, 0, 0, 1
    assert report["confusion"].tolist() == [[2, 0], [1, 1]]
    # AUC = share of (positive, negative) pairs ranked correctly: 0.35>0.1, 0.8>0.1, 0.8>0.4
    pairs = [(a > b) + 0.5 * (a == b) for a in p1[2:] for b in p1[:2]]
    assert report["auc"] == pytest.approx(sum(pairs) / len(pairs)) == pytest.approx(0.75)
    assert report["fpr"].tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert report["tpr"].tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    per_class = report["per_class"].set_index("class")
    assert per_class.loc["pos", "recall"] == pytest.approx(0.5)
    assert per_class.loc["neg", "precision"] == pytest.approx(2 / 3)
    three = evaluate_classifier([0, 1, 2], np.eye(3)[[0, 2, 2]], ("a", "b", "c"))
    assert three["accuracy"] == pytest.approx(2 / 3) and "auc" not in three
    assert three["confusion"].tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]


def test_most_confident_errors_sorted_by_confidence():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.3, 0.7]])
    frame = most_confident_errors(
        ["a", "b", "c", "d", "e"], [1, 1, 1, 0, 0], proba, ("neg", "pos"), k=2
    )
    assert frame["text"].tolist() == ["d", "a"]
    assert frame["true"].tolist() == ["neg", "pos"] and frame["predicted"].tolist() == [
        "pos",
        "neg",
    ]
    assert frame["confidence"].tolist() == pytest.approx([0.95, 0.9])


def test_tfidf_baseline_beats_chance():
    train, test = synthetic(200, seed=1), synthetic(100, seed=2)
    result = tfidf_baseline(train.texts, train.labels, test.texts, test.labels, seed=0)
    assert result["accuracy"] >= 0.9
    assert result["proba"].shape == (100, 2)
    np.testing.assert_allclose(result["proba"].sum(axis=1), 1.0)


def test_importance_html_escapes_and_colours():
    import pandas as pd

    frame = pd.DataFrame({"word": ["<script>", "a&b", "ok"], "importance": [0.5, -0.25, 0.0]})
    out = importance_html(frame)
    assert "<script>" not in out and "&lt;script&gt;" in out and "a&amp;b" in out
    assert "rgba(46, 160, 67, 0.85)" in out  # strongest positive: green, full shade
    assert "rgba(214, 39, 40, 0.42)" in out  # negative: red, half shade
    assert out.count("<span") == 3
    assert importance_html(frame.iloc[:0]) == ""
