"""A run's live state streamed between processes as small deltas, never as whole copies.

The worker keeps a :class:`DeltaCursor` and sends ``cursor.delta(run.snapshot())`` a few times
a second; the server applies each delta to its mirror with :func:`apply_delta`. List fields
(per-batch losses, epoch times, gate statistics, generated samples) and the per-epoch history travel as their new
tails, scalars only when they changed, and the gate traces of the probe sample once per epoch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from rnnviz.train.runstate import RunState

LIST_FIELDS = ("batch_loss", "epoch_seconds", "gate_history", "gate_epochs", "samples")
SCALAR_FIELDS = tuple(
    f.name
    for f in fields(RunState)
    if f.name not in (*LIST_FIELDS, "history", "latest_traces", "started_at")
)


@dataclass
class DeltaCursor:
    """What the receiving side already has, so each delta carries only what is new."""

    sent_lists: dict[str, int] = field(default_factory=dict)
    sent_history: dict[str, int] = field(default_factory=dict)
    sent_scalars: dict[str, object] = field(default_factory=dict)
    traces_epoch: int = -1

    def delta(self, state: RunState) -> dict:
        """The changes since the previous call (an empty dict when nothing changed)."""
        out: dict = {}
        scalars = {
            name: getattr(state, name)
            for name in SCALAR_FIELDS
            if self.sent_scalars.get(name, _UNSET) != getattr(state, name)
        }
        if scalars:
            out["scalars"] = scalars
            self.sent_scalars.update(scalars)
        for name in LIST_FIELDS:
            values, sent = getattr(state, name), self.sent_lists.get(name, 0)
            if len(values) > sent:
                out[name] = list(values[sent:])
                self.sent_lists[name] = len(values)
        history = {
            key: list(values[self.sent_history.get(key, 0) :])
            for key, values in state.history.items()
            if len(values) > self.sent_history.get(key, 0)
        }
        if history:
            out["history"] = history
            self.sent_history.update({key: len(state.history[key]) for key in history})
        if state.latest_traces is not None and state.epoch != self.traces_epoch:
            out["latest_traces"] = state.latest_traces
            self.traces_epoch = state.epoch
        return out


_UNSET = object()


def apply_delta(state: RunState, delta: dict) -> None:
    """Bring a mirror ``state`` up to date with one delta from :meth:`DeltaCursor.delta`."""
    for name, value in delta.get("scalars", {}).items():
        setattr(state, name, value)
    for name in LIST_FIELDS:
        getattr(state, name).extend(delta.get(name, ()))
    for key, values in delta.get("history", {}).items():
        state.history.setdefault(key, []).extend(values)
    if "latest_traces" in delta:
        state.latest_traces = delta["latest_traces"]
