"""Forecasting's default recipes: the settings a series starts from, and the classic tutorial
(kept light: no TensorFlow import)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rnnviz.common.verdicts import MIN_VAL_WINDOWS
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.series import Series
from rnnviz.tasks.forecast.windows import (
    MIN_TRAIN_WINDOWS,
    SEASONAL_TRANSFORMS,
    Transform,
    WindowSpec,
    fit_profile,
    profile_values,
)

DEFAULT_MODEL = ModelSpec(cell="LSTM", units=(32,), topology="many_to_one")
DEFAULT_TRAIN = TrainSpec(
    optimizer="adam", learning_rate=0.005, batch_size=16, epochs=150, patience=25
)

# The rules that derive the default recipe from the series' size and shape (see data_recipe).
SMALL_SERIES_ROWS = 200  # fewer rows: a small model and a fixed budget
SMALL_MODEL = ModelSpec(cell="LSTM", units=(16,), topology="many_to_one")
SMALL_EPOCHS = 60  # the fixed budget of a small series, whose last weights are kept
LONG_SERIES_STEPS = 3_000_000  # a long series reads about this many window steps in all
MIN_EPOCHS = 10
LONG_PATIENCE = 5  # epochs without gain before a long series stops
FIRM_SEASON = 0.7  # correlation with one season before that makes a season firm...
# ...when it also beats the correlation half a season before (else it is persistence)
LOOSE_CYCLE = 0.3  # correlation with one season before of a loose cycle (below: no clear season)
WANDERING = 0.95  # lag-1 correlation of a wandering level (without a firm season)
LITTLE_MEMORY = 0.6  # lag-1 correlation below which a level read as it is has little to learn
LITTLE_MEMORY_PATIENCE = 10  # its early stopping's patience, on a validation part widened for it
PROFILE_GAIN = 0.85  # a seasonal profile's residual this much tighter than the seasonal difference
PROFILE_LEARNING_RATE = 0.001  # a profile's residual holds little to learn: smaller steps
MEMORY_CORRELATION = 0.1  # a residual forgets by the lag its autocorrelation falls below this


@dataclass(frozen=True)
class ForecastDefaults:
    """The default recipe derived from one series, and why each choice was made."""

    window_spec: WindowSpec
    model: ModelSpec
    train: TrainSpec
    reasons: tuple[str, ...]  # one sentence per choice

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


def season_correlation(values: np.ndarray, season: int) -> float:
    """The correlation of ``values`` (rows,) with themselves one season before (0 when too few
    rows or no spread)."""
    return lag_correlation(values, season) if season >= 2 else 0.0


def lag_correlation(values: np.ndarray, lag: int) -> float:
    """The correlation of ``values`` (rows,) with themselves ``lag`` rows before (0 when too few
    rows or no spread)."""
    if lag < 1 or len(values) < 2 * lag + 2:
        return 0.0
    now, before = values[lag:], values[:-lag]
    if now.std() == 0 or before.std() == 0:
        return 0.0
    return float(np.corrcoef(now, before)[0, 1])


def profile_residual(train: np.ndarray, season: int) -> np.ndarray:
    """The training rows ``train`` (rows,) less their smooth seasonal profile."""
    coefficients = fit_profile(train, season)
    return train - profile_values(coefficients, season, np.arange(len(train)))


def profile_spread_ratio(train: np.ndarray, season: int) -> float:
    """The spread of the training rows about their seasonal profile over that of their change
    from one season before: below 1 when the profile errs less than seasonal naive (a noisy
    series whose season is steady, where one season before repeats last year's noise)."""
    seasonal_change = train[season:] - train[:-season]
    spread = seasonal_change.std()
    return float(profile_residual(train, season).std() / spread) if spread > 0 else 1.0


def memory(residual: np.ndarray, most: int) -> int:
    """The first lag (1..``most``) at which the autocorrelation of ``residual`` falls below
    :data:`MEMORY_CORRELATION`: how many rows it remembers (``most`` if it never does)."""
    centred = residual - residual.mean()
    power = float(centred @ centred)
    for lag in range(1, min(most, len(centred) - 2) + 1):
        if power == 0 or float(centred[lag:] @ centred[:-lag]) / power < MEMORY_CORRELATION:
            return lag
    return most


def firm_season_target(
    train: np.ndarray, season: int, correlation: float, positive: bool
) -> tuple[Transform, str]:
    """The target of a firm season, given the training rows ``train`` (rows,) in their own
    units: the deviation from a smooth seasonal profile when the rows spread
    :data:`PROFILE_GAIN` times their seasonal change or less about it (a steady season under
    noise), else the change from one season before (relative for a positive series)."""
    ratio = profile_spread_ratio(train, season)
    if ratio <= PROFILE_GAIN:
        return "seasonal_profile", (
            f"A firm season of {season} rows (correlation {correlation:.2f} with one season "
            f"before) under noise: the training rows spread {1 - ratio:.0%} less about a "
            "smooth seasonal profile than their change from one season before (which "
            "repeats last season's noise), so the network learns the deviation from that "
            "profile."
        )
    what = "relative change" if positive else "change"
    return ("log_seasonal_diff" if positive else "seasonal_diff"), (
        f"A firm season of {season} rows (the training rows correlate at {correlation:.2f} "
        f"with one season before): the network learns the {what} from one season before, "
        "the error of seasonal naive."
    )


def target_transform(series: Series, train_rows: int) -> tuple[Transform, str]:
    """The target transform the data calls for, and a sentence saying why ('' for none).

    A firm season (the training rows, in log units for a positive series, correlate with
    themselves one season before at :data:`FIRM_SEASON` or more, and more than with half a
    season before: a persistent series correlates with itself a season before too, but more so
    half a season before) gets :func:`firm_season_target`.
    A positive series without one that grows (its last tenth 1.5 times its first on average)
    learns its relative change from step to step; a wandering level (lag-1 correlation
    :data:`WANDERING` or more) its change from step to step;
    anything else (a loose cycle included) its own level."""
    target = series.frame[series.target].to_numpy(dtype=np.float64)
    positive = bool((target > 0).all())
    season = series.season or 0
    train = np.log(target[:train_rows]) if positive else target[:train_rows]
    correlation = season_correlation(train, season)
    half = lag_correlation(train, max(1, season // 2)) if season >= 2 else 0.0
    persistence = ""
    if correlation >= FIRM_SEASON and correlation <= half:
        persistence = (
            f"Rows one season ({season}) apart correlate at {correlation:.2f}, but rows half a "
            f"season apart at {half:.2f}: persistence, not a season. "
        )
    elif correlation >= FIRM_SEASON:
        return firm_season_target(target[:train_rows], season, correlation, positive)
    tenth = max(1, len(target) // 10)
    if positive and target[-tenth:].mean() > 1.5 * target[:tenth].mean():
        return "log_diff", persistence + (
            "A positive series that grows: the network learns its relative change from step to "
            "step rather than an ever-rising level."
        )
    step = lag_correlation(target[:train_rows], 1)
    if step >= WANDERING:
        return "diff", persistence + (
            f"A wandering level (each row correlates at {step:.2f} with the one before): the "
            "network learns the change from step to step, the error of the naive forecast."
        )
    if persistence:
        return "none", persistence + "The network reads the series as it is."
    if season > 1:
        what = "A loose cycle of about" if correlation >= LOOSE_CYCLE else "No clear season of"
        return "none", (
            f"{what} {season} rows (correlation {correlation:.2f} with one season before): the "
            "network reads the series as it is."
        )
    return "none", ""


def seasonal_difference_fits(n: int, season: int, horizon: int, val: int, test: int) -> bool:
    """Whether ``n`` rows leave :data:`MIN_TRAIN_WINDOWS` training windows of the look-back a
    seasonal difference gets (see :func:`look_back`) after a season is lost to differencing."""
    window = min(max(2 * season, 12), max(2, n // 6))
    return n >= season + window + horizon + MIN_TRAIN_WINDOWS - 1 + val + test


def look_back(series: Series, transform: Transform, train_rows: int) -> tuple[int, str]:
    """Two seasons (or 12 rows) of look-back; three for a seasonal series read as it is, so the
    network sees where in the cycle it stands; four times the memory of the deviation from a
    seasonal profile (the profile carries the season). At most a sixth of the rows."""
    n, season = len(series.frame), series.season or 0
    if transform == "seasonal_profile":
        train = series.frame[series.target].to_numpy(dtype=np.float64)[:train_rows]
        remembers = memory(profile_residual(train, season), season)
        window = min(max(4 * remembers, 12), max(2, n // 6))
        return window, (
            f"A look-back of {window} rows: the deviation from the profile forgets within "
            f"{remembers} (its autocorrelation falls below {MEMORY_CORRELATION:g})."
        )
    seasons = 3 if season > 1 and transform in ("none", "log") else 2
    window = min(max(seasons * season, 12), max(2, n // 6))
    why = f"A look-back of {window} rows, to place the cycle." if seasons == 3 else ""
    return window, why


def training_budget(
    n_rows: int, train_windows: int, window: int
) -> tuple[ModelSpec, TrainSpec, str]:
    """The model and training budget for a series of ``n_rows`` rows giving ``train_windows``
    training windows of ``window`` steps, and a sentence saying why ('' for the plain default)."""
    if n_rows < SMALL_SERIES_ROWS:
        train = replace(
            DEFAULT_TRAIN, epochs=SMALL_EPOCHS, early_stopping=False, keep_weights="last"
        )
        return (
            SMALL_MODEL,
            train,
            (
                f"A small series ({n_rows} rows): a small model ({SMALL_MODEL.cell}"
                f"({SMALL_MODEL.units[0]})) and a fixed budget of {SMALL_EPOCHS} epochs, keeping the "
                "last weights (its few validation rows give early stopping little to go on)."
            ),
        )
    steps = max(1, train_windows * window)
    epochs = min(DEFAULT_TRAIN.epochs, max(MIN_EPOCHS, LONG_SERIES_STEPS // steps))
    if epochs == DEFAULT_TRAIN.epochs:
        return DEFAULT_MODEL, DEFAULT_TRAIN, ""
    train = replace(DEFAULT_TRAIN, epochs=epochs, patience=LONG_PATIENCE)
    return (
        DEFAULT_MODEL,
        train,
        (
            f"A long series ({train_windows:,} training windows of {window} steps): {epochs} "
            f"epochs (about {LONG_SERIES_STEPS / 1e6:g} million steps read in all), stopping after "
            f"{LONG_PATIENCE} without gain."
        ),
    )


def widened_validation(spec: WindowSpec, n_rows: int) -> WindowSpec | None:
    """``spec`` with a validation part of at least :data:`MIN_VAL_WINDOWS` rows (the windows of
    the default one-step model), taken from the training rows; None when ``n_rows`` leave too
    few training windows for that."""
    val = max(spec.val_size, MIN_VAL_WINDOWS)
    room = spec.lag + spec.window + spec.horizon + MIN_TRAIN_WINDOWS - 1 + val + spec.test_size
    return replace(spec, val_size=val) if n_rows >= room else None


def early_stopping_budget(
    series: Series, spec: WindowSpec, model: ModelSpec, train: TrainSpec, why: str
) -> tuple[WindowSpec, TrainSpec, str]:
    """The windows, training and reason once early stopping has enough to go on.

    A series read as it is whose training rows correlate below :data:`LITTLE_MEMORY` with the
    row before (mostly noise about a level: the training mean is hard to beat) stops early,
    keeping the best epoch's weights, before the network fits the noise, even when small. Early
    stopping gets a validation part of :data:`MIN_VAL_WINDOWS` rows or more (when the series
    has room for it; else the budget stays as it was)."""
    n = len(series.frame)
    train_rows = n - spec.test_size - spec.val_size
    step = lag_correlation(series.frame[series.target].to_numpy(np.float64)[:train_rows], 1)
    little = spec.transform == "none" and step < LITTLE_MEMORY
    wider = widened_validation(spec, n)
    if wider is None or not (little or train.early_stopping):
        return spec, train, why
    widened = (
        f"A validation part of {wider.val_size} rows, so that early stopping has "
        f"{MIN_VAL_WINDOWS} windows or more to go on."
        if wider.val_size > spec.val_size
        else ""
    )
    if not little:
        return wider, train, " ".join(r for r in (why, widened) if r)
    patience = LITTLE_MEMORY_PATIENCE
    kept = replace(train, early_stopping=True, keep_weights="best", patience=patience)
    return (
        wider,
        kept,
        (
            f"Little memory (each training row correlates at {step:.2f} with the one before): "
            "mostly noise about a level, where the training mean is hard to beat. Early stopping "
            f"(patience {patience}, on {wider.val_size} validation rows) keeps the best epoch's "
            f"weights ({model.cell}({model.units[0]}), at most {train.epochs} epochs) before the "
            "network fits the noise."
        ),
    )


def data_recipe(series: Series) -> ForecastDefaults:
    """The default recipe for ``series``: the target transform, look-back and training budget
    its shape and size call for, a horizon of one season (or 12 rows) and a test part of two."""
    n = len(series.frame)
    season = series.season or 0
    horizon = max(1, min(season or 12, n // 12))
    test = max(horizon, min(2 * (season or 12), n // 6))
    val = max(horizon, min(season or 12, n // 8))
    transform, why_transform = target_transform(series, n - test - val)
    if transform in ("seasonal_diff", "log_seasonal_diff") and not seasonal_difference_fits(
        n, season, horizon, val, test
    ):
        transform, why_transform = (
            "none",
            (
                f"A season of {season} rows, but {n} rows are too few to also give up a season to "
                "differencing: the network reads the series as it is."
            ),
        )
    window, why_window = look_back(series, transform, n - test - val)
    window_spec = WindowSpec(
        window=window,
        horizon=horizon,
        test_size=test,
        val_size=val,
        transform=transform,
        season=season if transform in SEASONAL_TRANSFORMS else 0,
    )
    spec = window_spec
    train_windows = max(0, n - spec.lag - spec.window - spec.val_size - spec.test_size)
    model, train, why_budget = training_budget(n, train_windows, window)
    window_spec, train, why_budget = early_stopping_budget(
        series, window_spec, model, train, why_budget
    )
    if transform == "seasonal_profile":
        train = replace(train, learning_rate=PROFILE_LEARNING_RATE)
        why_budget = " ".join(
            r
            for r in (
                why_budget,
                f"A learning rate of {PROFILE_LEARNING_RATE:g}: the deviation from the profile "
                "holds little to learn, and larger steps reach their best in the first epoch or "
                "two, too early for early stopping to judge.",
            )
            if r
        )
    reasons = tuple(r for r in (why_transform, why_window, why_budget) if r)
    return ForecastDefaults(window_spec, model, train, reasons)


def recommended_window_spec(series: Series) -> WindowSpec:
    """The windows of the default recipe for ``series`` (see :func:`data_recipe`)."""
    return data_recipe(series).window_spec


@dataclass(frozen=True)
class ForecastRecipe:
    """A complete forecasting set-up: series, windows, model and training, in one click."""

    title: str
    dataset: str  # key of a built-in series
    window_spec: WindowSpec
    model: ModelSpec
    train: TrainSpec
    reported_rmse: float  # what the original reports on its test rows
    explanation: str


# The classic Keras LSTM tutorial on airline passengers (look-back 1, min-max scaling, the first
# 67% of the months for training, 100 epochs of batch 1, the weights of the last epoch).
TUTORIAL = ForecastRecipe(
    title="Airline tutorial (LSTM(4), look-back 1)",
    dataset="airline",
    window_spec=WindowSpec(window=1, horizon=1, test_size=48, val_size=0, scaler="minmax"),
    model=ModelSpec(cell="LSTM", units=(4,), topology="many_to_one"),
    train=TrainSpec(
        optimizer="adam",
        learning_rate=0.001,
        batch_size=1,
        epochs=100,
        seed=7,
        early_stopping=False,
        keep_weights="last",
    ),
    reported_rmse=47.5,
    explanation=(
        "The well-known tutorial trains LSTM(4) on the previous month only, min-max scaled, on the "
        "first 96 months (67%), 100 epochs of batch 1, and reports a test RMSE of about 47.5 on "
        "the last 48 (a plain-Keras rerun gives 51.9). Two differences here: its scaler is fitted "
        "on all 144 months, test included, while this app fits it on the training months only "
        "(the test months then reach above 1, outside anything seen in training); and it forms "
        "test windows from the test months alone, so its first test month is never predicted."
    ),
)
