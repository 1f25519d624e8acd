"""Pure metric functions: forecast errors over arrays of any (matching) shape (NaN pairs are
ignored), and the report of a classifier (text or sequence classification)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _valid(actual: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    actual, predicted = np.asarray(actual, float).ravel(), np.asarray(predicted, float).ravel()
    if actual.shape != predicted.shape:
        raise ValueError(f"shape mismatch: {actual.shape} vs {predicted.shape}")
    keep = np.isfinite(actual) & np.isfinite(predicted)
    return actual[keep], predicted[keep]


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean squared error, in the units of the data."""
    a, p = _valid(actual, predicted)
    return float(np.sqrt(np.mean((a - p) ** 2))) if a.size else float("nan")


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute error, in the units of the data."""
    a, p = _valid(actual, predicted)
    return float(np.mean(np.abs(a - p))) if a.size else float("nan")


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error (%), over the points whose actual value is not zero."""
    a, p = _valid(actual, predicted)
    nonzero = a != 0
    if not nonzero.any():
        return float("nan")
    return float(100 * np.mean(np.abs((a[nonzero] - p[nonzero]) / a[nonzero])))


def error_table(actual: np.ndarray, predictions: dict[str, np.ndarray]) -> list[dict]:
    """One row per predictor: name, RMSE, MAE, MAPE against the same actual values."""
    return [
        {"model": name, "RMSE": rmse(actual, p), "MAE": mae(actual, p), "MAPE %": mape(actual, p)}
        for name, p in predictions.items()
    ]


def evaluate_classifier(
    y_true: Sequence[int], proba: np.ndarray, class_names: Sequence[str]
) -> dict:
    """Accuracy, confusion matrix (rows: true class) and per-class metrics; ROC/AUC when binary."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        precision_recall_fscore_support,
        roc_auc_score,
        roc_curve,
    )

    y_true = np.asarray(y_true, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    labels = list(range(len(class_names)))
    y_pred = proba.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    result = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "confusion": confusion_matrix(y_true, y_pred, labels=labels),
        "class_names": tuple(class_names),
        "per_class": pd.DataFrame(
            {
                "class": list(class_names),
                "precision": precision,
                "recall": recall,
                "f1": f1,
                "support": support,
            }
        ),
        "majority_accuracy": float(
            np.bincount(y_true, minlength=len(labels)).max() / max(1, len(y_true))
        ),
    }
    if len(class_names) == 2 and len(np.unique(y_true)) == 2:
        fpr, tpr, thresholds = roc_curve(y_true, proba[:, 1])
        result.update(
            fpr=fpr, tpr=tpr, thresholds=thresholds, auc=float(roc_auc_score(y_true, proba[:, 1]))
        )
    return result
