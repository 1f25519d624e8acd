"""The forecasting task: a time series, windows over it and a regression head."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from rnnviz.datasets import BUILTIN_SERIES, Series, load_builtin
from rnnviz.recipes import DEFAULT_MODEL, DEFAULT_TRAIN
from rnnviz.spec import TOPOLOGIES, ModelSpec, TrainSpec
from rnnviz.tasks.base import Export, Note, Task, finished_run
from rnnviz.windows import WindowSpec

if TYPE_CHECKING:
    import keras
    import plotly.graph_objects as go

    from rnnviz.forecast import ForecastJob
    from rnnviz.runs import RunRecord
    from rnnviz.training import FitData


@dataclass(frozen=True, eq=False)
class ForecastData:
    """What a forecasting job is built from: the series and how it is windowed and split."""

    series: Series
    window_spec: WindowSpec

    @property
    def name(self) -> str:
        return self.series.name


class ForecastTask(Task[ForecastData, "ForecastJob"]):
    name = "forecast"
    label = "Forecast a time series"
    data_page = "pages/data.py"
    inspect_page = "pages/inspect.py"
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
        from rnnviz.forecast import fit_data, windows_for
        from rnnviz.windows import make_windows

        windows = make_windows(data.series, windows_for(data.window_spec, spec.topology))
        return fit_data(windows, spec.topology)

    def build_notes(self, data: ForecastData, spec: ModelSpec) -> list[Note]:
        notes = []
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
        features = len(data.series.columns)
        notes.append(
            Note(
                "caption",
                f"Input: windows of {window_spec.window} steps x {features} feature(s). {output}",
            )
        )
        return notes

    def make_job(self, data: ForecastData, spec: ModelSpec, train: TrainSpec) -> ForecastJob:
        from rnnviz.forecast import forecast_job

        return forecast_job(data.series, data.window_spec, spec, train)

    def restore(self, record: RunRecord, model: keras.Model) -> ForecastJob:
        from rnnviz.forecast import ForecastJob, fit_data, windows_for
        from rnnviz.windows import make_windows

        config = record.data_config
        key = config.get("dataset_key")
        if key not in BUILTIN_SERIES:
            raise ValueError(
                "This run was trained on an uploaded file, which is not stored: upload it again "
                "to retrain."
            )
        series = load_builtin(key).with_inputs(config.get("inputs", []))
        window_spec = WindowSpec(**{f.name: config[f.name] for f in fields(WindowSpec)})
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

    def job_from_model(self, model: keras.Model, data: ForecastData) -> ForecastJob:
        """Inspect an uploaded forecasting model on the current series; ValueError if shapes differ."""
        from rnnviz.forecast import ForecastJob, builtin_key, fit_data, windows_for
        from rnnviz.restore import spec_of
        from rnnviz.training import TrainingRun
        from rnnviz.windows import make_windows

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

    def comparison_figures(self, jobs: Sequence[ForecastJob]) -> dict[str, go.Figure]:
        """The test forecasts of every saved variant over the actual values."""
        from rnnviz.compare import variant_label
        from rnnviz.figures import forecast_overlay

        frames = {
            variant_label(job.run.spec): job.record.predictions() for job in jobs if job.record
        }
        tests = {label: f[f["split"] == "test"] for label, f in frames.items() if f is not None}
        if not tests:
            return {}
        first = next(iter(tests.values()))
        return {"cmp_forecasts": forecast_overlay(first, tests, jobs[0].data.columns[0])}

    def export(self, record: RunRecord) -> Export | None:
        """The Keras script of a run on a built-in series (uploads are not stored: None)."""
        from rnnviz.codegen import forecast_script, script_filename

        config = record.data_config
        key = config.get("dataset_key")
        if key not in BUILTIN_SERIES:
            return None
        window = WindowSpec(**{f.name: config[f.name] for f in fields(WindowSpec)})
        script = forecast_script(
            key, window, record.model_spec, record.train_spec, config.get("inputs", ())
        )
        return Export(script_filename(key, record.model_spec), script)


FORECAST = ForecastTask()
