"""Windows of a series, scaled on normal training rows, and window errors mapped back to points.

A window of ``size`` steps starts every ``stride`` steps, and one more ends at the last row, so
every row is covered. A window belongs to the part (train, validation, test) holding all its
rows; the model trains on training windows without a labelled anomaly only. Each window may be
centred (its own mean removed, per feature): the autoencoder then learns shapes, not levels, and
a trending series is no harder at its end than at its start. A point's score is the mean, over
the windows covering it, of their scores: a window's score spread back over time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz.common.csvread import DataError
from rnnviz.tasks.anomaly.data import AnomalySeries

MIN_TRAIN_WINDOWS = 8
MAX_WINDOW_VALUES = 20_000_000  # windows x size x features held in memory
TRAIN, VALIDATION, TEST, ACROSS = 0, 1, 2, -1


@dataclass(frozen=True)
class WindowSpec:
    """How the series is cut (hashable: a cache key)."""

    size: int = 64
    stride: int = 2
    center: bool = True  # subtract each window's own mean (per feature)

    def __post_init__(self) -> None:
        if self.size < 2 or self.stride < 1:
            raise DataError("A window needs at least 2 steps and a stride of at least 1.")


def window_starts(n: int, size: int, stride: int) -> np.ndarray:
    """First rows of the windows of ``size`` every ``stride`` rows, plus one ending at row n."""
    if n < size:
        raise DataError(f"The series ({n:,} rows) is shorter than one window ({size} steps).")
    starts = np.arange(0, n - size + 1, stride)
    if starts[-1] != n - size:
        starts = np.append(starts, n - size)
    return starts


def cut(values: np.ndarray, starts: np.ndarray, size: int) -> np.ndarray:
    """Windows ``(n_windows, size, features)`` of ``values`` ``(time, features)``."""
    index = starts[:, None] + np.arange(size)  # (n_windows, size)
    return values[index]


def spread_window_scores(step_errors: np.ndarray) -> np.ndarray:
    """Every step of a window given the window's score, its mean error: ``(n_windows, size)``."""
    return np.repeat(step_errors.mean(axis=1, keepdims=True), step_errors.shape[1], axis=1)


def points_from_windows(per_step: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Per-point values ``(n, ...)``: the mean over the windows covering a point of
    ``per_step`` ``(n_windows, size, ...)`` at that point (NaN where no window covers it)."""
    size = per_step.shape[1]
    index = (starts[:, None] + np.arange(size)).ravel()  # (n_windows * size,)
    flat = per_step.reshape(len(index), -1)  # (n_windows * size, k)
    count = np.bincount(index, minlength=n)[:, None]  # (n, 1)
    total = np.stack(
        [np.bincount(index, weights=flat[:, k], minlength=n) for k in range(flat.shape[1])], 1
    )  # (n, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        points = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return points.reshape((n, *per_step.shape[2:]))


@dataclass(frozen=True)
class Scaler:
    """Standardise every feature with statistics of normal training rows."""

    mean: np.ndarray  # (features,)
    std: np.ndarray  # (features,)

    @classmethod
    def fit(cls, values: np.ndarray) -> Scaler:
        std = values.std(axis=0)
        return cls(values.mean(axis=0), np.where(std > 0, std, 1.0))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return ((values - self.mean) / self.std).astype(np.float32)

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return values * self.std + self.mean


@dataclass(frozen=True, eq=False)
class Windows:
    """Every window of the series, scaled (and centred), with its part and whether it holds a
    labelled anomaly."""

    x: np.ndarray  # (n_windows, size, features) what the autoencoder reads and rebuilds
    levels: np.ndarray  # (n_windows, 1, features) the scaled means centring removed (or 0)
    starts: np.ndarray  # (n_windows,)
    part: np.ndarray  # (n_windows,) TRAIN, VALIDATION, TEST or ACROSS a boundary
    anomalous: np.ndarray  # (n_windows,) bool
    scaler: Scaler
    n_points: int

    @property
    def size(self) -> int:
        return self.x.shape[1]

    def mask(self, part: int, normal_only: bool = False) -> np.ndarray:
        keep = self.part == part
        return keep & ~self.anomalous if normal_only else keep

    def select(self, part: int, normal_only: bool = False) -> np.ndarray:
        return self.x[self.mask(part, normal_only)]

    def in_units(self, rebuilt: np.ndarray) -> np.ndarray:
        """Rebuilt windows ``(n_windows, size, features)`` back in the data's units."""
        return self.scaler.inverse(rebuilt + self.levels)


def part_of(starts: np.ndarray, size: int, train_end: int, val_end: int) -> np.ndarray:
    """The part of each window: wholly in train, validation or test, or across a boundary."""
    ends = starts + size  # exclusive
    part = np.full(len(starts), ACROSS, dtype=np.int8)
    part[ends <= train_end] = TRAIN
    part[(starts >= train_end) & (ends <= val_end)] = VALIDATION
    part[starts >= val_end] = TEST
    return part


def window_shape(series: AnomalySeries, spec: WindowSpec) -> tuple[int, int]:
    """``(size, stride)``: a UCR set's windows are its samples."""
    return (series.segment, series.segment) if series.segment else (spec.size, spec.stride)


def make_windows(series: AnomalySeries, spec: WindowSpec) -> Windows:
    """Windows of ``series`` scaled on its normal training rows; DataError when there are too
    many values or too few normal training windows."""
    size, stride = window_shape(series, spec)
    n = len(series.values)
    starts = window_starts(n, size, stride)
    if len(starts) * size * series.values.shape[1] > MAX_WINDOW_VALUES:
        raise DataError(
            f"{len(starts):,} windows of {size} steps are too many to hold: choose a larger "
            "stride, a shorter window or average more samples per step."
        )
    labels = series.labels_or_zeros
    normal_train = labels[: series.train_end] == 0
    scaler = Scaler.fit(series.values[: series.train_end][normal_train])
    x = cut(scaler.transform(series.values), starts, size)  # (n_windows, size, features)
    levels = x.mean(axis=1, keepdims=True) if spec.center else np.zeros_like(x[:, :1])
    anomalous = cut(labels[:, None], starts, size)[..., 0].any(axis=1)
    part = part_of(starts, size, series.train_end, series.val_end)
    windows = Windows(x - levels, levels, starts, part, anomalous, scaler, n)
    n_train = int(windows.mask(TRAIN, normal_only=True).sum())
    if n_train < MIN_TRAIN_WINDOWS:
        raise DataError(
            f"Only {n_train} normal training windows: at least {MIN_TRAIN_WINDOWS} are needed "
            "(a shorter window, a smaller stride or a larger training share)."
        )
    if not windows.mask(VALIDATION, normal_only=True).any():
        raise DataError(
            "No normal window lies wholly in the validation part: the autoencoder needs some "
            "to stop training at its best (a larger validation share or a shorter window)."
        )
    return windows
