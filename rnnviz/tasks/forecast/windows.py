"""Cut a series into supervised windows for a forecasting RNN, and map predictions back.

Rows are split chronologically: train ``[0, train_end)``, validation ``[train_end, val_end)``,
test ``[val_end, n_rows)``. A window whose first target row is ``s`` reads the inputs of rows
``s - window .. s - 1`` and predicts the target at rows ``s .. s + horizon - 1``; it belongs to the
split holding all its target rows (its inputs may come from earlier splits). Every possible ``s``
is used (stride 1).

The target (feature 0) is transformed first (``log``, ``diff``, ``log_diff``, a seasonal
difference, the change from one season before, i.e. the seasonal-naive forecast's residual, or
the deviation from a smooth seasonal profile fit on the training rows);
then every feature is scaled as ``WindowSpec.scaler`` asks (standardised, min-max to [0, 1], or
left as it is), with statistics fit on training rows only. A difference over ``lag`` rows has no
value in the first ``lag`` rows, so those rows are dropped from the features and windows simply
start ``lag`` rows later. To guarantee something to learn from, the training split
must hold at least ``MIN_TRAIN_WINDOWS`` windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rnnviz.common.csvread import DataError
from rnnviz.common.scaling import Scaler, ScalerKind
from rnnviz.common.words import plural
from rnnviz.tasks.forecast.series import Series

Transform = Literal[
    "none", "log", "diff", "log_diff", "seasonal_diff", "log_seasonal_diff", "seasonal_profile"
]
TRANSFORMS: tuple[Transform, ...] = (
    "none",
    "log",
    "diff",
    "log_diff",
    "seasonal_diff",
    "log_seasonal_diff",
    "seasonal_profile",
)
SEASONAL_TRANSFORMS: tuple[Transform, ...] = (  # those that read the season
    "seasonal_diff",
    "log_seasonal_diff",
    "seasonal_profile",
)
LEVEL_TRANSFORMS: tuple[Transform, ...] = ("none", "log", "seasonal_profile")  # no difference
PROFILE_HARMONICS = 2  # sine-cosine pairs of the season in a seasonal profile: a smooth shape
TRANSFORM_LABELS: dict[str, str] = {
    "none": "None",
    "log": "Log",
    "diff": "Difference (change from the previous step)",
    "log_diff": "Log difference (relative change)",
    "seasonal_diff": "Seasonal difference (change from one season before)",
    "log_seasonal_diff": "Log seasonal difference (relative change from one season before)",
    "seasonal_profile": "Seasonal profile residual (deviation from a smooth seasonal mean)",
}
MIN_TRAIN_WINDOWS = 10
SCALERS: tuple[ScalerKind, ...] = ("standard", "minmax", "none")
SCALER_LABELS: dict[str, str] = {
    "standard": "Standardise (mean 0, standard deviation 1)",
    "minmax": "Min-max (training rows span 0 to 1)",
    "none": "None (raw values)",
}


@dataclass(frozen=True)
class WindowSpec:
    """How a series is cut into windows and split (hashable: doubles as a cache key)."""

    window: int = 12  # look-back steps
    horizon: int = 1  # steps predicted per window
    test_size: int = 24  # rows at the end held out for test
    val_size: int = 12  # rows before the test rows, for validation (0: no validation)
    transform: Transform = "none"  # applied to the target before scaling
    scaler: ScalerKind = "standard"  # how every feature is scaled (fit on training rows)
    season: int = 0  # rows one season back, read by the seasonal transforms only

    def __post_init__(self) -> None:
        if self.window < 1:
            raise DataError("The window must be at least 1 step.")
        if self.horizon < 1:
            raise DataError("The horizon must be at least 1 step.")
        if self.test_size < self.horizon:
            raise DataError(
                f"The test part ({self.test_size} rows) must be at least as long as the horizon "
                f"({self.horizon})."
            )
        if self.val_size != 0 and self.val_size < self.horizon:
            raise DataError(
                f"The validation part ({self.val_size} rows) must be 0 or at least as long as the "
                f"horizon ({self.horizon})."
            )
        if self.transform not in TRANSFORMS:
            raise DataError(f"Unknown transform '{self.transform}'; choose one of {TRANSFORMS}.")
        if self.scaler not in SCALERS:
            raise DataError(f"Unknown scaler '{self.scaler}'; choose one of {SCALERS}.")
        if self.is_seasonal and self.season < 2:
            raise DataError(
                "A seasonal transform needs a seasonal period of at least 2 rows; this series "
                "has none: choose another transform or set the season."
            )

    @property
    def is_diff(self) -> bool:
        return self.transform not in LEVEL_TRANSFORMS

    @property
    def is_profile(self) -> bool:
        return self.transform == "seasonal_profile"

    @property
    def is_seasonal(self) -> bool:
        return self.transform in SEASONAL_TRANSFORMS

    @property
    def is_log(self) -> bool:
        return self.transform.startswith("log")

    @property
    def lag(self) -> int:
        """Rows between the values a difference subtracts (0: no difference)."""
        if not self.is_diff:
            return 0
        return self.season if self.is_seasonal else 1


def check_series_length(
    n_rows: int, window: int, horizon: int, test_size: int, val_size: int, lost_rows: int = 0
) -> None:
    """Raise DataError when the series is too short for the windows and splits asked for.

    ``lost_rows`` counts rows a transform drops at the start (a difference's lag).
    """
    extra_train = MIN_TRAIN_WINDOWS - 1
    needed = lost_rows + window + horizon + extra_train + val_size + test_size
    if n_rows >= needed:
        return
    lost = f" + {plural(lost_rows, 'row')} lost to differencing" if lost_rows else ""
    raise DataError(
        f"The series has {n_rows} rows but needs at least {needed}: window ({window}) + horizon "
        f"({horizon}) + {extra_train} more rows for {MIN_TRAIN_WINDOWS} training windows + "
        f"validation ({val_size}) + test ({test_size}){lost}. Shorten the window, horizon, "
        "validation or test part, or use a longer series."
    )


def profile_harmonics(season: int) -> int:
    """Sine-cosine pairs of a seasonal profile: :data:`PROFILE_HARMONICS`, fewer for a short
    season (at most half its rows)."""
    return max(1, min(PROFILE_HARMONICS, season // 2))


def profile_basis(rows: np.ndarray, season: int) -> np.ndarray:
    """(len(rows), 1 + 2k) regressors of a smooth seasonal profile at each row: a constant and
    k = :data:`PROFILE_HARMONICS` sine-cosine pairs of the season (fewer for a short season)."""
    k = profile_harmonics(season)
    angle = 2 * np.pi * np.outer(np.asarray(rows, dtype=np.float64), np.arange(1, k + 1)) / season
    return np.column_stack([np.ones(len(angle)), np.sin(angle), np.cos(angle)])


def fit_profile(train_target: np.ndarray, season: int) -> np.ndarray:
    """Least-squares coefficients (1 + 2k,) of the seasonal profile of the training rows."""
    basis = profile_basis(np.arange(len(train_target)), season)  # (rows, 1 + 2k)
    return np.linalg.lstsq(basis, np.asarray(train_target, dtype=np.float64), rcond=None)[0]


def profile_values(coefficients: np.ndarray, season: int, rows: np.ndarray) -> np.ndarray:
    """The seasonal profile at ``rows`` (any shape; rows past the end of the series too)."""
    rows = np.asarray(rows)
    return (profile_basis(rows.ravel(), season) @ coefficients).reshape(rows.shape)


def transform_target(
    target: np.ndarray,
    transform: Transform,
    name: str = "target",
    lag: int = 1,
    profile: np.ndarray | None = None,
) -> np.ndarray:
    """The target in transformed units, (rows,); a difference over ``lag`` rows leaves NaN in
    the first ``lag`` rows; a seasonal profile residual subtracts ``profile`` (rows,)."""
    if transform == "seasonal_profile":
        return np.asarray(target, dtype=np.float64) - profile
    values = np.asarray(target, dtype=np.float64)
    if transform.startswith("log"):
        non_positive = values[values <= 0]
        if non_positive.size:
            raise DataError(
                f"A log transform needs positive values, but '{name}' has {non_positive.size} "
                f"values of zero or below (smallest: {non_positive.min():g}). Choose 'none' or "
                "'diff' instead."
            )
        values = np.log(values)
    if transform not in LEVEL_TRANSFORMS:
        values = np.concatenate([np.full(lag, np.nan), values[lag:] - values[:-lag]])
    return values


def sliding_windows(values: np.ndarray, length: int) -> np.ndarray:
    """Every run of ``length`` consecutive rows of ``values`` (rows, features), oldest first."""
    views = np.lib.stride_tricks.sliding_window_view(values, length, axis=0)  # (n, features, len)
    return np.ascontiguousarray(views.transpose(0, 2, 1))  # (n, length, features)


@dataclass(frozen=True, eq=False)
class WindowedData:
    """Model-ready windows of one series, plus what is needed to map predictions back."""

    x_train: np.ndarray  # (n_train, window, features) float32, scaled
    y_train: np.ndarray  # (n_train, horizon) float32, scaled transformed target
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    start_train: np.ndarray  # (n_train,) row of each window's first target step
    start_val: np.ndarray
    start_test: np.ndarray
    spec: WindowSpec
    columns: tuple[str, ...]  # feature order; the target is feature 0
    train_end: int
    val_end: int
    scaler: Scaler  # fit on training rows only
    scaled: np.ndarray  # (n_rows, features) float64; NaN in row 0 of the target for a diff
    target: np.ndarray  # (n_rows,) float64, the target in its original units
    index: pd.Index  # the series' index
    season: int | None = None
    profile: np.ndarray | None = None  # seasonal profile coefficients (seasonal_profile only)

    @property
    def n_rows(self) -> int:
        return len(self.target)

    @property
    def n_features(self) -> int:
        return len(self.columns)

    @property
    def first_row(self) -> int:
        """The first row with features (1 when a difference drops row 0)."""
        return self.spec.lag

    def split(self, name: Literal["train", "val", "test"]) -> tuple[np.ndarray, ...]:
        """``(x, y, start)`` of one split."""
        return {
            "train": (self.x_train, self.y_train, self.start_train),
            "val": (self.x_val, self.y_val, self.start_val),
            "test": (self.x_test, self.y_test, self.start_test),
        }[name]

    def to_original(self, y_scaled: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Scaled, transformed target predictions for rows ``start .. start + h - 1`` -> (n, h)
        values in the series' original units.

        ``y_scaled`` may be (n, h), (n, h, 1) or (n,). For a diff transform each row of
        predictions is cumulated from the actual value at row ``start - 1``, the last one
        observed before the window's targets. ``start`` may equal ``n_rows`` (a forecast past the
        end of the series).
        """
        start = np.asarray(start, dtype=np.int64).reshape(-1)  # (n,)
        y = np.asarray(y_scaled, dtype=np.float64).reshape(len(start), -1)  # (n, h)
        z = self.scaler.inverse_target(y)  # (n, h) transformed units
        if self.spec.is_profile:
            return z + self._profile_at(start, z.shape[1])
        if self.spec.is_diff:
            z = self._undifferenced(z, start)  # (n, h) levels, in log units for a log transform
        return np.exp(z) if self.spec.is_log else z

    def _undifferenced(self, z: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Differences ``z`` (n, h) over ``lag`` rows added back onto the level ``lag`` rows
        before each step: an observed row before ``start``, else a step already rebuilt."""
        lag = self.spec.lag
        if np.any(start < lag) or np.any(start > self.n_rows):
            raise ValueError(f"start must lie in [{lag}, {self.n_rows}] for this difference")
        levels = np.log(self.target) if self.spec.is_log else self.target  # (n_rows,)
        out = np.empty_like(z)  # (n, h)
        for j in range(z.shape[1]):
            before = out[:, j - lag] if j >= lag else levels[start + j - lag]  # (n,)
            out[:, j] = before + z[:, j]
        return out

    def _profile_at(self, start: np.ndarray, h: int) -> np.ndarray:
        """(n, h) seasonal profile at rows ``start .. start + h - 1``."""
        rows = start[:, None] + np.arange(h)  # (n, h)
        return profile_values(self.profile, self.spec.season, rows)

    def to_scaled(self, values: np.ndarray, start: np.ndarray) -> np.ndarray:
        """Values in the series' original units at rows ``start .. start + h - 1`` (n, h) -> the
        scaled, transformed targets the model trains on: the inverse of :meth:`to_original`
        (a difference over ``lag`` rows is taken from the actual value ``lag`` rows before, or
        from a value given for an earlier step)."""
        start = np.asarray(start, dtype=np.int64).reshape(-1)  # (n,)
        v = np.asarray(values, dtype=np.float64).reshape(len(start), -1)  # (n, h)
        own = np.log(v) if self.spec.is_log else v  # (n, h)
        if self.spec.is_profile:
            own = own - self._profile_at(start, own.shape[1])
        if self.spec.is_diff:
            lag = self.spec.lag
            levels = np.log(self.target) if self.spec.is_log else self.target  # (n_rows,)
            z = np.empty_like(own)
            for j in range(own.shape[1]):
                before = own[:, j - lag] if j >= lag else levels[start + j - lag]  # (n,)
                z[:, j] = own[:, j] - before
        else:
            z = own
        return (z - self.scaler.mean[0]) / self.scaler.std[0]

    def actual(self, start: np.ndarray, h: int) -> np.ndarray:
        """(n, h) true values at rows ``start .. start + h - 1``, NaN before row 0 or past the end."""
        rows = np.asarray(start, dtype=np.int64).reshape(-1, 1) + np.arange(h)  # (n, h)
        padded = np.append(self.target, np.nan)  # row n_rows reads NaN
        outside = (rows < 0) | (rows >= self.n_rows)
        return padded[np.where(outside, self.n_rows, rows)]

    def last_window(self) -> np.ndarray:
        """(1, window, features) scaled inputs ending at the last row: a forecast's input."""
        last = self.scaled[self.n_rows - self.spec.window :]  # (window, features)
        return last[None].astype(np.float32)


def split_bounds(series: Series, spec: WindowSpec) -> tuple[int, int]:
    """``(train_end, val_end)`` of the chronological split, after every check
    :func:`make_windows` makes (length, missing and infinite values, transform), without
    building windows: cheap enough to run on each redraw of a long series."""
    _, _, train_end, val_end, _ = _checked_features(series, spec)
    return train_end, val_end


def check_finite(series: Series) -> None:
    """Raise DataError naming the columns that hold infinite values (every window would be NaN)."""
    values = series.values()  # (rows, features)
    infinite = np.isinf(values)
    if not infinite.any():
        return
    where = [
        f"{plural(int(infinite[:, i].sum()), 'value')} in '{column}' (first at "
        f"{series.frame.index[int(np.argmax(infinite[:, i]))]})"
        for i, column in enumerate(series.columns)
        if infinite[:, i].any()
    ]
    raise DataError(
        "The series holds infinite values (inf): "
        + "; ".join(where)
        + ". Replace them with real numbers or leave those cells empty to interpolate them."
    )


def _checked_features(
    series: Series, spec: WindowSpec
) -> tuple[np.ndarray, np.ndarray, int, int, np.ndarray | None]:
    """The series' values (rows, features), the same with the target transformed, the split
    bounds and the seasonal profile's coefficients (None without one); DataError when ``spec``
    cannot be applied to ``series``."""
    check_finite(series)
    values = series.values()  # (rows, features)
    n_rows = len(values)
    lost = spec.lag
    check_series_length(n_rows, spec.window, spec.horizon, spec.test_size, spec.val_size, lost)
    if np.isnan(values).any():
        raise DataError("The series still has missing values; fill them before windowing.")
    val_end = n_rows - spec.test_size
    train_end = val_end - spec.val_size
    coefficients, profile = None, None
    if spec.is_profile:
        coefficients = fit_profile(values[:train_end, 0], spec.season)
        profile = profile_values(coefficients, spec.season, np.arange(n_rows))  # (rows,)
    features = values.copy()
    features[:, 0] = transform_target(
        values[:, 0], spec.transform, series.target, spec.lag, profile
    )
    return values, features, train_end, val_end, coefficients


def make_windows(series: Series, spec: WindowSpec) -> WindowedData:
    """Transform, scale (fit on training rows) and window ``series`` as ``spec`` asks."""
    values, features, train_end, val_end, coefficients = _checked_features(series, spec)
    n_rows = len(values)
    lost = spec.lag
    scaler = Scaler.fit(features[lost:train_end], spec.scaler)
    scaled = scaler.transform(features)  # (rows, features)

    first_start = lost + spec.window
    x_all = sliding_windows(scaled[lost:-1], spec.window)
    # x_all[i] reads rows first_start - window + i .. first_start - 1 + i
    n_possible = n_rows - spec.horizon + 1 - first_start  # windows whose targets fit in the series
    starts = np.arange(first_start, first_start + n_possible)  # (n_possible,)
    x_all = x_all[:n_possible]  # (n_possible, window, features)
    y_all = scaled[starts[:, None] + np.arange(spec.horizon), 0]  # (n_possible, horizon)

    def pick(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        keep = (starts >= lo) & (starts + spec.horizon <= hi)
        return x_all[keep].astype(np.float32), y_all[keep].astype(np.float32), starts[keep]

    x_train, y_train, start_train = pick(0, train_end)
    x_val, y_val, start_val = pick(train_end, val_end)
    x_test, y_test, start_test = pick(val_end, n_rows)
    return WindowedData(
        x_train,
        y_train,
        x_val,
        y_val,
        x_test,
        y_test,
        start_train,
        start_val,
        start_test,
        spec=spec,
        columns=series.columns,
        train_end=train_end,
        val_end=val_end,
        scaler=scaler,
        scaled=scaled,
        target=values[:, 0].copy(),
        index=series.frame.index,
        season=series.season,
        profile=coefficients,
    )


WINDOW_KEYS = ("window", "horizon", "test_size", "val_size", "transform")
OPTIONAL_WINDOW_KEYS = ("scaler", "season")  # absent from runs saved before these settings


def window_config(data_config: dict) -> dict | None:
    """The look-back window settings (``WindowSpec`` fields) a saved forecast run's
    ``data_config`` holds, or None when it lacks any of them (a run saved by another tool or
    hand-edited)."""
    if not all(key in data_config for key in WINDOW_KEYS):
        return None
    optional = {k: data_config[k] for k in OPTIONAL_WINDOW_KEYS if k in data_config}
    return {**{key: data_config[key] for key in WINDOW_KEYS}, **optional}
