"""Issue 22 §6 "Internal messages shown to the user": a page says what was wrong with the
user's file or setting in plain words; Keras's, h5py's, TensorFlow's and Python's own text
goes to the log. One crafted case per place that used to show an exception's text."""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile

import keras
import numpy as np
import pytest

from rnnviz.common.csvread import MAX_UPLOAD_BYTES, DataError, check_upload_size
from rnnviz.common.messages import INTERNAL_TEXT, looks_internal, os_reason, user_message
from rnnviz.model.upload import ModelFileError, load_uploaded_model
from rnnviz.train.runs import RunStore
from rnnviz.train.training import training_failure
from tests.fixtures.hostile_models import pack, tiny_model_files, with_config
from tests.pages.helpers import open_page
from tests.pages.test_hardening import saved_run

# What betrays internals: exception class names, tracebacks, library names, venv paths.
TELLTALES = re.compile(
    INTERNAL_TEXT.pattern
    + r"|Error\(|Exception encountered|\.py\b|/\.venv/|site-packages|\{'|<class|\bconfig=",
)


def assert_plain(text: str) -> None:
    assert text.strip(), "no message shown"
    assert not TELLTALES.search(text), text


# -- the rule -----------------------------------------------------------------------------------


def keras_error() -> Exception:
    """What Keras raises for an input without a time axis ("Input 0 of layer "lstm" is
    incompatible with the layer: expected ndim=3, found ndim=2")."""
    try:
        keras.layers.LSTM(4)(np.zeros((2, 3), "float32"))
    except ValueError as error:
        return error
    raise AssertionError("Keras took a 2-D input")


def test_rnnviz_messages_pass_and_library_text_is_replaced_and_logged(caplog):
    try:
        check_upload_size(b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv")
    except DataError as error:
        assert user_message(error, "fallback") == str(error)
    error = keras_error()
    assert looks_internal(f"{type(error).__name__}: {error}")
    with caplog.at_level(logging.WARNING, logger="rnnviz"):
        assert user_message(error, "A plain sentence.") == "A plain sentence."
    assert type(error).__name__ in caplog.text  # the detail is in the log
    assert user_message(KeyError("No saved run 'x'."), "f") == "f"  # not raised in rnnviz
    assert user_message(AttributeError("'NoneType' object has no attribute 'shape'"), "f") == "f"
    assert os_reason(PermissionError(13, "Permission denied", "/x")) == "Permission denied"


def test_training_that_fails_inside_keras_says_what_to_try():
    assert "ran out of memory" in training_failure(MemoryError())
    message = training_failure(keras_error())
    assert_plain(message)
    assert "Try fewer units" in message


# -- crafted model files ------------------------------------------------------------------------


def lstm_changed(folder, **settings) -> bytes:
    """The tiny model with its LSTM's config changed to ``settings``."""
    files = tiny_model_files(folder)
    config = json.loads(files["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "LSTM":
            layer["config"].update(settings)
    return with_config(files, config)


def unknown_argument(folder) -> bytes:
    """Keras: "Unrecognized keyword arguments passed to LSTM: {'bogus_option': 3}"."""
    return lstm_changed(folder, bogus_option=3)


def unknown_activation(folder) -> bytes:
    """Keras: "Could not interpret activation function identifier: nonexistent_fn"."""
    return lstm_changed(folder, activation="nonexistent_fn")


def text_dropout(folder) -> bytes:
    """Keras: "<class 'keras.src.models.sequential.Sequential'> could not be deserialized
    properly. Please ensure that components ... config={'module': 'keras', ..."."""
    return lstm_changed(folder, dropout="half")


def text_units(folder) -> bytes:
    """rnnviz's own size check met a string: it used to show ``ValueError("units='four'")``."""
    return lstm_changed(folder, units="four")


def weights_not_hdf5(folder) -> bytes:
    """model.weights.h5 replaced by text: h5py says "Unable to synchronously open file"."""
    return pack({**tiny_model_files(folder), "model.weights.h5": b"not hdf5 " * 500})


def crc_damaged(folder) -> bytes:
    """One byte of the stored weights flipped: the zip's checksum fails."""
    raw = bytearray(pack_stored(tiny_model_files(folder)))  # stored: the bytes are the file's
    at = raw.find(b"\x89HDF") + 600
    raw[at] ^= 0xFF
    return bytes(raw)


def pack_stored(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CRAFTED = {  # each with words the message must say
    "unknown-argument": (unknown_argument, "setting Keras 3 does not know ('bogus_option')"),
    "unknown-activation": (unknown_activation, "unknown activation, 'nonexistent_fn'"),
    "text-dropout": (text_dropout, "save it again"),
    "text-units": (text_units, "units='four'"),
    "weights-not-hdf5": (weights_not_hdf5, "not an HDF5 weights file"),
    "crc-damaged": (crc_damaged, "damaged"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_model_file_gets_a_plain_message_on_the_runs_page(name, tmp_path, store):
    craft, words = CRAFTED[name]
    raw = craft(tmp_path)
    with pytest.raises(ModelFileError) as refused:
        load_uploaded_model(raw)
    assert_plain(str(refused.value))
    assert words in str(refused.value)
    at = open_page("pages/common/runs.py")
    at.get("file_uploader")[0].set_value((f"{name}.keras", raw, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    assert_plain(at.error[0].value)


# -- the run store ------------------------------------------------------------------------------


def test_damaged_run_records_and_models_are_described_plainly(store: RunStore, tmp_path):
    good = saved_run(store)
    broken = store.root / "20990101-000000-json"
    broken.mkdir()
    (broken / "run.json").write_text("{'not': json")  # Python's "Expecting property name"
    (broken / "model.keras").write_bytes((good.path / "model.keras").read_bytes())
    at = open_page("pages/common/runs.py")
    assert not at.exception
    warnings = [w.value for w in at.warning if "Skipped" in w.value]
    assert len(warnings) == 1 and "it is damaged" in warnings[0]
    assert_plain(warnings[0])
    (good.path / "model.keras").write_bytes(text_dropout(tmp_path))
    with pytest.raises(Exception) as refused:  # noqa: PT011 - RunError: whatever Keras says
        RunStore(store.root).load_model(good.run_id)
    assert_plain(str(refused.value))
