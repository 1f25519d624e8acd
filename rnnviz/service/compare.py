"""Side-by-side comparison: variants of one spec trained one after another on the same data
(each in a worker, through the executor), and saving a finished job to the run store."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from rnnviz.model.spec import ModelSpec, variant_label
from rnnviz.service.executor import RunHandle
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.base import Ranking
from rnnviz.tasks.registry import get_task
from rnnviz.train.runs import RunRecord, RunStore

MAX_VARIANTS = 6


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


def results_table(handles: Sequence[RunHandle], store: RunStore) -> pd.DataFrame:
    """Per variant: parameters, seconds per epoch, epochs, best validation loss and the task's
    test figure, ranked on validation (:attr:`Task.ranking`); test plays no part in the order."""
    ranking = get_task(handles[0].request.task).ranking if handles else None
    rows = []
    for handle in handles:
        snap, result = handle.snapshot(), handle.result(0)
        row = {
            "variant": variant_label(handle.request.model_spec),
            "parameters": result.parameters if result is not None else None,
            "s / epoch": sum(snap.epoch_seconds) / max(1, len(snap.epoch_seconds)),
            "epochs": snap.epoch,
            "best val loss": snap.best_val_loss if snap.best_epoch else None,
        }
        record = saved_record(handle, store)
        if record is not None and ranking is not None:
            row.update(
                {
                    k: v
                    for k, v in record.metrics.items()
                    if k.startswith((ranking.metric, ranking.shown)) and not isinstance(v, dict)
                }
            )
        if snap.status not in ("finished", "early_stopped"):
            row["status"] = snap.status
        rows.append(row)
    return rank_variants(pd.DataFrame(rows), ranking)


def rank_variants(table: pd.DataFrame, ranking: Ranking | None) -> pd.DataFrame:
    """Sort on the ranking's validation measure (the first column whose name starts with it),
    best first, and number the variants; a table without that column is left as it is."""
    key = next(
        (c for c in table.columns if ranking is not None and str(c).startswith(ranking.metric)),
        None,
    )
    if key is None or table[key].isna().all():
        return table
    ranked = table.sort_values(
        key, ascending=not ranking.higher_is_better, na_position="last", kind="stable"
    ).reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def ranking_note(ranking: Ranking | None) -> str:
    """What the order of the table rests on, for the page."""
    if ranking is None:
        return ""
    return (
        f"Ranked on validation ({ranking.metric}, "
        f"{'higher' if ranking.higher_is_better else 'lower'} is better); the test figures are "
        "shown but play no part in the ranking."
    )


def saved_record(handle: RunHandle, store: RunStore) -> RunRecord | None:
    """The run a finished variant saved, if any."""
    result = handle.result(0)
    if result is None or result.run_id is None:
        return None
    try:
        return store.get(result.run_id)
    except (KeyError, ValueError):
        return None


def saturation_table(handles: Sequence[RunHandle]) -> pd.DataFrame:
    """Mean saturated share of each gate of the first layer (forward) at the last epoch."""
    rows = {}
    for handle in handles:
        history = handle.snapshot().gate_history
        if history:
            first = min(key[0] for key in history[-1])
            rows[variant_label(handle.request.model_spec)] = {
                gate: sat
                for (layer, direction, gate), (_, sat) in history[-1].items()
                if layer == first and direction == "forward"
            }
    return pd.DataFrame(rows).T


@dataclass(eq=False)
class Comparison:
    """Train ``specs`` one after another through an executor, with one Stop for all.

    ``make_request(spec)`` gives the variant's :class:`TrainRequest` (the shared data, split,
    seed and budget); ``submit`` queues it (``executor.submit``). Variants run one at a time so
    their seconds per epoch compare fairly.
    """

    specs: list[ModelSpec]
    make_request: Callable[[ModelSpec], TrainRequest]
    submit: Callable[[TrainRequest], RunHandle]
    handles: list[RunHandle] = field(default_factory=list)
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
            handle = self.submit(self.make_request(spec))
            self.handles.append(handle)
            if self._stop.is_set():
                handle.stop()
            result = handle.result()
            if result is not None and result.error:
                self.error = f"{variant_label(spec)}: {result.error}"

    def stop(self) -> None:
        """End the variant in training within one batch and skip the rest."""
        self._stop.set()
        for handle in list(self.handles):
            handle.stop()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    @property
    def finished_count(self) -> int:
        return sum(handle.done for handle in self.handles)

    @property
    def progress(self) -> float:
        """Share of the variants trained (the current one counted by its own progress)."""
        if not self.specs:
            return 1.0
        current = next((h.snapshot().fraction for h in self.handles if not h.done), 0.0)
        return min(1.0, (self.finished_count + current) / len(self.specs))
