"""Sentiment's default recipe (kept light: no TensorFlow import)."""

from __future__ import annotations

from rnnviz.model.spec import ModelSpec, TrainSpec, recipe_to_specs

# Measured by bench/sentiment_quality.py on Rotten Tomatoes (seeds 7, 1, 2; 2 CPU cores, early
# stopping on validation loss as the app does): see the README's bench table. Before the fixed
# word features and the mean read-out: 0.770 / 0.762 / 0.766, TF-IDF + LR 0.770 / 0.770 / 0.772.
TEXT_OPTIONS = {"word_features": "none", "read_out": "last"}  # the plain stack's, when unset
DEFAULT_TEXT_RECIPE: dict = {
    "vocab_size": 10_000,
    "max_len": None,  # None: the 95% quantile of training-text lengths (tokens)
    "embedding_dim": 32,  # beside 4 fixed columns (prototype: best validation accuracy of 8-64)
    "cell": "LSTM",
    "units": 32,
    "bidirectional": True,
    "dropout": 0.3,  # of the word vectors the LSTM reads (one mask for every word of a text)
    "output_dropout": 0.3,  # of what the head reads
    "learning_rate": 1e-3,
    "batch_size": 64,
    "epochs": 8,
    "patience": 3,
    # fixed Naive-Bayes ratios (of words and of word pairs) and lexicon valences beside the
    # embedding (bigram ratios: +0.36 points over words alone, mean of 7 seeds in a prototype)
    "word_features": "all",
    "read_out": "mean",  # the head reads the mean of the outputs over the words
}


def text_recipe(recipe: dict = DEFAULT_TEXT_RECIPE, seed: int = 7) -> tuple[ModelSpec, TrainSpec]:
    """The model and training a text recipe describes (vocabulary and head are set by the data)."""
    options = tuple((key, recipe.get(key, default)) for key, default in TEXT_OPTIONS.items())
    return recipe_to_specs(recipe, seed, head="binary", options=options)


TEXT_MODEL, TEXT_TRAIN = text_recipe()
