"""Frozen configuration dataclasses: what the user chose, hashable so they double as cache keys."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Literal

from rnnviz.model.cells import CELL_NAMES

Cell = str  # a name in rnnviz.model.cells.CELL_NAMES: one entry there adds a cell (checked below)
Topology = Literal["many_to_one", "many_to_many", "encoder_decoder"]
MergeMode = Literal["concat", "sum", "mul", "ave"]
Head = Literal["regression", "binary", "multiclass"]

CELLS: tuple[Cell, ...] = CELL_NAMES
TOPOLOGIES: tuple[Topology, ...] = ("many_to_one", "many_to_many", "encoder_decoder")
MERGE_MODES: tuple[MergeMode, ...] = ("concat", "sum", "mul", "ave")
# What a many-to-one head reads: the last recurrent layer's final state, or its outputs averaged
# over the (unmasked) steps.
READ_OUTS: tuple[str, ...] = ("last", "mean")
TOPOLOGY_LABELS: dict[str, str] = {
    "many_to_one": "Many-to-one (next value)",
    "many_to_many": "Many-to-many (a value per step)",
    "encoder_decoder": "Encoder-decoder (multi-step horizon)",
}


# Layer names of a text model's fixed word features (ModelSpec.fixed_features): the table and
# the join of [learned embedding; fixed features] per word.
FIXED_FEATURES_LAYER, FEATURES_JOIN_LAYER = "word_features", "with_features"
# ModelSpec.pair_features: each word with the one before it (hashed ids) and their fixed table
PAIR_IDS_LAYER, PAIR_FEATURES_LAYER = "word_pairs", "pair_features"
MEAN_READ_OUT_LAYER = "mean_over_steps"  # read_out "mean": the average of the last layer's outputs


@dataclass(frozen=True)
class ModelSpec:
    """The recurrent network a user assembled on the Build page.

    ``units`` holds one entry per stacked recurrent layer, so ``len(units)`` is the depth.
    For text models ``vocab_size`` is set and the input is a padded sequence of token ids.
    """

    cell: Cell = "LSTM"
    units: tuple[int, ...] = (32,)
    bidirectional: bool = False
    merge_mode: MergeMode = "concat"
    stateful: bool = False
    stateful_batch_size: int = 8
    dropout: float = 0.0  # of each recurrent layer's inputs
    recurrent_dropout: float = 0.0
    output_dropout: float = 0.0  # of the last recurrent layer's outputs, before the head
    topology: Topology = "many_to_one"
    horizon: int = 1  # output steps of an encoder-decoder
    n_outputs: int = 1  # values predicted per output step (regression) or classes (multiclass)
    head: Head = "regression"
    vocab_size: int | None = None  # set for text input: Embedding(vocab_size, embedding_dim)
    mask_value: float | None = None  # padded series input: Masking(mask_value) skips padding
    embedding_dim: int = 32
    # text input: fixed, non-trainable word features beside the embedding (the task fills the
    # table from its data, e.g. sentiment's Naive-Bayes ratios and lexicons): their columns
    fixed_features: int = 0
    pair_features: int = 0  # text input: fixed columns per word pair (the word and the one before)
    read_out: str = "last"  # many-to-one: the head reads the final state or the mean over steps
    mask_zero: bool = True  # text input: id 0 is padding (False for characters: id 0 is a char)
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"
    use_bias: bool = True
    reset_after: bool = True  # GRU only
    # A model that is not a plain stack of recurrent layers (e.g. an RCNN, an autoencoder) is
    # built by its task (Task.build_model); its own settings are (name, value) pairs here.
    architecture: str = "recurrent"
    options: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {self.cell!r}")
        if self.topology not in TOPOLOGIES:
            raise ValueError(f"topology must be one of {TOPOLOGIES}, got {self.topology!r}")
        if self.merge_mode not in MERGE_MODES:
            raise ValueError(f"merge_mode must be one of {MERGE_MODES}")
        if not 1 <= len(self.units) <= 4 or any(u < 1 for u in self.units):
            raise ValueError("depth must be 1-4 layers, each with at least one unit")
        rates = (self.dropout, self.recurrent_dropout, self.output_dropout)
        if not all(0.0 <= rate < 1.0 for rate in rates):
            raise ValueError("dropout, recurrent dropout and output dropout must be in [0, 1)")
        if self.read_out not in READ_OUTS:
            raise ValueError(f"read_out must be one of {READ_OUTS}, got {self.read_out!r}")
        if self.horizon < 1 or self.stateful_batch_size < 1:
            raise ValueError("horizon and batch size must be positive")

    def option(self, name: str, default: object = None) -> object:
        """The value of an architecture setting in :attr:`options` (``default`` when unset)."""
        return dict(self.options).get(name, default)

    @property
    def depth(self) -> int:
        return len(self.units)

    @property
    def is_text(self) -> bool:
        return self.vocab_size is not None

    def with_(self, **changes: object) -> ModelSpec:
        """A copy with some fields changed (``units`` given as any sequence)."""
        if "units" in changes:
            changes["units"] = tuple(int(u) for u in changes["units"])  # type: ignore[union-attr]
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "units" in known:
            known["units"] = tuple(known["units"])
        if "options" in known:  # JSON lists back to hashable pairs (list values to tuples)
            known["options"] = tuple(
                (str(name), tuple(value) if isinstance(value, list) else value)
                for name, value in known["options"]
            )
        return cls(**known)


def describe_model(
    spec: ModelSpec, option_words: Mapping[str, Mapping[object, str]] | None = None
) -> str:
    """One line naming every choice that shapes training: cell, units, topology, direction,
    statefulness (e.g. ``LSTM, units [8, 4], many-to-one, bidirectional (concat), stateful``);
    a task's plain-stack options in its own ``option_words`` (name -> value -> words), when given."""
    parts = [spec.cell, f"units {list(spec.units)}", spec.topology.replace("_", "-")]
    if spec.bidirectional:
        parts.append(f"bidirectional ({spec.merge_mode})")
    if spec.stateful:
        parts.append(f"stateful (batch {spec.stateful_batch_size})")
    if spec.architecture != "recurrent":  # a task's own model, with its settings
        settings = "; ".join(f"{name} {value}" for name, value in spec.options)
        parts.insert(0, spec.architecture.upper() + (f" ({settings})" if settings else ""))
    else:  # a task's settings of the plain stack (e.g. sentiment's word features), when on
        words = option_words or {}
        parts += [
            f"{name.replace('_', ' ')} ({words[name][value]})"
            if value in words.get(name, {})
            else f"{name.replace('_', ' ')} {value}"
            for name, value in spec.options
            if value != "none"
        ]
    return ", ".join(parts)


def lookahead_reason(spec: ModelSpec) -> str | None:
    """Why ``spec`` would see the future it predicts, or None when every output is causal.

    A many-to-many forecaster predicts, at each step, the value of the next step, which is also
    the next step's input. A backward direction reads the window from its end, so its output at
    step t has already seen the inputs after t: the very values it must predict. Many-to-one and
    encoder-decoder models predict only rows after the whole window, so both directions are safe.
    """
    if spec.bidirectional and spec.topology == "many_to_many" and not spec.is_text:
        return (
            "A bidirectional many-to-many forecaster would cheat: its backward direction reads "
            "the steps after t, which are the values it must predict at t. Its training and "
            "validation losses would look excellent while real forecasts are worse. Choose a "
            "unidirectional layer, or the many-to-one or encoder-decoder topology (those may be "
            "bidirectional: they predict only steps after the whole window)."
        )
    return None


@dataclass(frozen=True)
class TrainSpec:
    """How the Train page fits a model."""

    optimizer: Literal["adam", "rmsprop", "sgd"] = "adam"
    learning_rate: float = 0.01
    batch_size: int = 16
    epochs: int = 100
    seed: int = 7
    early_stopping: bool = True
    patience: int = 15
    clipnorm: float | None = 1.0
    keep_weights: Literal["best", "last"] = "best"  # best validation epoch, or the last epoch
    lr_schedule: Literal["constant", "cosine"] = "constant"  # see scheduled_learning_rate

    def __post_init__(self) -> None:
        if self.keep_weights not in KEEP_WEIGHTS:
            raise ValueError(f"keep_weights must be one of {tuple(KEEP_WEIGHTS)}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(f"lr_schedule must be one of {tuple(LR_SCHEDULES)}")


KEEP_WEIGHTS: dict[str, str] = {
    "best": "Best validation epoch",
    "last": "Last epoch",
}
COSINE_FLOOR = 0.02  # the cosine schedule's last epochs train at this share of the rate
LR_SCHEDULES: dict[str, str] = {
    "constant": "Constant",
    "cosine": "Cosine decay (to 2% by the last epoch)",
}


def scheduled_learning_rate(train: TrainSpec, epoch: int) -> float:
    """The learning rate of epoch ``epoch`` (0-based): constant, or a cosine from the chosen rate
    at the first epoch down to :data:`COSINE_FLOOR` of it at the last (late epochs take small
    steps, settling in a minimum instead of bouncing around it)."""
    if train.lr_schedule == "constant" or train.epochs < 2:
        return train.learning_rate
    progress = min(epoch, train.epochs - 1) / (train.epochs - 1)  # 0 .. 1
    share = COSINE_FLOOR + (1 - COSINE_FLOOR) * 0.5 * (1 + math.cos(math.pi * progress))
    return train.learning_rate * share


def variant_label(spec: ModelSpec) -> str:
    """A variant's short name in Compare (e.g. ``LSTM bi x2``)."""
    direction = "bi" if spec.bidirectional else "uni"
    own = "" if spec.architecture == "recurrent" else f" {spec.architecture.upper()}"
    return f"{spec.cell} {direction} x{spec.depth}{own}"


RECIPE_MODEL_KEYS = (  # beside cell and units
    "bidirectional",
    "dropout",
    "recurrent_dropout",
    "output_dropout",
    "embedding_dim",
    "stateful",
)


def recipe_to_specs(
    recipe: dict, seed: int = 7, train: dict | None = None, **model: object
) -> tuple[ModelSpec, TrainSpec]:
    """The (ModelSpec, TrainSpec) a recipe describes: its cell, units (a number or one per layer)
    and :data:`RECIPE_MODEL_KEYS`; its optimizer, learning rate, batch size, epochs and patience.
    ``model`` sets what the task decides (head, topology, vocabulary...); ``train`` overrides
    training fields (e.g. epochs raised for a small data set, no early stopping)."""
    units = recipe["units"]
    spec = ModelSpec(
        cell=recipe["cell"],
        units=tuple(int(u) for u in units) if isinstance(units, list | tuple) else (int(units),),
        **{key: recipe[key] for key in RECIPE_MODEL_KEYS if key in recipe},
        **model,
    )
    fields = {
        key: recipe[key]
        for key in ("optimizer", "epochs", "patience", "lr_schedule")
        if key in recipe
    }
    fitting = TrainSpec(
        learning_rate=float(recipe["learning_rate"]),
        batch_size=int(recipe["batch_size"]),
        seed=seed,
        **{**fields, **(train or {})},
    )
    return spec, fitting
