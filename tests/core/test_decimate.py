"""Min-max decimation keeps every extreme of a long series while drawing few points."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnviz.common.decimate import decimate_frame, minmax_indices
from rnnviz.tasks.forecast.figures import series_preview


def brute_force(values: np.ndarray, n_buckets: int) -> set[int]:
    """The same selection, one bucket at a time in plain Python (the reference)."""
    size = -(-len(values) // n_buckets)
    picked = set()
    for start in range(0, len(values), size):
        bucket = values[start : start + size]
        picked |= {start, start + len(bucket) - 1}
        if not np.isnan(bucket).all():
            picked |= {start + int(np.nanargmin(bucket)), start + int(np.nanargmax(bucket))}
    return picked


def test_short_series_are_drawn_whole() -> None:
    assert minmax_indices(np.arange(10.0), 100).tolist() == list(range(10))


def test_matches_the_bucket_by_bucket_reference_and_keeps_extremes() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=100_003).cumsum()
    values[[5, 77_777]] = [1e6, -1e6]  # single-row spikes must survive
    values[40_000:40_100] = np.nan  # a gap
    kept = minmax_indices(values, 1_000)
    assert len(kept) <= 1_000 and np.all(np.diff(kept) > 0)
    assert set(kept.tolist()) == brute_force(values, 250)
    assert {5, 77_777, 0, len(values) - 1} <= set(kept.tolist())
    assert np.nanmax(values[kept]) == np.nanmax(values)
    assert np.nanmin(values[kept]) == np.nanmin(values)


def test_a_million_row_preview_is_small() -> None:
    index = pd.date_range("2000-01-01", periods=1_000_000, freq="min")
    frame = pd.DataFrame({"v": np.sin(np.arange(1_000_000) / 500.0)}, index=index)
    drawn = decimate_frame(frame, "v")
    assert len(drawn) <= 4_000 and drawn.index.is_monotonic_increasing
    figure = series_preview(frame, "v", 800_000, 900_000)
    assert len(figure.data[0].x) <= 4_000
    assert len(figure.to_json()) < 1_000_000  # bytes sent to the browser
