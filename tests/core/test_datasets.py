"""Built-in series and CSV upload: offline loading, cleaning, and human error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.csvread import MAX_UPLOAD_BYTES, DataError
from rnnviz.tasks.forecast.series import (
    BUILTIN_SERIES,
    Series,
    builtin_catalog,
    frequency_label,
    guess_season,
    load_builtin,
    parse_series_csv,
    series_from_csv,
)

EXPECTED_ROWS = {"airline": 144, "lynx": 114, "sunspots": 309, "co2": 2284, "seattle_temp": 1461}


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def daily_csv(n_rows: int = 20, start: str = "2021-03-01") -> list[str]:
    days = pd.date_range(start, periods=n_rows, freq="D")
    return [f"{day:%Y-%m-%d},{10 + i},{i % 3}" for i, day in enumerate(days)]


# ---------------------------------------------------------------------------------------------
# Built-in series


@pytest.mark.parametrize(("key", "rows"), EXPECTED_ROWS.items())
def test_builtin_loads_clean(key: str, rows: int) -> None:
    series = load_builtin(key)
    index = series.frame.index
    assert isinstance(index, pd.DatetimeIndex)
    assert index.is_monotonic_increasing and index.is_unique
    assert series.n_rows == rows == builtin_catalog().loc[key, "rows"]
    assert series.frame.dtypes.eq(np.float64).all()
    assert not series.frame.isna().any().any()
    assert series.columns[0] == series.target
    assert series.values().shape == (rows, 1) and series.values().dtype == np.float64
    assert frequency_label(index) == BUILTIN_SERIES[key].frequency
    assert load_builtin(key) is series  # cached


def test_catalog_covers_every_builtin() -> None:
    catalog = builtin_catalog()
    assert list(catalog.columns) == ["title", "rows", "frequency", "description"]
    assert set(catalog.index) == set(EXPECTED_ROWS) == set(BUILTIN_SERIES)


def test_airline_and_lynx_match_sktime() -> None:
    from sktime.datasets import load_airline, load_lynx

    airline, lynx = load_airline(), load_lynx()
    ours = load_builtin("airline").frame["passengers"]
    np.testing.assert_array_equal(ours.to_numpy(), airline.to_numpy())
    assert ours.index.equals(airline.index.to_timestamp())
    ours = load_builtin("lynx").frame["trappings"]
    np.testing.assert_array_equal(ours.to_numpy(), lynx.to_numpy())
    assert ours.index.equals(lynx.index.to_timestamp())


def test_co2_and_sunspots_match_statsmodels() -> None:
    import statsmodels.api as sm

    co2 = sm.datasets.co2.load_pandas().data["co2"]
    series = load_builtin("co2")
    assert series.frame.index.equals(co2.index)
    expected = co2.interpolate(method="time")
    np.testing.assert_allclose(series.frame["co2"].to_numpy(), expected.to_numpy())
    assert any("59" in note and "co2" in note for note in series.notes)

    sunspots = sm.datasets.sunspots.load_pandas().data
    ours = load_builtin("sunspots").frame
    np.testing.assert_array_equal(ours["sunactivity"], sunspots["SUNACTIVITY"])
    np.testing.assert_array_equal(ours.index.year, sunspots["YEAR"].astype(int))


def test_seattle_matches_vega_and_offers_extra_inputs() -> None:
    from vega_datasets import data

    weather = data.seattle_weather().set_index("date")
    series = load_builtin("seattle_temp")
    assert series.target == "temp_max" and series.inputs == ()
    assert series.frame.index.equals(pd.DatetimeIndex(weather.index))
    for column in ("temp_max", "precipitation", "temp_min", "wind"):
        np.testing.assert_array_equal(series.frame[column], weather[column])
    richer = series.with_inputs(["temp_min", "temp_max", "wind"])
    assert richer.columns == ("temp_max", "temp_min", "wind")
    np.testing.assert_array_equal(richer.values()[:, 1], weather["temp_min"])


def test_unknown_builtin_and_bad_inputs_are_refused() -> None:
    with pytest.raises(DataError, match="no built-in series"):
        load_builtin("nope")
    series = load_builtin("airline")
    with pytest.raises(DataError, match="no column named 'rain'"):
        Series("x", series.frame, "passengers", inputs=("rain",))


# ---------------------------------------------------------------------------------------------
# CSV parsing


def test_date_numeric_and_text_columns_are_told_apart() -> None:
    raw = csv_bytes(
        "Date,sales,store,visits",
        *[f"{d},{s},shop{i},{v}" for i, (d, s, v) in enumerate(r.split(",") for r in daily_csv())],
    )
    parsed = parse_series_csv(raw)
    assert parsed.time_column == "Date"
    assert parsed.numeric_columns == ("sales", "visits")
    assert isinstance(parsed.frame.index, pd.DatetimeIndex)
    assert parsed.frame.index[0] == pd.Timestamp("2021-03-01")
    assert parsed.frame["sales"].tolist() == [10.0 + i for i in range(20)]
    assert any("non-numeric" in n and "store" in n for n in parsed.notes)


@pytest.mark.parametrize(
    ("header", "values", "first"),
    [
        ("month", ["1949-01", "1949-02", "1949-03"], "1949-01-01"),
        ("date", ["03/01/2020", "03/02/2020", "03/03/2020"], "2020-03-01"),
        ("day", ["13/01/2020", "14/01/2020", "15/01/2020"], "2020-01-13"),
        ("YEAR", ["1700", "1701", "1702"], "1700-01-01"),
        ("date", ["19580329", "19580405", "19580412"], "1958-03-29"),
        ("stamp", ["2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z", "2020-01-01T02:00:00Z"], None),
    ],
)
def test_time_column_formats(header: str, values: list[str], first: str | None) -> None:
    rows = [f"{v},{i + 1.5}" for i, v in enumerate(values * 4)]  # repeats: combined on request
    parsed = parse_series_csv(csv_bytes(f"{header},value", *rows))
    assert parsed.time_column == header
    assert parsed.frame.index[0] == pd.Timestamp(first or "2020-01-01 00:00")
    assert parsed.frame.index.nunique() == 3 and parsed.duplicated == 9


@pytest.mark.parametrize("name", ["a", "day", "year"])
def test_plain_numbers_are_not_taken_for_dates(name: str) -> None:
    parsed = parse_series_csv(csv_bytes(f"{name},b", *[f"{i},{i * 2}" for i in range(30)]))
    assert parsed.time_column is None
    assert parsed.numeric_columns == (name, "b")
    assert isinstance(parsed.frame.index, pd.RangeIndex)
    assert any("file order" in note for note in parsed.notes)


def test_missing_values_are_interpolated_in_time_and_counted() -> None:
    raw = csv_bytes(
        "date,level",
        "2020-01-01,",
        "2020-01-02,10",
        "2020-01-03,",
        "2020-01-06,40",  # 4 days after the 10: by time the 3rd is 17.5 (by row it would be 25)
        *[f"2020-01-{d:02d},{d}" for d in range(7, 20)],
        "2020-01-20,",
    )
    series = series_from_csv(parse_series_csv(raw), "level")
    level = series.frame["level"]
    assert level[pd.Timestamp("2020-01-03")] == pytest.approx(17.5)
    assert level.iloc[0] == 10.0 and level.iloc[-1] == 19.0
    assert not level.isna().any()
    assert any(
        "Interpolated 3 missing values in level" in n and "2 at the start or end" in n
        for n in series.notes
    )


def test_unsorted_rows_are_sorted_and_duplicate_times_refused_unless_combined() -> None:
    lines = daily_csv(15)
    shuffled = [lines[3], lines[0], lines[1], lines[2], *lines[4:], lines[6], "2021-03-05,99,0"]
    parsed = parse_series_csv(csv_bytes("date,value,flag", *shuffled))
    assert parsed.frame.index.is_monotonic_increasing and parsed.duplicated == 2
    assert "Sorted the rows by time (3 rows out of order)" in " ".join(parsed.notes)
    # 2021-03-05 appears twice (14 and 99), 2021-03-07 twice (16 both times): refused, named
    with pytest.raises(
        DataError,
        match=r"2 times appear in more than one row \(2 extra rows\): "
        r"2021-03-05 \(2 rows\), 2021-03-07 \(2 rows\)",
    ):
        series_from_csv(parsed, "value")
    series = series_from_csv(parsed, "value", combine="mean")
    index = series.frame.index
    assert index.is_unique and len(index) == 15
    assert series.frame.loc["2021-03-05", "value"] == pytest.approx((14 + 99) / 2)
    assert series.frame.loc["2021-03-07", "value"] == pytest.approx(16)
    assert any("Combined 2 extra rows" in n and "the mean" in n for n in series.notes)
    last = series_from_csv(parsed, "value", combine="last")
    assert last.frame.loc["2021-03-05", "value"] == 99
    assert series_from_csv(parsed, "value", combine="sum").frame.loc["2021-03-05", "value"] == 113


def test_reversed_file_is_reported_as_reversed() -> None:
    parsed = parse_series_csv(csv_bytes("date,value,x", *reversed(daily_csv())))
    assert parsed.frame["value"].tolist() == [10.0 + i for i in range(20)]
    assert any("reverse time order" in note for note in parsed.notes)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["date,sales", '2020-01-01,"1,200.5"', '2020-01-02,"12,000"'], [1200.5, 12000.0]),
        (["date;sales", "2020-01-01;1,5", "2020-01-02;2,25"], [1.5, 2.25]),
        (["date\tsales", "2020-01-01\t7", "2020-01-02\t8"], [7.0, 8.0]),
    ],
)
def test_number_formats_and_delimiters(lines: list[str], expected: list[float]) -> None:
    parsed = parse_series_csv(csv_bytes(*lines))
    assert parsed.time_column == "date"
    assert parsed.frame["sales"].tolist() == expected


def test_file_without_header_gets_column_names() -> None:
    parsed = parse_series_csv(csv_bytes("1949-01,112", "1949-02,118", "1949-03,132"))
    assert parsed.time_column == "column_1"
    assert parsed.frame["column_2"].tolist() == [112.0, 118.0, 132.0]
    assert any("no header row" in note for note in parsed.notes)


def test_latin1_file_is_read_and_said_so() -> None:
    raw = "date,température\n2020-01-01,1\n2020-01-02,2\n".encode("latin-1")
    parsed = parse_series_csv(raw)
    assert parsed.numeric_columns == ("température",)
    assert any("not UTF-8" in note for note in parsed.notes)


def test_utf8_bom_is_ignored() -> None:
    parsed = parse_series_csv(b"\xef\xbb\xbf" + csv_bytes("date,v", "2020-01-01,1", "2020-01-02,2"))
    assert parsed.time_column == "date" and parsed.notes == ()


def test_series_from_csv_keeps_chosen_columns_and_guesses_the_season() -> None:
    parsed = parse_series_csv(csv_bytes("date,sales,promo", *daily_csv(30)))
    series = series_from_csv(parsed, "sales", inputs=["promo", "sales"], name="shop")
    assert series.columns == ("sales", "promo") and series.name == "shop"
    assert series.season == 7
    np.testing.assert_array_equal(series.values()[:, 1], [i % 3 for i in range(30)])
    assert guess_season(pd.date_range("2000", periods=10, freq="MS")) == 12
    assert series_from_csv(parsed, "sales", season=3).season == 3


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"date,value\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "not a CSV.*PNG image"),
        (b"PK\x03\x04" + bytes(50), "not a CSV.*Excel"),
        (b"a,b\n\x00\x01\x02,3\n", "not a CSV.*binary"),
        (b"date,value\n2020-01-01,1\x81\n", "not UTF-8"),
        (b"a,b\n1,2\n3,4,5,6\n", "could not be read as CSV.*Line 3 has 4 values"),
        (csv_bytes("date,city", "2020-01-01,Paris", "2020-01-02,Rome"), "no column of numbers"),
        (b"x" * (MAX_UPLOAD_BYTES + 1024 * 1024), "21.0 MB, over the 20 MB upload limit"),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "png",
        "xlsx",
        "binary",
        "not-utf8",
        "ragged",
        "no-numbers",
        "too-big",
    ],
)
def test_bad_files_raise_data_error(raw: bytes, words: str) -> None:
    with pytest.raises(DataError, match=words):
        parse_series_csv(raw, filename="data.csv")


def test_error_messages_name_the_file_and_avoid_jargon() -> None:
    with pytest.raises(DataError) as error:
        parse_series_csv(b"\x89PNG\r\n", filename="chart.png")
    message = str(error.value)
    assert "chart.png" in message
    assert not any(word in message for word in ("Error", "Exception", "bytes", "decode"))


@pytest.mark.parametrize(
    ("lines", "target", "words"),
    [
        (["date,a,b", *[f"2020-01-{d:02d},,{d}" for d in range(1, 21)]], "a", "'a' has no values"),
        (
            ["date,a,b", *[f"2020-01-{d:02d},5,{d}" for d in range(1, 21)]],
            "a",
            "same value \\(5\\)",
        ),
        (["date,a", *[f"2020-01-{d:02d},{d}" for d in range(1, 6)]], "a", "only 5 rows"),
        (["date,a,b", *[f"2020-01-{d:02d},{d},{d}" for d in range(1, 21)]], "c", "not a numeric"),
    ],
    ids=["all-missing", "constant", "too-few-rows", "unknown-column"],
)
def test_unusable_target_raises_data_error(lines: list[str], target: str, words: str) -> None:
    parsed = parse_series_csv(csv_bytes(*lines))
    with pytest.raises(DataError, match=words):
        series_from_csv(parsed, target)


# ---------------------------------------------------------------------------------------------
# The shared reader: names, encodings, delimiters


def test_duplicate_column_names_after_trimming_are_made_unique() -> None:
    parsed = parse_series_csv(csv_bytes("date,value ,value", *daily_csv(12)))
    assert parsed.numeric_columns == ("value", "value.1")
    assert parsed.frame["value.1"].iloc[:3].tolist() == [0.0, 1.0, 2.0]
    assert any("value -> value.1" in note for note in parsed.notes)


def test_semicolon_decimal_comma_latin1_series() -> None:
    lines = ["Datum;Température", *[f"2021-03-{d:02d};{d},5" for d in range(1, 21)]]
    parsed = parse_series_csv("\n".join(lines).encode("latin-1"))
    assert parsed.numeric_columns == ("Température",)
    assert parsed.frame["Température"].iloc[0] == 1.5


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b'[{"date": "2020-01-01", "v": 1}]', "JSON"),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "web page"),
        (b"\xff\xfe" + "date,v\n".encode("utf-16-le"), "no rows"),
        (b"BZh91AY&SY" + bytes(40), "bzip2"),
    ],
    ids=["json", "html", "utf16-header-only", "bzip2"],
)
def test_other_formats_are_named(raw: bytes, words: str) -> None:
    with pytest.raises(DataError, match=words):
        parse_series_csv(raw, filename="data.csv")


def test_a_saved_row_index_is_still_recognised_by_the_shared_reader() -> None:
    frame = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=20), "v": range(20)})
    parsed = parse_series_csv(frame.to_csv().encode())  # pandas writes the index unnamed
    assert parsed.numeric_columns == ("v",)
    assert any("row-number" in note for note in parsed.notes)


def test_excel_separator_line_is_honoured() -> None:
    lines = ["sep=;", "date;value", *[f"2021-03-{d:02d};{d}" for d in range(1, 21)]]
    parsed = parse_series_csv(csv_bytes(*lines))
    assert parsed.numeric_columns == ("value",) and parsed.time_column == "date"


# Silent wrong reads: inf, serial times, day/month order


def test_infinite_values_are_refused_with_a_clear_message() -> None:
    lines = [
        "date,a,b",
        *[f"2020-01-{d:02d},{d},{'inf' if d in (4, 9) else d}" for d in range(1, 21)],
    ]
    parsed = parse_series_csv(csv_bytes(*lines))
    series_from_csv(parsed, "a")  # the inf column is not used: fine
    with pytest.raises(
        DataError, match=r"'b' holds 2 infinite values \(inf\), the first at 2020-01-04"
    ):
        series_from_csv(parsed, "a", inputs=["b"])


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        # Excel serials: 43831 is 2020-01-01 (Excel's own DATE(2020,1,1)).
        ("Date", [43831 + 7 * i for i in range(12)], "2020-01-01"),
        # No date-like name: month starts (31, 29, 31... days apart) are evenly enough spaced.
        (
            "serial",
            [
                43831 + (d - pd.Timestamp("2020-01-01")).days
                for d in pd.date_range("2020-01-01", periods=12, freq="MS")
            ],
            "2020-01-01",
        ),
        ("ts", [1577836800 + 3600 * i for i in range(12)], "2020-01-01 00:00"),  # epoch seconds
        ("t", [1577836800000 + 86400000 * i for i in range(12)], "2020-01-01"),  # milliseconds
    ],
)
def test_serial_times_are_read_as_time_not_as_the_target(header, values, expected) -> None:
    rows = [f"{v},{i * 1.5 + 3}" for i, v in enumerate(values)]
    parsed = parse_series_csv(csv_bytes(f"{header},value", *rows))
    assert parsed.time_column == header
    assert parsed.numeric_columns == ("value",)  # never offered as the default target
    assert parsed.frame.index[0] == pd.Timestamp(expected)
    assert parsed.frame.index[1] > parsed.frame.index[0]
    assert any("as time" in note for note in parsed.notes)


def test_ordinary_large_numbers_stay_numbers() -> None:
    values = [21000, 35000, 28000, 41000, 30000, 25000]
    parsed = parse_series_csv(csv_bytes("sales,cost", *[f"{v},{i}" for i, v in enumerate(values)]))
    assert parsed.time_column is None and parsed.numeric_columns == ("sales", "cost")


def month_ends(n: int = 60, start: str = "1920-01-31") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="ME")


def test_day_first_dates_are_inferred_from_the_values() -> None:
    days = month_ends()
    rows = [f"{d:%d/%m/%Y},{i}" for i, d in enumerate(days)]
    parsed = parse_series_csv(csv_bytes("date,value", *rows))
    assert parsed.date_order == "day_first"
    assert list(parsed.frame.index) == list(days)  # nothing piled up on 1-12 January
    assert frequency_label(parsed.frame.index) == "monthly"
    assert "60 rows of 60 have a first number above 12" in parsed.order_why
    assert not any("60 rows of 60" in n for n in parsed.notes)  # said once, in the summary
    # Switched to month first, those dates are impossible: a clear refusal, not a silent misread.
    with pytest.raises(DataError, match="60 of the 60 dates are impossible"):
        parse_series_csv(csv_bytes("date,value", *rows), date_order="month_first")


def test_ambiguous_dates_are_counted_and_can_be_switched() -> None:
    days = pd.date_range("2020-01-01", periods=12, freq="MS")  # 01/01 .. 01/12: either order
    rows = [f"{d:%d/%m/%Y},{i}" for i, d in enumerate(days)] + ["13/12/2020,12"]
    parsed = parse_series_csv(csv_bytes("date,value", *rows))
    assert parsed.date_order == "day_first" and parsed.ambiguous_dates == 12
    assert parsed.frame.index[1] == pd.Timestamp("2020-02-01")
    month_first = parse_series_csv(csv_bytes("date,value", *rows), date_order="month_first")
    assert month_first.frame.index[1] == pd.Timestamp("2020-01-02")
    assert len(month_first.frame) == 12  # 13/12/2020 cannot be month first: dropped
    assert any("1 row can only be read in the other order" in n for n in month_first.notes)
    assert "you chose" in month_first.order_why


def test_mixed_orders_are_not_resolved_silently() -> None:
    days = month_ends(60)
    rows = [f"{d:%d/%m/%Y},{i}" for i, d in enumerate(days)]
    rows[10:14] = [f"{d:%m/%d/%Y},{10 + i}" for i, d in enumerate(days[10:14])]  # 4 month first
    parsed = parse_series_csv(csv_bytes("date,value", *rows))
    assert parsed.date_order == "day_first" and len(parsed.frame) == 56
    assert any("4 rows can only be read in the other order" in n for n in parsed.notes)
