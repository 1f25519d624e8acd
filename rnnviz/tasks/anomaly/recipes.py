"""Anomaly detection's default recipe and each built-in series' windows (light: no TensorFlow).

Measured by ``bench/anomaly_quality.py`` (seed 7, 2 busy shared CPU cores): see the README's
measurements. A GRU(32) encoder, a code of 8, the code repeated into a GRU(32) decoder that
rebuilds the window back to front, trained on centred windows of normal training data; it beats
PCA (8 components, the same windows and threshold rule) on the test ROC AUC of both bundled sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.anomaly.options import ARCHITECTURE, autoencoder_options


@dataclass(frozen=True)
class WindowRecipe:
    """How a series is read: samples averaged per step, window size and stride."""

    every: int = 1
    size: int = 32
    stride: int = 1


# mitdb at 360 Hz: 4 samples per step keep a beat's shape; 64 steps (0.7 s) hold about one beat.
# yahoo: 32 points hold about one and a half of its seasons. GunPoint: each sample (150 steps)
# is a window, read at half rate.
WINDOWS: dict[str, WindowRecipe] = {
    "mitdb": WindowRecipe(every=4, size=64, stride=2),
    "yahoo": WindowRecipe(every=1, size=32, stride=1),
    "GunPoint": WindowRecipe(every=2, size=75, stride=75),
}
UPLOAD_WINDOWS = WindowRecipe(every=1, size=32, stride=1)

DEFAULT_MODEL = ModelSpec(
    cell="GRU",
    units=(32,),
    topology="encoder_decoder",
    head="regression",
    architecture=ARCHITECTURE,
    options=autoencoder_options(8, "repeat", True),
)
DEFAULT_TRAIN = TrainSpec(
    optimizer="adam", learning_rate=3e-3, batch_size=32, epochs=40, seed=7, patience=5
)
