"""Held-back data: real series and sequence files the project does not use, run through the
defaults as an upload would be.

Each file is written from data that ships inside an installed package (statsmodels, sktime,
vega_datasets), in a shape people export: a European CSV (semicolons, decimal commas, day.month.
year dates), month names, quarters, a wide year-by-month table turned long, a long table with one
row per time and category, UCR sets as a wide table (one row per sequence) or a long one (one row
per step). It is then read by the upload path the Data page uses (rnnviz.tasks.forecast.series
parse_series_csv / series_from_csv with the first numeric column as the target and the season
guessed from the dates; rnnviz.tasks.sequences.data suggest_sequence_columns /
sequences_from_frame), given the default recipe derived from it and trained in this process.

Prints one line per file, then the verdict the Inspect page shows:
``heldback <file> rnn <x> seasonal_naive <y> ets <z> mean <m> sarima <s>`` (forecast: test RMSE
averaged over horizons 1..H; nan where a baseline has no figure, e.g. no season, or SARIMA left out) or
``heldback <file> rnn <acc> 1nn <acc> majority <acc>`` (sequences: test accuracy).

Run: OMP_NUM_THREADS=2 .venv/bin/python bench/heldback.py [--only nile.csv ...] [--list]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import _bootstrap  # noqa: F401  (repository root on sys.path, quiet TF logs)
import numpy as np
import pandas as pd

from rnnviz.common.bundled import package_dir, read_ts, ucr_path
from rnnviz.common.csvread import read_csv_table
from rnnviz.common.verdicts import classifier_verdict
from rnnviz.tasks.forecast.baselines import ETS, MEAN
from rnnviz.tasks.forecast.evaluation import RNN, forecast_job
from rnnviz.tasks.forecast.recipes import data_recipe
from rnnviz.tasks.forecast.sarima import SARIMA
from rnnviz.tasks.forecast.series import guess_season, parse_series_csv, series_from_csv
from rnnviz.tasks.sequences.classify import (
    report_from_predictions,
    sequence_job,
    sequence_specs,
)
from rnnviz.tasks.sequences.data import (
    SequenceColumns,
    sequences_from_frame,
    suggest_sequence_columns,
)
from rnnviz.tasks.sequences.recipes import DEFAULT_SEQUENCE_RECIPE, chunk_reason, reading_chunk
from rnnviz.tasks.sequences.task import SplitSettings, sequences_data

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def csv_bytes(frame: pd.DataFrame, **options) -> bytes:
    return frame.to_csv(index=False, **options).encode("utf-8")


def statsmodels_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(package_dir("statsmodels") / "datasets" / name / f"{name}.csv")


def sktime_csv(folder: str, name: str) -> pd.DataFrame:
    return pd.read_csv(package_dir("sktime") / "datasets" / "data" / folder / name)


def vega_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(package_dir("vega_datasets") / "_data" / name)


# -- forecasting files ----------------------------------------------------------------------------
def nile() -> bytes:
    """Yearly Nile flow 1871-1970, plain years."""
    return csv_bytes(statsmodels_csv("nile"))


def elnino_month_names() -> bytes:
    """Pacific sea surface temperature, 1950-2010: the year-by-month table made long, dated
    'Jan 1950'."""
    wide = statsmodels_csv("elnino")
    rows = [
        (f"{MONTHS[m]} {int(year)}", wide.iloc[i, m + 1])
        for i, year in enumerate(wide["YEAR"])
        for m in range(12)
    ]
    return csv_bytes(pd.DataFrame(rows, columns=["month", "sea_temp"]))


def macro_quarters() -> bytes:
    """US unemployment rate, quarterly 1959-2009, dated '1959Q1', other columns beside it."""
    macro = statsmodels_csv("macrodata")
    quarter = macro["year"].astype(int).astype(str) + "Q" + macro["quarter"].astype(int).astype(str)
    return csv_bytes(
        pd.DataFrame({"quarter": quarter, "unemp": macro["unemp"], "infl": macro["infl"]})
    )


def elec_equip_european() -> bytes:
    """Euro-area electrical equipment orders, monthly 1995-2011, as a European spreadsheet
    exports it: semicolons, decimal commas, day.month.year dates."""
    raw = statsmodels_csv("elec_equip")
    dates = pd.to_datetime(raw["DATE"], format="%b-%d-%Y").dt.strftime("%d.%m.%Y")
    frame = pd.DataFrame({"Datum": dates, "Auftragseingang": raw.iloc[:, 1]})
    return csv_bytes(frame, sep=";", decimal=",")


def us_employment() -> bytes:
    """US non-farm employment (thousands), monthly 2006-2015, with 22 other columns."""
    return csv_bytes(vega_csv("us-employment.csv"))


def iowa_long() -> bytes:
    """Iowa's net electricity generation by source, yearly 2001-2017: a long table, one row per
    year and source (the rows sharing a year are summed: the page's 'Combine: sum')."""
    return csv_bytes(vega_csv("iowa-electricity.csv"))


def seatbelts() -> bytes:
    """Monthly UK drivers killed or seriously injured, 1969-1984 (sktime), 'Jan-1969' dates."""
    raw = sktime_csv("seatbelts", "seatbelts.csv")
    dates = pd.to_datetime(raw.iloc[:, 0]).dt.strftime("%b-%Y")
    return csv_bytes(pd.DataFrame({"month": dates, "KSI": raw["KSI"]}))


def uschange_quarters() -> bytes:
    """Quarterly US consumption growth 1970-2016 (sktime), dated '1970 Q1', four more columns."""
    return csv_bytes(sktime_csv("Uschange", "Uschange.csv").drop(columns=["Unnamed: 0"]))


def shampoo() -> bytes:
    """Three years of monthly shampoo sales (sktime), dated '1991-01'."""
    return csv_bytes(sktime_csv("ShampooSales", "ShampooSales.csv"))


# -- sequence files -------------------------------------------------------------------------------
def ucr_frame(name: str) -> tuple[list[np.ndarray], list[str]]:
    """Every sequence (train and test together, as a user's own file has no split) and label."""
    train, train_labels, _ = read_ts(ucr_path(name, "TRAIN"))
    test, test_labels, _ = read_ts(ucr_path(name, "TEST"))
    return [s[:, 0] for s in train + test], train_labels + test_labels


def ucr_wide(name: str) -> Callable[[], bytes]:
    """One row per sequence: its steps in columns t0, t1, ..., the label last."""

    def write() -> bytes:
        series, labels = ucr_frame(name)
        frame = pd.DataFrame(np.stack(series), columns=[f"t{i}" for i in range(len(series[0]))])
        frame["class"] = labels
        return csv_bytes(frame)

    return write


def ucr_long(name: str) -> Callable[[], bytes]:
    """One row per step: id, step, value, label (the label repeated on every row)."""

    def write() -> bytes:
        series, labels = ucr_frame(name)
        rows = [
            (f"s{i}", step, value, label)
            for i, (values, label) in enumerate(zip(series, labels, strict=True))
            for step, value in enumerate(values)
        ]
        return csv_bytes(pd.DataFrame(rows, columns=["id", "step", "value", "label"]))

    return write


@dataclass(frozen=True)
class HeldBack:
    name: str
    kind: str  # "forecast" or "sequences"
    write: Callable[[], bytes]


FILES = (
    HeldBack("nile.csv", "forecast", nile),
    HeldBack("elnino_month_names.csv", "forecast", elnino_month_names),
    HeldBack("macro_quarters.csv", "forecast", macro_quarters),
    HeldBack("elec_equip_european.csv", "forecast", elec_equip_european),
    HeldBack("us_employment.csv", "forecast", us_employment),
    HeldBack("iowa_long.csv", "forecast", iowa_long),
    HeldBack("seatbelts.csv", "forecast", seatbelts),
    HeldBack("uschange_quarters.csv", "forecast", uschange_quarters),
    HeldBack("shampoo.csv", "forecast", shampoo),
    HeldBack("arrowhead_wide.csv", "sequences", ucr_wide("ArrowHead")),
    HeldBack("unittest_long.csv", "sequences", ucr_long("UnitTest")),
    HeldBack("acsf1_wide.csv", "sequences", ucr_wide("ACSF1")),
)


def forecast_line(name: str, raw: bytes) -> tuple[str, str]:
    """The upload path of the forecast Data page with its defaults, trained and judged."""
    parsed = parse_series_csv(raw, name)
    combine = "sum" if parsed.duplicated else None  # the page asks; a long table adds up
    target = parsed.numeric_columns[0]  # the page's first choice
    season = guess_season(parsed.frame.index) or 0
    series = series_from_csv(parsed, target, (), season, name, combine)
    recipe = data_recipe(series)
    print(f"== {name}: {series.notes[0]}\n   {recipe.window_spec}\n   {recipe.explanation}")
    job = forecast_job(series, recipe.window_spec, recipe.model, recipe.train)
    start = time.perf_counter()
    state = job.run.run()
    print(f"   {state.epoch} epochs in {time.perf_counter() - start:.0f} s", flush=True)
    report = job.report()
    mean = report.by_horizon.filter(like=" RMSE").mean()
    seasonal = next((v for k, v in mean.items() if k.startswith("Seasonal")), float("nan"))
    names = (RNN, ETS, MEAN, SARIMA)
    rnn, ets, train_mean, sarima = (float(mean.get(f"{n} RMSE", float("nan"))) for n in names)
    line = (
        f"heldback {name} rnn {rnn:.4g} seasonal_naive {seasonal:.4g} ets {ets:.4g} "
        f"mean {train_mean:.4g} sarima {sarima:.4g}"
    )
    return line, job.verdict(report).text


def sequences_line(name: str, raw: bytes) -> tuple[str, str]:
    """The upload path of the sequences Data page with its defaults, trained and judged as the
    Inspect page does."""
    frame = read_csv_table(raw, name, dtype=str).frame
    columns = list(frame.columns)
    chosen = suggest_sequence_columns(frame) or SequenceColumns(
        "wide", tuple(columns[:-1]), columns[-1]
    )
    dataset = sequences_from_frame(frame, chosen, name=name)
    chunk = reading_chunk(int(np.median(dataset.lengths)))
    data = sequences_data(dataset, SplitSettings(scaling=dataset.default_scaling, chunk=chunk))
    print(
        f"== {name}: {chosen.layout}, {len(dataset)} sequences x {dataset.n_steps} steps, "
        f"{dataset.n_classes} classes; {chunk_reason(int(np.median(dataset.lengths)), chunk)}"
    )
    spec, train = sequence_specs(DEFAULT_SEQUENCE_RECIPE, data.prepared)
    job = sequence_job(data, spec, train)
    start = time.perf_counter()
    state = job.run.run()
    print(f"   {state.epoch} epochs in {time.perf_counter() - start:.0f} s", flush=True)
    reports = report_from_predictions(job.summary()[2], data.class_names)
    rnn = reports["RNN"]
    others = {n: r["accuracy"] for n, r in reports.items() if n != "RNN"}
    verdict = classifier_verdict(
        rnn["accuracy"], {**others, "the majority class": rnn["majority_accuracy"]}
    )
    nn = reports["1-nearest neighbour (Euclidean)"]["accuracy"]
    line = (
        f"heldback {name} rnn {rnn['accuracy']:.3f} 1nn {nn:.3f} "
        f"majority {rnn['majority_accuracy']:.3f}"
    )
    extra = "; ".join(f"{n} {a:.3f}" for n, a in others.items())
    return line, f"{verdict.text} ({extra})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="file names (default: all)")
    parser.add_argument("--list", action="store_true", help="write the files and show their start")
    args = parser.parse_args()
    lines = []
    for held in FILES:
        if args.only and held.name not in args.only:
            continue
        raw = held.write()
        if args.list:
            print(f"{held.name}: {len(raw):,} bytes\n{raw[:160].decode()}...")
            continue
        run = forecast_line if held.kind == "forecast" else sequences_line
        line, verdict = run(held.name, raw)
        print(f"{line}\n   {verdict}", flush=True)
        lines.append(f"{line}\n   {verdict}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
