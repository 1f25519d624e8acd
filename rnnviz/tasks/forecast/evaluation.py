"""Forecasts from a trained model, the baselines they are judged against, and the report shown.

Every topology is reduced to one shape, ``(n_windows, h)`` consecutive target steps starting at
``start`` (a row of the series): many-to-one and many-to-many make one-step predictions (h = 1;
many-to-many's last step is its next-value prediction); an encoder-decoder predicts h = horizon.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cached_property
from typing import TypeVar

import keras
import numpy as np
import pandas as pd

from rnnviz.common.csvread import DataError
from rnnviz.common.metrics import error_table, mae, rmse
from rnnviz.common.verdicts import (
    Verdict,
    forecast_verdict,
    kept_epoch,
    strongest_baselines,
    validation_warning,
)
from rnnviz.model.builder import stateless_twin
from rnnviz.model.inference import predict
from rnnviz.model.probes import single_threaded_blas
from rnnviz.model.spec import ModelSpec, Topology, TrainSpec
from rnnviz.tasks.base import Job
from rnnviz.tasks.forecast.baselines import (
    DRIFT,
    ETS,
    MAX_ETS_ROWS,
    MEAN,
    EtsFit,
    OriginForecaster,
    drift_forecast,
    ets_candidates,
    mean_forecast,
)
from rnnviz.tasks.forecast.sarima import SARIMA, SarimaFit, sarima_candidates, sarima_skip_reason
from rnnviz.tasks.forecast.series import BUILTIN_SERIES, Series
from rnnviz.tasks.forecast.windows import (
    WindowedData,
    WindowSpec,
    check_series_length,
    make_windows,
    sliding_windows,
)
from rnnviz.train.training import (
    PROBE_SAMPLES,
    FitData,
    TrainingRun,
    fixed_budget_if_thin,
    new_model,
)

SPLITS = ("train", "val", "test")


def windows_for(spec: WindowSpec, topology: Topology) -> WindowSpec:
    """The windows a topology trains on: the full horizon for an encoder-decoder, else one step."""
    return spec if topology == "encoder_decoder" else replace(spec, horizon=1)


def model_targets(
    data: WindowedData, split: str, topology: Topology
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of one split, shaped as the topology's head outputs."""
    x, y = getattr(data, f"x_{split}"), getattr(data, f"y_{split}")  # (n, window, f), (n, h)
    if topology == "many_to_one":
        return x, y[:, :1]  # (n, 1)
    if topology == "many_to_many":
        # Feature 0 is the (scaled) target, so the next value at every step is the input shifted.
        per_step = np.concatenate([x[:, 1:, 0], y[:, :1]], axis=1)  # (n, window)
        return x, per_step[..., None]  # (n, window, 1)
    return x, y[..., None]  # (n, horizon, 1)


def fit_data(data: WindowedData, topology: Topology) -> FitData:
    x_train, y_train = model_targets(data, "train", topology)
    x_val, y_val = model_targets(data, "val", topology)
    return FitData(x_train, y_train, x_val, y_val)


def predict_steps(model: keras.Model, x: np.ndarray, topology: Topology) -> np.ndarray:
    """Scaled predictions ``(n, h)`` of the consecutive target steps of each window."""
    if len(x) == 0:
        return np.zeros((0, 1), np.float32)
    out = predict(model, x)
    if topology == "many_to_one":
        return out[:, :1]  # (n, 1)
    if topology == "many_to_many":
        return out[:, -1, :1]  # (n, 1): the prediction after the last input step
    return out[..., 0]  # (n, horizon)


def forecast_future(
    model: keras.Model, data: WindowedData, topology: Topology, steps: int
) -> tuple[np.ndarray, str]:
    """``steps`` values past the end of the series (original units) and how they were made."""
    window = data.last_window()  # (1, window, features)
    if topology == "encoder_decoder":
        scaled = predict_steps(model, window, topology)[0, :steps]  # (h,)
        how = f"Direct multi-step forecast: the decoder emits {len(scaled)} steps at once."
    else:
        scaled, how = (
            _recursive(model, window, topology, steps)[0],
            ("Recursive forecast: each predicted value is fed back as the next input."),
        )
    if window.shape[-1] > 1:
        how += " " + COVARIATE_NOTE
    start = np.array([data.n_rows])
    return data.to_original(scaled[None, :], start)[0], how


def _recursive(
    model: keras.Model, window: np.ndarray, topology: Topology, steps: int
) -> np.ndarray:
    """(n, steps) scaled predictions, each fed back as the next input of its window."""
    window = window.copy()  # (n, window, features)
    values = []
    for _ in range(steps):
        step = predict_steps(model, window, topology)[:, 0]  # (n,)
        values.append(step)
        next_row = window[:, -1:, :].copy()  # (n, 1, features): extra inputs held
        next_row[:, 0, 0] = step
        window = np.concatenate([window[:, 1:, :], next_row], axis=1)
    return np.stack(values, axis=1).astype(np.float32)


def naive_forecast(data: WindowedData, start: np.ndarray, h: int) -> np.ndarray:
    """The last observed value (row start-1) repeated for every step: (n, h)."""
    last = data.actual(start - 1, 1)  # (n, 1)
    return np.repeat(last, h, axis=1)


def seasonal_naive_forecast(
    data: WindowedData, start: np.ndarray, h: int, season: int
) -> np.ndarray:
    """The value one season before each target step, from observed rows only: (n, h)."""
    steps = np.arange(h)
    seasons_back = steps // season + 1  # (h,) whole seasons back to reach an observed row
    rows = start[:, None] + steps[None, :] - seasons_back[None, :] * season  # (n, h)
    return data.actual(rows.ravel(), 1).reshape(rows.shape)


# -- every horizon, by rolling origin ------------------------------------------------------------
COVARIATE_NOTE = (
    "Extra input columns are not forecast: over a multi-step forecast they are held at their last "
    "observed value (what is known when the forecast is made)."
)
RNN, NAIVE = "RNN", "Naive (last value)"
LEVELS = (0.8, 0.95)


def seasonal_label(season: int) -> str:
    return f"Seasonal naive (season {season})"


def inputs_at(data: WindowedData, starts: np.ndarray) -> np.ndarray:
    """(n, window, features) scaled inputs of the windows whose first target row is each start."""
    window = data.spec.window
    views = sliding_windows(data.scaled, window)  # views[i] reads rows i .. i + window - 1
    return views[np.asarray(starts) - window].astype(np.float32)


def multi_step(
    model: keras.Model, data: WindowedData, topology: Topology, starts: np.ndarray, steps: int
) -> np.ndarray:
    """(n, steps) forecasts in original units made at each origin ``start`` from rows before it.

    An encoder-decoder emits its horizon at once (direct); the other topologies feed each
    one-step prediction back as the next input (recursive), extra inputs held at their last value.
    """
    if len(starts) == 0:
        return np.zeros((0, steps))
    x = inputs_at(data, starts)  # (n, window, features)
    if topology == "encoder_decoder":
        scaled = predict_steps(model, x, topology)[:, :steps]  # (n, steps)
    else:
        scaled = _recursive(model, x, topology, steps)  # (n, steps)
    return data.to_original(scaled, starts)


def _origins(data: WindowedData, lo: int, hi: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Origins whose forecasts reach a target row in ``[lo, hi)`` within ``steps`` steps, and the
    (n, steps) mask of the forecasts whose target lies in that range."""
    first = data.first_row + data.spec.window  # the first row with a full look-back before it
    starts = np.arange(max(first, lo - steps + 1), hi)  # (n,)
    rows = starts[:, None] + np.arange(steps)  # (n, steps) target row of each forecast step
    return starts, (rows >= lo) & (rows < hi)


@dataclass(eq=False)
class HorizonForecasts:
    """Forecasts at every horizon 1..H for every target row of one split (rolling origin).

    Entry ``[i, h - 1]`` forecasts row ``start[i] + h - 1`` from the rows before ``start[i]``;
    ``mask`` keeps the entries whose target row lies in the split, so every horizon is scored on
    the same rows.
    """

    start: np.ndarray  # (n,)
    actual: np.ndarray  # (n, H)
    predictions: dict[str, np.ndarray]  # model name -> (n, H), original units
    mask: np.ndarray  # (n, H) bool

    @property
    def steps(self) -> int:
        return self.actual.shape[1]

    def at(self, name: str, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Actual and predicted values of the split's rows forecast ``h`` steps ahead."""
        keep = self.mask[:, h - 1]
        return self.actual[keep, h - 1], self.predictions[name][keep, h - 1]


Classical = Mapping[str, OriginForecaster]  # the fitted models (ETS, SARIMA) by name


def baseline_forecasts(
    data: WindowedData,
    season: int | None,
    starts: np.ndarray,
    steps: int,
    classical: Classical | None = None,
) -> dict[str, np.ndarray]:
    """Every baseline's (n, steps) forecasts from each origin: naive, seasonal naive (with a
    season), the training mean, drift and the fitted classical models (ETS, SARIMA)."""
    baselines = {NAIVE: naive_forecast(data, starts, steps)}
    if season:
        baselines[seasonal_label(season)] = seasonal_naive_forecast(data, starts, steps, season)
    baselines[MEAN] = mean_forecast(data.target, data.train_end, starts, steps)
    baselines[DRIFT] = drift_forecast(data.target, starts, steps)
    for name, fit in (classical or {}).items():
        baselines[name] = fit.forecast(starts, steps)
    return baselines


def split_rows(data: WindowedData, split: str) -> tuple[int, int]:
    """The ``[lo, hi)`` rows of a split."""
    return {
        "train": (0, data.train_end),
        "val": (data.train_end, data.val_end),
        "test": (data.val_end, data.n_rows),
    }[split]


def split_origins(data: WindowedData, split: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Origins and mask of the forecasts whose target row lies in ``split`` (rolling origin)."""
    lo, hi = split_rows(data, split)
    starts, mask = _origins(data, lo, hi, steps)
    return starts, mask & ((starts[:, None] + np.arange(steps)) < data.n_rows)


def horizon_forecasts(
    model: keras.Model,
    data: WindowedData,
    topology: Topology,
    season: int | None,
    split: str,
    steps: int,
    classical: Classical | None = None,
) -> HorizonForecasts:
    """The model and the baselines at horizons 1..steps for every target row of ``split``."""
    starts, mask = split_origins(data, split, steps)
    predictions = {
        RNN: multi_step(model, data, topology, starts, steps),
        **baseline_forecasts(data, season, starts, steps, classical),
    }
    return HorizonForecasts(starts, data.actual(starts, steps), predictions, mask)


def choose_ets(data: WindowedData, season: int | None, steps: int) -> tuple[EtsFit | None, str]:
    """The Holt-Winters fit (additive or multiplicative season) with the lower mean RMSE over
    horizons 1..steps on validation (rolling origin), and a sentence on what was chosen."""
    if data.n_rows > MAX_ETS_ROWS:
        return None, f"ETS left out: the series has more than {MAX_ETS_ROWS:,} rows."
    candidates = ets_candidates(data.target, data.train_end, season)
    if not candidates:
        return None, "ETS left out: statsmodels could not fit it on the training rows."
    if not split_origins(data, "val", steps)[1].any():
        chosen = candidates[0]
        return chosen, f"ETS: {chosen.description} (no validation rows to choose on)."
    kinds = {"add": "an additive season", "mul": "a multiplicative season", None: "no season"}
    chosen, why = chosen_on_validation(data, candidates, steps, lambda f: kinds[f.seasonal])
    return chosen, f"ETS: {chosen.description}{why}."


def validation_rmse(data: WindowedData, fit: OriginForecaster, steps: int) -> float:
    """A fitted model's mean RMSE over horizons 1..steps on validation (rolling origin)."""
    starts, mask = split_origins(data, "val", steps)
    actual, predicted = data.actual(starts, steps), fit.forecast(starts, steps)
    return float(
        np.mean([rmse(actual[mask[:, h], h], predicted[mask[:, h], h]) for h in range(steps)])
    )


Fit = TypeVar("Fit", bound=OriginForecaster)


def chosen_on_validation(
    data: WindowedData, candidates: list[Fit], steps: int, kind: Callable[[Fit], str]
) -> tuple[Fit, str]:
    """The candidate with the lowest :func:`validation_rmse`, and the clause that says so
    (empty for a single candidate); ``kind`` names what sets a candidate apart."""
    scores = [(validation_rmse(data, fit, steps), fit) for fit in candidates]
    score, chosen = min(scores, key=lambda pair: pair[0])
    if len(scores) == 1:
        return chosen, ""
    others = ", ".join(f"{s:.3g} with {kind(f)}" for s, f in scores if f is not chosen)
    return chosen, f", chosen on validation (RMSE {score:.3g}, against {others})"


def choose_sarima(
    data: WindowedData, season: int | None, steps: int
) -> tuple[SarimaFit | None, str]:
    """The SARIMA of the order search (lowest AIC on the training rows, per transform) whose
    transform (values as they are, or their logarithm) has the lower mean RMSE over horizons
    1..steps on validation, and a sentence on what was chosen; None where it is not cheap."""
    reason = sarima_skip_reason(data.n_rows, season)
    if reason is not None:
        return None, reason
    candidates = sarima_candidates(data.target, data.train_end, season)
    if not candidates:
        return None, "SARIMA left out: statsmodels could not fit it on the training rows."
    rule = "the order with the lowest AIC on the training rows"
    if not split_origins(data, "val", steps)[1].any():
        chosen = candidates[-1]  # on log values for a positive series
        return chosen, f"SARIMA: {chosen.description}, {rule} (no validation rows to choose on)."
    chosen, why = chosen_on_validation(
        data, candidates, steps, lambda f: "log values" if f.spec.log else "the values as they are"
    )
    return chosen, f"SARIMA: {chosen.description}, {rule}{why}."


def classical_models(
    data: WindowedData, season: int | None, steps: int
) -> tuple[dict[str, OriginForecaster], str]:
    """The classical models fit on the training rows (ETS, SARIMA where cheap) by name, and
    the sentences on what was fitted and chosen."""
    with single_threaded_blas():  # tiny matrices: a multi-threaded BLAS runs 10x slower here
        ets, ets_note = choose_ets(data, season, steps)
        sarima, sarima_note = choose_sarima(data, season, steps)
    fitted = {ETS: ets, SARIMA: sarima}
    models = {name: fit for name, fit in fitted.items() if fit is not None}
    return models, f"{ets_note} {sarima_note}"


def horizon_errors(forecasts: HorizonForecasts) -> pd.DataFrame:
    """One row per horizon: RMSE and MAE of the model and of each baseline, and the row count."""
    rows = []
    for h in range(1, forecasts.steps + 1):
        row: dict = {"horizon": h, "rows": int(forecasts.mask[:, h - 1].sum())}
        for name in forecasts.predictions:
            actual, predicted = forecasts.at(name, h)
            row[f"{name} RMSE"] = rmse(actual, predicted)
            row[f"{name} MAE"] = mae(actual, predicted)
        rows.append(row)
    return pd.DataFrame(rows)


def error_columns(by_horizon: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The horizon table with one error (``RMSE`` or ``MAE``) per model, named by the model
    alone, and the strongest baseline at each horizon: narrow enough for the page (the row
    count only where it differs between horizons; the page says it otherwise)."""
    columns = [c for c in by_horizon.columns if c.endswith(f" {unit}")]
    counts = ["rows"] if by_horizon["rows"].nunique() > 1 else []
    table = by_horizon[["horizon", *counts, *columns]].rename(
        columns=lambda c: c.removesuffix(f" {unit}")
    )
    best = strongest_baselines(by_horizon, RNN, unit)
    return table.assign(**{"strongest baseline": best.to_numpy()})


# -- prediction intervals --------------------------------------------------------------------------
@dataclass(frozen=True)
class ConformalIntervals:
    """Split-conformal intervals per horizon, calibrated on validation residuals.

    Residuals are taken in log units for a log-transformed target (the interval then grows with
    the level) and in original units otherwise. Each horizon's residuals are divided by their
    root mean square ``scale[h]`` (kept non-decreasing in h), the normalised scores of all
    horizons are pooled, and the conformal quantile ``q`` of level ``1 - alpha`` (the
    ceil((n + 1)(1 - alpha))-th smallest of n scores) gives the half-width ``q * scale[h]``.
    Pooling lets a short validation part (12 rows) still calibrate a 95% interval.
    """

    scale: np.ndarray  # (H,)
    quantiles: dict[float, float]  # level -> q
    log: bool
    n_scores: int

    def bounds(self, forecast: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds around ``forecast`` (n, H) or (H,) at ``level``."""
        half = self.quantiles[level] * self.scale[: np.shape(forecast)[-1]]
        if self.log:
            return forecast * np.exp(-half), forecast * np.exp(half)
        return forecast - half, forecast + half


def _residuals(forecasts: HorizonForecasts, log: bool) -> np.ndarray:
    """(n, H) model residuals (NaN outside the split), in log units when ``log``."""
    actual, predicted = forecasts.actual, forecasts.predictions[RNN]
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.log(actual) - np.log(predicted) if log else actual - predicted
    return np.where(forecasts.mask, error, np.nan)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The split-conformal quantile: the ceil((n + 1) * level)-th smallest score (inf if n is
    too small for the level)."""
    scores = np.sort(scores[np.isfinite(scores)])
    rank = math.ceil((len(scores) + 1) * level)
    return float(scores[rank - 1]) if rank <= len(scores) else math.inf


def calibrate_intervals(
    calibration: HorizonForecasts, log: bool, levels: tuple[float, ...] = LEVELS
) -> ConformalIntervals:
    """Intervals from the residuals of the calibration (validation) forecasts."""
    errors = _residuals(calibration, log)  # (n, H)
    counts = np.isfinite(errors).sum(axis=0)  # (H,)
    if not counts.all():
        raise ValueError("Every horizon needs at least one validation residual.")
    scale = np.sqrt(np.nanmean(errors**2, axis=0))  # (H,)
    scale = np.maximum.accumulate(np.where(scale > 0, scale, np.finfo(float).eps))
    scores = np.abs(errors) / scale  # (n, H)
    quantiles = {level: conformal_quantile(scores.ravel(), level) for level in levels}
    return ConformalIntervals(scale, quantiles, log, int(np.isfinite(scores).sum()))


def interval_coverage(intervals: ConformalIntervals, forecasts: HorizonForecasts) -> pd.DataFrame:
    """Share of the split's actual values inside the interval, per horizon and overall."""
    rows = []
    for level in intervals.quantiles:
        low, high = intervals.bounds(forecasts.predictions[RNN], level)  # (n, H)
        inside = (forecasts.actual >= low) & (forecasts.actual <= high)
        if math.isinf(intervals.quantiles[level]):
            continue  # an unbounded interval covers everything by construction: no figure
        per_h = [float(inside[forecasts.mask[:, h]].mean()) for h in range(forecasts.steps)]
        rows.append(
            {
                "level": level,
                "coverage": float(inside[forecasts.mask].mean()),
                "per_horizon": per_h,
            }
        )
    return pd.DataFrame(rows)


@dataclass(eq=False)
class ForecastReport:
    fitted: pd.DataFrame  # time, split, actual, predicted (one step ahead, every row with inputs)
    errors: pd.DataFrame  # test RMSE/MAE/MAPE of the model and the baselines
    future: pd.DataFrame  # time, forecast, baselines, and bounds "low 80%", "high 80%", ...
    future_note: str
    horizon: int
    actual: pd.DataFrame = field(default_factory=pd.DataFrame)  # time, actual: the whole series
    by_horizon: pd.DataFrame = field(default_factory=pd.DataFrame)  # horizon_errors on test
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # interval_coverage on test
    interval_note: str = ""
    baseline_note: str = ""  # which ETS and SARIMA were fitted and how they were chosen
    sarima: dict = field(default_factory=dict)  # SarimaOrder.as_config() ({}: none fitted)


REPORT_PREFIX = "report "  # the names of a ForecastReport's fields among a run's inspect values
LATER_REPORT_FIELDS = ("sarima",)  # added since runs were first saved: optional when read


def report_values(report: ForecastReport) -> dict:
    """A report as named values (tables and plain values) to save with its run."""
    return {REPORT_PREFIX + f.name: getattr(report, f.name) for f in fields(ForecastReport)}


def report_from_values(values: dict) -> ForecastReport | None:
    """The report :func:`report_values` saved, or None when the values hold none (or not all)."""
    names = [f.name for f in fields(ForecastReport)]
    required = [name for name in names if name not in LATER_REPORT_FIELDS]
    if not all(REPORT_PREFIX + name in values for name in required):
        return None
    return ForecastReport(
        **{name: values[REPORT_PREFIX + name] for name in names if REPORT_PREFIX + name in values}
    )


def horizon_metrics(report: ForecastReport) -> dict[str, float]:
    """The figures runs are ranked on: mean RMSE over horizons 1..H, RMSE at H, and coverage."""
    table = report.by_horizon
    if table.empty:
        return {}
    steps = int(table["horizon"].iloc[-1])
    metrics = {
        f"test RMSE 1-{steps} steps": float(table[f"{RNN} RMSE"].mean()),
        f"test RMSE at {steps} steps": float(table[f"{RNN} RMSE"].iloc[-1]),
    }
    for column in table.columns:
        if column.endswith(" RMSE") and column != f"{RNN} RMSE":
            metrics[f"{column} 1-{steps} steps"] = float(table[column].mean())
    for _, row in report.coverage.iterrows():
        metrics[f"test coverage {row['level']:.0%}"] = float(row["coverage"])
    return metrics


def one_step_fitted(model: keras.Model, data: WindowedData, topology: Topology) -> pd.DataFrame:
    """The one-step-ahead prediction of every row that has a full look-back, split by row."""
    frames = []
    for split in SPLITS:
        forecasts = horizon_forecasts(model, data, topology, None, split, 1)
        start = forecasts.start[forecasts.mask[:, 0]]
        frames.append(
            pd.DataFrame(
                {
                    "time": data.index[start],
                    "split": split,
                    "actual": data.target[start],
                    "predicted": forecasts.predictions[RNN][forecasts.mask[:, 0], 0],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def future_baselines(
    data: WindowedData, season: int | None, steps: int, classical: Classical | None = None
) -> dict[str, np.ndarray]:
    """Every baseline's forecast past the end of the series, (steps,) each."""
    end = np.array([data.n_rows])
    forecasts = baseline_forecasts(data, season, end, steps, classical)
    return {name: f[0] for name, f in forecasts.items()}


def evaluate_forecast(
    model: keras.Model,
    data: WindowedData,
    topology: Topology,
    season: int | None,
    future_steps: int,
) -> ForecastReport:
    """One-step fit over every split, test errors at every horizon beside the baselines, the
    future forecast with conformal bands, and their coverage on test."""
    steps = data.spec.horizon if topology == "encoder_decoder" else future_steps
    future, note = forecast_future(model, data, topology, steps)
    classical, classical_note = classical_models(data, season, steps)
    future_frame = pd.DataFrame(
        {
            "time": future_index(data.index, len(future)),
            "forecast": future,
            **future_baselines(data, season, len(future), classical),
        }
    )
    test = horizon_forecasts(model, data, topology, season, "test", steps, classical)
    coverage, interval_note = pd.DataFrame(), ""
    if data.spec.val_size:
        calibration = horizon_forecasts(model, data, topology, None, "val", steps)
        intervals = calibrate_intervals(calibration, log=data.spec.is_log)
        for level in intervals.quantiles:
            low, high = intervals.bounds(future, level)
            future_frame[f"low {level:.0%}"], future_frame[f"high {level:.0%}"] = low, high
        coverage = interval_coverage(intervals, test)
        interval_note = (
            f"Split-conformal intervals from {intervals.n_scores} validation residuals "
            f"({'relative, in log units' if intervals.log else 'in the series units'}), "
            "scaled per horizon."
        )
        unbounded = [f"{level:.0%}" for level, q in intervals.quantiles.items() if math.isinf(q)]
        if unbounded:
            interval_note += (
                f" Too few residuals for a {' or '.join(unbounded)} interval: it is unbounded "
                "(not drawn); lengthen the validation part."
            )
    else:
        interval_note = "No validation rows: no prediction intervals (they are calibrated there)."
    return ForecastReport(
        fitted=one_step_fitted(model, data, topology),
        errors=forecast_errors(model, data, topology, season, classical),
        future=future_frame,
        future_note=note,
        horizon=data.y_test.shape[1] if topology == "encoder_decoder" else 1,
        actual=pd.DataFrame({"time": data.index, "actual": data.target}),
        by_horizon=horizon_errors(test),
        coverage=coverage,
        interval_note=interval_note,
        baseline_note=BASELINE_NOTE + " " + classical_note,
        sarima=sarima.spec.as_config()
        if isinstance(sarima := classical.get(SARIMA), SarimaFit)
        else {},
    )


BASELINE_NOTE = (
    "Baselines are fit on the training rows only, like the RNN's weights; at each origin they "
    "read the rows before it, as the RNN's window does."
)


def forecast_errors(
    model: keras.Model,
    data: WindowedData,
    topology: Topology,
    season: int | None,
    classical: Classical | None = None,
) -> pd.DataFrame:
    """RMSE, MAE and MAPE on every test target step, for the model and the baselines."""
    start = data.start_test
    scaled = predict_steps(model, data.x_test, topology)
    h = scaled.shape[1]
    actual = data.actual(start, h)
    predictions = {
        RNN: data.to_original(scaled, start),
        **baseline_forecasts(data, season, start, h, classical),
    }
    return pd.DataFrame(error_table(actual, predictions))


def future_index(index: pd.Index, steps: int) -> pd.Index:
    """The next ``steps`` labels after the end of a time (or integer) index."""
    if isinstance(index, pd.DatetimeIndex) and len(index) > 2:
        freq = index.freq or pd.infer_freq(index)
        if freq is not None:
            return pd.date_range(index[-1], periods=steps + 1, freq=freq)[1:]
        step = (index[-1] - index[0]) / (len(index) - 1)
        return pd.DatetimeIndex([index[-1] + step * (k + 1) for k in range(steps)])
    last = int(index[-1]) if len(index) else -1
    return pd.RangeIndex(last + 1, last + 1 + steps)


@dataclass(eq=False)
class ForecastJob(Job):
    """A forecasting run with what it was trained on, so Inspect can evaluate it later."""

    series_name: str
    season: int | None
    window_spec: WindowSpec
    data: WindowedData
    run: TrainingRun
    dataset_key: str | None = None  # the built-in series it came from (None: an upload)
    inputs: tuple[str, ...] = ()
    task = "forecast"
    _report: ForecastReport | None = field(default=None, init=False, repr=False)

    @property
    def dataset_name(self) -> str:
        return self.series_name

    @property
    def topology(self) -> Topology:
        return self.run.spec.topology

    def summary(self) -> tuple[dict, dict, pd.DataFrame]:
        """What a saved run keeps: data settings, test metrics and the predictions."""
        report = self.report()
        rnn = report.errors.set_index("model").loc["RNN"]
        metrics = {f"test {k}": float(rnn[k]) for k in ("RMSE", "MAE", "MAPE %")}
        for _, row in report.errors.iloc[1:].iterrows():
            metrics[f"{row['model']} RMSE"] = float(row["RMSE"])
        metrics.update(horizon_metrics(report))
        data_config = {
            **asdict(self.window_spec),
            "dataset_key": self.dataset_key,
            "target": self.data.columns[0],
            "inputs": list(self.inputs),
            "season": self.season,
            "sarima": report.sarima or None,  # the SARIMA baseline's order, for the export
        }
        future = report.future.rename(columns={"forecast": "predicted"}).assign(split="future")
        return data_config, metrics, pd.concat([report.fitted, future], ignore_index=True)

    @cached_property
    def inference_model(self) -> keras.Model:
        """The trained model without a fixed batch size (read once training has ended)."""
        return stateless_twin(self.run.model, self.run.spec)

    def report(self) -> ForecastReport:
        """The test-set evaluation against the baselines: saved with the run (computed in the
        worker at save time), else computed now; once per job (its weights are final)."""
        if self._report is None:
            self._report = report_from_values(self.saved_inspect_values()) or evaluate_forecast(
                self.inference_model,
                self.data,
                self.topology,
                self.season,
                self.window_spec.horizon,
            )
        return self._report

    def inspect_values(self) -> dict:
        return report_values(self.report())

    def verdict(self, report: ForecastReport) -> Verdict:
        """Beats every baseline at every horizon? Never green on too little validation data."""
        state = self.run.snapshot()
        keep = self.run.train.keep_weights
        caution = validation_warning(
            len(self.data.x_val),
            kept_epoch(state.history, keep),
            len(state.history.get("loss", [])),
            kept_last=keep == "last",
        )
        return forecast_verdict(report.by_horizon, caution)


def forecast_job(
    series: Series, window_spec: WindowSpec, spec: ModelSpec, train: TrainSpec
) -> ForecastJob:
    """Window the data for the topology, build and compile a seeded model, wrap it in a run."""
    data = make_windows(series, windows_for(window_spec, spec.topology))
    fit = fit_data(data, spec.topology)
    train = fixed_budget_if_thin(train, len(fit.x_val))
    model = new_model(spec, train, fit.x_train.shape[1:])
    probe_x = (fit.x_val if len(fit.x_val) else fit.x_train)[:PROBE_SAMPLES]
    run = TrainingRun(model, spec, train, fit, probe_x=probe_x)
    return ForecastJob(
        series.name, series.season, window_spec, data, run, builtin_key(series), series.inputs
    )


def builtin_key(series: Series) -> str | None:
    """The key of the built-in series ``series`` was loaded from (None: an upload)."""
    return next((k for k, b in BUILTIN_SERIES.items() if b.title == series.name), None)


# -- rolling-origin backtest -----------------------------------------------------------------------
def horizon_summary(job: ForecastJob) -> dict[str, float]:
    """RMSE over every test row and horizon 1..H (mean of the per-horizon RMSEs), per model."""
    table = job.report().by_horizon
    return {
        column.removesuffix(" RMSE"): float(table[column].mean())
        for column in table.columns
        if column.endswith(" RMSE")
    }


@dataclass(eq=False)
class Backtest:
    """Per fold: the rows it trained on, its test rows and the mean RMSE over horizons 1..H."""

    folds: pd.DataFrame
    stopped: bool = False
    planned: int = 0  # the folds asked for

    @property
    def summary(self) -> str:
        return f"{len(self.folds)} of {self.planned} folds scored."

    def spread(self, model: str = RNN) -> tuple[float, float]:
        """Mean and standard deviation of a model's fold RMSEs."""
        values = self.folds[model].to_numpy(float)
        return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def backtest(
    series: Series,
    window_spec: WindowSpec,
    folds: int,
    fit: Callable[[Series, WindowSpec], ForecastJob],
    on_progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Backtest:
    """Refit ``folds`` times on an expanding series and score each fold's test rows.

    Fold ``i`` (0-based) ends ``(folds - 1 - i) * test_size`` rows before the series' end, so the
    last fold is the usual split and the folds' test parts tile the end of the series without
    overlap. ``fit(series, window_spec)`` builds and trains a job (the caller decides how, and may
    honour Stop inside a fold); ``on_progress(done, folds)`` is called after each fold, and
    ``should_stop()`` is checked before each fold and after it (a fold stopped while training
    is not scored).
    """
    if folds < 1:
        raise ValueError("A backtest needs at least one fold.")
    first_end = series.n_rows - (folds - 1) * window_spec.test_size
    try:  # the first (shortest) fold must still split: say so before any training
        check_series_length(
            first_end,
            window_spec.window,
            window_spec.horizon,
            window_spec.test_size,
            window_spec.val_size,
            window_spec.lag,
        )
    except DataError as error:
        message = f"With {folds} folds the first one keeps {max(first_end, 0)} rows. {error}"
        raise DataError(message) from None
    rows = []
    for i in range(folds):
        if should_stop is not None and should_stop():
            return Backtest(pd.DataFrame(rows), stopped=True, planned=folds)
        end = series.n_rows - (folds - 1 - i) * window_spec.test_size
        fold_series = replace(series, frame=series.frame.iloc[:end])
        job = fit(fold_series, window_spec)
        if should_stop is not None and should_stop():  # stopped inside the fold: not scored
            return Backtest(pd.DataFrame(rows), stopped=True, planned=folds)
        test_from = end - window_spec.test_size
        rows.append(
            {
                "fold": i + 1,
                "training rows": test_from - window_spec.val_size,
                "test from": series.frame.index[test_from],
                "test to": series.frame.index[end - 1],
                **horizon_summary(job),
            }
        )
        if on_progress is not None:
            on_progress(i + 1, folds)
    return Backtest(pd.DataFrame(rows), planned=folds)
