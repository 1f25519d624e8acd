"""The live panel's timing rules: heavy figures throttled, a run's end waited for briefly."""

from __future__ import annotations

import itertools

import pytest

from rnnviz.runstate import RunState
from rnnviz.ui import live, state
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
    """A run handle whose end arrives while result() waits."""

    def __init__(self, before: RunState, after: RunState) -> None:
        self.states, self.waited = [before, after], []

    def snapshot(self) -> RunState:
        return self.states[0]

    def result(self, timeout: float):
        self.waited.append(timeout)
        self.states.pop(0)


def test_a_run_that_is_saving_is_waited_for_and_its_end_shown():
    handle = FakeHandle(RunState(status="saving"), RunState(status="finished"))
    assert live.state_near_end(handle).status == "finished"
    assert handle.waited == [live.END_WAIT_SECONDS] and live.END_WAIT_SECONDS < live.REFRESH_SECONDS


def test_a_run_due_to_end_before_the_next_refresh_is_waited_for():
    last_epoch = RunState(status="running", epochs=10, epoch=9, epoch_seconds=[3.0, 1.0])
    assert last_epoch.seconds_left < live.REFRESH_SECONDS
    handle = FakeHandle(last_epoch, RunState(status="finished", epochs=10, epoch=10))
    assert live.state_near_end(handle).status == "finished"


def test_a_run_far_from_its_end_is_not_waited_for():
    early = RunState(status="running", epochs=10, epoch=2, epoch_seconds=[3.0, 1.0])
    handle = FakeHandle(early, RunState(status="finished"))
    assert live.state_near_end(handle) is early and handle.waited == []


def test_a_one_epoch_run_near_its_last_batch_is_waited_for():
    """Within the first epoch the time left comes from the batches so far (no epoch has ended)."""
    nearly = RunState(status="running", epochs=1, steps_per_epoch=100, step=95, elapsed=6.0)
    assert nearly.seconds_left == pytest.approx(6.0 * 0.05 / 0.95)
    handle = FakeHandle(nearly, RunState(status="finished", epochs=1, epoch=1))
    assert live.state_near_end(handle).status == "finished"
    starting = RunState(status="running", epochs=1, steps_per_epoch=100, step=10, elapsed=1.0)
    assert (
        starting.seconds_left == pytest.approx(9.0)
        and live.state_near_end(FakeHandle(starting, None)) is starting
    )
