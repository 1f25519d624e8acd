"""What Inspect reads off a run's saved per-point frame (no Keras): thresholds by the shared
rule, precision/recall/F1 and ROC on the test part, the verdict against PCA, the codes in 2-D."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnviz.common.verdicts import Verdict
from rnnviz.tasks.anomaly.scoring import (
    Detection,
    detection_at,
    quantile_threshold,
    roc_auc,
    roc_curve,
)

SCORES = {"Autoencoder": ("score", "rebuilt"), "PCA": ("pca_score", "pca_rebuilt")}


def reference_rows(frame: pd.DataFrame) -> pd.Series:
    """The normal points the threshold rule reads: validation (training without any)."""
    part = "validation" if (frame["part"] == "validation").any() else "train"
    return (frame["part"] == part) & (frame["label"] == 0)


def rule_threshold(frame: pd.DataFrame, column: str, quantile: float) -> float:
    """The ``quantile`` of the detector's scores on normal reference points."""
    return quantile_threshold(frame.loc[reference_rows(frame), column].to_numpy(), quantile)


def test_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["part"] == "test"]


def test_has_both_classes(frame: pd.DataFrame) -> bool:
    labels = test_rows(frame)["label"]
    return bool(0 < labels.sum() < len(labels))


def detection(frame: pd.DataFrame, column: str, threshold: float) -> Detection:
    """What flagging test points at or above ``threshold`` finds."""
    test = test_rows(frame)
    return detection_at(test["label"].to_numpy(), test[column].to_numpy(), threshold)


def roc(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, float]:
    """The test ROC curve (false and true positive rates) and its area."""
    test = test_rows(frame)
    labels, scores = test["label"].to_numpy(), test[column].to_numpy()
    fpr, tpr, _ = roc_curve(labels, scores)
    return fpr, tpr, roc_auc(labels, scores)


def auc_verdict(autoencoder: float, pca: float) -> Verdict:
    """The autoencoder's test ROC AUC against PCA's: green only when it is higher."""
    if autoencoder > pca:
        return Verdict(
            True,
            f"The autoencoder's test ROC AUC {autoencoder:.3f} beats PCA's {pca:.3f} on the same "
            "windows.",
        )
    how = "ties with" if autoencoder == pca else "loses to"
    return Verdict(
        False,
        f"PCA wins: the autoencoder's test ROC AUC {autoencoder:.3f} {how} PCA's {pca:.3f} on "
        "the same windows. A linear model of the windows finds these anomalies as well or better.",
    )


def projection_2d(codes: np.ndarray) -> np.ndarray:
    """Codes ``(n, code_size)`` on their first two principal components ``(n, 2)`` (a code of
    one value gets a zero second axis)."""
    from sklearn.decomposition import PCA

    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))])
    return PCA(n_components=2).fit_transform(codes)


def evenly(n: int, cap: int) -> np.ndarray:
    """At most ``cap`` indices spread evenly over ``range(n)``."""
    return np.unique(np.linspace(0, n - 1, min(n, cap)).round().astype(int))
