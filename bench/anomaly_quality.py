"""Does the recurrent autoencoder beat PCA at finding anomalies? The app's default recipe on
both labelled series sktime bundles, trained through the app's own job (a TrainingRun: early
stopping on normal validation windows, best weights kept).

GOAL (2 CPU cores): on mitdb and yahoo the autoencoder's test ROC AUC beats PCA's (as many
components as the code, fitted on the same normal training windows, the same point scores),
with a default recipe that trains in well under two minutes.

Prints one line per set: ``<set> rnn auc <x> baseline auc <y> seconds <t>`` (training seconds),
then (after ``#``) F1 at the shared threshold rule and the epochs run.

Run:  python bench/anomaly_quality.py [--seed 7] [--only mitdb yahoo GunPoint] [--normal 1]
"""

from __future__ import annotations

import argparse
import time

import _bootstrap  # noqa: F401  (repository root on sys.path, quiet TF logs)

from rnnviz.tasks.anomaly.recipes import WINDOWS
from rnnviz.tasks.anomaly.task import ANOMALY, AnomalySettings, anomaly_data

GOAL_SECONDS = 120.0


def run_one(key: str, seed: int, normal: str) -> bool:
    recipe = WINDOWS[key]
    settings = AnomalySettings(key, recipe.every, recipe.size, recipe.stride, normal_class=normal)
    data = anomaly_data(settings)
    model, train = ANOMALY.default_recipe()
    train = train.__class__(**{**train.__dict__, "seed": seed})
    job = ANOMALY.make_job(data, ANOMALY.model_spec(model, data), train)
    started = time.perf_counter()
    job.run.run()
    seconds = time.perf_counter() - started
    _, metrics, _ = job.summary()
    rnn, pca = metrics["test ROC AUC"], metrics["PCA test ROC AUC"]
    epochs = len(job.run.snapshot().history.get("loss", []))
    print(
        f"{key} rnn auc {rnn:.3f} baseline auc {pca:.3f} seconds {seconds:.1f}"
        f"  # F1 {metrics['test F1']:.3f} vs {metrics['PCA test F1']:.3f}, {epochs} epochs",
        flush=True,
    )
    return rnn > pca and seconds < GOAL_SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="+", default=["mitdb", "yahoo"])
    parser.add_argument("--normal", default="1", help="GunPoint's normal class")
    args = parser.parse_args()
    met = [run_one(key, args.seed, args.normal) for key in args.only]
    print(f"goal met on {sum(met)} of {len(met)}")


if __name__ == "__main__":
    main()
