"""The live panel's timing rules: heavy figures throttled, a run's end waited for briefly."""

from __future__ import annotations

import itertools
import threading
import time
from types import SimpleNamespace

import pytest

from rnnviz.train.runstate import RunState
from rnnviz.ui import live, runner, state
from rnnviz.ui.state import Session


def test_memo_every_recomputes_on_a_new_key_at_once_and_on_a_new_version_only_when_due(
    monkeypatch,
):
    clock = iter([0.0, 1.0, 2.0, 5.0, 9.0, 9.5])
    monkeypatch.setattr(state.time, "monotonic", lambda: next(clock))
    counter = itertools.count()
    current = Session()

    def ask(key, version):
        return current.memo_every("fig", key, version, 6.0, lambda: next(counter))

    assert ask("sample 0", 1) == 0  # t=0: computed
    assert ask("sample 0", 2) == 0  # t=1: a new epoch, but drawn 1 s ago: kept
    assert ask("sample 1", 2) == 1  # t=2: the user chose another sample: at once
    assert ask("sample 1", 3) == 1  # t=5: a new epoch 3 s after the last drawing: kept
    assert ask("sample 1", 4) == 2  # t=9: 7 s after it: drawn again
    assert ask("sample 1", 4) == 2  # t=9.5: same version: kept


class FakeHandle:
    """A run handle whose next state arrives while the page waits (for training or the save)."""

    def __init__(self, before: RunState, after: RunState | None) -> None:
        self.states, self.waited = [before, after], []

    def snapshot(self) -> RunState:
        return self.states[0]

    def wait_trained(self, timeout: float) -> None:
        self.waited.append(("trained", timeout))
        self.states.pop(0)

    def result(self, timeout: float):
        self.waited.append(("saved", timeout))
        self.states.pop(0)

    def wait_first_batch(self, timeout: float) -> None:
        self.waited.append(("first batch", timeout))
        self.states.pop(0)

    queue_position = None

    @property
    def done(self) -> bool:  # saved once its result was waited for
        return ("saved", live.END_WAIT_SECONDS) in self.waited


def test_a_trained_run_is_shown_at_once_and_its_save_waited_for_after_drawing():
    saving = RunState(status="saving", message="Finished 2 epochs. Saving the run...")
    handle = FakeHandle(saving, RunState(status="finished"))
    assert live.progress_near_end(handle) is saving and handle.waited == []  # drawn at once
    assert live.wait_while_saving(handle, saving)  # then: the saved run, in this refresh
    assert handle.waited == [("saved", live.END_WAIT_SECONDS)]
    assert live.END_WAIT_SECONDS < live.REFRESH_SECONDS


def test_a_run_due_to_end_before_the_next_refresh_is_waited_for():
    last_epoch = RunState(status="running", epochs=10, epoch=9, epoch_seconds=[3.0, 1.0])
    assert last_epoch.seconds_left < live.REFRESH_SECONDS
    handle = FakeHandle(last_epoch, RunState(status="saving", epochs=10, epoch=10))
    assert live.progress_near_end(handle).status == "saving"  # the outcome, before the save
    assert handle.waited == [("trained", live.END_WAIT_SECONDS)]


def test_a_run_before_its_first_batch_is_waited_for_at_the_pace_of_the_refreshes():
    """The chart drawn next shows the first batch as soon as it exists, not a refresh later."""
    starting = RunState(status="running", epochs=3, steps_per_epoch=50)
    handle = FakeHandle(starting, RunState(status="running", epochs=3, step=1, batch_loss=[0.7]))
    assert live.progress_near_end(handle).batch_loss == [0.7]
    assert handle.waited == [("first batch", live.QUICK_SECONDS)]
    queued = FakeHandle(RunState(status="ready", epochs=3), None)
    queued.queue_position = 2  # waiting for a worker: nothing to wait for yet
    assert live.progress_near_end(queued).status == "ready" and queued.waited == []


def test_a_run_far_from_its_end_is_not_waited_for():
    early = RunState(status="running", epochs=10, epoch=2, epoch_seconds=[3.0, 1.0])
    handle = FakeHandle(early, RunState(status="finished"))
    assert live.progress_near_end(handle) is early and handle.waited == []


def test_a_one_epoch_run_near_its_last_batch_is_waited_for():
    """Within the first epoch the time left comes from the batches so far (no epoch has ended)."""
    nearly = RunState(status="running", epochs=1, steps_per_epoch=100, step=95, elapsed=6.0)
    assert nearly.seconds_left == pytest.approx(6.0 * 0.05 / 0.95)
    handle = FakeHandle(nearly, RunState(status="saving", epochs=1, epoch=1))
    assert live.progress_near_end(handle).status == "saving"
    starting = RunState(status="running", epochs=1, steps_per_epoch=100, step=10, elapsed=1.0)
    assert (
        starting.seconds_left == pytest.approx(9.0)
        and live.progress_near_end(FakeHandle(starting, None)) is starting
    )


def test_time_left_in_the_first_epoch_leaves_out_the_first_batch_which_traced_the_model():
    """Sentiment's one epoch: a 3 s first batch (tracing) then 0.05 s per batch. Scaling the time
    so far would say 4 s left at batch 60 of 100 and miss the end; the rate since says 2 s."""
    state = RunState(
        status="running", epochs=1, steps_per_epoch=100, step=60, first_step_seconds=3.0
    )
    state.elapsed = 3.0 + 59 * 0.05
    assert state.seconds_left == pytest.approx(40 * 0.05)


def test_inspect_waits_for_a_trained_run_that_is_being_saved(tmp_path):
    """Clicking Inspect as soon as the outcome shows: the page waits for the save, not 'Train a
    model first' (the run's job is loaded once its worker has saved it)."""
    import threading
    import time

    from rnnviz.model.spec import ModelSpec, TrainSpec
    from rnnviz.service.executor import RunHandle
    from rnnviz.service.request import RunResult, TrainRequest
    from rnnviz.tasks.forecast.series import load_builtin
    from rnnviz.tasks.forecast.task import ForecastData
    from rnnviz.tasks.forecast.windows import WindowSpec
    from tests.pages.helpers import new_app, session

    data = ForecastData(load_builtin("airline"), WindowSpec(window=12, test_size=12, val_size=12))
    request = TrainRequest("forecast", data, ModelSpec(units=(4,)), TrainSpec(), str(tmp_path))
    handle = RunHandle(request, executor=None)
    handle._apply({"scalars": {"status": "finished", "message": "Finished 1 epochs.", "epoch": 1}})
    at = new_app()
    at.run()
    at.switch_page("pages/forecast/inspect.py")
    at.run()  # nothing trained yet; the page's imports are paid here
    assert "Train a model first" in at.info[0].value
    session(at).run_handle = handle
    threading.Timer(1.5, handle._end, args=(RunResult(),)).start()  # saved 1.5 s later
    start = time.monotonic()
    at.run()
    assert time.monotonic() - start >= 1.4  # waited for the save (then: nothing saved to show)


def test_a_page_change_mid_load_waits_for_the_stopped_run_to_finish_loading(monkeypatch):
    """Streamlit starts the next page's run before the stopped one has left the model loading
    (it only stops at its next Streamlit call): the new run must wait for the job, not see the
    run marked collected with no job (Inspect then said "Train first")."""
    current, loading, toasts = Session(), threading.Event(), []
    handle = SimpleNamespace(done=True)

    def slow_load(of):
        loading.set()
        time.sleep(0.3)  # restoring the model in the server
        current.job, current.job_from = "the job", of
        return "run-1"

    monkeypatch.setattr(runner, "session", lambda: current)
    monkeypatch.setattr(runner, "current_handle", lambda: handle)
    monkeypatch.setattr(runner, "_load_saved_run", slow_load)
    monkeypatch.setattr(runner.st, "toast", toasts.append)
    stopped_run = threading.Thread(target=runner.collect_finished_run)
    stopped_run.start()
    assert loading.wait(5)
    runner.collect_finished_run()  # the Inspect page's run
    assert current.job == "the job" and current.collected is handle
    stopped_run.join()
    assert toasts == ["Run saved: run-1"]  # said once, by the run that loaded it


def test_the_panel_refreshes_quickly_until_the_first_sign_of_progress(monkeypatch):
    """Until the first batch is drawn the panel refreshes every QUICK_SECONDS; the redraw that
    draws it reruns the page, whose panel then keeps the usual pace; a panel that is not
    waiting never refreshes quickly."""
    paces, reruns = [], []

    def fragment(run_every=None):
        paces.append(run_every)
        return lambda body: body

    monkeypatch.setattr(live.st, "fragment", fragment)
    monkeypatch.setattr(live.st, "rerun", lambda scope: reruns.append(scope))
    batches: list[float] = []
    live.live_panel(lambda: True, lambda: batches.append(0.7), waiting=lambda: not batches)
    assert paces == [live.QUICK_SECONDS] and reruns == ["app"]  # drawn: back to the usual pace
    live.live_panel(lambda: True, lambda: None, waiting=lambda: not batches)
    assert paces[-1] == live.REFRESH_SECONDS and reruns == ["app"]
    live.live_panel(lambda: True, lambda: None)
    assert paces[-1] == live.REFRESH_SECONDS and reruns == ["app"]
    assert live.QUICK_SECONDS < live.REFRESH_SECONDS


def test_progress_text_says_finishing_rather_than_zero_seconds_left():
    """A run whose epochs are done but which is still evaluating and saving said "about 0 s
    left" (read as a time left 0.0 s off the truth by bench/inspect_speed.py)."""
    running = {"status": "running", "epochs": 4, "steps_per_epoch": 10}
    state = RunState(**running, epoch=3, elapsed=6.0, epoch_seconds=[2.0] * 3)
    assert live.progress_text(state) == "Epoch 3/4, batch 0/10 - 6.0 s, about 2 s left"
    done = RunState(**running, epoch=4, elapsed=8.0, epoch_seconds=[2.0] * 4)
    assert live.progress_text(done) == "Epoch 4/4, batch 0/10 - 8.0 s, finishing"
