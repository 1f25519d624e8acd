"""Forecast baselines a forecaster would use beside naive and seasonal naive: the training mean,
drift, and exponential smoothing (ETS / Holt-Winters, from statsmodels).

Every function forecasts from origins: ``starts`` are the first target rows, each forecast reads
only the rows before its start, and the result is ``(n, steps)`` in the series' units (column j
forecasts row ``start + j``). Parameters are fit on the training rows only, like the RNN's
weights; at each origin the smoother's state has read every row before it, as the RNN's window
has.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MEAN, DRIFT, ETS = "Mean (training rows)", "Drift", "ETS (Holt-Winters)"
MAX_ESTIMATED_SEASON = 24  # longer seasons start from statsmodels' heuristic, not an optimisation
MAX_ETS_ROWS = 20_000  # a longer series is left without ETS (its fit would hold the page up)


class OriginForecaster(Protocol):
    """A model fit on the training rows that forecasts from origins (ETS, SARIMA)."""

    def forecast(self, starts: np.ndarray, steps: int) -> np.ndarray:
        """(n, steps) forecasts, each from the rows before its origin."""
        ...


def mean_forecast(target: np.ndarray, train_end: int, starts: np.ndarray, steps: int) -> np.ndarray:
    """The mean of the training rows, at every origin and step: (n, steps)."""
    return np.full((len(starts), steps), float(np.mean(target[:train_end])))


def drift_forecast(target: np.ndarray, starts: np.ndarray, steps: int) -> np.ndarray:
    """The last value plus the average change since row 0, once per step ahead: (n, steps)."""
    starts = np.asarray(starts)
    last = target[starts - 1]  # (n,)
    slope = (last - target[0]) / np.maximum(starts - 1, 1)  # (n,)
    return last[:, None] + slope[:, None] * np.arange(1, steps + 1)[None, :]


@dataclass(frozen=True, eq=False)
class EtsFit:
    """Holt-Winters with additive trend (``seasonal`` "add", "mul" or None) whose parameters were
    fit on the training rows, and its states after every row of the whole series."""

    seasonal: str | None
    season: int | None
    phi: float  # damping (1: none)
    level: np.ndarray  # (n_rows,) state after reading each row
    trend: np.ndarray  # (n_rows,)
    season_states: np.ndarray  # (n_rows,) (zeros without a season)

    @property
    def description(self) -> str:
        if self.seasonal is None:
            return "additive trend, no season"
        kind = "multiplicative" if self.seasonal == "mul" else "additive"
        return f"additive trend, {kind} season of {self.season} rows"

    def forecast(self, starts: np.ndarray, steps: int) -> np.ndarray:
        """(n, steps) forecasts made at each origin from the states of the row before it."""
        last = np.asarray(starts)[:, None] - 1  # (n, 1) the row the forecast is made after
        h = np.arange(1, steps + 1)[None, :]  # (1, steps)
        damped = np.cumsum(self.phi ** np.arange(1, steps + 1))[None, :]  # sum of phi^1..phi^h
        level = self.level[last] + damped * self.trend[last]  # (n, steps)
        if self.seasonal is None:
            return level
        m = self.season
        phase = self.season_states[last + h - m * ((h - 1) // m + 1)]  # same phase, observed
        return level * phase if self.seasonal == "mul" else level + phase


def ets_candidates(target: np.ndarray, train_end: int, season: int | None) -> list[EtsFit]:
    """Holt-Winters fits on ``target[:train_end]`` (additive and, for a positive series,
    multiplicative season; Holt's linear trend without a season), each run over the whole series
    with its parameters held. A fit statsmodels cannot make is left out."""
    train = np.asarray(target[:train_end], dtype=float)
    seasonal_kinds: list[str | None] = [None]
    if season and season > 1 and len(train) >= 2 * season + 2:
        seasonal_kinds = ["add", "mul"] if (train > 0).all() else ["add"]
    fits = []
    for seasonal in seasonal_kinds:
        try:
            fits.append(_fit_ets(np.asarray(target, dtype=float), train, seasonal, season))
        except Exception:  # noqa: BLE001 - too short or degenerate for statsmodels: left out
            continue
    return [fit for fit in fits if np.isfinite(fit.level).all()]


def _fit_ets(target: np.ndarray, train: np.ndarray, seasonal: str | None, season: int | None):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    periods = season if seasonal else None
    init = "estimated" if (periods or 0) <= MAX_ESTIMATED_SEASON else "heuristic"
    with warnings.catch_warnings():  # convergence chatter: the validation score judges the fit
        warnings.simplefilter("ignore")
        fitted = ExponentialSmoothing(
            train, trend="add", seasonal=seasonal, seasonal_periods=periods,
            initialization_method=init,
        ).fit()  # fmt: skip
        p = fitted.params
        held = ExponentialSmoothing(
            target, trend="add", seasonal=seasonal, seasonal_periods=periods,
            initialization_method="known", initial_level=p["initial_level"],
            initial_trend=p["initial_trend"],
            initial_seasonal=p["initial_seasons"] if seasonal else None,
        ).fit(
            smoothing_level=p["smoothing_level"], smoothing_trend=p["smoothing_trend"],
            smoothing_seasonal=p["smoothing_seasonal"] if seasonal else None, optimized=False,
        )  # fmt: skip
    phi = p.get("damping_trend")
    return EtsFit(
        seasonal,
        periods,
        1.0 if phi is None or not np.isfinite(phi) else float(phi),
        np.asarray(held.level, float),
        np.asarray(held.trend, float),
        np.asarray(held.season, float) if seasonal else np.zeros(len(target)),
    )
