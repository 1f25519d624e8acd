"""Next-character models: spec, training helpers, bits per character, sampling, top-k.

The network is the app's usual cell stack between a character embedding (no masking: id 0 is a
character, not padding) and a per-step softmax over the vocabulary (many-to-many):
``(batch, time) ids -> (batch, time, embedding) -> cells -> (batch, time, vocab) probabilities``.

Generation is one-to-many: a stateful copy of the network with one input step reads the prompt,
then is fed its own sampled characters back one at a time, carrying its state. Sampling is
seeded (NumPy ``default_rng``) and reproducible; temperature 0 is greedy (arg-max) decoding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from rnnviz.common.csvread import DataError
from rnnviz.model.builder import build_model, compile_model, reset_states, twin
from rnnviz.model.probes import outputs, stepper
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.generation.chars import BIDIRECTIONAL_REASON, CharData, CharVocab, printable
from rnnviz.tasks.generation.recipes import char_recipe
from rnnviz.tasks.generation.sampling import apply_temperature, draw
from rnnviz.train.training import fit_arguments, schedule_callbacks

LN2 = math.log(2.0)
MAX_GENERATED = 5_000


# ----------------------------------------------------------------------------- model spec


def generation_spec_problems(spec: ModelSpec) -> list[str]:
    """Why ``spec`` cannot be a next-character model (empty: it can)."""
    problems = []
    if spec.bidirectional:
        problems.append(BIDIRECTIONAL_REASON)
    if spec.topology != "many_to_many":
        problems.append("A next-character model predicts at every step: topology many-to-many.")
    if spec.head != "multiclass" or not spec.vocab_size or spec.n_outputs != spec.vocab_size:
        problems.append("The head must be a softmax over the character vocabulary.")
    if spec.mask_zero:
        problems.append("Character id 0 is a real character: the embedding must not mask it.")
    return problems


def check_generation_spec(spec: ModelSpec) -> ModelSpec:
    """``spec`` unchanged, or a ``ValueError`` giving every reason it is refused."""
    problems = generation_spec_problems(spec)
    if problems:
        raise ValueError(" ".join(problems))
    return spec


def char_model_spec(vocab_size: int, base: ModelSpec | None = None, **changes) -> ModelSpec:
    """The user's cell stack (``base``, e.g. from the Build page) as a next-character model."""
    spec = (base or ModelSpec()).with_(
        vocab_size=vocab_size,
        n_outputs=vocab_size,
        head="multiclass",
        topology="many_to_many",
        mask_zero=False,
        **changes,
    )
    return check_generation_spec(spec)


def char_recipe_specs(recipe: dict, vocab_size: int, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The (ModelSpec, TrainSpec) a recipe like :data:`DEFAULT_CHAR_RECIPE` describes."""
    spec, train = char_recipe(recipe, seed)
    return char_model_spec(vocab_size, spec), train


def build_char_model(spec: ModelSpec, train: TrainSpec, seq_len: int) -> keras.Model:
    """The compiled next-character model for windows of ``seq_len`` characters."""
    return compile_model(build_model(check_generation_spec(spec), (seq_len,)), spec, train)


# ----------------------------------------------------------------------------- training


class ResetStatesEachEpoch(keras.callbacks.Callback):
    """Zero the carried state before every epoch: each epoch reads the streams from the start."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        reset_states(self.model)


class StatefulValidation(keras.callbacks.Callback):
    """``val_loss`` of a stateful model: its stateless twin on the validation windows."""

    def __init__(self, spec: ModelSpec, x_val: np.ndarray, y_val: np.ndarray, batch_size: int):
        super().__init__()
        self.spec, self.x_val, self.y_val, self.batch_size = spec, x_val, y_val, batch_size

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        copy = inference_twin(self.model, self.spec, self.x_val.shape[1])
        result = copy.evaluate(
            self.x_val, self.y_val, batch_size=self.batch_size, verbose=0, return_dict=True
        )
        if logs is not None:
            logs.update({f"val_{k}": v for k, v in result.items()})


def fit_char_model(
    model: keras.Model,
    spec: ModelSpec,
    train: TrainSpec,
    data: CharData,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 0,
) -> keras.callbacks.History:
    """Plain ``model.fit`` with validation loss; stateful: stream order, states reset per epoch."""
    options: dict = dict(
        epochs=train.epochs, verbose=verbose, callbacks=[*schedule_callbacks(train), *callbacks]
    )
    if spec.stateful:
        if data.stateful_batch_size != spec.stateful_batch_size:
            raise ValueError("Prepare the data with the model's stateful batch size.")
        options["callbacks"] = [
            ResetStatesEachEpoch(),
            StatefulValidation(spec, data.x_val, data.y_val, train.batch_size),
            *options["callbacks"],
        ]
        batch_size, shuffle = spec.stateful_batch_size, False
    else:
        batch_size, shuffle = train.batch_size, True
        options["validation_data"] = (data.x_val, data.y_val)
    x, y = data.train_windows
    return model.fit(**fit_arguments(x, y, batch_size, shuffle, train.seed), **options)


# ----------------------------------------------------------------------------- bits per character


def inference_twin(model: keras.Model, spec: ModelSpec, seq_len: int) -> keras.Model:
    """A compiled, stateless copy of ``model`` for windows of ``seq_len``, same weights.

    Evaluating the copy leaves the training model (its compiled optimizer, its carried state)
    untouched. The length is fixed on purpose: Keras's ``TimeDistributed`` head, traced once
    for a variable length, returns wrong shapes when called again with another length.
    """
    return compile_model(twin(model, spec, (seq_len,), stateful=False), spec, TrainSpec())


def bits_per_char(loss_nats: float) -> float:
    """Mean cross-entropy in nats (Keras's loss) as bits per character."""
    return float(loss_nats) / LN2


def bpc_history(history: dict[str, list[float]]) -> dict[str, list[float]]:
    """``bpc`` and ``val_bpc`` per epoch from a Keras history's ``loss`` / ``val_loss``."""
    return {
        name.replace("loss", "bpc"): [bits_per_char(v) for v in values]
        for name, values in history.items()
        if name in ("loss", "val_loss")
    }


def evaluate_bpc(
    model: keras.Model, spec: ModelSpec, x: np.ndarray, y: np.ndarray, batch_size: int = 64
) -> float:
    """Bits per character of ``y`` given ``x`` (windows), from Keras's own cross-entropy."""
    copy = inference_twin(model, spec, x.shape[1])
    result = copy.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)
    return bits_per_char(result["loss"])


CONTEXT_WINDOW = 200  # in-context scoring: windows of this many characters, half of them context


def context_windows(ids: np.ndarray, length: int = CONTEXT_WINDOW):
    """Windows ``x``, targets ``y`` (n, length) every ``length // 2`` ids, and weights (n, length)
    that score each target once: the first window wholly, every later one in its second half,
    after ``length // 2`` characters of context (a text shorter than a window: one window)."""
    ids = np.asarray(ids, dtype=np.int32)
    length = max(1, min(length, len(ids) - 1))
    half = max(1, length // 2)
    starts = list(range(0, len(ids) - length, half))  # (n,) the last target is ids[start + length]
    if starts[-1] + length < len(ids) - 1:  # the tail: one more window ending at the last id
        starts.append(len(ids) - 1 - length)
    x = np.stack([ids[s : s + length] for s in starts])  # (n, length)
    y = np.stack([ids[s + 1 : s + length + 1] for s in starts])  # (n, length)
    weights = np.zeros(x.shape, dtype=np.float32)
    weights[0] = 1.0
    for row in range(1, len(starts)):  # score only targets the previous window did not
        weights[row, starts[row - 1] + length - starts[row] :] = 1.0
    return x, y, weights


def in_context_bpc(
    model: keras.Model, spec: ModelSpec, ids: np.ndarray, length: int = CONTEXT_WINDOW
) -> float:
    """Bits per character of ``ids[1:]``, each character read after the text before it (at least
    ``length // 2`` characters of it, past the first window), as the n-gram scores it."""
    x, y, weights = context_windows(ids, length)
    probs = inference_twin(model, spec, x.shape[1]).predict(x, batch_size=64, verbose=0)
    # probs: (n, length, vocab)
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]  # (n, length)
    log2 = np.log2(np.maximum(picked, 1e-12))
    return float(-(log2 * weights).sum() / weights.sum())


# ----------------------------------------------------------------------------- sampling


def _stepper(model: keras.Model, spec: ModelSpec, batch: int) -> keras.Model:
    """A stateful copy of ``model`` for ``batch`` parallel streams, one step per call."""
    return twin(model, spec, (1,), stateful=True, stateful_batch_size=batch)


def sample_text(
    model: keras.Model,
    spec: ModelSpec,
    vocab: CharVocab,
    prompt: str,
    length: int,
    temperatures: Sequence[float] = (1.0,),
    seed: int = 0,
) -> list[str]:
    """``length`` characters after ``prompt``, one text per temperature (same seed for each).

    All temperatures run side by side as rows of one stateful batch; ``probs`` is the
    softmax (rows, vocab) after the last character read.
    """
    if not prompt:
        raise DataError("Type a prompt of at least one character to start from.")
    if not 1 <= length <= MAX_GENERATED:
        raise DataError(f"Generate between 1 and {MAX_GENERATED:,} characters.")
    ids = vocab.encode(prompt)  # (prompt_len,)
    rows = len(temperatures)
    step = _step_function(model, spec, rows)
    rngs = [np.random.default_rng(seed) for _ in temperatures]
    for char_id in ids:  # read the prompt one step at a time
        probs = step(np.full(rows, char_id, np.int32))
    out = np.empty((rows, length), dtype=np.int32)
    for t in range(length):
        for row, temperature in enumerate(temperatures):
            out[row, t] = draw(apply_temperature(probs[row], temperature), rngs[row])
        if t + 1 < length:
            probs = step(out[:, t])  # (rows, vocab)
    return [vocab.decode(row) for row in out]


def _step_function(model: keras.Model, spec: ModelSpec, rows: int):
    """Reads one character per row ((rows,) ids), returns the next-character softmax (rows,
    vocab), carrying the state: replayed in NumPy, else by a stateful Keras copy."""
    replay = stepper(model, rows)
    if replay is not None:
        return replay.step
    keras_stepper = _stepper(model, spec, rows)
    return lambda ids: np.asarray(keras_stepper.predict_on_batch(ids[:, None]))[:, -1]


class SampleEachEpoch(keras.callbacks.Callback):
    """At every epoch end, a text generated from a fixed prompt, kept in ``samples``."""

    def __init__(
        self,
        spec: ModelSpec,
        vocab: CharVocab,
        prompt: str,
        length: int = 200,
        temperature: float = 0.8,
        seed: int = 0,
    ):
        super().__init__()
        self.spec, self.vocab, self.prompt = spec, vocab, prompt
        self.length, self.temperature, self.seed = length, temperature, seed
        self.samples: list[str] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        text = sample_text(
            self.model,
            self.spec,
            self.vocab,
            self.prompt,
            self.length,
            (self.temperature,),
            self.seed,
        )
        self.samples.append(text[0])


# ----------------------------------------------------------------------------- top-k


@dataclass(frozen=True)
class NextChars:
    """What the model expected after ``passage[position]``: its top-k and the actual character."""

    position: int
    char: str
    top: tuple[tuple[str, float], ...]  # (character, probability), most likely first
    actual: str | None  # the next character of the passage (None at the end)
    actual_prob: float | None


def next_char_probs(model: keras.Model, spec: ModelSpec, ids: np.ndarray) -> np.ndarray:
    """Softmax over the next character after every prefix of ``ids``: (len(ids), vocab), read
    from a zero state (replayed in NumPy, else by a stateless twin in Keras)."""
    x = np.asarray(ids, dtype=np.int32)[None]  # (1, len)
    replayed = outputs(model, x)  # from a zero state, whether the model is stateful or not
    if replayed is not None:
        return replayed[0]
    copy = inference_twin(model, spec, len(ids))
    return np.asarray(copy.predict_on_batch(x))[0]


def top_k_next(
    model: keras.Model, spec: ModelSpec, vocab: CharVocab, passage: str, k: int = 5
) -> list[NextChars]:
    """For each position of ``passage``, the ``k`` likeliest next characters (from a zero state)."""
    ids = vocab.encode(passage)
    probs = next_char_probs(model, spec, ids)  # (len, vocab)
    best = np.argsort(-probs, axis=-1, kind="stable")[:, :k]  # (len, k)
    rows = []
    for t, char in enumerate(passage):
        actual = passage[t + 1] if t + 1 < len(passage) else None
        rows.append(
            NextChars(
                position=t,
                char=char,
                top=tuple((vocab.chars[i], float(probs[t, i])) for i in best[t]),
                actual=actual,
                actual_prob=None if actual is None else float(probs[t, ids[t + 1]]),
            )
        )
    return rows


def next_chars_table(rows: Sequence[NextChars]) -> pd.DataFrame:
    """One row per position: the character, the actual next one with its probability, and the
    top-k as ``"c  0.12"`` (white space named, see :func:`rnnviz.tasks.generation.chars.printable`)."""
    k = max((len(r.top) for r in rows), default=0)
    return pd.DataFrame(
        {
            "position": [r.position for r in rows],
            "character": [printable(r.char) for r in rows],
            "actual next": [printable(r.actual) if r.actual else "" for r in rows],
            "P(actual)": [r.actual_prob for r in rows],
            **{
                f"top {i + 1}": [f"{printable(r.top[i][0])}  {r.top[i][1]:.2f}" for r in rows]
                for i in range(k)
            },
        }
    )
