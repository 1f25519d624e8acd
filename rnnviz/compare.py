"""Side-by-side comparison: variants of one spec trained one after another on the same data,
and saving any finished job to the run store."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from rnnviz.runs import RunRecord, RunStore
from rnnviz.spec import ModelSpec

MAX_VARIANTS = 6


def variant_label(spec: ModelSpec) -> str:
    direction = "bi" if spec.bidirectional else "uni"
    return f"{spec.cell} {direction} x{spec.depth}"


def variant_specs(
    base: ModelSpec, cells: Sequence[str], directions: Sequence[bool], depths: Sequence[int]
) -> list[ModelSpec]:
    """Every cell x direction x depth variant of ``base`` (units of its first layer repeated)."""
    variants = [
        base.with_(cell=cell, bidirectional=bi, units=(base.units[0],) * depth)
        for cell, bi, depth in itertools.product(cells, directions, depths)
    ]
    if not variants:
        raise ValueError("Choose at least one cell type, direction and depth.")
    if len(variants) > MAX_VARIANTS:
        raise ValueError(
            f"{len(variants)} variants chosen; compare at most {MAX_VARIANTS} at once."
        )
    return variants


def save_job(store: RunStore, job) -> RunRecord:
    """Persist a finished ForecastJob or SentimentJob (spec, history, metrics, model, predictions)."""
    data_config, metrics, predictions = job.summary()
    state = job.run.snapshot()
    return store.save(
        task=job.task,
        dataset=job.dataset_name,
        model=job.inference_model,
        model_spec=job.run.spec,
        train_spec=job.run.train,
        data_config=data_config,
        history=state.history,
        metrics=metrics,
        status=state.status,
        message=state.message,
        predictions=predictions,
    )


def results_table(jobs: Sequence) -> pd.DataFrame:
    """Per variant: parameters, seconds per epoch, best validation loss and the saved test metrics."""
    rows = []
    for job in jobs:
        snap, record = job.run.snapshot(), job.record
        row = {
            "variant": variant_label(job.run.spec),
            "parameters": job.run.model.count_params(),
            "s / epoch": sum(snap.epoch_seconds) / max(1, len(snap.epoch_seconds)),
            "epochs": snap.epoch,
            "best val loss": snap.best_val_loss if snap.best_epoch else None,
            "status": snap.status,
        }
        if record is not None:
            row.update({k: v for k, v in record.metrics.items() if k.startswith("test")})
        rows.append(row)
    return pd.DataFrame(rows)


def saturation_table(jobs: Sequence) -> pd.DataFrame:
    """Mean saturated share of each gate of the first layer (forward) at the last epoch."""
    rows = {}
    for job in jobs:
        history = job.run.snapshot().gate_history
        if history:
            first = min(key[0] for key in history[-1])
            rows[variant_label(job.run.spec)] = {
                gate: sat
                for (layer, direction, gate), (_, sat) in history[-1].items()
                if layer == first and direction == "forward"
            }
    return pd.DataFrame(rows).T


@dataclass(eq=False)
class Comparison:
    """Train ``specs`` one after another in a background thread, with one Stop for all.

    ``make_job(spec)`` builds a job (a seeded model on the shared data); ``on_finished(job)`` runs
    after each variant, e.g. to save it.
    """

    specs: list[ModelSpec]
    make_job: Callable[[ModelSpec], object]
    on_finished: Callable[[object], None] | None = None
    jobs: list = field(default_factory=list)
    error: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="rnnviz-compare", daemon=True)
        self._thread.start()

    def run(self) -> None:
        for spec in self.specs:
            if self._stop.is_set():
                break
            try:
                job = self.make_job(spec)
            except Exception as error:  # noqa: BLE001 - shown on the page, the other variants go on
                self.error = f"{variant_label(spec)} could not be built: {error}"
                continue
            self.jobs.append(job)
            job.run.run()
            if self.on_finished is not None and job.run.snapshot().has_result:
                try:
                    self.on_finished(job)
                except Exception as error:  # noqa: BLE001
                    self.error = f"{variant_label(spec)} could not be saved: {error}"

    def stop(self) -> None:
        """End the variant in training within one batch and skip the rest."""
        self._stop.set()
        for job in list(self.jobs):
            job.run.stop()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    @property
    def progress(self) -> float:
        """Share of the whole comparison done (finished variants plus the current one's share)."""
        if not self.specs:
            return 1.0
        finished = sum(job.run.snapshot().done for job in self.jobs)
        current = next(
            (job.run.snapshot().fraction for job in self.jobs if not job.run.snapshot().done), 0.0
        )
        return 1.0 if self.done else min(1.0, (finished + current) / len(self.specs))
