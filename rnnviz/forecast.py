"""Forecasts from a trained model, the baselines they are judged against, and the report shown.

Every topology is reduced to one shape, ``(n_windows, h)`` consecutive target steps starting at
``start`` (a row of the series): many-to-one and many-to-many make one-step predictions (h = 1;
many-to-many's last step is its next-value prediction); an encoder-decoder predicts h = horizon.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import cached_property

import keras
import numpy as np
import pandas as pd

from rnnviz.builder import stateless_twin
from rnnviz.datasets import BUILTIN_SERIES, Series
from rnnviz.metrics import error_table
from rnnviz.spec import ModelSpec, Topology, TrainSpec
from rnnviz.tasks.base import Job
from rnnviz.training import PROBE_SAMPLES, FitData, TrainingRun, new_model
from rnnviz.windows import WindowedData, WindowSpec, make_windows

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
    out = np.asarray(model.predict(x, verbose=0, batch_size=256))
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
            _recursive(model, window, topology, steps),
            ("Recursive forecast: each predicted value is fed back as the next input."),
        )
        if window.shape[-1] > 1:
            how += " Extra input columns are held at their last observed values."
    start = np.array([data.n_rows])
    return data.to_original(scaled[None, :], start)[0], how


def _recursive(
    model: keras.Model, window: np.ndarray, topology: Topology, steps: int
) -> np.ndarray:
    window = window.copy()
    values = []
    for _ in range(steps):
        step = predict_steps(model, window, topology)[0, 0]
        values.append(step)
        next_row = window[:, -1:, :].copy()  # (1, 1, features): extra inputs held
        next_row[0, 0, 0] = step
        window = np.concatenate([window[:, 1:, :], next_row], axis=1)
    return np.array(values, np.float32)


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


@dataclass(eq=False)
class ForecastReport:
    fitted: pd.DataFrame  # time, split, actual, predicted (first step of every window)
    errors: pd.DataFrame  # test RMSE/MAE/MAPE of the model and the baselines
    future: pd.DataFrame  # time, forecast
    future_note: str
    horizon: int


def evaluate_forecast(
    model: keras.Model,
    data: WindowedData,
    topology: Topology,
    season: int | None,
    future_steps: int,
) -> ForecastReport:
    """Predictions over every split, test errors beside the baselines, and the future forecast."""
    frames = []
    for split in SPLITS:
        start = getattr(data, f"start_{split}")
        predicted = data.to_original(
            predict_steps(model, getattr(data, f"x_{split}"), topology), start
        )
        frames.append(
            pd.DataFrame(
                {
                    "time": data.index[start],
                    "split": split,
                    "actual": data.actual(start, 1)[:, 0],
                    "predicted": predicted[:, 0],
                }
            )
        )
    future, note = forecast_future(model, data, topology, future_steps)
    return ForecastReport(
        fitted=pd.concat(frames, ignore_index=True),
        errors=forecast_errors(model, data, topology, season),
        future=pd.DataFrame({"time": future_index(data.index, len(future)), "forecast": future}),
        future_note=note,
        horizon=data.y_test.shape[1] if topology == "encoder_decoder" else 1,
    )


def forecast_errors(
    model: keras.Model, data: WindowedData, topology: Topology, season: int | None
) -> pd.DataFrame:
    """RMSE, MAE and MAPE on every test target step, for the model and the baselines."""
    start = data.start_test
    scaled = predict_steps(model, data.x_test, topology)
    h = scaled.shape[1]
    actual = data.actual(start, h)
    predictions = {
        "RNN": data.to_original(scaled, start),
        "Naive (last value)": naive_forecast(data, start, h),
    }
    if season:
        predictions[f"Seasonal naive (season {season})"] = seasonal_naive_forecast(
            data, start, h, season
        )
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
        data_config = {
            **asdict(self.window_spec),
            "dataset_key": self.dataset_key,
            "target": self.data.columns[0],
            "inputs": list(self.inputs),
            "season": self.season,
        }
        future = report.future.rename(columns={"forecast": "predicted"}).assign(split="future")
        return data_config, metrics, pd.concat([report.fitted, future], ignore_index=True)

    @cached_property
    def inference_model(self) -> keras.Model:
        """The trained model without a fixed batch size (read once training has ended)."""
        return stateless_twin(self.run.model, self.run.spec)

    def report(self) -> ForecastReport:
        return evaluate_forecast(
            self.inference_model, self.data, self.topology, self.season, self.window_spec.horizon
        )


def forecast_job(
    series: Series, window_spec: WindowSpec, spec: ModelSpec, train: TrainSpec
) -> ForecastJob:
    """Window the data for the topology, build and compile a seeded model, wrap it in a run."""
    data = make_windows(series, windows_for(window_spec, spec.topology))
    fit = fit_data(data, spec.topology)
    model = new_model(spec, train, fit.x_train.shape[1:])
    probe_x = (fit.x_val if len(fit.x_val) else fit.x_train)[:PROBE_SAMPLES]
    run = TrainingRun(model, spec, train, fit, probe_x=probe_x)
    return ForecastJob(
        series.name, series.season, window_spec, data, run, builtin_key(series), series.inputs
    )


def builtin_key(series: Series) -> str | None:
    """The key of the built-in series ``series`` was loaded from (None: an upload)."""
    return next((k for k, b in BUILTIN_SERIES.items() if b.title == series.name), None)
