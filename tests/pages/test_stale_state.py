"""No stale state: the task and the run in the URL, Train after a data switch, the horizon from the
current data, the generation Inspect page after a corpus switch, ``?run=`` set at submit."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service.executor import QueuedExecutor, RunHandle
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.generation.chars import CharCorpus, prepare_char_data
from rnnviz.tasks.generation.task import GENERATION, GenerationData
from rnnviz.tasks.sequences.task import SEQUENCES
from rnnviz.train.owners import LOCAL_OWNER
from rnnviz.ui import runner
from tests.core.test_seq_task import tiny_sequences
from tests.pages.helpers import APP, TIMEOUT, new_app, open_page, plotly_charts, session


class HeldExecutor(QueuedExecutor):
    """An executor whose runs wait and never start (what a page shows while a run trains); it
    notes the page's URL at each submit."""

    def __init__(self) -> None:
        super().__init__(max_running=1)
        self.urls_at_submit: list[dict] = []

    def submit(self, request: TrainRequest, handle_id: str | None = None) -> RunHandle:
        self.urls_at_submit.append(st.query_params.to_dict())
        handle = RunHandle(request, self, handle_id)
        with self._cond:
            self._handles[handle.id] = handle
        return handle


@pytest.fixture
def held(monkeypatch) -> HeldExecutor:
    executor = HeldExecutor()
    monkeypatch.setattr(runner, "default_executor", lambda: executor)
    return executor


def texts(at: AppTest, kind: str) -> str:
    return " ".join(e.value for e in at.get(kind)).replace("\\", "")  # Markdown escapes


def sequence_run(executor: QueuedExecutor, owner: str = LOCAL_OWNER) -> RunHandle:
    data = tiny_sequences()
    spec = SEQUENCES.model_spec(ModelSpec(units=(4,)), data)
    train = TrainSpec(epochs=50)
    return executor.submit(TrainRequest("sequences", data, spec, train, "unused", owner=owner))


def test_a_fresh_session_takes_its_task_from_the_url():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["task"] = "sequences"
    at.run()
    assert session(at).task == "sequences"
    assert at.sidebar.radio(key="w_task").value == "sequences"
    at = open_page("pages/sequences/data.py", at)  # the task's own pages are in the navigation
    assert at.title[0].value.startswith("Data: sequence classification")
    assert at.query_params["task"] == "sequences"


def test_a_reload_during_a_sequence_run_finds_its_task_and_data(held):
    handle = sequence_run(held)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)  # a fresh session, the run's URL
    at.query_params.update(run=handle.id, task="forecast")  # the run's own task wins
    at.run()
    at.switch_page("pages/common/train.py").run()
    assert not at.exception
    current = session(at)
    assert current.task == "sequences" and current.run_handle is handle
    assert at.sidebar.radio(key="w_task").value == "sequences"
    assert current.task_data("sequences") is handle.request.data  # what the run trains on
    assert not at.info, [i.value for i in at.info]  # not "Choose the data and build a model"
    assert "reattached to its run" in texts(at, "caption")
    assert "Epoch 0/50" in at.get("progress")[0].proto.text
    assert plotly_charts(at)  # the run's live chart
    assert at.query_params == {"task": "sequences", "run": handle.id}
    handle.stop()


def test_switching_data_clears_the_other_data_run_from_train(held, data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at = open_page("pages/common/train.py", at)
    at.button(key="train").click().run()
    handle = session(at).run_handle
    assert plotly_charts(at) and at.get("progress")  # the airline run, live

    at = open_page("pages/forecast/data.py", at)
    at.selectbox(key="w_builtin").set_value("sunspots").run()
    at = open_page("pages/common/train.py", at)
    assert not at.exception
    assert not plotly_charts(at) and not at.get("progress")  # a fresh Train page
    assert not [link for link in at.get("page_link") if "Inspect" in link.proto.label]
    assert "Your run on other data, Airline passengers" in texts(at, "caption")
    assert at.button(key="train").disabled is False  # a new run can start at once
    at.button(key="stop_other").click().run()
    assert handle.stop_requested

    at = open_page("pages/forecast/data.py", at)
    at.selectbox(key="w_builtin").set_value("airline").run()  # the same data again
    at = open_page("pages/common/train.py", at)
    assert plotly_charts(at) and at.get("progress")  # its run shows again
    assert "other data" not in texts(at, "caption")


def test_the_horizon_follows_the_data_chosen_after_build(held, data_ready):
    at = open_page("pages/common/build.py", data_ready)
    assert session(at).model_spec.horizon == 12
    at = open_page("pages/forecast/data.py", at)
    at.number_input(key="w_horizon").set_value(6).run()
    at = open_page("pages/common/train.py", at)  # Build not visited again
    assert session(at).model_spec.horizon == 6
    at.button(key="train").click().run()
    assert session(at).run_handle.request.model_spec.horizon == 6  # what Runs will show
    session(at).run_handle.stop()


def test_the_run_is_in_the_url_before_it_is_submitted(held, data_ready):
    at = open_page("pages/common/build.py", data_ready)
    at = open_page("pages/common/train.py", at)
    at.button(key="train").click().run()
    handle = session(at).run_handle
    assert held.urls_at_submit == [{"task": "forecast", "run": handle.id}]
    handle.stop()


TEXT_A = "MACBETH:\nSo foul (and fair) a day [Enter ROSS] I have not seen.\n\n" * 40
TEXT_B = "ALICE:\nDown the rabbit hole she falls and on and on.\n\n" * 40


def trained_generation(text: str, name: str):
    chars = prepare_char_data(CharCorpus(name, text), seq_len=20, stride=10, val_fraction=0.2)
    data = GenerationData(chars, None, 0.2, text.split("\n")[0] + "\n", 0.8, 20)
    spec = GENERATION.model_spec(
        GENERATION.default_recipe()[0].with_(units=(6,), stateful=False), data
    )
    job = GENERATION.make_job(data, spec.with_(embedding_dim=4), TrainSpec(epochs=1, seed=3))
    job.run.run()
    return job


def test_generation_inspect_starts_from_the_current_corpus():
    first, second = trained_generation(TEXT_A, "play A"), trained_generation(TEXT_B, "story B")
    assert "(" in first.chars.val_text[:120] and "(" not in second.chars.vocab.chars
    at = open_page("pages/generation/inspect.py", new_app(task="generation", job=first))
    assert at.text_input(key="w_gen_prompt").value == "MACBETH:\\n"

    session(at).job = second  # trained on another corpus
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.text_input(key="w_gen_prompt").value == "ALICE:\\n"
    assert at.text_area(key="w_next_passage").value == second.chars.val_text[:120]
    next_chars = at.dataframe[0].value
    assert len(next_chars) == 120  # the next-character table, from the new passage
    assert at.number_input(key="w_units_passage").value == min(600, len(second.chars.val_text))
