"""Text generation's default recipe (kept light: no TensorFlow import)."""

from __future__ import annotations

from rnnviz.model.spec import ModelSpec, TrainSpec, recipe_to_specs

# Measured by bench/generation_quality.py on Macbeth (2 shared CPU cores, seed 7): validation
# 2.471 bits per character after 148 s (30 epochs, best at 25) vs 2.828 for the character 3-gram
# and 2.359 for the best (6-gram, Kneser-Ney). On one play the model overfits from ~25 epochs.
DEFAULT_CHAR_RECIPE: dict = {
    "cell": "LSTM",
    "units": 128,
    "embedding_dim": 32,
    "seq_len": 100,
    "stride": 50,
    "batch_size": 64,
    "learning_rate": 6e-3,
    "epochs": 30,
    "val_fraction": 0.1,
    "dropout": 0.0,
}


def char_recipe(recipe: dict = DEFAULT_CHAR_RECIPE, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The next-character model and training a recipe describes (vocabulary set by the data):
    an embedding, the cell stack and a softmax at every step, no masking (id 0 is a character)."""
    return recipe_to_specs(
        recipe,
        seed,
        train={"early_stopping": False},
        stateful_batch_size=int(recipe["batch_size"]),
        topology="many_to_many",
        head="multiclass",
        mask_zero=False,
    )


CHAR_MODEL, CHAR_TRAIN = char_recipe()
