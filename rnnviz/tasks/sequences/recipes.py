"""Sequence classification's recipes: the default and the classic LSTM(30) on MNIST rows
(kept light: no TensorFlow import)."""

from __future__ import annotations

import math

# The app's default. Measured by bench/sequence_quality.py (seed 7, 2 busy shared CPU cores):
# test accuracy MNIST rows 0.951 after 54 s of training (seed 1: 0.946; 1-NN 0.921), digits rows
# 0.981, GunPoint 0.960 (seeds 1 / 2: 0.953 / 0.920; 1-NN 0.913), ItalyPowerDemand 0.959 (1-NN
# 0.955), BasicMotions 0.950, JapaneseVowels 0.962.
DEFAULT_SEQUENCE_RECIPE: dict = {
    "cell": "LSTM",
    "units": 64,
    "bidirectional": False,
    "dropout": 0.0,
    "optimizer": "adam",
    "learning_rate": 3e-3,
    "batch_size": 32,
    "epochs": 40,
    "min_updates": 2000,  # small sets get more epochs: at least this many batches in all
    "patience": 8,  # epochs, scaled with the epochs added for small sets, up to max_patience
    "max_patience": 200,  # GunPoint can plateau for 100+ epochs before it learns
}

# The classic demonstration: an LSTM(30) reading MNIST row by row, RMSprop, batches of 128
# (on the 5k subset: 0.917 after 23 s, 47 epochs, seed 7).
LSTM30_RECIPE: dict = {
    "cell": "LSTM",
    "units": 30,
    "bidirectional": False,
    "dropout": 0.0,
    "optimizer": "rmsprop",
    "learning_rate": 1e-3,
    "batch_size": 128,
    "epochs": 60,
    "min_updates": 0,
    "patience": 8,
    "max_patience": 50,
}


def recipe_epochs(recipe: dict, n_train: int) -> int:
    """The recipe's epochs, raised for small training sets to reach ``min_updates`` batches."""
    batches = max(1, math.ceil(n_train / int(recipe["batch_size"])))
    return max(int(recipe["epochs"]), math.ceil(int(recipe.get("min_updates", 0)) / batches))


def recipe_budget(recipe: dict, n_train: int) -> tuple[int, int]:
    """(epochs, patience) of a sequence recipe for ``n_train`` training sequences: the patience
    grows with the epochs added for small sets, up to the recipe's ``max_patience``."""
    epochs = recipe_epochs(recipe, n_train)
    patience = int(recipe["patience"]) * max(1, epochs // max(1, int(recipe["epochs"])))
    return epochs, min(patience, int(recipe.get("max_patience", patience)))


# A long sequence is read several steps at a time (each chunk's values side by side as one input
# step). Measured by bench/sequence_quality.py on OSULeaf (427 steps, 2 busy CPU cores, seed 7):
# one step at a time 0.44-0.53 test accuracy (every 4th step averaged), 16 at a time 0.612 in
# 61 s (1-NN Euclidean 0.521).
LONG_SEQUENCE_STEPS = 200  # longer sequences are read in chunks
CHUNK_TARGET_STEPS = 32  # ...of the smallest power of two that brings them to this many steps


def reading_chunk(steps: int) -> int:
    """Steps read at once for sequences of ``steps`` steps (their median length): 1 up to
    :data:`LONG_SEQUENCE_STEPS`, else the smallest power of two that leaves at most
    :data:`CHUNK_TARGET_STEPS` steps."""
    if steps <= LONG_SEQUENCE_STEPS:
        return 1
    return 2 ** math.ceil(math.log2(steps / CHUNK_TARGET_STEPS))


def chunk_reason(steps: int, chunk: int) -> str:
    """One sentence on why (and how) sequences of ``steps`` steps are read ``chunk`` at a time."""
    if chunk <= 1:
        return ""
    return (
        f"{steps} steps is long for a recurrent cell: it reads {chunk} steps at a time "
        f"({math.ceil(steps / chunk)} steps of {chunk} values each, nothing dropped)."
    )
