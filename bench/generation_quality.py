"""Does the default character recipe beat the character n-grams? And which unit counts lines?

GOAL: validation bits per character below the 3-gram's within 300 s of CPU training on one play;
the unit finder's best unit for "position in line" with |r| >= 0.5. Issue 18 GOAL: below the
best n-gram's (order chosen on validation) within 300 s. The exit status is 0 when both bits per
character goals are met.

The recipe is the one the corpus gets (``corpus_recipe`` of its training characters), overrides
on top. The RNN's bits per character are scored in context (``in_context_bpc``: every validation
character after the text before it, as the n-gram reads it); the zero-state window score is
printed beside it.

Trains with plain ``model.fit`` (through ``rnnviz.tasks.generation.model.fit_char_model``), keeps the weights
of the best validation epoch, stops before the time budget would be exceeded.

Run:  TF_CPP_MIN_LOG_LEVEL=3 python bench/generation_quality.py [--corpus tragedies/macbeth]
      [--seed 7] [--budget 300] [--app] [key=value ...]   (overrides of the corpus recipe)

``--app`` trains through the task's job instead (what a worker runs for the Train page).
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

from rnnviz.model.builder import stateless_twin  # noqa: E402
from rnnviz.tasks.generation.chars import DEFAULT_PLAY, load_shakespeare, prepare_char_data  # noqa: E402
from rnnviz.tasks.generation.model import (  # noqa: E402
    build_char_model,
    char_recipe_specs,
    evaluate_bpc,
    fit_char_model,
    in_context_bpc,
    sample_text,
)
from rnnviz.tasks.generation.ngram import ngram_baseline  # noqa: E402
from rnnviz.tasks.generation.recipes import DEFAULT_CHAR_RECIPE, corpus_recipe  # noqa: E402
from rnnviz.tasks.generation.units import find_units  # noqa: E402

PASSAGE_CHARS = 5_000
PROMPT = "MACBETH:\n"


class TimeBudget(keras.callbacks.Callback):
    """Times each epoch; stops when the next epoch might end past ``seconds``."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds, self.epoch_times = seconds, []

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        self.epoch_times.append(now - self.epoch_start)
        # a stateful model in the app's run is validated by its recorder, not in these logs
        val = f"{logs['val_loss'] / 0.6931:.3f}" if "val_loss" in logs else "(recorded by the run)"
        print(
            f"epoch {epoch + 1}: {self.epoch_times[-1]:.1f} s, bpc {logs['loss'] / 0.6931:.3f}, "
            f"val bpc {val}",
            flush=True,
        )
        typical = max(self.epoch_times[-1], sum(self.epoch_times) / len(self.epoch_times))
        if now - self.start + 1.5 * typical > self.seconds:
            self.model.stop_training = True


def train_as_the_app(data, corpus_key, recipe, model_spec, train_spec, budget):
    """The task's job as a worker runs it: bits per character, the sample of every epoch, live
    gate probes, the best epoch's weights kept. Returns the inference model and the seconds."""
    from rnnviz.tasks.generation.task import GENERATION, GenerationData

    job_data = GenerationData(data, corpus_key, recipe["val_fraction"], PROMPT)
    job = GENERATION.make_job(job_data, model_spec, train_spec)
    job.run.callbacks.append(budget)
    start = time.perf_counter()
    state = job.run.run()
    seconds = time.perf_counter() - start
    print(f"app run: {state.message} last sample:\n{PROMPT}{state.samples[-1]}")
    return job.inference_model, seconds


def parse_recipe(parser: argparse.ArgumentParser, overrides: list[str], train_chars: int) -> dict:
    recipe = dict(corpus_recipe(train_chars).recipe)
    for item in overrides:
        key, value = item.split("=", 1)
        if key not in recipe:
            parser.error(f"unknown recipe key {key!r}; known: {sorted(recipe)}")
        try:
            recipe[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            recipe[key] = value
    return recipe


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", default=DEFAULT_PLAY)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--budget", type=float, default=300.0, help="training seconds")
    parser.add_argument(
        "--app",
        action="store_true",
        help="train through the app's job (TrainingRun with a sample per epoch and gate probes)",
    )
    parser.add_argument("overrides", nargs="*", help="recipe entries as key=value")
    args = parser.parse_args()
    corpus = load_shakespeare(args.corpus)
    train_chars = round(len(corpus) * (1 - DEFAULT_CHAR_RECIPE["val_fraction"]))
    recipe = parse_recipe(parser, args.overrides, train_chars)
    data = prepare_char_data(
        corpus,
        seq_len=recipe["seq_len"],
        stride=recipe["stride"],
        val_fraction=recipe["val_fraction"],
        stateful_batch_size=int(recipe["batch_size"]) if recipe.get("stateful") else None,
    )
    print(f"recipe: {recipe}")
    print(f"why: {corpus_recipe(train_chars).explanation}")
    print(f"data: {corpus.name}: {data.summary()}, cores {os.cpu_count()}")

    start = time.perf_counter()
    baseline = ngram_baseline(data, prompt=PROMPT, length=300, seed=args.seed)
    ngram_seconds = time.perf_counter() - start
    orders = ", ".join(f"{k}: {v:.3f}" for k, v in baseline.bpc_by_order.items())
    print(f"n-gram validation bpc by order ({ngram_seconds:.1f} s): {orders}")

    model_spec, train_spec = char_recipe_specs(recipe, len(data.vocab), seed=args.seed)
    budget = TimeBudget(args.budget)
    cpu_start = time.process_time()
    if args.app:
        model, seconds = train_as_the_app(data, args.corpus, recipe, model_spec, train_spec, budget)
    else:
        keras.utils.set_random_seed(args.seed)
        model = build_char_model(model_spec, train_spec, data.seq_len)
        best = keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=recipe["epochs"], restore_best_weights=True
        )
        start = time.perf_counter()
        fit_char_model(model, model_spec, train_spec, data, callbacks=[budget, best])
        seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    if model_spec.stateful and not args.app:
        model = stateless_twin(model, model_spec)
    model_spec = model_spec.with_(stateful=False)
    rnn_bpc = in_context_bpc(model, model_spec, data.val_ids)
    window_bpc = evaluate_bpc(model, model_spec, data.x_val, data.y_val)
    epochs = len(budget.epoch_times)
    later = budget.epoch_times[1:] or budget.epoch_times  # the first epoch also traces
    per_epoch = sum(later) / len(later)

    passage = data.val_text[:PASSAGE_CHARS]
    found = find_units(model, data.vocab, passage, top=3)
    untrained = build_char_model(model_spec, train_spec, data.seq_len)  # control: random weights
    control = find_units(untrained, data.vocab, passage, top=1)
    found_cells = find_units(model, data.vocab, passage, top=1, keys=("cell", "hidden"))

    print(f"\nsamples (seed {args.seed}, prompt {PROMPT!r}):")
    for temperature, text in zip(
        (0.5, 1.0),
        sample_text(model, model_spec, data.vocab, PROMPT, 300, (0.5, 1.0), args.seed),
        strict=True,
    ):
        print(f"--- RNN, temperature {temperature}:\n{PROMPT}{text}")
    print(f"--- {baseline.best_order}-gram, temperature 1.0:\n{PROMPT}{baseline.sample}")

    print(f"\nunit finder on the first {len(passage):,} validation characters:")
    for name, scores in found.items():
        listed = ", ".join(f"{s.layer}/{s.key}[{s.unit}] r={s.r:+.3f}" for s in scores)
        print(f"  {name}: {listed}")
    position = found["position in line"][0]
    position_state = found_cells["position in line"][0]
    print(
        f"best unit for position in line: {position.layer}/{position.key}[{position.unit}] "
        f"r={position.r:+.3f}; best state (cell/hidden): {position_state.layer}/"
        f"{position_state.key}[{position_state.unit}] r={position_state.r:+.3f}"
    )
    for name, scores in control.items():
        best_control = scores[0]
        print(f"  untrained control, {name}: best |r| {abs(best_control.r):.3f}")
    print(
        f"epochs {epochs}, time per epoch {per_epoch:.1f} s (first epoch "
        f"{budget.epoch_times[0]:.1f} s), n-gram fit and scoring {ngram_seconds:.1f} s"
    )
    print(
        f"rnn bpc {rnn_bpc:.3f} ngram3 bpc {baseline.bpc_by_order[3]:.3f} "
        f"best_ngram bpc {baseline.best_bpc:.3f} seconds {seconds:.1f}"
    )
    print(
        f"default recipe ({args.corpus}): in-context bpc {rnn_bpc:.3f} (zero-state windows of "
        f"{data.seq_len}: {window_bpc:.3f}) best_ngram bpc {baseline.best_bpc:.3f} "
        f"({baseline.best_order}-gram) training seconds {seconds:.1f} epochs {epochs} "
        f"per epoch {per_epoch:.1f} s process CPU {cpu_seconds:.1f} s "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    beats = rnn_bpc < baseline.best_bpc and seconds <= args.budget
    print(
        f"GOAL rnn bpc < best n-gram bpc within {args.budget:.0f} s: "
        f"{'MET' if beats else 'NOT MET'} ({rnn_bpc:.3f} vs {baseline.best_bpc:.3f})"
    )
    met = rnn_bpc < baseline.bpc_by_order[3] and seconds <= args.budget
    epochs_note = (
        ""
        if epochs >= recipe["epochs"]
        else f" (the time budget stopped it at epoch {epochs} of {recipe['epochs']})"
    )
    print(f"epochs run {epochs} of {recipe['epochs']}{epochs_note}")
    print(
        f"GOAL rnn bpc < 3-gram bpc within {args.budget:.0f} s: {'MET' if met else 'NOT MET'}; "
        f"|r| >= 0.5 for position in line: {'MET' if abs(position.r) >= 0.5 else 'NOT MET'} "
        f"({abs(position.r):.3f})"
    )
    return 0 if met and beats else 1


if __name__ == "__main__":
    raise SystemExit(main())
