"""Turn a :class:`ModelSpec` into a Keras model with stable, readable layer names.

Layer names: ``embedding`` (text input), ``rnn_1..rnn_k`` (many-to-one / many-to-many) or
``encoder_1..`` / ``repeat`` / ``decoder_1..`` (encoder-decoder), and ``head``. A bidirectional
layer keeps the name; Keras names its directions ``forward_<name>`` and ``backward_<name>``.
A padded series input (``spec.mask_value`` set) starts with a ``masking`` layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
from keras import layers, ops

from rnnviz.model.cells import CELL_TYPES, cell_type, cudnn_blockers, layer_options
from rnnviz.model.spec import (
    FEATURES_JOIN_LAYER,
    FIXED_FEATURES_LAYER,
    MEAN_READ_OUT_LAYER,
    PAIR_FEATURES_LAYER,
    PAIR_IDS_LAYER,
    ModelSpec,
    TrainSpec,
    lookahead_reason,
)
from rnnviz.model.upload import recurrent_layers
from rnnviz.model.wordpairs import PAIR_BUCKETS, PAIR_MULTIPLIER

CELL_CLASSES = {name: cell.keras_class for name, cell in CELL_TYPES.items()}
__all__ = ["cudnn_blockers"]  # re-exported: the rule lives with the cells


class LookAheadError(ValueError):
    """A model that would read the values it is asked to predict; the message says why."""


def build_model(spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
    """Build the (uncompiled) model; a topology that reads the future raises LookAheadError.

    ``input_shape`` excludes the batch axis: ``(time, features)`` for a series, ``(time,)`` for
    token ids. A stateful model gets the fixed batch size ``spec.stateful_batch_size``.
    """
    reason = lookahead_reason(spec)
    if reason is not None:
        raise LookAheadError(reason)
    return _assemble(spec, input_shape)


def _assemble(spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
    """The layers the spec asks for, without the look-ahead check (tests use it to prove the
    check is needed)."""
    batch_size = spec.stateful_batch_size if spec.stateful else None
    dtype = "int32" if spec.is_text else "float32"
    inputs = keras.Input(shape=input_shape, batch_size=batch_size, dtype=dtype, name="input")
    x = inputs
    if spec.is_text:
        x = _embedded(spec, x)
    elif spec.mask_value is not None:  # a step whose features all equal mask_value is padding
        x = layers.Masking(mask_value=spec.mask_value, name="masking")(x)
    if spec.topology == "encoder_decoder":
        x = _recurrent_stack(spec, x, "encoder", sequences_out=False)  # (batch, units)
        x = layers.RepeatVector(spec.horizon, name="repeat")(x)  # (batch, horizon, units)
        x = _recurrent_stack(spec, x, "decoder", sequences_out=True)  # (batch, horizon, units)
    else:
        x = _recurrent_stack(spec, x, "rnn", sequences_out=spec.topology == "many_to_many")
    if spec.topology == "many_to_one" and spec.read_out == "mean":  # (batch, time, units) in
        x = layers.GlobalAveragePooling1D(name=MEAN_READ_OUT_LAYER)(x)  # masked: words only
    if spec.output_dropout > 0:  # the recurrent outputs the head reads, dropped while training
        x = layers.Dropout(spec.output_dropout, seed=0, name="output_dropout")(x)
    head = _head(spec)
    outputs = layers.TimeDistributed(head, name="head")(x) if len(x.shape) == 3 else head(x)
    return keras.Model(inputs, outputs, name=f"{spec.cell.lower()}_{spec.topology}")


@keras.saving.register_keras_serializable(package="rnnviz")
class WordPairs(layers.Layer):
    """``(batch, time)`` token ids -> ``(batch, time)`` pair ids, as :func:`rnnviz.model.wordpairs.word_pair_ids`."""

    def __init__(self, buckets: int = PAIR_BUCKETS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.buckets = int(buckets)

    def call(self, ids):
        ids = ops.cast(ids, "int32")
        before = ops.pad(ids[:, :-1], [[0, 0], [1, 0]])  # (batch, time)
        hashed = ops.mod(before * PAIR_MULTIPLIER + ids, self.buckets - 1) + 1
        return ops.where(ops.equal(ids, 0), ops.zeros_like(ids), hashed)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "buckets": self.buckets}


def _embedded(spec: ModelSpec, ids):
    """Token ids -> (batch, time, embedding_dim [+ fixed_features] [+ pair_features]): the
    learned embedding, and beside it non-trainable tables (their values set by the task from the
    data, zeros until then): ``spec.fixed_features`` columns per word (``word_features``) and
    ``spec.pair_features`` per word pair (``pair_features``, read at the hashed ids of each word
    with the one before it, ``word_pairs``), joined per word (``with_features``)."""
    x = layers.Embedding(
        spec.vocab_size, spec.embedding_dim, mask_zero=spec.mask_zero, name="embedding"
    )(ids)
    tables = [(spec.vocab_size, spec.fixed_features, FIXED_FEATURES_LAYER, ids)]
    if spec.pair_features:
        pairs = WordPairs(PAIR_BUCKETS, name=PAIR_IDS_LAYER)(ids)  # (batch, time) pair ids
        tables.append((PAIR_BUCKETS, spec.pair_features, PAIR_FEATURES_LAYER, pairs))
    fixed = [
        layers.Embedding(
            rows,
            columns,
            mask_zero=spec.mask_zero,
            embeddings_initializer="zeros",
            trainable=False,
            name=name,
        )(keys)
        for rows, columns, name, keys in tables
        if columns
    ]
    return layers.Concatenate(name=FEATURES_JOIN_LAYER)([x, *fixed]) if fixed else x


def recurrent_layer(spec: ModelSpec, units: int, return_sequences: bool, name: str) -> layers.Layer:
    """One recurrent layer as the spec asks, wrapped in Bidirectional when chosen."""
    options: dict = dict(
        units=units,
        return_sequences=return_sequences,
        stateful=spec.stateful,
        **layer_options(spec),
    )
    cell_class = CELL_CLASSES[spec.cell]
    if not spec.bidirectional:
        return cell_class(name=name, **options)
    return layers.Bidirectional(cell_class(**options), merge_mode=spec.merge_mode, name=name)


def _recurrent_stack(spec: ModelSpec, x, prefix: str, sequences_out: bool):
    sequences_out = sequences_out or (spec.topology == "many_to_one" and spec.read_out == "mean")
    for depth, units in enumerate(spec.units, start=1):
        is_last = depth == spec.depth
        layer = recurrent_layer(spec, units, sequences_out or not is_last, f"{prefix}_{depth}")
        x = layer(x)
    return x


def _head(spec: ModelSpec) -> layers.Dense:
    if spec.head == "binary":
        return layers.Dense(1, activation="sigmoid", name="head")
    if spec.head == "multiclass":
        return layers.Dense(spec.n_outputs, activation="softmax", name="head")
    return layers.Dense(spec.n_outputs, name="head")


def compile_model(model: keras.Model, spec: ModelSpec, train: TrainSpec) -> keras.Model:
    """Compile with the loss and metric that fit the head."""
    optimizers = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    optimizer = optimizers[train.optimizer](
        learning_rate=train.learning_rate, clipnorm=train.clipnorm
    )
    model.compile(optimizer=optimizer, loss=loss_name(spec), metrics=[metric_name(spec)])
    return model


def loss_name(spec: ModelSpec) -> str:
    return {
        "regression": "mse",
        "binary": "binary_crossentropy",
        "multiclass": "sparse_categorical_crossentropy",
    }[spec.head]


def metric_name(spec: ModelSpec) -> str:
    """The metric charted beside the loss: MAE for a forecast, accuracy for a classifier."""
    return "mae" if spec.head == "regression" else "accuracy"


def twin(
    model: keras.Model,
    spec: ModelSpec,
    input_shape: tuple[int, ...] | None = None,
    **changes: object,
) -> keras.Model:
    """The same network and weights built from ``spec`` with ``changes``: stateless (no fixed
    batch size or carried state), the head at every step (``topology="many_to_many"``: a
    ``TimeDistributed`` head holds the same two arrays), a stateful stream of one step, or
    another input length (``input_shape``; by default the model's own)."""
    shape = tuple(input_shape) if input_shape is not None else tuple(model.input_shape[1:])
    copy = build_model(spec.with_(**changes), shape)
    copy.set_weights(model.get_weights())
    return copy


def stateless_twin(model: keras.Model, spec: ModelSpec) -> keras.Model:
    """The model itself, or for a stateful one its :func:`twin` without fixed batch or state."""
    return twin(model, spec, stateful=False) if spec.stateful else model


def is_bidirectional(model: keras.Model) -> bool:
    return any(isinstance(layer, keras.layers.Bidirectional) for layer in model.layers)


def reset_states(model: keras.Model) -> None:
    """Zero the carried state of every stateful recurrent layer."""
    for layer in model.layers:
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
            layer.reset_states()


@dataclass(frozen=True)
class LayerRow:
    name: str
    kind: str
    output_shape: str
    params: int


def layer_table(model: keras.Model) -> list[LayerRow]:
    """Name, type, output shape and parameter count of each layer (as Keras counts them)."""
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if isinstance(layer, layers.Bidirectional):
            kind = f"Bidirectional({type(layer.forward_layer).__name__}, {layer.merge_mode})"
        elif isinstance(layer, layers.TimeDistributed):
            kind = f"TimeDistributed({type(layer.layer).__name__})"
        if not layer.trainable and layer.count_params():
            kind += " (fixed: not trained)"
        shape = layer.output.shape if hasattr(layer, "output") else ()
        rows.append(LayerRow(layer.name, kind, str(tuple(shape)), layer.count_params()))
    return rows


def parameter_counts(model: keras.Model) -> tuple[int, int]:
    """(trainable, fixed) parameters: what training updates, and the weights it leaves as they
    are (e.g. a text model's word-feature table); together Keras's ``count_params()``."""
    trainable = sum(int(math.prod(weight.shape)) for weight in model.trainable_weights)
    return trainable, model.count_params() - trainable


def expected_params(spec: ModelSpec, input_features: int) -> int:
    """Parameter count from the textbook formulas, independent of Keras.

    SimpleRNN: u(d + u + 1); LSTM: 4u(d + u + 1); GRU: 3u(d + u + 1), plus 3u more biases
    with ``reset_after`` (a separate recurrent bias).
    """
    cell = cell_type(spec.cell)
    gates, bias_sets = cell.n_gates, cell.bias_sets(spec)
    directions = 2 if spec.bidirectional else 1
    total = 0
    d = input_features
    if spec.is_text:
        d = spec.embedding_dim + spec.fixed_features + spec.pair_features
        total += spec.vocab_size * (d - spec.pair_features) + PAIR_BUCKETS * spec.pair_features
    stacks = 2 if spec.topology == "encoder_decoder" else 1
    for _ in range(stacks):
        for u in spec.units:
            per_direction = gates * u * (d + u) + (gates * u * bias_sets if spec.use_bias else 0)
            total += directions * per_direction
            d = u * (2 if spec.bidirectional and spec.merge_mode == "concat" else 1)
    head_units = 1 if spec.head == "binary" else spec.n_outputs
    return total + head_units * (d + 1)


def spec_of(model: keras.Model) -> ModelSpec:
    """A best-effort ModelSpec describing a loaded model (cell, units, direction, topology)."""
    recurrent = recurrent_layers(model)
    if not recurrent:
        raise ValueError("The model has no recurrent layer.")
    inner = [getattr(layer, "forward_layer", layer) for layer in recurrent]
    has_repeat = any(isinstance(layer, keras.layers.RepeatVector) for layer in model.layers)
    out_rank = len(model.output_shape)
    topology = (
        "encoder_decoder" if has_repeat else ("many_to_many" if out_rank == 3 else "many_to_one")
    )
    units = tuple(layer.units for layer in inner)
    if has_repeat:
        units = units[: max(1, len(units) // 2)]
    return ModelSpec(
        cell=type(inner[0]).__name__,
        units=units[:4],
        bidirectional=isinstance(recurrent[0], keras.layers.Bidirectional),
        topology=topology,
        horizon=model.output_shape[1] if has_repeat else 1,
    )
