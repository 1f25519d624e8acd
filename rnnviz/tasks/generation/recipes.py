"""Text generation's default recipe, derived from the corpus size (kept light: no TensorFlow
import)."""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.model.spec import ModelSpec, TrainSpec, recipe_to_specs

# The recipe of Macbeth (91,674 training characters), see corpus_recipe. Measured by
# bench/generation_quality.py --app (2 shared CPU cores at load average 7-11, the bench stopping
# the run before 300 s): 2.341 bits per character scored in context (seed 1, 96 of 100 epochs in
# 299 s), 2.351 (seed 7, 86 epochs in 296 s), 2.328 (seed 2, 74 epochs in 298 s) against 2.359 for
# the best n-gram (6-gram, Kneser-Ney). What beat it: dropout of the LSTM's outputs before the
# softmax (output_dropout) and a learning rate falling along a cosine over the run, whose settled
# last epoch is kept; the flat 6e-3 with input dropout 0.2 alone stopped improving at 2.387
# (epoch 29 of 44).
DEFAULT_CHAR_RECIPE: dict = {
    "cell": "LSTM",
    "units": 128,
    "embedding_dim": 32,
    "seq_len": 32,
    "stride": 32,
    "stateful": True,
    "batch_size": 64,  # parallel streams of the text (the stateful batch)
    "learning_rate": 6e-3,
    "lr_schedule": "cosine",
    "epochs": 100,
    "val_fraction": 0.1,
    "dropout": 0.2,
    "output_dropout": 0.3,
}

# The rules that derive the recipe from the corpus (see corpus_recipe).
SMALL_CORPUS_CHARS = 300_000  # fewer training characters: dropout against memorising them
SMALL_CORPUS_DROPOUT = 0.2  # of the characters read (the LSTM's input)
SMALL_CORPUS_OUTPUT_DROPOUT = 0.3  # of what the softmax reads (the LSTM's output)
CHARS_PER_RUN = 9_200_000  # characters one run reads in all (about 4 minutes on 2 CPU cores)
MIN_EPOCHS, MAX_EPOCHS = 2, 100
CHUNKS_PER_STREAM = 4  # fewest chunks of seq_len per stream: fewer streams for a short text


@dataclass(frozen=True)
class CharDefaults:
    """The recipe derived from one corpus, and why each choice was made."""

    recipe: dict
    reasons: tuple[str, ...]  # one sentence per choice

    @property
    def explanation(self) -> str:
        return " ".join(self.reasons)


def corpus_recipe(train_chars: int, base: dict = DEFAULT_CHAR_RECIPE) -> CharDefaults:
    """The recipe for ``train_chars`` training characters: streams read with carried state,
    as many epochs as make :data:`CHARS_PER_RUN` characters read along a cosine learning rate,
    dropout of the inputs and outputs for a small corpus and fewer streams for a text too short to
    give every one :data:`CHUNKS_PER_STREAM` chunks."""
    seq_len = int(base["seq_len"])
    streams = max(1, min(int(base["batch_size"]), train_chars // (CHUNKS_PER_STREAM * seq_len)))
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, round(CHARS_PER_RUN / max(train_chars, 1))))
    small = train_chars < SMALL_CORPUS_CHARS
    recipe = base | {
        "batch_size": streams,
        "epochs": epochs,
        "lr_schedule": "cosine",
        "dropout": SMALL_CORPUS_DROPOUT if small else 0.0,
        "output_dropout": SMALL_CORPUS_OUTPUT_DROPOUT if small else 0.0,
    }
    reasons = [
        f"The text is read as {streams} streams of {seq_len} characters whose state carries on "
        "from chunk to chunk (each character once an epoch, with the text before it in its "
        f"stream as context); {epochs} epochs read about {epochs * train_chars / 1e6:.1f} million "
        "characters in all, the learning rate falling along a cosine to 2% by the last one so "
        "that the last epochs settle (their weights are kept).",
        f"{train_chars:,} training characters is a small corpus: dropout "
        f"{SMALL_CORPUS_DROPOUT:g} of the characters read and {SMALL_CORPUS_OUTPUT_DROPOUT:g} of "
        "what the softmax reads keep the network from memorising it."
        if small
        else f"{train_chars:,} training characters give the network enough to read without "
        "dropout.",
    ]
    return CharDefaults(recipe, tuple(reasons))


def text_defaults(n_chars: int, base: dict = DEFAULT_CHAR_RECIPE) -> CharDefaults:
    """The recipe of a text of ``n_chars`` characters (its training block: all but the recipe's
    validation share)."""
    return corpus_recipe(round(n_chars * (1 - base["val_fraction"])), base)


def char_recipe(recipe: dict = DEFAULT_CHAR_RECIPE, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The next-character model and training a recipe describes (vocabulary set by the data):
    an embedding, the cell stack and a softmax at every step, no masking (id 0 is a character);
    a cosine learning rate keeps the last epoch's weights."""
    cosine = recipe.get("lr_schedule") == "cosine"
    return recipe_to_specs(
        recipe,
        seed,
        # the cosine's last epochs settle: keep them (a best epoch chosen on the validation
        # streams, most of whose characters are read after little context, comes too early)
        train={"early_stopping": False, "keep_weights": "last" if cosine else "best"},
        stateful_batch_size=int(recipe["batch_size"]),
        topology="many_to_many",
        head="multiclass",
        mask_zero=False,
    )


CHAR_MODEL, CHAR_TRAIN = char_recipe()
