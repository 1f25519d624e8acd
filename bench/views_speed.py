"""Issue 23's views against the Inspect speed goals (first draw under 3 s, an interaction
under 0.5 s), on realistic sizes with one BLAS thread busy machine or not.

Run: ``python bench/views_speed.py``. Prints seconds for:
* the trajectory view's first draw: trace of 200 training inputs (MNIST rows: 28 steps x 28
  features, LSTM 64 units), PCA, a 28-step path with 5 neighbours a step, the figure as JSON;
  then another input (the view keeps the training states per job: one input traced, its path);
* pattern search on a 3,000-character passage's 128 units (select, match, summarise);
* the spread ranking of 6 variants x 3 seeds.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from rnnviz.common.seeds import seed_summary, spread_ranking  # noqa: E402
from rnnviz.common.view_figures import trajectory_figure  # noqa: E402
from rnnviz.model.builder import build_model  # noqa: E402
from rnnviz.model.patterns import search  # noqa: E402
from rnnviz.model.probes import trace  # noqa: E402
from rnnviz.model.spec import ModelSpec  # noqa: E402
from rnnviz.model.trajectories import trajectory, trajectory_scene  # noqa: E402

FIRST_DRAW_GOAL, INTERACTION_GOAL = 3.0, 0.5


def timed(label: str, fn, goal: float):
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(
        f"{label:<58} {seconds:6.3f} s  (goal {goal:g} s: {'ok' if seconds < goal else 'MISSED'})"
    )
    return value


def trajectory_first_draw():
    model = build_model(ModelSpec(cell="LSTM", units=(64,), head="softmax", n_outputs=10), (28, 28))
    x = np.random.default_rng(0).random((201, 28, 28)).astype("float32")
    labels = [str(i % 10) for i in range(200)]

    def first():
        (train,), (probe,) = trace(model, x[:200]), trace(model, x[200:])
        scene = trajectory_scene(train.gates["hidden"], probe.gates["hidden"][0])
        trajectory_figure(scene.projection, scene.bank, scene.path, labels).to_json()
        return scene

    trace(model, x[:2])  # warm-up (imports)
    scene = timed(
        "trajectory, first draw (200 inputs x 28 steps, 64 units)", first, FIRST_DRAW_GOAL
    )
    timed(
        "trajectory, another input (training states kept)",
        lambda: trajectory(scene.projection, scene.bank, trace(model, x[:1])[0].gates["hidden"][0]),
        INTERACTION_GOAL,
    )


def pattern_search_interaction():
    rng = np.random.default_rng(0)
    selected, held = rng.random((3000, 128)), rng.random((3000, 128))
    props = {"inside brackets": (rng.random(3000) > 0.8).astype(float)}
    timed(
        "pattern search (3,000 steps x 128 units, match + summary)",
        lambda: search(selected, (100, 110), 0.05, held, props),
        INTERACTION_GOAL,
    )


def spread_ranking_interaction():
    rng = np.random.default_rng(0)
    results = pd.DataFrame(
        {"variant": np.repeat([f"v{i}" for i in range(6)], 3), "loss": rng.random(18)}
    )
    timed(
        "seed table (6 variants x 3 seeds, spread ranking)",
        lambda: spread_ranking(seed_summary(results, "loss"), False),
        INTERACTION_GOAL,
    )


if __name__ == "__main__":
    trajectory_first_draw()
    pattern_search_interaction()
    spread_ranking_interaction()
