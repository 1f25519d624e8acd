"""The forecasting task: a time series, windows over it and a regression head."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from rnnviz.common.references import ReferenceMark, baseline_mark, reference_marks
from rnnviz.common.verdicts import MIN_VAL_WINDOWS
from rnnviz.export.codegen import script_filename
from rnnviz.model.spec import TOPOLOGIES, ModelSpec, TrainSpec, variant_label
from rnnviz.tasks.base import Analysis, Export, Note, Ranking, Task, finished_run
from rnnviz.tasks.forecast.export import forecast_file_script, forecast_script
from rnnviz.tasks.forecast.recipes import DEFAULT_MODEL, DEFAULT_TRAIN, data_recipe
from rnnviz.tasks.forecast.series import BUILTIN_SERIES, Series, load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec, make_windows, window_config
from rnnviz.train.datastore import DataFile, data_filename, read_stored

if TYPE_CHECKING:
    import keras
    import plotly.graph_objects as go

    from rnnviz.tasks.forecast.evaluation import Backtest, ForecastJob
    from rnnviz.train.runs import RunRecord
    from rnnviz.train.training import FitData


TIME_COLUMN = "time"  # the first column of a stored series (its index)
SERIES_KIND = "series CSV (a time column, then the value columns)"


def series_file(series: Series) -> DataFile:
    """A series as a clean CSV (its index, then every column, floats written to round-trip) and
    what reading it back needs: the same bytes for the same values, whatever the file was called."""
    frame, index = series.frame, series.frame.index
    content = frame.to_csv(index=True, index_label=TIME_COLUMN, lineterminator="\n").encode()
    config = {
        "columns": [str(c) for c in frame.columns],
        "index": "datetime" if isinstance(index, pd.DatetimeIndex) else "range",
        "freq": index.freqstr if isinstance(index, pd.DatetimeIndex) else None,
        "index_name": index.name,
        "target": series.target,
        "inputs": list(series.inputs),
        "season": series.season,
        "notes": list(series.notes),
    }
    return DataFile(content, "csv", SERIES_KIND, config)


def series_from_file(content: bytes, ref: dict[str, Any], name: str) -> Series:
    """The series :func:`series_file` stored, rebuilt exactly (index, columns, float values)."""
    frame = pd.read_csv(io.BytesIO(content), index_col=0, encoding="utf-8")
    frame.columns = list(ref["columns"])
    if ref.get("index") == "datetime":
        times = pd.to_datetime(frame.index, format="ISO8601")
        frame.index = pd.DatetimeIndex(times, freq=ref.get("freq"), name=ref.get("index_name"))
    else:
        steps = frame.index.to_numpy(dtype=np.int64)
        whole = len(steps) and np.array_equal(steps, np.arange(steps[0], steps[0] + len(steps)))
        index = pd.RangeIndex(steps[0], steps[0] + len(steps)) if whole else pd.Index(steps)
        frame.index = index.rename(ref.get("index_name"))
    return Series(
        name,
        frame.astype(np.float64),
        str(ref["target"]),
        tuple(ref.get("inputs", ())),
        ref.get("season"),
        tuple(ref.get("notes", ())),
    )


@dataclass(frozen=True, eq=False)
class ForecastData:
    """What a forecasting job is built from: the series and how it is windowed and split."""

    series: Series
    window_spec: WindowSpec

    @property
    def name(self) -> str:
        return self.series.name


def baseline_scores(records: Sequence[RunRecord]) -> tuple[int, dict[str, float]] | None:
    """Mean test RMSE over horizons 1..H of every saved variant, then of every baseline (from
    the first record: the variants share the data), and H; None when nothing was saved."""

    key = next((k for k in records[0].metrics if k.startswith("test RMSE 1-")), None)
    if key is None:
        return None
    suffix = key.removeprefix("test RMSE")  # " 1-12 steps"
    scores = {variant_label(r.model_spec): r.metrics[key] for r in records if key in r.metrics}
    for name, value in records[0].metrics.items():
        if name.endswith(f" RMSE{suffix}") and name != key:
            scores[name.removesuffix(f" RMSE{suffix}")] = value
    return int(suffix.split("-")[1].split()[0]), scores


def window_count(rows: int, window_spec: WindowSpec, topology: str) -> int:
    """Windows whose targets fit in ``rows`` consecutive rows (a decoder's span a horizon)."""
    span = window_spec.horizon if topology == "encoder_decoder" else 1
    return max(0, rows - span + 1)


class ForecastTask(Task[ForecastData, "ForecastJob"]):
    name = "forecast"
    label = "Forecast a time series"
    blurb = "a built-in series or your own CSV, read through a look-back window; forecasts in the series' own units against naive baselines, per horizon, with intervals."
    ranking = Ranking(shown="test RMSE 1-")  # mean over horizons 1..H, as Inspect shows
    job_module = "rnnviz.tasks.forecast.evaluation"
    topologies = TOPOLOGIES
    stateful = True
    inspects_uploads = True

    def default_recipe(self) -> tuple[ModelSpec, TrainSpec]:
        return DEFAULT_MODEL, DEFAULT_TRAIN

    def catalog(self) -> list[dict[str, str]]:
        return [
            {
                "data": s.title,
                "rows": f"{s.rows:,}",
                "description": s.description,
                "ships in": s.source,
            }
            for s in BUILTIN_SERIES.values()
        ]

    def dataset_name(self, data: ForecastData) -> str:
        return data.name

    def model_spec(self, spec: ModelSpec, data: ForecastData) -> ModelSpec:
        return spec.with_(horizon=data.window_spec.horizon)

    def input_shape(self, data: ForecastData, spec: ModelSpec) -> tuple[int, ...]:
        return (data.window_spec.window, len(data.series.columns))

    def fit_data(self, data: ForecastData, spec: ModelSpec) -> FitData:
        from rnnviz.tasks.forecast.evaluation import (  # imports Keras: the task stays light
            fit_data,
            windows_for,
        )

        windows = make_windows(data.series, windows_for(data.window_spec, spec.topology))
        return fit_data(windows, spec.topology)

    def reference_marks(self, data: ForecastData, spec: ModelSpec) -> list[ReferenceMark]:
        """The seasonal-naive (naive without a season) validation MAE in the units the model
        trains in (scaled, transformed target), over the steps its head predicts."""
        # imports Keras: the task stays light
        from rnnviz.tasks.forecast.evaluation import (
            NAIVE,
            model_targets,
            naive_forecast,
            seasonal_label,
            seasonal_naive_forecast,
            windows_for,
        )

        if spec.topology == "many_to_many":  # targets at every input step: no baseline here
            return []
        windows = make_windows(data.series, windows_for(data.window_spec, spec.topology))
        _, y = model_targets(windows, "val", spec.topology)
        start = windows.start_val
        if not len(start):
            return []
        y = y.reshape(len(start), -1)  # (n, steps the head predicts)
        season = windows.season
        if season:
            label, levels = (
                seasonal_label(season),
                seasonal_naive_forecast(windows, start, y.shape[1], season),
            )
        else:
            label, levels = NAIVE, naive_forecast(windows, start, y.shape[1])
        errors = np.abs(windows.to_scaled(levels, start) - y).mean(axis=1)  # (n,)
        source = (
            f"{label} on the {len(start)} validation windows, in the units the model trains in "
            "(the target transformed and scaled as for the network): the validation MAE it "
            "has to beat. Band: +/- one standard error."
        )
        return reference_marks(None, [baseline_mark(label, "mae", errors, source)])

    def build_notes(self, data: ForecastData, spec: ModelSpec) -> list[Note]:
        recipe = data_recipe(data.series)
        notes = [Note("caption", "Default recipe for this series. " + recipe.explanation)]
        notes = notes if recipe.reasons else []
        window_spec = data.window_spec
        if spec.stateful:
            batch = spec.stateful_batch_size
            notes.append(
                Note(
                    "warning",
                    f"Stateful: the batch size is fixed at {batch}; the state of sample i in one "
                    f"batch carries to sample i of the next; training runs without shuffling and "
                    f"the states reset every epoch and before evaluation. The training windows are "
                    f"trimmed to a multiple of {batch} (the oldest ones are dropped).",
                )
            )
        if spec.topology == "encoder_decoder":
            output = f"Output: {window_spec.horizon} future steps at once."
        else:
            output = "Output: the next value" + (
                " after every step." if spec.topology == "many_to_many" else "."
            )
            if window_spec.horizon > 1:
                output += f" A {window_spec.horizon}-step forecast feeds predictions back in."
        val_windows = window_count(window_spec.val_size, window_spec, spec.topology)
        if val_windows < MIN_VAL_WINDOWS:
            notes.append(
                Note(
                    "warning",
                    f"The validation part gives {val_windows} window(s), fewer than "
                    f"{MIN_VAL_WINDOWS}: early stopping would have too little to go on, so "
                    "training runs the whole epoch budget and keeps the last epoch's weights.",
                )
            )
        features = len(data.series.columns)
        notes.append(
            Note(
                "caption",
                f"Input: windows of {window_spec.window} steps x {features} feature(s). {output}",
            )
        )
        return notes

    def make_job(self, data: ForecastData, spec: ModelSpec, train: TrainSpec) -> ForecastJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.forecast.evaluation import forecast_job

        return forecast_job(data.series, data.window_spec, spec, train)

    def restore(
        self, record: RunRecord, model: keras.Model, data: ForecastData | None = None
    ) -> ForecastJob:
        from rnnviz.tasks.forecast.evaluation import (  # imports Keras: the task stays light
            ForecastJob,
            fit_data,
            windows_for,
        )

        key = record.data_config.get("dataset_key")
        data = self._stored_data(record) if data is None else data
        series, window_spec = data.series, data.window_spec
        topology = record.model_spec.topology
        windows = make_windows(series, windows_for(window_spec, topology))
        # The saved model is the stateless twin: restore it as such.
        stateless = replace(record, model_spec=record.model_spec.with_(stateful=False))
        run = finished_run(stateless, model, fit_data(windows, topology))
        return ForecastJob(
            series.name,
            series.season,
            window_spec,
            windows,
            run,
            key,
            series.inputs,
            record=record,
        )

    def data_file(self, data: ForecastData) -> DataFile | None:
        # imports Keras: the task stays light
        from rnnviz.tasks.forecast.evaluation import builtin_key

        return None if builtin_key(data.series) else series_file(data.series)

    @staticmethod
    def _stored_data(record: RunRecord) -> ForecastData:
        """The series and window settings a saved run was trained on: a built-in series loaded
        again, or the stored upload read back; ValueError when that cannot be done."""
        config = record.data_config
        key = config.get("dataset_key")
        window = window_config(record.data_config)
        if window is None:
            raise ValueError(
                "This run's data settings are incomplete (no look-back window saved): it cannot be "
                "reopened."
            )
        if key in BUILTIN_SERIES:
            series = load_builtin(key).with_inputs(config.get("inputs", []))
        else:
            content, ref = read_stored(record)
            series = series_from_file(content, ref, record.dataset)
        return ForecastData(series, WindowSpec(**window))

    def job_from_model(self, model: keras.Model, data: ForecastData) -> ForecastJob:
        """Inspect an uploaded forecasting model on the current series; ValueError if shapes differ."""
        # imports Keras: the task stays light
        from rnnviz.model.builder import spec_of
        from rnnviz.tasks.forecast.evaluation import (  # imports Keras: the task stays light
            ForecastJob,
            builtin_key,
            fit_data,
            windows_for,
        )

        # imports Keras: the task stays light
        from rnnviz.train.training import TrainingRun

        series, window_spec = data.series, data.window_spec
        spec = spec_of(model)
        expected = self.input_shape(data, spec)
        if tuple(model.input_shape[1:]) != expected:
            raise ValueError(
                f"The model reads windows shaped {tuple(model.input_shape[1:])}, but the current "
                f"data gives {expected} (window x features): choose matching data settings."
            )
        windows = make_windows(series, windows_for(window_spec, spec.topology))
        run = TrainingRun.restored(
            model,
            spec,
            TrainSpec(),
            fit_data(windows, spec.topology),
            {},
            "finished",
            "Uploaded model.",
        )
        return ForecastJob(
            series.name,
            series.season,
            window_spec,
            windows,
            run,
            builtin_key(series),
            series.inputs,
        )

    def analyse(
        self,
        analysis: Analysis,
        fit: Callable[[ForecastJob], None],
        progress: Callable[[int, int], None],
        should_stop: Callable[[], bool],
    ) -> Backtest:
        """The rolling-origin backtest: ``analysis.steps`` refits on expanding data."""
        if analysis.name != "backtest":
            return super().analyse(analysis, fit, progress, should_stop)
        # the job module imports Keras: the task stays light until a worker runs this
        from rnnviz.tasks.forecast.evaluation import (  # imports Keras: the task stays light
            backtest,
            forecast_job,
        )

        def fit_fold(series: Series, window_spec: WindowSpec) -> ForecastJob:
            job = forecast_job(series, window_spec, analysis.spec, analysis.train)
            fit(job)
            return job

        data = analysis.data
        return backtest(
            data.series, data.window_spec, analysis.steps, fit_fold, progress, should_stop
        )

    def comparison_figures(self, records: Sequence[RunRecord]) -> dict[str, go.Figure]:
        """The test forecasts of every saved variant over the actual values."""
        # Plotly stays off the light path
        from rnnviz.common.figures import score_bars
        from rnnviz.tasks.forecast.figures import forecast_overlay

        frames = {variant_label(r.model_spec): r.predictions() for r in records}
        tests = {label: f[f["split"] == "test"] for label, f in frames.items() if f is not None}
        if not tests:
            return {}
        first = next(iter(tests.values()))
        target = records[0].data_config.get("target", "value")
        figures = {"cmp_forecasts": forecast_overlay(first, tests, target)}
        scores = baseline_scores(records)
        if scores:
            steps, values = scores
            figures["cmp_baselines"] = score_bars(
                values, f"Test RMSE, mean over horizons 1-{steps} (lower is better)"
            )
        return figures

    def export(self, record: RunRecord) -> Export | None:
        """The Keras script of a run: a built-in series embedded in it, an uploaded one read from
        the CSV the run keeps (its download beside the script); None without a saved window."""

        config = record.data_config
        key = config.get("dataset_key")
        saved_window = window_config(config)
        if saved_window is None:
            return None
        window = WindowSpec(**saved_window)
        spec, train = record.model_spec, record.train_spec
        if key in BUILTIN_SERIES:
            script = forecast_script(
                key, window, spec, train, config.get("inputs", ()), config.get("sarima")
            )
            return Export(script_filename(key, spec), script)
        data = self._stored_data(record)
        filename = data_filename(config["stored_data"])
        script = forecast_file_script(
            data.series, filename, window, spec, train, config.get("sarima")
        )
        return Export(script_filename(Path(record.dataset).stem, spec), script)


FORECAST = ForecastTask()
TASK = FORECAST  # what the registry loads
