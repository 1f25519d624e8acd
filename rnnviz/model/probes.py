"""Exact per-gate activations of a built model, recomputed in NumPy from its weights.

:func:`trace` replays every recurrent layer of a :func:`rnnviz.model.builder.build_model` network
step by step and records each gate, so the Inspect pages can show what Keras computes inside
the cell (Keras itself only exposes the hidden output). The model is never called: only its
layer configuration is read, and the weight values come either from the live model or from a
snapshot (``model.get_weights()`` taken by the training thread), so a trace never races training.

Conventions:

* Every trace starts from a zero state, also for a stateful model (its carried state belongs to
  the training stream, not to the probed batch).
* ``gates[k][:, t]`` is aligned to *input* step ``t`` in both directions: the backward half of a
  Bidirectional layer runs over the reversed sequence, and its gates are put back in input order.
* Masking (text models, token 0 = padding): as Keras does, a masked step leaves the state
  unchanged. ``"hidden"`` and ``"cell"`` therefore hold the carried state at a masked step (the
  zero initial state before the first token), which equals the sequence output of a
  unidirectional Keras layer; the gate activations of a masked step are NaN ("not read").
  Note that Keras's Bidirectional layer zeroes (instead of carries) its masked sequence output.
  A padded series is masked by a ``Masking`` layer: a step whose features all equal its value.
* Dropout and recurrent dropout are inactive at inference and are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import keras
import numpy as np
from keras import layers

from rnnviz.model.builder import WordPairs
from rnnviz.model.cells import CellParams, cell_type
from rnnviz.model.gates import SATURATION, SIGMOID_GATES, Trace
from rnnviz.model.spec import FEATURES_JOIN_LAYER, PAIR_FEATURES_LAYER
from rnnviz.model.wordpairs import word_pair_ids

try:  # installed with scikit-learn
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

Array = np.ndarray
Activation = Callable[[Array], Array]

# --- activations ------------------------------------------------------------------------------


def _sigmoid(x: Array) -> Array:
    return 0.5 * (np.tanh(0.5 * x) + 1.0)  # overflow-free logistic


def _hard_sigmoid(x: Array) -> Array:
    return np.clip((x + 3.0) / 6.0, 0.0, 1.0)  # Keras 3: relu6(x + 3) / 6


_NUMPY_ACTIVATIONS: dict[str, Activation] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "hard_sigmoid": _hard_sigmoid,
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
}


def _numpy_activation(fn: Callable | None) -> Activation:
    """A NumPy twin of a Keras activation (falls back to evaluating the Keras op)."""
    if fn is None:
        return _NUMPY_ACTIVATIONS["linear"]
    known = _NUMPY_ACTIVATIONS.get(getattr(fn, "__name__", ""))
    if known is not None:
        return known
    return lambda x: np.asarray(keras.ops.convert_to_numpy(fn(x)), dtype=x.dtype)


# --- parameters of one cell -------------------------------------------------------------------

WeightReader = Callable[[keras.Variable], Array]


def _weight_reader(model: keras.Model, weights: list[Array] | None) -> WeightReader:
    """Read a variable's value from the live model or from a ``get_weights()`` snapshot."""
    if weights is None:
        return lambda v: np.asarray(v.numpy(), dtype=np.float32)
    variables = model.weights  # same order as get_weights()
    if len(variables) != len(weights):
        raise ValueError(f"snapshot has {len(weights)} arrays, the model {len(variables)} weights")
    index = {id(v): i for i, v in enumerate(variables)}
    return lambda v: np.asarray(weights[index[id(v)]], dtype=np.float32)


def _cell_params(layer: layers.Layer, read: WeightReader) -> CellParams:
    cell = layer.cell
    kind = type(layer).__name__
    options = cell_type(kind).extra_options  # what this cell type has beyond SimpleRNN's
    bias = read(cell.bias) if cell.use_bias else None
    recurrent_bias = None
    reset_after = "reset_after" in options and bool(cell.reset_after)
    if bias is not None and bias.ndim == 2:  # GRU reset_after: [input bias; recurrent bias]
        bias, recurrent_bias = bias[0], bias[1]
    return CellParams(
        cell=kind,
        units=int(cell.units),
        kernel=read(cell.kernel),
        recurrent_kernel=read(cell.recurrent_kernel),
        bias=bias,
        recurrent_bias=recurrent_bias,
        activation=_numpy_activation(cell.activation),
        recurrent_activation=_numpy_activation(
            cell.recurrent_activation if "recurrent_activation" in options else None
        ),
        reset_after=reset_after,
    )


# --- shared driver: time loop, masking, direction ---------------------------------------------


def _run_direction(x: Array, mask: Array | None, p: CellParams, backward: bool) -> dict[str, Array]:
    """Run one cell over ``x`` (batch, time, features); results aligned to input time."""
    batch, steps, _ = x.shape
    xw = x @ p.kernel  # (batch, time, n_gates*units), all steps at once
    if p.bias is not None:
        xw += p.bias
    cell = cell_type(p.cell)
    step, keys, state_keys = cell.step, cell.gates, cell.states
    out = {k: np.empty((batch, steps, p.units), dtype=np.float32) for k in keys}
    state = {k: np.zeros((batch, p.units), dtype=np.float32) for k in state_keys}
    for t in reversed(range(steps)) if backward else range(steps):
        new = step(xw[:, t], state, p)
        if mask is not None:
            keep = mask[:, t, None]  # (batch, 1)
            new = {k: np.where(keep, v, state[k] if k in state else np.nan) for k, v in new.items()}
        for k in keys:
            out[k][:, t] = new[k]
        state = {k: new[k] for k in state_keys}
    return out


def _merge(fwd: Array, bwd: Array, mode: str) -> Array:
    if mode == "concat":
        return np.concatenate([fwd, bwd], axis=-1)
    if mode == "sum":
        return fwd + bwd
    if mode == "mul":
        return fwd * bwd
    if mode == "ave":
        return (fwd + bwd) / 2
    raise ValueError(f"unsupported merge_mode {mode!r}")


def _layer_output(hidden: Array, backward: bool, sequences: bool) -> Array:
    """The layer's output from its hidden states: the sequence, or the final state."""
    if sequences:
        return hidden  # (batch, time, units)
    return hidden[:, 0] if backward else hidden[:, -1]  # (batch, units); carried past padding


def _trace_recurrent(
    layer: layers.Layer, x: Array, mask: Array | None, read: WeightReader
) -> tuple[list[Trace], Array]:
    """Trace a recurrent (or Bidirectional) layer; returns its traces and merged output."""
    sequences = bool(layer.return_sequences)
    if isinstance(layer, layers.Bidirectional):
        halves = [(layer.forward_layer, "forward"), (layer.backward_layer, "backward")]
    else:
        halves = [(layer, "forward")]
    traces, outputs = [], []
    for sub, direction in halves:
        params = _cell_params(sub, read)
        backward = bool(sub.go_backwards)
        gates = _run_direction(x, mask, params, backward)
        traces.append(Trace(layer.name, direction, params.cell, gates))
        # masked steps of a sequence output never reach the next layer's state: left as is
        outputs.append(_layer_output(gates["hidden"], backward, sequences))
    merged = outputs[0] if len(outputs) == 1 else _merge(*outputs, layer.merge_mode)
    return traces, merged.astype(np.float32)


def trace(
    model: keras.Model, x: np.ndarray, weights: list[np.ndarray] | None = None
) -> list[Trace]:
    """Per-gate activations of every recurrent layer of ``model`` on the batch ``x``.

    ``x`` is ``(batch, time, features)`` for a series or ``(batch, time)`` token ids. With
    ``weights`` (a ``model.get_weights()`` snapshot) those arrays are used instead of the live
    variables. The model is never called; the walk stops at the head (Dense/TimeDistributed)
    or at a merge of branches (Concatenate: a task's own architecture, e.g. the RCNN, whose
    recurrent layer comes before it).
    """
    with single_threaded_blas():
        return _trace_layers(model, np.asarray(x), _weight_reader(model, weights)).traces


def single_threaded_blas() -> AbstractContextManager:
    """One BLAS thread: the matrices are tiny, and a multi-threaded BLAS competing with the
    training thread for the cores can run 10x slower."""
    if threadpool_limits is None:  # pragma: no cover
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class _Walk:
    """Where :func:`_trace_layers` stopped: the traces so far, the last layer's output ``h``
    (and its mask), the index of the layer it stopped at (``None``: it read them all), and the
    last recurrent layer's hidden states at every step (``every_step``)."""

    traces: list[Trace] = field(default_factory=list)
    h: Array | None = None
    stopped_at: int | None = None
    every_step: Array | None = None  # (batch, time, units) of the last recurrent layer


def _trace_layers(model: keras.Model, h: Array, read: WeightReader) -> _Walk:
    """Walk the layer chain up to the head, replaying each recurrent layer."""
    mask: Array | None = None
    tokens: Array | None = None  # (batch, time) ids of a text model
    pairs: Array | None = None  # (batch, time) ids of each word with the one before it
    looked_up: list[Array] = []  # its embedding tables read: the learned one, fixed ones beside
    walk = _Walk()
    traces = walk.traces
    for index, layer in enumerate(model.layers):
        if isinstance(layer, layers.InputLayer):
            continue
        if isinstance(layer, (layers.Embedding, WordPairs)) and tokens is None:
            tokens = h.astype(np.int64)
        if isinstance(layer, WordPairs):
            pairs = word_pair_ids(tokens, layer.buckets)
        elif isinstance(layer, layers.Embedding):
            if mask is None and layer.mask_zero:
                mask = tokens != 0
            keys = pairs if layer.name == PAIR_FEATURES_LAYER else tokens
            looked_up.append(read(layer.embeddings)[keys])  # (batch, time, its columns)
            h = np.concatenate(looked_up, axis=-1)  # (batch, time, columns of the tables)
        elif isinstance(layer, layers.Concatenate) and layer.name == FEATURES_JOIN_LAYER:
            continue  # [embedding; fixed features]: joined above
        elif isinstance(layer, layers.Masking):
            mask = np.any(h != layer.mask_value, axis=-1)  # (batch, time): read unless all padding
        elif isinstance(layer, (layers.RNN, layers.Bidirectional)):
            layer_traces, h = _trace_recurrent(layer, h.astype(np.float32), mask, read)
            traces.extend(layer_traces)
            walk.every_step = _every_step(layer, layer_traces)
            mask = mask if layer.return_sequences else None
        elif isinstance(layer, layers.GlobalAveragePooling1D):  # the mean over unmasked steps
            weights = np.ones(h.shape[:2], np.float32) if mask is None else mask.astype(np.float32)
            h = (h * weights[..., None]).sum(axis=1) / weights.sum(axis=1, keepdims=True)
            mask, walk.every_step = None, None  # no state after each step feeds the head
        elif isinstance(layer, layers.RepeatVector):
            h = np.repeat(h[:, None, :], layer.n, axis=1)  # (batch, n, features)
        elif isinstance(layer, layers.Dropout):
            continue  # inactive at inference
        elif isinstance(layer, (layers.Dense, layers.TimeDistributed, layers.Concatenate)):
            walk.stopped_at = index  # the head, or a merge of branches (an RCNN's
            break  # [embedding; context]): no more RNN
        else:
            raise TypeError(f"trace cannot replay layer {layer.name!r} ({type(layer).__name__})")
    walk.h = h
    return walk


def _every_step(layer: layers.Layer, traces: list[Trace]) -> Array | None:
    """A unidirectional layer's hidden state after every step (batch, time, units), what its
    ``return_sequences=True`` twin outputs; None for a Bidirectional layer (its backward half
    has read the whole input at every step)."""
    if isinstance(layer, layers.Bidirectional) or len(traces) != 1:
        return None
    return traces[0].gates["hidden"].astype(np.float32)


# --- the whole model's outputs ------------------------------------------------------------------


def _softmax(x: Array) -> Array:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_HEAD_ACTIVATIONS: dict[str, Activation] = {**_NUMPY_ACTIVATIONS, "softmax": _softmax}


def _dense(layer: layers.Dense, h: Array, read: WeightReader) -> Array:
    """A Dense layer on the last axis of ``h`` (what TimeDistributed(Dense) does per step)."""
    out = h @ read(layer.kernel)
    if layer.use_bias:
        out = out + read(layer.bias)
    activation = _HEAD_ACTIVATIONS.get(getattr(layer.activation, "__name__", ""))
    if activation is None:
        raise TypeError(f"no NumPy twin of the activation of {layer.name!r}")
    return activation(out).astype(np.float32)


def outputs(model: keras.Model, x: np.ndarray, every_step: bool = False) -> Array | None:
    """The model's outputs for ``x`` (what ``model.predict`` returns, to float32 rounding),
    replayed in NumPy from its weights: no TensorFlow function is traced or run, so a few rows
    take milliseconds where a first ``predict`` takes a second or more (issue 19).

    With ``every_step`` the head reads the last recurrent layer's state after every step, as
    its many-to-many twin would (``(batch, time, outputs)``). None when the model holds a layer
    this replay does not know (a task's own architecture, a merge of branches, a Dense layer
    with another activation, a bidirectional last layer with ``every_step``): call Keras then.
    """
    read = _weight_reader(model, None)
    try:
        with single_threaded_blas():
            walk = _trace_layers(model, np.asarray(x), read)
            h = walk.h
            if every_step:
                if walk.every_step is None:
                    return None
                h = walk.every_step
            rest = [] if walk.stopped_at is None else model.layers[walk.stopped_at :]
            for layer in rest:
                if isinstance(layer, layers.TimeDistributed) and isinstance(
                    layer.layer, layers.Dense
                ):
                    h = _dense(layer.layer, h, read)
                elif isinstance(layer, layers.Dense):
                    h = _dense(layer, h, read)
                elif not isinstance(layer, layers.Dropout):  # Dropout: inactive at inference
                    return None
    except TypeError:  # a layer or activation without a NumPy twin
        return None
    return h


# --- one step at a time (generation) -----------------------------------------------------------


class Stepper:
    """A token model (embedding, unidirectional recurrent layers, a Dense head) replayed in NumPy
    one step at a time, carrying its state from a zero start: what a stateful Keras copy with
    one input step computes, without tracing or running a TensorFlow function (a sample of a few
    hundred characters takes milliseconds instead of a second)."""

    def __init__(self, embeddings: Array, cells: list[CellParams], head: layers.Dense, read):
        self.embeddings, self.cells, self.head, self.read = embeddings, cells, head, read
        self.states: list[dict[str, Array]] = []

    def reset(self, batch: int) -> None:
        """Zero the state of ``batch`` parallel streams."""
        self.states = [
            {k: np.zeros((batch, p.units), dtype=np.float32) for k in cell_type(p.cell).states}
            for p in self.cells
        ]

    def step(self, ids: np.ndarray) -> Array:
        """Read one token per stream (``ids``: (batch,)); the head's output (batch, outputs)."""
        h = self.embeddings[np.asarray(ids, dtype=np.int64)]  # (batch, embedding_dim)
        with single_threaded_blas():
            for index, p in enumerate(self.cells):
                xw = h @ p.kernel  # (batch, n_gates*units)
                if p.bias is not None:
                    xw = xw + p.bias
                cell = cell_type(p.cell)
                new = cell.step(xw, self.states[index], p)
                self.states[index] = {k: new[k] for k in cell.states}
                h = new["hidden"].astype(np.float32)  # (batch, units)
            return _dense(self.head, h, self.read)


def stepper(model: keras.Model, batch: int) -> Stepper | None:
    """A :class:`Stepper` of ``model`` for ``batch`` streams, or None when its layers are not an
    embedding, unidirectional recurrent layers (dropout aside) and a Dense head: use Keras then."""
    read = _weight_reader(model, None)
    tables, cells, head = [], [], None  # tables: (vocab, columns) each
    try:
        for layer in model.layers:
            if isinstance(layer, (layers.InputLayer, layers.Dropout)):
                continue
            if isinstance(layer, layers.Embedding) and not cells:
                tables.append(read(layer.embeddings))  # the learned one, fixed features beside
            elif isinstance(layer, layers.Concatenate) and layer.name == FEATURES_JOIN_LAYER:
                continue  # [embedding; fixed features]: the tables side by side
            elif isinstance(layer, layers.RNN) and tables and head is None:
                if layer.go_backwards:
                    return None
                cells.append(_cell_params(layer, read))
            elif isinstance(layer, layers.TimeDistributed) and isinstance(
                layer.layer, layers.Dense
            ):
                head = layer.layer
            elif isinstance(layer, layers.Dense):
                head = layer
            else:
                return None
    except TypeError:  # an activation without a NumPy twin
        return None
    if not tables or not cells or head is None or head is not _last_dense(model):
        return None
    embeddings = np.concatenate(tables, axis=1)  # (vocab, embedding_dim [+ fixed features])
    replay = Stepper(embeddings, cells, head, read)
    replay.reset(batch)
    return replay


def _last_dense(model: keras.Model) -> layers.Dense | None:
    last = model.layers[-1]
    return last.layer if isinstance(last, layers.TimeDistributed) else last


# --- summary for live charts ------------------------------------------------------------------


def _summarised(cell: str, key: str) -> bool:
    """Sigmoid gates, the tanh candidate, and a SimpleRNN's hidden state (its tanh output)."""
    return key in SIGMOID_GATES or key == "candidate" or (cell == "SimpleRNN" and key == "hidden")


def gate_summary(traces: list[Trace]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """``(layer, direction, gate) -> (mean, saturated share)``, ignoring NaN (masked) steps.

    Saturated: a sigmoid gate below 0.1 or above 0.9; a tanh value (LSTM/GRU candidate,
    SimpleRNN hidden) with ``|v| > 0.9``. Thresholds assume the default activations.
    Pre-activations and states are left out.
    """
    summary = {}
    for tr in traces:
        for key, values in tr.gates.items():
            if not _summarised(tr.cell, key):
                continue
            v = values[~np.isnan(values)]
            if v.size == 0:
                summary[(tr.layer, tr.direction, key)] = (float("nan"), float("nan"))
                continue
            if key in SIGMOID_GATES:
                saturated = (v < 1.0 - SATURATION) | (v > SATURATION)
            else:
                saturated = np.abs(v) > SATURATION
            summary[(tr.layer, tr.direction, key)] = (float(v.mean()), float(saturated.mean()))
    return summary
