"""Word pairs of a text model: each word with the one before it, hashed to one of
:data:`PAIR_BUCKETS` ids, so that a fixed table can hold a feature per pair (e.g. the
Naive-Bayes ratio of "not good"). These ids in NumPy, for tables and replays; the model computes
the same with :class:`rnnviz.model.builder.WordPairs`. Pure NumPy: no Keras."""

from __future__ import annotations

import numpy as np

PAIR_BUCKETS = 1 << 18  # ids 1..PAIR_BUCKETS-1 for pairs, 0 for padding
PAIR_MULTIPLIER = 7919  # a prime: (before * 7919 + word) stays within int32 for 270,000 words


def word_pair_ids(ids: np.ndarray, buckets: int = PAIR_BUCKETS) -> np.ndarray:
    """``(batch, time)`` token ids -> ``(batch, time)`` int32 ids of (word before, word): the
    first word pairs with padding (0), and padding itself gets 0."""
    ids = np.asarray(ids, dtype=np.int64)
    before = np.pad(ids[:, :-1], ((0, 0), (1, 0)))  # (batch, time): 0 before the first word
    hashed = (before * PAIR_MULTIPLIER + ids) % (buckets - 1) + 1
    return np.where(ids == 0, 0, hashed).astype(np.int32)
