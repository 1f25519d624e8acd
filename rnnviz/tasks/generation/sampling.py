"""Seeded sampling from a distribution over characters, shared by the RNN and the n-gram model.

Pure NumPy (no Keras), so the n-gram baseline stays light.
"""

from __future__ import annotations

import numpy as np


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``probs`` (..., vocab) sharpened (T < 1) or flattened (T > 1): ``p^(1/T)`` renormalised.

    Temperature 0 puts all the mass on the most likely character (first one on a tie).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if temperature < 0:
        raise ValueError("Temperature must be 0 or more.")
    if temperature == 0:
        return np.eye(probs.shape[-1])[np.argmax(probs, axis=-1)]
    logits = np.log(np.maximum(probs, 1e-300)) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    return weights / weights.sum(axis=-1, keepdims=True)


def draw(probs: np.ndarray, rng: np.random.Generator) -> int:
    """One index drawn from the distribution ``probs`` (vocab,) by inverse CDF."""
    cdf = np.cumsum(probs)
    return int(min(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"), len(cdf) - 1))
