"""What a gate trace is and how gates are named: light (no Keras), shared by probes and figures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz.model.cells import CELL_TYPES

Array = np.ndarray

# Derived from the one table of cell types (rnnviz.model.cells), kept under these names for readers.
GATE_KEYS: dict[str, tuple[str, ...]] = {name: c.gates for name, c in CELL_TYPES.items()}
STATE_KEYS: dict[str, tuple[str, ...]] = {name: c.states for name, c in CELL_TYPES.items()}
GATE_LABELS: dict[str, dict[str, str]] = {name: c.labels for name, c in CELL_TYPES.items()}
SIGMOID_GATES = frozenset().union(*(c.sigmoid_gates for c in CELL_TYPES.values()))
TANH_KEYS = frozenset().union(*(c.tanh_keys for c in CELL_TYPES.values()))
SATURATION = 0.9  # a sigmoid gate is saturated below 0.1 or above 0.9; a tanh value beyond ±0.9


def gate_range(gate: str) -> tuple[float | None, float | None]:
    """The range a gate's values lie in: 0 to 1 (sigmoid), -1 to 1 (tanh) or unbounded."""
    if gate in SIGMOID_GATES:
        return 0.0, 1.0
    if gate in TANH_KEYS:
        return -1.0, 1.0
    return None, None


@dataclass(frozen=True, eq=False)
class Trace:
    """Activations of one direction of one recurrent layer, each ``(batch, time, units)``."""

    layer: str
    direction: str  # "forward" or "backward"
    cell: str  # "SimpleRNN" | "LSTM" | "GRU"
    gates: dict[str, Array]
