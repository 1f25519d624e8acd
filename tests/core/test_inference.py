"""Batched prediction gives what Keras's own predict gives."""

import keras
import numpy as np
import pytest

from rnnviz.model.inference import predict, predict_few


def _tiny_lstm(seed: int = 3) -> keras.Model:
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((5, 2))  # (time, features)
    hidden = keras.layers.LSTM(4, return_sequences=True)(inputs)
    return keras.Model(inputs, keras.layers.Dense(3)(hidden))  # (batch, time, 3)


def test_predict_in_chunks_equals_keras_predict():
    model = _tiny_lstm()
    x = np.random.default_rng(0).normal(size=(11, 5, 2)).astype("float32")  # 11 = 4 + 4 + 3
    expected = model.predict(x, batch_size=32, verbose=0)
    got = predict(model, x, batch_size=4)
    assert got.shape == (11, 5, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_predict_refuses_no_rows():
    with pytest.raises(ValueError, match="at least one"):
        predict(_tiny_lstm(), np.zeros((0, 5, 2), "float32"))


def test_predict_few_replays_a_few_rows_in_numpy_as_keras_predicts(monkeypatch):
    model = _tiny_lstm()
    x = np.random.default_rng(1).normal(size=(3, 5, 2)).astype("float32")
    expected = model.predict(x, verbose=0)
    monkeypatch.setattr(model, "predict_on_batch", None)  # Keras is not called
    np.testing.assert_allclose(predict_few(model, x), expected, rtol=1e-5, atol=1e-6)


def test_predict_few_falls_back_to_keras_for_a_stateful_model():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((5, 2), batch_size=2)
    hidden = keras.layers.LSTM(4, stateful=True)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    x = np.ones((2, 5, 2), "float32")
    first = predict_few(model, x)  # the carried state changes the second answer: Keras ran
    assert not np.allclose(predict_few(model, x), first)
