"""Labelled series for anomaly detection: sktime's bundled ``mitdb`` and ``yahoo``, a UCR set
read as one class vs the rest, and a user's CSV (a series with an optional 0/1 label column).

Every source becomes one :class:`AnomalySeries`: values ``(time, features)``, optional 0/1
labels per step, and the chronological split ``[0, train_end)`` train, ``[train_end, val_end)``
validation, ``[val_end, n)`` test. A UCR set is its samples laid end to end (the archive's
training samples first), so each sample is one window (``segment`` steps) and the split falls on
sample boundaries.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rnnviz.common.bundled import read_ts, ucr_path
from rnnviz.common.columns import numeric_columns, uses_decimal_commas
from rnnviz.common.csvread import DataError, read_csv_table

LABEL = "label"
TIME_NAMES = {  # not values
    *("time", "timestamp", "date", "datetime", "step", "index", "t"),
    *("year", "month", "day", "hour", "minute", "second", "period"),
}
LABEL_NAMES = {"label", "anomaly", "is_anomaly", "outlier", "target"}


@dataclass(frozen=True)
class Builtin:
    """A built-in series: what the Data page lists and how to load it."""

    title: str
    description: str
    source: str
    rows: str
    ucr: str | None = None  # a UCR set's name (read as one class vs the rest)


BUILTIN: dict[str, Builtin] = {
    "mitdb": Builtin(
        "ECG, MIT-BIH (mitdb)",
        "7,500 ECG samples at 360 Hz with one abnormal beat marked (352 samples): the "
        "anomaly is a beat's shape and timing.",
        "sktime",
        "7,500 samples",
    ),
    "yahoo": Builtin(
        "Yahoo traffic (yahoo)",
        "1,000 points of a trending, seasonal series with 7 single-point anomalies.",
        "sktime",
        "1,000 points",
    ),
    "GunPoint": Builtin(
        "GunPoint, one class vs the rest",
        "200 hand-movement series of 150 steps (UCR): one class is normal, the other anomalous; "
        "each series is one window.",
        "sktime",
        "200 series x 150 steps",
        ucr="GunPoint",
    ),
}


@dataclass(frozen=True, eq=False)
class AnomalySeries:
    """A series to find anomalies in (picklable: a worker rebuilds the job from it)."""

    name: str
    values: np.ndarray  # (time, features) float32
    labels: np.ndarray | None  # (time,) int8, 1 = anomalous; None when the data has none
    train_end: int
    val_end: int
    features: tuple[str, ...] = ("value",)
    segment: int | None = None  # UCR: every sample is this long and is one window
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.values)
        if self.values.ndim != 2:
            raise DataError("The values must be a (time, features) table.")
        if not 0 < self.train_end <= self.val_end < n:
            raise DataError("The split must keep training and test rows, in time order.")
        if self.labels is not None and len(self.labels) != n:
            raise DataError("There must be one label per row.")

    @property
    def has_labels(self) -> bool:
        return self.labels is not None and bool(self.labels.any())

    @property
    def labels_or_zeros(self) -> np.ndarray:
        return self.labels if self.labels is not None else np.zeros(len(self.values), np.int8)

    @property
    def test_has_labels(self) -> bool:
        return bool(self.labels_or_zeros[self.val_end :].any())


def chronological_split(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """``(train_end, val_end)`` with the given shares of ``n`` rows held out at the end."""
    val_end = n - round(n * test_fraction)
    train_end = val_end - round(n * val_fraction)
    if train_end < 1 or val_end >= n:
        raise DataError("The validation and test shares leave no training or no test rows.")
    return train_end, val_end


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"The built-in data needs the Python package '{package}'.")
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_csv(key: str) -> Path:
    """sktime's CSV of a labelled series (columns ``data,label``), read without importing it."""
    return _package_dir("sktime") / "datasets" / "data" / key / f"{key}.csv"


def load_bundled(key: str, val_fraction: float, test_fraction: float) -> AnomalySeries:
    """``mitdb`` or ``yahoo`` from sktime's files."""
    table = pd.read_csv(bundled_csv(key))
    values = table["data"].to_numpy(np.float32)[:, None]  # (time, 1)
    train_end, val_end = chronological_split(len(values), val_fraction, test_fraction)
    labels = table[LABEL].to_numpy(np.int8)
    return AnomalySeries(BUILTIN[key].title, values, labels, train_end, val_end)


def ucr_classes(name: str) -> tuple[str, ...]:
    """The class names of a bundled UCR set."""
    _, labels, declared = read_ts(ucr_path(name, "TRAIN"))
    return declared or tuple(sorted(set(labels)))


def load_ucr_one_class(name: str, normal: str, val_share: float = 0.25) -> AnomalySeries:
    """A bundled UCR set as one class (``normal``) vs the rest, samples end to end."""
    train, train_labels, _ = read_ts(ucr_path(name, "TRAIN"))
    test, test_labels, _ = read_ts(ucr_path(name, "TEST"))
    return one_class_series(
        train + test, train_labels + test_labels, len(train), normal, name, val_share
    )


def one_class_series(
    sequences: list[np.ndarray],
    classes: list[str],
    n_train: int,
    normal: str,
    name: str,
    val_share: float = 0.25,
) -> AnomalySeries:
    """Equal-length samples ``(steps, channels)`` end to end: class ``normal`` is normal, every
    other class anomalous. The last ``val_share`` of the first ``n_train`` samples validate; the
    samples after them are the test part."""
    lengths = {len(s) for s in sequences}
    if len(lengths) != 1:
        raise DataError("One class vs the rest needs samples of one length.")
    if normal not in classes:
        raise DataError(f"There is no class {normal!r}.")
    (segment,) = lengths
    values = np.concatenate(sequences).astype(np.float32)  # (samples * segment, channels)
    labels = np.repeat([c != normal for c in classes], segment).astype(np.int8)
    n_val = max(1, round(n_train * val_share))
    channels = values.shape[1]
    features = ("value",) if channels == 1 else tuple(f"channel {c + 1}" for c in range(channels))
    note = (
        f"{len(sequences)} samples of {segment} steps end to end: class {normal} is normal, "
        f"every other class anomalous; each sample is one window ({n_train} archive training "
        "samples first)."
    )
    return AnomalySeries(
        f"{name} ({normal} vs rest)",
        values,
        labels,
        (n_train - n_val) * segment,
        n_train * segment,
        features,
        segment,
        (note,),
    )


def read_series_table(raw: bytes, filename: str) -> pd.DataFrame:
    """An uploaded series table, its numbers read as the forecast reader reads them: in a file
    not separated by commas as text first (1.290 with decimal commas is 1290, not 1.29), then
    decimal commas and thousands separators ("1,234.5", 1.290,5) as numbers; text columns stay
    text."""
    read = read_csv_table(raw, filename)
    if read.delimiter != ",":
        read = read_csv_table(raw, filename, dtype=str)
    table = read.frame.copy()
    numbers, _ = numeric_columns(table, uses_decimal_commas(table, read.delimiter))
    for column in numbers.columns:
        table[column] = numbers[column]
    return table


def series_from_table(
    table: pd.DataFrame,
    name: str,
    label_column: str | None,
    val_fraction: float,
    test_fraction: float,
) -> AnomalySeries:
    """A user's table: its numeric value columns and an optional 0/1 label column (rows in
    time order; gaps filled by interpolation; a column named like a time or step is no value)."""
    labels = None
    if label_column is not None:
        raw = pd.to_numeric(table[label_column], errors="coerce")
        if raw.isna().any() or not raw.isin([0, 1]).all():
            raise DataError(f"The label column '{label_column}' must hold only 0 and 1.")
        labels = raw.to_numpy(np.int8)
    dropped = [c for c in table.columns if c == label_column or str(c).lower() in TIME_NAMES]
    numbers = table.drop(columns=dropped).apply(pd.to_numeric, errors="coerce")
    numbers = numbers.loc[:, numbers.notna().mean() > 0.9]  # mostly numbers: a value column
    if numbers.empty:
        raise DataError("No numeric value column was found (a column of numbers is needed).")
    values = numbers.interpolate(limit_direction="both").to_numpy(np.float32)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise DataError(
            f"Column '{numbers.columns[col]}' holds an infinite value or a number too large for "
            f"the network (the first at data row {row + 1}). Replace them with numbers, or empty "
            "the cells to have them interpolated."
        )
    train_end, val_end = chronological_split(len(values), val_fraction, test_fraction)
    return AnomalySeries(
        name, values, labels, train_end, val_end, tuple(str(c) for c in numbers.columns)
    )


def guess_label_column(table: pd.DataFrame) -> str | None:
    """A column named like a label whose values are all 0 or 1, else None."""
    for column in table.columns:
        if str(column).strip().lower() in LABEL_NAMES:
            values = pd.to_numeric(table[column], errors="coerce")
            if values.isin([0, 1]).all():
                return str(column)
    return None


def downsample(series: AnomalySeries, every: int) -> AnomalySeries:
    """The mean of every ``every`` rows (a row is anomalous when any of its rows is); the split
    shrinks with it, and a UCR segment when it divides by ``every``."""
    if every <= 1:
        return series
    if series.segment and series.segment % every:
        raise DataError(f"A sample of {series.segment} steps cannot be averaged in {every}s.")
    n = len(series.values) // every * every
    values = series.values[:n].reshape(n // every, every, -1).mean(axis=1)  # (n / every, f)
    labels = None
    if series.labels is not None:
        labels = series.labels[:n].reshape(n // every, every).max(axis=1)
    return replace(
        series,
        values=values.astype(np.float32),
        labels=labels,
        train_end=max(1, series.train_end // every),
        val_end=series.val_end // every,
        segment=series.segment // every if series.segment else None,
        notes=(*series.notes, f"Each step is the mean of {every} samples."),
    )
