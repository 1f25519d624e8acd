"""Prediction in plain batches, without Keras's input pipeline (no streamlit).

``model.predict`` builds a new ``tf.data`` pipeline and iterator on every call: about 50 ms on
these CPUs whatever the input size, which dominated the saving of a forecast run (a recursive
forecast predicts one step at a time: 40 calls took 2.3 s of a 2.6 s save). The same compiled
predict step, called batch by batch, gives the same values without that cost.
"""

from __future__ import annotations

import keras
import numpy as np

from rnnviz.model.probes import outputs

PREDICT_BATCH = 256
REPLAY_ROWS = 256  # at most this many rows are replayed in NumPy by predict_few


def predict(model: keras.Model, x: np.ndarray, batch_size: int = PREDICT_BATCH) -> np.ndarray:
    """The model's outputs for ``x`` (what ``model.predict`` returns), ``batch_size`` rows at a
    time; ``x`` must hold at least one row."""
    if len(x) == 0:
        raise ValueError("predict needs at least one input row")
    chunks = [
        keras.ops.convert_to_numpy(model.predict_on_batch(x[i : i + batch_size]))
        for i in range(0, len(x), batch_size)
    ]  # each (batch, ...) in input order
    return np.concatenate(chunks, axis=0)


def predict_few(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """:func:`predict` for the few rows an Inspect widget asks about (a typed sentence, a
    passage, one test sequence): replayed in NumPy from the weights when the model allows it
    (stateless, layers :func:`rnnviz.model.probes.outputs` knows), so a new input costs
    milliseconds instead of tracing a TensorFlow function for its shape (issue 19); else
    Keras's own prediction. The two agree to float32 rounding."""
    stateful = any(getattr(layer, "stateful", False) for layer in model.layers)
    if 0 < len(x) <= REPLAY_ROWS and not stateful:
        replayed = outputs(model, x)
        if replayed is not None:
            return replayed
    return predict(model, x)
