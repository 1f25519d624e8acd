"""The recurrent sequence autoencoder: encoder RNN -> code -> decoder RNN -> the window again.

Its settings live in ``ModelSpec.options``: ``code_size`` (the code's length), ``decoder``
("repeat": the code repeated at every step is the decoder's input; "state": the code, mapped by
a Dense layer per state, is every decoder layer's initial state and the input is zero) and
``reverse`` (the decoder rebuilds the window back to front, the order of Srivastava et al. 2015:
the last steps read are the first rebuilt, which makes the model far easier to train).

Layer names: ``encoder_1..k`` (the Build page's cell, units, direction and dropout), ``code``
(Dense, linear), ``repeat`` (RepeatVector), ``zeros`` and ``state_<layer>_<k>`` (the "state"
decoder only), ``decoder_1..k`` (the encoder's units in reverse order, one direction) and
``reconstruction`` (a Dense per step back to the features).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from rnnviz.model.builder import recurrent_layer
from rnnviz.model.cells import cell_type
from rnnviz.model.inference import PREDICT_BATCH, predict
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.anomaly.options import option


def build_autoencoder(spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
    """The uncompiled autoencoder of windows ``(batch, size, features)``."""
    size, n_features = input_shape
    inputs = keras.Input(shape=(size, n_features), name="input")
    x = inputs
    for depth, units in enumerate(spec.units, start=1):
        last = depth == spec.depth
        x = recurrent_layer(spec, units, not last, f"encoder_{depth}")(x)  # (batch, [size,] u)
    code = layers.Dense(int(option(spec, "code_size")), name="code")(x)  # (batch, code_size)
    decoder_spec = spec.with_(bidirectional=False, stateful=False)
    decoder_units = spec.units[::-1]
    if option(spec, "decoder") == "repeat":
        y = layers.RepeatVector(size, name="repeat")(code)  # (batch, size, code_size)
        states: list = [None] * len(decoder_units)
    else:
        zero = layers.Dense(
            1, use_bias=False, kernel_initializer="zeros", trainable=False, name="zeros"
        )(code)  # (batch, 1): always 0
        y = layers.RepeatVector(size, name="repeat")(zero)  # (batch, size, 1)
        n_states = len(cell_type(spec.cell).states)
        states = [
            [
                layers.Dense(units, activation="tanh", name=f"state_{depth}_{k}")(code)
                for k in range(1, n_states + 1)
            ]  # each (batch, units)
            for depth, units in enumerate(decoder_units, start=1)
        ]
    for depth, (units, state) in enumerate(zip(decoder_units, states, strict=True), start=1):
        layer = recurrent_layer(decoder_spec, units, True, f"decoder_{depth}")
        y = layer(y, initial_state=state)  # (batch, size, units)
    outputs = layers.TimeDistributed(layers.Dense(n_features), name="reconstruction")(y)
    return keras.Model(inputs, outputs, name=f"{spec.cell.lower()}_autoencoder")


def reconstruct(model: keras.Model, spec: ModelSpec, x: np.ndarray) -> np.ndarray:
    """The model's rebuilt windows ``(n, size, features)`` in time order."""

    rebuilt = np.asarray(predict(model, x.astype(np.float32), PREDICT_BATCH), np.float32)
    return rebuilt[:, ::-1] if option(spec, "reverse") else rebuilt


def encode(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """The codes ``(n, code_size)`` of windows ``x``."""

    encoder = keras.Model(model.inputs, model.get_layer("code").output)
    return np.asarray(predict(encoder, x.astype(np.float32), PREDICT_BATCH), np.float32)
