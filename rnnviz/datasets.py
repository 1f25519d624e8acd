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
from rnnviz.csvread import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES
from rnnviz.csvread import DataError as DataError
from rnnviz.csvread import read_csv_table

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


SEASON_BY_FREQUENCY = {"hourly": 24, "daily": 7, "weekly": 52, "monthly": 12, "quarterly": 4}


def frequency_label(index: pd.Index) -> str | None:
    """'minutely', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly' or 'yearly' for a regular
    time index; None for anything else."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return None
    freq = pd.infer_freq(index)
    if freq is None:
        return None
    prefixes = [
        ("min", "minutely"),
        ("h", "hourly"),
        ("D", "daily"),
        ("B", "daily"),
        ("W", "weekly"),
        ("MS", "monthly"),
        ("ME", "monthly"),
        ("M", "monthly"),
        ("QS", "quarterly"),
        ("QE", "quarterly"),
        ("Q", "quarterly"),
        ("YS", "yearly"),
        ("YE", "yearly"),
        ("Y", "yearly"),
        ("A", "yearly"),
    ]
    base = freq.lstrip("0123456789")
    for prefix, label in prefixes:
        if base.startswith(prefix) and freq[: len(freq) - len(base)] in ("", "1"):
            return label
    return None


def guess_season(index: pd.Index) -> int | None:
    """The usual seasonal period for a regular time index (daily data: a week), else None."""
    label = frequency_label(index)
    return SEASON_BY_FREQUENCY.get(label) if label else None


# ---------------------------------------------------------------------------------------------
# CSV upload


@dataclass(frozen=True, eq=False)
class ParsedCsv:
    """An uploaded CSV file, read but not yet cleaned of missing values.

    ``frame`` holds the numeric columns as floats (missing values still NaN), indexed by the
    detected time column (sorted, duplicates merged) or by row number.
    """

    frame: pd.DataFrame
    time_column: str | None
    numeric_columns: tuple[str, ...]
    notes: tuple[str, ...]
    date_order: DateOrder | None = None  # for dates like 03/04/2020: the order that was used
    ambiguous_dates: int = 0  # rows whose date reads as a valid date in either order


def parse_series_csv(
    raw: bytes, filename: str = "upload.csv", date_order: DateOrder | None = None
) -> ParsedCsv:
    """Read an uploaded CSV: find its time column and numeric columns, sort and merge rows.

    Dates written with numbers only (``03/04/2020``) are read in ``date_order`` when given, else
    in the order their values show (any first number above 12 means day first); see
    :func:`infer_date_order`.
    """
    read = read_csv_table(raw, filename)
    notes = list(read.notes)
    table, header_notes = _fix_missing_header(read.frame, read.text)
    notes += header_notes
    table, time_column, time_notes = _extract_time_column(table, date_order)
    notes += time_notes
    order = table.attrs.get("date_order")
    numbers, number_notes = _numeric_columns(table)
    notes += number_notes
    if numbers.shape[1] == 0:
        raise DataError(
            f"'{filename}' has no column of numbers to forecast. Each value column must hold "
            "numbers (a date column and text columns are not enough)."
        )
    if time_column is None:
        notes.append("No date or time column was found: the rows are used in file order.")
    else:
        numbers, order_notes = _sort_and_merge_times(numbers)
        notes += order_notes
    return ParsedCsv(
        numbers,
        time_column,
        tuple(numbers.columns),
        tuple(notes),
        order,
        table.attrs.get("ambiguous_dates", 0) if order else 0,
    )


def series_from_csv(
    parsed: ParsedCsv,
    target: str,
    inputs: Sequence[str] = (),
    season: int | None = None,
    name: str = "upload",
) -> Series:
    """The series to forecast from a parsed CSV: check the chosen columns and fill their gaps.

    When ``season`` is None it is guessed from a regular time index (see :func:`guess_season`);
    0 means no season.
    """
    inputs = tuple(dict.fromkeys(c for c in inputs if c != target))
    for column in (target, *inputs):
        if column not in parsed.numeric_columns:
            choices = ", ".join(parsed.numeric_columns)
            raise DataError(
                f"'{column}' is not a numeric column of the file. Choose from: {choices}."
            )
    frame = parsed.frame[[target, *inputs]]
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
    notes = parsed.notes + fill_notes
    if season is None:
        season = guess_season(frame.index)
        if season is not None:
            notes += (
                f"Seasonal period set to {season} rows ({frequency_label(frame.index)} data).",
            )
    return Series(name, frame, target, inputs, season or None, notes)


def _looks_like_value(name: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d.,:/ T-]+", name.strip())) and any(
        ch.isdigit() for ch in name
    )


def _fix_missing_header(table: pd.DataFrame, text: str) -> tuple[pd.DataFrame, list[str]]:
    """Re-read a file whose first line is data, not column names."""
    if not all(_looks_like_value(str(c)) for c in table.columns):
        return table, []
    delimiter = table.attrs["delimiter"]
    fresh = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, skipinitialspace=True)
    fresh.columns = [f"column_{i + 1}" for i in range(fresh.shape[1])]
    fresh = fresh.dropna(how="all").reset_index(drop=True)
    fresh.attrs["delimiter"] = delimiter
    return fresh, ["The file has no header row; its columns were named column_1, column_2, ..."]


def _has_date_hint(name: str) -> bool:
    words = re.split(r"[^a-z]+", name.lower())
    return any(word in DATE_NAME_HINTS for word in words) or name.lower() in DATE_NAME_HINTS


def _parse_dates(
    values: pd.Series, name: str, date_order: DateOrder | None = None
) -> pd.Series | None:
    """``values`` as timestamps when most of them read as dates, else None.

    Text that reads as numbers is never a date here. Numeric day/month dates are read in the
    order :func:`infer_date_order` settles (or ``date_order``); other formats are tried on a
    sample first (month first, day first, then anything dateutil reads) so a large text column
    is rejected quickly. The result's ``attrs`` say which day/month order was used.
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
    if sample.str.contains(r"\d").mean() < PARSED_SHARE or _as_numbers(sample, ",") is not None:
        return None
    numeric = _day_month_dates(text, date_order)
    if numeric is not None:
        return numeric
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
DATE_ORDER_LABELS: dict[str, str] = {
    "day_first": "Day first (31/01/2020)",
    "month_first": "Month first (01/31/2020)",
}
DAY_MONTH = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?=$|[ T])")


@dataclass(frozen=True)
class DateOrderEvidence:
    """What the values of a numeric day/month date column say about their order."""

    rows: int  # rows written as dd/dd/yyyy (or with '.' or '-')
    day_first: int  # rows whose first number is above 12: only a day can be
    month_first: int  # rows whose second number is above 12
    ambiguous: int  # rows with both numbers 1..12: a valid date either way


def date_order_evidence(text: pd.Series) -> DateOrderEvidence | None:
    """Count the rows that settle the day/month order; None unless most rows are numeric d/m/y."""
    parts = text.dropna().str.extract(DAY_MONTH.pattern)
    matched = parts[0].notna()
    if matched.sum() < PARSED_SHARE * max(1, len(parts)):
        return None
    first, second = parts.loc[matched, 0].astype(int), parts.loc[matched, 2].astype(int)
    return DateOrderEvidence(
        int(matched.sum()),
        int((first > 12).sum()),
        int((second > 12).sum()),
        int(((first <= 12) & (second <= 12)).sum()),
    )


def infer_date_order(evidence: DateOrderEvidence) -> DateOrder:
    """Day first when more rows can only be day first than month first; month first otherwise
    (also when every row reads either way)."""
    return "day_first" if evidence.day_first > evidence.month_first else "month_first"


def _day_month_dates(text: pd.Series, date_order: DateOrder | None) -> pd.Series | None:
    """Numeric day/month dates read in one order for every row, with the evidence in attrs."""
    evidence = date_order_evidence(text)
    if evidence is None:
        return None
    order = date_order or infer_date_order(evidence)
    contradicting = evidence.month_first if order == "day_first" else evidence.day_first
    if date_order is not None and contradicting > evidence.rows / 2:
        raise DataError(
            f"Read {DATE_ORDER_LABELS[order].split(' (')[0].lower()}, {contradicting} of the "
            f"{evidence.rows} dates are impossible (a month above 12): these dates are written "
            "the other way round. Choose the other date order."
        )
    parsed = _to_datetime(text, {"dayfirst": order == "day_first", "format": "mixed"})
    # format="mixed" falls back per value; a value only valid in the other order must not pass.
    if contradicting:
        parts = text.str.extract(DAY_MONTH.pattern)
        other = (parts[2] if order == "day_first" else parts[0]).astype(float) > 12
        parsed = parsed.where(~other.fillna(False))
    parsed.attrs.update(
        date_order=order,
        evidence=evidence,
        chosen=date_order is not None,
        contradicting=contradicting,
    )
    return parsed


def date_order_note(column: str, attrs: dict) -> str:
    """Which day/month order was used for ``column`` and why, in words."""
    evidence: DateOrderEvidence = attrs["evidence"]
    order = attrs["date_order"]
    how = "day first (day/month/year)" if order == "day_first" else "month first (month/day/year)"
    if attrs["chosen"]:
        why = "as you chose"
    elif evidence.day_first or evidence.month_first:
        count = evidence.day_first if order == "day_first" else evidence.month_first
        place = "first" if order == "day_first" else "second"
        why = f"{plural(count, 'row')} of {evidence.rows} have a {place} number above 12"
    else:
        why = "no value settles it, so the month-first default was used"
    note = (
        f"Read '{column}' {how}: {why}. {plural(evidence.ambiguous, 'date')} would read "
        "differently in the other order; switch the date order if this is wrong."
    )
    if attrs["contradicting"]:
        note += (
            f" {plural(attrs['contradicting'], 'row')} can only be read in the other order: "
            "the file mixes orders, and those rows were dropped."
        )
    return note


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
    table: pd.DataFrame, date_order: DateOrder | None = None
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Move the date/time column (name hints first) into the index.

    The returned table's ``attrs`` hold ``date_order`` and ``ambiguous_dates`` when the column
    holds numeric day/month dates.
    """
    candidates = sorted(table.columns, key=lambda c: not _has_date_hint(c))
    for column in candidates:
        times = _parse_dates(table[column], column, date_order)
        if times is None:
            continue
        unreadable = int((times.isna() & table[column].notna()).sum() + table[column].isna().sum())
        notes = [times.attrs["note"]] if "note" in times.attrs else []
        if "date_order" in times.attrs:
            notes.append(date_order_note(column, times.attrs))
        if unreadable:
            notes.append(
                f"Dropped {plural(unreadable, 'row')} whose {column} could not be read as a date."
            )
        rest = table.drop(columns=column)[times.notna()]
        rest.index = pd.DatetimeIndex(times[times.notna()], name=column)
        if "date_order" in times.attrs:
            rest.attrs["date_order"] = times.attrs["date_order"]
            rest.attrs["ambiguous_dates"] = times.attrs["evidence"].ambiguous
        return rest, column, notes
    return table, None, []


THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
DECIMAL_COMMA = re.compile(r"^[-+]?\d+,\d+$")


def _as_numbers(values: pd.Series, delimiter: str) -> pd.Series | None:
    """A column as floats when most values are numbers (thousands separators allowed)."""
    if pd.api.types.is_bool_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype(str).str.strip().str.replace("\u00a0", "").where(values.notna())
    if text.str.fullmatch(THOUSANDS.pattern).fillna(False).any():
        text = text.str.replace(",", "", regex=False)
    elif delimiter != "," and text.str.fullmatch(DECIMAL_COMMA.pattern).fillna(False).any():
        text = text.str.replace(",", ".", regex=False)
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


def _numeric_columns(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    delimiter = table.attrs.get("delimiter", ",")
    numbers: dict[str, pd.Series] = {}
    ignored, row_numbers, not_numbers = [], [], []
    for column in table.columns:
        if _is_row_number(table[column], column):
            row_numbers.append(column)
            continue
        converted = _as_numbers(table[column], delimiter)
        if converted is None:
            ignored.append(column)
            continue
        bad = int((converted.isna() & table[column].notna()).sum())
        if bad:
            not_numbers.append(f"{bad} in {column}")
        numbers[column] = converted
    notes = []
    if ignored:
        notes.append(f"Ignored non-numeric columns: {', '.join(ignored)}.")
    if row_numbers:
        notes.append(f"Ignored row-number columns: {', '.join(row_numbers)}.")
    if not_numbers:
        notes.append(
            f"Values that are not numbers were treated as missing: {'; '.join(not_numbers)}."
        )
    return pd.DataFrame(numbers, index=table.index), notes


def _sort_and_merge_times(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Sort by time and merge rows sharing a timestamp (mean), saying how many were affected."""
    notes = []
    steps = np.diff(frame.index.asi8)
    if len(steps) and np.all(steps <= 0) and np.any(steps < 0):
        notes.append("The rows were in reverse time order; they were reversed.")
    elif np.any(steps < 0):
        out_of_order = plural(int(np.sum(steps < 0)), "row")
        notes.append(f"Sorted the rows by time ({out_of_order} out of order).")
    frame = frame.sort_index(kind="stable")
    n_before = len(frame)
    if frame.index.has_duplicates:
        frame = frame.groupby(level=0).mean()
        merged = n_before - len(frame)
        notes.append(f"Merged {plural(merged, 'row')} with a duplicate timestamp (mean per time).")
    return frame, notes
