"""Forecast targets, baselines, metrics and the airline quality anchor."""

import numpy as np
import pandas as pd
import pytest

from rnnviz.datasets import Series, load_builtin
from rnnviz.forecast import (
    forecast_errors,
    forecast_future,
    forecast_job,
    future_index,
    model_targets,
    naive_forecast,
    seasonal_naive_forecast,
    windows_for,
)
from rnnviz.metrics import mae, mape, rmse
from rnnviz.recipes import DEFAULT_MODEL, DEFAULT_TRAIN, recommended_window_spec
from rnnviz.spec import ModelSpec, TrainSpec
from rnnviz.windows import WindowSpec, make_windows


def ramp_series(n: int = 80) -> Series:
    index = pd.date_range("2000-01-01", periods=n, freq="MS")
    values = 100 + np.arange(n) + 10 * np.sin(np.arange(n) * 2 * np.pi / 12)
    return Series("ramp", pd.DataFrame({"y": values}, index=index), "y", season=12)


def test_metrics_against_hand_computation():
    a, p = np.array([1.0, 2.0, 4.0]), np.array([2.0, 2.0, 1.0])
    assert rmse(a, p) == pytest.approx(np.sqrt((1 + 0 + 9) / 3))
    assert mae(a, p) == pytest.approx(4 / 3)
    assert mape(a, p) == pytest.approx(100 * (1 + 0 + 0.75) / 3)
    assert mape(np.array([0.0, 2.0]), np.array([1.0, 1.0])) == pytest.approx(
        50.0
    )  # zero actual skipped
    assert np.isnan(rmse(np.array([np.nan]), np.array([1.0])))


@pytest.mark.parametrize("topology", ["many_to_one", "many_to_many", "encoder_decoder"])
def test_targets_are_shaped_for_each_topology(topology):
    spec = windows_for(WindowSpec(window=6, horizon=3, test_size=6, val_size=6), topology)
    data = make_windows(ramp_series(), spec)
    x, y = model_targets(data, "train", topology)
    n = len(x)
    expected = {"many_to_one": (n, 1), "many_to_many": (n, 6, 1), "encoder_decoder": (n, 3, 1)}[
        topology
    ]
    assert y.shape == expected
    if topology == "many_to_many":
        # The target at step t is the input at step t + 1; the last is the window's next value.
        np.testing.assert_allclose(y[:, :-1, 0], x[:, 1:, 0])
        np.testing.assert_allclose(y[:, -1, 0], data.y_train[:, 0])


def test_baselines_against_an_independent_loop():
    series = ramp_series()
    data = make_windows(series, WindowSpec(window=6, horizon=3, test_size=6, val_size=6))
    values = series.frame["y"].to_numpy()
    start = data.start_test
    naive = naive_forecast(data, start, 3)
    seasonal = seasonal_naive_forecast(data, start, 3, 12)
    for i, s in enumerate(start):
        assert naive[i].tolist() == pytest.approx([values[s - 1]] * 3)
        assert seasonal[i].tolist() == pytest.approx([values[s + k - 12] for k in range(3)])
    # A horizon longer than the season only looks back at observed rows.
    long = seasonal_naive_forecast(data, start[:1], 14, 12)
    assert long[0, 12] == pytest.approx(values[start[0] + 12 - 24])


def test_future_index_continues_the_calendar():
    index = pd.date_range("2000-01-01", periods=5, freq="MS")
    assert list(future_index(index, 2)) == list(pd.to_datetime(["2000-06-01", "2000-07-01"]))
    assert list(future_index(pd.RangeIndex(10), 3)) == [10, 11, 12]


@pytest.mark.parametrize("topology", ["many_to_one", "encoder_decoder"])
def test_job_trains_and_forecasts_past_the_end(topology):
    spec = ModelSpec(cell="GRU", units=(4,), topology=topology, horizon=3)
    window_spec = WindowSpec(window=6, horizon=3, test_size=6, val_size=6)
    job = forecast_job(ramp_series(), window_spec, spec, TrainSpec(epochs=2, batch_size=16))
    job.run.run()
    report = job.report()
    assert len(report.future) == 3 and report.future["time"].iloc[0] == pd.Timestamp("2006-09-01")
    assert np.isfinite(report.future["forecast"]).all()
    assert set(report.fitted["split"]) == {"train", "val", "test"}
    # Recursive and direct forecasts agree with the model's own first step from the last window.
    future, _ = forecast_future(job.inference_model, job.data, topology, 3)
    np.testing.assert_allclose(future, report.future["forecast"], rtol=1e-5)


def test_default_recipe_beats_seasonal_naive_on_airline():
    """The quality anchor: last 24 months as test, the RNN's RMSE below the seasonal-naive one."""
    series = load_builtin("airline")
    job = forecast_job(series, recommended_window_spec(series), DEFAULT_MODEL, DEFAULT_TRAIN)
    job.run.run()
    errors = forecast_errors(job.inference_model, job.data, job.topology, series.season).set_index(
        "model"
    )
    assert errors.loc["RNN", "RMSE"] < errors.loc["Seasonal naive (season 12)", "RMSE"]
