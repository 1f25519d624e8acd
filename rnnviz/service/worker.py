"""What a worker does with one :class:`~rnnviz.service.request.TrainRequest` (no streamlit).

:func:`execute` is the whole life of a run on the worker's side, the same for a local worker
process and a Ray actor: build the job (seeded model, windowed or encoded data), train it in a
thread while the calling thread streams progress deltas, honours Stop and keeps a checkpoint of
the best weights on disk, then save the run to the store atomically and report a
:class:`~rnnviz.service.request.RunResult`. Messages are ``("progress", delta)`` and
``("done", RunResult)``.

A local worker waiting for its run may be asked to prepare it ahead of the Train click,
``("prepare", key, request)``: it builds the job and traces its train step then, and the click
only says ``("go", key, request)`` (the request without its data, which the worker holds). A run
that differs from the one prepared (another key) is built as usual.
"""

from __future__ import annotations

import importlib
import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rnnviz.common.messages import user_message
from rnnviz.service.request import RunResult, TrainRequest
from rnnviz.tasks.base import Analysis, Job
from rnnviz.tasks.registry import TASKS, get_task
from rnnviz.train.progress import DeltaCursor
from rnnviz.train.runs import RunStore, save_failure, save_job
from rnnviz.train.runstate import RunState

PUMP_SECONDS = 0.25  # how often progress is sent
FIRST_BATCH_POLL = 0.02  # how often a run is looked at until its first batch is sent
RELAY_SECONDS = 0.02  # how soon the server hears a message the run has queued (its last one too)
CHECKPOINT_EVERY = 2.0  # at most one best-weights checkpoint per this many seconds
HEARTBEAT_SECONDS = 1.0  # a worker with nothing to report says it is alive this often
PARENT_POLL_SECONDS = 0.5  # how often a worker checks that the server that started it lives
PARENT_ENV = "RNNVIZ_SERVER_PID"  # the server's pid, set by the executor
PREPARE = "prepare"  # ("prepare", key, request): build and trace its job while the worker waits
GO = "go"  # ("go", key, request without data): run the job prepared for ``key``

Emit = Callable[[tuple], None]


def main(address: str) -> None:
    """A worker process: connect back to the server, import TensorFlow (the worker now waits
    warm, preparing the jobs it is asked to prepare, see :func:`wait_for_run`), run the one
    request it is sent and exit, so every run starts from a clean Keras state.

    The run executes in a thread; this thread only talks to the server: it forwards the run's
    messages, reads Stop, and says ``("alive",)`` every second, so the server can tell a busy
    worker (building a model, saving a run) from one that no longer answers.
    """
    from multiprocessing.connection import Client

    exit_with_parent(int(os.environ.get(PARENT_ENV, os.getppid())))
    conn = Client(address, family="AF_UNIX", authkey=bytes.fromhex(os.environ["RNNVIZ_WORKER_KEY"]))
    inbox = read_in_thread(conn)  # from now on the server's sends never wait for this worker
    import keras  # noqa: F401 - the warm-up: paid before the user clicks Train

    for task in TASKS.values():
        importlib.import_module(task.job_module)
    if inbox.empty():  # else the job asked for pays Keras's first-use costs, sooner
        prewarm()
    try:
        request, job = wait_for_run(inbox)
        _serve(conn, inbox, request, job)
    except (EOFError, OSError):
        pass  # the server went away: nothing left to tell
    finally:
        conn.close()


def read_in_thread(conn) -> queue.SimpleQueue:
    """The server's messages, received by a thread as they come; None once the server is gone."""
    inbox: queue.SimpleQueue = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                inbox.put(conn.recv())
        except (EOFError, OSError):
            inbox.put(None)

    threading.Thread(target=read, name="rnnviz-inbox", daemon=True).start()
    return inbox


@dataclass
class Prepared:
    """A job built and traced ahead of the Train click for the requests of one prepare key."""

    key: str
    request: TrainRequest
    job: Job | None  # None when it could not be built: the run builds it again, and says why


def wait_for_run(inbox: queue.SimpleQueue) -> tuple[TrainRequest, Job | None]:
    """Prepare what the server asks for while waiting for a run (one prepared job at a time: a
    newer request replaces it); the run, with its prepared job when it asks for that one.
    Raises EOFError when the server goes away first."""
    prepared: Prepared | None = None
    for message in _latest_first(inbox):
        if message is None:
            raise EOFError("the server went away")
        if _kind(message) == PREPARE:
            prepared = None
            _free_keras()  # the job replaced, before the next one is built
            prepared = prepare(*message[1:], hurry=lambda: not inbox.empty())
        elif _kind(message) == GO:
            return _claim(prepared, *message[1:])
        else:
            if prepared is not None:
                prepared = None
                _free_keras()  # a run that was not prepared: it builds its own job
            return message, None
    raise EOFError("no run was sent")


def _latest_first(inbox: queue.SimpleQueue) -> Iterator:
    """The inbox's messages in order, but a prepare request that a newer one already follows is
    dropped (the newer one replaces it)."""
    nothing = object()  # (None is a message: the server went away)
    held = nothing
    while True:
        message, held = (inbox.get() if held is nothing else held), nothing
        if _kind(message) == PREPARE:
            try:
                held = inbox.get_nowait()
            except queue.Empty:
                pass
            if held is not nothing and _kind(held) == PREPARE:
                continue
        yield message


def _kind(message: object) -> str:
    """A message's kind: its first item for a tuple (``prepare``, ``go``, ``stop``); ``run``
    for a plain request."""
    return message[0] if isinstance(message, tuple) else "run"


def prepare(key: str, request: TrainRequest, hurry: Callable[[], bool] = bool) -> Prepared:
    """Build ``request``'s job and trace its train step (``TrainingRun.trace_ahead``; its
    validation step too unless ``hurry()`` says the next message is already in) in a fresh
    thread, as a run builds its job (Keras keeps some of its state per thread)."""

    def build() -> Job:
        job = build_job(request)
        job.run.trace_ahead()
        if not hurry():
            job.run.trace_validation_ahead()
        return job

    try:
        job = in_thread(build)
    except Exception:  # noqa: BLE001 - the run builds it again and reports why it fails
        job = None
    return Prepared(key, request, job)


def _claim(
    prepared: Prepared | None, key: str, request: TrainRequest
) -> tuple[TrainRequest, Job | None]:
    """The run of a ``go`` message: its request with the prepared data, and the prepared job
    with the epoch count the click asked for."""
    if prepared is None or prepared.key != key:
        raise RuntimeError("the server asked for a run this worker did not prepare")
    request = replace(request, data=prepared.request.data)
    if prepared.job is not None:
        prepared.job.run.set_epochs(request.train_spec.epochs)
    return request, prepared.job


def in_thread(make: Callable[[], Job]) -> Job:
    """``make()`` called in a new thread; its result, or its exception raised here."""
    out: dict[str, object] = {}

    def call() -> None:
        try:
            out["job"] = make()
        except BaseException as error:  # noqa: BLE001 - raised again in the caller
            out["error"] = error

    thread = threading.Thread(target=call, name="rnnviz-prepare", daemon=True)
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["job"]


def _free_keras() -> None:
    """Drop what Keras keeps of jobs no longer referenced (a replaced prepared job)."""
    import keras

    keras.backend.clear_session(free_memory=True)


def exit_with_parent(parent: int) -> None:
    """End this process at once when ``parent`` (the server) is no longer its parent: killed,
    even with SIGKILL, or gone before this worker started. Polled: a parent-death signal
    (prctl) follows the parent *thread*, and the server starts workers from short-lived
    threads, so it would kill a waiting spare worker as soon as its thread ended."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # no clean-up: TensorFlow's can block, and no one is left to tell

    threading.Thread(target=watch, name="rnnviz-parent-watch", daemon=True).start()


def prewarm() -> None:
    """Fit and evaluate a one-unit LSTM on four samples: Keras's and TensorFlow's first-use costs
    (lazy imports, function tracing machinery, kernel set-up) are paid while the worker waits,
    not after the Train click. The user's own model is still traced for its shapes."""
    import keras

    x = np.zeros((4, 3, 1), np.float32)  # (batch, time, features)
    model = keras.Sequential([keras.Input((3, 1)), keras.layers.LSTM(1), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, x[:, 0], batch_size=2, epochs=1, validation_data=(x, x[:, 0]), verbose=0)
    model.predict_on_batch(x)
    keras.backend.clear_session()


def _serve(conn, inbox: queue.SimpleQueue, request: TrainRequest, job: Job | None) -> None:
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    runner = threading.Thread(
        target=execute,
        args=(request, outbox.put, stop.is_set, job),
        name="rnnviz-run",
        daemon=True,
    )
    runner.start()
    said = time.monotonic()
    while runner.is_alive() or not outbox.empty():
        try:
            message = inbox.get(timeout=RELAY_SECONDS)
        except queue.Empty:
            message = ()
        if message is None:
            raise EOFError("the server went away")
        if message == ("stop",):
            stop.set()
        while not outbox.empty():
            conn.send(outbox.get())
            said = time.monotonic()
        if time.monotonic() - said >= HEARTBEAT_SECONDS:
            conn.send(("alive",))
            said = time.monotonic()


def build_job(request: TrainRequest):
    """The task's job (a compiled, seeded model wrapped in a TrainingRun) for ``request``."""
    return request.build_job()


def execute(
    request: TrainRequest, emit: Emit, should_stop: Callable[[], bool], job: Job | None = None
) -> RunResult:
    """Train ``request`` to its end (``job``: its job, built ahead), streaming progress through
    ``emit``; returns (and emits) the result. Never raises for a failure of the run itself: that
    becomes the result's error."""
    if request.finalize_from or request.analysis:
        result = (
            _finalize(request) if request.finalize_from else _analyse(request, emit, should_stop)
        )
        emit(("done", result))
        return result
    try:
        job = job if job is not None else build_job(request)
    except Exception as error:  # noqa: BLE001 - any failure is a message on the page
        result = RunResult(
            error=user_message(
                error,
                "The run could not be prepared with these settings. Check them on the Data and "
                "Build pages and try again.",
            )
        )
        emit(("done", result))
        return result
    run, cursor = job.run, DeltaCursor()
    checkpoint = _Checkpoint(request.checkpoint_path)

    def emit_and_checkpoint(message: tuple) -> None:
        emit(message)
        checkpoint.maybe_write(run.best_weights, force=run.stop_requested)

    _train_streaming(job, emit_and_checkpoint, should_stop, cursor)
    state = run.snapshot()
    emit(("progress", cursor.delta(state)))
    result = _save(job, request, state)
    if result.save_error:
        result = replace(result, save_error=checkpoint.keep(run.best_weights, result.save_error))
    else:
        checkpoint.remove()
    emit(("done", result))
    return result


def _train_streaming(job, emit: Emit, should_stop: Callable[[], bool], cursor=None) -> None:
    """Fit ``job`` in a thread while this one honours Stop (and streams progress when given a
    cursor); returns when the run has concluded (its final weights and status set), while the
    fit thread may still be inside ``fit`` freeing its data pipeline."""
    run = job.run
    thread = threading.Thread(target=run.run, name="rnnviz-fit", daemon=True)
    thread.start()
    pace = PUMP_SECONDS if cursor is None else FIRST_BATCH_POLL  # the first batch is sent at once
    while thread.is_alive() and not run.ended.wait(pace):
        if should_stop() and not run.stop_requested:
            run.stop()
        if cursor is not None:
            state = run.snapshot()
            emit(("progress", cursor.delta(state)))
            pace = PUMP_SECONDS if state.batch_loss else FIRST_BATCH_POLL


def _analyse(request: TrainRequest, emit: Emit, should_stop: Callable[[], bool]) -> RunResult:
    """Run the task's analysis named by ``request.analysis`` (it trains jobs through ``fit``);
    progress counts its steps."""
    state = RunState(status="running", epochs=request.analysis_steps)
    cursor = DeltaCursor()
    emit(("progress", cursor.delta(state)))

    def fit(job) -> None:
        _train_streaming(job, emit, should_stop)

    def progress(done: int, total: int) -> None:
        state.epoch = done
        emit(("progress", cursor.delta(state)))

    task = get_task(request.task)
    try:
        analysis = Analysis(
            request.analysis,
            request.data,
            request.model_spec,
            request.train_spec,
            request.analysis_steps,
        )
        result = task.analyse(analysis, fit, progress, should_stop)
    except ValueError as error:  # DataError included: a fold too short to split, say
        reason = user_message(error, "its settings do not fit this data.")
        return RunResult(error=f"The {request.analysis} could not run: {reason}")
    state.status = "stopped" if result.stopped else "finished"
    state.message = result.summary
    emit(("progress", cursor.delta(state)))
    return RunResult(analysis=result)


def _save(job, request: TrainRequest, state) -> RunResult:
    """Save a run that has a model to inspect; the parameter count in any case."""
    parameters = int(job.run.model.count_params())
    if not state.has_result or not state.epoch:
        return RunResult(parameters=parameters)

    try:
        if request.return_files:
            return RunResult(parameters=parameters, files=_saved_files(job, request))

        record = save_job(RunStore(request.runs_root), job, request.data, request.owner)
    except Exception as error:  # noqa: BLE001 - e.g. a full disk: the page says so
        return RunResult(parameters=parameters, save_error=save_failure(error))
    return RunResult(run_id=record.run_id, parameters=parameters)


def _saved_files(job, request: TrainRequest) -> dict[str, bytes]:
    """The run saved into a private temporary store, as {file name: bytes} (for a worker on
    another machine, whose disk the server cannot read)."""

    with tempfile.TemporaryDirectory(prefix="rnnviz-run-") as root:
        store = RunStore(root)
        record = save_job(store, job, request.data, request.owner)
        files = {path.name: path.read_bytes() for path in Path(record.path).iterdir()}
        data = [path for path in store.data.root.glob("*") if path.is_file()]
        return files | {f"{store.data.root.name}/{path.name}": path.read_bytes() for path in data}


def _finalize(request: TrainRequest) -> RunResult:
    """Save a run whose worker died or hung, from its best-weights checkpoint."""
    job = build_job(request)
    with np.load(request.finalize_from) as archive:
        weights = [archive[f"w{i}"] for i in range(len(archive.files))]
    job.run.model.set_weights(weights)
    job.run.set_state(request.final_state)
    result = _save(job, request, job.run.snapshot())
    os.remove(request.finalize_from)
    return result


class _Checkpoint:
    """The best weights so far, written atomically to ``path`` when they change."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.written: list | None = None
        self.at = 0.0

    def maybe_write(self, weights: list[np.ndarray] | None, force: bool = False) -> None:
        if self.path is None or weights is None or weights is self.written:
            return
        if not force and time.monotonic() - self.at < CHECKPOINT_EVERY:
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        tmp = f"{self.path}.part.npz"
        np.savez(tmp, **{f"w{i}": w for i, w in enumerate(weights)})
        os.replace(tmp, self.path)
        self.written, self.at = weights, time.monotonic()

    def keep(self, weights: list[np.ndarray] | None, why: str) -> str:
        """After a failed save: the best weights written (if they can be) and kept; ``why``
        with where they are."""
        try:
            self.maybe_write(weights, force=True)
        except OSError:
            pass  # the disk that refused the run may refuse this too: an older one may be kept
        if self.path is None or not os.path.exists(self.path):
            return why
        return f"{why}. The best weights so far are kept in {self.path}"

    def remove(self) -> None:
        if self.path is not None and os.path.exists(self.path):
            os.remove(self.path)


if __name__ == "__main__":
    import sys

    main(sys.argv[1])
