"""Time index spacing: frequency with gaps, the gaps themselves, and filling them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.timeindex import (
    describe_gaps,
    describe_steps,
    fill_gaps,
    missing_times,
    spacing,
)

DROPPED = [3, 4, 10]  # two gaps: 2 periods, then 1


@pytest.mark.parametrize(
    ("freq", "label", "season", "unit"),
    [
        ("MS", "monthly", 12, "month"),
        ("ME", "monthly", 12, "month"),
        ("QS", "quarterly", 4, "quarter"),
        ("YS", "yearly", None, "year"),
        ("W-SAT", "weekly", 52, "week"),
        ("D", "daily", 7, "day"),
        ("B", "business daily", 5, "business day"),
        ("h", "hourly", 24, "hour"),
        ("15min", "every 15 minutes", None, "15 minutes"),
    ],
)
def test_frequency_gaps_and_the_missing_times(freq, label, season, unit) -> None:
    full = pd.date_range("2001-01-01", periods=30, freq=freq)
    times = full.delete(DROPPED)
    found = spacing(times)
    assert found.frequency.label == label and found.frequency.season == season
    assert found.gaps == (2, 1) and found.missing == 3 and found.evenly_spaced
    assert list(missing_times(times, found.frequency)) == list(full[DROPPED])
    assert describe_gaps(found).startswith("2 gaps, 3 missing")
    assert unit in describe_gaps(found)


def test_monthly_gaps_are_described_like_a_person_would() -> None:
    months = pd.date_range("2000-01-01", periods=40, freq="MS").delete([5, 6, 20, 30, 31])
    found = spacing(months)
    assert describe_gaps(found) == "3 gaps, 5 missing months, largest 2 months"


def test_a_91_day_hole_in_daily_data_is_one_gap() -> None:
    days = pd.date_range("2020-01-01", periods=365).delete(range(100, 191))
    found = spacing(days)
    assert found.frequency.label == "daily"
    assert describe_gaps(found) == "1 gap, 91 missing days, largest 91 days"


def test_dates_bunched_in_januaries_are_not_evenly_spaced() -> None:
    # 01.02.1991 read month first: 2-12 January, every year
    bunched = pd.DatetimeIndex(
        [pd.Timestamp(1991 + y, 1, d) for y in range(3) for d in range(1, 13)]
    )
    found = spacing(bunched)
    assert not found.evenly_spaced
    assert describe_steps(found) == "steps from 1 day to 355 days"


def test_irregular_times_have_no_frequency() -> None:
    rng = np.random.default_rng(0)
    times = pd.DatetimeIndex(
        sorted(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**6, 30), "s"))
    )
    assert spacing(times).frequency is None and describe_gaps(spacing(times)) == "no gaps"


def test_fill_gaps_interpolates_in_time() -> None:
    days = pd.date_range("2020-01-01", periods=10).delete([1, 2])  # keeps a weekend: daily
    frame = pd.DataFrame({"v": np.arange(10.0)[[0, 3, 4, 5, 6, 7, 8, 9]]}, index=days)
    filled, added = fill_gaps(frame, spacing(days).frequency)
    assert added == 2 and len(filled) == 10
    np.testing.assert_allclose(filled["v"], np.arange(10.0))
