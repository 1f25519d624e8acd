"""Executor: runs train in spawned worker processes, stream progress, stop, queue, die cleanly."""

import os
import signal
import threading
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service import worker
from rnnviz.service.executor import LocalExecutor
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.forecast.task import ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.train.progress import DeltaCursor, apply_delta
from rnnviz.train.runs import RunStore
from rnnviz.train.runstate import RunState

TIMEOUT = 120  # seconds: spawning a worker imports TensorFlow (slow on a loaded 2-core machine)


def sine_series(n: int = 120):
    from rnnviz.tasks.forecast.series import Series

    t = np.arange(n)
    frame = pd.DataFrame({"y": np.sin(t * 0.3) + 0.01 * t})
    return Series("sine", frame, "y", season=21)


def request(root, epochs=2, batch_size=8, units=4, n=120, task="forecast") -> TrainRequest:
    spec = ModelSpec(cell="GRU", units=(units,))
    train = TrainSpec(epochs=epochs, batch_size=batch_size, early_stopping=False)
    window = WindowSpec(window=8, horizon=1, test_size=12, val_size=12)
    return TrainRequest(task, ForecastData(sine_series(n), window), spec, train, str(root))


@pytest.fixture(scope="module")
def executor():
    ex = LocalExecutor(max_running=1, stop_grace=5.0)
    yield ex
    ex.shutdown()


def wait_until(predicate, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_delta_cursor_mirrors_a_state_exactly():
    state, mirror, cursor = RunState(status="running", epochs=3), RunState(), DeltaCursor()
    for epoch in range(3):
        state.batch_loss.extend([1.0 / (epoch + 1)] * 4)
        state.history.setdefault("loss", []).append(0.5 / (epoch + 1))
        state.epoch, state.step = epoch + 1, 0
        state.latest_traces = [f"trace {epoch}"]
        state.samples.append(f"text after epoch {epoch + 1}")  # a generation run's sample
        apply_delta(mirror, cursor.delta(state))
    assert cursor.delta(state) == {}  # nothing new: nothing sent
    assert mirror.batch_loss == state.batch_loss and mirror.history == state.history
    assert mirror.samples == state.samples
    assert (mirror.epoch, mirror.status, mirror.latest_traces) == (3, "running", ["trace 2"])


def test_local_run_streams_progress_and_saves_the_run(executor, tmp_path):
    handle = executor.submit(request(tmp_path, epochs=3))
    seen_running = wait_until(lambda: handle.snapshot().status == "running" or handle.done)
    result = handle.result(TIMEOUT)
    assert seen_running and result is not None and not result.error, result
    state = handle.snapshot()
    assert state.status == "finished" and state.epoch == 3
    assert len(state.history["loss"]) == 3 and len(state.batch_loss) == 3 * state.steps_per_epoch
    assert state.gate_history and state.latest_traces  # the probe sample's gates came along
    record = RunStore(tmp_path).get(result.run_id)
    assert record.history["loss"] == pytest.approx(state.history["loss"])
    # GRU(4) on 1 feature: 3 * (4 * (1 + 4) + 2 * 4) weights, plus a Dense(4 -> 1) head.
    assert result.parameters == 3 * (4 * 5 + 2 * 4) + 5
    assert not list((tmp_path / ".checkpoints").glob(f"*{handle.id}.npz"))
    assert executor.get(handle.id) is handle


def test_stop_ends_a_run_within_a_batch_and_reports_the_partial_epoch(executor, tmp_path):
    # One long epoch: 4000 windows in batches of 4 (about 1000 batches).
    handle = executor.submit(request(tmp_path, epochs=2, batch_size=4, n=4200))
    assert wait_until(lambda: handle.snapshot().step >= 5)
    handle.stop()
    stopped_at = time.monotonic()
    result = handle.result(TIMEOUT)
    state = handle.snapshot()
    assert time.monotonic() - stopped_at < 5.0
    assert result is not None and state.status == "stopped"
    assert state.epoch == 0 and 0 < state.partial_steps < state.steps_per_epoch
    assert "cut short" in state.message
    assert result.run_id is None  # no whole epoch: nothing worth saving


def test_queue_holds_runs_behind_the_cap_and_stop_works_while_queued(executor, tmp_path):
    first = executor.submit(request(tmp_path, epochs=30, n=400))
    second = executor.submit(request(tmp_path, epochs=1))
    assert wait_until(lambda: first.snapshot().status == "running")
    assert second.queue_position == 1 and second.snapshot().status == "ready"
    second.stop()
    assert second.result(10) is not None and second.snapshot().status == "stopped"
    assert "queue" in second.snapshot().message
    first.stop()
    assert first.result(TIMEOUT) is not None


def test_a_killed_worker_ends_its_run_with_a_message_and_the_next_run_works(executor, tmp_path):
    handle = executor.submit(request(tmp_path, epochs=200, n=400))
    assert wait_until(lambda: handle.snapshot().epoch >= 2)
    os.kill(executor.channels[handle.id].pid, signal.SIGKILL)
    result = handle.result(TIMEOUT)
    state = handle.snapshot()
    assert result is not None and state.status == "stopped"
    assert "ended unexpectedly" in state.message and "signal 9" in state.message
    # The best weights checkpointed so far were saved as a run by a fresh worker.
    assert result.run_id is not None and "Kept the best weights" in state.message
    record = RunStore(tmp_path).get(result.run_id)
    assert record.status == "stopped" and len(record.history["loss"]) >= 2
    again = executor.submit(request(tmp_path, epochs=1))
    assert again.result(TIMEOUT) is not None and again.snapshot().status == "finished"


def test_the_next_spare_worker_is_made_only_once_no_run_trains(tmp_path):
    """Importing TensorFlow in a new spare would take CPU from the run that took the last one."""
    ex = LocalExecutor(max_running=1)
    try:
        spare = ex._spare
        handle = ex.submit(request(tmp_path, epochs=15, n=600))
        assert wait_until(lambda: handle.snapshot().epoch >= 1 or handle.done)
        assert ex.channels.get(handle.id, spare) is spare  # the spare went to this run
        spares_while_training = set()
        while not handle.done:
            spares_while_training.add(ex._spare)
            time.sleep(0.05)
        assert spares_while_training == {None}
        assert handle.result(TIMEOUT) is not None
        assert wait_until(lambda: ex._spare is not None and ex._spare.alive)
        assert ex._spare is not spare
    finally:
        ex.shutdown()


def test_a_prewarmed_worker_starts_runs_from_a_fresh_keras_session():
    import keras

    from rnnviz.service.worker import prewarm

    prewarm()  # fits a tiny LSTM: Keras's first-use costs paid before the Train click
    assert keras.layers.LSTM(2).name == "lstm"  # names restart: as in a new process


def test_a_trained_run_shows_its_outcome_while_its_worker_saves_it(tmp_path):
    from rnnviz.service.executor import RunHandle
    from rnnviz.service.request import RunResult

    handle = RunHandle(request(tmp_path), executor=None)
    handle._apply({"scalars": {"status": "finished", "message": "Finished 2 epochs.", "epoch": 2}})
    state = handle.snapshot()  # trained, not saved yet: not done, the outcome already said
    assert (state.status, state.done) == ("saving", False)
    assert state.message == "Finished 2 epochs. Saving the run..."
    handle._end(RunResult(run_id="r1"))
    assert (
        handle.snapshot().status == "finished" and handle.snapshot().message == "Finished 2 epochs."
    )


def test_wait_trained_returns_when_training_ends_not_when_the_run_is_saved(tmp_path):
    import threading

    from rnnviz.service.executor import RunHandle

    handle = RunHandle(request(tmp_path), executor=None)
    trained = {"scalars": {"status": "finished", "message": "Finished 2 epochs.", "epoch": 2}}
    threading.Timer(0.2, handle._apply, args=(trained,)).start()
    start = time.monotonic()
    handle.wait_trained(30.0)
    assert time.monotonic() - start < 10.0 and handle.snapshot().status == "saving"
    assert not handle.done  # still saving: result() would have waited on


def test_the_worker_saves_once_the_run_has_concluded_not_when_the_fit_thread_ends():
    """The fit thread may still be freeing its data pipeline after the run concluded."""
    ended, release = threading.Event(), threading.Event()

    def concluded_then_stuck_in_fit() -> None:
        ended.set()
        release.wait(30)

    run = SimpleNamespace(
        run=concluded_then_stuck_in_fit, ended=ended, stop_requested=False, stop=lambda: None
    )
    streaming = threading.Thread(
        target=worker._train_streaming, args=(SimpleNamespace(run=run), print, lambda: False)
    )
    streaming.start()
    streaming.join(10)
    returned = not streaming.is_alive()
    release.set()
    assert returned  # it returned while the fit thread was still inside fit
