"""Scaling fitted on training rows only, shared by every task that reads numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

ScalerKind = Literal["standard", "minmax", "none"]


@dataclass(frozen=True)
class Scaler:
    """Per-column ``(value - mean) / std``; a column with no spread gets a ``std`` of 1.

    ``mean`` and ``std`` are the centre and spread the scaling uses: the mean and standard
    deviation (standardise), the minimum and the range (min-max), or 0 and 1 (none).
    """

    mean: np.ndarray  # (features,)
    std: np.ndarray  # (features,)
    kind: ScalerKind = "standard"

    @classmethod
    def fit(cls, values: np.ndarray, kind: ScalerKind = "standard") -> Scaler:
        """Fit on ``values`` (rows, features), which must be the training rows only."""
        if kind == "minmax":
            centre, spread = values.min(axis=0), values.max(axis=0) - values.min(axis=0)
        elif kind == "none":
            centre, spread = np.zeros(values.shape[1]), np.ones(values.shape[1])
        else:
            centre, spread = values.mean(axis=0), values.std(axis=0)
        return cls(centre, np.where(spread > 0, spread, 1.0), kind)

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.mean) / self.std  # (rows, features)

    def inverse_target(self, scaled: np.ndarray) -> np.ndarray:
        """Scaled values of feature 0 (the target) back to its transformed units."""
        return scaled * self.std[0] + self.mean[0]
