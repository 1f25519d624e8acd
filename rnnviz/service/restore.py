"""Reopen saved runs and uploaded models: each task rebuilds its own jobs (rnnviz.tasks)."""

from __future__ import annotations

from typing import Any

import keras

from rnnviz.model.spec import ModelSpec
from rnnviz.model.upload import recurrent_layers
from rnnviz.tasks.base import Job
from rnnviz.tasks.forecast.evaluation import ForecastJob
from rnnviz.tasks.forecast.series import Series
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.tasks.registry import get_task
from rnnviz.train.runs import RunRecord


def restore_job(record: RunRecord, model: keras.Model, data: Any = None) -> Job:
    """The job a saved run came from, on ``data`` (the task's data object it was trained on) or,
    without it, on its built-in data loaded again; ValueError when that cannot be done (an upload
    that is not stored)."""
    return get_task(record.task).restore(record, model, data)


def spec_of(model: keras.Model) -> ModelSpec:
    """A best-effort ModelSpec describing a loaded model (cell, units, direction, topology)."""
    recurrent = recurrent_layers(model)
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
    return FORECAST.job_from_model(model, ForecastData(series, window_spec))
