"""Live training: a background run that records what the charts need, never touching streamlit.

A :class:`TrainingRun` owns one model and one thread. The thread calls ``model.fit`` with a
:class:`_Recorder` callback that, under a lock, appends per-batch losses and per-epoch logs to a
:class:`RunState`, keeps the best weights, honours a stop request within one batch, ends the run on
a NaN loss, and (optionally) traces the gates of a fixed probe sample from an epoch-end weight
snapshot. The UI polls :meth:`TrainingRun.snapshot`, a consistent copy, to draw the charts.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import keras
import numpy as np

from rnnviz.common.messages import user_message
from rnnviz.common.verdicts import MIN_VAL_WINDOWS
from rnnviz.model.builder import build_model, compile_model, metric_name, reset_states
from rnnviz.model.probes import outputs
from rnnviz.model.spec import ModelSpec, TrainSpec, scheduled_learning_rate
from rnnviz.train.runstate import RunState, Status, WarmupClock

# The metric Keras compiles for each head (builder.metric_name), for validating stateful runs.
VALIDATION_METRICS = {
    "regression": keras.metrics.MeanAbsoluteError,
    "binary": keras.metrics.BinaryAccuracy,
    "multiclass": keras.metrics.SparseCategoricalAccuracy,
}

PROBE_SAMPLES = 4  # validation sequences whose gates are traced at epoch ends
PROBE_SECONDS = 1.0  # gates traced at the first and last epoch and at most once a second between:
# a trace costs ~8 ms, a third of an epoch of the airline recipe (its live figure is redrawn every
# few seconds anyway); epochs longer than this are all traced


@dataclass
class FitData:
    """Arrays shaped for the model: x (n, time, features) or (n, time) ids; y as the head outputs."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


_BUILD_LOCK = threading.Lock()  # seeding is global in Keras: build one seeded model at a time


def new_model(
    spec: ModelSpec,
    train: TrainSpec,
    input_shape: tuple[int, ...],
    build: Callable[[ModelSpec, tuple[int, ...]], keras.Model] | None = None,
) -> keras.Model:
    """A freshly initialised, compiled model, seeded by ``train.seed``: built by ``build`` (a
    task's own architecture, see :meth:`rnnviz.tasks.base.Task.build_model`) or the shared
    recurrent builder."""
    with _BUILD_LOCK:
        keras.utils.set_random_seed(train.seed)
        return compile_model((build or build_model)(spec, input_shape), spec, train)


def fixed_budget_if_thin(train: TrainSpec, val_windows: int) -> TrainSpec:
    """With fewer than :data:`MIN_VAL_WINDOWS` validation windows early stopping has too little to
    go on: train the whole epoch budget and keep the last epoch's weights instead."""
    if val_windows >= MIN_VAL_WINDOWS:
        return train
    return replace(train, early_stopping=False, keep_weights="last")


def trim_to_batches(x: np.ndarray, y: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop the OLDEST rows so the count is a multiple of ``batch_size`` (stateful training)."""
    usable = len(x) - len(x) % batch_size
    return x[len(x) - usable :], y[len(y) - usable :]


def training_failure(error: BaseException) -> str:
    """Why ``model.fit`` stopped, in plain words: rnnviz's own message, memory, or what to try
    (Keras's and TensorFlow's own text goes to the log)."""
    if isinstance(error, MemoryError) or "ResourceExhausted" in type(error).__name__:
        return (
            "it ran out of memory. Try a smaller batch size, fewer units or layers, or shorter "
            "sequences."
        )
    return user_message(
        error,
        "Keras stopped with an error on these settings. Try fewer units or layers, another "
        "cell or a smaller batch size (the details are in the server log).",
    )


class ArrayBatches(keras.utils.PyDataset):
    """Rows of ``x`` and ``y`` copied one batch at a time, in a seeded order reshuffled every
    epoch (or in order). For windows that are strided views of one text (:func:`rnnviz.tasks.generation.chars.
    make_sequences`): Keras would copy such arrays whole before fitting (``n x length`` ids)."""

    def __init__(
        self, x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: int = 0
    ) -> None:
        super().__init__()
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self._rng = np.random.default_rng(seed)
        self._order = self._epoch_order()

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self._order[index * self.batch_size : (index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]  # fancy indexing copies only these rows (np.take
        # would first copy a strided view whole)

    def on_epoch_end(self) -> None:
        self._order = self._epoch_order()

    def _epoch_order(self) -> np.ndarray:
        rows = np.arange(len(self.x), dtype=np.int32 if len(self.x) < 2**31 else np.int64)
        if self.shuffle:
            self._rng.shuffle(rows)
        return rows


def fit_arguments(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool, seed: int) -> dict:
    """``model.fit`` arguments for the training arrays: as they are, or, for windows whose rows
    overlap in memory (strided views of one text), an :class:`ArrayBatches` that never copies
    them whole."""
    if not rows_overlap(x):
        return dict(x=x, y=y, batch_size=batch_size, shuffle=shuffle)
    batches = ArrayBatches(x, y, batch_size, shuffle, seed)
    # shuffle=False: the rows are shuffled already (Keras would shuffle the batches, unseeded)
    return dict(x=batches, shuffle=False, validation_batch_size=batch_size)


def build_training_state(model: keras.Model, x: np.ndarray, y: np.ndarray) -> None:
    """Create the optimizer's and the compiled metrics' variables before ``fit``, from the batch
    ``x``, ``y`` (shapes only: nothing is computed or trained).

    On the TensorFlow backend Keras defers this to the first trace of the train step; variables
    created inside a ``tf.function`` make TensorFlow trace it a second time, which doubled the
    wait for the first batch after the Train click (issue 19: 3.9 s -> 2.0 s for the sentiment
    default). Keras's own build step is used where it has one; otherwise ``fit`` builds as before.
    """
    build = getattr(model, "_symbolic_build", None)  # Keras 3's trainer; private, so optional
    if build is None or len(x) == 0:
        return
    try:
        with model.distribute_strategy.scope():
            build(data_batch=(x, y, None))
    except Exception:  # noqa: BLE001 - a speed-up only: fit builds the same variables itself
        return


def same_batch_shapes(rows: int, batch_size: int) -> slice:
    """The first rows of ``rows`` whose batches have the shapes the whole set's have: one whole
    batch and the last, partial one (Keras gives a set without a partial batch a fixed batch
    size, and a traced step is reused only for inputs of the shapes it was traced for)."""
    return slice(0, min(rows, batch_size + rows % batch_size))


def starting_loss(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float | None:
    """The untrained model's loss on the rows ``x``, ``y`` (what ``model.evaluate`` gives on
    them), the chart's point before the first batch: the model replayed in NumPy and its
    compiled loss applied eagerly, so it is drawn within a second of the Train click, while
    Keras still traces the train step. None when the model cannot be replayed or the loss
    cannot be computed so (never an error: the run goes on without the point)."""
    if len(x) == 0:
        return None
    predicted = outputs(model, x)  # zero initial state, as every epoch of a stateful run starts
    if predicted is None:
        return None
    try:  # Keras's compiled loss (the one fit uses: ranks aligned, reduced over the rows)
        loss = model.compute_loss(x=x, y=y, y_pred=predicted, training=False)
        value = float(keras.ops.convert_to_numpy(loss))
    except Exception:  # noqa: BLE001 - a point on the chart only: the run goes on without it
        return None
    return value if math.isfinite(value) else None


def rows_overlap(a: np.ndarray) -> bool:
    """Whether consecutive rows of ``a`` share memory (a sliding-window view): copying it whole
    would take ``row size / row step`` times the memory it is a view of."""
    row_bytes = a.itemsize * math.prod(a.shape[1:])
    return a.ndim > 1 and len(a) > 1 and 0 <= a.strides[0] < row_bytes


class LearningRateSchedule(keras.callbacks.Callback):
    """Sets the optimizer's learning rate at every epoch start (see
    :func:`rnnviz.model.spec.scheduled_learning_rate`); leaves the epoch's logs alone."""

    def __init__(self, train: TrainSpec) -> None:
        super().__init__()
        self.train = train

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.model.optimizer.learning_rate = scheduled_learning_rate(self.train, epoch)


def schedule_callbacks(train: TrainSpec) -> list[keras.callbacks.Callback]:
    """The callback that follows the learning-rate schedule (none for a constant rate)."""
    return [] if train.lr_schedule == "constant" else [LearningRateSchedule(train)]


class TrainingRun:
    """One model trained once, in a background thread (``start``) or in the caller (``run``)."""

    def __init__(
        self,
        model: keras.Model,
        spec: ModelSpec,
        train: TrainSpec,
        data: FitData,
        probe_x: np.ndarray | None = None,
        callbacks: Sequence[keras.callbacks.Callback] = (),
        derive_logs: Callable[[dict[str, float]], dict[str, float]] | None = None,
    ) -> None:
        """``callbacks`` run after the recorder at every epoch end (a task's extras, e.g. a
        generated sample); ``derive_logs`` adds entries to each epoch's logs from the recorded ones
        (validation included, e.g. bits per character from the loss)."""
        self.model = model
        self.spec = spec
        self.train = train
        self.data = data
        self.probe_x = probe_x
        self.callbacks = list(callbacks)
        self.derive_logs = derive_logs
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._state = RunState(epochs=train.epochs)
        self._thread: threading.Thread | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.ended = threading.Event()  # set once the run has concluded (final weights, status)

    @classmethod
    def restored(
        cls,
        model: keras.Model,
        spec: ModelSpec,
        train: TrainSpec,
        data: FitData,
        history: dict,
        status: str,
        message: str,
    ) -> TrainingRun:
        """A finished run rebuilt from a saved one (nothing to train)."""
        run = cls(model, spec, train, data)
        epochs = len(history.get("loss", []))
        run._state = RunState(
            status=status,
            message=message,
            epochs=epochs,
            epoch=epochs,
            history={k: list(v) for k, v in history.items()},
        )
        return run

    # -- control -------------------------------------------------------------------------------
    def start(self) -> None:
        """Train in a daemon thread; returns at once."""
        self._thread = threading.Thread(target=self.run, name="rnnviz-training", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the run to end after the current batch; the best weights so far are kept."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def snapshot(self) -> RunState:
        """A consistent copy of the run's state for the UI."""
        with self._lock:
            state = self._state.copy()
            if state.status == "running":
                state.elapsed = time.perf_counter() - state.started_at
        return state

    def set_state(self, state: RunState) -> None:
        """Take over the state of a run that trained elsewhere (a worker process)."""
        with self._lock:
            self._state = state.copy()

    def batch_progress(self) -> tuple[int, int]:
        """(batches done in the current epoch, batches per epoch), without copying the state."""
        with self._lock:
            return self._state.step, self._state.steps_per_epoch

    def update(self, change: Callable[[RunState], None]) -> None:
        with self._lock:
            change(self._state)

    def set_epochs(self, epochs: int) -> None:
        """Train for ``epochs`` epochs instead (before :meth:`run`: a job prepared ahead of the
        Train click, whose epoch count is the only setting changed since)."""
        self.train = replace(self.train, epochs=epochs)
        self.update(lambda s: setattr(s, "epochs", epochs))

    # -- the run ---------------------------------------------------------------------------------
    def _training_rows(self) -> tuple[np.ndarray, np.ndarray, int, int]:
        """The rows ``fit`` reads (a stateful run's trimmed to whole batches), the batch size
        and how many rows the trimming dropped."""
        x, y = self.data.x_train, self.data.y_train
        if not self.spec.stateful:
            return x, y, self.train.batch_size, 0
        batch_size = self.spec.stateful_batch_size
        trimmed_x, trimmed_y = trim_to_batches(x, y, batch_size)
        return trimmed_x, trimmed_y, batch_size, len(x) - len(trimmed_x)

    def trace_ahead(self) -> None:
        """Trace the train step now, before :meth:`run`, so the run's first batch comes at
        once: a prepared job waits so for the Train click (issue 19).

        Keras traces on a function's first call, so this fits one batch of the training rows
        through the same kind of data pipeline as :meth:`run`, with batches of the same shapes
        (a traced step is reused only for those), and then undoes every change: weights,
        random-seed states, optimizer slots and step count, metrics, recurrent states. No
        random draw is consumed (no shuffling), so the run is the same, bit for bit, as one
        that traces on its own. A failure leaves the tracing to :meth:`run`, which then
        reports it. :meth:`trace_validation_ahead` does the same for the validation step."""
        x, y, batch_size, _ = self._training_rows()
        if len(x) == 0:
            return
        model = self.model
        build_training_state(model, x[:batch_size], y[:batch_size])
        if model.optimizer is None or not model.optimizer.built:
            return  # nothing to undo the fit with: the run traces on its own
        train = same_batch_shapes(len(x), batch_size)
        with self._undone():
            model.fit(
                **fit_arguments(x[train], y[train], batch_size, False, self.train.seed),
                epochs=1,
                steps_per_epoch=1,
                verbose=0,
            )

    def trace_validation_ahead(self) -> None:
        """Trace the validation step now (after :meth:`trace_ahead`), as ``fit`` validates a
        stateless model; a stateful one is validated by the recorder (``predict``)."""
        x_val, y_val = self.data.x_val, self.data.y_val
        model, batch_size = self.model, self.train.batch_size
        if self.spec.stateful or not len(x_val) or not getattr(model.optimizer, "built", False):
            return
        val = same_batch_shapes(len(x_val), batch_size)
        with self._undone():
            model.evaluate(x_val[val], y_val[val], batch_size=batch_size, steps=1, verbose=0)

    @contextlib.contextmanager
    def _undone(self) -> Iterator[None]:
        """Undo what the block does to the model's and optimizer's variables and metrics; a
        failure in it is left for :meth:`run` to meet (and report)."""
        model = self.model
        variables = [*model.variables, *model.optimizer.variables]
        saved = [keras.ops.convert_to_numpy(v) for v in variables]
        try:
            yield
        except Exception:  # noqa: BLE001 - a speed-up only: run() traces (and reports) itself
            pass
        finally:
            for variable, value in zip(variables, saved, strict=True):
                variable.assign(value)
            model.reset_metrics()

    def run(self) -> RunState:
        """Fit the model (blocking) and return the final state."""
        x, y, batch_size, trimmed = self._training_rows()
        stateful = self.spec.stateful
        steps = max(1, math.ceil(len(x) / batch_size))

        def begin(s: RunState) -> None:
            s.status, s.started_at, s.steps_per_epoch, s.trimmed_rows = (
                "running",
                time.perf_counter(),
                steps,
                trimmed,
            )

        self.update(begin)
        recorder = _Recorder(self)
        try:
            if len(x) == 0:
                raise ValueError(
                    f"No training windows left after trimming to batches of {batch_size}."
                )
            build_training_state(self.model, x[:batch_size], y[:batch_size])
            initial = starting_loss(self.model, x[:batch_size], y[:batch_size])
            self.update(lambda s: setattr(s, "initial_loss", initial))
            self.model.fit(
                **fit_arguments(x, y, batch_size, not stateful, self.train.seed),
                epochs=self.train.epochs,
                # A stateful model is validated by the recorder, with states reset around it.
                validation_data=None if stateful else (self.data.x_val, self.data.y_val),
                callbacks=[recorder, *schedule_callbacks(self.train), *self.callbacks],
                verbose=0,
            )
        except Exception as error:  # noqa: BLE001 - any failure becomes a message on the page
            message = f"Training failed: {training_failure(error)}"
            self.update(lambda s: _finish(s, "error", message))
        recorder.conclude_once()  # done already at on_train_end unless fit failed
        return self.snapshot()

    def _restore_best(self) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        if self.spec.stateful:
            reset_states(self.model)


def _partial_epoch_note(state: RunState) -> str:
    """How Stop cut the last epoch short, if it did."""
    if not state.partial_steps:
        return ""
    where = (
        "during its validation pass"
        if state.partial_steps >= state.steps_per_epoch
        else f"after {state.partial_steps} of {state.steps_per_epoch} batches"
    )
    return f" Epoch {state.epoch + 1} was cut short {where} and is not in the history."


def _finish(state: RunState, status: Status, message: str) -> None:
    if not state.done:
        state.status, state.message = status, message
    state.elapsed = time.perf_counter() - state.started_at


class _Recorder(keras.callbacks.Callback):
    """Records logs for the live charts, keeps the best weights, stops on request or NaN."""

    def __init__(self, run: TrainingRun) -> None:
        super().__init__()
        self.run = run
        self.patience = run.train.patience if run.train.early_stopping else None
        self.epochs_without_gain = 0
        self.nan_at: tuple[int, int] | None = None
        self.early_stopped = False
        self.validation_cut = False
        self.best_val_loss = math.inf
        self.epoch = 0
        self.epoch_started = 0.0
        self.probed_at: float | None = None  # when the gates were last traced
        self.train_warmup, self.test_warmup = WarmupClock(), WarmupClock()

    def on_train_end(self, logs: dict | None = None) -> None:
        """The run ends here, not when ``fit`` returns: TensorFlow then frees the tf.data
        iterator, which on this 2-core machine blocks for 1-1.6 s in about half the runs."""
        self.conclude_once()

    def conclude_once(self) -> None:
        """Restore the weights to keep, set the final status and message, set ``run.ended``."""
        if self.run.ended.is_set():
            return
        self.run._restore_best()
        self.run.update(self.conclude)
        self.run.ended.set()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.run.best_weights = (
            self.model.get_weights()
        )  # the last good weights until an epoch ends

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch
        self.epoch_started = time.perf_counter()
        self.train_warmup.begin(self.epoch_started)
        if self.run.spec.stateful:
            reset_states(self.model)  # each epoch reads the series from the start

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = float(logs["loss"]) if logs and "loss" in logs else math.nan

        def record(s: RunState) -> None:
            s.step = batch + 1
            s.batch_loss.append(loss)
            if s.first_step_seconds is None:
                s.first_step_seconds = time.perf_counter() - s.started_at

        self.run.update(record)
        self._add_warmup(self.train_warmup.batch_end(batch, time.perf_counter()))
        if not math.isfinite(loss):
            self.nan_at = (self.epoch + 1, batch + 1)
            self.model.stop_training = True
        elif self.run.stop_requested:
            self.model.stop_training = True

    def _add_warmup(self, seconds: float | None) -> None:
        if seconds is not None:
            self.run.update(lambda s: setattr(s, "warmup_seconds", s.warmup_seconds + seconds))

    def on_test_begin(self, logs: dict | None = None) -> None:
        self.test_warmup.begin(time.perf_counter())

    def on_test_end(self, logs: dict | None = None) -> None:
        self._add_warmup(self.test_warmup.end())

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._add_warmup(self.test_warmup.batch_end(batch, time.perf_counter()))
        if self.run.stop_requested:
            self.model.stop_evaluating = True  # a long validation pass also ends within a batch
            self.validation_cut = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._add_warmup(self.train_warmup.end())
        if self.nan_at is not None:
            return  # the weights of this epoch are not good: keep the last good ones
        steps_done, steps = self.run.batch_progress()
        if self.run.stop_requested:
            self.model.stop_training = True
            if steps_done < steps or self.validation_cut:
                self.run.update(lambda s: setattr(s, "partial_steps", steps_done))
                return  # cut short by Stop: its losses cover part of the data, not recorded
        logs = {k: float(v) for k, v in (logs or {}).items()}
        if self.run.spec.stateful:
            logs.update(self._stateful_validation())
        if self.run.derive_logs is not None:
            logs.update(self.run.derive_logs(logs))
        weights = self.model.get_weights()  # epoch-end snapshot: probes read this, not the model
        val_loss = logs.get("val_loss", logs.get("loss", math.inf))
        improved = math.isfinite(val_loss) and val_loss < self.best_val_loss
        if improved:
            self.best_val_loss = val_loss
        if improved or self.run.train.keep_weights == "last":
            self.run.best_weights = weights  # the weights restored when the run ends
        gate_stats, traces = self._probe(weights) if self._probe_due(epoch) else (None, None)
        seconds = time.perf_counter() - self.epoch_started

        def record(s: RunState) -> None:
            for key, value in logs.items():
                s.history.setdefault(key, []).append(value)
            s.epoch = epoch + 1
            s.step = 0
            s.epoch_seconds.append(seconds)
            if improved:
                s.best_epoch, s.best_val_loss = epoch + 1, val_loss
            if gate_stats is not None:
                s.gate_history.append(gate_stats)
                s.gate_epochs.append(epoch + 1)
                s.latest_traces = traces

        self.run.update(record)
        self.epochs_without_gain = 0 if improved else self.epochs_without_gain + 1
        if self.patience is not None and self.epochs_without_gain >= self.patience:
            self.model.stop_training = True
            self.early_stopped = True

    def _stateful_validation(self) -> dict[str, float]:
        """Validation loss and metric of a stateful model (what Keras would log for a stateless
        one): states reset before and after."""
        spec = self.run.spec
        data, batch = self.run.data, spec.stateful_batch_size
        x_val, y_val = trim_to_batches(data.x_val, data.y_val, batch)
        if len(x_val) == 0:
            return {}
        reset_states(self.model)
        predicted = self.model.predict(x_val, batch_size=batch, verbose=0)
        reset_states(self.model)
        loss = self.model.loss
        value = (
            keras.losses.get(loss)(y_val, predicted)
            if isinstance(loss, str)
            else loss(y_val, predicted)
        )
        metric = VALIDATION_METRICS[spec.head]()
        metric.update_state(y_val, predicted)
        return {
            "val_loss": float(np.mean(keras.ops.convert_to_numpy(value))),
            f"val_{metric_name(spec)}": float(keras.ops.convert_to_numpy(metric.result())),
        }

    def _probe_due(self, epoch: int) -> bool:
        """First and last epoch, and then at most every :data:`PROBE_SECONDS`."""
        now = time.perf_counter()
        last = epoch + 1 >= self.params.get("epochs", epoch + 1)
        if last or self.probed_at is None or now - self.probed_at >= PROBE_SECONDS:
            self.probed_at = now
            return True
        return False

    def _probe(self, weights: list[np.ndarray]) -> tuple[dict | None, list | None]:
        if self.run.probe_x is None:
            return None, None
        # imports Keras: only a probe needs it
        from rnnviz.model.probes import gate_summary, trace

        traces = trace(self.model, self.run.probe_x, weights=weights)
        return gate_summary(traces), traces

    def conclude(self, state: RunState) -> None:
        """Set the final status and message (called under the lock when training has ended)."""
        best = f" Kept the best weights (epoch {state.best_epoch})." if state.best_epoch else ""
        if self.run.train.keep_weights == "last" and state.epoch:
            best = f" Kept the weights of the last epoch ({state.epoch})."
        if self.nan_at is not None:
            epoch, batch = self.nan_at
            _finish(
                state,
                "nan",
                f"The loss became NaN at epoch {epoch}, batch {batch}: training stopped.{best} "
                "Try a lower learning rate or gradient clipping.",
            )
        elif self.run.stop_requested:
            partial = _partial_epoch_note(state)
            _finish(state, "stopped", f"Stopped after {state.epoch} epoch(s).{partial}{best}")
        elif self.early_stopped:
            _finish(
                state,
                "early_stopped",
                f"Early stopping: no validation gain for {self.patience} epochs.{best}",
            )
        else:
            _finish(state, "finished", f"Finished {state.epoch} epochs.{best}")
