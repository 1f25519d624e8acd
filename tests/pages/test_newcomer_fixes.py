"""Defects a newcomer met (issue 13), as page tests."""

from __future__ import annotations

import keras
import pytest

from rnnviz.builder import build_model, compile_model
from rnnviz.datasets import load_builtin
from rnnviz.runs import RunRecord, RunStore
from rnnviz.spec import ModelSpec, TrainSpec
from rnnviz.tasks import ForecastData, get_task
from rnnviz.tasks.sentiment import SentimentData
from rnnviz.text import load_rotten_tomatoes, prepare_text_data
from rnnviz.windows import WindowSpec
from tests.pages.helpers import new_app, open_page, session

SPEC = ModelSpec(cell="GRU", units=(4,), embedding_dim=4)
TRAIN = TrainSpec(epochs=1, batch_size=8)
WINDOWS = {"window": 6, "horizon": 1, "test_size": 12, "val_size": 6, "transform": "none"}
TEXT = {"vocab_size": 50, "max_len": 8}


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)


def stored_data(task: str):
    """Tiny built-in data of a task, as its saved runs reload it."""
    if task == "forecast":
        return ForecastData(load_builtin("airline"), WindowSpec(**WINDOWS))
    texts = prepare_text_data(load_rotten_tomatoes(), TEXT["vocab_size"], TEXT["max_len"])
    return SentimentData("Rotten Tomatoes", texts)


def save_untrained_run(store: RunStore, task_name: str) -> RunRecord:
    """An untrained run of a task on its built-in data, saved as the worker saves one."""
    task, data = get_task(task_name), stored_data(task_name)
    spec = task.model_spec(SPEC, data)
    keras.utils.set_random_seed(1)
    model = compile_model(build_model(spec, task.input_shape(data, spec)), spec, TRAIN)
    config = (
        {**WINDOWS, "dataset_key": "airline", "inputs": []} if task_name == "forecast" else TEXT
    )
    return store.save(
        task=task_name,
        dataset=task.dataset_name(data),
        model=model,
        model_spec=spec,
        train_spec=TRAIN,
        data_config=config,
        history={"loss": [1.0]},
        metrics={},
        status="finished",
        message="Finished 1 epoch.",
    )


def test_open_in_inspect_a_run_of_the_other_task(store):
    record = save_untrained_run(store, "forecast")
    at = new_app(task="sentiment")
    at.run()
    at = open_page("views/runs.py", at)
    assert at.selectbox(key="w_run").value == record.run_id
    at.button(key="run_open").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Inspect"  # the forecast Inspect page, not "page not found"
    assert session(at).task == "forecast" and at.sidebar.radio(key="w_task").value == "forecast"
    assert session(at).job.record.run_id == record.run_id
    assert any("Actual vs predicted" in str(c.proto.spec) for c in at.get("plotly_chart"))
