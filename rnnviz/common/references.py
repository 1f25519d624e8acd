"""Reference marks on the live metric chart: the baseline figure of the data and, for built-in
presets, a published reference with its source, drawn as horizontal bands the user watches the
model cross during training.

A baseline mark is computed from its per-sample results on the held-out rows (1 or 0 per sample
for an accuracy, an absolute error for an MAE, bits per character): the band is the mean +/- one
standard error. A published mark is a range quoted from its source. Pure NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class ReferenceMark:
    """A horizontal band on the chart of ``metric`` (an epoch-log key: "accuracy", "mae", "bpc")."""

    label: str  # "1-NN (Euclidean)", "CNN (Kim, 2014)"
    metric: str
    value: float
    low: float
    high: float
    source: str  # the tooltip: how it was computed, or where it was published
    published: bool = False

    def crossed_at(self, values: Sequence[float], higher_is_better: bool) -> int | None:
        """The first epoch (1-based) whose value is better than the mark's value, or None."""
        for epoch, value in enumerate(values, start=1):
            if value > self.value if higher_is_better else value < self.value:
                return epoch
        return None


def baseline_mark(
    label: str, metric: str, per_sample: Array, source: str, scale: float = 1.0
) -> ReferenceMark:
    """A computed baseline: mean +/- one standard error of its per-sample results, divided by
    ``scale`` (the units the model trains in, e.g. a standardised target's standard deviation)."""
    values = np.asarray(per_sample, dtype=float) / scale
    values = values[~np.isnan(values)]
    if values.size == 0:
        raise ValueError(f"{label}: no held-out result to draw")
    mean = float(values.mean())
    error = float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else 0.0
    return ReferenceMark(label, metric, mean, mean - error, mean + error, source)


def line_mark(label: str, metric: str, value: float, source: str) -> ReferenceMark:
    """A computed figure known only as one number (no per-sample results): a line, no band."""
    return ReferenceMark(label, metric, float(value), float(value), float(value), source)


def published_mark(label: str, metric: str, low: float, high: float, source: str) -> ReferenceMark:
    """A figure quoted from the literature (a range when the source gives several)."""
    return ReferenceMark(label, metric, (low + high) / 2, low, high, source, published=True)


# Published references of the built-in presets (accuracy as a share, 0-1). Every one names its
# source and says how its setting differs from the app's, when it does.
PUBLISHED: dict[str, tuple[ReferenceMark, ...]] = {
    "Rotten Tomatoes": (
        published_mark(
            "CNN (Kim, 2014)",
            "accuracy",
            0.810,
            0.815,
            "Kim (2014), Convolutional Neural Networks for Sentence Classification, Table 2: "
            "CNN-static 81.0%, CNN-non-static 81.5% on MR (Pang & Lee's 10,662 Rotten Tomatoes "
            "snippets, 10-fold cross-validation): a close cousin of this corpus, not the same "
            "split.",
        ),
    ),
    "GunPoint": (
        published_mark(
            "1-NN Euclidean (UCR archive)",
            "accuracy",
            0.913,
            0.913,
            "Dau et al. (2019), The UCR Time Series Archive: 1-NN Euclidean test error 0.087 "
            "on the official 50 / 150 split.",
        ),
    ),
    "ItalyPowerDemand": (
        published_mark(
            "1-NN Euclidean (UCR archive)",
            "accuracy",
            0.955,
            0.955,
            "Dau et al. (2019), The UCR Time Series Archive: 1-NN Euclidean test error 0.045 "
            "on the official 67 / 1029 split.",
        ),
    ),
}


def reference_marks(preset: str | None, computed: Sequence[ReferenceMark]) -> list[ReferenceMark]:
    """The marks of a chart: the data's computed baselines, then the preset's published ones
    on the same metrics (none for an upload)."""
    metrics = {m.metric for m in computed}
    published = [m for m in PUBLISHED.get(preset or "", ()) if not computed or m.metric in metrics]
    return [*computed, *published]


HIGHER_IS_BETTER = frozenset({"accuracy"})  # chart metrics where a larger value is better


def crossing_note(mark: ReferenceMark, values: Sequence[float]) -> str:
    """'Crossed 1-NN (Euclidean) (0.912) at epoch 4.' or 'Not yet past ...' (validation)."""
    epoch = mark.crossed_at(values, mark.metric in HIGHER_IS_BETTER)
    if epoch is None:
        return f"Not yet past {mark.label} ({mark.value:.3g})."
    return f"Crossed {mark.label} ({mark.value:.3g}) at epoch {epoch}."
