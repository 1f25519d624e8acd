"""Fixed word features beside the embedding (issue 18, sentiment): lexicons read from their
packages, Naive-Bayes ratios against sklearn's counts, and the model that carries them (Keras's
own parameter count and outputs against the NumPy replay; the table never trains)."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from rnnviz.model import probes
from rnnviz.model.builder import (
    WordPairs,
    build_model,
    compile_model,
    expected_params,
    layer_table,
    parameter_counts,
)
from rnnviz.model.spec import FIXED_FEATURES_LAYER, ModelSpec, TrainSpec, describe_model
from rnnviz.model.wordpairs import PAIR_BUCKETS, word_pair_ids
from rnnviz.tasks.sentiment.analysis import classify, reading_trace, sentiment_job
from rnnviz.tasks.sentiment.text import TextDataset, prepare_text_data
from rnnviz.tasks.sentiment.wordfeatures import (
    PAIR_MIN_TEXTS,
    feature_count,
    feature_names,
    lexicons,
    nb_ratio_columns,
    pair_ratio_columns,
    parse_afinn,
    parse_general_inquirer,
    parse_textblob,
    parse_vader,
    with_text_options,
    word_feature_table,
)


def test_lexicon_files_parse_as_published():
    assert parse_vader("good\t1.9\t0.9434\t[2, 1]\n:)\t2.0\t1\t[]\nbad line\n") == {
        "good": 0.475,
        ":)": 0.5,
    }
    assert parse_afinn("can't stand\t-3\ngood\t3\n") == {"can't stand": -0.6, "good": 0.6}
    xml = '<sentiment><word form="Good" polarity="0.7"/><word form="good" polarity="0.5"/></sentiment>'
    assert parse_textblob(xml) == {"good": pytest.approx(0.6)}
    found = lexicons()  # the packages' own files
    assert found["VADER"]["good"] == pytest.approx(1.9 / 4) and found["AFINN"]["awful"] == -0.6
    assert (
        len(found["VADER"]) > 7000 and len(found["AFINN"]) > 3000 and found["TextBlob"]["good"] > 0
    )
    assert found["General Inquirer"]["abandon"] == -1.0 and len(found["General Inquirer"]) > 3000
    table = "Entry\tSource\tPositiv\tNegativ\nABLE\tH4\tPositiv\t\nFINE#1\tH4\tPositiv\t\n"
    table += "FINE#2\tH4\t\tNegativ\nA\tH4\t\t\n"
    assert parse_general_inquirer(table) == {"able": 1.0, "fine": 0.0}


def nb_reference(texts: list[str], labels: np.ndarray, positive: int) -> dict[str, float]:
    """NB log-count ratios from sklearn's binary document counts (add-one), before scaling."""
    vectorizer = CountVectorizer(binary=True, token_pattern=r"\S+", lowercase=False)
    counts = vectorizer.fit_transform(texts).toarray()
    inside = 1 + counts[labels == positive].sum(axis=0)
    outside = 1 + counts[labels != positive].sum(axis=0)
    ratio = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
    return dict(zip(vectorizer.get_feature_names_out(), ratio, strict=True))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_nb_ratios_match_sklearn_counts(n_classes):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 12, size=(40, 6))  # ids 0 (padding) and 1 (OOV) carry no ratio
    x[:, 0] = rng.integers(2, 12, size=40)
    labels = rng.integers(0, n_classes, size=40)
    labels[:n_classes] = np.arange(n_classes)
    table = nb_ratio_columns(x, labels, 12, n_classes)
    assert table.shape == (12, 1 if n_classes == 2 else n_classes)
    assert np.all(table[:2] == 0)
    words = [" ".join(f"w{i}" for i in row if i >= 2) for row in x]
    for column, positive in enumerate([1] if n_classes == 2 else range(n_classes)):
        reference = nb_reference(words, labels, positive)
        ours = np.array([reference.get(f"w{i}", np.nan) for i in range(2, 12)])
        seen = ~np.isnan(ours)  # an id no text holds: sklearn has no column for it
        ratio = table[2:, column][seen] * reference_spread(table, ours, seen, column)
        np.testing.assert_allclose(ratio, ours[seen], rtol=1e-5)


def reference_spread(table: np.ndarray, ours: np.ndarray, seen: np.ndarray, column: int) -> float:
    """The scale our table divided by: the ratio of unscaled to scaled on any seen word."""
    first = int(np.flatnonzero(seen)[0])
    return float(ours[first] / table[2 + first, column])


def test_nb_ratios_have_unit_spread_and_the_right_sign():
    x = np.array([[2, 3], [2, 4], [5, 3], [5, 4]])  # 2 only in class 1, 5 only in class 0
    table = nb_ratio_columns(x, np.array([1, 1, 0, 0]), 6, 2)[:, 0]
    assert table[2] > 0 > table[5] and table[3] == pytest.approx(0, abs=1e-6)
    assert table[2:].std() == pytest.approx(1.0, rel=1e-5)


def test_feature_table_columns_and_names():
    tokens = ["<pad>", "<oov>", "good", "awful", "zzzz"]
    x, y = np.array([[2, 4], [3, 4]]), np.array([1, 0])
    table = word_feature_table("both", tokens, x, y, 2)
    assert table.shape == (5, feature_count("both", 2)) == (5, 5)
    assert feature_names("both", ("neg", "pos"))[0] == "NB ratio pos vs neg"
    assert table[2, 1] == pytest.approx(1.9 / 4) and table[3, 2] == pytest.approx(-0.6)
    assert np.all(table[4, 1:] == 0)  # not in any lexicon
    assert word_feature_table("none", tokens, x, y, 2).shape == (5, 0)
    assert feature_count("nb", 4) == 4 and feature_count("lexicon", 4) == 4


@pytest.mark.parametrize("bidirectional", [False, True])
def test_model_with_fixed_features_counts_and_replays_as_keras(bidirectional):
    spec = ModelSpec(
        cell="GRU",
        units=(5,),
        bidirectional=bidirectional,
        head="binary",
        vocab_size=30,
        embedding_dim=4,
        fixed_features=3,
    )
    model = compile_model(build_model(spec, (7,)), spec, TrainSpec(epochs=1, batch_size=8))
    assert model.count_params() == expected_params(spec, 0)
    table = np.random.default_rng(1).normal(size=(30, 3)).astype("float32")
    model.get_layer(FIXED_FEATURES_LAYER).set_weights([table])
    x = np.array([[3, 4, 5, 0, 0, 0, 0], [9, 8, 7, 6, 5, 4, 3]] * 8)
    model.fit(x, np.arange(16) % 2, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_layer(FIXED_FEATURES_LAYER).get_weights()[0], table)
    expected = model.predict(x[:2], verbose=0)
    np.testing.assert_allclose(probes.outputs(model, x[:2]), expected, atol=1e-5)
    stepper = probes.stepper(model, 1)
    if bidirectional:
        assert stepper is None
    else:  # a unidirectional model replayed step by step
        for token in x[1]:
            last = stepper.step(np.array([token]))
        np.testing.assert_allclose(last, expected[1:], atol=1e-5)
    assert [t.layer for t in probes.trace(model, x[:1])] == ["rnn_1"] * (1 + bidirectional)


def test_sentiment_job_fills_the_table_from_its_training_texts():
    texts = tuple(
        f"{'great lovely fun' if i % 2 else 'dull awful boring'} film number {i}" for i in range(60)
    )
    dataset = TextDataset("tiny", texts, tuple(i % 2 for i in range(60)), ("neg", "pos"))
    data = prepare_text_data(dataset, vocab_size=50, seed=3)
    spec = ModelSpec(cell="LSTM", units=(4,), embedding_dim=4, options=(("word_features", "both"),))
    job = sentiment_job("tiny", data, spec, TrainSpec(epochs=1, batch_size=16))
    assert job.run.spec.fixed_features == 5
    table = job.run.model.get_layer(FIXED_FEATURES_LAYER).get_weights()[0]
    expected = word_feature_table("both", data.vocab.tokens, data.x_train, data.y_train, 2)
    np.testing.assert_array_equal(table, expected)
    awful = data.vocab.index["awful"]
    assert table[awful, 0] < 0 and table[awful, 1] < 0  # NB: a rotten word; VADER: negative
    none = with_text_options(spec.with_(options=(("word_features", "none"),)), 2)
    assert none.fixed_features == 0
    rcnn = with_text_options(spec.with_(architecture="rcnn"), 2)
    assert rcnn.fixed_features == 0  # the RCNN reads its learned embedding alone
    keras.backend.clear_session()


def test_a_mean_read_model_is_read_word_by_word_on_prefixes():
    """A unidirectional model whose head reads the mean over the words: the prediction after
    word t is the model on words 1..t (its head after each step alone is not what it computes)."""
    texts = tuple(f"{'great fun' if i % 2 else 'dull awful'} film {i}" for i in range(40))
    dataset = TextDataset("tiny", texts, tuple(i % 2 for i in range(40)), ("neg", "pos"))
    data = prepare_text_data(dataset, vocab_size=30, seed=3)
    spec = ModelSpec(cell="GRU", units=(4,), embedding_dim=4, read_out="mean")
    job = sentiment_job("tiny", data, spec, TrainSpec(epochs=1, batch_size=16))
    model, text = job.inference_model, "great film dull"
    frame, note = reading_trace(model, data.vocab, text, data.max_len, spec=job.run.spec)
    assert "prefix" in note
    for t in range(1, 4):
        _, proba = classify(model, data.vocab, " ".join(text.split()[:t]), data.max_len)
        assert frame["p_1"].iloc[t - 1] == pytest.approx(proba[1], abs=1e-5)
    keras.backend.clear_session()


def test_parameter_counts_split_the_fixed_table_from_what_training_updates():
    spec = ModelSpec(units=(4,), head="binary", vocab_size=30, embedding_dim=6, fixed_features=5)
    model = build_model(spec, (12,))
    trainable, fixed = parameter_counts(model)
    assert fixed == 30 * 5  # the word-feature table only
    # independent: embedding 30 x 6, an LSTM reading 6 + 5 columns, a sigmoid head
    assert trainable == 30 * 6 + 4 * 4 * (11 + 4 + 1) + (4 + 1)
    assert trainable + fixed == model.count_params()
    kinds = {row.name: row.kind for row in layer_table(model)}
    assert "fixed" in kinds["word_features"] and "fixed" not in kinds["embedding"]


def test_pair_ratios_match_sklearn_bigram_counts():
    rng = np.random.default_rng(2)
    x = rng.integers(2, 6, size=(60, 5))  # few words: most pairs recur in many texts
    x[::7, 3:] = 0  # some texts are shorter (right-padded)
    labels = rng.integers(0, 2, size=60)
    table = pair_ratio_columns(x, labels, 2)[:, 0]  # (PAIR_BUCKETS,)
    # sklearn's binary bigram counts, the first word paired with a start marker (id 0)
    texts = [" ".join(["w0", *(f"w{i}" for i in row if i)]) for row in x]
    vectorizer = CountVectorizer(
        binary=True, token_pattern=r"\S+", lowercase=False, ngram_range=(2, 2)
    )
    counts = vectorizer.fit_transform(texts).toarray()  # (texts, pairs)
    kept = counts.sum(axis=0) >= PAIR_MIN_TEXTS
    inside = 1 + counts[labels == 1][:, kept].sum(axis=0)
    outside = 1 + counts[labels == 0][:, kept].sum(axis=0)
    expected = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
    expected /= expected.std()
    pairs = [tuple(int(w[1:]) for w in name.split()) for name in vectorizer.get_feature_names_out()]
    ids = word_pair_ids(np.array([[a, b] for a, b in pairs]))[:, 1]  # each pair's hashed id
    np.testing.assert_allclose(table[ids[kept]], expected, rtol=1e-5)
    assert np.count_nonzero(table) == kept.sum()  # rarer pairs and unused ids read 0


def test_word_pairs_layer_replays_and_reloads_as_keras(tmp_path):
    x = np.array([[3, 4, 5, 0, 0, 0, 0], [9, 8, 7, 6, 5, 4, 3]] * 4)
    pairs = word_pair_ids(x)
    np.testing.assert_array_equal(np.asarray(WordPairs()(x)), pairs)
    assert pairs[0, 0] != pairs[1, 0] and np.all(pairs[0, 3:] == 0)  # padding reads id 0
    assert pairs[0, 1] == word_pair_ids(np.array([[3, 4]]))[0, 1]  # the pair, wherever it is
    spec = ModelSpec(
        units=(4,),
        head="binary",
        vocab_size=30,
        embedding_dim=4,
        fixed_features=2,
        pair_features=1,
        read_out="mean",
    )
    model = compile_model(build_model(spec, (7,)), spec, TrainSpec(epochs=1, batch_size=8))
    assert model.count_params() == expected_params(spec, 0)
    rng = np.random.default_rng(3)
    model.get_layer("pair_features").set_weights([rng.normal(size=(PAIR_BUCKETS, 1))])
    model.get_layer(FIXED_FEATURES_LAYER).set_weights([rng.normal(size=(30, 2))])
    expected = model.predict(x, verbose=0)
    np.testing.assert_allclose(probes.outputs(model, x), expected, atol=1e-5)
    assert probes.stepper(model, 1) is None  # pairs need the word before: Keras steps it
    model.save(tmp_path / "model.keras")
    again = keras.models.load_model(tmp_path / "model.keras", compile=False, safe_mode=True)
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, atol=1e-6)
    keras.backend.clear_session()


def test_sentiment_job_fills_the_pair_table_with_all_features():
    texts = tuple(f"{'not bad' if i % 2 else 'not good'} film number {i % 5}" for i in range(60))
    dataset = TextDataset("pairs", texts, tuple(i % 2 for i in range(60)), ("neg", "pos"))
    data = prepare_text_data(dataset, vocab_size=50, seed=3)
    spec = ModelSpec(cell="LSTM", units=(4,), embedding_dim=4, options=(("word_features", "all"),))
    job = sentiment_job("pairs", data, spec, TrainSpec(epochs=1, batch_size=16))
    assert (job.run.spec.fixed_features, job.run.spec.pair_features) == (5, 1)
    table = job.run.model.get_layer("pair_features").get_weights()[0]
    np.testing.assert_array_equal(table, pair_ratio_columns(data.x_train, data.y_train, 2))
    index = data.vocab.index
    not_bad, not_good = word_pair_ids(
        np.array([[index["not"], index["bad"], index["not"], index["good"]]])
    )[0, [1, 3]]
    assert table[not_bad, 0] > 0 > table[not_good, 0]  # the pair says what "bad" alone does not
    keras.backend.clear_session()


def test_a_fresh_process_loads_a_model_with_word_pairs(tmp_path):
    """The loaders register rnnviz's own layer themselves (a page or worker that never built
    a model still opens a saved run or an upload)."""
    spec = ModelSpec(units=(3,), head="binary", vocab_size=20, embedding_dim=4, pair_features=1)
    build_model(spec, (6,)).save(tmp_path / "model.keras")
    code = (
        "import sys; from pathlib import Path; "
        "from rnnviz.model.upload import load_uploaded_model; "
        "load_uploaded_model(Path(sys.argv[1]).read_bytes()); print('loaded')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "model.keras")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip().endswith("loaded"), done.stderr[-2000:]
    keras.backend.clear_session()


def test_a_model_with_word_pairs_reads_word_by_word_as_on_prefixes():
    """Pairs look one word back only: the many-to-many twin's reading after word t is the model
    on words 1..t (the twin carries the pair layer and its table)."""
    texts = tuple(f"{'not bad' if i % 2 else 'not good'} film {i % 4}" for i in range(40))
    dataset = TextDataset("pairs", texts, tuple(i % 2 for i in range(40)), ("neg", "pos"))
    data = prepare_text_data(dataset, vocab_size=30, seed=3)
    spec = ModelSpec(cell="GRU", units=(4,), embedding_dim=4, options=(("word_features", "all"),))
    job = sentiment_job("pairs", data, spec, TrainSpec(epochs=1, batch_size=16))
    assert job.run.spec.pair_features == 1 and job.run.spec.read_out == "last"
    model, text = job.inference_model, "not bad not good"  # max_len 4
    frame, note = reading_trace(model, data.vocab, text, data.max_len, spec=job.run.spec)
    assert "prefix" not in note  # one pass of the twin
    assert len(frame) == 4
    for t in range(1, 5):
        _, proba = classify(model, data.vocab, " ".join(text.split()[:t]), data.max_len)
        assert frame["p_1"].iloc[t - 1] == pytest.approx(proba[1], abs=1e-5)
    keras.backend.clear_session()


def test_the_model_line_names_the_options_in_the_build_controls_words():
    from rnnviz.tasks.sentiment.task import SENTIMENT

    options = (("word_features", "all"), ("read_out", "mean"))
    spec = ModelSpec(units=(4,), head="binary", vocab_size=30, options=options)
    line = SENTIMENT.describe(spec)
    assert line.endswith(
        "word features (Naive-Bayes ratios of words and word pairs, and lexicons), "
        "read out (the mean over the words)"
    )
    assert describe_model(spec).endswith("word features all, read out mean")  # no words given
    plain = spec.with_(options=(("word_features", "none"),))
    assert "word features" not in SENTIMENT.describe(plain)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_no_recurring_pair_gives_a_zero_table_quietly(n_classes):
    x = np.array([[2, 3, 0], [4, 5, 6], [7, 8, 0]])  # a tiny upload: every pair once
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero on the way
        table = pair_ratio_columns(x, np.array([0, 1, 2]) % n_classes, n_classes)
    assert table.shape == (PAIR_BUCKETS, 1 if n_classes == 2 else n_classes)
    assert not table.any()
