"""The anomaly job: the autoencoder trained on normal windows, every point scored, and the PCA
baseline under the same threshold rule (what a worker trains and the run store keeps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras
import numpy as np
import pandas as pd

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.anomaly.data import AnomalySeries
from rnnviz.tasks.anomaly.model import build_autoencoder, reconstruct
from rnnviz.tasks.anomaly.options import option, training_target
from rnnviz.tasks.anomaly.scoring import (
    DEFAULT_QUANTILE,
    Detection,
    detection_at,
    pca_fit_reconstruct,
    quantile_threshold,
    roc_auc,
    step_errors,
)
from rnnviz.tasks.anomaly.windows import (
    TRAIN,
    VALIDATION,
    Windows,
    points_from_windows,
    spread_window_scores,
)
from rnnviz.tasks.base import Job
from rnnviz.train.runs import RunError
from rnnviz.train.training import PROBE_SAMPLES, FitData, TrainingRun, new_model

if TYPE_CHECKING:
    from rnnviz.tasks.anomaly.task import AnomalyData

PARTS = ("train", "validation", "test")
RNN, PCA = "autoencoder", "PCA"


@dataclass(frozen=True)
class Evaluation:
    """One detector's scores per point and what its threshold rule finds on the test part."""

    scores: np.ndarray  # (n,)
    rebuilt: np.ndarray  # (n, features) in the data's units
    threshold: float
    auc: float  # NaN without anomalies (or only anomalies) in the test part
    test: Detection


def normal_reference(series: AnomalySeries) -> slice:
    """The rows whose normal points set the threshold: validation, or training without it."""
    if series.val_end > series.train_end:
        return slice(series.train_end, series.val_end)
    return slice(0, series.train_end)


def evaluate(
    series: AnomalySeries, windows: Windows, rebuilt: np.ndarray, quantile: float = DEFAULT_QUANTILE
) -> Evaluation:
    """Scores of every point from rebuilt windows ``(n_windows, size, features)`` (each
    window's mean squared error, spread over its points), the threshold rule, the test metrics."""
    errors = spread_window_scores(step_errors(windows.x, rebuilt))  # (n_windows, size)
    scores = points_from_windows(errors, windows.starts, windows.n_points)  # (n,)
    in_units = points_from_windows(windows.in_units(rebuilt), windows.starts, windows.n_points)
    labels = series.labels_or_zeros
    reference = normal_reference(series)
    threshold = quantile_threshold(scores[reference][labels[reference] == 0], quantile)
    test = slice(series.val_end, None)
    auc = roc_auc(labels[test], scores[test])
    return Evaluation(
        scores, in_units, threshold, auc, detection_at(labels[test], scores[test], threshold)
    )


def pca_rebuilt(windows: Windows, n_components: int) -> tuple[np.ndarray, float]:
    """The baseline: windows rebuilt from PCA of the normal training windows."""
    return pca_fit_reconstruct(windows.select(TRAIN, normal_only=True), windows.x, n_components)


def anomaly_fit_data(windows: Windows, spec: ModelSpec) -> FitData:
    """Normal training windows in, themselves (back to front when reversed) out; the same for
    normal validation windows."""
    train = windows.select(TRAIN, normal_only=True)
    val = windows.select(VALIDATION, normal_only=True)
    return FitData(train, training_target(spec, train), val, training_target(spec, val))


@dataclass(eq=False)
class AnomalyJob(Job):
    """An autoencoder run with the data it was trained on, for Inspect."""

    dataset_name: str
    data: AnomalyData
    run: TrainingRun
    task = "anomaly"

    @property
    def inference_model(self) -> keras.Model:
        return self.run.model

    def evaluations(self) -> dict[str, Evaluation]:
        """The autoencoder's and PCA's scores (PCA with as many components as the code)."""
        series, windows, spec = self.data.series, self.data.windows, self.run.spec
        rebuilt = reconstruct(self.inference_model, spec, windows.x)
        baseline, _ = pca_rebuilt(windows, int(option(spec, "code_size")))
        return {RNN: evaluate(series, windows, rebuilt), PCA: evaluate(series, windows, baseline)}

    def predictions(self) -> pd.DataFrame:
        """The saved per-point frame, or computed now when there is none (not saved yet) or it
        cannot be used."""

        try:
            frame = self.record.predictions() if self.record is not None else None
        except RunError:
            frame = None
        if frame is None or not set(POINT_COLUMNS) <= set(frame.columns):
            frame = self.summary()[2]
        return frame

    def summary(self) -> tuple[dict, dict, pd.DataFrame]:
        """Data settings, the test metrics of both detectors, and one row per point."""
        found = self.evaluations()
        return self.data.config(), detector_metrics(found), point_frame(self.data.series, found)


POINT_COLUMNS = ("step", "value", "label", "part", "score", "pca_score", "rebuilt", "pca_rebuilt")


def detector_metrics(found: dict[str, Evaluation]) -> dict[str, float]:
    """The figures a saved run keeps (a test AUC only where the test part has both classes)."""
    metrics: dict[str, float] = {}
    for name, prefix in ((RNN, ""), (PCA, "PCA ")):
        result = found[name]
        metrics[f"{prefix}threshold"] = result.threshold
        if np.isfinite(result.auc):
            metrics[f"{prefix}test ROC AUC"] = result.auc
            metrics[f"{prefix}test F1"] = result.test.f1
            metrics[f"{prefix}test precision"] = result.test.precision
            metrics[f"{prefix}test recall"] = result.test.recall
    return metrics


def point_frame(series: AnomalySeries, found: dict[str, Evaluation]) -> pd.DataFrame:
    """One row per point: its value and label (first feature), part, both scores and rebuilt
    values."""
    n = len(series.values)
    part = np.zeros(n, np.int8)
    part[series.train_end : series.val_end] = 1
    part[series.val_end :] = 2
    return pd.DataFrame(
        {
            "step": np.arange(n),
            "value": series.values[:, 0].astype(np.float64),
            "label": series.labels_or_zeros.astype(np.int64),
            "part": np.asarray(PARTS, dtype=object)[part],
            "score": found[RNN].scores,
            "pca_score": found[PCA].scores,
            "rebuilt": found[RNN].rebuilt[:, 0],
            "pca_rebuilt": found[PCA].rebuilt[:, 0],
        }
    )


def anomaly_job(data: AnomalyData, spec: ModelSpec, train: TrainSpec) -> AnomalyJob:
    """A seeded, compiled autoencoder on ``data``'s normal training windows, in a training run."""
    # the task imports this job module lazily
    from rnnviz.tasks.anomaly.task import ANOMALY

    spec = ANOMALY.model_spec(spec, data)
    windows = data.windows
    model = new_model(spec, train, windows.x.shape[1:], build=build_autoencoder)
    fit = anomaly_fit_data(windows, spec)
    run = TrainingRun(model, spec, train, fit, probe_x=fit.x_val[:PROBE_SAMPLES])
    return AnomalyJob(data.name, data, run)
