"""Training overhead of the app's run (live records, best weights, gate probes) over a bare fit.

The same model, data and seed are trained by `TrainingRun.run()` and by a bare `model.fit`,
alternating, and the ratio of median wall times is printed. Goal: at most 1.05.

Run: .venv/bin/python bench/train_overhead.py [repeats] [epochs]
"""

from __future__ import annotations

import statistics
import sys
import time

import _bootstrap  # noqa: F401  (repository root on sys.path)

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.evaluation import fit_data, windows_for
from rnnviz.tasks.forecast.recipes import recommended_window_spec
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.windows import make_windows
from rnnviz.train.training import TrainingRun, new_model


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(repeats: int = 5, epochs: int = 20) -> None:
    series = load_builtin("co2")  # 2,284 weekly rows: a realistic small forecasting job
    window_spec = windows_for(recommended_window_spec(series), "many_to_one")
    data = fit_data(make_windows(series, window_spec), "many_to_one")
    spec = ModelSpec(cell="LSTM", units=(32,))
    train = TrainSpec(epochs=epochs, batch_size=32, early_stopping=False)
    shape = data.x_train.shape[1:]
    probe_x = data.x_val[:4]

    def bare() -> None:
        model = new_model(spec, train, shape)
        model.fit(
            data.x_train,
            data.y_train,
            batch_size=train.batch_size,
            epochs=epochs,
            validation_data=(data.x_val, data.y_val),
            verbose=0,
        )

    def app(probes: bool) -> None:
        model = new_model(spec, train, shape)
        TrainingRun(model, spec, train, data, probe_x=probe_x if probes else None).run()

    bare()  # warm-up: graph tracing and first-call costs
    times = {"bare fit": [], "app run": [], "app run + gates": []}
    runners = {
        "bare fit": bare,
        "app run": lambda: app(False),
        "app run + gates": lambda: app(True),
    }
    names = list(runners)
    for repeat in range(repeats):
        rotated = names[repeat % 3 :] + names[: repeat % 3]  # no variant always goes first
        for name in rotated:
            times[name].append(timed(runners[name]))
    base = statistics.median(times["bare fit"])
    print(
        f"{len(data.x_train)} windows x {shape}, LSTM(32), {epochs} epochs, batch 32, {repeats} repeats"
    )
    for name, values in times.items():
        print(
            f"{name:16s} median {statistics.median(values):6.2f} s   ratio {statistics.median(values) / base:.3f}"
        )
    worst = max(statistics.median(v) for v in times.values()) / base
    print("goal: ratio <= 1.05 ->", "PASS" if worst <= 1.05 else "FAIL")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*args)
