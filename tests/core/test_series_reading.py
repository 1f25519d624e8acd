"""Reading a newcomer's own time-series CSV as they export it: day/month order from the spacing,
frequency and season, time formats, unsorted rows, repeated times, gaps, constant split parts,
numbers with thousands dots and NUL bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.csvread import DataError
from rnnviz.tasks.forecast.series import (
    DateOrderQuestion,
    Series,
    parse_series_csv,
    series_from_csv,
    split_warnings,
)

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads" / "series"
MONTHS = pd.date_range("1991-01-01", periods=36, freq="MS")


def csv_text(header: str, times: list[str], sep: str = ",") -> bytes:
    rows = [f"{t}{sep}{(i * 7) % 11 + i / 4}" for i, t in enumerate(times)]
    return ("\n".join([header, *rows]) + "\n").encode()


def read(raw: bytes, **choices) -> Series:
    parsed = parse_series_csv(raw, "upload.csv")
    return series_from_csv(parsed, parsed.numeric_columns[0], **choices)


# 1. Day/month order from the spacing


def test_german_monthly_export_is_read_day_first_from_the_spacing() -> None:
    raw = (UPLOADS / "german_monthly.csv").read_bytes()
    parsed = parse_series_csv(raw, "german_monthly.csv")
    assert parsed.date_order == "day_first" and not parsed.order_question
    assert list(parsed.frame.index) == list(MONTHS)  # not 12 points in each January
    assert parsed.frame["Umsatz"].iloc[0] == 1050.0 and parsed.frame["Umsatz"].iloc[8] > 1000
    series = series_from_csv(parsed, "Umsatz")
    assert series.season == 12
    summary = series.notes[0]
    assert summary.startswith("Understood 36 rows from 1991-01-01 to 1993-12-01, monthly")
    assert "seasonal period 12" in summary and "no gaps" in summary
    assert "dates read day first because only that order spaces them evenly" in summary
    assert "month first gives steps from 1 day to 355 days" in summary
    assert "semicolons, decimal commas and dotted dates" in summary


def test_both_orders_evenly_spaced_ask_the_user() -> None:
    raw = csv_text("date,v", [f"01/{m:02d}/2020" for m in range(1, 13)])
    parsed = parse_series_csv(raw)
    assert "both evenly spaced" in parsed.order_question
    assert "day first gives monthly dates" in parsed.order_question
    assert "month first gives daily dates" in parsed.order_question
    with pytest.raises(DateOrderQuestion):
        series_from_csv(parsed, "v")
    chosen = parse_series_csv(raw, date_order="day_first")
    assert not chosen.order_question and chosen.frame.index[1] == pd.Timestamp("2020-02-01")


def test_values_above_12_still_settle_the_order() -> None:
    raw = csv_text("date,v", [f"{d:%m/%d/%Y}" for d in pd.date_range("2020-01-10", periods=30)])
    parsed = parse_series_csv(raw)
    assert parsed.date_order == "month_first" and "second number above 12" in parsed.order_why


def test_a_day_first_date_among_iso_dates_is_not_read_month_first() -> None:
    days = pd.date_range("2020-01-01", periods=40)
    times = [f"{d:%Y-%m-%d}" for d in days]
    times[1] = "02/01/2020"  # 2 January, as the neighbours show
    parsed = parse_series_csv(csv_text("date,v", times))
    assert list(parsed.frame.index) == list(days)  # nothing moved to 1 February
    assert parsed.date_order == "day_first" and not parsed.sorted_rows
    note = next(n for n in parsed.notes if "written with numbers only" in n)
    assert "the 1 date of 'date'" in note and "month first would leave 1 missing day" in note


def test_semicolons_and_decimal_commas_settle_an_irregular_day_month_file() -> None:
    # Early January and mid-December: irregular and in file order whichever way they are read.
    times = [
        f"{day}/{month}/{year}" for year in range(2010, 2016) for day, month in ((2, 1), (11, 12))
    ]
    raw = "date;v\n" + "".join(f"{t};{i},5\n" for i, t in enumerate(times))
    parsed = parse_series_csv(raw.encode())
    assert parsed.date_order == "day_first"
    assert "semicolons and decimal commas suggest day first" in parsed.order_why


# 2. Frequency and seasonal period; 3. time formats


@pytest.mark.parametrize(
    ("header", "times", "first", "label", "season"),
    [
        ("month", [f"{d:%b %Y}" for d in MONTHS], "1991-01-01", "monthly", 12),
        ("month", [f"{d:%B %Y}" for d in MONTHS], "1991-01-01", "monthly", 12),
        ("month", [f"{d:%Y-%b}" for d in MONTHS], "1991-01-01", "monthly", 12),
        ("month", [f"{d:%Y-%m}" for d in MONTHS], "1991-01-01", "monthly", 12),
        (
            "date",
            [f"{d:%d/%m/%Y}" for d in MONTHS + pd.Timedelta(days=14)],
            "1991-01-15",
            "monthly",
            12,
        ),
        (
            "quarter",
            [f"{y}Q{q}" for y in range(1970, 1976) for q in range(1, 5)],
            "1970-01-01",
            "quarterly",
            4,
        ),
        (
            "quarter",
            [f"{y} Q{q}" for y in range(1970, 1976) for q in range(1, 5)],
            "1970-01-01",
            "quarterly",
            4,
        ),
        ("week", [f"2020-W{w:02d}" for w in range(5, 40)], "2020-01-27", "weekly", 52),
        ("Date", [str(43831 + i) for i in range(40)], "2020-01-01", "daily", 7),
        ("timestamp", [str(1577836800 + 3600 * i) for i in range(60)], "2020-01-01", "hourly", 24),
        (
            "day",
            [f"{d:%Y-%m-%d}" for d in pd.bdate_range("2021-03-01", periods=40)],
            "2021-03-01",
            "business daily",
            5,
        ),
    ],
    ids=[
        "Jul 1991",
        "July 1991",
        "1991-Jul",
        "1991-07",
        "15/01/1991",
        "1970Q1",
        "1970 Q1",
        "2020-W05",
        "excel",
        "epoch",
        "business",
    ],
)
def test_time_formats_frequency_and_season(header, times, first, label, season) -> None:
    series = read(csv_text(f"{header},value", times))
    assert series.frame.index[0] == pd.Timestamp(first)
    assert len(series.frame) == len(times) and series.season == season
    assert f", {label} (seasonal period {season})" in series.notes[0]


# 4. Irregular index: sorted, repeated times, gaps


def test_unsorted_rows_are_sorted_and_said_so() -> None:
    times = [f"{d:%Y-%m-%d}" for d in pd.date_range("2021-01-01", periods=30)]
    shuffled = times[10:] + times[:10]
    series = read(csv_text("date,v", shuffled))
    assert series.frame.index.is_monotonic_increasing
    assert "sorted by time" in series.notes[0]
    assert any("Sorted the rows by time (1 row out of order)" in n for n in series.notes)


def test_repeated_times_are_refused_by_name_unless_combined() -> None:
    times = [f"{d:%Y-%m-%d}" for d in pd.date_range("2021-01-01", periods=30)]
    raw = csv_text("date,v", [*times, times[4], times[4], times[9], times[20], times[25]])
    parsed = parse_series_csv(raw)
    with pytest.raises(
        DataError,
        match=r"^4 times appear in more than one row \(5 extra rows\): "
        r"2021-01-05 \(3 rows\), 2021-01-10 \(2 rows\), 2021-01-21 \(2 rows\) "
        r"and 1 more time\.",
    ):
        series_from_csv(parsed, "v")
    summed = series_from_csv(parsed, "v", combine="sum")
    assert len(summed.frame) == 30
    assert summed.frame["v"].iloc[4] == pytest.approx(parsed.frame.loc["2021-01-05", "v"].sum())


def test_gaps_are_counted_and_filled_on_request() -> None:
    months = MONTHS.delete([5, 6, 20, 30, 31])
    raw = csv_text("month", [f"{d:%Y-%m}" for d in months]).replace(b"month\n", b"month,v\n")
    series = read(raw)
    assert len(series.frame) == 31
    assert "3 gaps, 5 missing months, largest 2 months" in series.notes[0]
    filled = read(raw, fill_gaps=True)
    assert list(filled.frame.index) == list(MONTHS)
    assert "filled by interpolation" in filled.notes[0]
    assert any("Added 5 rows for the missing months" in n for n in filled.notes)
    values = filled.frame["v"]
    assert values.iloc[5] == pytest.approx(
        values.iloc[4] + (values.iloc[7] - values.iloc[4]) * 30 / 91, rel=0.05
    )


def test_a_91_day_hole_in_daily_data_is_reported() -> None:
    days = pd.date_range("2020-01-01", periods=365).delete(range(100, 191))
    series = read(csv_text("date,v", [f"{d:%Y-%m-%d}" for d in days]))
    assert "1 gap, 91 missing days, largest 91 days" in series.notes[0]


# 5. Degenerate splits


def test_a_constant_test_part_is_flagged() -> None:
    values = np.r_[np.arange(1.0, 37.0) % 7 + 1, np.zeros(24)]
    frame = pd.DataFrame(
        {"count": values}, index=pd.date_range("2015-01-01", periods=60, freq="MS")
    )
    series = Series("counts", frame, "count", season=12)
    (warning,) = split_warnings(series, train_end=24, val_end=36)
    assert warning.startswith("The test part (24 rows from 2018-01-01) holds the same value (0)")
    assert split_warnings(series, train_end=30, val_end=48)[0].startswith("The test part")
    assert split_warnings(series, train_end=20, val_end=30) == []


# 6. Numbers: thousands dots, NUL bytes


def test_thousands_dot_in_a_decimal_comma_file() -> None:
    raw = "Datum;Wert\n" + "".join(
        f"2020-01-{d:02d};{'1.290' if d == 4 else f'{d},5'}\n" for d in range(1, 21)
    )
    parsed = parse_series_csv(raw.encode())
    assert parsed.frame["Wert"].iloc[3] == 1290.0 and parsed.frame["Wert"].iloc[0] == 1.5
    assert any("1.290 was read as 1290" in n for n in parsed.notes)


def test_a_dot_is_a_decimal_point_in_a_comma_file() -> None:
    raw = "date,v\n" + "".join(f"2020-01-{d:02d},1.290\n" for d in range(1, 21))
    assert parse_series_csv(raw.encode()).frame["v"].iloc[0] == 1.29


def test_a_nul_byte_after_the_first_4_kb_is_refused() -> None:
    rows = "".join(f"2020-{1 + i // 28:02d}-{1 + i % 28:02d},{i}\n" for i in range(300))
    raw = b"date,value\n" + rows.encode() + b"2021-01-01,4\x0000\n"
    assert len(raw) > 4096
    with pytest.raises(DataError, match=r"binary data \(a NUL character on line 302\)"):
        parse_series_csv(raw, "data.csv")


def test_a_day_first_date_among_irregular_iso_dates_keeps_its_place() -> None:
    rng = np.random.default_rng(3)
    days = pd.DatetimeIndex(
        sorted(
            set(
                pd.Timestamp("2020-01-01")
                + pd.to_timedelta(rng.choice(300, 40, replace=False), "D")
            )
        )
    )
    times = [f"{d:%Y-%m-%d}" for d in days]
    row = next(
        i for i, d in enumerate(days[1:-1], 1) if d.day <= 12 and d.month != d.day and d.month < 12
    )
    times[row] = f"{days[row]:%d/%m/%Y}"
    parsed = parse_series_csv(csv_text("date,v", times))
    assert list(parsed.frame.index) == list(days) and not parsed.sorted_rows
    assert parsed.date_order == "day_first" and "out of time order" in parsed.order_why
