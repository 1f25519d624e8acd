"""Prediction in plain batches, without Keras's input pipeline (no streamlit).

``model.predict`` builds a new ``tf.data`` pipeline and iterator on every call: about 50 ms on
these CPUs whatever the input size, which dominated the saving of a forecast run (a recursive
forecast predicts one step at a time: 40 calls took 2.3 s of a 2.6 s save). The same compiled
predict step, called batch by batch, gives the same values without that cost.
"""

from __future__ import annotations

import keras
import numpy as np

PREDICT_BATCH = 256


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
