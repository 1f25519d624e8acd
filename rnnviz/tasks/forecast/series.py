"""Time series to forecast: the built-in examples and the user's own CSV files.

Everything here is free of streamlit. Problems with the user's data raise :class:`DataError`,
whose message is written to be shown on the page as it is. What loading did to the data
(interpolation, sorting, merging, ignored columns) is described in plain words in ``notes``.

The built-in series are read straight from the CSV files that ship inside sktime, statsmodels and
vega_datasets (importing sktime alone takes seconds); the tests check the result against each
package's own loader.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from rnnviz.common.columns import (
    DateOrder,
    extract_time_column,
    numeric_columns,
    typed_columns,
    uses_decimal_commas,
)
from rnnviz.common.csvread import DataError, read_csv_table
from rnnviz.common.timeindex import (
    Spacing,
    describe_gaps,
    describe_steps,
    spacing,
)
from rnnviz.common.timeindex import fill_gaps as fill_time_gaps
from rnnviz.common.words import plural, when

MIN_SERIES_ROWS = 10  # fewer rows cannot be split into training, validation and test windows


@dataclass(frozen=True, eq=False)
class Series:
    """A table of float columns over time, with the column to forecast and its extra inputs.

    ``frame`` has a sorted, unique DatetimeIndex (or a RangeIndex when the data has no time
    column) and no missing values. The target is always feature 0 of :meth:`values`.
    """

    name: str
    frame: pd.DataFrame
    target: str
    inputs: tuple[str, ...] = ()
    season: int | None = None  # seasonal period in rows, for the seasonal-naive baseline
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [c for c in self.columns if c not in self.frame.columns]
        if unknown:
            raise DataError(f"The data has no column named {', '.join(map(repr, unknown))}.")
        if self.target in self.inputs:
            raise DataError(f"'{self.target}' is the target; it cannot also be an extra input.")
        if self.season is not None and self.season < 1:
            raise DataError("The seasonal period must be at least 1 row.")

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.target, *self.inputs)

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def values(self) -> np.ndarray:
        """The target and extra inputs, in ``columns`` order."""
        return self.frame[list(self.columns)].to_numpy(dtype=np.float64)  # (rows, features)

    def with_inputs(self, inputs: Sequence[str]) -> Series:
        """The same series with other extra input columns (any of ``frame``'s other columns)."""
        return replace(self, inputs=tuple(dict.fromkeys(c for c in inputs if c != self.target)))


# ---------------------------------------------------------------------------------------------
# Built-in series


@dataclass(frozen=True)
class BuiltinSeries:
    key: str
    title: str
    description: str
    season: int | None
    source: str  # the package it ships in
    rows: int  # checked against the real loader by the tests
    frequency: str


BUILTIN_SERIES: dict[str, BuiltinSeries] = {
    s.key: s
    for s in (
        BuiltinSeries(
            "airline",
            "Airline passengers",
            "Monthly international airline passengers (thousands), 1949-1960: trend and a "
            "yearly season that grows with the level.",
            12,
            "sktime",
            144,
            "monthly",
        ),
        BuiltinSeries(
            "sunspots",
            "Sunspots",
            "Yearly mean sunspot activity, 1700-2008: an irregular cycle of about 11 years.",
            11,
            "statsmodels",
            309,
            "yearly",
        ),
        BuiltinSeries(
            "co2",
            "CO2 at Mauna Loa",
            "Weekly atmospheric CO2 (ppm) at Mauna Loa, 1958-2001: steady trend plus a yearly "
            "cycle.",
            52,
            "statsmodels",
            2284,
            "weekly",
        ),
        BuiltinSeries(
            "seattle_temp",
            "Seattle daily maximum temperature",
            "Daily weather in Seattle, 2012-2015: maximum temperature (C), with precipitation, "
            "minimum temperature and wind available as extra inputs.",
            365,
            "vega_datasets",
            1461,
            "daily",
        ),
        BuiltinSeries(
            "lynx",
            "Canadian lynx trappings",
            "Yearly lynx trappings in the Mackenzie River district, 1821-1934: a strong cycle of "
            "about 10 years.",
            10,
            "sktime",
            114,
            "yearly",
        ),
    )
}


def builtin_catalog() -> pd.DataFrame:
    """One row per built-in series (title, rows, frequency, description), loading nothing."""
    rows = [
        {
            "key": s.key,
            "title": s.title,
            "rows": s.rows,
            "frequency": s.frequency,
            "description": s.description,
        }
        for s in BUILTIN_SERIES.values()
    ]
    return pd.DataFrame(rows).set_index("key")


@functools.cache
def load_builtin(key: str) -> Series:
    """A built-in series, read offline from the data files of the package that ships it."""
    if key not in BUILTIN_SERIES:
        raise DataError(f"There is no built-in series called '{key}'.")
    return _BUILTIN_LOADERS[key](BUILTIN_SERIES[key])


def _package_file(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"The built-in data needs the Python package '{package}'.")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def _load_airline(info: BuiltinSeries) -> Series:
    raw = pd.read_csv(_package_file("sktime", "datasets", "data", "Airline", "Airline.csv"))
    index = pd.DatetimeIndex(pd.to_datetime(raw["Date"], format="%Y-%m"), name="date")
    frame = pd.DataFrame({"passengers": raw["Passengers"].to_numpy(float)}, index=index)
    return Series(info.title, frame, "passengers", season=info.season)


def _load_lynx(info: BuiltinSeries) -> Series:
    raw = pd.read_csv(_package_file("sktime", "datasets", "data", "Lynx", "Lynx.csv"))
    years = raw.iloc[:, 0].astype(int).astype(str)
    index = pd.DatetimeIndex(pd.to_datetime(years, format="%Y"), name="date")
    frame = pd.DataFrame({"trappings": raw.iloc[:, 1].to_numpy(float)}, index=index)
    return Series(info.title, frame, "trappings", season=info.season)


def _load_sunspots(info: BuiltinSeries) -> Series:
    raw = pd.read_csv(_package_file("statsmodels", "datasets", "sunspots", "sunspots.csv"))
    years = raw["YEAR"].astype(int).astype(str)
    index = pd.DatetimeIndex(pd.to_datetime(years, format="%Y"), name="date")
    frame = pd.DataFrame({"sunactivity": raw["SUNACTIVITY"].to_numpy(float)}, index=index)
    return Series(info.title, frame, "sunactivity", season=info.season)


def _load_co2(info: BuiltinSeries) -> Series:
    raw = pd.read_csv(_package_file("statsmodels", "datasets", "co2", "co2.csv"))
    # statsmodels ignores the date column after its first value: weekly Saturdays from there.
    index = pd.date_range(str(raw["date"].iloc[0]), periods=len(raw), freq="W-SAT", name="date")
    frame = pd.DataFrame({"co2": raw["co2"].to_numpy(float)}, index=index)
    frame, notes = fill_missing(frame)
    return Series(info.title, frame, "co2", season=info.season, notes=notes)


def _load_seattle(info: BuiltinSeries) -> Series:
    path = _package_file("vega_datasets", "_data", "seattle-weather.csv")
    raw = pd.read_csv(path, parse_dates=["date"]).set_index("date")
    columns = ["temp_max", "precipitation", "temp_min", "wind"]
    frame = raw[columns].astype(float)
    return Series(info.title, frame, "temp_max", season=info.season)


_BUILTIN_LOADERS = {
    "airline": _load_airline,
    "sunspots": _load_sunspots,
    "co2": _load_co2,
    "seattle_temp": _load_seattle,
    "lynx": _load_lynx,
}


# ---------------------------------------------------------------------------------------------
# Missing values and seasons


def fill_missing(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Interpolate gaps (by time when the index is a DatetimeIndex), copy the nearest value into
    leading/trailing gaps, and describe what was filled. All-missing columns stay missing."""
    method = "time" if isinstance(frame.index, pd.DatetimeIndex) else "linear"
    filled = frame.interpolate(method=method, limit_area="inside").ffill().bfill()
    notes = []
    for column in frame.columns:
        missing = frame[column].isna()
        n_missing = int(missing.sum())
        if n_missing == 0 or n_missing == len(frame):
            continue
        inside = int(
            (missing & frame[column].ffill().notna() & frame[column].bfill().notna()).sum()
        )
        note = f"Interpolated {plural(n_missing, 'missing value')} in {column}."
        if inside < n_missing:
            edge = n_missing - inside
            note = note[:-1] + f" ({edge} at the start or end copied from the nearest value)."
        notes.append(note)
    return filled, tuple(notes)


def frequency_label(index: pd.Index) -> str | None:
    """'hourly', 'daily', 'business daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'every 15
    minutes'... for an evenly spaced time index (gaps allowed); None for anything else."""
    found = index_spacing(index)
    return found.frequency.label if found is not None and found.evenly_spaced else None


def guess_season(index: pd.Index) -> int | None:
    """The usual seasonal period for an evenly spaced time index (monthly data: 12, daily data:
    a week, business days: 5), else None."""
    found = index_spacing(index)
    if found is None or not found.evenly_spaced:
        return None
    return found.frequency.season


def index_spacing(index: pd.Index) -> Spacing | None:
    """How a time index is spaced (see :func:`rnnviz.common.timeindex.spacing`); None without times."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return None
    return spacing(index)


# ---------------------------------------------------------------------------------------------
# CSV upload


@dataclass(frozen=True, eq=False)
class ParsedCsv:
    """An uploaded CSV file, read but not yet cleaned.

    ``frame`` holds the numeric columns as floats (missing values still NaN), indexed by the
    detected time column (sorted; rows sharing a time are kept, see :attr:`duplicated`) or by
    row number.
    """

    frame: pd.DataFrame
    time_column: str | None
    numeric_columns: tuple[str, ...]
    notes: tuple[str, ...]
    date_order: DateOrder | None = None  # for dates like 03/04/2020: the order that was used
    ambiguous_dates: int = 0  # rows whose date reads as a valid date in either order
    order_why: str = ""  # why that order, in words ('only that order spaces the dates evenly')
    order_question: str = ""  # both orders fit: the user must choose (the frame is month first)
    sorted_rows: bool = False  # the rows were not in time order and have been sorted

    @functools.cached_property
    def spacing(self) -> Spacing | None:
        """Frequency and gaps of the time index; None without one."""
        return index_spacing(self.frame.index)

    @property
    def duplicated(self) -> int:
        """Rows whose time an earlier row already has."""
        index = self.frame.index
        return int(index.duplicated().sum()) if isinstance(index, pd.DatetimeIndex) else 0


def parse_series_csv(
    raw: bytes, filename: str = "upload.csv", date_order: DateOrder | None = None
) -> ParsedCsv:
    """Read an uploaded CSV: find its time column and numeric columns, sort the rows by time.

    Dates written with numbers only (``03/04/2020``) are read in ``date_order`` when given, else
    in the order their values or their spacing show (see :func:`decide_date_order`).
    """
    read = read_csv_table(raw, filename)
    if read.delimiter != ",":  # decimal commas possible: see the numbers as written (1.290)
        read = read_csv_table(raw, filename, dtype=str)
    notes = list(read.notes)
    table, header_notes = _fix_missing_header(read.frame, read.text)
    notes += header_notes
    decimal_comma = uses_decimal_commas(table, read.delimiter)
    table = typed_columns(table, decimal_comma)
    hints = ("semicolons",) * (read.delimiter == ";") + ("decimal commas",) * decimal_comma
    table, time_column, time_notes = extract_time_column(table, date_order, hints)
    notes += time_notes
    numbers, number_notes = numeric_columns(table, decimal_comma)
    notes += number_notes
    if numbers.shape[1] == 0:
        raise DataError(
            f"'{filename}' has no column of numbers to forecast. Each value column must hold "
            "numbers (a date column and text columns are not enough)."
        )
    if time_column is None:
        notes.append("No date or time column was found: the rows are used in file order.")
    else:
        numbers, order_notes = _sort_times(numbers)
        notes += order_notes
    dates = table.attrs.get("dates", {})
    return ParsedCsv(
        numbers,
        time_column,
        tuple(numbers.columns),
        tuple(notes),
        dates.get("date_order"),
        dates["evidence"].ambiguous if dates else 0,
        dates.get("why", ""),
        dates.get("question", ""),
        time_column is not None and bool(order_notes),
    )


class DateOrderQuestion(DataError):
    """Both day/month orders fit the dates: the user must choose (the message says each)."""


AGGREGATIONS: dict[str, str] = {  # how rows sharing a time are combined: words for the note
    "mean": "the mean",
    "median": "the median",
    "sum": "the sum",
    "min": "the smallest value",
    "max": "the largest value",
    "first": "the first row",
    "last": "the last row",
}


def one_row_per_time(frame: pd.DataFrame, combine: str | None) -> tuple[pd.DataFrame, list[str]]:
    """Rows sharing a time combined as ``combine`` says (a key of :data:`AGGREGATIONS`);
    DataError naming the first repeated times when there are some and ``combine`` is None."""
    repeated = frame.index.duplicated(keep=False)
    if not isinstance(frame.index, pd.DatetimeIndex) or not repeated.any():
        return frame, []
    extra = int(frame.index.duplicated().sum())
    if combine is None:
        counts = frame.index[repeated].value_counts(sort=False).sort_index()
        first = ", ".join(f"{when(t)} ({n} rows)" for t, n in counts.iloc[:3].items())
        more = f" and {plural(len(counts) - 3, 'more time')}" if len(counts) > 3 else ""
        raise DataError(
            f"{plural(len(counts), 'time')} {'appears' if len(counts) == 1 else 'appear'} in more "
            f"than one row ({plural(extra, 'extra row')}): {first}{more}. A series needs one row per time: fix the file, or choose how to "
            "combine those rows (mean, sum, last...)."
        )
    if combine not in AGGREGATIONS:
        raise DataError(f"Rows can be combined by {', '.join(AGGREGATIONS)}, not '{combine}'.")
    combined = frame.groupby(level=0, sort=True).agg(combine)
    note = f"Combined {plural(extra, 'extra row')} sharing a time with another ({AGGREGATIONS[combine]} per time)."
    return combined, [note]


def series_from_csv(
    parsed: ParsedCsv,
    target: str,
    inputs: Sequence[str] = (),
    season: int | None = None,
    name: str = "upload",
    combine: str | None = None,
    fill_gaps: bool = False,
) -> Series:
    """The series to forecast from a parsed CSV: check the chosen columns, make one row per
    time (``combine``: see :func:`one_row_per_time`), interpolate missing values and, with
    ``fill_gaps``, add the times missing at the data's frequency.

    When ``season`` is None it is guessed from the frequency (see :func:`guess_season`); 0 means
    no season. The first note says in one sentence what was understood.
    """
    if parsed.order_question:
        raise DateOrderQuestion(parsed.order_question)
    inputs = tuple(dict.fromkeys(c for c in inputs if c != target))
    for column in (target, *inputs):
        if column not in parsed.numeric_columns:
            choices = ", ".join(parsed.numeric_columns)
            raise DataError(
                f"'{column}' is not a numeric column of the file. Choose from: {choices}."
            )
    frame, combine_notes = one_row_per_time(parsed.frame[[target, *inputs]], combine)
    for column in frame.columns:
        infinite = np.isinf(frame[column].to_numpy())
        if infinite.any():
            first = frame.index[int(np.argmax(infinite))]
            raise DataError(
                f"The column '{column}' holds {plural(int(infinite.sum()), 'infinite value')} "
                f"(inf), the first at {first}. A network cannot learn from them: replace them "
                "with numbers, or empty the cells to have them interpolated."
            )
        if frame[column].isna().all():
            raise DataError(f"The column '{column}' has no values: every row is empty.")
    if len(frame) < MIN_SERIES_ROWS:
        raise DataError(
            f"The file has only {len(frame)} rows of data; at least {MIN_SERIES_ROWS} are needed "
            "to train and test a forecast."
        )
    frame, fill_notes = fill_missing(frame)
    distinct = frame[target].unique()
    if len(distinct) == 1:
        raise DataError(
            f"The column '{target}' has the same value ({distinct[0]:g}) in every row: there is "
            "nothing to forecast."
        )
    found = index_spacing(frame.index)
    gap_notes: list[str] = []
    if fill_gaps and found is not None and found.frequency is not None and found.gaps:
        frame, added = fill_time_gaps(frame, found.frequency)
        gap_notes.append(
            f"Added {plural(added, 'row')} for the missing {found.frequency.unit}s "
            f"({describe_gaps(found)}); their values are interpolated in time."
        )
    if season is None:
        season = found.frequency.season if found is not None and found.evenly_spaced else None
    summary = understood_sentence(parsed, frame, found, season, filled=bool(gap_notes))
    notes = (summary, *parsed.notes, *combine_notes, *fill_notes, *gap_notes)
    return Series(name, frame, target, inputs, season or None, notes)


def understood_sentence(
    parsed: ParsedCsv,
    frame: pd.DataFrame,
    found: Spacing | None,
    season: int | None,
    filled: bool = False,
) -> str:
    """What was understood of an upload, in one sentence: rows, first and last time, frequency,
    season, date order and why, sorting and gaps."""
    seasonal = f"seasonal period {season}" if season else "no seasonal period"
    if found is None:
        return f"Understood {plural(len(frame), 'row')} in file order ({seasonal})."
    parts = [
        f"Understood {plural(len(frame), 'row')} from {when(frame.index[0])} to {when(frame.index[-1])}"
    ]
    if found.evenly_spaced:
        parts.append(f"{found.frequency.label} ({seasonal})")
    else:
        parts.append(f"not evenly spaced: {describe_steps(found)} ({seasonal})")
    if parsed.date_order is not None:
        order = "day first" if parsed.date_order == "day_first" else "month first"
        parts.append(f"dates read {order} because {parsed.order_why}")
    parts.append("sorted by time" if parsed.sorted_rows else "rows in time order")
    if found.evenly_spaced:
        gaps = describe_gaps(found)
        parts.append(f"{gaps}, filled by interpolation" if filled and found.gaps else gaps)
    return ", ".join(parts) + "."


def split_warnings(series: Series, train_end: int, val_end: int) -> list[str]:
    """Warnings for a chronological split whose validation or test part is constant: errors
    measured there say little, and a model that learns a constant looks perfect."""
    target = series.frame[series.target].to_numpy()
    parts = (("validation", train_end, val_end), ("test", val_end, len(target)))
    found = []
    for part, start, end in parts:
        values = target[start:end]
        if len(values) > 1 and np.ptp(values) == 0:
            found.append(
                f"The {part} part ({plural(len(values), 'row')} from {_label(series, start)}) "
                f"holds the same value ({values[0]:g}) in every row: its scores will say little "
                "about the forecast. Choose other split sizes, or a series that varies there."
            )
    return found


def _label(series: Series, row: int) -> str:
    index = series.frame.index
    return when(index[row]) if isinstance(index, pd.DatetimeIndex) else f"row {row + 1}"


def _looks_like_value(name: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,:/ T-]+", name.strip())) and any(
        ch.isdigit() for ch in name
    )


def _fix_missing_header(table: pd.DataFrame, text: str) -> tuple[pd.DataFrame, list[str]]:
    """Re-read a file whose first line is data, not column names."""
    if not all(_looks_like_value(str(c)) for c in table.columns):
        return table, []
    delimiter = table.attrs["delimiter"]
    fresh = pd.read_csv(
        io.StringIO(text), sep=delimiter, header=None, skipinitialspace=True, dtype=str
    )
    fresh.columns = [f"column_{i + 1}" for i in range(fresh.shape[1])]
    fresh = fresh.dropna(how="all").reset_index(drop=True)
    fresh.attrs["delimiter"] = delimiter
    return fresh, ["The file has no header row; its columns were named column_1, column_2, ..."]


def _sort_times(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Sort by time (rows sharing a time keep their file order), saying how many were out of
    order."""
    steps = np.diff(frame.index.asi8)
    if len(steps) and np.all(steps <= 0) and np.any(steps < 0):
        note = "The rows were in reverse time order; they were reversed."
    elif np.any(steps < 0):
        out_of_order = plural(int(np.sum(steps < 0)), "row")
        note = f"Sorted the rows by time ({out_of_order} out of order)."
    else:
        return frame, []
    return frame.sort_index(kind="stable"), [note]
