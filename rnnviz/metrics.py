"""Pure forecast error metrics over arrays of any (matching) shape; NaN pairs are ignored."""

from __future__ import annotations

import numpy as np


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
