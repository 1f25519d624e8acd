"""Anomaly scores from reconstruction errors, the PCA baseline, and a detector's metrics.

The metrics are plain NumPy (scikit-learn is their reference in the tests): the ROC curve and its
area, with tied scores counted as scikit-learn does, and precision, recall and F1 when every
point scoring at least the threshold is flagged (the rule of scikit-learn's ROC thresholds). One
threshold rule serves the autoencoder and the baseline alike: a quantile of the scores of normal
validation points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_QUANTILE = 0.99


def step_errors(x: np.ndarray, rebuilt: np.ndarray) -> np.ndarray:
    """Squared error per window and step, averaged over features: ``(n_windows, size)``."""
    return np.mean((x - rebuilt) ** 2, axis=-1)


def pca_fit_reconstruct(
    train: np.ndarray, x: np.ndarray, n_components: int
) -> tuple[np.ndarray, float]:
    """Windows ``x`` ``(n, size, f)`` rebuilt from ``n_components`` principal components of the
    flattened normal training windows ``train``, and the share of variance they explain."""
    from sklearn.decomposition import PCA

    flat = train.reshape(len(train), -1)  # (n_train, size * f)
    k = max(1, min(n_components, *flat.shape))
    pca = PCA(n_components=k, svd_solver="full").fit(flat)
    rebuilt = pca.inverse_transform(pca.transform(x.reshape(len(x), -1)))  # (n, size * f)
    return rebuilt.reshape(x.shape).astype(np.float32), float(pca.explained_variance_ratio_.sum())


def quantile_threshold(normal_scores: np.ndarray, quantile: float = DEFAULT_QUANTILE) -> float:
    """The threshold rule: the ``quantile`` of the scores of points known (or assumed) normal."""
    finite = normal_scores[np.isfinite(normal_scores)]
    return float(np.quantile(finite, quantile)) if len(finite) else float("inf")


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positive rates from (0, 0), at every distinct score taken as the threshold
    (descending; the first threshold is +inf)."""
    order = np.argsort(-scores, kind="mergesort")
    y, s = labels[order].astype(bool), scores[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[last_of_tie]
    fp = last_of_tie + 1 - tp
    positives, negatives = max(int(y.sum()), 1), max(int((~y).sum()), 1)
    fpr = np.r_[0.0, fp / negatives]
    tpr = np.r_[0.0, tp / positives]
    return fpr, tpr, np.r_[np.inf, s[last_of_tie]]


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids: a tie counts half); NaN without both classes."""
    truth = labels.astype(bool)
    if truth.all() or not truth.any():
        return float("nan")
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(np.trapezoid(tpr, fpr))


@dataclass(frozen=True)
class Detection:
    """What flagging every point at or above a threshold finds."""

    threshold: float
    precision: float
    recall: float
    f1: float
    flagged: int


def detection_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> Detection:
    """Precision, recall and F1 when every point scoring at least ``threshold`` is flagged
    (precision 0 when nothing is flagged, recall 0 without anomalies)."""
    flagged = scores >= threshold
    truth = labels.astype(bool)
    hits = int(np.sum(flagged & truth))
    precision = hits / flagged.sum() if flagged.any() else 0.0
    recall = hits / truth.sum() if truth.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Detection(
        float(threshold), float(precision), float(recall), float(f1), int(flagged.sum())
    )
