"""Defects a newcomer met (issue 13), as page tests."""

from __future__ import annotations

import keras
import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.model.builder import build_model, compile_model
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.tasks.registry import TASK_NAMES, get_task
from rnnviz.tasks.sentiment.task import SentimentData
from rnnviz.tasks.sentiment.text import load_rotten_tomatoes, prepare_text_data
from rnnviz.train.runs import RunRecord, RunStore
from rnnviz.ui.widgets import learning_rate_choices, nearest_rate
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
        metrics={"test RMSE": 50.0} if task_name == "forecast" else {"test accuracy": 0.5},
        status="finished",
        message="Finished 1 epoch.",
    )


def test_open_in_inspect_a_run_of_the_other_task(store):
    record = save_untrained_run(store, "forecast")
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/common/runs.py", at)
    assert at.selectbox(key="w_run").value == record.run_id
    at.button(key="run_open").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Inspect"  # the forecast Inspect page, not "page not found"
    assert session(at).task == "forecast" and at.sidebar.radio(key="w_task").value == "forecast"
    assert session(at).job.record.run_id == record.run_id
    assert any("Actual vs predicted" in str(c.proto.spec) for c in at.get("plotly_chart"))


def test_train_page_names_a_stateful_bidirectional_model_and_its_batch_size(data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at.toggle(key="w_bidirectional").set_value(True)
    at.toggle(key="w_stateful").set_value(True).run()
    at.number_input(key="w_stateful_batch_size").set_value(5).run()
    at = open_page("pages/common/train.py", at)
    caption = at.caption[0].value.replace("\\", "")  # markdown escapes undone
    assert "bidirectional (concat)" in caption and "stateful (batch 5)" in caption
    batch = at.number_input(key="w_batch_size")
    assert batch.disabled
    assert any("batches of its stateful batch size, 5" in c.value for c in at.caption)

    at = open_page("pages/common/build.py", at)
    at.toggle(key="w_stateful").set_value(False).run()
    at = open_page("pages/common/train.py", at)
    assert not at.number_input(key="w_batch_size").disabled
    assert "stateful" not in at.caption[0].value and "bidirectional" in at.caption[0].value


def test_runs_picker_follows_the_filter_and_metrics_come_first(store):
    forecast = save_untrained_run(store, "forecast")
    save_untrained_run(store, "sentiment")
    at = open_page("pages/common/runs.py")
    assert len(at.selectbox(key="w_run").options) == 2
    order = list(at.dataframe[0].proto.column_order)
    leading = ["id", "dataset", "cell", "direction", "depth", "units"]
    assert order[:8] == [*leading, "test RMSE", "test accuracy"]
    at.multiselect(key="w_runs_datasets").set_value(["Airline passengers"]).run()
    assert list(at.dataframe[0].value["id"]) == [forecast.run_id]
    picker = at.selectbox(key="w_run")
    assert len(picker.options) == 1 and picker.value == forecast.run_id
    assert "Configuration difference" not in [h.value for h in at.subheader]  # one run: no diff
    at.button(key="run_open").click().run()
    assert session(at).job.record.run_id == forecast.run_id


def test_compare_shows_and_changes_the_shared_topology_and_units(data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at.number_input(key="w_units_1").set_value(6).run()
    at = open_page("pages/common/compare.py", at)
    assert at.radio(key="w_cmp_topology").value == "many_to_one"
    assert at.number_input(key="w_cmp_units").value == 6
    at.radio(key="w_cmp_topology").set_value("encoder_decoder")
    at.number_input(key="w_cmp_units").set_value(5).run()
    assert not at.exception
    caption = at.caption[0].value
    assert "3 variants" in caption and "encoder-decoder, units 5 per layer" in caption
    at.multiselect(key="w_cmp_directions").set_value([False, True]).run()
    assert "6 variants" in at.caption[0].value  # both directions are causal for encoder-decoder

    at.radio(key="w_cmp_topology").set_value("many_to_many").run()
    assert "3 variants" in at.caption[0].value  # the bidirectional ones would read the future
    assert any("read the future" in w.value for w in at.warning)

    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(7).run()
    at = open_page("pages/common/compare.py", at)  # a new model on Build: Compare starts from it
    assert at.number_input(key="w_cmp_units").value == 7
    assert at.radio(key="w_cmp_topology").value == "many_to_one"


def test_build_shows_the_stateful_batch_size_only_where_stateful_applies(data_ready):
    at = open_page("pages/common/build.py", data_ready)
    assert "Stateful batch size" in [n.label for n in at.number_input]  # forecast: offered
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/common/build.py", open_page("pages/sentiment/data.py", at))
    labels = [n.label for n in at.number_input]
    assert "Embedding size" in labels and "Stateful batch size" not in labels


def test_learning_rate_is_a_log_spaced_choice(data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at = open_page("pages/common/train.py", at)
    rate = at.select_slider(key="w_learning_rate")
    assert rate.value == 0.005  # the airline recipe's
    options = [float(o) for o in rate.options]
    assert options[:3] == [1e-5, 2e-5, 5e-5] and options[-3:] == [0.1, 0.2, 0.5]
    assert set(options) >= {0.001, 0.002, 0.005, 0.01, 0.02, 0.05}  # 1, 2, 5 per decade
    rate.set_value(0.01).run()
    assert at.select_slider(key="w_learning_rate").value == 0.01


def test_a_rate_off_the_choices_moves_to_the_nearest_on_a_log_scale():
    rates = learning_rate_choices()
    assert nearest_rate(0.0003, rates) == 0.0002  # log10: 0.48 is nearer 0.30 (2) than 0.70 (5)
    assert nearest_rate(0.0004, rates) == 0.0005
    assert nearest_rate(7.0, rates) == 0.5
    assert {get_task(name).default_recipe()[1].learning_rate for name in TASK_NAMES} <= set(rates)


def widget_page_script() -> None:
    """A two-page app: a seeded Epochs field on "train", nothing on "data". A run flagged
    ``as_fragment`` skips the router's keep_widget_values, as the Train page's live fragment does."""
    import streamlit as st

    from rnnviz.ui.state import keep_widget_values, set_widget_defaults

    if not st.session_state.get("as_fragment"):
        keep_widget_values()
    set_widget_defaults({"epochs": 150})
    if st.session_state.get("page") == "train":
        st.number_input("Epochs", 1, 2000, key="w_epochs")


def test_a_widget_value_survives_a_run_that_skipped_keep_widget_values():
    at = AppTest.from_function(widget_page_script)
    at.session_state["page"] = "home"
    at.run()  # seeds 150 before the field exists
    at.session_state["page"] = "train"
    at.run()
    at.number_input(key="w_epochs").set_value(300).run()
    at.session_state["page"], at.session_state["as_fragment"] = "data", True
    at.run()  # like a fragment run: the field is not drawn and nothing re-assigns it
    at.session_state["page"], at.session_state["as_fragment"] = "train", False
    at.run()
    assert at.number_input(key="w_epochs").value == 300  # was the seeded 150
