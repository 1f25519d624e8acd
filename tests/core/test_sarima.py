"""The SARIMA baseline checked against statsmodels' own SARIMAX; where it is left out; the
verdict naming it; old reports without it; the export reproducing the app's figure."""

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from rnnviz.common.verdicts import forecast_verdict
from rnnviz.model.probes import single_threaded_blas
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.baselines import ETS
from rnnviz.tasks.forecast.evaluation import (
    ForecastReport,
    baseline_forecasts,
    choose_sarima,
    classical_models,
    report_from_values,
    report_values,
)
from rnnviz.tasks.forecast.export import forecast_script
from rnnviz.tasks.forecast.sarima import (
    SARIMA,
    SARIMA_BUDGET,
    SEASONAL_ORDERS,
    sarima_skip_reason,
)
from rnnviz.tasks.forecast.series import Series, load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec, make_windows

WINDOWS = WindowSpec(window=12, horizon=3, test_size=24, val_size=12)


@pytest.fixture(autouse=True)
def one_blas_thread():
    """statsmodels' filters multiply tiny matrices: one BLAS thread, as the app fits them."""
    with single_threaded_blas():
        yield


@pytest.fixture(scope="module")
def airline():
    """Airline windows and the SARIMA chosen on them (horizons 1..3)."""
    data = make_windows(load_builtin("airline"), WINDOWS)
    fit, note = choose_sarima(data, 12, 3)
    assert fit is not None, note
    return data, fit, note


def statsmodels_sarimax(values: np.ndarray, spec, simple_differencing: bool = False) -> SARIMAX:
    return SARIMAX(
        values,
        order=spec.order,
        seasonal_order=spec.seasonal_order,
        trend=spec.trend,
        simple_differencing=simple_differencing,
    )


def test_sarima_matches_an_independent_statsmodels_fit_at_every_origin(airline):
    data, fit, note = airline
    spec = fit.spec
    assert spec.seasonal_order[1] == 1 and spec.seasonal_order[3] == 12  # D = 1: a season
    assert note.startswith(f"SARIMA: {spec.description}, ")
    values = np.log(data.target) if spec.log else data.target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = statsmodels_sarimax(values[: data.train_end], spec, True).fit(
            disp=False, cov_type="none"
        )
        starts = np.concatenate([data.start_test[::5], [data.n_rows]])  # and past the end
        expected = np.array(
            [
                statsmodels_sarimax(values[:start], spec).filter(reference.params).forecast(3)
                for start in starts
            ]
        )
    expected = np.exp(expected) if spec.log else expected
    np.testing.assert_allclose(fit.forecast(starts, 3), expected, rtol=1e-8)
    assert fit.aic == pytest.approx(reference.aic)


def test_the_order_has_the_lowest_aic_of_the_search(airline):
    data, fit, _ = airline
    spec = fit.spec
    values = np.log(data.target) if spec.log else data.target
    p, d, q = spec.order
    aics = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p, q, big_p, big_q in SEASONAL_ORDERS:
            candidate = SARIMAX(
                values[: data.train_end],
                order=(p, d, q),
                seasonal_order=(big_p, 1, big_q, 12),
                trend=spec.trend,
                simple_differencing=True,
            ).fit(disp=False, cov_type="none")
            aics[(p, d, q), (big_p, 1, big_q, 12)] = candidate.aic
    assert min(aics, key=aics.get) == (spec.order, spec.seasonal_order)


def test_sarima_joins_every_baseline_and_its_transform_is_chosen_on_validation(airline):
    data, fit, note = airline
    assert "chosen on validation (RMSE " in note  # airline is positive: log values or not
    assert ("with log values)" in note) != fit.spec.log
    classical, both_notes = classical_models(data, 12, 3)
    assert list(classical) == [ETS, SARIMA] and "ETS: " in both_notes and note in both_notes
    starts = data.start_test[:4]
    forecasts = baseline_forecasts(data, 12, starts, 3, classical)
    np.testing.assert_allclose(forecasts[SARIMA], fit.forecast(starts, 3))


def test_without_validation_rows_a_positive_series_takes_log_values():
    data = make_windows(load_builtin("lynx"), WindowSpec(window=10, test_size=20, val_size=0))
    fit, note = choose_sarima(data, 10, 2)
    assert fit is not None and fit.spec.log  # lynx is positive
    assert fit.spec.seasonal_order[1] == 1 and fit.spec.seasonal_order[3] == 10
    assert note == (
        f"SARIMA: {fit.description}, the order with the lowest AIC on the training rows "
        "(no validation rows to choose on)."
    )


def daily_series(rows: int, season: int | None) -> Series:
    index = pd.date_range("2001-01-01", periods=rows, freq="D")
    values = 20 + 5 * np.sin(np.arange(rows) * 2 * np.pi / 365) + np.arange(rows) / 100
    return Series("daily", pd.DataFrame({"y": values}, index=index), "y", season=season)


def test_a_long_season_is_skipped_and_the_page_sentence_says_why():
    data = make_windows(daily_series(900, 365), WindowSpec(window=8, test_size=30, val_size=30))
    fit, note = choose_sarima(data, 365, 1)
    assert fit is None
    assert note == (
        "SARIMA left out: a season of 365 rows is too long for it (it is fit for seasons of up "
        "to 52 rows)."
    )
    classical, both = classical_models(data, 365, 1)
    assert SARIMA not in classical and note in both
    assert SARIMA not in baseline_forecasts(data, 365, data.start_test, 1, classical)


def test_a_costly_fit_is_skipped_before_fitting():
    # Weekly CO2: 2,284 rows with a season of 52 would take seconds per order.
    assert sarima_skip_reason(2284, 52) == (
        "SARIMA left out: 2,284 rows with a season of 52 rows would take more than a few "
        "seconds to fit."
    )
    assert sarima_skip_reason(20_000, None) == (
        "SARIMA left out: 20,000 rows would take more than a few seconds to fit."
    )
    assert sarima_skip_reason(144, 12) is None and sarima_skip_reason(2000, None) is None
    assert sarima_skip_reason(SARIMA_BUDGET // 32, None) is None  # 2 x 4 fits x (2 + 2) states
    assert sarima_skip_reason(SARIMA_BUDGET // 32 + 1, None) is not None


def test_the_verdict_names_sarima_when_it_is_the_strongest_baseline():
    by_horizon = pd.DataFrame(
        {
            "horizon": [1, 2, 3],
            "rows": [24, 24, 24],
            "RNN RMSE": [10.0, 12.0, 20.0],
            "Naive (last value) RMSE": [15.0, 20.0, 25.0],
            f"{ETS} RMSE": [11.0, 11.5, 19.0],
            f"{SARIMA} RMSE": [9.0, 11.0, 18.0],
        }
    )
    verdict = forecast_verdict(by_horizon)
    assert not verdict.good
    assert verdict.text.startswith("The RNN loses to a baseline at every horizon (1-3): ")
    assert "at horizon 3, SARIMA has RMSE 18 against the RNN's 20." in verdict.text
    assert verdict.text.endswith("Strongest baseline: SARIMA at horizons 1-3.")


def test_a_report_saved_before_sarima_still_reads():
    report = ForecastReport(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), "note", 1)
    values = report_values(report)
    del values["report sarima"]  # a run saved before the field existed
    read = report_from_values(values)
    assert read is not None and read.sarima == {} and read.future_note == "note"
    del values["report baseline_note"]  # a field every saved report has: recomputed instead
    assert report_from_values(values) is None


def test_the_export_reproduces_the_apps_sarima_figure(airline):
    data, fit, _ = airline
    spec = ModelSpec(cell="GRU", units=(4,), topology="encoder_decoder", horizon=3)
    source = forecast_script(
        "airline", WINDOWS, spec, TrainSpec(epochs=1), sarima=fit.spec.as_config()
    )
    assert f"SARIMA_SEASONAL_ORDER = {list(fit.spec.seasonal_order)}" in source
    namespace = {"__name__": "generated_script"}
    exec(compile(source, "generated_script.py", "exec"), namespace)  # definitions, not main()
    start = data.start_test
    printed = namespace["sarima_forecast"](data.target, start, 3)  # what the script scores
    np.testing.assert_allclose(printed, fit.forecast(start, 3), rtol=1e-6)
    assert "sarima_forecast" not in forecast_script("airline", WINDOWS, spec, TrainSpec(epochs=1))
