"""Windowing, splitting, scaling and the way back to original units, checked with plain loops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

from rnnviz.common.csvread import DataError
from rnnviz.common.scaling import Scaler
from rnnviz.tasks.forecast.series import Series, load_builtin
from rnnviz.tasks.forecast.windows import (
    MIN_TRAIN_WINDOWS,
    TRANSFORMS,
    WindowSpec,
    check_series_length,
    make_windows,
    split_bounds,
)

N_ROWS = 90


def make_series(n_rows: int = N_ROWS, seed: int = 0) -> Series:
    """A positive target with trend and season, and two extra inputs (one negative)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_rows)
    frame = pd.DataFrame(
        {
            "sales": 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n_rows),
            "price": rng.normal(5, 2, n_rows),
            "temp": -10 + rng.normal(0, 3, n_rows),
        },
        index=pd.date_range("2000-01-01", periods=n_rows, freq="MS"),
    )
    return Series("synthetic", frame, "sales", inputs=("price", "temp"), season=12)


def profile_by_regression(target: np.ndarray, train_end: int) -> np.ndarray:
    """A constant and two sine-cosine pairs of the 12-row season fit by sklearn on the rows
    before ``train_end``, at every row."""
    t = np.arange(len(target))
    columns = [f(2 * np.pi * k * t / 12) for k in (1, 2) for f in (np.sin, np.cos)]
    design = np.column_stack(columns)  # (rows, 4)
    fitted = LinearRegression().fit(design[:train_end], target[:train_end])
    return fitted.predict(design)


def transformed_features(
    series: Series, transform: str, train_end: int = N_ROWS - 36
) -> np.ndarray:
    """Feature matrix with the target transformed, computed row by row; NaN in the rows a
    difference has nothing before (row 0, or the first season of 12 rows). A seasonal profile
    is fit on the rows before ``train_end`` (that of the default split)."""
    values = series.values()
    out = values.copy()
    profile = profile_by_regression(values[:, 0], train_end)
    for row in range(len(values)):
        level = values[row, 0]
        previous = values[row - 1, 0] if row > 0 else np.nan
        year_ago = values[row - 12, 0] if row >= 12 else np.nan
        out[row, 0] = {
            "none": level,
            "log": np.log(level),
            "diff": level - previous,
            "log_diff": np.log(level) - np.log(previous),
            "seasonal_diff": level - year_ago,
            "log_seasonal_diff": np.log(level) - np.log(year_ago),
            "seasonal_profile": level - profile[row],
        }[transform]
    return out


SPECS = [
    WindowSpec(),
    WindowSpec(window=5, horizon=3, test_size=10, val_size=6),
    WindowSpec(window=1, horizon=1, test_size=1, val_size=0),
    WindowSpec(window=8, horizon=4, test_size=12, val_size=8, transform="diff"),
    WindowSpec(window=6, horizon=2, test_size=12, val_size=12, transform="log_diff"),
    WindowSpec(window=10, horizon=1, test_size=15, val_size=5, transform="log"),
    WindowSpec(window=6, horizon=3, test_size=12, val_size=6, transform="seasonal_diff", season=12),
    WindowSpec(
        window=4, horizon=14, test_size=14, val_size=14, transform="log_seasonal_diff", season=12
    ),
    WindowSpec(
        window=5, horizon=3, test_size=9, val_size=6, transform="seasonal_profile", season=12
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_windows_are_every_start_whose_targets_fit_in_one_split(spec: WindowSpec) -> None:
    data = make_windows(make_series(), spec)
    first_row = spec.lag
    bounds = {
        "train": (0, N_ROWS - spec.test_size - spec.val_size),
        "val": (N_ROWS - spec.test_size - spec.val_size, N_ROWS - spec.test_size),
        "test": (N_ROWS - spec.test_size, N_ROWS),
    }
    for name, (lo, hi) in bounds.items():
        expected = []
        for start in range(N_ROWS):
            targets = range(start, start + spec.horizon)
            if start - spec.window >= first_row and all(lo <= r < hi for r in targets):
                expected.append(start)
        x, y, starts = data.split(name)
        assert starts.tolist() == expected
        assert x.shape == (len(expected), spec.window, 3) and x.dtype == np.float32
        assert y.shape == (len(expected), spec.horizon) and y.dtype == np.float32
    assert (data.train_end, data.val_end) == (bounds["val"][0], bounds["test"][0])


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_x_and_y_hold_the_scaled_past_and_next_values(spec: WindowSpec) -> None:
    series = make_series()
    data = make_windows(series, spec)
    features = transformed_features(series, spec.transform, data.train_end)
    train_rows = features[spec.lag : data.train_end]
    mean, std = train_rows.mean(axis=0), train_rows.std(axis=0)
    for name in ("train", "val", "test"):
        x, y, starts = data.split(name)
        for i, start in enumerate(starts):
            for step in range(spec.window):
                row = start - spec.window + step
                for col in range(3):
                    expected = (features[row, col] - mean[col]) / std[col]
                    assert x[i, step, col] == pytest.approx(expected, rel=1e-5, abs=1e-5)
            for step in range(spec.horizon):
                expected = (features[start + step, 0] - mean[0]) / std[0]
                assert y[i, step] == pytest.approx(expected, rel=1e-5, abs=1e-5)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("horizon", [1, 3, 14])
def test_to_original_reproduces_the_actual_values(transform: str, horizon: int) -> None:
    series = load_builtin("airline")
    spec = WindowSpec(12, horizon, val_size=max(12, horizon), transform=transform, season=12)
    data = make_windows(series, spec)
    raw = series.frame["passengers"].to_numpy()
    for name in ("train", "val", "test"):
        _, y, starts = data.split(name)
        expected = np.array([raw[s : s + horizon] for s in starts])
        np.testing.assert_allclose(data.to_original(y, starts), expected, rtol=1e-6)
        np.testing.assert_array_equal(data.actual(starts, horizon), expected)


def test_to_original_accepts_a_trailing_feature_axis_and_one_dimensional_input() -> None:
    data = make_windows(make_series(), WindowSpec(horizon=1, transform="log"))
    flat = data.to_original(data.y_test[:, 0], data.start_test)
    with_axis = data.to_original(data.y_test[:, :, None], data.start_test)
    np.testing.assert_array_equal(flat, with_axis)
    assert flat.shape == (len(data.start_test), 1)


@pytest.mark.parametrize("transform", ["diff", "log_diff"])
def test_diff_predictions_build_on_the_actual_previous_value(transform: str) -> None:
    series = make_series()
    data = make_windows(series, WindowSpec(horizon=3, transform=transform))
    raw = series.frame["sales"].to_numpy()
    no_change = (0 - data.scaler.mean[0]) / data.scaler.std[0]  # scaled value of a zero change
    starts = np.array([5, 40, N_ROWS])  # N_ROWS: a forecast past the end of the series
    predicted = data.to_original(np.full((3, 3), no_change), starts)
    np.testing.assert_allclose(predicted, np.repeat(raw[starts - 1][:, None], 3, axis=1))
    # one step up by the first difference's size, then flat: the level moves once and stays
    step = (raw[1] - raw[0]) if transform == "diff" else np.log(raw[1] / raw[0])
    scaled_step = (step - data.scaler.mean[0]) / data.scaler.std[0]
    rising = data.to_original(np.array([[scaled_step, no_change, no_change]]), np.array([40]))
    expected_level = raw[39] + step if transform == "diff" else raw[39] * np.exp(step)
    np.testing.assert_allclose(rising, [[expected_level] * 3])


def test_actual_is_nan_past_the_end() -> None:
    data = make_windows(make_series(), WindowSpec())
    raw = make_series().frame["sales"].to_numpy()
    got = data.actual(np.array([N_ROWS - 2, N_ROWS]), 3)
    np.testing.assert_array_equal(got[0, :2], raw[-2:])
    assert np.isnan(got[0, 2]) and np.isnan(got[1]).all()


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_last_window_holds_the_final_rows(transform: str) -> None:
    series = make_series()
    spec = WindowSpec(window=7, transform=transform, season=12)
    data = make_windows(series, spec)
    features = transformed_features(series, transform)
    train = features[spec.lag : data.train_end]
    expected = (features[-7:] - train.mean(axis=0)) / train.std(axis=0)
    last = data.last_window()
    assert last.shape == (1, 7, 3) and last.dtype == np.float32
    np.testing.assert_allclose(last[0], expected, rtol=1e-5, atol=1e-6)
    # the same as the test window whose target is the last row, moved one step on
    np.testing.assert_allclose(last[0, :-1], data.x_test[-1, 1:])


def test_scaler_is_fit_on_training_rows_only() -> None:
    series = make_series()
    spec = WindowSpec(window=6, test_size=20, val_size=10)
    data = make_windows(series, spec)
    train = series.values()[: data.train_end]
    np.testing.assert_allclose(data.scaler.mean, train.mean(axis=0))
    np.testing.assert_allclose(data.scaler.std, train.std(axis=0))
    np.testing.assert_allclose(data.scaled, (series.values() - train.mean(0)) / train.std(0))

    changed = series.frame.copy()
    changed.iloc[data.train_end :] *= 100.0  # wildly different validation and test rows
    other = make_windows(Series("changed", changed, "sales", ("price", "temp")), spec)
    np.testing.assert_array_equal(other.scaler.mean, data.scaler.mean)
    np.testing.assert_array_equal(other.scaler.std, data.scaler.std)
    np.testing.assert_array_equal(other.x_train, data.x_train)
    assert not np.allclose(other.x_test, data.x_test)


def test_scaler_gives_a_constant_column_unit_spread() -> None:
    scaler = Scaler.fit(np.array([[1.0, 3.0], [2.0, 3.0], [3.0, 3.0]]))
    np.testing.assert_allclose(scaler.std, [np.std([1, 2, 3]), 1.0])
    np.testing.assert_allclose(scaler.transform(np.array([[2.0, 5.0]])), [[0.0, 2.0]])


def test_log_transforms_the_target_only() -> None:
    series = make_series()  # 'temp' is negative: fine, only the target is logged
    data = make_windows(series, WindowSpec(transform="log"))
    train = series.values()[: data.train_end]
    np.testing.assert_allclose(data.scaler.mean[0], np.log(train[:, 0]).mean())
    np.testing.assert_allclose(data.scaler.mean[2], train[:, 2].mean())


@pytest.mark.parametrize("transform", ["log", "log_diff"])
def test_log_of_non_positive_values_is_refused(transform: str) -> None:
    series = make_series()
    frame = series.frame.copy()
    frame.iloc[3, 0] = 0.0
    frame.iloc[7, 0] = -2.5
    with pytest.raises(DataError, match=r"positive.*'sales' has 2 values.*-2\.5"):
        make_windows(Series("s", frame, "sales"), WindowSpec(transform=transform))


def test_length_check_boundary_leaves_exactly_the_minimum_training_windows() -> None:
    spec = WindowSpec(window=5, horizon=2, test_size=6, val_size=4, transform="diff")
    needed = 1 + 5 + 2 + (MIN_TRAIN_WINDOWS - 1) + 4 + 6
    data = make_windows(make_series(n_rows=needed), spec)
    assert len(data.start_train) == MIN_TRAIN_WINDOWS
    with pytest.raises(DataError, match=f"has {needed - 1} rows but needs at least {needed}"):
        make_windows(make_series(n_rows=needed - 1), spec)


def test_short_series_message_names_each_part() -> None:
    with pytest.raises(DataError) as error:
        check_series_length(40, window=12, horizon=3, test_size=24, val_size=12)
    message = str(error.value)
    needed = 12 + 3 + MIN_TRAIN_WINDOWS - 1 + 12 + 24
    assert f"has 40 rows but needs at least {needed}" in message
    for part in ("window (12)", "horizon (3)", "validation (12)", "test (24)"):
        assert part in message
    check_series_length(needed, window=12, horizon=3, test_size=24, val_size=12)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"window": 0}, "window must be at least 1"),
        ({"horizon": 0}, "horizon must be at least 1"),
        ({"horizon": 5, "test_size": 4}, "test part"),
        ({"horizon": 3, "val_size": 2}, "validation part"),
        ({"transform": "sqrt"}, "Unknown transform"),
    ],
)
def test_invalid_specs_are_refused(changes: dict, words: str) -> None:
    with pytest.raises(DataError, match=words):
        WindowSpec(**changes)


def test_no_validation_rows_gives_empty_validation_arrays() -> None:
    data = make_windows(make_series(), WindowSpec(window=4, horizon=2, val_size=0))
    assert data.x_val.shape == (0, 4, 3) and data.y_val.shape == (0, 2)
    assert data.train_end == data.val_end == N_ROWS - 24


@pytest.mark.parametrize(
    "spec",
    [WindowSpec(window=6, test_size=12, val_size=6), WindowSpec(window=3, transform="log_diff")],
)
def test_split_bounds_are_those_of_make_windows_without_the_windows(spec):
    series = make_series()
    windows = make_windows(series, spec)
    assert split_bounds(series, spec) == (windows.train_end, windows.val_end)


def test_split_bounds_refuse_what_make_windows_refuses():
    series = make_series()
    too_long = WindowSpec(window=80)
    for check in (make_windows, split_bounds):
        with pytest.raises(DataError, match="needs at least"):
            check(series, too_long)


def test_min_max_scaler_maps_training_rows_onto_0_to_1() -> None:
    series = make_series()
    data = make_windows(series, WindowSpec(window=6, test_size=20, val_size=10, scaler="minmax"))
    train = series.values()[: data.train_end]
    # sklearn's MinMaxScaler fit on the training rows is the reference.
    from sklearn.preprocessing import MinMaxScaler

    reference = MinMaxScaler().fit(train)
    np.testing.assert_allclose(data.scaled, reference.transform(series.values()), atol=1e-12)
    assert data.scaled[: data.train_end].min() == 0.0 and data.scaled[: data.train_end].max() == 1.0
    # Back to original units: predictions equal to the scaled targets give the actual values.
    y, start = data.y_test, data.start_test
    np.testing.assert_allclose(
        data.to_original(y, start), data.actual(start, y.shape[1]), rtol=1e-5
    )


def test_no_scaler_keeps_raw_values() -> None:
    series = make_series()
    data = make_windows(series, WindowSpec(window=6, scaler="none"))
    np.testing.assert_allclose(data.scaled, series.values())
    np.testing.assert_allclose(data.x_train[0], series.values()[:6].astype(np.float32))


def test_unknown_scaler_is_refused() -> None:
    with pytest.raises(DataError, match="Unknown scaler"):
        WindowSpec(scaler="robust")


def test_infinite_values_are_refused_with_where_they_are() -> None:
    series = make_series()
    frame = series.frame.copy()
    frame.iloc[[5, 40], 1] = np.inf
    bad = Series("bad", frame, "sales", inputs=("price",))
    with pytest.raises(DataError, match=r"infinite values.*2 values in 'price' \(first at 2000-06"):
        make_windows(bad, WindowSpec())


def test_actual_is_missing_outside_the_series() -> None:
    data = make_windows(make_series(), WindowSpec())
    values = data.actual(np.array([-2, 0, N_ROWS - 1]), 2)
    assert np.isnan(values[0]).all()  # before row 0: never wrapped round to the end
    np.testing.assert_allclose(values[1], data.target[:2])
    assert values[2, 0] == data.target[-1] and np.isnan(values[2, 1])


def test_a_seasonal_profile_continues_past_the_end_of_the_series() -> None:
    series = make_series()
    spec = WindowSpec(6, 14, 14, 14, transform="seasonal_profile", season=12)
    data = make_windows(series, spec)
    target = series.values()[:, 0]
    t = np.arange(N_ROWS + 14)
    columns = [f(2 * np.pi * k * t / 12) for k in (1, 2) for f in (np.sin, np.cos)]
    design = np.column_stack(columns)  # (rows + 14, 4): the series' rows and 14 beyond
    fitted = LinearRegression().fit(design[: data.train_end], target[: data.train_end])
    centre = data.scaler.mean[0]  # the residual's training mean: a scaled prediction of 0
    ahead = data.to_original(np.zeros((1, 14)), np.array([N_ROWS]))  # the 14 rows after the end
    np.testing.assert_allclose(ahead[0], fitted.predict(design[N_ROWS:]) + centre, rtol=1e-9)
    back = data.to_scaled(ahead, np.array([N_ROWS]))  # and back again
    np.testing.assert_allclose(back, np.zeros((1, 14)), atol=1e-9)
