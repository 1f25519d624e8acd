"""Uploaded .keras files: refused before Keras reads them when hostile, loaded when sound."""

from __future__ import annotations

import io
import json
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from rnnviz.model.builder import build_model, spec_of
from rnnviz.model.spec import ModelSpec
from rnnviz.model.upload import (
    MAX_CONFIG_BYTES,
    ModelFileError,
    check_archive,
    load_uploaded_model,
    recurrent_layers,
)


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(1)
    return build_model(ModelSpec(cell="GRU", units=(4,), bidirectional=True), (6, 1))


def keras_bytes(model: keras.Model, tmp_path: Path, name: str = "m.keras") -> bytes:
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def bomb(inflated_mib: int, member: str = "config.json") -> bytes:
    """A small .keras-looking archive whose ``member`` inflates to ``inflated_mib`` MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", b"{}")
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mib):
                handle.write(chunk)
        if member != "model.weights.h5":
            archive.writestr("model.weights.h5", b"\x89HDF")
    return buffer.getvalue()


def refused_quickly(raw: bytes, message: str) -> None:
    """The upload is refused with ``message`` in under a second, using little memory."""
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=message):
        load_uploaded_model(raw)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    assert peak < 4 * len(raw) + 16 * 1024 * 1024, peak  # never the inflated size


def test_uploaded_recurrent_model_loads(tmp_path, model):
    loaded = load_uploaded_model(keras_bytes(model, tmp_path))
    x = np.random.default_rng(0).normal(size=(2, 6, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    sequential = keras.Sequential(
        [keras.Input((5, 2)), keras.layers.LSTM(3), keras.layers.Dense(1)]
    )
    assert isinstance(
        load_uploaded_model(keras_bytes(sequential, tmp_path, "s.keras")), keras.Model
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)), "not a Keras"),
        (b"\x89HDF\r\n\x1a\n" + b"\x00" * 100, "HDF5"),
        (_zip({"notes.txt": b"hello"}), "not a Keras model"),
        (_zip({"config.json": b"{}", "model.weights.h5": b"x"}), "does not describe a Keras model"),
        (_zip({"../evil.txt": b"x", "config.json": b"{}"}), "unsafe path"),
        (_zip({"config.json": b"[" * 100_000, "model.weights.h5": b"x"}), "nested too deeply"),
        (b"PK\x03\x04" + b"\x00" * (21 * 1024 * 1024), "over the 20 MB upload limit"),
    ],
    ids=[
        "empty",
        "random-bytes",
        "h5",
        "zip-without-model",
        "zip-with-junk",
        "path-traversal",
        "deep-json",
        "too-big",
    ],
)
def test_unusable_uploads_raise_a_plain_message(raw, message):
    with pytest.raises(ModelFileError, match=message):
        load_uploaded_model(raw)


def test_damaged_archive_is_reported(tmp_path, model):
    good = keras_bytes(model, tmp_path)
    with pytest.raises(ModelFileError, match="incomplete or damaged"):
        load_uploaded_model(good[: len(good) // 2])
    corrupt = bytearray(good)
    corrupt[100:160] = b"x" * 60  # inside the first member's data: its checksum fails
    with pytest.raises(ModelFileError, match="damaged"):
        load_uploaded_model(bytes(corrupt))


def test_a_config_bomb_is_refused_before_anything_inflates():
    raw = bomb(64)  # config.json of 64 MiB of spaces, about 64 KB compressed
    assert len(raw) < 200_000
    refused_quickly(raw, "zip bomb")


def test_a_weights_bomb_is_refused_by_its_ratio():
    refused_quickly(bomb(64, "model.weights.h5"), "inflate .*-fold")


def test_a_directory_that_lies_about_sizes_is_refused():
    """Declared sizes bound inflation (zipfile stops reading a member at its declared size), so a
    huge declared size is refused unread."""
    raw = bytearray(_zip({"config.json": b"{}", "model.weights.h5": b"w" * 100}))
    directory = raw.rfind(b"PK\x01\x02")  # the last central directory entry: the weights
    raw[directory + 24 : directory + 28] = struct.pack("<I", 3_000_000_000)
    refused_quickly(bytes(raw), "to 2,861 MB")


def test_a_huge_directory_is_refused_before_it_is_parsed():
    raw = _zip({f"f{i}": b"" for i in range(1500)} | {"config.json": b"{}"})
    refused_quickly(raw, "lists 1,501 files")


def test_config_json_over_its_cap_is_refused():
    config = b" " * (MAX_CONFIG_BYTES + 10)
    raw = _zip({"config.json": config, "model.weights.h5": b"x"})  # stored: no ratio
    with pytest.raises(ModelFileError, match="config.json is 1 MB"):
        check_archive(raw)


def test_an_implausibly_large_layer_is_refused_before_keras_builds_it(tmp_path):
    inputs = keras.Input((5, 2))
    raw = keras_bytes(keras.Model(inputs, keras.layers.LSTM(3)(inputs)), tmp_path)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    text = json.dumps(config).replace('"units": 3', '"units": 1000000')
    raw = _zip({**files, "config.json": text.encode()})
    refused_quickly(raw, "units=1,000,000")


def test_lambda_layer_is_refused(tmp_path):
    inputs = keras.Input((5, 2))
    x = keras.layers.LSTM(3)(inputs)
    x = keras.layers.Lambda(lambda t: t * 2)(x)
    raw = keras_bytes(keras.Model(inputs, keras.layers.Dense(1)(x)), tmp_path)
    with pytest.raises(ModelFileError, match="Lambda"):
        load_uploaded_model(raw)


def test_custom_layer_is_refused(tmp_path):
    @keras.saving.register_keras_serializable(package="rnnviz_test_only")
    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2

    inputs = keras.Input((5, 2))
    outputs = keras.layers.Dense(1)(Twice()(keras.layers.GRU(3)(inputs)))
    raw = keras_bytes(keras.Model(inputs, outputs), tmp_path)
    keras.saving.get_custom_objects().pop("rnnviz_test_only>Twice")
    with pytest.raises(ModelFileError, match="custom layer or object"):
        load_uploaded_model(raw)


def test_model_without_recurrent_layer_is_refused(tmp_path):
    inputs = keras.Input((4,))
    raw = keras_bytes(keras.Model(inputs, keras.layers.Dense(1)(inputs)), tmp_path)
    with pytest.raises(ModelFileError, match="no recurrent layer"):
        load_uploaded_model(raw)


def test_generic_rnn_of_a_cell_is_refused_at_upload(tmp_path):
    """RNN(LSTMCell) loads in Keras, but Inspect reads LSTM/GRU/SimpleRNN layers only."""
    inputs = keras.Input((5, 2))
    outputs = keras.layers.Dense(1)(keras.layers.RNN(keras.layers.LSTMCell(3))(inputs))
    raw = keras_bytes(keras.Model(inputs, outputs), tmp_path)
    with pytest.raises(ModelFileError, match=r"LSTMCell in a generic keras.layers.RNN.*LSTM\(n\)"):
        load_uploaded_model(raw)


def test_recurrent_layer_inside_a_nested_model_is_refused(tmp_path):
    inner = keras.Sequential([keras.Input((5, 2)), keras.layers.GRU(3)])
    inputs = keras.Input((5, 2))
    raw = keras_bytes(keras.Model(inputs, keras.layers.Dense(1)(inner(inputs))), tmp_path)
    with pytest.raises(ModelFileError, match="top level"):
        load_uploaded_model(raw)


def test_every_accepted_model_has_a_spec_for_inspect(tmp_path, model):
    loaded = load_uploaded_model(keras_bytes(model, tmp_path))
    assert [type(layer).__name__ for layer in recurrent_layers(loaded)] == ["Bidirectional"]
    spec = spec_of(loaded)
    assert spec.cell == "GRU" and spec.bidirectional and spec.units == (4,)
