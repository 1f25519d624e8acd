"""The sequences task's export: a saved run as a standalone Keras script (rnnviz/export/template.py
with this task's code, settings and data)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.export.codegen import (
    GENERATED,
    INDENT,
    LINE_LENGTH,
    docstring,
    model_kind,
    model_settings,
    render,
    train_settings,
)
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.sequences.data import BUILTIN_SEQUENCES, load_builtin_sequences

if TYPE_CHECKING:
    from rnnviz.tasks.sequences.task import SequencesData


def sequences_script(data: SequencesData, model_spec: ModelSpec, train_spec: TrainSpec) -> str:
    """A standalone script that trains ``model_spec`` on the same splits of a sequence set (built
    in, or an upload the run keeps): its raw values and split rows embedded, scaled and padded in
    the script as rnnviz does."""

    if data.key in BUILTIN_SEQUENCES:
        dataset = load_builtin_sequences(data.key)
    elif data.source is not None:
        dataset = data.source
    else:
        raise ValueError("sequences_script needs the sequences (a built-in set or an upload).")
    if model_spec.head != "multiclass" or model_spec.is_text:
        raise ValueError("sequences_script exports sequence classifiers (a softmax head).")
    if model_spec.mask_value != data.prepared.mask_value:
        raise ValueError("The model's mask value differs from the data's padding value.")
    prepared = data.prepared
    steps, features = prepared.input_shape
    settings = {
        "TASK": "sequences",
        "DATASET": data.key or data.name,
        "STEPS": steps,
        "FEATURES": features,
        "SCALE_MEAN": [float(v) for v in prepared.scaler.mean],
        "SCALE_STD": [float(v) for v in prepared.scaler.std],
        "MASK_VALUE": prepared.mask_value,
        "CLASSES": list(prepared.class_names),
        **model_settings(model_spec),
        **train_settings(model_spec, train_spec),
    }
    literal = _sequences_literal(data, dataset)
    docstring = _sequences_docstring(data, model_spec)
    return render("sequences", docstring, settings, literal)


def _sequences_docstring(data: SequencesData, spec: ModelSpec) -> str:
    units = ", ".join(str(u) for u in spec.units)
    p = data.prepared
    steps, features = p.input_shape
    masking = (
        f" Shorter sequences are padded with {p.mask_value:g}, which a Masking layer skips."
        if p.mask_value is not None
        else ""
    )
    return docstring(
        f'Classify the sequences of "{data.name}" with a {model_kind(spec)}{spec.cell} network.',
        [
            GENERATED.format(what="split, scaling"),
            f"Data: {len(p.x_train):,} train, {len(p.x_val):,} validation and {len(p.x_test):,} "
            f"test sequences of {steps} steps x {features} value(s) ({p.split}), embedded at the "
            f"end of this file as compressed NumPy arrays.{masking} Model: {spec.depth} recurrent "
            f"layer(s) of {units} units and a softmax head over {p.n_classes} classes.",
            "It prints the parameter count, the training loss of the first and last epoch, and "
            "the test accuracy (next to always answering the most frequent class).",
        ],
    )


def _sequences_literal(data: SequencesData, dataset) -> str:
    """The raw padded sequences, lengths, labels and split rows as base64 of
    ``np.savez_compressed`` (grey levels 0-255 stored as bytes), in lines of LINE_LENGTH."""
    import base64
    import io
    import zlib

    x = np.asarray(dataset.x)
    if np.array_equal(x, np.clip(np.round(x), 0, 255)):
        x = x.astype(np.uint8)  # whole grey levels: the same values, a quarter of the bytes
    p = data.prepared
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x=x,
        lengths=dataset.lengths,
        y=dataset.y,
        rows_train=p.rows_train,
        rows_val=p.rows_val,
        rows_test=p.rows_test,
    )
    packed = base64.b64encode(zlib.compress(buffer.getvalue(), 9)).decode("ascii")
    width = LINE_LENGTH - len(INDENT) - 2  # room for the quotes
    about = (
        f"{data.name}: {len(x):,} sequences as rnnviz loads them (unscaled), their labels and "
        "the rows of each split, as np.savez arrays, zlib-compressed, in base64."
    )
    lines = [
        *(f"# {line}" for line in textwrap.wrap(about, LINE_LENGTH - 2)),
        "# fmt: off",
        "SEQUENCES = (",
        *(f'{INDENT}"{packed[i : i + width]}"' for i in range(0, len(packed), width)),
        ")",
        "# fmt: on",
    ]
    return "\n".join(lines)
