"""Uploaded ``.keras`` files: checked before Keras reads them, then loaded in safe mode.

A ``.keras`` file is a zip archive (``metadata.json``, ``config.json``, ``model.weights.h5``).
Anything a user uploads is checked in this order, each step bounded in time and memory:

1. size, and plainly-not-a-model files (empty, HDF5, not a zip, a zip cut short);
2. the zip's directory, from its sizes alone, before any member is inflated: the directory's
   size, the number of members, their names, their declared sizes and compression ratios (a
   zip bomb is refused here, in milliseconds);
3. the members' checksums (streamed in 1 MiB chunks) and ``config.json`` (read with a limit):
   Lambda layers, implausibly large layers, and what building the model would allocate (layer
   count, parameters, largest tensor: :mod:`rnnviz.model.limits`);
4. ``model.weights.h5`` in a separate, memory-limited process (:mod:`rnnviz.model.weights_check`):
   every dataset's declared shape and type against the configuration, then read once;
5. Keras's own loader (safe mode, uncompiled), then: does the model have a recurrent layer that
   rnnviz can inspect?

Steps 1-4 are :func:`vet_model_file`, which the run store applies to its saved models too.

Every refusal is a :class:`ModelFileError` whose message can be shown as it is. No streamlit.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from rnnviz.common.csvread import MAX_UPLOAD_BYTES, size_over_limit
from rnnviz.common.messages import user_message
from rnnviz.model.cells import CELL_NAMES
from rnnviz.model.limits import ModelLimitError, WeightPlan, weight_plan
from rnnviz.model.weights_check import check_weights

MIB = 1024 * 1024
MAX_DIRECTORY_BYTES = 1 * MIB  # a Keras archive's zip directory is a few hundred bytes
MAX_MEMBERS = 1000
MAX_UNPACKED_BYTES = 256 * MIB  # every member together, as declared in the directory
UPLOAD_LIMIT = "upload limit"
STORE_LIMIT = "limit for a model file in the run store"
MAX_CONFIG_BYTES = 1 * MIB  # a 64-layer model's configuration is about 200 KB
MAX_RATIO = 50  # inflated / compressed size, for members over RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1 * MIB  # small members (configs, tiny weight files) compress very well
MAX_LAYER_SIZE = 4096  # units, filters, output dimensions
MAX_EMBEDDING_ROWS = 2_000_000
MAX_EMBEDDING_VALUES = 64_000_000  # input_dim x output_dim
SIZE_KEYS = ("units", "filters", "output_dim", "key_dim", "num_heads")
SUPPORTED_CELLS = CELL_NAMES  # every cell rnnviz knows (one entry each in rnnviz.model.cells)
EOCD = b"PK\x05\x06"  # end of central directory record
EOCD_SIZE = 22
TAIL_BYTES = 65_536 + EOCD_SIZE  # the end record lies within this many bytes of the end
WEIGHTS_FILE = "model.weights.h5"


DAMAGED = (
    "The .keras archive is damaged and cannot be read. Save the model again with "
    "model.save('model.keras') and upload the new file."
)
NOT_REBUILT = (
    "Keras could not rebuild a model from this file: it was edited, or saved by a Keras version "
    "or with layers rnnviz does not read. Load it in Keras 3, save it again with "
    "model.save('model.keras') and upload that file."
)


class ModelFileError(ValueError):
    """An uploaded model file that rnnviz cannot use, with a message fit to show on the page."""


def load_uploaded_model(raw: bytes):
    """A user's ``.keras`` file as a Keras model (safe mode, uncompiled).

    Raises :class:`ModelFileError` with a plain message for an empty, oversized or non-Keras
    file, a damaged archive or a zip bomb, unsafe or custom code (Lambda layers, custom objects),
    implausibly large layers, a model without a recurrent layer rnnviz can inspect, or any other
    failure to load.
    """
    _check_file(raw[:8], len(raw))
    import keras

    import rnnviz.model.builder  # noqa: F401 (registers rnnviz's own layers: WordPairs)

    with tempfile.TemporaryDirectory(prefix="rnnviz-upload-") as folder:
        path = Path(folder, "uploaded.keras")
        path.write_bytes(raw)
        vet_model_file(path)
        try:
            model = keras.models.load_model(path, compile=False, safe_mode=True)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            raise ModelFileError(_load_failure_message(error)) from error
    if not isinstance(model, keras.Model):
        raise ModelFileError("The file holds a single layer, not a model.")
    _check_recurrent_layers(model)
    return model


# ---------------------------------------------------------------------------------------------
# Before Keras


def vet_model_file(
    path: Path, max_bytes: int = MAX_UPLOAD_BYTES, limit_name: str = UPLOAD_LIMIT
) -> None:
    """Every check short of Keras on the ``.keras`` file at ``path`` (at most ``max_bytes``,
    called ``limit_name`` when refused): the archive and its configuration here, the weights in
    a memory-limited child process. Raises :class:`ModelFileError`; once it returns, Keras may
    load the file."""
    with open(path, "rb") as handle:
        plan = check_archive(handle, max_bytes, limit_name)
        try:
            with tempfile.TemporaryDirectory(prefix="rnnviz-weights-") as folder:
                weights = Path(folder, WEIGHTS_FILE)
                with zipfile.ZipFile(handle) as archive, archive.open(WEIGHTS_FILE) as member:
                    with open(weights, "wb") as out:
                        shutil.copyfileobj(member, out, MIB)  # its size was checked
                check_weights(weights, plan)
        except ModelLimitError as error:
            raise ModelFileError(str(error)) from None
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as error:
            raise ModelFileError(user_message(error, DAMAGED)) from None


def check_archive(
    source: bytes | BinaryIO, max_bytes: int = MAX_UPLOAD_BYTES, limit_name: str = UPLOAD_LIMIT
) -> WeightPlan:
    """Refuse what is not a ``.keras`` archive rnnviz may open, before anything inflates it;
    ``source`` is the file's bytes or a seekable binary file. Returns what building the model
    would allocate."""
    handle = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    size = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    _check_file(handle.read(8), size, max_bytes, limit_name)
    handle.seek(max(0, size - TAIL_BYTES))
    _check_directory_size(handle.read(TAIL_BYTES))
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            _check_members(members)
            names = {member.filename for member in members}
            if "config.json" not in names or WEIGHTS_FILE not in names:
                raise ModelFileError(
                    "This zip archive is not a Keras model: it lacks config.json or the weights "
                    "(model.weights.h5). Save the model with model.save('model.keras')."
                )
            broken = archive.testzip()  # streams 1 MiB at a time; sizes are capped above
            config = archive.open("config.json").read(MAX_CONFIG_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError) as error:
        raise ModelFileError(user_message(error, DAMAGED)) from None
    except NotImplementedError:  # an unknown compression method
        raise ModelFileError(
            "The .keras archive uses a compression method Keras does not write."
        ) from None
    if broken is not None:
        raise ModelFileError(f"The .keras archive is damaged: '{broken}' is corrupt.")
    return _check_config(config)


def _check_file(
    head: bytes, size: int, max_bytes: int = MAX_UPLOAD_BYTES, limit_name: str = UPLOAD_LIMIT
) -> None:
    """The file's size and its first bytes (``head``)."""
    if not size:
        raise ModelFileError("The file is empty.")
    if size > max_bytes:
        raise ModelFileError(f"The file is {size_over_limit(size, max_bytes, limit_name)}.")
    if head.startswith(b"\x89HDF"):
        raise ModelFileError(
            "This is an HDF5 (.h5) file from older Keras versions. Load it in Keras and save it "
            "again with model.save('model.keras'), then upload that file."
        )
    if not head.startswith(b"PK"):
        raise ModelFileError(
            "This is not a Keras model file: a .keras file is a zip archive made by "
            "model.save('model.keras')."
        )


def _check_directory_size(tail: bytes) -> None:
    """The zip directory's size, read from the end record (in the file's last bytes, ``tail``):
    zipfile would parse all of it."""
    start = tail.rfind(EOCD)
    if start < 0 or start + EOCD_SIZE > len(tail):
        _not_a_whole_zip()
    entries, directory_bytes = struct.unpack("<HI", tail[start + 10 : start + 16])
    if entries > MAX_MEMBERS or directory_bytes > MAX_DIRECTORY_BYTES:
        raise ModelFileError(
            f"The archive lists {entries:,} files in a {directory_bytes:,}-byte directory: a "
            ".keras file holds three. rnnviz does not open it."
        )


def _not_a_whole_zip() -> None:
    raise ModelFileError(
        "The file starts like a .keras archive but is incomplete or damaged (was the upload "
        "cut short?). Save the model again and upload the new file."
    )


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    """Names, count, declared sizes and compression ratios: nothing is inflated yet."""
    if len(members) > MAX_MEMBERS:
        raise ModelFileError(f"The archive holds {len(members):,} files; a .keras file holds 3.")
    total = 0
    for member in members:
        path = PurePosixPath(member.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or ":" in member.filename:
            raise ModelFileError(
                f"The archive holds a file with an unsafe path ({member.filename[:80]!r}): "
                "rnnviz does not open it."
            )
        total += member.file_size
        ratio = member.file_size / max(1, member.compress_size)
        if member.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise ModelFileError(
                f"'{member.filename[:80]}' would inflate {ratio:,.0f}-fold to "
                f"{member.file_size / MIB:,.0f} MB: this looks like a zip bomb, not a model."
            )
        if member.filename == "config.json" and member.file_size > MAX_CONFIG_BYTES:
            raise ModelFileError(
                f"config.json is {member.file_size / MIB:,.0f} MB; a model's configuration takes "
                "a few kilobytes. rnnviz does not open it."
            )
    if total > MAX_UNPACKED_BYTES:
        raise ModelFileError(
            f"The archive would unpack to {total / MIB:,.0f} MB (the limit is "
            f"{MAX_UNPACKED_BYTES // MIB} MB): too large to inspect here."
        )


def _check_config(config: bytes) -> WeightPlan:
    """Lambda layers, oversized layers, and what building the model would allocate."""
    if len(config) > MAX_CONFIG_BYTES:
        raise ModelFileError("config.json is larger than its directory entry says: damaged.")
    try:
        tree = json.loads(config)
    except (ValueError, UnicodeDecodeError):
        raise ModelFileError("config.json is not valid JSON: the file is damaged.") from None
    except RecursionError:
        raise ModelFileError("config.json is nested too deeply to be a model.") from None
    if _uses_lambda(tree):
        raise ModelFileError(
            "The model contains a Lambda layer, which runs arbitrary Python code; rnnviz loads "
            "models in safe mode and refuses it. Replace the Lambda layer with built-in layers."
        )
    oversized = _oversized_layer(tree)
    if oversized:
        raise ModelFileError(
            f"The model declares {oversized}: too large to build and inspect here "
            f"(at most {MAX_LAYER_SIZE:,} units per layer)."
        )
    try:
        return weight_plan(tree)
    except ModelLimitError as error:
        raise ModelFileError(str(error)) from None


def _walk(tree: object):
    """Every dict and list inside a parsed JSON tree (iteratively: no recursion limit)."""
    pending = [tree]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            yield item
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _uses_lambda(tree: object) -> bool:
    """Whether a model's parsed ``config.json`` contains a Lambda layer anywhere."""
    return any(item.get("class_name") == "Lambda" for item in _walk(tree))


def _oversized_layer(tree: object) -> str | None:
    """A description of the first layer setting that would allocate implausibly much memory."""
    for item in _walk(tree):
        for key in SIZE_KEYS:
            value = item.get(key)
            if _is_int(value) and value > MAX_LAYER_SIZE:
                return f"{key}={value:,}"
        rows, width = item.get("input_dim"), item.get("output_dim")
        if _is_int(rows) and rows > MAX_EMBEDDING_ROWS:
            return f"input_dim={rows:,}"
        if _is_int(rows) and _is_int(width) and rows * width > MAX_EMBEDDING_VALUES:
            return f"an embedding of {rows:,} x {width:,}"
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# After Keras


def _load_failure_message(error: Exception) -> str:
    """Keras's refusal in plain words: what is wrong with the file and what to do (Keras's own
    text is logged, not shown)."""
    text = " ".join(str(error).split())
    if isinstance(error, zipfile.BadZipFile) or "CRC" in text:
        return user_message(error, DAMAGED)
    if "lambda" in text.lower() or "safe_mode" in text:
        return (
            "The model contains code that cannot be loaded safely (for example a Lambda layer); "
            "rnnviz loads models in safe mode and refuses it."
        )
    unknown = re.search(r"Could not locate (?:class|function) '([^']+)'", text)
    if unknown or "custom_objects" in text or "register_keras_serializable" in text:
        name = f" ('{unknown.group(1)}')" if unknown else ""
        return (
            f"The model uses a custom layer or object{name} that rnnviz does not know; only "
            "models made of built-in Keras layers can be loaded."
        )
    unknown_setting = re.search(r"Unrecognized keyword arguments passed to (\w+): \{'(\w+)'", text)
    if unknown_setting:
        layer, setting = unknown_setting.groups()
        return (
            f"config.json gives the {layer} layer a setting Keras 3 does not know "
            f"('{setting[:40]}'). {NOT_REBUILT}"
        )
    unknown_name = re.search(
        r"Could not interpret (\w+)(?: function)? identifier: ([\w.-]{1,40})$", text
    )
    if unknown_name:
        return f"config.json names an unknown {unknown_name[1]}, '{unknown_name[2]}'. {NOT_REBUILT}"
    layer = re.search(r"[Ll]ayer '([^']{1,80})'", text)
    if layer and re.search(r"variables|weights|shape", text):
        return user_message(
            error,
            f"The weights in the file do not fit its layer '{layer[1]}': the file was edited, "
            "or saved incompletely. Save the model again with model.save('model.keras') and "
            "upload the new file.",
        )
    return user_message(error, NOT_REBUILT)


def recurrent_layers(model) -> list:
    """The model's top-level recurrent layers rnnviz can inspect: SimpleRNN, LSTM and GRU
    layers, alone or inside Bidirectional."""
    from keras import layers

    supported = tuple(getattr(layers, name) for name in SUPPORTED_CELLS)
    found = []
    for layer in model.layers:
        inner = layer.forward_layer if isinstance(layer, layers.Bidirectional) else layer
        if type(inner) in supported:
            found.append(layer)
    return found


def _check_recurrent_layers(model) -> None:
    """Refuse a model Inspect could not read, naming what it has instead."""
    from keras import layers

    if recurrent_layers(model):
        return
    generic = [layer for layer in _all_layers(model) if isinstance(layer, layers.RNN)]
    if any(type(layer) is layers.RNN for layer in generic):
        cell = type(next(layer for layer in generic if type(layer) is layers.RNN).cell).__name__
        raise ModelFileError(
            f"The model wraps a {cell} in a generic keras.layers.RNN layer, which rnnviz cannot "
            "inspect. Build it with keras.layers.LSTM, GRU or SimpleRNN (e.g. RNN(LSTMCell(n)) is "
            "LSTM(n), with the same weights) and save it again."
        )
    if generic:
        raise ModelFileError(
            f"The model's recurrent layer ({type(generic[0]).__name__}) is not one rnnviz can "
            "inspect: only SimpleRNN, LSTM and GRU layers at the top level of the model (alone "
            "or inside Bidirectional) are supported."
        )
    raise ModelFileError(
        "The model has no recurrent layer (SimpleRNN, LSTM or GRU): it is not supported, as "
        "rnnviz inspects recurrent networks."
    )


def _all_layers(model) -> list:
    """Every layer, inside wrappers and nested models too."""
    from keras import layers

    found, pending = [], list(model.layers)
    while pending:
        layer = pending.pop()
        found.append(layer)
        inner = getattr(layer, "layer", None)  # TimeDistributed and other wrappers
        if isinstance(inner, layers.Layer):
            pending.append(inner)
        if isinstance(layer, layers.Bidirectional):
            pending.append(layer.forward_layer)
        pending.extend(getattr(layer, "layers", []) or [])  # nested models
    return found
