"""Forecast targets, baselines, metrics and the airline quality anchor."""

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.metrics import mae, mape, rmse
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.evaluation import (
    NAIVE,
    RNN,
    HorizonForecasts,
    backtest,
    calibrate_intervals,
    conformal_quantile,
    error_columns,
    evaluate_forecast,
    forecast_errors,
    forecast_future,
    forecast_job,
    future_index,
    horizon_errors,
    horizon_forecasts,
    interval_coverage,
    model_targets,
    multi_step,
    naive_forecast,
    seasonal_naive_forecast,
    windows_for,
)
from rnnviz.tasks.forecast.recipes import data_recipe
from rnnviz.tasks.forecast.series import Series, load_builtin
from rnnviz.tasks.forecast.task import ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec, make_windows
from rnnviz.train.training import new_model


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
    # 6 validation rows x 3 horizons = 18 residuals: enough for 80%, not for 95% (needs 19).
    assert np.isfinite(report.future[["low 80%", "high 80%"]]).all().all()
    assert np.isinf(report.future["high 95%"]).all()
    assert "Too few residuals for a 95% interval" in report.interval_note
    # Recursive and direct forecasts agree with the model's own first step from the last window.
    future, _ = forecast_future(job.inference_model, job.data, topology, 3)
    np.testing.assert_allclose(future, report.future["forecast"], rtol=1e-5)


def test_default_recipe_beats_seasonal_naive_on_airline():
    """The quality anchor: last 24 months as test, the RNN's RMSE below the seasonal-naive one."""
    series = load_builtin("airline")
    recipe = data_recipe(series)  # a small series: LSTM(16), 60 epochs, the seasonal residual
    job = forecast_job(series, recipe.window_spec, recipe.model, recipe.train)
    job.run.run()
    errors = forecast_errors(job.inference_model, job.data, job.topology, series.season).set_index(
        "model"
    )
    assert errors.loc["RNN", "RMSE"] < errors.loc["Seasonal naive (season 12)", "RMSE"]


# -- every horizon ---------------------------------------------------------------------------------
WINDOWS3 = WindowSpec(window=6, horizon=3, test_size=6, val_size=6)


def untrained(topology: str, data) -> object:
    spec = ModelSpec(cell="GRU", units=(4,), topology=topology, horizon=data.spec.horizon)
    return new_model(spec, TrainSpec(seed=3), (data.spec.window, data.n_features))


@pytest.mark.parametrize("topology", ["many_to_one", "many_to_many"])
def test_recursive_forecasts_match_a_hand_loop(topology):
    data = make_windows(ramp_series(), windows_for(WINDOWS3, topology))
    model = untrained(topology, data)
    origin = data.val_end + 2
    window = data.scaled[origin - 6 : origin].copy()  # (6, 1)
    expected = []
    for _ in range(4):
        out = np.asarray(model.predict(window[None].astype("float32"), verbose=0))
        step = out[0, 0] if topology == "many_to_one" else out[0, -1, 0]
        expected.append(step)
        window = np.vstack([window[1:], [[step]]])
    expected = data.to_original(np.array([expected]), np.array([origin]))
    got = multi_step(model, data, topology, np.array([origin]), 4)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_direct_forecasts_are_the_decoder_outputs():
    data = make_windows(ramp_series(), WINDOWS3)
    model = untrained("encoder_decoder", data)
    got = multi_step(model, data, "encoder_decoder", data.start_test, 3)
    expected = data.to_original(model.predict(data.x_test, verbose=0)[..., 0], data.start_test)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_every_test_row_is_scored_at_every_horizon():
    series = ramp_series()
    data = make_windows(series, windows_for(WINDOWS3, "many_to_one"))
    model = untrained("many_to_one", data)
    forecasts = horizon_forecasts(model, data, "many_to_one", 12, "test", 3)
    values = series.frame["y"].to_numpy()
    for h in (1, 2, 3):
        rows = forecasts.start[forecasts.mask[:, h - 1]] + h - 1
        assert rows.tolist() == list(range(data.val_end, data.n_rows))  # each test row once
        actual, naive = forecasts.at(NAIVE, h)
        np.testing.assert_allclose(actual, values[rows])
        np.testing.assert_allclose(naive, values[rows - h])  # the last value before the origin
    table = horizon_errors(forecasts)
    assert table["horizon"].tolist() == [1, 2, 3] and table["rows"].tolist() == [6, 6, 6]
    rows = np.arange(data.val_end, data.n_rows)
    expected = np.sqrt(np.mean((values[rows] - values[rows - 12]) ** 2))
    assert table["Seasonal naive (season 12) RMSE"].iloc[1] == pytest.approx(expected)
    assert table[f"{NAIVE} RMSE"].iloc[2] == pytest.approx(
        np.sqrt(np.mean((values[rows] - values[rows - 3]) ** 2))
    )


def test_conformal_quantile_by_hand():
    scores = np.arange(1.0, 10.0)  # 9 scores
    assert conformal_quantile(scores, 0.8) == 8.0  # ceil(10 * 0.8) = 8th smallest
    assert conformal_quantile(scores, 0.95) == np.inf  # ceil(9.5) = 10 > 9: too few scores


def synthetic_forecasts(rng, n: int, scale: np.ndarray) -> HorizonForecasts:
    predicted = np.full((n, len(scale)), 100.0)
    actual = predicted + rng.normal(size=(n, len(scale))) * scale
    return HorizonForecasts(
        np.arange(n), actual, {RNN: predicted}, np.ones_like(actual, dtype=bool)
    )


def test_conformal_intervals_cover_as_promised_on_exchangeable_errors():
    rng = np.random.default_rng(0)
    scale = np.array([1.0, 2.0, 4.0])  # errors grow with the horizon
    intervals = calibrate_intervals(synthetic_forecasts(rng, 400, scale), log=False)
    np.testing.assert_allclose(intervals.scale, scale, rtol=0.1)
    coverage = interval_coverage(intervals, synthetic_forecasts(rng, 4000, scale))
    for _, row in coverage.iterrows():
        assert row["coverage"] == pytest.approx(row["level"], abs=0.02)
        assert np.allclose(row["per_horizon"], row["level"], atol=0.03)
    low, high = intervals.bounds(np.array([10.0, 10.0, 10.0]), 0.95)
    assert np.all(np.diff(high - low) > 0)  # wider further ahead
    assert (high - low)[0] / 2 == pytest.approx(1.96, rel=0.1)  # a normal's 95% half-width


def test_backtest_folds_tile_the_end_and_honour_stop():
    series = ramp_series(96)
    spec = ModelSpec(cell="GRU", units=(4,))
    progress, trained_rows = [], []

    def fit(fold_series, window_spec):
        trained_rows.append(fold_series.n_rows)
        job = forecast_job(fold_series, window_spec, spec, TrainSpec(epochs=1))
        job.run.run()
        return job

    result = backtest(series, WINDOWS3, 3, fit, on_progress=lambda d, k: progress.append((d, k)))
    assert trained_rows == [84, 90, 96] and progress == [(1, 3), (2, 3), (3, 3)]
    assert list(result.folds["test to"]) == list(series.frame.index[[83, 89, 95]])
    assert list(result.folds["test from"]) == list(series.frame.index[[78, 84, 90]])
    mean, spread = result.spread()
    assert mean == pytest.approx(result.folds[RNN].mean()) and spread > 0
    # Stop asked during the second fold: the first is kept, the stopped one is not scored.
    stopped = backtest(series, WINDOWS3, 3, fit, should_stop=lambda: len(trained_rows) >= 5)
    assert stopped.stopped and len(stopped.folds) == 1 and len(trained_rows) == 5


def test_backtest_runs_in_a_worker_and_stops(tmp_path):
    from rnnviz.service.executor import default_executor
    from rnnviz.service.request import TrainRequest

    series = ramp_series(96)
    spec, train = ModelSpec(cell="GRU", units=(4,)), TrainSpec(epochs=1)

    def submit(folds, train=train):
        data = ForecastData(series, WINDOWS3)
        request = TrainRequest("forecast", data, spec, train, str(tmp_path))
        return default_executor().submit(
            replace(request, analysis="backtest", analysis_steps=folds)
        )

    done = submit(2)
    result = done.result(180)
    assert result is not None and not result.error and done.snapshot().epoch == 2
    assert len(result.analysis.folds) == 2 and not result.analysis.stopped
    slow = submit(3, TrainSpec(epochs=500, batch_size=2))
    deadline = time.monotonic() + 120
    while slow.snapshot().status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    slow.stop()
    stopped = slow.result(60)
    assert stopped is not None and stopped.analysis.stopped and len(stopped.analysis.folds) == 0
    too_many = submit(13).result(120)  # the first fold is too short: refused before training
    assert "could not run: With 13 folds the first one keeps 24 rows" in too_many.error


@pytest.mark.parametrize("keep", ["best", "last"])
def test_the_weights_kept_are_those_asked_for(keep):
    series = ramp_series()
    train = TrainSpec(epochs=6, learning_rate=0.1, early_stopping=False, keep_weights=keep)
    windows = WindowSpec(window=6, horizon=3, test_size=6, val_size=14)  # 14 validation windows
    job = forecast_job(series, windows, ModelSpec(cell="GRU", units=(4,)), train)
    state = job.run.run()
    fit = job.run.data
    loss = job.run.model.evaluate(fit.x_val, fit.y_val, verbose=0)[0]
    history = state.history["val_loss"]
    assert history[-1] != min(history)  # the two choices differ on this run
    expected = min(history) if keep == "best" else history[-1]
    assert loss == pytest.approx(expected, rel=1e-4)
    assert ("last epoch (6)" in state.message) == (keep == "last")


def test_too_few_validation_windows_train_the_budget_and_keep_the_last_weights():
    train = TrainSpec(epochs=3, early_stopping=True, patience=1, keep_weights="best")
    job = forecast_job(ramp_series(), WINDOWS3, ModelSpec(cell="GRU", units=(4,)), train)
    assert len(job.data.x_val) == 6
    assert not job.run.train.early_stopping and job.run.train.keep_weights == "last"
    enough = WindowSpec(window=6, horizon=3, test_size=6, val_size=12)
    kept = forecast_job(ramp_series(), enough, ModelSpec(cell="GRU", units=(4,)), train)
    assert kept.run.train == train  # 12 windows: early stopping as asked


def test_no_validation_rows_means_no_intervals_but_a_report():
    spec = WindowSpec(window=6, horizon=3, test_size=6, val_size=0)
    data = make_windows(ramp_series(), windows_for(spec, "many_to_one"))
    model = untrained("many_to_one", data)
    assert not horizon_forecasts(model, data, "many_to_one", 12, "val", 3).mask.any()
    report = evaluate_forecast(model, data, "many_to_one", 12, 3)
    assert report.coverage.empty and "No validation rows" in report.interval_note
    assert not any(c.startswith("low") for c in report.future.columns)
    assert report.by_horizon["rows"].tolist() == [6, 6, 6]


def test_the_horizon_table_names_its_row_count_only_where_it_varies():
    by_horizon = pd.DataFrame(
        {
            "horizon": [1, 2],
            "rows": [24, 24],
            "RNN RMSE": [1.0, 3.0],
            "RNN MAE": [0.5, 1.0],
            "Drift RMSE": [2.0, 2.0],
            "Drift MAE": [1.5, 1.5],
        }
    )
    table = error_columns(by_horizon, "RMSE")
    assert list(table.columns) == ["horizon", "RNN", "Drift", "strongest baseline"]
    assert table["strongest baseline"].tolist() == ["Drift", "Drift"]
    uneven = error_columns(by_horizon.assign(rows=[24, 23]), "MAE")
    assert list(uneven.columns) == ["horizon", "rows", "RNN", "Drift", "strongest baseline"]
