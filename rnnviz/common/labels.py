"""Class labels of any classifier's data: their names, the stratified split, the surest errors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MAX_CLASSES = 50  # one limit for every classifier's labels


def class_name(value: object) -> str:
    """A label as shown: 1.0 -> "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def split_index(index: np.ndarray, labels: np.ndarray, fraction: float, seed: int):
    """``index`` split off ``fraction`` stratified by ``labels`` (a plain shuffle split when a
    class is too small to stratify)."""
    from sklearn.model_selection import train_test_split

    if fraction <= 0:
        return index, index[:0]
    try:
        return train_test_split(
            index, test_size=fraction, random_state=seed, stratify=labels[index]
        )
    except ValueError:  # a class too small to stratify: fall back to a plain shuffle split
        return train_test_split(index, test_size=fraction, random_state=seed)


def most_confident_errors(
    texts: Sequence[str],
    y_true: Sequence[int],
    proba: np.ndarray,
    class_names: Sequence[str],
    k: int = 10,
) -> pd.DataFrame:
    """The ``k`` wrong predictions the model was surest of (text, true, predicted, confidence)."""
    y_true = np.asarray(y_true, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    y_pred = proba.argmax(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    confidence = proba[wrong, y_pred[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:k]
    return pd.DataFrame(
        {
            "text": [texts[i] for i in order],
            "true": [class_names[y_true[i]] for i in order],
            "predicted": [class_names[y_pred[i]] for i in order],
            "confidence": proba[order, y_pred[order]],
        }
    )
