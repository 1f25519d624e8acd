"""Forecast quality anchor on airline passengers.

1. The app's default recipe (last 24 months as test): the RNN must beat the seasonal-naive baseline
   on test RMSE.
2. The split of the well-known one-step LSTM tutorial (first 67% of months for training, the last
   48 as test; it reports a test RMSE of about 47.5 passengers with look-back 1), for comparison.

Run: .venv/bin/python bench/forecast_quality.py [seed ...]
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace

import _bootstrap  # noqa: F401  (repository root on sys.path)

from rnnviz.datasets import load_builtin
from rnnviz.forecast import forecast_errors, forecast_job
from rnnviz.recipes import DEFAULT_MODEL, DEFAULT_TRAIN, recommended_window_spec


def evaluate(window_spec, seed: int) -> tuple[dict, float, int]:
    series = load_builtin("airline")
    job = forecast_job(series, window_spec, DEFAULT_MODEL, replace(DEFAULT_TRAIN, seed=seed))
    start = time.perf_counter()
    state = job.run.run()
    seconds = time.perf_counter() - start
    table = forecast_errors(job.inference_model, job.data, job.topology, series.season)
    return dict(zip(table["model"], table["RMSE"], strict=True)), seconds, state.epoch


def main(seeds: list[int]) -> None:
    series = load_builtin("airline")
    default = recommended_window_spec(series)
    tutorial = replace(default, test_size=48, horizon=1)
    for name, spec in (
        ("default recipe, test = last 24 months", default),
        ("tutorial split, test = last 48 months", tutorial),
    ):
        print(f"== {name}: {spec}")
        for seed in seeds:
            rmse, seconds, epochs = evaluate(spec, seed)
            line = "   ".join(f"{k}: {v:6.2f}" for k, v in rmse.items())
            seasonal = next(v for k, v in rmse.items() if k.startswith("Seasonal"))
            verdict = (
                "beats seasonal naive" if rmse["RNN"] < seasonal else "DOES NOT beat seasonal naive"
            )
            print(
                f"seed {seed}: test RMSE  {line}   ({epochs} epochs, {seconds:.1f} s) -> {verdict}"
            )


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [7])
