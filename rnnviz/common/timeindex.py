"""How the times of a series are spaced: frequency, seasonal period, gaps, filling them.

Pure pandas/NumPy, no streamlit. A time index is described by numbering each time in units of
its frequency (minutes, hours, days, business days, weeks, months, quarters, years): the
frequency is the one the most common step between consecutive times suggests, gaps are the
numbers missing between the first and last time, and filling a gap means adding those times.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NS_PER_SECOND = 1_000_000_000
DAY_SECONDS = 86_400
WEEK_SECONDS = 7 * DAY_SECONDS
EPOCH = np.datetime64("1970-01-01", "D")  # a Thursday
WEEK_SHIFT = 3  # days from the Monday before the epoch to the epoch


@dataclass(frozen=True)
class Frequency:
    """A regular spacing of times: its name, its unit in words and the usual seasonal period."""

    label: str  # 'monthly', 'business daily', 'every 15 minutes', ...
    unit: str  # the noun for one step: 'month', 'business day', '15 minutes'
    season: int | None
    calendar: str = ""  # 'M', 'Q', 'Y' or 'B' for calendar steps; '' for a fixed step
    step_seconds: int = 0  # the fixed step (minutes, hours, days, weeks)


FIXED_STEPS = {  # step in seconds: (label, unit, season)
    60: ("minutely", "minute", None),
    3_600: ("hourly", "hour", 24),
    DAY_SECONDS: ("daily", "day", 7),
    WEEK_SECONDS: ("weekly", "week", 52),
}
CALENDAR = {  # code: (label, unit, season, shortest and longest step in days)
    "M": ("monthly", "month", 12, 28, 31),
    "Q": ("quarterly", "quarter", 4, 89, 92),
    "Y": ("yearly", "year", None, 365, 366),
}
BUSINESS_DAYS = Frequency("business daily", "business day", 5, calendar="B")


def distinct_times(times: pd.Index) -> pd.DatetimeIndex:
    """The distinct times, sorted, in nanoseconds (pandas may store seconds or microseconds)."""
    return pd.DatetimeIndex(times).unique().sort_values().as_unit("ns")


def fixed_frequency(step_seconds: int) -> Frequency | None:
    """The frequency of a fixed step: minutes, hours, days or weeks, or a multiple of a minute."""
    if step_seconds in FIXED_STEPS:
        label, unit, season = FIXED_STEPS[step_seconds]
        return Frequency(label, unit, season, step_seconds=step_seconds)
    if step_seconds <= 0 or step_seconds % 60:
        return None
    for size, word in ((DAY_SECONDS, "day"), (3_600, "hour"), (60, "minute")):
        if step_seconds % size == 0:
            count = step_seconds // size
            return Frequency(f"every {count} {word}s", f"{count} {word}s", None, "", step_seconds)
    return None


def calendar_frequency(code: str) -> Frequency:
    label, unit, season, _, _ = CALENDAR[code]
    return Frequency(label, unit, season, calendar=code)


def period_numbers(times: pd.DatetimeIndex, frequency: Frequency) -> np.ndarray:
    """Each time's period number at ``frequency`` (consecutive periods differ by 1)."""
    times = pd.DatetimeIndex(times).as_unit("ns")
    if frequency.calendar == "M":
        return times.year.to_numpy() * 12 + times.month.to_numpy() - 1
    if frequency.calendar == "Q":
        return times.year.to_numpy() * 4 + (times.month.to_numpy() - 1) // 3
    if frequency.calendar == "Y":
        return times.year.to_numpy()
    if frequency.calendar == "B":
        days = times.to_numpy().astype("datetime64[D]")
        return np.busday_count(EPOCH, days)
    step = frequency.step_seconds * NS_PER_SECOND
    offset = (times.asi8 - times.asi8[0]) if len(times) else times.asi8
    if frequency.step_seconds == WEEK_SECONDS:  # Monday-based weeks
        return (times.asi8 // (DAY_SECONDS * NS_PER_SECOND) + WEEK_SHIFT) // 7
    return offset // step


def period_starts(numbers: np.ndarray, frequency: Frequency, anchor: pd.Timestamp) -> pd.Index:
    """The start of each period number (inverse of :func:`period_numbers`)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if frequency.calendar in ("M", "Q", "Y"):
        months_per = {"M": 1, "Q": 3, "Y": 12}[frequency.calendar]
        per_year = 12 // months_per
        years, within = np.divmod(numbers, per_year)
        parts = {"year": years, "month": within * months_per + 1, "day": np.ones_like(years)}
        return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame(parts)))
    if frequency.calendar == "B":
        return pd.DatetimeIndex(np.busday_offset(EPOCH, numbers, roll="forward"))
    if frequency.step_seconds == WEEK_SECONDS:
        days = numbers * 7 - WEEK_SHIFT
        return pd.DatetimeIndex(EPOCH + days.astype("timedelta64[D]"))
    step = pd.Timedelta(seconds=frequency.step_seconds)
    return pd.DatetimeIndex(anchor + numbers * step)


def infer_frequency(times: pd.DatetimeIndex) -> Frequency | None:
    """The frequency the most common step between distinct times suggests, when every time
    falls in its own period at that frequency (gaps allowed); None otherwise."""
    times = distinct_times(times)
    if len(times) < 3:
        return None
    steps = np.diff(times.asi8) // NS_PER_SECOND
    values, counts = np.unique(steps, return_counts=True)
    common = int(values[np.argmax(counts)])
    frequency = _frequency_of_step(common, times)
    if frequency is None:
        return None
    numbers = period_numbers(times, frequency)
    if np.any(np.diff(numbers) <= 0):  # two (sorted) times share a period: not this frequency
        return None
    fixed = frequency.step_seconds not in (0, WEEK_SECONDS)
    if fixed and np.any((times.asi8 - times.asi8[0]) % (common * NS_PER_SECOND)):
        return None  # off the grid of the fixed step
    return frequency


def _frequency_of_step(seconds: int, times: pd.DatetimeIndex) -> Frequency | None:
    days = seconds / DAY_SECONDS
    for code, (_, _, _, shortest, longest) in CALENDAR.items():
        if shortest <= days <= longest:
            return calendar_frequency(code)
    if seconds == DAY_SECONDS and _business_days(times):
        return BUSINESS_DAYS
    return fixed_frequency(seconds)


def _business_days(times: pd.DatetimeIndex) -> bool:
    """Weekdays only, with at least one weekend skipped (Friday to Monday)."""
    if np.any(times.dayofweek >= 5) or np.any(times.asi8 % (DAY_SECONDS * NS_PER_SECOND)):
        return False
    return bool(np.any(np.diff(times.asi8) == 3 * DAY_SECONDS * NS_PER_SECOND))


@dataclass(frozen=True)
class Spacing:
    """How the distinct times of a series are spaced."""

    rows: int  # distinct times
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    frequency: Frequency | None
    gaps: tuple[int, ...] = ()  # missing periods in each run of missing periods, in time order
    shortest_step: pd.Timedelta | None = None
    longest_step: pd.Timedelta | None = None

    @property
    def missing(self) -> int:
        return sum(self.gaps)

    @property
    def evenly_spaced(self) -> bool:
        """A frequency with at least as many times present as missing."""
        return self.frequency is not None and self.missing <= self.rows


def spacing(times: pd.DatetimeIndex) -> Spacing:
    """Frequency, gaps and the range of steps of a time index (duplicates counted once)."""
    times = distinct_times(times)
    if len(times) == 0:
        return Spacing(0, None, None, None)
    steps = np.diff(times.asi8)
    shortest = pd.Timedelta(int(steps.min())) if len(steps) else None
    longest = pd.Timedelta(int(steps.max())) if len(steps) else None
    frequency = infer_frequency(times)
    gaps: tuple[int, ...] = ()
    if frequency is not None:
        jumps = np.diff(period_numbers(times, frequency)) - 1
        gaps = tuple(int(j) for j in jumps[jumps > 0])
    return Spacing(len(times), times[0], times[-1], frequency, gaps, shortest, longest)


def missing_times(times: pd.DatetimeIndex, frequency: Frequency) -> pd.DatetimeIndex:
    """The times absent from ``times`` at ``frequency``, at the same place in their period as
    the times present (the 1st, the last day of the month, 09:00, ...)."""
    times = distinct_times(times)
    numbers = period_numbers(times, frequency)
    absent = np.setdiff1d(np.arange(numbers.min(), numbers.max() + 1), numbers)
    if len(absent) == 0:
        return pd.DatetimeIndex([], name=times.name)
    anchor = times[0]
    starts = period_starts(numbers, frequency, anchor)
    from_start = times - starts
    if (from_start == from_start[0]).all():
        return pd.DatetimeIndex(period_starts(absent, frequency, anchor) + from_start[0])
    to_end = period_starts(numbers + 1, frequency, anchor) - times
    if (to_end == to_end[0]).all():  # month ends and the like
        return pd.DatetimeIndex(period_starts(absent + 1, frequency, anchor) - to_end[0])
    return pd.DatetimeIndex(period_starts(absent, frequency, anchor) + from_start.min())


def fill_gaps(frame: pd.DataFrame, frequency: Frequency) -> tuple[pd.DataFrame, int]:
    """``frame`` with a row for every missing time, interpolated in time; how many were added."""
    added = missing_times(frame.index, frequency)
    if len(added) == 0:
        return frame, 0
    full = frame.reindex(frame.index.append(added).sort_values())
    full.index.name = frame.index.name
    return full.interpolate(method="time", limit_area="inside"), len(added)


def count_of(count: int, noun: str) -> str:
    """'1 month', '5 months', '1 business day', '3 every-15-minute steps'."""
    if noun[0].isdigit():  # '15 minutes' is already plural: count the steps
        return f"{count} step{'' if count == 1 else 's'} of {noun}"
    return f"{count} {noun}{'' if count == 1 else 's'}"


def describe_gaps(found: Spacing) -> str:
    """'no gaps' or '3 gaps, 5 missing months, largest 2 months'."""
    if found.frequency is None or not found.gaps:
        return "no gaps"
    unit = found.frequency.unit
    gaps = f"{len(found.gaps)} gap{'' if len(found.gaps) == 1 else 's'}"
    largest = count_of(max(found.gaps), unit)
    return f"{gaps}, {count_missing(found.missing, unit)}, largest {largest}"


def count_missing(count: int, unit: str) -> str:
    """'5 missing months', '2 missing steps of 15 minutes'."""
    number, noun = count_of(count, unit).split(" ", 1)
    return f"{number} missing {noun}"


def describe_steps(found: Spacing) -> str:
    """'steps from 1 day to 354 days' for an unevenly spaced index."""
    if found.shortest_step is None:
        return "a single time"
    return f"steps from {_duration(found.shortest_step)} to {_duration(found.longest_step)}"


def _duration(delta: pd.Timedelta) -> str:
    seconds = int(delta.total_seconds())
    for size, word in ((DAY_SECONDS, "day"), (3_600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            return count_of(seconds // size, word)
    return count_of(seconds, "second")
