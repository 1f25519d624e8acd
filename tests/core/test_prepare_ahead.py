"""A run prepared ahead of the Train click (issue 19): the spare worker builds the job and traces
its train step before the click, which then only says "go". The prepared run is the plain run,
bit for bit; a request that differs from the one prepared falls back to the plain path; a killed
prepared spare is replaced."""

import os
import queue
import signal
import threading
from dataclasses import replace

import numpy as np
import pytest

from rnnviz.model.spec import ModelSpec
from rnnviz.service import worker
from rnnviz.service.executor import LocalExecutor, _run_message
from rnnviz.service.request import TrainRequest, prepare_key
from rnnviz.train.runs import RunStore
from tests.core.test_executor import TIMEOUT, request, wait_until


def tiny(root, epochs=2, seed=7, stateful=False, schedule="constant") -> TrainRequest:
    """A seeded GRU(4) with dropout (its seed states must be undone too) on a short sine; 83
    training windows: batches of 8 leave a partial last batch, as most data sets do."""
    base = request(root, epochs=epochs, n=120)
    spec = ModelSpec(cell="GRU", units=(4,), dropout=0.2, recurrent_dropout=0.1)
    if stateful:
        spec = spec.with_(stateful=True, stateful_batch_size=4)
    train = replace(base.train_spec, seed=seed, lr_schedule=schedule)
    return replace(base, model_spec=spec, train_spec=train)


def trained(request: TrainRequest, job=None) -> tuple[dict, list[np.ndarray]]:
    """Train ``request`` in this process as a worker does (its job built in the run's own thread
    unless given): the saved run's history and weights."""
    out = {}
    thread = threading.Thread(
        target=lambda: out.update(result=worker.execute(request, lambda m: None, bool, job))
    )
    thread.start()
    thread.join(TIMEOUT)
    result = out["result"]
    assert result.run_id is not None, result
    store = RunStore(request.runs_root)
    return store.get(result.run_id).history, store.load_model(result.run_id).get_weights()


def same(a: tuple[dict, list], b: tuple[dict, list]) -> bool:
    (history_a, weights_a), (history_b, weights_b) = a, b
    return history_a == history_b and all(
        np.array_equal(x, y) for x, y in zip(weights_a, weights_b, strict=True)
    )


def inbox_of(*messages) -> queue.SimpleQueue:
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    for message in messages:
        inbox.put(message)
    return inbox


@pytest.mark.parametrize(
    "stateful, schedule", [(False, "constant"), (True, "constant"), (False, "cosine")]
)
def test_a_prepared_run_is_the_plain_run_bit_for_bit_even_with_other_epochs(
    tmp_path, stateful, schedule
):
    """The cosine schedule follows the clicked epoch count, not the prepared one."""
    plain = trained(tiny(tmp_path, epochs=2, stateful=stateful, schedule=schedule))
    asked = tiny(tmp_path, epochs=5, stateful=stateful, schedule=schedule)  # clicked with 2
    key = prepare_key(asked)
    clicked = replace(tiny(tmp_path, epochs=2, stateful=stateful, schedule=schedule), data=None)
    request, job = worker.wait_for_run(
        inbox_of((worker.PREPARE, key, asked), (worker.GO, key, clicked))
    )
    assert job is not None and request.data is asked.data and request.train_spec.epochs == 2
    prepared = trained(request, job)
    assert len(prepared[0]["loss"]) == 2
    assert same(prepared, plain)


def test_a_traced_step_is_reused_by_the_run_not_traced_again(tmp_path):
    """Keras calls the Python train and test steps only while tracing them."""
    job = worker.build_job(tiny(tmp_path))
    model, calls = job.run.model, {"train": 0, "test": 0}

    def counted(name, step):
        def call(data):
            calls[name] += 1
            return step(data)

        return call

    model.train_step = counted("train", model.train_step)
    model.test_step = counted("test", model.test_step)
    job.run.trace_ahead()
    job.run.trace_validation_ahead()
    assert calls == {"train": 1, "test": 1}
    state = job.run.run()
    assert state.status == "finished" and state.epoch == 2
    assert calls == {"train": 1, "test": 1}  # the whole run used the steps traced ahead


def test_another_request_falls_back_to_the_plain_path(tmp_path):
    plain = trained(tiny(tmp_path, seed=3))
    other = tiny(tmp_path, seed=4)  # another seed: another model
    clicked = tiny(tmp_path, seed=3)
    assert prepare_key(other) != prepare_key(clicked)
    request, job = worker.wait_for_run(
        inbox_of((worker.PREPARE, prepare_key(other), other), clicked)
    )
    assert (request, job) == (clicked, None)
    assert same(trained(request), plain)


def test_only_the_newest_waiting_request_is_prepared(tmp_path, monkeypatch):
    prepared = []
    monkeypatch.setattr(
        worker,
        "prepare",
        lambda key, request, hurry=bool: (
            prepared.append(key) or worker.Prepared(key, request, None)
        ),
    )
    first, second = tiny(tmp_path, seed=1), tiny(tmp_path, seed=2)
    keys = prepare_key(first), prepare_key(second)
    go = (worker.GO, keys[1], replace(second, data=None))
    request, job = worker.wait_for_run(
        inbox_of((worker.PREPARE, keys[0], first), (worker.PREPARE, keys[1], second), go)
    )
    assert prepared == [keys[1]]  # the first was replaced before it was started
    assert job is None and request.data is second.data  # it could not be built: built again


def test_the_click_sends_go_without_the_data_only_for_the_prepared_request(tmp_path):
    asked = tiny(tmp_path, epochs=9)
    clicked = replace(asked, train_spec=replace(asked.train_spec, epochs=3))
    kind, key, light = _run_message(clicked, prepare_key(asked))
    assert (kind, key, light) == (worker.GO, prepare_key(asked), replace(clicked, data=None))
    assert _run_message(clicked, None) is clicked
    other = replace(asked, train_spec=replace(asked.train_spec, learning_rate=0.5))
    assert _run_message(other, prepare_key(asked)) is other
    analysis = replace(asked, analysis="backtest", analysis_steps=2)
    assert _run_message(analysis, prepare_key(asked)) is analysis


def test_a_prepared_spare_trains_the_click_and_a_killed_one_is_replaced(tmp_path):
    ex = LocalExecutor(max_running=1)
    try:
        asked = tiny(tmp_path, epochs=6)
        ex.prepare_ahead(asked)
        assert wait_until(lambda: ex._spare_key == prepare_key(asked))
        killed = ex._spare
        os.kill(killed.pid, signal.SIGKILL)
        assert wait_until(lambda: not killed.alive)
        ex.prepare_ahead(asked)  # the page's next run: a fresh spare prepares it
        assert wait_until(lambda: ex._spare is not killed and ex._spare_key == prepare_key(asked))
        clicked = replace(asked, train_spec=replace(asked.train_spec, epochs=2))
        handle = ex.submit(clicked)
        result = handle.result(TIMEOUT)
        assert result is not None and result.run_id is not None, result
        state = handle.snapshot()
        assert (state.status, state.epoch, state.epochs) == ("finished", 2, 2)
        assert state.history["loss"] == trained(clicked)[0]["loss"]  # as the plain run
    finally:
        ex.shutdown()


def test_nothing_is_prepared_while_a_run_trains(tmp_path):
    ex = LocalExecutor(max_running=1)
    try:
        handle = ex.submit(tiny(tmp_path, epochs=200))
        assert wait_until(lambda: handle.snapshot().epoch >= 1 or handle.done)
        ex.prepare_ahead(tiny(tmp_path, seed=5))
        assert ex._spare is None and ex._spare_key is None  # no spare made: CPU is the run's
        handle.stop()
        assert handle.result(TIMEOUT) is not None
    finally:
        ex.shutdown()
