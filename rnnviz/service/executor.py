"""Runs leave the web server: an executor trains each run in a worker and streams its progress.

``executor.submit(request) -> RunHandle``; the handle gives ``snapshot()`` (a
:class:`~rnnviz.train.training.RunState` mirrored from the worker), ``stop()``, ``result()`` and
``queue_position``. Two executors share one queue and one pump:

* :class:`LocalExecutor` (the default): one fresh worker process per run, with one spare
  worker kept warm (TensorFlow already imported) so a short run does not pay the import; the
  pages tell it the run a Train click would send (``prepare_ahead``), and the spare builds that
  job and traces its train step before the click, which then only says "go";
* :class:`RayExecutor`: each run is a Ray actor on the cluster at ``RNNVIZ_RAY_ADDRESS``.

At most ``max_running`` runs train at once (default: the number of cores); the others wait in
a first-come queue and can be stopped while they wait. Stop reaches the worker within one batch;
a worker that does not finish within ``stop_grace`` seconds is terminated, and its best weights
(checkpointed on disk by the worker) are saved by a fresh worker. A worker that dies ends its
run with a clear message; the server and the other runs go on. The worker saves the finished run
atomically in the run store; nothing here imports TensorFlow.
"""

from __future__ import annotations

import atexit
import os
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import replace
from multiprocessing.connection import Listener
from pathlib import Path
from typing import Any, Protocol

from rnnviz.common.messages import user_message
from rnnviz.service.request import RunResult, TrainRequest, prepare_key
from rnnviz.service.worker import GO, PREPARE, execute
from rnnviz.train.datastore import owned_name
from rnnviz.train.progress import apply_delta
from rnnviz.train.runs import CHECKPOINT_DIR, RunStore, save_failure, store_space_problem
from rnnviz.train.runstate import RunState

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONNECT_SECONDS = 60.0  # a new worker process must connect back within this time
STOP_GRACE = 5.0  # seconds a worker may stay silent after Stop before it is terminated
SAVING_NOTE = "Saving the run..."  # added to the run's outcome while its worker saves it
STOP_LIMIT = 120.0  # seconds a worker may keep running (building, saving) after Stop
POLL_SECONDS = 0.2
KEEP_FINISHED = 3600.0  # finished handles stay findable (reload, second tab) this long


def new_run_id() -> str:
    """A fresh, unguessable id for a run handle (what ``?run=`` in the URL names)."""
    return secrets.token_urlsafe(8)


RAY_FAILED = "the Ray worker stopped (the server log has the details)"


class WorkerLost(RuntimeError):
    """The worker process or actor went away without a result."""


class Channel(Protocol):
    """One running run as the server sees it (a process and a pipe, or a Ray actor)."""

    def messages(self, timeout: float) -> list[tuple]:
        """Messages received within ``timeout`` seconds; raises :class:`WorkerLost`."""

    def request_stop(self) -> None: ...

    def kill(self) -> None: ...


class RunHandle:
    """The server's view of one submitted run: a mirrored state, Stop, and the result."""

    def __init__(
        self, request: TrainRequest, executor: QueuedExecutor, handle_id: str | None = None
    ) -> None:
        self.id = handle_id or new_run_id()
        self.request = request
        self._executor = executor
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified on every state change
        self._state = RunState(status="ready", epochs=request.train_spec.epochs)
        self._state_at = time.monotonic()
        self._result: RunResult | None = None
        self._done = threading.Event()
        self.stop_requested_at: float | None = None
        self.ended_at: float | None = None

    # -- for the pages ---------------------------------------------------------------------------
    def snapshot(self) -> RunState:
        """A consistent copy of the run's state (elapsed time advanced to now while running)."""
        with self._lock:
            state = self._state.copy()
            if state.status == "running":
                state.elapsed += time.monotonic() - self._state_at
            if state.done and not self._done.is_set():  # trained; the worker is saving the run
                state.status = "saving"
                state.message = f"{state.message} {SAVING_NOTE}".strip()
        return state

    @property
    def queue_position(self) -> int | None:
        """1 for the next run to start, ...; None once it has left the queue."""
        return self._executor.queue_position(self)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def stop_requested(self) -> bool:
        return self.stop_requested_at is not None

    def stop(self) -> None:
        """End the run within one batch (or at once while it waits in the queue)."""
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
        self._executor.wake()

    def result(self, timeout: float | None = None) -> RunResult | None:
        """Wait for the run to end; None if ``timeout`` passes first."""
        self._done.wait(timeout)
        return self._result

    def wait_trained(self, timeout: float) -> None:
        """Wait until training has ended (the worker may still be saving the run), at most
        ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._state.done or self._done.is_set(), timeout)

    def wait_first_batch(self, timeout: float) -> None:
        """Wait until the run's first batch is recorded (or it has ended), at most ``timeout``
        seconds."""
        with self._changed:
            self._changed.wait_for(
                lambda: bool(self._state.batch_loss) or self._state.done or self._done.is_set(),
                timeout,
            )

    # -- for the executor ------------------------------------------------------------------------
    def _apply(self, delta: dict) -> None:
        with self._lock:
            apply_delta(self._state, delta)
            self._state_at = time.monotonic()
            self._changed.notify_all()

    def _end(self, result: RunResult, status: str | None = None, message: str = "") -> None:
        with self._lock:
            if status is not None:
                self._state.status, self._state.message = status, message
            elif result.error:
                self._state.status, self._state.message = "error", result.error
            if result.save_error:
                self._state.message += f" The run could not be saved. {result.save_error}."
        self._result = result
        self.ended_at = time.monotonic()
        self._done.set()
        with self._changed:
            self._changed.notify_all()


class QueuedExecutor:
    """The queue, the cap and the pump; subclasses only open a :class:`Channel` for a request."""

    def __init__(self, max_running: int | None = None, stop_grace: float = STOP_GRACE) -> None:
        self.max_running = (
            max_running or int(os.environ.get("RNNVIZ_MAX_RUNS", 0)) or (os.cpu_count() or 1)
        )
        self.stop_grace = stop_grace
        self._cond = threading.Condition()
        self._queue: list[RunHandle] = []
        self._running = 0
        self._handles: dict[str, RunHandle] = {}

    # -- public ----------------------------------------------------------------------------------
    def submit(self, request: TrainRequest, handle_id: str | None = None) -> RunHandle:
        """Queue ``request``; it starts as soon as fewer than ``max_running`` runs train.
        ``handle_id``: the run's id, chosen beforehand (e.g. already put in the page's URL)."""
        handle = RunHandle(request, self, handle_id)
        refused = store_space_problem(request.runs_root) if not request.analysis else ""
        with self._cond:
            self._forget_old()
            self._handles[handle.id] = handle
            if not refused:
                self._queue.append(handle)
        if refused:  # it could not be saved: not started (an analysis saves nothing)
            handle._end(RunResult(error=refused))
        else:
            threading.Thread(target=self._serve, args=(handle,), daemon=True).start()
        return handle

    def get(self, handle_id: str) -> RunHandle | None:
        """A run submitted to this executor (running, queued or recently ended), by its id."""
        with self._cond:
            return self._handles.get(handle_id)

    def queue_position(self, handle: RunHandle) -> int | None:
        with self._cond:
            return self._queue.index(handle) + 1 if handle in self._queue else None

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def shutdown(self) -> None:
        """Stop every run and release the workers (tests, server exit)."""
        for handle in list(self._handles.values()):
            handle.stop()

    # -- subclasses ------------------------------------------------------------------------------
    def open_channel(self, request: TrainRequest, handle_id: str) -> Channel:
        raise NotImplementedError

    def prepare(self, request: TrainRequest, handle_id: str) -> TrainRequest:
        """The request as this executor sends it (e.g. with a checkpoint path)."""
        return request

    def prepare_ahead(self, request: TrainRequest) -> None:
        """Get ready for ``request`` before it is submitted, if this executor can (returns at
        once)."""

    def release(self, handle_id: str) -> None:
        """Forget the worker of a run that has ended."""

    # -- the pump --------------------------------------------------------------------------------
    def _serve(self, handle: RunHandle) -> None:
        if not self._wait_for_slot(handle):
            handle._end(RunResult(), "stopped", "Stopped while waiting in the queue.")
            return
        try:
            self._pump(handle)
        except Exception as error:  # noqa: BLE001 - a broken executor must not hang the page
            reason = user_message(error, "the training service failed (see the server log).")
            handle._end(RunResult(error=f"The run could not be executed: {reason}"))
        finally:
            self.release(handle.id)
            with self._cond:
                self._running -= 1
                self._cond.notify_all()

    def _wait_for_slot(self, handle: RunHandle) -> bool:
        """Block until ``handle`` is first in the queue and a slot is free; False if stopped."""
        with self._cond:
            while not handle.stop_requested and (
                self._queue[0] is not handle or self._running >= self.max_running
            ):
                self._cond.wait(POLL_SECONDS)
            self._queue.remove(handle)
            self._cond.notify_all()
            if handle.stop_requested:
                return False
            self._running += 1
            return True

    def _pump(self, handle: RunHandle) -> None:
        request = self.prepare(handle.request, handle.id)
        channel = self.open_channel(request, handle.id)
        stop_sent, heard = False, time.monotonic()
        while True:
            if handle.stop_requested and not stop_sent:
                channel.request_stop()
                stop_sent = True
            try:
                for kind, *payload in channel.messages(POLL_SECONDS):
                    heard = time.monotonic()  # any message, ("alive",) included, is an answer
                    if kind == "progress":
                        handle._apply(*payload)
                    elif kind == "done":
                        handle._end(*payload)
                        return
            except WorkerLost as lost:
                self._recover(handle, request, f"The training process ended unexpectedly ({lost}).")
                return
            if stop_sent and self._unresponsive(handle, heard):
                channel.kill()
                self._recover(
                    handle,
                    request,
                    f"The worker did not answer Stop within {self.stop_grace:.0f} s and was ended.",
                )
                return

    def _unresponsive(self, handle: RunHandle, heard: float) -> bool:
        """After Stop: silent for ``stop_grace`` seconds, or still busy after ``STOP_LIMIT``."""
        now = time.monotonic()
        return now - max(heard, handle.stop_requested_at) > self.stop_grace or (
            now - handle.stop_requested_at > STOP_LIMIT
        )

    def _recover(self, handle: RunHandle, request: TrainRequest, why: str) -> None:
        """End a run whose worker is gone: save its best checkpoint through a fresh worker."""
        state = handle.snapshot()
        checkpoint = request.checkpoint_path
        if not (checkpoint and os.path.exists(checkpoint) and state.epoch):
            status = "stopped" if handle.stop_requested else "error"
            handle._end(RunResult(), status, f"{why} No trained weights were kept.")
            return
        status = "stopped"  # ended early, with a model to inspect
        message = f"{why} Kept the best weights (epoch {state.best_epoch or state.epoch})."
        state.status, state.message = status, message
        salvage = replace(request, finalize_from=checkpoint, final_state=state)
        try:
            result = self._finish_in_new_worker(salvage, handle.id)
        except WorkerLost as lost:
            result = RunResult(save_error=f"the worker that saves it ended too ({lost})")
        handle._end(result, status, message)

    def _finish_in_new_worker(self, request: TrainRequest, handle_id: str) -> RunResult:
        channel = self.open_channel(request, handle_id)
        while True:
            for kind, *payload in channel.messages(POLL_SECONDS):
                if kind == "done":
                    return payload[0]

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key, handle in list(self._handles.items()):
            if handle.ended_at is not None and now - handle.ended_at > KEEP_FINISHED:
                del self._handles[key]


# -- local worker processes ------------------------------------------------------------------


class _ProcessChannel:
    """A worker process (``python -m rnnviz.service.worker``) and its authenticated local connection.

    Started as a fresh interpreter, not through multiprocessing's spawn: spawn re-runs the
    parent's ``__main__``, which inside Streamlit is the app script itself.
    """

    def __init__(self) -> None:
        authkey = secrets.token_bytes(32)
        with Listener(family="AF_UNIX", authkey=authkey) as listener:
            env = {
                **os.environ,
                "RNNVIZ_WORKER_KEY": authkey.hex(),
                "RNNVIZ_SERVER_PID": str(os.getpid()),  # the worker ends when this process does
                "PYTHONPATH": os.pathsep.join(
                    [str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
                ),
            }
            self.process = subprocess.Popen(
                [sys.executable, "-m", "rnnviz.service.worker", listener.address], env=env
            )
            self.conn = self._accept(listener)

    def _accept(self, listener: Listener):
        accepted: list = []
        thread = threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True)
        thread.start()
        deadline = time.monotonic() + CONNECT_SECONDS
        while not accepted and time.monotonic() < deadline and self.process.poll() is None:
            thread.join(0.05)
        if not accepted:
            self.kill()
            raise WorkerLost(f"the worker process did not start ({self._exit_reason()})")
        return accepted[0]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: TrainRequest) -> None:
        self.conn.send(request)

    def messages(self, timeout: float) -> list[tuple]:
        out: list[tuple] = []
        try:
            while self.conn.poll(timeout if not out else 0):
                out.append(self.conn.recv())
                if out[-1][0] == "done":
                    break
        except (EOFError, OSError) as error:
            if out:
                return out
            raise WorkerLost(self._exit_reason()) from error
        if not out and not self.alive:
            raise WorkerLost(self._exit_reason())
        return out

    def _exit_reason(self) -> str:
        try:
            code = self.process.wait(1.0)
        except subprocess.TimeoutExpired:
            return "no answer"
        if code < 0:
            return f"killed by signal {-code}, perhaps for lack of memory"
        return f"exit code {code}"

    def request_stop(self) -> None:
        try:
            self.conn.send(("stop",))
        except OSError:
            pass  # already gone: the pump notices

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5.0)
        if hasattr(self, "conn"):
            self.conn.close()

    @property
    def pid(self) -> int:
        return self.process.pid


class LocalExecutor(QueuedExecutor):
    """Each run in its own spawned process; one spare process waits warm for the next run (made
    when no run is training)."""

    def __init__(self, max_running: int | None = None, stop_grace: float = STOP_GRACE) -> None:
        super().__init__(max_running, stop_grace)
        self._spare: _ProcessChannel | None = None
        self._spare_key: str | None = None  # the prepare key of the job the spare has prepared
        self._spare_lock = threading.Lock()
        self._wanted: TrainRequest | None = None  # the newest request to prepare, not yet sent
        self._preparing = False  # a thread sends the wanted request to the spare
        self._wanted_lock = threading.Lock()
        self.channels: dict[str, _ProcessChannel] = {}  # handle id -> its worker (tests kill one)
        self._closed = False
        self._warm_up()

    def _warm_up(self) -> None:
        with self._spare_lock:
            if not self._closed and (self._spare is None or not self._spare.alive):
                self._spare, self._spare_key = _ProcessChannel(), None

    @property
    def _busy(self) -> bool:
        """A run trains or waits: the spare is left alone (its CPU is the runs')."""
        return bool(self.channels or self._queue)

    def prepare_ahead(self, request: TrainRequest) -> None:
        """Have the spare worker build ``request``'s job and trace its train step now, so a
        Train click that submits the same request (whatever its epoch count) starts training at
        once. Returns at once; a thread sends the newest request asked for (a dead spare is
        replaced first). Nothing is prepared while a run trains or waits."""
        if self._busy or request.analysis or request.finalize_from:
            return
        with self._wanted_lock:
            self._wanted = request
            if self._preparing:
                return  # the thread at work sends this one next
            self._preparing = True
        threading.Thread(target=self._send_wanted, name="rnnviz-prepare", daemon=True).start()

    def _send_wanted(self) -> None:
        while True:
            with self._wanted_lock:
                request, self._wanted = self._wanted, None
                if request is None:
                    self._preparing = False
                    return
            try:
                self._prepare_spare(request)
            except (WorkerLost, OSError):
                pass  # no spare could be made or reached: the Train click makes a worker

    def _prepare_spare(self, request: TrainRequest) -> None:
        key = prepare_key(request)
        with self._spare_lock:
            if self._busy or self._closed:
                return  # a run took the spare meanwhile, or the executor was shut down
            if self._spare is None or not self._spare.alive:
                self._spare, self._spare_key = _ProcessChannel(), None
            if self._spare_key != key:
                self._spare_key = None  # until it is sent
                self._spare.send((PREPARE, key, request))
                self._spare_key = key

    def prepare(self, request: TrainRequest, handle_id: str) -> TrainRequest:
        if request.checkpoint_path or request.finalize_from:
            return request
        path = Path(request.runs_root) / CHECKPOINT_DIR / owned_name(f"{handle_id}.npz")
        return replace(request, checkpoint_path=str(path))

    def open_channel(self, request: TrainRequest, handle_id: str) -> _ProcessChannel:
        with self._spare_lock:
            channel, self._spare = self._spare, None
            prepared, self._spare_key = self._spare_key, None
        if channel is None or not channel.alive:
            channel, prepared = _ProcessChannel(), None
        channel.send(_run_message(request, prepared))
        self.channels[handle_id] = channel
        return channel

    def release(self, handle_id: str) -> None:
        """Forget the run's worker; once no run is training, make the next spare (importing
        TensorFlow takes seconds of CPU that a run in progress would lose)."""
        self.channels.pop(handle_id, None)
        if not self.channels:
            threading.Thread(target=self._warm_up, daemon=True).start()

    def shutdown(self) -> None:
        super().shutdown()
        with self._spare_lock:
            self._closed = True
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.kill()


def _run_message(request: TrainRequest, prepared: str | None) -> tuple | TrainRequest:
    """What starts ``request`` in a worker that has prepared the job of key ``prepared``: "go"
    (the request without its data, which the worker holds) when it is that job, else the
    request."""
    if prepared is None or request.analysis or request.finalize_from:
        return request
    if prepare_key(request) != prepared:
        return request
    return (GO, prepared, replace(request, data=None))


# -- Ray ---------------------------------------------------------------------------------------


class _RayChannel:
    """One run as a Ray actor: ``run`` trains; ``drain`` and ``stop`` answer meanwhile."""

    def __init__(self, ray: Any, actor_class: Any, request: TrainRequest) -> None:
        self.ray = ray
        self.actor = actor_class.remote()
        self.finished = self.actor.run.remote(request)

    def messages(self, timeout: float) -> list[tuple]:
        ray = self.ray
        try:
            out = ray.get(self.actor.drain.remote(), timeout=max(timeout, 5.0))
        except ray.exceptions.GetTimeoutError:
            return []  # the actor is still starting (a new worker imports TensorFlow)
        except ray.exceptions.RayError as error:
            raise WorkerLost(user_message(error, RAY_FAILED)) from error
        try:
            if not out:
                ready, _ = ray.wait([self.finished], timeout=timeout)
                if ready:
                    ray.get(self.finished)  # raises if the actor died
                    out = ray.get(self.actor.drain.remote())
        except ray.exceptions.RayError as error:
            raise WorkerLost(user_message(error, RAY_FAILED)) from error
        if any(message[0] == "done" for message in out):
            ray.kill(self.actor)
        return out or [("alive",)]  # the actor answered: it is busy, not lost

    def request_stop(self) -> None:
        self.actor.stop.remote()

    def kill(self) -> None:
        self.ray.kill(self.actor)


def _ray_trainer_class(ray: Any) -> Any:
    """The actor class, defined once Ray is imported (Ray is needed only for scale-out)."""

    class RayTrainer:
        def __init__(self) -> None:
            import queue

            self.outbox: queue.SimpleQueue = queue.SimpleQueue()
            self.stop_flag = threading.Event()

        def run(self, request: TrainRequest) -> None:

            execute(request, self.outbox.put, self.stop_flag.is_set)

        def drain(self) -> list[tuple]:
            out = []
            while not self.outbox.empty():
                out.append(self.outbox.get())
            return out

        def stop(self) -> None:
            self.stop_flag.set()

    return ray.remote(num_cpus=1, max_concurrency=4)(RayTrainer)


_RAY_LOCK = threading.Lock()
RAY_START_SECONDS = 300.0  # the longest ray.init may take (a local cluster starts in seconds)


def connect_ray(address: str) -> Any:
    """Ray, initialised once per process for ``address`` and kept alive until the process exits.

    ``ray.init`` runs in a daemon thread that then waits for the life of the process: a local
    cluster's processes (GCS, raylet) are started with a parent-death signal, which Linux sends
    when the *thread* that started them ends, so initialising Ray from a short-lived thread (a
    page's script run, a warm-up thread) kills the cluster and, a minute later, the server with
    it. Ray is shut down at exit.
    """
    import ray

    with _RAY_LOCK:
        if ray.is_initialized():
            return ray
        started: dict[str, BaseException | None] = {}
        ready = threading.Event()

        def own_ray() -> None:
            try:
                ray.init(
                    address=None if address == "local" else address,
                    include_dashboard=False,
                    log_to_driver=False,
                    runtime_env={"py_modules": [str(PROJECT_ROOT / "rnnviz")]},  # shipped
                )
            except BaseException as error:  # noqa: BLE001 - raised in the caller's thread
                started["error"] = error
                ready.set()
                return
            started["error"] = None
            ready.set()
            threading.Event().wait()  # keep the thread, and so Ray's processes, alive

        threading.Thread(target=own_ray, name="rnnviz-ray", daemon=True).start()
        if not ready.wait(RAY_START_SECONDS):
            raise RuntimeError(f"Ray did not start within {RAY_START_SECONDS:.0f} s")
        if started["error"] is not None:
            raise started["error"]
        atexit.register(ray.shutdown)
        return ray


class RayExecutor(QueuedExecutor):
    """Each run as a Ray actor on a cluster: ``address`` is ``auto`` (the cluster this machine
    belongs to), ``ray://host:port`` (a remote one) or ``local`` (start one here). The nodes need
    the packages of requirements.txt; this package's code is shipped with the job.

    The worker may run on another machine, so the saved run travels back as bytes and is written
    into this server's store; the queue and cap work as for local runs.
    """

    def __init__(
        self, address: str, max_running: int | None = None, stop_grace: float = STOP_GRACE
    ) -> None:
        self.ray = ray = connect_ray(address)
        self._actor_class = _ray_trainer_class(ray)
        cluster_cpus = int(ray.cluster_resources().get("CPU", 1))
        super().__init__(max_running or cluster_cpus, stop_grace)

    def prepare(self, request: TrainRequest, handle_id: str) -> TrainRequest:
        return replace(request, return_files=True)

    def open_channel(self, request: TrainRequest, handle_id: str) -> Channel:
        return _StoreOnArrival(_RayChannel(self.ray, self._actor_class, request), request)


class _StoreOnArrival:
    """Writes a run that arrives as bytes into the local store, then passes its id on."""

    def __init__(self, inner: Channel, request: TrainRequest) -> None:
        self.inner, self.request = inner, request

    def messages(self, timeout: float) -> list[tuple]:
        return [self._store(message) for message in self.inner.messages(timeout)]

    def _store(self, message: tuple) -> tuple:
        if message[0] != "done" or not message[1].files:
            return message
        kind, payload = message

        try:
            record = RunStore(self.request.runs_root).adopt(payload.files)
        except (OSError, ValueError) as error:
            return kind, replace(payload, files=None, save_error=save_failure(error))
        return kind, replace(payload, files=None, run_id=record.run_id)

    def request_stop(self) -> None:
        self.inner.request_stop()

    def kill(self) -> None:
        self.inner.kill()


# -- the server's executor ---------------------------------------------------------------------

_DEFAULT: QueuedExecutor | None = None
_DEFAULT_LOCK = threading.Lock()


def default_executor() -> QueuedExecutor:
    """The process-wide executor: Ray when ``RNNVIZ_RAY_ADDRESS`` is set, else local workers."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            address = os.environ.get("RNNVIZ_RAY_ADDRESS", "").strip()
            _DEFAULT = RayExecutor(address) if address else LocalExecutor()
        return _DEFAULT
