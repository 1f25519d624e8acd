"""Forecast quality anchors.

1. Airline, the app's default recipe (last 24 months as test): test RMSE at every horizon 1..12 by
   rolling origin (recursive forecasts), beside naive and seasonal naive, for two seeds; the RNN
   must beat seasonal naive at every horizon.
2. The tutorial recipe (rnnviz.tasks.forecast.recipes.TUTORIAL: LSTM(4), look-back 1, min-max, first 67% for
   training, 100 epochs of batch 1, last-epoch weights): one-step test RMSE, printed as
   ``tutorial rmse <x>``; a plain-Keras rerun of the tutorial gives 51.9 (it reports 47.5).
3. Coverage of the 80% and 95% split-conformal intervals on the test rows (every horizon) of
   airline and CO2 (CO2 with a shorter epoch budget, see --co2-epochs).
4. Every built-in series (--series, default all) with the default recipe derived from it
   (rnnviz.tasks.forecast.recipes.data_recipe, whose reasons are printed), one line each:
   ``forecast <series> rnn <x> seasonal_naive <y> ets <z> mean <m> drift <d> naive <n> sarima <s>``,
   each the test RMSE averaged over horizons 1..H (rolling origin; ``nan`` where SARIMA is left
   out, the baseline note says why), and the verdict Inspect shows.
5. SARIMA's reference on airline: (0,1,1)(0,1,1)12 on log values (the classic) fit on all but the
   last 12 months, and the model the app's order search picks there, each printed as the RMSE of
   one 12-month forecast from that origin (multiplicative Holt-Winters: about 15.8).

Run: .venv/bin/python bench/forecast_quality.py [--seeds 7 1] [--co2-epochs 30]
     [--series airline lynx] [--skip airline tutorial co2 sarima series]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import _bootstrap  # noqa: F401  (repository root on sys.path)
import numpy as np
import pandas as pd

from rnnviz.tasks.forecast.baselines import DRIFT, ETS, MEAN
from rnnviz.tasks.forecast.evaluation import (
    NAIVE,
    RNN,
    choose_sarima,
    forecast_errors,
    forecast_job,
)
from rnnviz.tasks.forecast.recipes import TUTORIAL, data_recipe
from rnnviz.tasks.forecast.sarima import SARIMA, SarimaOrder, fit_order
from rnnviz.tasks.forecast.series import BUILTIN_SERIES, load_builtin
from rnnviz.tasks.forecast.windows import WindowSpec, make_windows


def trained(key: str, window_spec, model, train):
    series = load_builtin(key).with_inputs(())
    job = forecast_job(series, window_spec, model, train)
    start = time.perf_counter()
    state = job.run.run()
    print(
        f"   {key} seed {train.seed}: {state.epoch} epochs in {time.perf_counter() - start:.0f} s"
    )
    return job


def coverage_line(name: str, coverage: pd.Series) -> str:
    parts = [f"{level:.0%}: {share:.1%}" for level, share in coverage.items()]
    return f"{name} interval coverage on test  " + "   ".join(parts)


def coverage_of(report) -> pd.Series:
    return report.coverage.set_index("level")["coverage"]


def airline_default(seeds: list[int]) -> list[str]:
    recipe = data_recipe(load_builtin("airline"))
    spec = recipe.window_spec
    print(f"== airline, default recipe: {spec}\n   {recipe.explanation}")
    table, coverage = None, []  # coverage: per seed, share inside by level
    for seed in seeds:
        job = trained("airline", spec, recipe.model, replace(recipe.train, seed=seed))
        report = job.report()
        by_h = report.by_horizon.set_index("horizon")
        if table is None:
            table = by_h[[c for c in by_h.columns if c.endswith("RMSE") and c != f"{RNN} RMSE"]]
            table = table.rename(columns=lambda c: c.removesuffix(" RMSE"))
        table.insert(len(coverage), f"RNN seed {seed}", by_h[f"{RNN} RMSE"])
        coverage.append(coverage_of(report))
    seasonal = next(c for c in table.columns if c.startswith("Seasonal"))
    rnn_columns = [c for c in table.columns if c.startswith("RNN")]
    table["beats seasonal"] = (table[rnn_columns].max(axis=1) < table[seasonal]).map(
        {True: "yes", False: "NO"}
    )
    print("test RMSE per horizon (rolling origin over the last 24 months):")
    options = ("display.width", 200, "display.max_columns", 20, "display.float_format")
    with pd.option_context(*options, "{:.1f}".format):
        print(table)
    everywhere = (table["beats seasonal"] == "yes").all()
    print(f"default recipe beats seasonal naive at every horizon 1..12: {everywhere}")
    lines = [coverage_line(f"airline seed {s}", c) for s, c in zip(seeds, coverage, strict=True)]
    lines.append(coverage_line("airline mean over seeds", pd.concat(coverage, axis=1).mean(axis=1)))
    return lines


def tutorial() -> None:
    print(f"== tutorial recipe: {TUTORIAL.window_spec}")
    job = trained(TUTORIAL.dataset, TUTORIAL.window_spec, TUTORIAL.model, TUTORIAL.train)
    errors = forecast_errors(job.inference_model, job.data, job.topology, 12).set_index("model")
    print(errors.round(2))
    print(f"tutorial rmse {errors.loc['RNN', 'RMSE']:.1f}  (plain Keras 51.9, reported 47.5)")


def co2_coverage(epochs: int) -> str:
    recipe = data_recipe(load_builtin("co2"))
    spec = recipe.window_spec
    print(f"== co2, default recipe with {epochs} epochs: {spec}")
    job = trained("co2", spec, recipe.model, replace(recipe.train, epochs=epochs))
    report = job.report()
    by_h = report.by_horizon
    print(
        f"   mean test RMSE over horizons 1..{len(by_h)}: RNN {by_h[f'{RNN} RMSE'].mean():.2f}, "
        + ", ".join(
            f"{c.removesuffix(' RMSE')} {by_h[c].mean():.2f}"
            for c in by_h.columns
            if c.endswith("RMSE") and c != f"{RNN} RMSE"
        )
    )
    return coverage_line("co2", coverage_of(report))


def airline_sarima_holdout() -> list[str]:
    """RMSE of one 12-month forecast of airline's last year: the classic SARIMA and the app's."""
    series = load_builtin("airline")
    target = series.frame[series.target].to_numpy(float)
    classic = fit_order(target, 132, SarimaOrder((0, 1, 1), (0, 1, 1, 12), log=True, trend="n"))
    data = make_windows(series, WindowSpec(window=12, horizon=1, test_size=12, val_size=12))
    start = time.perf_counter()
    chosen, note = choose_sarima(data, 12, 12)
    seconds = time.perf_counter() - start
    print(f"== airline SARIMA, last 12 months held out\n   {note} ({seconds:.1f} s)")
    lines = []
    for name, fit in (("classic", classic), ("app", chosen)):
        forecast = fit.forecast(np.array([132]), 12)[0]
        rmse = float(np.sqrt(np.mean((forecast - target[132:]) ** 2)))
        lines.append(f"airline 12-month holdout sarima {name} {fit.description}: rmse {rmse:.2f}")
    return lines


def floor_line(by_horizon: pd.DataFrame) -> str:
    """Issue 18's floor: the horizons where the RNN's test RMSE is not below seasonal naive's or
    the training mean's (one column "<model> RMSE" per model, one row per horizon)."""
    rnn = by_horizon[f"{RNN} RMSE"].to_numpy()
    parts = []
    for column in by_horizon.columns:
        name = column.removesuffix(" RMSE")
        if column.endswith(" RMSE") and (name.startswith("Seasonal") or name == MEAN):
            lost = [
                h for h, (r, b) in enumerate(zip(rnn, by_horizon[column], strict=True), 1) if r >= b
            ]
            parts.append(
                f"{name}: " + (f"loses at horizons {lost}" if lost else "beaten at every horizon")
            )
    return "floor (issue 18): " + "; ".join(parts)


def series_line(key: str) -> str:
    """The default recipe on one built-in series against every baseline (mean RMSE over
    horizons 1..H on test), as one line."""
    recipe = data_recipe(load_builtin(key))
    print(f"== {key}, default recipe: {recipe.window_spec}\n   {recipe.explanation}")
    job = trained(key, recipe.window_spec, recipe.model, recipe.train)
    report = job.report()
    mean = {
        c.removesuffix(" RMSE"): report.by_horizon[c].mean()
        for c in report.by_horizon.columns
        if c.endswith(" RMSE")
    }
    seasonal = next((v for k, v in mean.items() if k.startswith("Seasonal")), float("nan"))
    names = {"rnn": RNN, "ets": ETS, "mean": MEAN, "drift": DRIFT, "naive": NAIVE, "sarima": SARIMA}
    figures = {short: mean.get(name, float("nan")) for short, name in names.items()}
    print(f"   {report.baseline_note}\n   {job.verdict(report).text}")
    print(f"   {floor_line(report.by_horizon)}")
    return f"forecast {key} rnn {figures['rnn']:.3f} seasonal_naive {seasonal:.3f} " + " ".join(
        f"{short} {value:.3f}" for short, value in figures.items() if short != "rnn"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 1])
    parser.add_argument("--co2-epochs", type=int, default=30)
    parser.add_argument("--series", nargs="*", default=list(BUILTIN_SERIES))
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["airline", "tutorial", "co2", "series", "sarima"],
    )
    args = parser.parse_args()
    lines = []
    if "airline" not in args.skip:
        lines += airline_default(args.seeds)
    if "tutorial" not in args.skip:
        tutorial()
    if "co2" not in args.skip:
        lines.append(co2_coverage(args.co2_epochs))
    if "sarima" not in args.skip:
        lines += airline_sarima_holdout()
    if "series" not in args.skip:
        lines += [series_line(key) for key in args.series]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
