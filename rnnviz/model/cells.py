"""Everything rnnviz knows about each recurrent cell type, one entry per cell (light: no Keras).

A :class:`CellType` holds the Keras class name, the gate and state names a trace records, their
labels, how many weight blocks the kernels stack, the NumPy time step that replays the cell, the
options its Keras layer takes beyond the common ones, and whether it has a cuDNN kernel. Adding a
cell type is one entry in :data:`CELL_TYPES` (and its name in :data:`rnnviz.model.spec.Cell`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rnnviz.model.spec import ModelSpec

Array = np.ndarray
Activation = Callable[[Array], Array]


@dataclass(frozen=True)
class CellParams:
    """The weights of one cell as NumPy arrays, and its activations as NumPy functions."""

    cell: str
    units: int
    kernel: Array  # (input_dim, n_gates*units)
    recurrent_kernel: Array  # (units, n_gates*units)
    bias: Array | None  # (n_gates*units,) added to the input projection
    recurrent_bias: Array | None  # (n_gates*units,) GRU reset_after only
    activation: Activation
    recurrent_activation: Activation
    reset_after: bool


# ``xw`` is the precomputed input projection ``x_t @ kernel + bias`` (batch, n_gates*units);
# ``prev`` maps the state keys to their values at t-1. Each returns every gate key of its cell.
Step = Callable[[Array, dict[str, Array], CellParams], dict[str, Array]]


def _simple_rnn_step(xw: Array, prev: dict[str, Array], p: CellParams) -> dict[str, Array]:
    a = xw + prev["hidden"] @ p.recurrent_kernel  # (batch, units)
    return {"preactivation": a, "hidden": p.activation(a)}


def _lstm_step(xw: Array, prev: dict[str, Array], p: CellParams) -> dict[str, Array]:
    z = xw + prev["hidden"] @ p.recurrent_kernel  # (batch, 4*units)
    i, f, g, o = np.split(z, 4, axis=-1)
    i, f, o = p.recurrent_activation(i), p.recurrent_activation(f), p.recurrent_activation(o)
    g = p.activation(g)
    c = f * prev["cell"] + i * g  # (batch, units)
    h = o * p.activation(c)
    return {"input": i, "forget": f, "candidate": g, "output": o, "cell": c, "hidden": h}


def _gru_step(xw: Array, prev: dict[str, Array], p: CellParams) -> dict[str, Array]:
    h_prev = prev["hidden"]  # (batch, units)
    u = p.units
    x_z, x_r, x_h = np.split(xw, 3, axis=-1)
    if p.reset_after:
        rec = h_prev @ p.recurrent_kernel  # (batch, 3*units)
        if p.recurrent_bias is not None:
            rec = rec + p.recurrent_bias
        rec_z, rec_r, rec_h = np.split(rec, 3, axis=-1)
        z = p.recurrent_activation(x_z + rec_z)
        r = p.recurrent_activation(x_r + rec_r)
        candidate = p.activation(x_h + r * rec_h)
    else:
        rec = h_prev @ p.recurrent_kernel[:, : 2 * u]  # (batch, 2*units)
        z = p.recurrent_activation(x_z + rec[:, :u])
        r = p.recurrent_activation(x_r + rec[:, u:])
        candidate = p.activation(x_h + (r * h_prev) @ p.recurrent_kernel[:, 2 * u :])
    h = z * h_prev + (1.0 - z) * candidate
    return {"update": z, "reset": r, "candidate": candidate, "hidden": h}


# Keras's defaults for the layer options rnnviz sets: an export writes only those that differ,
# and a value other than the cuDNN one (where listed) stops the fast GPU kernel.
KERAS_DEFAULTS: dict[str, Any] = {
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "use_bias": True,
    "dropout": 0.0,
    "recurrent_dropout": 0.0,
    "reset_after": True,
}
CUDNN_NEEDS: dict[str, Any] = {
    "activation": "tanh",
    "recurrent_activation": "sigmoid",
    "use_bias": True,
    "recurrent_dropout": 0.0,
    "reset_after": True,
}
COMMON_OPTIONS = ("activation", "use_bias", "dropout", "recurrent_dropout")


@dataclass(frozen=True)
class CellType:
    """One recurrent cell type: its Keras layer, its gates and states, and how to replay it."""

    name: str  # also the Keras layer class name (keras.layers.<name>)
    gates: tuple[str, ...]  # every key a trace records, in display order
    states: tuple[str, ...]  # the keys carried from one step to the next
    labels: dict[str, str]  # display name of each gate key
    sigmoid_gates: frozenset[str]  # gates squashed by the recurrent activation
    n_gates: int  # weight blocks stacked in kernel / recurrent_kernel
    step: Step  # one NumPy time step
    cudnn: bool  # has a cuDNN kernel on GPU
    extra_options: tuple[str, ...] = ()  # ModelSpec fields passed to the layer beyond the common
    tanh_keys: frozenset[str] = frozenset({"candidate", "hidden"})  # keys within -1 to 1

    @property
    def keras_class(self) -> type:
        """The Keras layer class (imports Keras)."""
        import keras

        return getattr(keras.layers, self.name)

    @property
    def options(self) -> tuple[str, ...]:
        return COMMON_OPTIONS + self.extra_options

    def bias_sets(self, spec: ModelSpec) -> int:
        """Bias vectors per direction: a GRU with ``reset_after`` has a separate recurrent bias."""
        return 2 if "reset_after" in self.extra_options and spec.reset_after else 1


CELL_TYPES: dict[str, CellType] = {
    "SimpleRNN": CellType(
        name="SimpleRNN",
        gates=("preactivation", "hidden"),
        states=("hidden",),
        labels={"preactivation": "Pre-activation a", "hidden": "Hidden state h"},
        sigmoid_gates=frozenset(),
        n_gates=1,
        step=_simple_rnn_step,
        cudnn=False,
    ),
    "LSTM": CellType(
        name="LSTM",
        gates=("input", "forget", "candidate", "output", "cell", "hidden"),
        states=("hidden", "cell"),
        labels={
            "input": "Input gate i",
            "forget": "Forget gate f",
            "candidate": "Cell candidate g",
            "output": "Output gate o",
            "cell": "Cell state c",
            "hidden": "Hidden state h",
        },
        sigmoid_gates=frozenset({"input", "forget", "output"}),
        n_gates=4,
        step=_lstm_step,
        cudnn=True,
        extra_options=("recurrent_activation",),
    ),
    "GRU": CellType(
        name="GRU",
        gates=("update", "reset", "candidate", "hidden"),
        states=("hidden",),
        labels={
            "update": "Update gate z",
            "reset": "Reset gate r",
            "candidate": "Candidate h̃",
            "hidden": "Hidden state h",
        },
        sigmoid_gates=frozenset({"update", "reset"}),
        n_gates=3,
        step=_gru_step,
        cudnn=True,
        extra_options=("recurrent_activation", "reset_after"),
    ),
}
CELL_NAMES: tuple[str, ...] = tuple(CELL_TYPES)


def cell_type(name: str) -> CellType:
    try:
        return CELL_TYPES[name]
    except KeyError:
        raise ValueError(f"cell must be one of {CELL_NAMES}, got {name!r}") from None


def layer_options(spec: ModelSpec) -> dict[str, Any]:
    """The options of one recurrent layer of ``spec`` that depend on its cell type."""
    return {name: getattr(spec, name) for name in cell_type(spec.cell).options}


def export_options(spec: ModelSpec) -> dict[str, Any]:
    """The options an exported script must write: those that differ from Keras's defaults."""
    return {k: v for k, v in layer_options(spec).items() if v != KERAS_DEFAULTS[k]}


_BLOCKER_TEXT: dict[str, Callable[[Any], str]] = {
    "recurrent_dropout": lambda v: "recurrent dropout > 0",
    "activation": lambda v: f"activation '{v}' (cuDNN needs tanh)",
    "recurrent_activation": lambda v: f"recurrent activation '{v}' (cuDNN needs sigmoid)",
    "use_bias": lambda v: "use_bias=False",
    "reset_after": lambda v: "GRU reset_after=False",
}


def cudnn_blockers(spec: ModelSpec) -> list[str]:
    """Choices that stop the cell from using the fast cuDNN kernel on a GPU (empty: fast path)."""
    cell = cell_type(spec.cell)
    if not cell.cudnn:
        return [f"{cell.name} has no cuDNN kernel: it runs step by step on a GPU too."]
    options = layer_options(spec)
    return [
        _BLOCKER_TEXT[name](options[name])
        for name in _BLOCKER_TEXT
        if name in options and options[name] != CUDNN_NEEDS[name]
    ]
