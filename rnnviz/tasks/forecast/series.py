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
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

# One error type and one size limit for every upload, defined beside the one CSV reader.
from rnnviz.common.csvread import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES
from rnnviz.common.csvread import DataError as DataError
from rnnviz.common.csvread import read_csv_table
from rnnviz.tasks.forecast.timeindex import (
    Spacing,
    count_missing,
    describe_gaps,
    describe_steps,
    spacing,
)
from rnnviz.tasks.forecast.timeindex import fill_gaps as fill_time_gaps

MIN_SERIES_ROWS = 10  # fewer rows cannot be split into training, validation and test windows
DATE_NAME_HINTS = ("date", "time", "timestamp", "datetime", "month", "year", "period", "day", "ds")
PARSED_SHARE = (
    0.9  # share of non-empty values that must parse for a column to count as dates/numbers
)


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

    @property
    def has_time_index(self) -> bool:
        return isinstance(self.frame.index, pd.DatetimeIndex)

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


def plural(count: int, noun: str) -> str:
    """'1 row', '3 rows'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
    """How a time index is spaced (see :func:`rnnviz.tasks.forecast.timeindex.spacing`); None without times."""
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
    decimal_comma = _uses_decimal_commas(table, read.delimiter)
    table = _typed_columns(table, decimal_comma)
    hints = ("semicolons",) * (read.delimiter == ";") + ("decimal commas",) * decimal_comma
    table, time_column, time_notes = _extract_time_column(table, date_order, hints)
    notes += time_notes
    numbers, number_notes = _numeric_columns(table, decimal_comma)
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
        first = ", ".join(f"{_when(t)} ({n} rows)" for t, n in counts.iloc[:3].items())
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
        f"Understood {plural(len(frame), 'row')} from {_when(frame.index[0])} to {_when(frame.index[-1])}"
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


def _when(time: pd.Timestamp) -> str:
    """A time as the page shows it: the date alone at midnight."""
    return f"{time:%Y-%m-%d}" if time == time.normalize() else f"{time:%Y-%m-%d %H:%M}"


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
    return _when(index[row]) if isinstance(index, pd.DatetimeIndex) else f"row {row + 1}"


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


def _has_date_hint(name: str) -> bool:
    words = re.split(r"[^a-z]+", name.lower())
    return any(word in DATE_NAME_HINTS for word in words) or name.lower() in DATE_NAME_HINTS


def _parse_dates(
    values: pd.Series, name: str, date_order: DateOrder | None = None, hints: tuple[str, ...] = ()
) -> pd.Series | None:
    """``values`` as timestamps when most of them read as dates, else None.

    Text that reads as numbers is never a date here. Numeric day/month dates are read in the
    order :func:`decide_date_order` settles (or ``date_order``; ``hints`` are the file's
    semicolons or decimal commas, which suggest day first); quarters (``1970 Q1``) and ISO weeks
    (``2020-W05``) by their own patterns; other formats are tried on a sample first (month
    first, day first, then anything dateutil reads) so a large text column is rejected quickly.
    The result's ``attrs`` say which day/month order was used and why.
    """
    present = values.dropna()
    if present.empty or pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return _parse_numeric_dates(values, name)
    text = values.astype(str).str.strip().where(values.notna())
    filled = text.dropna()
    sample = filled.iloc[
        np.linspace(0, len(filled) - 1, min(DATE_SAMPLE_ROWS, len(filled)), dtype=int)
    ]
    if sample.str.contains(r"\d").mean() < PARSED_SHARE or _as_numbers(sample) is not None:
        return None
    for reader in (_day_month_dates, _period_dates):
        dates = reader(text, date_order, hints)
        if dates is not None:
            return dates
    shares = [_to_datetime(sample, options).notna().mean() for options in DATE_OPTIONS]
    ranked = sorted(zip(shares, DATE_OPTIONS, strict=True), key=lambda pair: -pair[0])
    for share, options in ranked:
        if share < PARSED_SHARE:
            break
        parsed = _to_datetime(text, options)
        if parsed.notna().sum() >= PARSED_SHARE * len(present):
            if parsed.dt.tz is not None:
                parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            return parsed
    return None


DATE_SAMPLE_ROWS = 200
DateOrder = Literal["day_first", "month_first"]
DATE_ORDERS: tuple[DateOrder, DateOrder] = ("day_first", "month_first")
DATE_ORDER_LABELS: dict[str, str] = {
    "day_first": "Day first (31/01/2020)",
    "month_first": "Month first (01/31/2020)",
}
# 03/04/2020, 03.04.2020, 03-04-20, each maybe followed by a time: day/month (either order),
# separator, the other, year, the rest.
DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})((?:[ T].*)?)$")
DAY_MONTH_QUICK = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}"  # a first filter that pyarrow runs itself


@dataclass(frozen=True)
class DateOrderEvidence:
    """What the values of a numeric day/month date column say about their order."""

    rows: int  # rows written as dd/dd/yyyy (or with '.' or '-')
    day_first: int  # rows whose first number is above 12: only a day can be
    month_first: int  # rows whose second number is above 12
    ambiguous: int  # rows with both numbers 1..12: a valid date either way


def date_order_evidence(text: pd.Series, share: float = PARSED_SHARE) -> DateOrderEvidence | None:
    """Count the rows that settle the day/month order; None unless at least ``share`` of the
    rows are numeric d/m/y."""
    parts = text.dropna().str.extract(DAY_MONTH.pattern)
    matched = parts[0].notna()
    if matched.sum() == 0 or matched.sum() < share * max(1, len(parts)):
        return None
    first, second = parts.loc[matched, 0].astype(int), parts.loc[matched, 2].astype(int)
    return DateOrderEvidence(
        int(matched.sum()),
        int((first > 12).sum()),
        int((second > 12).sum()),
        int(((first <= 12) & (second <= 12)).sum()),
    )


def infer_date_order(evidence: DateOrderEvidence) -> DateOrder:
    """From the values alone: day first when more rows can only be day first than month first;
    month first otherwise (also when every row reads either way)."""
    return "day_first" if evidence.day_first > evidence.month_first else "month_first"


@dataclass(frozen=True)
class OrderDecision:
    """The day/month order to read dates in, and why; ``order`` None means ask the user."""

    order: DateOrder | None
    why: str


def decide_date_order(
    evidence: DateOrderEvidence,
    readings: dict[DateOrder, pd.Series],
    hints: Sequence[str] = (),
) -> OrderDecision:
    """The day/month order, from the values when some are only valid one way (a number above
    12), else from the spacing: the order that gives evenly spaced dates (or fewer missing
    dates at the same frequency) wins. ``hints`` (the file's semicolons, decimal commas or
    dotted dates) support day first and settle it when neither order is evenly spaced. Both
    orders evenly spaced (and equally complete): ask."""
    if evidence.day_first or evidence.month_first:
        order = infer_date_order(evidence)
        count = evidence.day_first if order == "day_first" else evidence.month_first
        place = "first" if order == "day_first" else "second"
        return OrderDecision(
            order, f"{plural(count, 'row')} of {evidence.rows} have a {place} number above 12"
        )
    if readings["day_first"].equals(readings["month_first"]):
        return OrderDecision("day_first", "every date reads the same in either order")
    found = {order: spacing(pd.DatetimeIndex(r.dropna())) for order, r in readings.items()}
    winner = _better_spaced(found["day_first"], found["month_first"])
    supported = f"the file's {_and(hints)} suggest day first" if hints else ""
    if winner is None:
        if found["day_first"].evenly_spaced:  # both evenly spaced, equally complete: ask
            return OrderDecision(None, "both orders give evenly spaced dates")
        unsorted = {order: _out_of_order(r) for order, r in readings.items()}
        if unsorted["day_first"] != unsorted["month_first"]:
            order = min(unsorted, key=unsorted.get)
            return OrderDecision(
                order,
                f"neither order spaces them evenly, and that order leaves "
                f"{plural(unsorted[order], 'row')} out of time order in the file "
                f"({ORDER_WORDS[_other(order)]}: {unsorted[_other(order)]})",
            )
        if hints:
            return OrderDecision("day_first", f"neither order spaces them evenly and {supported}")
        return OrderDecision(
            "month_first",
            "neither the values nor the spacing settle it (month first is the default)",
        )
    loser = _other(winner)
    won, lost = found[winner], found[loser]
    other = ORDER_WORDS[loser]
    if lost.evenly_spaced:
        why = f"it leaves {_missing(won)} and {other} would leave {_missing(lost)}"
    else:
        why = f"only that order spaces them evenly ({other} gives {describe_steps(lost)})"
    if hints and winner == "day_first":
        why += f", as the file's {_and(hints)} suggest"
    return OrderDecision(winner, why)


def _and(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


ORDER_WORDS = {"day_first": "day first", "month_first": "month first"}


def _other(order: DateOrder) -> DateOrder:
    return "month_first" if order == "day_first" else "day_first"


def _out_of_order(times: pd.Series) -> int:
    """Rows whose time is earlier than the row before (in file order)."""
    return int(np.sum(np.diff(times.dropna().to_numpy().astype("int64")) < 0))


def _missing(found: Spacing) -> str:
    return count_missing(found.missing, found.frequency.unit) if found.missing else "no gaps"


def _better_spaced(day_first: Spacing, month_first: Spacing) -> DateOrder | None:
    """The order whose dates are evenly spaced when the other's are not, or, both evenly spaced
    at the same frequency, the one missing fewer dates; None when that does not settle it."""
    if day_first.evenly_spaced != month_first.evenly_spaced:
        return "day_first" if day_first.evenly_spaced else "month_first"
    if not day_first.evenly_spaced or day_first.frequency != month_first.frequency:
        return None
    if day_first.missing == month_first.missing:
        return None
    return "day_first" if day_first.missing < month_first.missing else "month_first"


def _read_day_month(parts: pd.DataFrame, order: DateOrder) -> pd.Series:
    """Timestamps from DAY_MONTH's groups read in ``order`` (NaT where that order is invalid);
    two-digit years are 1969-2068, as strptime's %y reads them."""
    first, second = parts[0].astype(float), parts[2].astype(float)
    day, month = (first, second) if order == "day_first" else (second, first)
    year = parts[3].astype(float)
    short = parts[3].str.len() == 2
    year = year.where(~short, np.where(year < 69, 2000 + year, 1900 + year))
    dates = pd.to_datetime(
        pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce"
    ).astype("datetime64[ns]")
    rest = parts[4].fillna("")
    timed = rest.str.len() > 0
    if timed.any():
        iso = dates[timed].dt.strftime("%Y-%m-%d") + rest[timed]
        dates[timed] = _to_datetime(iso, {"format": "ISO8601"}).astype("datetime64[ns]")
    return dates


def _day_month_dates(
    text: pd.Series, date_order: DateOrder | None, hints: tuple[str, ...] = ()
) -> pd.Series | None:
    """Numeric day/month dates read in one order for every row, with the decision in attrs.

    Also a column of year-month-day dates among which some are written day/month/year (or
    month/day/year): those are read in the order that fits the rest.
    """
    written = text.str.match(DAY_MONTH_QUICK).fillna(False).astype(bool)  # fast (no backreference)
    if written.any():
        written[written] = text[written].str.match(DAY_MONTH.pattern).astype(bool)
    present = text.notna()
    if not written.any():
        return None
    parts = text[written].str.extract(DAY_MONTH.pattern).reindex(text.index)
    base = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    mixed = bool(written.sum() < PARSED_SHARE * present.sum())
    if mixed:  # a minority among ISO dates (2020-01-02): read those first
        others = present & ~written
        iso = _to_datetime(text[others], {"format": "ISO8601"})
        if iso.notna().sum() < PARSED_SHARE * others.sum() or iso.dt.tz is not None:
            return None
        base[others] = iso.astype("datetime64[ns]")
    readings = {order: base.where(~written, _read_day_month(parts, order)) for order in DATE_ORDERS}
    evidence = date_order_evidence(text[written])
    separators = set(parts.loc[written, 1])
    hints = (*hints, "dotted dates") if separators == {"."} else hints
    if date_order is not None:
        decision = OrderDecision(date_order, "you chose it")
    else:
        decision = decide_date_order(evidence, readings, hints)
    order = decision.order or "month_first"
    contradicting = evidence.month_first if order == "day_first" else evidence.day_first
    if date_order is not None and contradicting > evidence.rows / 2:
        raise DataError(
            f"Read {ORDER_WORDS[order]}, {contradicting} of the {evidence.rows} dates are "
            "impossible (a month above 12): these dates are written the other way round. "
            "Choose the other date order."
        )
    parsed = readings[order]
    parsed.attrs["dates"] = {
        "date_order": order,
        "evidence": evidence,
        "chosen": date_order is not None,
        "contradicting": contradicting,
        "why": decision.why,
        "question": "" if decision.order else _order_question(readings),
        "mixed": mixed,
    }
    return parsed


def _order_question(readings: dict[DateOrder, pd.Series]) -> str:
    """Ask for the order, saying what each would give."""
    ways = []
    for order, times in readings.items():
        found = spacing(pd.DatetimeIndex(times.dropna()))
        ways.append(
            f"{ORDER_WORDS[order]} gives {found.frequency.label} dates from {_when(found.first)} "
            f"to {_when(found.last)}"
        )
    return (
        f"The dates read two ways, both evenly spaced: {ways[0]}; {ways[1]}. Choose the date "
        "order above."
    )


def date_order_note(column: str, dates: dict) -> str:
    """Which day/month order was used for ``column`` and why, in words."""
    evidence: DateOrderEvidence = dates["evidence"]
    order = dates["date_order"]
    how = "day first (day/month/year)" if order == "day_first" else "month first (month/day/year)"
    why = "as you chose" if dates["chosen"] else dates["why"]
    which = (
        f"the {plural(evidence.rows, 'date')} of '{column}' written with numbers only (the "
        "others are year-month-day)"
        if dates["mixed"]
        else f"'{column}'"
    )
    # The summary sentence already gives the order and why for a column of numeric dates only.
    said = [f"Read {which} {how}: {why}."] if dates["mixed"] else []
    if evidence.ambiguous:
        said.append(
            f"{plural(evidence.ambiguous, 'date')} of '{column}' would read differently in the "
            "other order; switch the date order if this is wrong."
        )
    if dates["contradicting"]:
        said.append(
            f"{plural(dates['contradicting'], 'row')} can only be read in the other order: "
            "the file mixes orders, and those rows were dropped."
        )
    return " ".join(said)


QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$|^Q([1-4])\s*-?\s*(\d{4})$", re.IGNORECASE)
ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})(?:-?([1-7]))?$", re.IGNORECASE)


def _period_dates(
    text: pd.Series, date_order: DateOrder | None = None, hints: tuple[str, ...] = ()
) -> pd.Series | None:
    """Quarters (1970Q1, 1970 Q1, Q1 1970: the quarter's first day) and ISO weeks (2020-W05:
    the Monday of that week), when most values are written so."""
    del date_order, hints  # the same signature as the day/month reader
    present = int(text.notna().sum())
    sample = text.dropna().iloc[:DATE_SAMPLE_ROWS]
    if (
        not sample.str.match(f"{QUARTER.pattern}|{ISO_WEEK.pattern}", flags=re.IGNORECASE).mean()
        >= PARSED_SHARE
    ):
        return None
    quarters = text.str.extract(QUARTER.pattern, flags=re.IGNORECASE)
    if quarters.notna().any(axis=1).sum() >= PARSED_SHARE * present:
        year = quarters[0].fillna(quarters[3]).astype(float)
        quarter = quarters[1].fillna(quarters[2]).astype(float)
        parts = pd.DataFrame({"year": year, "month": (quarter - 1) * 3 + 1, "day": 1.0})
        return pd.to_datetime(parts, errors="coerce")
    weeks = text.str.extract(ISO_WEEK.pattern, flags=re.IGNORECASE)
    if weeks[0].notna().sum() >= PARSED_SHARE * present:
        iso = weeks[0] + "-W" + weeks[1].str.zfill(2) + "-" + weeks[2].fillna("1")
        dates = pd.to_datetime(iso, format="%G-W%V-%u", errors="coerce")
        dates.attrs["note"] = "Read the ISO weeks (2020-W05) as the Monday of each week."
        return dates
    return None


DATE_OPTIONS: tuple[dict, ...] = ({}, {"dayfirst": True}, {"format": "mixed"})


def _to_datetime(text: pd.Series, options: dict) -> pd.Series:
    """Timestamps (NaT where unreadable); mixed time zones are converted to UTC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(text, errors="coerce", **options)
        except (ValueError, TypeError, OverflowError):
            return pd.to_datetime(text, errors="coerce", utc=True, **options)


EXCEL_ORIGIN = pd.Timestamp("1899-12-30")  # Excel's day 0 (its 1900 leap-year bug included)
SERIAL_TIMES = {  # kind: (smallest, largest value, pandas unit, words for the note)
    "excel": (20_000, 80_000, "D", "Excel date serial numbers (days since 1899-12-30)"),
    "epoch_s": (1e8, 5e9, "s", "Unix time in seconds (since 1970-01-01 UTC)"),
    "epoch_ms": (1e11, 5e12, "ms", "Unix time in milliseconds (since 1970-01-01 UTC)"),
}


def _monotonic(values: np.ndarray) -> bool:
    steps = np.diff(values)
    return len(steps) > 1 and (bool(np.all(steps >= 0)) or bool(np.all(steps <= 0))) and steps.any()


def _regular(values: np.ndarray) -> bool:
    """Strictly monotonic with steps of nearly one size (days, weeks or 28-31-day months)."""
    steps = np.abs(np.diff(values))
    return _monotonic(values) and steps.min() > 0 and steps.max() <= 1.11 * steps.min()


def _serial_time_kind(present: pd.Series, name: str) -> str | None:
    """'excel', 'epoch_s' or 'epoch_ms' when a numeric column holds serial times.

    Every value must lie in the kind's range. Epoch times must also be in order; Excel serials
    (plain day counts) need a date-like column name or evenly spaced values, so that an ordinary
    column of numbers in the tens of thousands is not taken for dates.
    """
    values = present.to_numpy(float)
    for kind, (low, high, _, _) in SERIAL_TIMES.items():
        if not ((values >= low) & (values <= high)).all():
            continue
        if kind == "excel" and (_has_date_hint(name) or _regular(values)):
            return kind
        if kind != "excel" and _monotonic(values):
            return kind
    return None


def _parse_numeric_dates(values: pd.Series, name: str) -> pd.Series | None:
    """Numbers that are times: years (1700, in a column named like 'year') or compact dates
    (19580329) under a date-like name, Excel date serials, or Unix epoch seconds or
    milliseconds. A 'day' or 'month' column of small numbers stays a number. A serial read
    as time carries a note in its ``attrs``."""
    present = values.dropna()
    if np.isinf(present).any():
        return None
    whole_numbers = bool(np.all(np.mod(present, 1) == 0))
    if _has_date_hint(name) and whole_numbers:
        whole = values.astype("Int64").astype(str)
        if "year" in name.lower() and present.between(1000, 2999).all():
            return pd.to_datetime(whole, format="%Y", errors="coerce")
        if present.between(10000101, 99991231).all():
            return pd.to_datetime(whole, format="%Y%m%d", errors="coerce")
    kind = _serial_time_kind(present, name)
    if kind is None:
        return None
    _, _, unit, words = SERIAL_TIMES[kind]
    origin = EXCEL_ORIGIN if kind == "excel" else "unix"
    times = pd.to_datetime(values, unit=unit, origin=origin, errors="coerce")
    times.attrs["note"] = f"Read '{name}' as time: {words}."
    return times


def _extract_time_column(
    table: pd.DataFrame, date_order: DateOrder | None = None, hints: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Move the date/time column (name hints first) into the index.

    The returned table's ``attrs["dates"]`` holds the day/month decision when the column holds
    numeric day/month dates (see :func:`_day_month_dates`).
    """
    candidates = sorted(table.columns, key=lambda c: not _has_date_hint(c))
    for column in candidates:
        times = _parse_dates(table[column], column, date_order, hints)
        if times is None:
            continue
        unreadable = int((times.isna() & table[column].notna()).sum() + table[column].isna().sum())
        notes = [times.attrs["note"]] if "note" in times.attrs else []
        dates = times.attrs.get("dates")
        if dates:
            notes.extend(filter(None, [date_order_note(column, dates)]))
            if dates["question"]:
                dates["question"] = dates["question"].replace(
                    "The dates", f"The dates of '{column}'", 1
                )
        if unreadable:
            notes.append(
                f"Dropped {plural(unreadable, 'row')} whose {column} could not be read as a date."
            )
        rest = table.drop(columns=column)[times.notna()]
        rest.index = pd.DatetimeIndex(times[times.notna()], name=column)
        if dates:
            rest.attrs["dates"] = dates
        return rest, column, notes
    return table, None, []


THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")
# 1.290 or 1.290,5 or 12,5: dots between thousands, a comma before the decimals
DOTTED_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
EUROPEAN_NUMBER = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


def _text_columns(table: pd.DataFrame) -> list[pd.Series]:
    return [
        table[c].astype(str).str.strip().where(table[c].notna())
        for c in table.columns
        if not pd.api.types.is_numeric_dtype(table[c])
    ]


def _uses_decimal_commas(table: pd.DataFrame, delimiter: str) -> bool:
    """A file not separated by commas whose numbers have decimal commas (12,5 or 1.290,5)."""
    if delimiter == ",":
        return False
    return any(
        text.str.fullmatch(DECIMAL_COMMA.pattern).any()
        or text.str.fullmatch(DOTTED_THOUSANDS.pattern + r"(?<=,\d)").any()
        or text.str.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+,\d+").any()
        for text in _text_columns(table)
    )


def _typed_columns(table: pd.DataFrame, decimal_comma: bool) -> pd.DataFrame:
    """Columns read as text turned into numbers where every value is a plain number (what
    pandas would have inferred), except, in a file with decimal commas, columns with dots
    between thousands (1.290), which :func:`_as_numbers` reads."""
    typed = table.copy()
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_numeric_dtype(values):
            continue
        head = values.dropna().iloc[:DATE_SAMPLE_ROWS].astype(str).str.strip()
        if pd.to_numeric(head, errors="coerce").isna().any():
            continue  # quick: text, not numbers
        text = values.astype(str).str.strip().where(values.notna())
        if decimal_comma and text.str.fullmatch(DOTTED_THOUSANDS.pattern).any():
            continue
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() == text.notna().sum():  # all empty: a column of NaN, as pandas
            typed[column] = numbers
    return typed


def _as_numbers(values: pd.Series, decimal_comma: bool = False) -> pd.Series | None:
    """A column as floats when most values are numbers (thousands separators allowed; with
    ``decimal_comma``, 1.290,5 is 1290.5)."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype(str).str.strip().str.replace("\u00a0", "").where(values.notna())
    if decimal_comma:
        european = text.str.fullmatch(EUROPEAN_NUMBER.pattern).fillna(False)
        text = text.where(
            ~european, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        )
    elif text.str.fullmatch(THOUSANDS.pattern).fillna(False).any():
        text = text.str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    present = int(values.notna().sum())
    if present == 0 or numbers.notna().sum() < PARSED_SHARE * present:
        return None
    return numbers.astype(float)


def _is_row_number(values: pd.Series, name: str) -> bool:
    if not name.startswith("Unnamed:") or not pd.api.types.is_integer_dtype(values):
        return False
    steps = np.diff(values.to_numpy())
    return len(steps) > 0 and bool(np.all(steps == 1)) and values.iloc[0] in (0, 1)


def _numeric_columns(
    table: pd.DataFrame, decimal_comma: bool = False
) -> tuple[pd.DataFrame, list[str]]:
    numbers: dict[str, pd.Series] = {}
    ignored, row_numbers, not_numbers = [], [], []
    for column in table.columns:
        if _is_row_number(table[column], column):
            row_numbers.append(column)
            continue
        converted = _as_numbers(table[column], decimal_comma)
        if converted is None:
            ignored.append(column)
            continue
        bad = int((converted.isna() & table[column].notna()).sum())
        if bad:
            not_numbers.append(f"{bad} in {column}")
        numbers[column] = converted
    notes = []
    if decimal_comma:
        notes.append(_decimal_comma_note(table))
    if ignored:
        notes.append(f"Ignored non-numeric columns: {', '.join(ignored)}.")
    if row_numbers:
        notes.append(f"Ignored row-number columns: {', '.join(row_numbers)}.")
    if not_numbers:
        notes.append(
            f"Values that are not numbers were treated as missing: {'; '.join(not_numbers)}."
        )
    return pd.DataFrame(numbers, index=table.index), notes


def _decimal_comma_note(table: pd.DataFrame) -> str:
    """How decimal commas were read, with the file's own example (a thousands dot if any)."""
    examples = [
        value
        for text in _text_columns(table)
        for value in text[text.str.fullmatch(EUROPEAN_NUMBER.pattern).fillna(False)].iloc[:50]
    ]
    example = next((v for v in examples if "." in v), next((v for v in examples if "," in v), ""))
    if not example:
        return "The numbers have decimal commas."
    number = float(example.replace(".", "").replace(",", "."))
    how = "decimal commas and dots between thousands" if "." in example else "decimal commas"
    return f"The numbers have {how}: {example} was read as {number:g}."


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
