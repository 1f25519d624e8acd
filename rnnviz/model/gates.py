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
SATURATION = 0.9  # a sigmoid gate is saturated below 0.1 or above 0.9; a tanh value beyond ±0.9


@dataclass(frozen=True, eq=False)
class Trace:
    """Activations of one direction of one recurrent layer, each ``(batch, time, units)``."""

    layer: str
    direction: str  # "forward" or "backward"
    cell: str  # "SimpleRNN" | "LSTM" | "GRU"
    gates: dict[str, Array]


__all__ = ["GATE_KEYS", "GATE_LABELS", "SATURATION", "SIGMOID_GATES", "STATE_KEYS", "Trace"]
