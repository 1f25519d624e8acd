"""How good is the default text recipe? Train it on Rotten Tomatoes and compare with TF-IDF.
Then the RCNN (seed 002's variant, ``RCNN_RECIPE`` on top of the text recipe) on the same split:
its test accuracy and time per epoch beside the BiLSTM default's (``--skip-rcnn`` to leave it out;
``rcnn.key=value`` overrides an RCNN recipe entry).

GOAL: test accuracy >= 0.75 in < 300 s of training on 2 CPU cores.
RCNN GOAL: test accuracy >= TF-IDF's on the same split (0.770), aiming at 0.80.

Run:  TF_CPP_MIN_LOG_LEVEL=3 python bench/sentiment_quality.py [--seed 7] [key=value ...]
(e.g. ``units=64 bidirectional=False`` overrides entries of DEFAULT_TEXT_RECIPE).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
from _fit import timed_fit  # noqa: E402

from rnnviz.common.metrics import evaluate_classifier  # noqa: E402
from rnnviz.model.builder import build_model, compile_model  # noqa: E402
from rnnviz.tasks.sentiment.analysis import predict_proba, tfidf_baseline  # noqa: E402
from rnnviz.tasks.sentiment.rcnn import RCNN_RECIPE, ConvSpec, build_rcnn, rcnn_spec  # noqa: E402
from rnnviz.tasks.sentiment.recipes import DEFAULT_TEXT_RECIPE  # noqa: E402
from rnnviz.tasks.sentiment.text import load_rotten_tomatoes, prepare_text_data, recipe_specs  # noqa: E402

GOAL_ACCURACY, GOAL_SECONDS = 0.75, 300.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--monitor",
        default="val_accuracy",
        choices=["val_accuracy", "val_loss"],
        help="early-stopping metric (the app's training run keeps the best val_loss weights)",
    )
    parser.add_argument("--skip-rcnn", action="store_true", help="train the default recipe only")
    parser.add_argument(
        "overrides", nargs="*", help="recipe entries as key=value (rcnn.key=value: the RCNN's)"
    )
    args = parser.parse_args()
    recipe, rcnn = dict(DEFAULT_TEXT_RECIPE), dict(RCNN_RECIPE)
    for item in args.overrides:
        key, value = item.split("=", 1)
        target = rcnn if key.startswith("rcnn.") else recipe
        key = key.removeprefix("rcnn.")
        if key not in target and not (target is rcnn and key in recipe):
            parser.error(
                f"unknown recipe key {key!r}; known: {sorted(recipe)}, rcnn.{sorted(rcnn)}"
            )
        try:
            target[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            target[key] = value

    dataset = load_rotten_tomatoes()
    data = prepare_text_data(
        dataset, vocab_size=recipe["vocab_size"], max_len=recipe["max_len"], seed=args.seed
    )
    print(f"recipe: {recipe}, early stopping on {args.monitor}")
    print(
        f"data: {len(data.x_train)} train / {len(data.x_val)} val / {len(data.x_test)} test, "
        f"vocab {len(data.vocab)}, max_len {data.max_len}, cores {os.cpu_count()}"
    )

    keras.utils.set_random_seed(args.seed)
    model_spec, train_spec = recipe_specs(recipe, data, seed=args.seed)
    model = compile_model(build_model(model_spec, (data.max_len,)), model_spec, train_spec)
    cpu_start = time.process_time()
    history, seconds = timed_fit(model, data, train_spec, args.monitor, verbose=2)
    cpu_seconds = time.process_time() - cpu_start
    report = evaluate_classifier(data.y_test, predict_proba(model, data.x_test), data.class_names)
    baseline = tfidf_baseline(
        data.texts_train, data.y_train, data.texts_test, data.y_test, seed=args.seed
    )

    epochs_run = len(history["loss"])
    best = max(history["val_accuracy"])
    print(f"epochs run: {epochs_run} (best val accuracy {best:.4f})")
    print(f"RNN test accuracy:    {report['accuracy']:.4f}  (AUC {report['auc']:.4f})")
    print(f"TF-IDF test accuracy: {baseline['accuracy']:.4f}")
    print(f"majority class:       {report['majority_accuracy']:.4f}")
    print(f"training seconds:     {seconds:.1f}")
    print(
        f"epochs {epochs_run}, per epoch {seconds / epochs_run:.1f} s, process CPU "
        f"{cpu_seconds:.1f} s, load average {os.getloadavg()[0]:.1f}"
    )
    met = report["accuracy"] >= GOAL_ACCURACY and seconds < GOAL_SECONDS
    print(
        f"GOAL test accuracy >= {GOAL_ACCURACY} in < {GOAL_SECONDS:.0f} s on 2 cores: "
        f"{'MET' if met else 'NOT MET'} ({report['accuracy']:.4f} in {seconds:.0f} s)"
    )
    if args.skip_rcnn:
        return 0 if met else 1
    per_epoch = seconds / epochs_run
    rcnn_met = train_rcnn(data, {**recipe, **rcnn}, args, baseline["accuracy"], per_epoch)
    return 0 if met and rcnn_met else 1


def train_rcnn(data, recipe: dict, args, tfidf: float, default_per_epoch: float) -> bool:
    """Train the RCNN recipe on the same split; print its line and goal; whether it met it."""
    conv = ConvSpec(tuple(recipe["kernel_sizes"]), int(recipe["filters"]), recipe["pooling"])
    keras.utils.set_random_seed(args.seed)
    plain_spec, train_spec = recipe_specs(recipe, data, seed=args.seed)
    spec = rcnn_spec(plain_spec, conv)
    model = compile_model(build_rcnn(spec, (data.max_len,)), spec, train_spec)
    print(f"rcnn recipe: {recipe}")
    history, seconds = timed_fit(model, data, train_spec, args.monitor, verbose=2)
    report = evaluate_classifier(data.y_test, predict_proba(model, data.x_test), data.class_names)
    epochs = len(history["loss"])
    print(
        f"rcnn test accuracy {report['accuracy']:.4f} (AUC {report['auc']:.4f}) "
        f"seconds {seconds:.1f} epochs {epochs} per epoch {seconds / epochs:.1f} s "
        f"(BiLSTM default {default_per_epoch:.1f} s per epoch)"
    )
    met = report["accuracy"] >= tfidf
    print(
        f"RCNN GOAL test accuracy >= TF-IDF {tfidf:.4f} (aim 0.80): "
        f"{'MET' if met else 'NOT MET'} ({report['accuracy']:.4f})"
    )
    return met


if __name__ == "__main__":
    raise SystemExit(main())
