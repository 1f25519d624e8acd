"""Seed 002's RCNN variant for text: a recurrent context, convolutions over [word; context], pooling.

Embedding -> recurrent context layer (all steps) -> Concatenate[embedding, context]
-> Conv1D(filters, k, relu) for each kernel size k -> global average and/or max pooling
-> Concatenate -> Dropout -> Dense head. Built from Keras's own layers only (no Lambda, no custom
layer), so a saved ``.keras`` file loads anywhere and an export writes the same layers.

The settings live in ``ModelSpec.options`` (``kernel_sizes``, ``filters``, ``pooling``); the
context layer is the spec's cell, ``units[0]``, direction, merge mode and dropouts, made by the
shared :func:`rnnviz.model.builder.recurrent_layer`; ``spec.dropout`` also drops pooled features
before the head.

Padding: the embedding masks token 0 for the recurrent layer (its output is zero at padding), but
Keras convolutions and max pooling take no mask, so a window may reach past the last word;
:func:`filter_windows` marks such windows.

Layer names: ``embedding``, ``context``, ``join``, ``conv_k<k>``, ``avg_k<k>`` / ``max_k<k>``,
``pooled`` (more than one pooled vector), ``dropout`` (dropout > 0), ``head``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from rnnviz.model.cells import cell_type

if TYPE_CHECKING:
    import keras

    from rnnviz.model.spec import ModelSpec

ARCHITECTURE = "rcnn"
Pooling = Literal["avg", "max", "both"]
POOLINGS: tuple[Pooling, ...] = ("both", "max", "avg")
POOLING_LABELS: dict[str, str] = {"both": "average and max", "max": "max", "avg": "average"}
# On top of the text recipe (rnnviz.tasks.sentiment.recipes): what bench/sentiment_quality.py
# trains as the RCNN. Measured there on Rotten Tomatoes, 2 shared CPU cores: see the README.
RCNN_RECIPE: dict = {
    "dropout": 0.5,
    "learning_rate": 5e-4,
    "epochs": 10,
    "kernel_sizes": (1, 2, 3, 4),
    "filters": 64,
    "pooling": "both",
}
MAX_KERNEL = 9
MAX_FILTERS = 512
PAD_WORD = "<pad>"
# Keras warns at every call that our convolutions drop the padding mask: expected (see above).
warnings.filterwarnings(
    "ignore", message=r"Layer 'conv_k\d+' \(of type Conv1D\) was passed an input with a mask"
)


@dataclass(frozen=True)
class ConvSpec:
    """The convolutional half of an RCNN: kernel widths (in words), filters per width, pooling."""

    kernel_sizes: tuple[int, ...] = (1, 2, 3, 4)
    filters: int = 64
    pooling: Pooling = "both"

    def __post_init__(self) -> None:
        if not self.kernel_sizes:
            raise ValueError("Choose at least one kernel size.")
        if any(not 1 <= k <= MAX_KERNEL for k in self.kernel_sizes):
            raise ValueError(f"Kernel sizes must be 1-{MAX_KERNEL} words.")
        if len(set(self.kernel_sizes)) != len(self.kernel_sizes):
            raise ValueError("Choose each kernel size once.")
        if not 1 <= self.filters <= MAX_FILTERS:
            raise ValueError(f"Filters must be 1-{MAX_FILTERS}.")
        if self.pooling not in POOLINGS:
            raise ValueError(f"Pooling must be one of {POOLINGS}.")

    @classmethod
    def of(cls, spec: ModelSpec) -> ConvSpec:
        """The settings a spec's options hold (defaults where unset)."""
        return cls(
            kernel_sizes=tuple(
                sorted(int(k) for k in spec.option("kernel_sizes", cls.kernel_sizes))
            ),
            filters=int(spec.option("filters", cls.filters)),
            pooling=str(spec.option("pooling", cls.pooling)),  # type: ignore[arg-type]
        )

    def options(self) -> tuple[tuple[str, object], ...]:
        """As ``ModelSpec.options`` pairs."""
        return (
            ("kernel_sizes", self.kernel_sizes),
            ("filters", self.filters),
            ("pooling", self.pooling),
        )

    @property
    def pool_kinds(self) -> tuple[str, ...]:
        return ("avg", "max") if self.pooling == "both" else (self.pooling,)

    @property
    def pooled_width(self) -> int:
        """Length of the vector the head reads."""
        return len(self.kernel_sizes) * self.filters * len(self.pool_kinds)


def is_rcnn(spec: ModelSpec) -> bool:
    return spec.architecture == ARCHITECTURE


def rcnn_spec(spec: ModelSpec, conv: ConvSpec | None = None) -> ModelSpec:
    """``spec`` as an RCNN: one context layer (``units[0]``), the convolution settings as options."""
    conv = conv or ConvSpec.of(spec)
    return spec.with_(
        architecture=ARCHITECTURE, units=spec.units[:1], options=conv.options(), stateful=False
    )


def conv_name(k: int) -> str:
    return f"conv_k{k}"


def pool_name(kind: str, k: int) -> str:
    return f"{kind}_k{k}"


def check_fits(conv: ConvSpec, max_len: int) -> None:
    """ValueError (a message for the page) when the widest kernel is longer than the text."""
    if max_len < max(conv.kernel_sizes):
        raise ValueError(
            f"The widest kernel ({max(conv.kernel_sizes)} words) is longer than the padded "
            f"length ({max_len} tokens): choose smaller kernels or a longer padded length."
        )


def build_rcnn(spec: ModelSpec, input_shape: tuple[int, ...]) -> keras.Model:
    """The (uncompiled) RCNN of ``spec`` reading ``input_shape = (max_len,)`` token ids;
    ValueError (a message for the page) when the widest kernel is longer than the text."""
    import keras
    from keras import layers

    # imports Keras: building is the only step that needs it
    from rnnviz.model.builder import recurrent_layer

    conv = ConvSpec.of(spec)
    (max_len,) = input_shape
    check_fits(conv, max_len)
    inputs = keras.Input(shape=(max_len,), dtype="int32", name="input")
    embedded = layers.Embedding(
        spec.vocab_size, spec.embedding_dim, mask_zero=True, name="embedding"
    )(inputs)  # (batch, time, embedding_dim)
    context = recurrent_layer(spec, spec.units[0], True, "context")(embedded)  # (batch, time, c)
    joined = layers.Concatenate(name="join")([embedded, context])  # (batch, time, emb + c)
    pooled = []
    for k in conv.kernel_sizes:
        fired = layers.Conv1D(conv.filters, k, activation="relu", name=conv_name(k))(joined)
        # fired: (batch, time - k + 1, filters)
        for kind in conv.pool_kinds:
            pool = layers.GlobalAveragePooling1D if kind == "avg" else layers.GlobalMaxPooling1D
            pooled.append(pool(name=pool_name(kind, k))(fired))  # (batch, filters)
    x = pooled[0] if len(pooled) == 1 else layers.Concatenate(name="pooled")(pooled)
    if spec.dropout > 0:
        x = layers.Dropout(spec.dropout, name="dropout")(x)  # (batch, pooled_width)
    if spec.head == "binary":
        outputs = layers.Dense(1, activation="sigmoid", name="head")(x)
    else:
        outputs = layers.Dense(spec.n_outputs, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs, name="rcnn")


def context_width(spec: ModelSpec) -> int:
    """Features per step out of the context layer."""
    both = spec.bidirectional and spec.merge_mode == "concat"
    return spec.units[0] * (2 if both else 1)


def expected_rcnn_params(spec: ModelSpec) -> int:
    """Parameter count from the textbook formulas, independent of Keras.

    Embedding V*E; context per direction g*u*(E + u) + g*u*b (g weight blocks of the cell, b bias
    sets); Conv1D(k) k*(E + C)*F + F; head (pooled + 1) per output unit.
    """
    conv = ConvSpec.of(spec)
    cell, u, e = cell_type(spec.cell), spec.units[0], spec.embedding_dim
    per_direction = cell.n_gates * u * (e + u)
    if spec.use_bias:
        per_direction += cell.n_gates * u * cell.bias_sets(spec)
    recurrent = per_direction * (2 if spec.bidirectional else 1)
    width = e + context_width(spec)
    convs = sum(k * width * conv.filters + conv.filters for k in conv.kernel_sizes)
    head_units = 1 if spec.head == "binary" else spec.n_outputs
    return spec.vocab_size * e + recurrent + convs + head_units * (conv.pooled_width + 1)


def conv_activations(model: keras.Model, ids: np.ndarray) -> dict[int, np.ndarray]:
    """Each convolution's ReLU output for token ids ``(batch, max_len)``: ``{k: (batch, time-k+1,
    filters)}``, read from the model itself (one pass of a sub-model sharing its layers)."""
    import keras

    convs = [layer for layer in model.layers if layer.name.startswith("conv_k")]
    probe = keras.Model(model.inputs, [layer.output for layer in convs])
    values = probe.predict(np.asarray(ids, dtype=np.int32), verbose=0)
    values = values if isinstance(values, list | tuple) else [values]
    return {
        int(layer.name.removeprefix("conv_k")): np.asarray(v)
        for layer, v in zip(convs, values, strict=True)
    }


@dataclass(frozen=True)
class FilterWindow:
    """Where one filter of one kernel width fired most on a sentence."""

    kernel: int
    filter: int
    activation: float  # the max-pooled value
    start: int  # first word of the window (0-based)
    words: tuple[str, ...]  # the window's words; PAD_WORD past the sentence's end
    past_end: bool  # the window reaches into the padding


def filter_windows(
    activations: dict[int, np.ndarray], tokens: list[str], top: int = 5
) -> list[FilterWindow]:
    """For one sentence (row 0 of ``activations``), each kernel width's ``top`` filters by their
    max-pooled value, with the window of words they fired on (the argmax position)."""
    rows = []
    for k, values in sorted(activations.items()):
        fired = values[0]  # (positions, filters)
        best_at = fired.argmax(axis=0)  # (filters,)
        best = fired.max(axis=0)  # (filters,): what GlobalMaxPooling1D passes on
        for f in np.argsort(-best, kind="stable")[:top]:
            start = int(best_at[f])
            span = range(start, start + k)
            words = tuple(tokens[i] if i < len(tokens) else PAD_WORD for i in span)
            rows.append(
                FilterWindow(k, int(f), float(best[f]), start, words, start + k > len(tokens))
            )
    return rows


def strongest_windows(
    model: keras.Model, ids: np.ndarray, tokens: list[str], top: int = 5
) -> list[FilterWindow]:
    """:func:`filter_windows` of one encoded sentence ``ids`` (1, max_len) through ``model``."""
    return filter_windows(conv_activations(model, ids[:1]), tokens, top)


def filter_table(windows: list[FilterWindow]):
    """The windows as a frame for the Inspect page (kernel, filter, activation, words, position)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "kernel width": [w.kernel for w in windows],
            "filter": [w.filter for w in windows],
            "max activation": [w.activation for w in windows],
            "words": [" ".join(w.words) for w in windows],
            "from word": [w.start + 1 for w in windows],
            "reaches padding": [w.past_end for w in windows],
        }
    )
