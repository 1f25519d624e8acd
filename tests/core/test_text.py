"""Text data: loading, CSV checks, tokenising, vocabulary, encoding, splitting."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.csvread import DataError
from rnnviz.tasks.sentiment import text as T
from rnnviz.tasks.sentiment.text import (
    MAX_PADDED_LEN,
    TextDataset,
    Vocabulary,
    build_vocabulary,
    decode,
    encode,
    padded_length_choice,
    parse_text_csv,
    prepare_text_data,
    split_texts,
    suggest_columns,
    suggest_max_len,
    text_dataset_from_frame,
    text_stats,
    tokenize,
)
from tests.core.synthetic_text import synthetic

# ----------------------------------------------------------------------------- tokens


def test_tokenize_words_punctuation_and_apostrophes():
    assert tokenize("Don't STOP, it's great!") == ["don't", "stop", ",", "it's", "great", "!"]
    assert tokenize("Pete\u2019s film...") == ["pete's", "film", ".", ".", "."]
    assert tokenize("  ") == []
    assert tokenize("Café—naïve 2 films") == ["café", "—", "naïve", "2", "films"]


def test_vocabulary_frequency_then_alphabetical_and_capped():
    texts = ["b a c", "a b", "a d", "e"]
    vocab = build_vocabulary(texts, max_size=10)
    # a:3, b:2, then ties (count 1) alphabetical: c, d, e
    assert vocab.tokens == ("<pad>", "<oov>", "a", "b", "c", "d", "e")
    small = build_vocabulary(texts, max_size=4)
    assert small.tokens == ("<pad>", "<oov>", "a", "b") and len(small) == 4
    assert build_vocabulary(list(reversed(texts)), max_size=10) == vocab  # order-independent
    assert small.id_of("a") == 2 and small.id_of("zzz") == 1
    assert pickle.loads(pickle.dumps(vocab)) == vocab


def test_encode_decode_round_trip_padding_and_truncation():
    vocab = build_vocabulary(["the movie was good", "the plot was bad"], max_size=50)
    ids = encode(vocab, ["the movie was good", "bad unknownword"], max_len=6)
    assert ids.dtype == np.int32 and ids.shape == (2, 6)
    assert decode(vocab, ids[0]) == ["the", "movie", "was", "good"]
    assert list(ids[0, 4:]) == [0, 0]  # post padding
    assert decode(vocab, ids[1]) == ["bad", "<oov>"]
    pre = encode(vocab, ["bad good"], max_len=4, padding="pre")
    assert list(pre[0, :2]) == [0, 0] and decode(vocab, pre[0]) == ["bad", "good"]
    cut = encode(vocab, ["the movie was good"], max_len=2)  # keeps the start
    assert decode(vocab, cut[0]) == ["the", "movie"]
    assert encode(vocab, [""], max_len=3).tolist() == [[0, 0, 0]]
    with pytest.raises(ValueError):
        encode(vocab, ["x"], max_len=3, padding="middle")


def test_suggest_max_len_and_stats():
    assert suggest_max_len([1, 2, 3, 4, 100], quantile=0.5) == 3
    assert suggest_max_len(list(range(1, 101))) == 96  # 95% quantile 95.05 -> ceil
    assert suggest_max_len([]) == 1
    ds = TextDataset("t", ("a b c", "a", "b b"), (0, 1, 1), ("x", "y"), ())
    stats = text_stats(ds, vocab_size=3)
    assert stats["vocabulary_size"] == 3 and stats["n_tokens"] == 6
    assert stats["lengths"].tolist() == [3, 1, 2]
    assert stats["class_counts"] == {"x": 1, "y": 2}
    assert stats["coverage"] == pytest.approx(3 / 6)  # one token id kept: "b" (3 of 6 occurrences)


# ----------------------------------------------------------------------------- split & prepare


def test_split_is_stratified_deterministic_and_disjoint():
    ds = synthetic(200)
    train, val, test = split_texts(ds, val_fraction=0.1, test_fraction=0.2, seed=3)
    assert (len(train), len(val), len(test)) == (140, 20, 40)
    for part in (train, val, test):
        assert sum(part.labels) == len(part) // 2  # stratified: classes stay 50/50
    again = split_texts(ds, val_fraction=0.1, test_fraction=0.2, seed=3)
    assert again == (train, val, test)
    assert split_texts(ds, seed=4)[2] != test


def test_prepare_fits_vocabulary_on_training_texts_only():
    texts = tuple(f"common item{i}" for i in range(60))  # each "item<i>" is in one text only
    ds = TextDataset("d", texts, tuple(i % 2 for i in range(60)), ("a", "b"), ())
    data = prepare_text_data(ds, vocab_size=100, max_len=None, seed=1)
    train_items = {t.split()[1] for t in data.texts_train}
    assert set(data.vocab.tokens) == {"<pad>", "<oov>", "common"} | train_items
    assert all(t.split()[1] not in data.vocab.index for t in data.texts_test + data.texts_val)
    assert (data.x_test[:, 1] == 1).all() and (data.x_test[:, 0] == 2).all()  # OOV, "common"
    assert data.max_len == 2 and data.x_train.shape == (42, 2)
    assert data.head == "binary" and data.n_classes == 2
    assert len(data.texts_train) == len(data.y_train) == 42
    again = prepare_text_data(ds, vocab_size=100, max_len=None, seed=1)
    assert again.vocab == data.vocab and np.array_equal(again.x_train, data.x_train)


# ----------------------------------------------------------------------------- CSV


def csv_bytes(rows: list[tuple], header=("review", "label")) -> bytes:
    return pd.DataFrame(rows, columns=list(header)).to_csv(index=False).encode()


GOOD_ROWS = [
    (f"review number {i} was {'good' if i % 2 else 'bad'}", "pos" if i % 2 else "neg")
    for i in range(30)
]


def test_csv_happy_path_with_dropped_rows_counted():
    rows = GOOD_ROWS + [("", "pos"), ("   ", "neg"), ("text without label", None)]
    frame = parse_text_csv(csv_bytes(rows))
    assert suggest_columns(frame) == ("review", "label")
    ds = text_dataset_from_frame(frame, "review", "label", name="mine")
    assert len(ds) == 30 and ds.class_names == ("neg", "pos")
    assert ds.labels[:2] == (0, 1)
    notes = " ".join(ds.notes)
    assert (
        "2 rows with empty text dropped" in notes and "1 rows with a missing label dropped" in notes
    )


def test_csv_numeric_labels_sorted_numerically():
    rows = [(f"text {i}", [10, 2, 1][i % 3]) for i in range(30)]
    ds = text_dataset_from_frame(parse_text_csv(csv_bytes(rows)), "review", "label")
    assert ds.class_names == ("1", "2", "10")
    assert ds.labels[:3] == (2, 1, 0)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "empty"),
        (b"   \n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV text file.*PNG"),
        (b"review,label\n\x00\x01\x02,3\n", "binary data"),
        (b'{"review": "good", "label": 1}', "JSON"),
        (b"review,label\n\x81,1\n", "not UTF-8"),
        (b"just one line of prose without any commas\nand another\n", "two columns"),
        (b"review,label\n", "no rows"),
    ],
)
def test_csv_bad_files(raw, message):
    with pytest.raises(DataError, match=message):
        parse_text_csv(raw, "bad.csv")


def test_csv_bad_column_choices():
    frame = parse_text_csv(csv_bytes(GOOD_ROWS))
    with pytest.raises(DataError, match="single class"):
        text_dataset_from_frame(frame.assign(label="pos"), "review", "label")
    numbers = frame.assign(score=[str(i * 1.5) for i in range(len(frame))])
    with pytest.raises(DataError, match="numbers, not text"):
        text_dataset_from_frame(numbers, "score", "label")
    with pytest.raises(DataError, match="numbers, not text"):
        text_dataset_from_frame(pd.DataFrame({"x": range(30), "y": [0, 1] * 15}), "x", "y")
    with pytest.raises(DataError, match="at least 20"):
        text_dataset_from_frame(frame.head(5), "review", "label")
    with pytest.raises(DataError, match="does not look like a label"):
        text_dataset_from_frame(frame, "label", "review")
    with pytest.raises(DataError, match="no column"):
        text_dataset_from_frame(frame, "nope", "label")
    with pytest.raises(DataError, match="different columns"):
        text_dataset_from_frame(frame, "review", "review")


# ----------------------------------------------------------------------------- bundled & downloaded


def test_rotten_tomatoes_counts():
    ds = T.load_rotten_tomatoes()
    assert ds.class_names == ("rotten", "fresh")
    assert len(ds.texts) == len(ds.labels) == 12_808
    assert sum(ds.labels) == 7_403  # fresh
    assert len(ds) - sum(ds.labels) == 5_405  # rotten
    assert all(t.strip() for t in ds.texts)
    assert "1,097 plot summaries dropped" in ds.notes[0]
    assert T.load_rotten_tomatoes() is ds  # cached


def test_imdb_offline_raises_plain_data_error(monkeypatch):
    import keras

    def fail(*_, **__):
        raise Exception("URL fetch failure on https://...: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.imdb, "load_data", fail)
    T.load_imdb.cache_clear()
    with pytest.raises(
        DataError, match="IMDB downloads on first use and could not be fetched"
    ) as info:
        T.load_imdb(123)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert str(info.value).endswith("upload a CSV instead.")  # no "(Exception)" for the reader


def test_imdb_decodes_ids_to_words(monkeypatch):
    import keras

    seq_train = [np.array([1, 4, 5, 2, 6]), np.array([1, 6])]
    seq_test = [np.array([1, 5])]
    monkeypatch.setattr(
        keras.datasets.imdb,
        "load_data",
        lambda num_words: ((seq_train, np.array([1, 0])), (seq_test, np.array([1]))),
    )
    monkeypatch.setattr(
        keras.datasets.imdb, "get_word_index", lambda: {"great": 1, "film": 2, "bad": 3}
    )
    T.load_imdb.cache_clear()
    ds = T.load_imdb(77)
    T.load_imdb.cache_clear()
    assert ds.texts == ("great film bad", "bad", "film")  # start (1) and OOV (2) ids dropped
    assert ds.labels == (1, 0, 1) and ds.class_names == ("negative", "positive")


def test_vocabulary_is_plain_dataclass():
    v = Vocabulary(("<pad>", "<oov>", "x"))
    assert len(v) == 3 and v.index == {"<pad>": 0, "<oov>": 1, "x": 2}


# ----------------------------------------------------------------------------- one reader for both


def test_duplicate_column_names_after_trimming_are_made_unique():
    raw = b"review ,review,label\n" + b"".join(
        f"text {i},other {i},{'pos' if i % 2 else 'neg'}\n".encode() for i in range(30)
    )
    frame = parse_text_csv(raw)
    assert list(frame.columns) == ["review", "review.1", "label"]
    assert "Renamed repeated column names: review -> review.1" in " ".join(frame.attrs["notes"])
    ds = text_dataset_from_frame(frame, "review.1", "label")
    assert ds.texts[0] == "other 0" and len(ds) == 30


def test_latin1_and_semicolon_text_csvs_are_read_like_series_csvs():
    rows = "".join(f"très bien, vraiment {i};{'oui' if i % 2 else 'non'}\n" for i in range(30))
    raw = ("avis;étiquette\n" + rows).encode("latin-1")
    frame = parse_text_csv(raw, "avis.csv")
    assert list(frame.columns) == ["avis", "étiquette"]
    assert frame["avis"].iloc[3] == "très bien, vraiment 3"
    notes = " ".join(frame.attrs["notes"])
    assert "Latin-1" in notes and "semicolons" in notes
    ds = text_dataset_from_frame(frame, "avis", "étiquette")
    assert ds.class_names == ("non", "oui") and len(ds) == 30
    assert "Latin-1" in ds.notes[0]  # the page shows how the file was read


def test_utf16_text_csv_from_excel_is_read():
    rows = "".join(f"great film {i}\t{i % 2}\r\n" for i in range(25))
    frame = parse_text_csv(("review\tlabel\r\n" + rows).encode("utf-16"), "excel.txt")
    assert frame.shape == (25, 2) and frame["review"].iloc[0] == "great film 0"


def test_all_empty_texts_are_reported_as_empty_not_as_a_column_clash():
    raw = b"review,label\n" + b"".join(
        f",{'pos' if i % 2 else 'neg'}\n".encode() for i in range(30)
    )
    frame = parse_text_csv(raw)
    text_col, label_col = suggest_columns(frame)
    assert (text_col, label_col) == ("review", "label")
    with pytest.raises(DataError, match="'review' has no text: every row is empty"):
        text_dataset_from_frame(frame, text_col, label_col)


def test_padded_length_over_the_cap_is_capped_with_a_note():
    assert padded_length_choice(120) == (120, None)
    assert padded_length_choice(1) == (2, None)
    value, note = padded_length_choice(2_400)
    assert value == MAX_PADDED_LEN == 2_000 and "2,400" in note


def test_numbers_in_the_only_other_column_are_named_not_a_column_clash():
    raw = "score,label\n" + "".join(f"{i * 1.5},{'pos' if i % 2 else 'neg'}\n" for i in range(30))
    frame = parse_text_csv(raw.encode())
    assert suggest_columns(frame) == ("score", "label")
    with pytest.raises(DataError, match="numbers, not text"):
        text_dataset_from_frame(frame, "score", "label")
