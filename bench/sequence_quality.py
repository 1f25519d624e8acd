"""How good are the sequence-classification recipes? Train each built-in set, compare with 1-NN.

GOALS (2 CPU cores): MNIST rows, default recipe: test accuracy >= 0.95 in < 180 s of training;
ItalyPowerDemand (archive split), default recipe: >= 0.95 (1-NN Euclidean: 0.955 in the UCR
archive); GunPoint reported against 1-NN Euclidean (0.913).

Prints one line per run: ``<name> test accuracy <x> baseline <y> seconds <t>``, where baseline is
1-nearest-neighbour (Euclidean) on the same split, then (after ``#``) logistic regression on the
flattened sequence and the epochs run. Beside it, ``<name>[1-NN DTW] test accuracy <x> baseline
<y> seconds <t>``: 1-NN under DTW with a Sakoe-Chiba band of 10% (the Inspect page's baseline) on
the same split, step by step as the data set has them (not read in chunks), against 1-NN
Euclidean; left out with the reason where it would take more than ``--dtw-budget`` cell updates
(the page's own budget is 3e8) or the lengths differ. ``--dtw-only`` prints only these lines. Training is a plain ``model.fit`` of the builder's model
with early stopping on the validation loss, best weights kept (as the app's training run does).

Run:  python bench/sequence_quality.py [--seed 7] [--only mnist_rows ItalyPowerDemand ...]
      [--recipe default|LSTM(30)] [--dtw-only] [--dtw-budget 3e9]
      [key=value ...]   (overrides recipe entries, e.g. units=32)
"""

from __future__ import annotations

import argparse
import ast
import time

import _bootstrap  # noqa: F401  (repository root on sys.path, quiet TF logs)
import numpy as np
from _fit import timed_fit

from rnnviz.tasks.sequences.classify import (
    dtw_baseline,
    dtw_reason,
    evaluate_sequences,
    logistic_baseline,
    nearest_neighbour_baseline,
    sequence_specs,
)
from rnnviz.tasks.sequences.data import (
    BUILTIN_SEQUENCES,
    load_builtin_sequences,
    prepare_sequences,
    read_in_chunks,
)
from rnnviz.tasks.sequences.dtw import band
from rnnviz.tasks.sequences.recipes import DEFAULT_SEQUENCE_RECIPE, LSTM30_RECIPE, reading_chunk
from rnnviz.train.training import new_model

RUNS = [(key, "default", DEFAULT_SEQUENCE_RECIPE) for key in BUILTIN_SEQUENCES]
RUNS.insert(1, ("mnist_rows", "LSTM(30)", LSTM30_RECIPE))
GOALS = {
    ("mnist_rows", "default"): (0.95, 180.0),
    ("ItalyPowerDemand", "default"): (0.95, None),
}


def run_one(key: str, label: str, recipe: dict, seed: int) -> bool:
    dataset = load_builtin_sequences(key)
    chunk = reading_chunk(int(np.median(dataset.lengths)))  # the default reading of its length
    data = prepare_sequences(read_in_chunks(dataset, chunk), seed=seed)
    model_spec, train_spec = sequence_specs(recipe, data, seed=seed)
    model = new_model(model_spec, train_spec, data.input_shape)
    history, seconds = timed_fit(model, data, train_spec)
    accuracy = evaluate_sequences(model, data)["accuracy"]
    nn = nearest_neighbour_baseline(data)["accuracy"]
    logistic = logistic_baseline(data, seed)["accuracy"]
    epochs = len(history["loss"])
    print(
        f"{key}[{label}] test accuracy {accuracy:.4f} baseline {nn:.4f} seconds {seconds:.1f}"
        f"  # 1-NN Euclidean; logistic {logistic:.4f}; {epochs}/{train_spec.epochs} epochs; "
        f"{len(data.x_train)}/{len(data.x_val)}/{len(data.x_test)} train/val/test"
        + (f"; read {chunk} steps at a time" if chunk > 1 else ""),
        flush=True,
    )
    goal_accuracy, goal_seconds = GOALS.get((key, label), (None, None))
    met = (goal_accuracy is None or accuracy >= goal_accuracy) and (
        goal_seconds is None or seconds < goal_seconds
    )
    if goal_accuracy is not None:
        print(f"  GOAL accuracy >= {goal_accuracy}: {'MET' if met else 'NOT MET'}", flush=True)
    return met


def dtw_line(key: str, seed: int, budget: float) -> None:
    """1-NN DTW (10% band) beside 1-NN Euclidean on the set's own steps, or why it is left out."""
    data = prepare_sequences(load_builtin_sequences(key), seed=seed)
    reason = dtw_reason(data, budget)
    if reason:
        print(f"{key}[1-NN DTW] {reason}", flush=True)
        return
    start = time.perf_counter()
    accuracy = dtw_baseline(data)["accuracy"]
    seconds = time.perf_counter() - start
    nn = nearest_neighbour_baseline(data)["accuracy"]
    steps = data.input_shape[0]
    print(
        f"{key}[1-NN DTW] test accuracy {accuracy:.4f} baseline {nn:.4f} seconds {seconds:.1f}"
        f"  # 1-NN Euclidean; Sakoe-Chiba band {band(steps)} of {steps} steps",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="data set keys (default: all)")
    parser.add_argument("--recipe", choices=["default", "LSTM(30)"], help="only this recipe")
    parser.add_argument("--dtw-only", action="store_true", help="only the 1-NN DTW lines")
    parser.add_argument("--dtw-budget", type=float, default=3e9, help="DTW cell updates at most")
    parser.add_argument("overrides", nargs="*", help="recipe entries as key=value")
    args = parser.parse_args()
    overrides = {}
    for item in args.overrides:
        key, value = item.split("=", 1)
        if key not in DEFAULT_SEQUENCE_RECIPE:
            parser.error(f"unknown recipe key {key!r}; known: {sorted(DEFAULT_SEQUENCE_RECIPE)}")
        try:
            overrides[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            overrides[key] = value
    if overrides:
        print(f"overrides: {overrides}")
    ok = True
    for key, label, recipe in RUNS:
        if (args.only and key not in args.only) or (args.recipe and label != args.recipe):
            continue
        if not args.dtw_only:
            ok &= run_one(key, label, {**recipe, **overrides}, args.seed)
        if label == "default":
            dtw_line(key, args.seed, args.dtw_budget)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
