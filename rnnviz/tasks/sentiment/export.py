"""The sentiment task's export: a saved run as a standalone Keras script (rnnviz/export/template.py
with this task's code, settings and data)."""

from __future__ import annotations

import json
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
    wrapped,
)
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.sentiment.rcnn import POOLING_LABELS, ConvSpec
from rnnviz.tasks.sentiment.wordfeatures import (
    pair_feature_table,
    word_feature_table,
    word_features_of,
)

if TYPE_CHECKING:
    from rnnviz.tasks.sentiment.text import TextData


def sentiment_script(
    dataset_name: str, data: TextData, model_spec: ModelSpec, train_spec: TrainSpec
) -> str:
    """A standalone script that trains ``model_spec`` on the same encoded text splits."""
    if not model_spec.is_text:
        raise ValueError("sentiment_script exports text classifiers (token ids in).")
    settings = {
        "TASK": "sentiment",
        "DATASET": dataset_name,
        "MAX_LEN": data.max_len,
        "VOCAB_SIZE": model_spec.vocab_size,
        "EMBEDDING_DIM": model_spec.embedding_dim,
        "FIXED_FEATURES": model_spec.fixed_features,
        "PAIR_FEATURES": model_spec.pair_features,
        **model_settings(model_spec),
        **train_settings(model_spec, train_spec),
    }
    tags: tuple[str, ...] = ()
    if model_spec.architecture == "rcnn":
        conv = ConvSpec.of(model_spec)
        settings |= {
            "KERNEL_SIZES": list(conv.kernel_sizes),
            "FILTERS": conv.filters,
            "POOLING": conv.pooling,
            "DROPOUT": model_spec.dropout,
        }
        tags = ("rcnn",)
    kind = word_features_of(model_spec)
    table = word_feature_table(kind, data.vocab.tokens, data.x_train, data.y_train, data.n_classes)
    pairs = pair_feature_table(kind, data.x_train, data.y_train, data.n_classes)
    literal = _text_literal(dataset_name, data, table, pairs)
    docstring = _sentiment_docstring(dataset_name, model_spec, data)
    return render("sentiment", docstring, settings, literal, tags)


def _text_model_words(spec: ModelSpec, units: str) -> str:
    """What a text model is, in words: the recurrent stack, or the RCNN's parts."""
    if spec.architecture != "rcnn":
        return f"an embedding, {spec.depth} recurrent layer(s) of {units} units"

    conv = ConvSpec.of(spec)
    widths = ", ".join(str(k) for k in conv.kernel_sizes)
    return (
        f"an RCNN: an embedding, a recurrent context of {units} units, convolutions over "
        f"[word; context] of {widths} words ({conv.filters} filters each), "
        f"{POOLING_LABELS[conv.pooling]} pooling"
    )


def _sentiment_docstring(dataset_name: str, spec: ModelSpec, data: TextData) -> str:
    units = ", ".join(str(u) for u in spec.units)
    sizes = ", ".join(
        f"{len(texts):,} {name}"
        for name, texts in (
            ("train", data.texts_train),
            ("validation", data.texts_val),
            ("test", data.texts_test),
        )
    )
    return docstring(
        f"Classify the texts of {dataset_name} with a {model_kind(spec)}{spec.cell} network.",
        [
            GENERATED.format(what="vocabulary"),
            f"Data: {sizes} texts and the vocabulary of {len(data.vocab):,} ids rnnviz fitted on "
            f"the training texts, embedded at the end of this file; each text is read as "
            f"{data.max_len} token ids. Model: {_text_model_words(spec, units)} and a "
            f"{spec.head} head over {', '.join(data.class_names)}.",
            "It prints the parameter count, the training loss of the first and last epoch, and "
            "the test accuracy (next to always answering the most frequent class).",
        ],
    )


def _text_literal(
    dataset_name: str, data: TextData, features: np.ndarray, pairs: np.ndarray
) -> str:
    """The data block: vocabulary, fixed feature tables (``features``: one row per id; ``pairs``:
    one per pair id, written sparsely as its non-zero rows), texts and labels."""
    indent = INDENT * 2
    width = LINE_LENGTH - len(indent) - 1  # room for the comma
    splits = {"train": data.texts_train, "val": data.texts_val, "test": data.texts_test}
    labels = {"train": data.y_train, "val": data.y_val, "test": data.y_test}
    lines = [
        f"# {dataset_name}: the texts of each split, their labels (indices into "
        f"{', '.join(data.class_names)}),",
        "# and the vocabulary rnnviz fitted on the training texts (its position is the id).",
        "# fmt: off",
        "VOCABULARY = [",
        *wrapped([json.dumps(t) for t in data.vocab.tokens], INDENT),
        "]",
        "# Fixed word features rnnviz computed (Naive-Bayes ratios from the training texts, then",
        "# lexicon valences): one row per vocabulary id; empty without them.",
        "WORD_FEATURES = [",
        *wrapped([_float_row(row) for row in features] if features.shape[1] else [], INDENT),
        "]",
        "# The Naive-Bayes ratios of word pairs (the word and the one before it, hashed ids):",
        "# the pairs found in enough training texts; every other id reads zeros.",
        "PAIR_FEATURES_TABLE = {",
        *wrapped(
            [f"{i}: {_float_row(pairs[i])}" for i in np.flatnonzero(pairs.any(axis=1))], INDENT
        ),
        "}",
        "TEXTS = {",
    ]
    for name, texts in splits.items():
        lines.append(f"    {json.dumps(name)}: [")
        for text in texts:
            pieces = string_pieces(text, width)
            lines += [indent + p for p in pieces[:-1]]
            lines.append(f"{indent}{pieces[-1]},")
        lines.append("    ],")
    lines += ["}", "LABELS = {"]
    for name, values in labels.items():
        lines.append(f"    {json.dumps(name)}: [")
        lines += wrapped([str(int(v)) for v in values], indent)
        lines.append("    ],")
    lines += ["}", "# fmt: on"]
    return "\n".join(lines)


def _float_row(row: np.ndarray) -> str:
    """A float32 row as the shortest literal that reads back to the same float32 values."""
    values = (np.format_float_positional(np.float32(v), unique=True, trim="0") for v in row)
    return "[" + ", ".join(values) + "]"
