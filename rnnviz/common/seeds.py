"""Fair comparisons: every variant repeated over the same k seeds, mean +/- sd, and a ranking that
counts a difference only when it is larger than the spread.

Every variant of a comparison trains with the same seeds (one seed sets the initial weights and
the shuffled data order, see :mod:`rnnviz.train.training`), so seed ``i`` of one variant meets exactly
the data order and initialisation scheme of seed ``i`` of every other. Pure pandas and NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_SEEDS = 3
MAX_SEEDS = 5


def seeds_for(base_seed: int, k: int = DEFAULT_SEEDS) -> list[int]:
    """The ``k`` seeds every variant runs with: the shared seed first, then the next ones."""
    if not 1 <= k <= MAX_SEEDS:
        raise ValueError(f"choose between 1 and {MAX_SEEDS} seeds per variant (got {k})")
    return [base_seed + i for i in range(k)]


def seed_summary(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per variant (the ``variant`` column of ``results``, one row per seed): the mean of
    ``metric``, its sample standard deviation (ddof 1; NaN with one seed) and the seed count."""
    if metric not in results.columns:
        raise KeyError(f"no {metric!r} among the results")
    grouped = results.dropna(subset=[metric]).groupby("variant", sort=False)[metric]
    return pd.DataFrame(
        {"mean": grouped.mean(), "sd": grouped.std(ddof=1), "seeds": grouped.count()}
    ).reset_index()


def clearly_better(a: pd.Series, b: pd.Series, higher_is_better: bool) -> bool:
    """``a`` beats ``b`` by more than the spread: the gap between the means is larger than the
    sum of the two standard deviations (their +/- 1 sd bars do not overlap). With an unknown sd
    (one seed) the plain means decide."""
    gap = a["mean"] - b["mean"] if higher_is_better else b["mean"] - a["mean"]
    spread = np.nansum([a["sd"], b["sd"]])
    return bool(gap > spread)


def spread_ranking(summary: pd.DataFrame, higher_is_better: bool) -> pd.DataFrame:
    """``summary`` (from :func:`seed_summary`) ranked: a variant's rank is one more than the
    number of variants clearly better than it, so variants within each other's spread share a
    rank; ``tied with`` names them. Sorted by rank, then by mean."""
    rows = summary.to_dict("records")
    ranks, ties = [], []
    for a in rows:
        beaten_by = [b for b in rows if b is not a and clearly_better(b, a, higher_is_better)]
        ranks.append(1 + len(beaten_by))
        ties.append(
            ", ".join(
                str(b["variant"])
                for b in rows
                if b is not a
                and not clearly_better(a, b, higher_is_better)
                and not clearly_better(b, a, higher_is_better)
            )
        )
    ranked = summary.assign(rank=ranks, **{"tied with": ties})
    ranked = ranked.sort_values(
        ["rank", "mean"], ascending=[True, not higher_is_better], kind="stable"
    ).reset_index(drop=True)
    return ranked[["rank", *summary.columns, "tied with"]]


def mean_sd_text(mean: float, sd: float, precision: int = 3) -> str:
    """'0.812 +/- 0.014' (or the mean alone when the sd is unknown)."""
    if np.isnan(sd):
        return f"{mean:.{precision}f}"
    return f"{mean:.{precision}f} \u00b1 {sd:.{precision}f}"


def curve_spread(histories: Sequence[Mapping[str, Sequence[float]]], key: str) -> pd.DataFrame:
    """Per epoch, the mean and sd of ``key`` over the seeds' histories (a seed that stopped
    early counts up to its last epoch): columns epoch, mean, sd, seeds."""
    longest = max((len(h.get(key, ())) for h in histories), default=0)
    table = np.full((len(histories), longest), np.nan)  # (seeds, epochs)
    for i, history in enumerate(histories):
        values = list(history.get(key, ()))
        table[i, : len(values)] = values
    counts = (~np.isnan(table)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.nanmean(table, axis=0) if longest else np.array([])
        sds = np.array(
            [
                np.nanstd(col, ddof=1) if n > 1 else np.nan
                for col, n in zip(table.T, counts, strict=True)
            ]
        )
    return pd.DataFrame(
        {"epoch": np.arange(1, longest + 1), "mean": means, "sd": sds, "seeds": counts}
    )


def settings_diff(settings: Mapping[str, Any]) -> pd.DataFrame:
    """The settings that differ between variants (one column each, a row per setting); every
    setting they share is left out. ``settings`` maps a variant's label to a dataclass or dict."""
    plain = {
        label: asdict(value) if is_dataclass(value) else dict(value)
        for label, value in settings.items()
    }
    names = list(dict.fromkeys(name for values in plain.values() for name in values))
    table = pd.DataFrame(
        {label: [_shown(values.get(name)) for name in names] for label, values in plain.items()},
        index=pd.Index(names, name="setting"),
    )
    differs = table.nunique(axis=1, dropna=False) > 1
    return table[differs]


def _shown(value: Any) -> str:
    """A setting as text, so tuples and None compare and display alike."""
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return "-" if value is None else str(value)
