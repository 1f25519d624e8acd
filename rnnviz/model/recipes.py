"""Default recipes: the settings a series starts from (kept light: no TensorFlow import)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.series import Series
from rnnviz.tasks.forecast.windows import WindowSpec

# Measured by bench/sentiment_quality.py on Rotten Tomatoes, 2 CPU cores, early stopping on
# validation accuracy: test accuracy 0.770 / 0.762 / 0.766 (seeds 7 / 1 / 2) in 35-90 s of
# training (TF-IDF + logistic regression on the same split: 0.770).
DEFAULT_TEXT_RECIPE: dict = {
    "vocab_size": 10_000,
    "max_len": None,  # None: the 95% quantile of training-text lengths (tokens)
    "embedding_dim": 64,
    "cell": "LSTM",
    "units": 32,
    "bidirectional": True,
    "dropout": 0.3,
    "learning_rate": 2e-3,
    "batch_size": 64,
    "epochs": 8,
    "patience": 2,
}

DEFAULT_MODEL = ModelSpec(cell="LSTM", units=(32,), topology="many_to_one")
DEFAULT_TRAIN = TrainSpec(
    optimizer="adam", learning_rate=0.005, batch_size=16, epochs=150, patience=25
)


def recommended_window_spec(series: Series) -> WindowSpec:
    """A look-back of two seasons (or 12 rows), a horizon of one season and a test of two.

    Positive trending series (airline passengers, CO2) are modelled as log differences so that
    the network learns the seasonal pattern of the changes rather than an ever-rising level.
    """
    n = len(series.frame)
    season = series.season or 0
    window = min(max(2 * season, 12), max(2, n // 6))
    horizon = max(1, min(season or 12, n // 12))
    test = max(horizon, min(2 * (season or 12), n // 6))
    val = max(horizon, min(season or 12, n // 8))
    target = series.frame[series.target]
    transform = (
        "log_diff" if (target > 0).all() and target.iloc[-1] > 1.5 * target.iloc[0] else "none"
    )
    return WindowSpec(
        window=window, horizon=horizon, test_size=test, val_size=val, transform=transform
    )


def text_recipe(recipe: dict = DEFAULT_TEXT_RECIPE, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The model and training a text recipe describes (vocabulary and head are set by the data)."""
    units = recipe["units"]
    model = ModelSpec(
        cell=recipe["cell"],
        units=tuple(units) if isinstance(units, list | tuple) else (int(units),),
        bidirectional=bool(recipe["bidirectional"]),
        dropout=float(recipe["dropout"]),
        embedding_dim=int(recipe["embedding_dim"]),
        head="binary",
    )
    train = TrainSpec(
        optimizer="adam",
        learning_rate=float(recipe["learning_rate"]),
        batch_size=int(recipe["batch_size"]),
        epochs=int(recipe["epochs"]),
        seed=seed,
        early_stopping=True,
        patience=int(recipe["patience"]),
    )
    return model, train


TEXT_MODEL, TEXT_TRAIN = text_recipe()


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
    units = recipe["units"]
    model = ModelSpec(
        cell=recipe["cell"],
        units=(units,) if isinstance(units, int) else tuple(units),
        embedding_dim=int(recipe["embedding_dim"]),
        dropout=float(recipe.get("dropout", 0.0)),
        stateful=bool(recipe.get("stateful", False)),
        stateful_batch_size=int(recipe["batch_size"]),
        topology="many_to_many",
        head="multiclass",
        mask_zero=False,
    )
    train = TrainSpec(
        learning_rate=float(recipe["learning_rate"]),
        batch_size=int(recipe["batch_size"]),
        epochs=int(recipe["epochs"]),
        seed=seed,
        early_stopping=False,
    )
    return model, train


CHAR_MODEL, CHAR_TRAIN = char_recipe()


@dataclass(frozen=True)
class ForecastRecipe:
    """A complete forecasting set-up: series, windows, model and training, in one click."""

    title: str
    dataset: str  # key of a built-in series
    window_spec: WindowSpec
    model: ModelSpec
    train: TrainSpec
    reported_rmse: float  # what the original reports on its test rows
    explanation: str


# The classic Keras LSTM tutorial on airline passengers (look-back 1, min-max scaling, the first
# 67% of the months for training, 100 epochs of batch 1, the weights of the last epoch).
TUTORIAL = ForecastRecipe(
    title="Airline tutorial (LSTM(4), look-back 1)",
    dataset="airline",
    window_spec=WindowSpec(window=1, horizon=1, test_size=48, val_size=0, scaler="minmax"),
    model=ModelSpec(cell="LSTM", units=(4,), topology="many_to_one"),
    train=TrainSpec(
        optimizer="adam",
        learning_rate=0.001,
        batch_size=1,
        epochs=100,
        seed=7,
        early_stopping=False,
        keep_weights="last",
    ),
    reported_rmse=47.5,
    explanation=(
        "The well-known tutorial trains LSTM(4) on the previous month only, min-max scaled, on the "
        "first 96 months (67%), 100 epochs of batch 1, and reports a test RMSE of about 47.5 on "
        "the last 48 (a plain-Keras rerun gives 51.9). Two differences here: its scaler is fitted "
        "on all 144 months, test included, while this app fits it on the training months only "
        "(the test months then reach above 1, outside anything seen in training); and it forms "
        "test windows from the test months alone, so its first test month is never predicted."
    ),
)


# -- sequence classification (rnnviz.tasks.sequences.classify re-exports these) --------------------------------
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
