"""Sentiment's default recipe (kept light: no TensorFlow import)."""

from __future__ import annotations

from rnnviz.model.spec import ModelSpec, TrainSpec, recipe_to_specs

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
    "word_features": "both",  # fixed Naive-Bayes ratios and lexicon valences beside the embedding
}


def text_recipe(recipe: dict = DEFAULT_TEXT_RECIPE, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The model and training a text recipe describes (vocabulary and head are set by the data)."""
    options = (("word_features", recipe.get("word_features", "none")),)
    return recipe_to_specs(recipe, seed, head="binary", options=options)


TEXT_MODEL, TEXT_TRAIN = text_recipe()
