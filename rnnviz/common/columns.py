"""What the columns of a user's table hold: dates (numeric day/month order decided from the
spacing, quarters, ISO weeks, Excel serials, epoch seconds) and numbers (decimal commas,
thousands separators). Shared by every upload that reads a table; pure pandas/NumPy."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rnnviz.common.csvread import DataError
from rnnviz.common.timeindex import Spacing, count_missing, describe_steps, spacing
from rnnviz.common.words import plural, when

DATE_NAME_HINTS = ("date", "time", "timestamp", "datetime", "month", "year", "period", "day", "ds")
PARSED_SHARE = (
    0.9  # share of non-empty values that must parse for a column to count as dates/numbers
)


def _has_date_hint(name: str) -> bool:
    words = re.split(r"[^a-z]+", name.lower())
    return any(word in DATE_NAME_HINTS for word in words) or name.lower() in DATE_NAME_HINTS


def parse_dates(
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
            f"{ORDER_WORDS[order]} gives {found.frequency.label} dates from {when(found.first)} "
            f"to {when(found.last)}"
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


def extract_time_column(
    table: pd.DataFrame, date_order: DateOrder | None = None, hints: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Move the date/time column (name hints first) into the index.

    The returned table's ``attrs["dates"]`` holds the day/month decision when the column holds
    numeric day/month dates (see :func:`_day_month_dates`).
    """
    candidates = sorted(table.columns, key=lambda c: not _has_date_hint(c))
    for column in candidates:
        times = parse_dates(table[column], column, date_order, hints)
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
        _check_time_range(times, column)
        rest = table.drop(columns=column)[times.notna()]
        rest.index = pd.DatetimeIndex(times[times.notna()], name=column)
        if dates:
            rest.attrs["dates"] = dates
        return rest, column, notes
    return table, None, []


def _check_time_range(times: pd.Series, column: str) -> None:
    """DataError for times pandas cannot hold in nanoseconds (before 1677 or after 2262): the
    time index and its spacing are computed in nanoseconds."""
    present = times.dropna()
    if present.empty:
        return
    low, high = present.min(), present.max()
    if low < pd.Timestamp.min or high > pd.Timestamp.max:
        raise DataError(
            f"The times of '{column}' run from {low} to {high}; rnnviz reads times between "
            f"{pd.Timestamp.min.year + 1} and {pd.Timestamp.max.year - 1}. If these are not "
            "dates (years numbered from 1, say), rename the column so it is read as a value."
        )


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


def uses_decimal_commas(table: pd.DataFrame, delimiter: str) -> bool:
    """A file not separated by commas whose numbers have decimal commas (12,5 or 1.290,5)."""
    if delimiter == ",":
        return False
    return any(
        text.str.fullmatch(DECIMAL_COMMA.pattern).any()
        or text.str.fullmatch(DOTTED_THOUSANDS.pattern + r"(?<=,\d)").any()
        or text.str.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+,\d+").any()
        for text in _text_columns(table)
    )


def typed_columns(table: pd.DataFrame, decimal_comma: bool) -> pd.DataFrame:
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


def numeric_columns(
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
