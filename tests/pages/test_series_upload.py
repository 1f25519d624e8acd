"""The forecast Data page with a newcomer's own CSV files, as people export them: what the page
says it understood (rows, dates, frequency, season, date order and why, sorting, gaps), and the
choices it offers only when they are needed (date order, combining repeated times, filling gaps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.helpers import open_page, plotly_charts, session

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads" / "series"
MONTHS = pd.date_range("1991-01-01", periods=36, freq="MS")
QUARTERS = pd.date_range("1970-01-01", periods=40, freq="QS")


def csv_rows(header: str, times, values=None) -> bytes:
    values = [(i * 7) % 11 + i / 4 for i in range(len(times))] if values is None else values
    return (
        header + "\n" + "".join(f"{t},{v}\n" for t, v in zip(times, values, strict=True))
    ).encode()


def upload(name: str, content: bytes, at: AppTest | None = None) -> AppTest:
    if at is None:
        at = open_page("pages/forecast/data.py")
        at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at.get("file_uploader")[0].set_value((name, content, "text/csv"))
    return at.run()


def said(at: AppTest, kind: str = "info") -> str:
    return " ".join(e.value.replace("\\", "") for e in at.get(kind))


def ready(at: AppTest) -> bool:
    return (
        not at.exception
        and not at.error
        and len(plotly_charts(at)) == 1
        and any("Data ready" in s.value for s in at.success)
    )


def test_german_monthly_export_is_read_day_first_with_a_yearly_season():
    at = upload("german_monthly.csv", (UPLOADS / "german_monthly.csv").read_bytes())
    assert ready(at), said(at, "error")
    summary = at.info[0].value.replace("\\", "")
    assert summary.startswith("Understood 36 rows from 1991-01-01 to 1993-12-01, monthly")
    assert "(seasonal period 12)" in summary and "no gaps" in summary
    assert "dates read day first because only that order spaces them evenly" in summary
    assert at.number_input(key="w_csv_season_german_monthly.csv").value == 12
    series = session(at).data["forecast"].series
    assert list(series.frame.index) == list(MONTHS) and series.season == 12
    assert series.frame["Umsatz"].min() > 1000  # 1.050,00 is 1050, not 1.05
    assert "1.050,00 was read as 1050" in said(at)


@pytest.mark.parametrize(
    ("name", "header", "times", "label", "season"),
    [
        ("months.csv", "month,v", [f"{d:%b %Y}" for d in MONTHS], "monthly", 12),
        (
            "quarters.csv",
            "quarter,v",
            [f"{d.year}Q{d.quarter}" for d in QUARTERS],
            "quarterly",
            4,
        ),
        (
            "quarters_spaced.csv",
            "quarter,v",
            [f"{d.year} Q{d.quarter}" for d in QUARTERS],
            "quarterly",
            4,
        ),
        ("weeks.csv", "week,v", [f"2020-W{w:02d}" for w in range(5, 40)], "weekly", 52),
        ("excel.csv", "Date,v", [43831 + i for i in range(40)], "daily", 7),
        ("epoch.csv", "timestamp,v", [1577836800 + 3600 * i for i in range(60)], "hourly", 24),
    ],
)
def test_time_formats_show_their_frequency_and_season(name, header, times, label, season):
    at = upload(name, csv_rows(header, times))
    assert ready(at), said(at, "error")
    assert f"{label} (seasonal period {season})" in said(at)
    assert at.number_input(key=f"w_csv_season_{name}").value == season
    assert len(session(at).data["forecast"].series.frame) == len(times)


def test_unsorted_rows_are_sorted_and_the_page_says_so():
    days = [f"{d:%Y-%m-%d}" for d in pd.date_range("2021-01-01", periods=30)]
    at = upload("unsorted.csv", csv_rows("date,v", days[12:] + days[:12]))
    assert ready(at)
    assert "sorted by time" in said(at)
    assert "Sorted the rows by time (1 row out of order)" in said(at)
    assert session(at).data["forecast"].series.frame.index.is_monotonic_increasing


def test_repeated_times_are_refused_then_combined_when_chosen():
    days = [f"{d:%Y-%m-%d}" for d in pd.date_range("2021-01-01", periods=30)]
    at = upload("repeats.csv", csv_rows("date,v", [*days, days[3], days[7]]))
    errors = said(at, "error")
    assert (
        "2 times appear in more than one row (2 extra rows): 2021-01-04 (2 rows), 2021-01-08"
        in errors
    )
    assert not ready(at) and not plotly_charts(at)
    at.selectbox(key="w_csv_combine").set_value("mean").run()
    assert ready(at), said(at, "error")
    assert "Combined 2 extra rows sharing a time with another (the mean per time)" in said(at)
    assert len(session(at).data["forecast"].series.frame) == 30


def test_gaps_are_counted_and_filled_when_chosen():
    months = MONTHS.delete([5, 6, 20, 30, 31])
    at = upload("gaps.csv", csv_rows("month,v", [f"{d:%Y-%m}" for d in months]))
    assert ready(at)
    assert "3 gaps, 5 missing months, largest 2 months" in said(at)
    assert len(session(at).data["forecast"].series.frame) == 31
    fill = at.checkbox(key="w_csv_fill_gaps")
    assert "3 gaps, 5 missing months, largest 2 months" in fill.label
    fill.check().run()
    assert ready(at)
    assert list(session(at).data["forecast"].series.frame.index) == list(MONTHS)
    assert "Added 5 rows for the missing months" in said(at)


def test_no_gap_choice_when_there_are_no_gaps():
    at = upload("months.csv", csv_rows("month,v", [f"{d:%Y-%m}" for d in MONTHS]))
    assert ready(at) and not at.get("checkbox")


def test_both_orders_regular_asks_for_the_order():
    at = upload("either.csv", csv_rows("date,v", [f"01/{m:02d}/2020" for m in range(1, 13)]))
    assert not at.exception and not at.error and not plotly_charts(at)
    question = said(at, "warning")
    assert "both evenly spaced" in question and "Choose the date order" in question
    at.radio(key="w_csv_date_order").set_value("day_first").run()
    assert not at.exception and not at.warning
    assert "monthly" in said(at) and "dates read day first because you chose it" in said(at)
    assert at.number_input(key="w_csv_season_either.csv").value == 12
    assert "needs at least" in said(at, "error")  # 12 months: too short for the default split


def test_a_constant_test_part_is_warned_before_training():
    values = list(np.arange(1.0, 61.0) % 7 + 1) + [0.0] * 24
    months = pd.date_range("2015-01-01", periods=84, freq="MS")
    at = upload("counts.csv", csv_rows("month,count", [f"{d:%Y-%m}" for d in months], values))
    assert not at.exception and not at.error
    test_size = at.number_input(key="w_test_size").value
    assert test_size <= 24
    warning = said(at, "warning")
    assert f"The test part ({test_size} rows from" in warning and "same value (0)" in warning


def test_the_season_follows_the_date_order_the_user_picks():
    at = upload("german_monthly.csv", (UPLOADS / "german_monthly.csv").read_bytes())
    season = "w_csv_season_german_monthly.csv"
    assert at.number_input(key=season).value == 12
    at.radio(key="w_csv_date_order").set_value("month_first").run()
    assert not at.exception
    assert "not evenly spaced: steps from 1 day to 355 days" in said(at)
    assert at.number_input(key=season).value == 0
    at.radio(key="w_csv_date_order").set_value("day_first").run()
    assert ready(at) and at.number_input(key=season).value == 12
    assert session(at).data["forecast"].series.season == 12


def test_a_noisy_steady_season_defaults_to_the_deviation_from_its_profile():
    months = pd.date_range("1990-01-01", periods=240, freq="MS")
    noise = np.random.default_rng(3).normal(0, 1.5, len(months))
    values = 10 + 8 * np.cos(2 * np.pi * np.arange(len(months)) / 12) + noise  # 20 equal years
    at = upload("noisy_season.csv", csv_rows("month,temp", [f"{d:%Y-%m}" for d in months], values))
    assert ready(at), said(at, "error")
    info = said(at)
    assert "Default recipe for this series. A firm season of 12 rows" in info
    assert "less about a smooth seasonal profile than their change from one season" in info
    assert at.selectbox(key="w_transform").value == "seasonal_profile"
    spec = session(at).data["forecast"].window_spec
    assert (spec.transform, spec.season, spec.lag) == ("seasonal_profile", 12, 0)
