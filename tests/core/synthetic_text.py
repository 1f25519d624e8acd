"""A small labelled text set shared by the text and sentiment tests."""

import numpy as np

from rnnviz.tasks.sentiment.text import TextDataset


def synthetic(n: int = 100, seed: int = 0) -> TextDataset:
    rng = np.random.default_rng(seed)
    pos, neg, filler = (
        ["good", "great", "fine"],
        ["bad", "awful", "poor"],
        ["the", "movie", "was", "a", "plot"],
    )
    texts, labels = [], []
    for i in range(n):
        label = i % 2
        words = list(rng.choice(filler, size=4)) + [rng.choice(pos if label else neg)]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return TextDataset("synthetic", tuple(texts), tuple(labels), ("neg", "pos"), ())
