"""A SARIMA baseline (statsmodels' SARIMAX), offered where it is cheap.

A small fixed search: the seasonal difference D = 1 when the series has a season (and three
seasons of training rows), the difference d (0 or 1) from a KPSS unit-root test on the
(seasonally differenced) training rows, a constant only when d + D < 2 (a drift, as R's
auto.arima), and the orders (p, q) and (P, Q) of :data:`SEASONAL_ORDERS` or :data:`PLAIN_ORDERS`.
Each order is fit on the training rows only (maximum likelihood of the differenced rows); within
a transform (the values as they are, and their logarithm for a positive series) the lowest AIC
wins (``choose_sarima`` in :mod:`rnnviz.tasks.forecast.evaluation` then picks the transform on
validation). The parameters are then held and the Kalman filter runs over the whole series, so
at every origin the forecast reads only the rows before it, as the other baselines do (see
:mod:`rnnviz.tasks.forecast.baselines`). Where that is not cheap (:func:`sarima_skip_reason`,
judged from the series' length and season before any fit), SARIMA is left out and the page says
why.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from rnnviz.model.probes import single_threaded_blas

SARIMA = "SARIMA"
MAX_SARIMA_SEASON = 52  # a longer season (daily data with a yearly one) is left out
# Rows x fits x (state size + 2), the work of the search (see fit_work): a few seconds at most.
# Measured on 2 shared cores: 0.015-0.02 ms a unit at a load of 4 (1,000 daily rows with a
# weekly season, 132 thousand, in 2.0 s; 500 monthly rows 1.6 s; 2,000 rows without a season
# 1.3 s), 0.05-0.07 ms at a load of 9 (airline, 28 thousand, in 1.5 s; 600 weekly rows with a
# season of 52, 400 thousand, in 29 s; 20,000 rows without a season, 640 thousand, in 16 s).
SARIMA_BUDGET = 100_000
SEASONAL_ORDERS = tuple(
    (p, q, big_p, big_q) for p, q in ((0, 1), (1, 0), (1, 1)) for big_p, big_q in ((0, 1), (1, 0))
)
PLAIN_ORDERS = ((1, 0, 0, 0), (0, 1, 0, 0), (1, 1, 0, 0), (2, 1, 0, 0))
KPSS_LEVEL = 0.05  # a p-value below this rejects stationarity: difference once


@dataclass(frozen=True)
class SarimaOrder:
    """One candidate model: (p, d, q)(P, D, Q)s, a constant or not, on log values or not."""

    order: tuple[int, int, int]
    seasonal_order: tuple[int, int, int, int]  # (P, D, Q, s); s = 0 without a season
    log: bool
    trend: str  # "c" (a constant) or "n"

    @property
    def description(self) -> str:
        p, d, q = self.order
        text = f"SARIMA({p},{d},{q})"
        big_p, big_d, big_q, s = self.seasonal_order
        if s:
            text += f"({big_p},{big_d},{big_q}){s}"
        text += " with a constant" if self.trend == "c" else ""
        return text + (" on log values" if self.log else "")

    def as_config(self) -> dict:
        """Plain values to save with a run (its export fits the same model)."""
        return {
            "order": list(self.order),
            "seasonal_order": list(self.seasonal_order),
            "log": self.log,
            "trend": self.trend,
        }


@dataclass(frozen=True, eq=False)
class SarimaFit:
    """A SARIMA model fit on the training rows, its state-space matrices, and the state it
    predicts for every row of the whole series from the rows before it."""

    spec: SarimaOrder
    aic: float  # of the training fit, on the transformed values
    design: np.ndarray  # (k,)
    transition: np.ndarray  # (k, k)
    intercept: np.ndarray  # (k,) state intercept (the constant; zeros without one)
    predicted_state: np.ndarray  # (k, n_rows + 1): column t, the state of row t from rows < t

    @property
    def description(self) -> str:
        return self.spec.description

    def forecast(self, starts: np.ndarray, steps: int) -> np.ndarray:
        """(n, steps) forecasts in the series' units made at each origin from the rows before it
        (column j forecasts row ``start + j``)."""
        state = self.predicted_state[:, np.asarray(starts)]  # (k, n)
        columns = []
        for _ in range(steps):
            columns.append(self.design @ state)  # (n,)
            state = self.transition @ state + self.intercept[:, None]
        values = np.stack(columns, axis=1) if columns else np.zeros((len(state.T), 0))
        return np.exp(values) if self.spec.log else values


def sarima_skip_reason(n_rows: int, season: int | None) -> str | None:
    """Why SARIMA is left out of a series (None: it is cheap enough), judged before fitting."""
    if season and season > MAX_SARIMA_SEASON:
        return (
            f"SARIMA left out: a season of {season:,} rows is too long for it "
            f"(it is fit for seasons of up to {MAX_SARIMA_SEASON} rows)."
        )
    if fit_work(n_rows, season) > SARIMA_BUDGET:
        return (
            f"SARIMA left out: {n_rows:,} rows"
            + (f" with a season of {season} rows" if season else "")
            + " would take more than a few seconds to fit."
        )
    return None


def fit_work(n_rows: int, season: int | None) -> int:
    """Rows x fits (every order, on two transforms) x (the largest fit's state size + 2): the
    search's cost in the units of :data:`SARIMA_BUDGET`."""
    s = season or 0
    orders = orders_for(s)
    states = max(max(p + s * big_p, q + s * big_q + 1) for p, q, big_p, big_q in orders)
    return n_rows * 2 * len(orders) * (states + 2)


def orders_for(season: int) -> tuple[tuple[int, int, int, int], ...]:
    return SEASONAL_ORDERS if season else PLAIN_ORDERS


def differences(values: np.ndarray) -> int:
    """0 or 1: the KPSS test (level stationarity) on ``values`` rejects at 5%."""
    from statsmodels.tsa.stattools import kpss  # statsmodels is slow to import: only when fit

    if len(values) < 8 or np.ptp(values) == 0:
        return 0
    with warnings.catch_warnings():  # p-values outside the table are clipped: fine here
        warnings.simplefilter("ignore")
        p_value = kpss(values, regression="c", nlags="auto")[1]
    return int(p_value < KPSS_LEVEL)


def sarima_candidates(target: np.ndarray, train_end: int, season: int | None) -> list[SarimaFit]:
    """The lowest-AIC SARIMA of the order search per transform (values as they are; their
    logarithm for a positive series), fit on ``target[:train_end]`` and filtered over the whole
    series with its parameters held. An order statsmodels cannot fit is left out."""
    target = np.asarray(target, dtype=float)
    train = target[:train_end]
    s = season if season and season > 1 and len(train) >= 3 * season else 0
    transforms = [False, True] if (target > 0).all() else [False]
    fits = []
    with single_threaded_blas():  # tiny matrices: a multi-threaded BLAS runs 10x slower here
        for log in transforms:
            values = np.log(target) if log else target
            best = _best_order(values[:train_end], s, log)
            if best is not None:
                fits.append(_filtered(values, *best))
    return fits


def fit_order(target: np.ndarray, train_end: int, spec: SarimaOrder) -> SarimaFit | None:
    """One given order fit on ``target[:train_end]`` and filtered over the whole series (None
    when statsmodels cannot fit it)."""
    target = np.asarray(target, dtype=float)
    values = np.log(target) if spec.log else target
    with single_threaded_blas():
        fitted = _fit(values[:train_end], spec)
        return None if fitted is None else _filtered(values, spec, *fitted)


def _best_order(
    train: np.ndarray, season: int, log: bool
) -> tuple[SarimaOrder, np.ndarray, float] | None:
    """The order of the search with the lowest AIC on ``train`` (transformed), its parameters
    and AIC; None when none could be fit."""
    big_d = int(season > 0)
    seasonal_diff = train[season:] - train[:-season] if season else train
    d = differences(seasonal_diff)
    trend = "c" if d + big_d < 2 else "n"
    best = None
    for p, q, big_p, big_q in orders_for(season):
        spec = SarimaOrder((p, d, q), (big_p, big_d, big_q, season), log, trend)
        fitted = _fit(train, spec)
        if fitted is not None and (best is None or fitted[1] < best[2]):
            best = (spec, fitted[0], fitted[1])
    return best


def sarimax(values: np.ndarray, spec: SarimaOrder, simple_differencing: bool = False):
    """statsmodels' SARIMAX model of ``values`` (already transformed) for ``spec``."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX  # slow to import: only when fit

    return SARIMAX(
        values,
        order=spec.order,
        seasonal_order=spec.seasonal_order,
        trend=spec.trend,
        simple_differencing=simple_differencing,
    )


def fit_params(train: np.ndarray, spec: SarimaOrder) -> tuple[np.ndarray, float]:
    """Maximum-likelihood parameters of ``spec`` on the differenced training rows, and the AIC.
    (Differencing first keeps the state small: the fit is several times faster.)"""
    with warnings.catch_warnings():  # convergence chatter: the AIC and validation judge the fit
        warnings.simplefilter("ignore")
        result = sarimax(train, spec, simple_differencing=True).fit(disp=False, cov_type="none")
    return np.asarray(result.params, float), float(result.aic)


def _fit(train: np.ndarray, spec: SarimaOrder) -> tuple[np.ndarray, float] | None:
    try:
        params, aic = fit_params(train, spec)
    except Exception:  # noqa: BLE001 - too short or degenerate for statsmodels: left out
        return None
    return (params, aic) if np.isfinite(aic) and np.isfinite(params).all() else None


def _filtered(values: np.ndarray, spec: SarimaOrder, params: np.ndarray, aic: float) -> SarimaFit:
    """The Kalman filter over the whole (transformed) series with ``params`` held."""
    model = sarimax(values, spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = model.filter(params)
    ssm = model.ssm
    intercept = np.asarray(ssm["state_intercept"], float)
    return SarimaFit(
        spec,
        aic,
        np.asarray(ssm["design"], float)[0],
        np.asarray(ssm["transition"], float),
        intercept[:, 0] if intercept.ndim == 2 else intercept,  # a constant: the same every row
        np.asarray(result.filter_results.predicted_state, float),
    )
