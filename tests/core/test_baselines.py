"""Forecast baselines checked against hand computation and statsmodels itself."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from rnnviz.tasks.forecast.baselines import (
    DRIFT,
    ETS,
    MEAN,
    drift_forecast,
    ets_candidates,
    mean_forecast,
)
from rnnviz.tasks.forecast.evaluation import baseline_forecasts, choose_ets
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec, make_windows


@pytest.fixture(scope="module")
def airline() -> np.ndarray:
    return load_builtin("airline").frame["passengers"].to_numpy(float)


def test_mean_and_drift_by_hand():
    target = np.array([1.0, 3.0, 2.0, 6.0, 5.0, 9.0])
    mean = mean_forecast(target, 4, np.array([4, 5]), 2)
    np.testing.assert_allclose(mean, np.full((2, 2), 3.0))  # mean of rows 0-3
    drift = drift_forecast(target, np.array([4, 5]), 2)
    # From row 3 (6): slope (6 - 1) / 3; from row 4 (5): slope (5 - 1) / 4.
    np.testing.assert_allclose(drift, [[6 + 5 / 3, 6 + 10 / 3], [6.0, 7.0]])


def held_statsmodels(y, params, seasonal):
    """statsmodels' own Holt-Winters on ``y`` with the parameters held (no refit)."""
    return ExponentialSmoothing(
        y,
        trend="add",
        seasonal=seasonal,
        seasonal_periods=12,
        initialization_method="known",
        initial_level=params["initial_level"],
        initial_trend=params["initial_trend"],
        initial_seasonal=params["initial_seasons"],
    ).fit(
        smoothing_level=params["smoothing_level"],
        smoothing_trend=params["smoothing_trend"],
        smoothing_seasonal=params["smoothing_seasonal"],
        optimized=False,
    )


@pytest.mark.parametrize("seasonal", ["add", "mul"])
def test_ets_matches_statsmodels_at_every_origin(airline, seasonal):
    fit = next(f for f in ets_candidates(airline, 108, 12) if f.seasonal == seasonal)
    fitted = ExponentialSmoothing(
        airline[:108],
        trend="add",
        seasonal=seasonal,
        seasonal_periods=12,
        initialization_method="estimated",
    ).fit()
    np.testing.assert_allclose(fit.level[:108], fitted.level)
    for origin in (108, 117, 130, 140):
        ours = fit.forecast(np.array([origin]), 11)[0]
        theirs = held_statsmodels(airline[:origin], fitted.params, seasonal).forecast(11)
        # Steps 1..11: statsmodels at step 12 reuses the seasonal state of one season earlier,
        # where the textbook forecast (ours) takes the latest one of that phase.
        np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_airline_twelve_month_holdout_multiplicative_rmse(airline):
    fits = {f.seasonal: f for f in ets_candidates(airline, 132, 12)}
    assert set(fits) == {"add", "mul"}
    forecast = fits["mul"].forecast(np.array([132]), 12)[0]
    rmse = float(np.sqrt(np.mean((forecast - airline[132:]) ** 2)))
    assert 15.0 < rmse < 16.5  # about 15.8 with statsmodels' own 12-step forecast


def test_ets_is_chosen_on_validation_and_every_baseline_is_forecast():
    series = load_builtin("airline")
    data = make_windows(series, WindowSpec(window=12, horizon=1, test_size=24, val_size=12))
    ets, note = choose_ets(data, 12, 3)
    assert ets is not None and ets.seasonal == "mul"
    assert "multiplicative season of 12 rows, chosen on validation (RMSE " in note
    assert "with an additive season)." in note
    starts = data.start_test[:4]
    baselines = baseline_forecasts(data, 12, starts, 3, {ETS: ets})
    assert list(baselines) == [
        "Naive (last value)",
        "Seasonal naive (season 12)",
        MEAN,
        DRIFT,
        ETS,
    ]
    assert all(f.shape == (4, 3) for f in baselines.values())
    np.testing.assert_allclose(baselines[MEAN], data.target[: data.train_end].mean())


def test_a_series_with_zeros_gets_only_an_additive_season():
    values = np.abs(np.sin(np.arange(120) * 2 * np.pi / 12)) * 10
    fits = ets_candidates(values, 96, 12)
    assert [f.seasonal for f in fits] == ["add"]
    assert [f.seasonal for f in ets_candidates(values, 96, None)] == [None]


def test_ets_is_left_out_of_a_very_long_series_and_says_so():
    from rnnviz.tasks.forecast.baselines import MAX_ETS_ROWS
    from rnnviz.tasks.forecast.series import Series

    n = MAX_ETS_ROWS + 100
    index = pd.date_range("2000-01-01", periods=n, freq="h")
    frame = pd.DataFrame({"y": np.sin(np.arange(n) / 5.0) + 2}, index=index)
    data = make_windows(Series("long", frame, "y"), WindowSpec(window=8, test_size=24))
    ets, note = choose_ets(data, None, 1)
    assert ets is None and note == "ETS left out: the series has more than 20,000 rows."
    assert ETS not in baseline_forecasts(data, None, data.start_test, 1)
