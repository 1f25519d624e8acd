"""Fewer points to draw, same picture: min-max decimation of long series for charts.

A browser cannot usefully draw a million points on a chart a thousand pixels wide, and sending
them costs tens of megabytes per redraw. :func:`minmax_indices` cuts the rows into equal buckets
and keeps, per bucket, the first and last row and the rows holding the minimum and maximum, so
every spike and the envelope of the line survive exactly (the usual "min-max" downsampler of
plotly-resampler and tsdownsample). Pure NumPy; missing values are skipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MAX_DRAWN_POINTS = 4_000  # per trace: enough for any screen, a few hundred kilobytes of JSON


def minmax_indices(values: np.ndarray, max_points: int = MAX_DRAWN_POINTS) -> np.ndarray:
    """Sorted row positions to draw: all rows when there are at most ``max_points``, else per
    bucket of rows the first, last, minimum and maximum (at most ``max_points`` in all)."""
    values = np.asarray(values, dtype=np.float64)  # (rows,)
    n = len(values)
    if n <= max_points:
        return np.arange(n)
    n_buckets = max(1, max_points // 4)
    size = -(-n // n_buckets)  # rows per bucket, rounded up
    padded = np.full(n_buckets * size, np.nan)
    padded[:n] = values
    buckets = padded.reshape(n_buckets, size)  # (buckets, rows per bucket)
    starts = np.arange(n_buckets) * size
    valid = ~np.isnan(buckets).all(axis=1)  # buckets past the end, or all missing
    low = np.where(np.isnan(buckets), np.inf, buckets).argmin(axis=1)
    high = np.where(np.isnan(buckets), -np.inf, buckets).argmax(axis=1)
    last = np.minimum(starts + size - 1, n - 1) - starts
    picked = np.concatenate([starts, (starts + low)[valid], (starts + high)[valid], starts + last])
    return np.unique(picked[picked < n])


def decimate_frame(
    frame: pd.DataFrame, column: str, max_points: int = MAX_DRAWN_POINTS
) -> pd.DataFrame:
    """The rows of ``frame`` worth drawing for ``column`` (all of them when few enough)."""
    if len(frame) <= max_points:
        return frame
    return frame.iloc[minmax_indices(frame[column].to_numpy(), max_points)]
