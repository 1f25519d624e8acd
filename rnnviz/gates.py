"""What a gate trace is and how gates are named: light (no Keras), shared by probes and figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Array = np.ndarray

GATE_KEYS: dict[str, tuple[str, ...]] = {
    "SimpleRNN": ("preactivation", "hidden"),
    "LSTM": ("input", "forget", "candidate", "output", "cell", "hidden"),
    "GRU": ("update", "reset", "candidate", "hidden"),
}
STATE_KEYS: dict[str, tuple[str, ...]] = {
    "SimpleRNN": ("hidden",),
    "LSTM": ("hidden", "cell"),
    "GRU": ("hidden",),
}
GATE_LABELS: dict[str, dict[str, str]] = {
    "SimpleRNN": {"preactivation": "Pre-activation a", "hidden": "Hidden state h"},
    "LSTM": {
        "input": "Input gate i",
        "forget": "Forget gate f",
        "candidate": "Cell candidate g",
        "output": "Output gate o",
        "cell": "Cell state c",
        "hidden": "Hidden state h",
    },
    "GRU": {
        "update": "Update gate z",
        "reset": "Reset gate r",
        "candidate": "Candidate h̃",
        "hidden": "Hidden state h",
    },
}
SIGMOID_GATES = frozenset({"input", "forget", "output", "update", "reset"})
SATURATION = 0.9  # a sigmoid gate is saturated below 0.1 or above 0.9; a tanh value beyond ±0.9


@dataclass(frozen=True, eq=False)
class Trace:
    """Activations of one direction of one recurrent layer, each ``(batch, time, units)``."""

    layer: str
    direction: str  # "forward" or "backward"
    cell: str  # "SimpleRNN" | "LSTM" | "GRU"
    gates: dict[str, Array]


__all__ = ["GATE_KEYS", "GATE_LABELS", "SATURATION", "SIGMOID_GATES", "STATE_KEYS", "Trace"]
