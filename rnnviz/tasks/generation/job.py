"""The text-generation job: a next-character model on a corpus, trained through a TrainingRun.

What the task registry (:mod:`rnnviz.tasks.generation.task`) builds in a worker: the fit arrays
(sliding windows, or the classic char-rnn streams when the model is stateful), bits per character
in the epoch logs, a sample generated from a fixed prompt at every epoch end (in the run's live
state, so the Train page shows it as it improves), and what a saved run keeps (validation bits
per character, the n-gram baseline's figures and sample, the samples per epoch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras
import pandas as pd

from rnnviz.common.csvread import DataError
from rnnviz.model.builder import stateless_twin
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.base import Job
from rnnviz.tasks.generation.chars import CharData, check_window_budget, stateful_streams
from rnnviz.tasks.generation.model import (
    CONTEXT_WINDOW,
    SampleEachEpoch,
    bits_per_char,
    char_model_spec,
    check_generation_spec,
    in_context_bpc,
    next_chars_table,
    sample_text,
    top_k_next,
)
from rnnviz.tasks.generation.ngram import NgramReport, ngram_baseline
from rnnviz.tasks.generation.task import GenerationData
from rnnviz.train.training import PROBE_SAMPLES, FitData, TrainingRun, new_model

if TYPE_CHECKING:
    from rnnviz.train.runs import RunRecord

NGRAM_SAMPLE_LENGTH = 300
# What Inspect shows first (and the worker computes once, at save time): the samples written from
# the training prompt at these settings, and the next characters along this much held-out text.
SAMPLE_LENGTH, SAMPLE_TEMPERATURES, SAMPLE_SEED = 300, (0.2, 0.8, 1.2), 0
NEXT_PASSAGE_CHARS = 120
RNN_SOURCE = "RNN"  # the source column of the saved samples


# ----------------------------------------------------------------------------- fit arrays


def char_fit_data(chars: CharData, spec: ModelSpec) -> FitData:
    """Training and validation arrays for ``spec``.

    Stateless: windows of ``seq_len`` every ``stride`` characters (shuffled by fit), validation
    windows that do not overlap. Stateful: the char-rnn layout (row i of batch k + 1 continues row
    i of batch k, see :func:`rnnviz.tasks.generation.chars.stateful_streams`) for training, and for validation too
    when its block is long enough for one batch of streams (otherwise its windows, trimmed to
    whole batches, each read after the previous one's state).
    """
    if not spec.stateful:
        return FitData(chars.x_train, chars.y_train, chars.x_val, chars.y_val)
    batch = spec.stateful_batch_size
    x_train, y_train = stateful_streams(chars.train_ids, batch, chars.seq_len)
    try:
        x_val, y_val = stateful_streams(chars.val_ids, batch, chars.seq_len)
    except DataError:
        x_val, y_val = chars.x_val, chars.y_val
    return FitData(x_train, y_train, x_val, y_val)


def bpc_logs(logs: dict[str, float]) -> dict[str, float]:
    """``bpc`` and ``val_bpc`` from an epoch's ``loss`` and ``val_loss`` (nats per character)."""
    return {
        name.replace("loss", "bpc"): bits_per_char(value)
        for name, value in logs.items()
        if name in ("loss", "val_loss")
    }


class LiveSamples(SampleEachEpoch):
    """The per-epoch sample, appended to the run's live state (``RunState.samples``).

    It runs after the run's recorder: an epoch that Stop cut short (not recorded) gets no sample,
    so ``samples[i]`` always belongs to ``history[...][i]``.
    """

    def __init__(self, run: TrainingRun, data: GenerationData, seed: int):
        super().__init__(
            run.spec.with_(stateful=False),
            data.chars.vocab,
            data.prompt,
            data.sample_length,
            data.temperature,
            seed,
        )
        self.run = run

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        recorded: list[int] = []
        self.run.update(lambda s: recorded.append(s.epoch - len(s.samples)))
        if recorded[0] < 1:
            return  # this epoch was not recorded (cut short by Stop, or a NaN loss)
        super().on_epoch_end(epoch, logs)
        text = self.samples[-1]
        self.run.update(lambda s: s.samples.append(text))


# ----------------------------------------------------------------------------- the job


@dataclass(eq=False)
class GenerationJob(Job):
    """A next-character model with the corpus it was trained on, for Train, Inspect and the store."""

    dataset_name: str
    data: GenerationData
    run: TrainingRun
    task = "generation"

    @property
    def chars(self) -> CharData:
        return self.data.chars

    @property
    def spec(self) -> ModelSpec:
        """The model's spec without carried state (what inference and the probes use)."""
        return self.run.spec.with_(stateful=False)

    @property
    def inference_model(self) -> keras.Model:
        """The trained model without a fixed batch size (read once training has ended)."""
        return stateless_twin(self.run.model, self.run.spec)

    def val_bpc(self) -> float:
        """Bits per character of the validation block, each character read in context (see
        :func:`rnnviz.tasks.generation.model.in_context_bpc`): saved with the run, else
        evaluated now."""
        saved = self.record.metrics.get("val bpc") if self.record is not None else None
        if isinstance(saved, int | float):
            return float(saved)
        return in_context_bpc(self.inference_model, self.spec, self.chars.val_ids)

    def val_context(self) -> int:
        """The fewest characters of context :meth:`val_bpc` gave each validation character past
        the first window (0: a run saved before in-context scoring, whose windows of
        ``seq_len`` each started from a zero state)."""
        if self.record is not None and "val bpc" in self.record.metrics:
            return int(self.record.metrics.get("val bpc context", 0))
        return min(CONTEXT_WINDOW, len(self.chars.val_ids) - 1) // 2

    def ngram(self) -> NgramReport:
        """The n-gram baseline on the same split: saved with the run, else fitted now."""
        saved = ngram_from_record(self.record) if self.record is not None else None
        return saved or ngram_baseline(
            self.chars,
            prompt=self.data.prompt,
            length=NGRAM_SAMPLE_LENGTH,
            seed=self.run.train.seed,
        )

    def samples(
        self, prompt: str, length: int, temperatures: Sequence[float], seed: int
    ) -> list[str]:
        """``length`` characters written after ``prompt`` at each temperature: those saved with
        the run for the first view's settings, else sampled now."""
        first_view = (self.data.prompt, SAMPLE_LENGTH, SAMPLE_TEMPERATURES, SAMPLE_SEED)
        saved = self.saved_inspect_values().get("samples")
        if (prompt, length, tuple(temperatures), seed) == first_view and isinstance(saved, list):
            return [str(text) for text in saved]
        return sample_text(
            self.inference_model, self.spec, self.chars.vocab, prompt, length, temperatures, seed
        )

    def first_passage(self) -> str:
        """The held-out text whose next characters Inspect shows first."""
        return self.chars.val_text[:NEXT_PASSAGE_CHARS]

    def next_table(self, passage: str, k: int = 5) -> pd.DataFrame:
        """The ``k`` likeliest next characters at each position of ``passage`` (see
        :func:`next_chars_table`): saved with the run for the first passage, else computed now."""
        saved = self.saved_inspect_values().get("next chars")
        if passage == self.first_passage() and k == 5 and isinstance(saved, pd.DataFrame):
            return saved
        return next_chars_table(
            top_k_next(self.inference_model, self.spec, self.chars.vocab, passage, k)
        )

    def inspect_values(self) -> dict:
        """The first view's samples and next characters, computed once at save time."""
        return {
            "samples": self.samples(
                self.data.prompt, SAMPLE_LENGTH, SAMPLE_TEMPERATURES, SAMPLE_SEED
            ),
            "next chars": self.next_table(self.first_passage()),
        }

    def summary(self) -> tuple[dict, dict, pd.DataFrame]:
        """Data settings; validation bits per character beside the n-gram's; the samples."""
        chars, data = self.chars, self.data
        baseline = self.ngram()
        metrics = {
            "val bpc": self.val_bpc(),
            "val bpc context": self.val_context(),
            "ngram bpc": baseline.best_bpc,
            "ngram order": baseline.best_order,
            "ngram3 bpc": baseline.bpc_by_order.get(3, float("nan")),
            "ngram bpc by order": {str(k): v for k, v in baseline.bpc_by_order.items()},
        }
        data_config = {
            "corpus_key": data.corpus_key,
            "seq_len": chars.seq_len,
            "stride": chars.stride,
            "val_fraction": data.val_fraction,
            "vocab_size": len(chars.vocab),
            "characters": len(chars.train_ids) + len(chars.val_ids),
            "prompt": data.prompt,
            "temperature": data.temperature,
            "sample_length": data.sample_length,
        }
        return data_config, metrics, samples_frame(self.run.snapshot().samples, data, baseline)


def samples_frame(samples: list[str], data: GenerationData, baseline: NgramReport) -> pd.DataFrame:
    """One row per generated text: the RNN's after each epoch, then the n-gram's."""
    rows = [
        {"source": RNN_SOURCE, "epoch": i + 1, "temperature": data.temperature, "text": text}
        for i, text in enumerate(samples)
    ]
    rows.append(
        {
            "source": f"{baseline.best_order}-gram",
            "epoch": 0,
            "temperature": 1.0,
            "text": baseline.sample,
        }
    )
    return pd.DataFrame(rows, columns=["source", "epoch", "temperature", "text"])


def saved_samples(frame: pd.DataFrame | None) -> tuple[list[str], str | None]:
    """The RNN's samples per epoch and the n-gram's sample of a saved run's predictions."""
    if frame is None or "source" not in frame:
        return [], None
    texts = frame["text"].fillna("").astype(str)
    rnn = frame["source"] == RNN_SOURCE
    ngram = texts[~rnn]
    return list(texts[rnn]), (ngram.iloc[0] if len(ngram) else None)


def ngram_from_record(record: RunRecord) -> NgramReport | None:
    """The n-gram baseline a run saved (its figures in the metrics, its sample in the
    predictions), or None when it saved none."""
    metrics = record.metrics
    by_order = metrics.get("ngram bpc by order")
    if not isinstance(by_order, dict) or "ngram order" not in metrics:
        return None
    try:
        frame = record.predictions()
    except ValueError:  # a damaged predictions file: the figures are still good
        frame = None
    _, sample = saved_samples(frame)
    scores = {int(k): float(v) for k, v in by_order.items()}
    return NgramReport(scores, int(metrics["ngram order"]), sample or "")


def generation_job(data: GenerationData, spec: ModelSpec, train: TrainSpec) -> GenerationJob:
    """A seeded, compiled next-character model on ``data`` wrapped in a training run."""
    chars = data.chars
    spec = check_generation_spec(char_model_spec(len(chars.vocab), spec))
    if not spec.stateful:
        check_window_budget(chars)
    model = new_model(spec, train, (chars.seq_len,))
    fit = char_fit_data(chars, spec)
    run = TrainingRun(
        model, spec, train, fit, probe_x=chars.x_val[:PROBE_SAMPLES], derive_logs=bpc_logs
    )
    run.callbacks.append(LiveSamples(run, data, train.seed))
    return GenerationJob(data.name, data, run)


def restored_samples(run: TrainingRun, samples: list[str]) -> None:
    """Put a saved run's samples back into its (restored) state."""
    run.update(lambda s: s.samples.extend(samples))


__all__ = [
    "GenerationData",  # re-exported from the task module
    "GenerationJob",
    "LiveSamples",
    "bpc_logs",
    "char_fit_data",
    "generation_job",
    "ngram_from_record",
    "restored_samples",
    "samples_frame",
    "saved_samples",
]
