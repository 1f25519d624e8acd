"""Character corpora, vocabulary, contiguous splits, windows and the stateful stream layout."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.common.csvread import DataError
from rnnviz.tasks.generation.chars import (
    MIN_CHARS,
    build_char_vocab,
    corpus_choices,
    load_shakespeare,
    make_sequences,
    parse_text_upload,
    play_files,
    prepare_char_data,
    split_ids,
    stateful_streams,
    strip_markdown,
)

MARKDOWN = """# Macbeth

## ACT I

### SCENE II. A camp near Forres.

_Alarum within. Enter DUNCAN, MALCOLM, with Attendants,
meeting a bleeding Sergeant_

**DUNCAN**{BR}
What bloody man is that? He can report,{BR}
As seemeth by his plight.

**First Witch**{BR}
__\\[Aside]_{BR}
Where the place?

*Exit Sergeant, attended*
""".replace("{BR}", "  ")  # Markdown's two-space line breaks


def test_strip_markdown_gives_the_char_rnn_layout():
    text = strip_markdown(MARKDOWN)
    assert text == (
        "Macbeth\n\nACT I\n\nSCENE II. A camp near Forres.\n\n"
        "[Alarum within. Enter DUNCAN, MALCOLM, with Attendants,\nmeeting a bleeding Sergeant]\n\n"
        "DUNCAN:\nWhat bloody man is that? He can report,\nAs seemeth by his plight.\n\n"
        "FIRST WITCH:\n[Aside]\nWhere the place?\n\n[Exit Sergeant, attended]\n"
    )


def test_every_play_loads_without_markdown_marks():
    assert len(play_files()) == 38
    corpus = load_shakespeare("all")
    assert len(corpus) > 4_500_000
    assert not set("*_#\\") & set(corpus.text)
    assert corpus.text.count("[") == pytest.approx(corpus.text.count("]"), abs=2)


def test_corpus_sizes_nest():
    one, genre, everything = (
        load_shakespeare(k) for k in ("tragedies/macbeth", "tragedies", "all")
    )
    assert 80_000 < len(one) < len(genre) < len(everything)
    assert one.text.strip() in genre.text
    assert {"all", "comedies", "tragedies/macbeth"} <= set(corpus_choices())
    with pytest.raises(DataError, match="Unknown Shakespeare corpus"):
        load_shakespeare("poems")


def _long_text() -> str:
    return "To be, or not to be: that is the question.\n" * 60


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10, "binary"),
        ("caf\u00e9 ".encode("latin-1") * 300, "not UTF-8"),
        (b"   \n\n  " * 10, "white space"),
        (b"too short", "at least"),
        (b"x" * 2_001, "limit"),
    ],
)
def test_upload_problems_get_clear_messages(raw, message):
    with pytest.raises(DataError, match=message):
        parse_text_upload(raw, "mine.txt", max_bytes=2_000)


def test_upload_reads_utf8_with_bom_and_windows_newlines():
    text = ("Ça va, été?\r\n" * 200).encode("utf-8-sig")
    corpus = parse_text_upload(text, "mine.txt")
    assert corpus.text.startswith("Ça va, été?\nÇa")
    assert "\r" not in corpus.text and len(corpus.text) >= MIN_CHARS


@pytest.mark.parametrize("bom, encoding", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_upload_reads_utf16_with_its_byte_order_mark(bom, encoding):
    text = "Ça va, été?\n" * 200
    raw = bom + text.encode(encoding)  # what Notepad writes for "Unicode"
    assert parse_text_upload(raw, "mine.txt").text == text


def test_utf16_without_a_byte_order_mark_is_named_not_called_binary():
    with pytest.raises(DataError, match="UTF-16 text without a byte-order mark"):
        parse_text_upload(("plain words " * 300).encode("utf-16-le"), "mine.txt")


def test_vocabulary_counts_and_round_trip():
    vocab = build_char_vocab("abracadabra\n")
    assert vocab.chars == ("a", "b", "r", "\n", "c", "d")  # by count, ties by code point
    assert vocab.counts == (5, 2, 2, 1, 1, 1)
    rows = vocab.frequency_table()
    assert rows[3]["label"] == "↵ (newline)" and sum(r["share"] for r in rows) == pytest.approx(1)
    assert vocab.decode(vocab.encode("cabra")) == "cabra"
    with pytest.raises(DataError, match="'z'"):
        vocab.encode("zebra")


def test_split_is_contiguous_and_windows_predict_the_next_character():
    ids = np.arange(100)
    train, val = split_ids(ids, 0.2)
    assert np.array_equal(train, np.arange(80)) and np.array_equal(val, np.arange(80, 100))
    x, y = make_sequences(train, seq_len=10, stride=7)
    assert x.shape == y.shape == (10, 10)  # starts 0, 7, ..., 63: the last target is 73
    assert np.array_equal(x[1], np.arange(7, 17)) and np.array_equal(y, x + 1)
    with pytest.raises(DataError, match="too short"):
        make_sequences(np.arange(5), seq_len=5, stride=1)


@pytest.mark.parametrize(("n", "batch", "seq_len"), [(1000, 4, 7), (257, 3, 5), (64, 8, 7)])
def test_stateful_streams_continue_row_by_row(n, batch, seq_len):
    ids = np.arange(n)  # each id is its own position in the text
    x, y = stateful_streams(ids, batch, seq_len)
    n_batches = len(x) // batch
    assert len(x) == n_batches * batch and n_batches == ((n - 1) // batch) // seq_len
    assert np.array_equal(y, x + 1)  # next character everywhere
    for k in range(n_batches - 1):
        for i in range(batch):
            # row i of batch k + 1 starts right where row i of batch k ended
            assert x[(k + 1) * batch + i, 0] == x[k * batch + i, -1] + 1
    starts = x[:batch, 0]
    assert len(set(np.diff(starts))) == 1  # equal, non-overlapping streams
    assert x[batch - 1, 0] + n_batches * seq_len <= n - 1


def test_stateful_streams_refuse_a_text_too_short():
    with pytest.raises(DataError, match="too short"):
        stateful_streams(np.arange(20), batch_size=8, seq_len=5)


def test_prepare_char_data_for_a_play():
    corpus = load_shakespeare("tragedies/macbeth")
    data = prepare_char_data(corpus, seq_len=50, stride=25, val_fraction=0.1)
    assert data.vocab.decode(np.concatenate([data.train_ids, data.val_ids])) == corpus.text
    assert len(data.val_ids) == pytest.approx(0.1 * len(corpus), abs=1)
    assert data.x_train.shape[1] == 50 and np.array_equal(
        data.x_train[1, :25], data.x_train[0, 25:]
    )
    assert np.array_equal(data.x_val[1, 0], data.val_ids[50])  # validation windows do not overlap
    assert data.summary()["vocabulary"] == len(data.vocab)
    stateful = prepare_char_data(corpus, seq_len=50, stateful_batch_size=4)
    assert np.array_equal(stateful.x_train[4, 0], stateful.y_train[0, -1])


def test_suggested_prompt_and_the_new_line_escape():
    from rnnviz.tasks.generation.chars import prompt_from_field, prompt_to_field, suggested_prompt

    text = "HAMLET:\nTo be.\n\n" + "x" * 80 + "\nHORATIO:\nMy lord.\n"
    assert suggested_prompt(text, 0.2) == "HORATIO:\n"  # a speaker of the held-out end
    assert suggested_prompt(text, 0.01) == "HAMLET:\n"  # none there: the first one
    assert suggested_prompt("no speakers here\nat all") == "no speakers here"
    assert prompt_from_field("A:\\nb") == "A:\nb" and prompt_to_field("A:\nb") == "A:\\nb"
    assert prompt_from_field(prompt_to_field("x\ny\n")) == "x\ny\n"
