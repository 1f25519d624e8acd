"""The live state of a training run: what the charts read (light: no TensorFlow import)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Literal

Status = Literal[
    "ready", "running", "saving", "finished", "early_stopped", "stopped", "nan", "error"
]
FINAL_STATUSES = ("finished", "early_stopped", "stopped", "nan", "error")


@dataclass
class RunState:
    """Everything the live charts read. Copied whole under the run's lock."""

    status: Status = "ready"
    message: str = ""
    epochs: int = 0
    epoch: int = 0  # epochs completed
    steps_per_epoch: int = 0
    step: int = 0  # batches completed in the current epoch
    first_step_seconds: float | None = None  # elapsed when the first batch ended (it traces)
    initial_loss: float | None = None  # the untrained model's loss on the first training rows
    warmup_seconds: float = 0.0  # one-off time of the first batches (Keras traces on first call)
    started_at: float = 0.0
    elapsed: float = 0.0
    history: dict[str, list[float]] = field(default_factory=dict)  # per epoch: loss, val_loss, ...
    batch_loss: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    best_val_loss: float = math.inf
    trimmed_rows: int = 0  # rows dropped so a stateful run sees whole batches
    partial_steps: int = 0  # batches of an epoch cut short by Stop (that epoch is not in history)
    gate_history: list[dict] = field(
        default_factory=list
    )  # per traced epoch: {(layer, dir, gate): (mean, sat)}
    gate_epochs: list[int] = field(default_factory=list)  # the epoch of each gate_history entry
    latest_traces: list | None = None  # probes.Trace list for the probe sample, latest epoch
    samples: list[str] = field(default_factory=list)  # per epoch: text generated (generation)

    def copy(self) -> RunState:
        """A copy whose lists can be read while the original keeps growing."""
        state = copy.copy(self)
        state.history = {k: list(v) for k, v in self.history.items()}
        state.batch_loss = list(self.batch_loss)
        state.epoch_seconds = list(self.epoch_seconds)
        state.gate_history = list(self.gate_history)
        state.gate_epochs = list(self.gate_epochs)
        state.samples = list(self.samples)
        return state

    @property
    def done(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def has_result(self) -> bool:
        """Ended with a trained model to inspect (finished, stopped, early-stopped or NaN-guarded)."""
        return self.done and self.status != "error"

    @property
    def fraction(self) -> float:
        if not self.epochs:
            return 0.0
        within = self.step / self.steps_per_epoch if self.steps_per_epoch else 0.0
        return min(1.0, (self.epoch + (0.0 if self.done else within)) / self.epochs)

    @property
    def seconds_left(self) -> float | None:
        """The batches still to run (in every epoch left) times the time per batch since the
        first one (which traced the model) while the first epoch runs; then the epochs still to
        run times the latest epoch's duration, the first epoch's without its one-off warm-up
        (:class:`WarmupClock`: Keras traces its train and test functions on their first call)."""
        if self.done:
            return None
        if not self.epoch_seconds:  # within the first epoch: from its batches so far
            if self.first_step_seconds is not None and self.step >= 2:
                per_batch = (self.elapsed - self.first_step_seconds) / (self.step - 1)
                return per_batch * max(0, self.steps_per_epoch * self.epochs - self.step)
            fraction = self.fraction
            return self.elapsed * (1.0 - fraction) / fraction if fraction > 0 else None
        if len(self.epoch_seconds) > 1:
            per_epoch = self.epoch_seconds[-1]
        else:
            per_epoch = max(self.epoch_seconds[0] - self.warmup_seconds, 0.0)
        return max(0.0, self.epochs * (1.0 - self.fraction)) * per_epoch


@dataclass
class WarmupClock:
    """The one-off time of a pass's first batch (training or validation: Keras traces its
    function on the first call): how much longer it took than the second. A pass of one batch
    counts all of it. Measured once per run."""

    started: float = 0.0  # when the pass began
    previous: float = 0.0  # when its latest batch ended
    first: float | None = None  # the first batch's duration
    measured: bool = False

    def begin(self, now: float) -> None:
        if not self.measured:
            self.started = self.previous = now

    def batch_end(self, batch: int, now: float) -> float | None:
        """The warm-up time, once known (at the second batch); None before and after."""
        if self.measured:
            return None
        if batch == 0:
            self.first, self.previous = now - self.started, now
            return None
        self.measured = True
        return max(0.0, (self.first or 0.0) - (now - self.previous))

    def end(self) -> float | None:
        """At the end of a pass: the warm-up of a pass that had one batch, else None."""
        if self.measured or self.first is None:
            return None
        self.measured = True
        return self.first
