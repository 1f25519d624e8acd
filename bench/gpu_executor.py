"""The executor on a GPU: a run trained by a worker process (the app's path: live records, gate
probes, checkpoints, saving) against a bare ``model.fit`` of the same model in this process.

    KERAS_BACKEND=torch python bench/gpu_executor.py [epochs] [units]

A synthetic series of 40,000 rows (no data download), window 48, LSTM(units), batch 256. A tiny
warm-up run first, so the timed run finds a warm worker as the app's users do. Prints both
wall times, their ratio, and the device Keras trained on.
"""

from __future__ import annotations

import sys
import tempfile
import time

import _bootstrap  # noqa: F401  (repository root on sys.path)
import numpy as np
import pandas as pd

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.service.executor import LocalExecutor
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.forecast.series import Series
from rnnviz.tasks.forecast.task import ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec


def series(rows: int = 40_000) -> Series:
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    frame = pd.DataFrame({"y": np.sin(t * 2 * np.pi / 50) + 0.1 * rng.normal(size=rows)})
    return Series("synthetic", frame, "y", season=50)


def bare_fit_seconds(data: Series, window: WindowSpec, spec: ModelSpec, train: TrainSpec) -> float:
    from rnnviz.tasks.forecast.evaluation import forecast_job

    start = time.perf_counter()
    job = forecast_job(data, window, spec, train)
    fit = job.run.data
    job.run.model.fit(
        fit.x_train,
        fit.y_train,
        batch_size=train.batch_size,
        epochs=train.epochs,
        validation_data=(fit.x_val, fit.y_val),
        verbose=0,
    )
    return time.perf_counter() - start


def main(epochs: int = 3, units: int = 128) -> None:
    import keras

    data, window = series(), WindowSpec(window=48, horizon=1, test_size=2000, val_size=4000)
    spec = ModelSpec(cell="LSTM", units=(units,))
    train = TrainSpec(epochs=epochs, batch_size=256, early_stopping=False)
    root = tempfile.mkdtemp(prefix="rnnviz-gpu-runs-")
    executor = LocalExecutor(max_running=1)
    warm = TrainSpec(epochs=1, batch_size=256, early_stopping=False)
    tiny = ModelSpec(cell="LSTM", units=(4,))
    small = Series("warm", data.frame.iloc[:2000], "y")
    warm_window = WindowSpec(window=48, horizon=1, test_size=200, val_size=200)
    warm_up = TrainRequest("forecast", ForecastData(small, warm_window), tiny, warm, root)
    executor.submit(warm_up).result(600)

    bare = bare_fit_seconds(data, window, spec, train)
    start = time.perf_counter()
    handle = executor.submit(
        TrainRequest("forecast", ForecastData(data, window), spec, train, root)
    )
    result = handle.result(600)
    app = time.perf_counter() - start
    state = handle.snapshot()
    executor.shutdown()
    print(f"backend {keras.backend.backend()}", end="")
    try:
        import torch

        print(f", device {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu'}")
    except ImportError:
        print()
    print(f"run status {state.status}, epochs {state.epoch}, saved {result.run_id is not None}")
    print(f"bare fit {bare:.1f} s, executor run {app:.1f} s, ratio {app / bare:.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
