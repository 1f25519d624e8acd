"""Side-by-side comparison: variants of one spec trained one after another on the same data
(each in a worker, through the executor), and saving a finished job to the run store."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from rnnviz.common.seeds import seed_summary, settings_diff, spread_ranking
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


def _result_row(handle: RunHandle, store: RunStore, ranking: Ranking | None) -> dict:
    """One run of a comparison: parameters, seconds per epoch, epochs, best validation loss and
    the task's ranking and test figures (once saved)."""
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
    return row


def _task_ranking(handles: Sequence[RunHandle]) -> Ranking | None:
    return get_task(handles[0].request.task).ranking if handles else None


def results_table(handles: Sequence[RunHandle], store: RunStore) -> pd.DataFrame:
    """Per variant: parameters, seconds per epoch, epochs, best validation loss and the task's
    test figure, ranked on validation (:attr:`Task.ranking`); test plays no part in the order."""
    ranking = _task_ranking(handles)
    rows = [_result_row(handle, store, ranking) for handle in handles]
    return rank_variants(pd.DataFrame(rows), ranking)


def handle_seed(handle: RunHandle) -> int:
    return handle.request.train_spec.seed


def seed_results(handles: Sequence[RunHandle], store: RunStore) -> pd.DataFrame:
    """One row per run of a comparison over seeds: the variant, its seed and its figures."""
    ranking = _task_ranking(handles)
    return pd.DataFrame(
        [{**_result_row(h, store, ranking), "seed": handle_seed(h)} for h in handles]
    )


def seed_table(handles: Sequence[RunHandle], store: RunStore) -> pd.DataFrame:
    """Per variant over its seeds: the ranking measure's mean and sd, ranked so that a
    difference counts only when it is larger than the spread (:func:`spread_ranking`), and the
    mean of the test figure beside it (no part in the order). Empty until a run has the
    measure."""
    ranking = _task_ranking(handles)
    results = seed_results(handles, store)
    key = ranking_column(results, ranking)
    if key is None or results[key].isna().all():
        return pd.DataFrame()
    ranked = spread_ranking(seed_summary(results, key), ranking.higher_is_better)
    ranked = ranked.rename(columns={"mean": f"{key} mean", "sd": f"{key} sd"})
    shown = ranking_column(results, Ranking(shown="", metric=ranking.shown))
    if shown is not None and shown != key:
        means = results.groupby("variant", sort=False)[shown].mean()
        ranked.insert(len(ranked.columns) - 1, f"{shown} (mean)", ranked["variant"].map(means))
    return ranked


def ranking_column(table: pd.DataFrame, ranking: Ranking | None) -> str | None:
    """The first column whose name starts with the ranking's validation measure."""
    return next(
        (c for c in table.columns if ranking is not None and str(c).startswith(ranking.metric)),
        None,
    )


def rank_variants(table: pd.DataFrame, ranking: Ranking | None) -> pd.DataFrame:
    """Sort on the ranking's validation measure (the first column whose name starts with it),
    best first, and number the variants; a table without that column is left as it is."""
    key = ranking_column(table, ranking)
    if key is None or table[key].isna().all():
        return table
    ranked = table.sort_values(
        key, ascending=not ranking.higher_is_better, na_position="last", kind="stable"
    ).reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    return ranked


def seed_ranking_note(ranking: Ranking | None, seeds: Sequence[int]) -> str:
    """What the order of a table over seeds rests on, for the page."""
    if ranking is None:
        return ""
    return (
        f"Each variant trained with seeds {', '.join(map(str, seeds))}; mean and standard "
        f"deviation of the validation {ranking.metric} over them. A variant ranks above another "
        "only when the gap between their means is larger than the sum of their standard "
        "deviations (their bars do not overlap); variants within that spread share a rank."
    )


FAIRNESS_NOTE = (
    "Fair comparison: every variant trains on the same data split with the same seed, so the "
    "same shuffled data order and the same initialisation scheme (Keras defaults: "
    "Glorot-uniform input weights, orthogonal recurrent weights, zero biases) drawn from the "
    "same random stream, and the same epoch budget and early stopping."
)


def settings_table(specs: Sequence[ModelSpec]) -> pd.DataFrame:
    """The model settings that differ between the variants, one column per variant."""
    return settings_diff({variant_label(spec): spec.to_dict() for spec in specs})


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
    their seconds per epoch compare fairly. With ``seeds``, every variant runs once per seed
    (seed by seed: each round trains every variant once), the request's seed replaced.
    """

    specs: list[ModelSpec]
    make_request: Callable[[ModelSpec], TrainRequest]
    submit: Callable[[TrainRequest], RunHandle]
    seeds: tuple[int, ...] = ()
    handles: list[RunHandle] = field(default_factory=list)
    error: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="rnnviz-compare", daemon=True)
        self._thread.start()

    def planned(self) -> list[tuple[ModelSpec, int | None]]:
        """Every run to train, in order: (variant, seed), seed None for the request's own."""
        return [(spec, seed) for seed in self.seeds or (None,) for spec in self.specs]

    def run(self) -> None:
        for spec, seed in self.planned():
            if self._stop.is_set():
                break
            request = self.make_request(spec)
            if seed is not None:
                request = replace(request, train_spec=replace(request.train_spec, seed=seed))
            handle = self.submit(request)
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
        total = len(self.planned())
        if not total:
            return 1.0
        current = next((h.snapshot().fraction for h in self.handles if not h.done), 0.0)
        return min(1.0, (self.finished_count + current) / total)
