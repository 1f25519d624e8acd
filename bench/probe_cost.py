"""How much a gate trace costs next to one Keras forward pass.

Run: ``python bench/probe_cost.py``. Builds a 1-layer, 64-unit model of each cell type (builder
defaults), feeds 64 sequences x 100 steps x 8 features, and compares the median of 5
alternating repeats of ``probes.trace`` and ``model.predict`` (each warmed up once).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from rnnviz.model.builder import build_model  # noqa: E402
from rnnviz.model.probes import trace  # noqa: E402
from rnnviz.model.spec import CELLS, ModelSpec  # noqa: E402

BATCH, TIME, FEATURES, UNITS = 64, 100, 8, 64
REPEATS = 5
GOAL = 3.0


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(cell: str) -> tuple[float, float]:
    """Median seconds of (trace, predict) for one cell type."""
    model = build_model(ModelSpec(cell=cell, units=(UNITS,)), (TIME, FEATURES))
    x = np.random.default_rng(0).normal(size=(BATCH, TIME, FEATURES)).astype("float32")
    run_trace = partial(trace, model, x)
    run_predict = partial(model.predict, x, verbose=0)
    run_trace(), run_predict()  # warm-up
    traces, predicts = [], []
    for _ in range(REPEATS):
        traces.append(_seconds(run_trace))
        predicts.append(_seconds(run_predict))
    return statistics.median(traces), statistics.median(predicts)


def main() -> int:
    print(f"batch {BATCH} x time {TIME} x features {FEATURES}, {UNITS} units, median of {REPEATS}")
    ok = True
    for cell in ("LSTM",) + tuple(c for c in CELLS if c != "LSTM"):
        t_trace, t_predict = bench(cell)
        ratio = t_trace / t_predict
        ok &= ratio <= GOAL
        print(
            f"{cell:<9} trace {t_trace * 1e3:7.1f} ms   predict {t_predict * 1e3:7.1f} ms   "
            f"ratio {ratio:4.2f}"
        )
    print(f"goal: ratio <= {GOAL:g}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
