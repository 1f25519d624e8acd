"""The generation task's export: a saved run as a standalone Keras script (rnnviz/export/template.py
with this task's code, settings and data)."""

from __future__ import annotations

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
    string_pieces,
    train_settings,
)
from rnnviz.model.spec import ModelSpec, TrainSpec

if TYPE_CHECKING:
    from rnnviz.tasks.generation.task import GenerationData


def generation_script(
    data: GenerationData,
    model_spec: ModelSpec,
    train_spec: TrainSpec,
    data_filename: str | None = None,
) -> str:
    """A standalone script that trains ``model_spec`` on the same text, cut the same way: the
    text embedded in it, or read from the file rnnviz kept for the run (``data_filename``,
    beside the script unless ``DATA_FILE`` is changed)."""
    if model_spec.head != "multiclass" or model_spec.bidirectional or not model_spec.is_text:
        raise ValueError("generation_script exports next-character models (unidirectional).")
    chars = data.chars
    settings = {
        "TASK": "generation",
        "DATASET": data.name,
        "SEQ_LEN": chars.seq_len,
        "STRIDE": chars.stride,
        "VAL_FRACTION": data.val_fraction,
        "CHAR_EMBEDDING_DIM": model_spec.embedding_dim,
        "PROMPT": data.prompt,
        "TEMPERATURE": data.temperature,
        "SAMPLE_LENGTH": data.sample_length,
        **model_settings(model_spec),
        **train_settings(model_spec, train_spec),
    }
    docstring = _generation_docstring(data, model_spec, in_file=data_filename is not None)
    if data_filename is not None:
        settings["DATA_FILE"] = data_filename
        literal = "\n".join(
            [
                "# The text rnnviz kept for the run (UTF-8), read from DATA_FILE; download it from",
                "# the Runs page, beside this script.",
                'TEXT = (pathlib.Path(__file__).parent / DATA_FILE).read_text(encoding="utf-8")',
            ]
        )
        return render("generation", docstring, settings, literal, tags=("data_file",))
    text = chars.vocab.decode(np.concatenate([chars.train_ids, chars.val_ids]))
    return render("generation", docstring, settings, _corpus_literal(data.name, text))


def _generation_docstring(data: GenerationData, spec: ModelSpec, in_file: bool) -> str:
    units = ", ".join(str(u) for u in spec.units)
    chars = data.chars
    where = "read from the file DATA_FILE names" if in_file else "embedded at the end of this file"
    return docstring(
        f"Generate text like {data.name} with a {model_kind(spec)}{spec.cell} network, character by "
        "character.",
        [
            GENERATED.format(what="text"),
            f"Data: {len(chars.train_ids) + len(chars.val_ids):,} characters {where}; the last "
            f"{data.val_fraction:.0%} validates. Model: a character "
            f"embedding, {spec.depth} recurrent layer(s) of {units} units and a softmax over the "
            f"{len(chars.vocab)} characters after every step.",
            "It prints the parameter count, the training loss of the first and last epoch, the "
            "validation bits per character and a sample generated after the prompt.",
        ],
    )


def _corpus_literal(name: str, text: str) -> str:
    """The whole text as adjacent string literals, one source line of the text per line or more."""
    width = LINE_LENGTH - len(INDENT)
    lines = [
        f"# {' '.join(name.split())}: the text rnnviz trained on (its last share validates).",
        "# fmt: off",
        "TEXT = (",
    ]
    for line in text.splitlines(keepends=True):
        lines += [INDENT + piece for piece in string_pieces(line, width)]
    lines += [")", "# fmt: on"]
    return "\n".join(lines)
