"""Rebuild an Inspect-ready job from a saved run (its model, spec and the same data)."""

from __future__ import annotations

from dataclasses import fields, replace

import keras

from rnnviz.builder import RECURRENT_TYPES
from rnnviz.datasets import BUILTIN_SERIES, Series, load_builtin
from rnnviz.forecast import ForecastJob, fit_data, windows_for
from rnnviz.runs import RunRecord
from rnnviz.sentiment import SentimentJob
from rnnviz.spec import ModelSpec, TrainSpec
from rnnviz.text import load_rotten_tomatoes, prepare_text_data
from rnnviz.training import FitData, TrainingRun
from rnnviz.windows import WindowSpec, make_windows


def restore_job(record: RunRecord, model: keras.Model) -> ForecastJob | SentimentJob:
    """The job a saved run came from; ValueError when its data cannot be loaded again (uploads)."""
    job = (
        _forecast_job(record, model) if record.task == "forecast" else _sentiment_job(record, model)
    )
    job.record = record  # already saved: the autosave leaves it alone
    return job


def _finished_run(record: RunRecord, model: keras.Model, data: FitData) -> TrainingRun:
    return TrainingRun.restored(
        model,
        record.model_spec,
        record.train_spec,
        data,
        record.history,
        record.status,
        record.message,
    )


def _forecast_job(record: RunRecord, model: keras.Model) -> ForecastJob:
    config = record.data_config
    key = config.get("dataset_key")
    if key not in BUILTIN_SERIES:
        raise ValueError(
            "This run was trained on an uploaded file, which is not stored: upload it again to retrain."
        )
    series = load_builtin(key).with_inputs(config.get("inputs", []))
    window_spec = WindowSpec(
        **{f.name: config[f.name] for f in fields(WindowSpec) if f.name in config}
    )
    topology = record.model_spec.topology
    data = make_windows(series, windows_for(window_spec, topology))
    stateless = replace(
        record, model_spec=record.model_spec.with_(stateful=False)
    )  # saved: the twin
    run = _finished_run(stateless, model, fit_data(data, topology))
    return ForecastJob(series.name, series.season, window_spec, data, run, key, series.inputs)


def _sentiment_job(record: RunRecord, model: keras.Model) -> SentimentJob:
    config = record.data_config
    if record.dataset != "Rotten Tomatoes":
        raise ValueError(
            f"The data of this run ({record.dataset}) is not stored: load it again to retrain."
        )
    data = prepare_text_data(load_rotten_tomatoes(), config["vocab_size"], config["max_len"])
    run = _finished_run(record, model, FitData(data.x_train, data.y_train, data.x_val, data.y_val))
    return SentimentJob(record.dataset, data, run)


def spec_of(model: keras.Model) -> ModelSpec:
    """A best-effort ModelSpec describing a loaded model (cell, units, direction, topology)."""
    recurrent = [
        layer
        for layer in model.layers
        if isinstance(layer, (*RECURRENT_TYPES, keras.layers.Bidirectional))
    ]
    if not recurrent:
        raise ValueError("The model has no recurrent layer.")
    inner = [getattr(layer, "forward_layer", layer) for layer in recurrent]
    has_repeat = any(isinstance(layer, keras.layers.RepeatVector) for layer in model.layers)
    out_rank = len(model.output_shape)
    topology = (
        "encoder_decoder" if has_repeat else ("many_to_many" if out_rank == 3 else "many_to_one")
    )
    units = tuple(layer.units for layer in inner)
    if has_repeat:
        units = units[: max(1, len(units) // 2)]
    return ModelSpec(
        cell=type(inner[0]).__name__,
        units=units[:4],
        bidirectional=isinstance(recurrent[0], keras.layers.Bidirectional),
        topology=topology,
        horizon=model.output_shape[1] if has_repeat else 1,
    )


def job_from_uploaded_model(
    model: keras.Model, series: Series, window_spec: WindowSpec
) -> ForecastJob:
    """Inspect an uploaded forecasting model on the current series; ValueError if shapes differ."""
    spec = spec_of(model)
    data = make_windows(series, windows_for(window_spec, spec.topology))
    expected = (window_spec.window, len(series.columns))
    if tuple(model.input_shape[1:]) != expected:
        raise ValueError(
            f"The model reads windows shaped {tuple(model.input_shape[1:])}, but the current data gives "
            f"{expected} (window x features): choose matching data settings."
        )
    run = TrainingRun.restored(
        model, spec, TrainSpec(), fit_data(data, spec.topology), {}, "finished", "Uploaded model."
    )
    key = next((k for k, b in BUILTIN_SERIES.items() if b.title == series.name), None)
    return ForecastJob(series.name, series.season, window_spec, data, run, key, series.inputs)
