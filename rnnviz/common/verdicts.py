"""What the pages conclude about a trained model: plain verdicts that never claim more than the
numbers show (a model that loses says so; too little validation data is never a green verdict)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

MIN_VAL_WINDOWS = 10  # fewer validation windows: early stopping has too little to go on
EARLY_EPOCHS = 2  # weights kept from epoch 1 or 2: the validation loss never improved after


@dataclass(frozen=True)
class Verdict:
    good: bool  # shown green only when True
    text: str


def kept_epoch(history: dict[str, Sequence[float]], keep_weights: str) -> int | None:
    """The epoch (1-based) whose weights the run kept: the last, or the best validation loss."""
    losses = list(history.get("val_loss") or history.get("loss") or [])
    if not losses:
        return None
    if keep_weights == "last":
        return len(losses)
    finite = [(loss, i) for i, loss in enumerate(losses) if math.isfinite(loss)]
    return min(finite)[1] + 1 if finite else None


def validation_warning(
    val_windows: int, kept: int | None, epochs_run: int, kept_last: bool = False
) -> str:
    """Why early stopping had too little to go on ('' when it had enough)."""
    if val_windows < MIN_VAL_WINDOWS:
        return (
            f"The validation part holds {val_windows} window(s), fewer than {MIN_VAL_WINDOWS}: "
            "early stopping had too little to go on"
            + (
                ", so the run trained its full epoch budget and kept the last weights."
                if kept_last
                else "."
            )
        )
    if kept is not None and kept <= EARLY_EPOCHS < epochs_run and not kept_last:
        return (
            f"The kept weights come from epoch {kept} of {epochs_run}: the validation loss never "
            "improved after it, so early stopping had too little to go on (a longer validation "
            "part, a lower learning rate or a fixed budget may help)."
        )
    return ""


def _horizon_ranges(horizons: Sequence[int]) -> str:
    """[1, 2, 3, 5] -> '1-3, 5'."""
    runs: list[list[int]] = []
    for h in horizons:
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)


def strongest_baselines(
    by_horizon: pd.DataFrame, model: str = "RNN", unit: str = "RMSE"
) -> pd.Series:
    """Per horizon, the baseline with the lowest error (index: horizon)."""
    columns = [c for c in by_horizon.columns if c.endswith(f" {unit}") and c != f"{model} {unit}"]
    best = by_horizon[columns].idxmin(axis=1).str.removesuffix(f" {unit}")
    return pd.Series(best.to_numpy(), index=by_horizon["horizon"].to_numpy(), name="strongest")


def forecast_verdict(by_horizon: pd.DataFrame, caution: str = "", model: str = "RNN") -> Verdict:
    """Does the model beat every baseline at every horizon? Names the strongest baseline at each
    horizon and where the model loses; ``caution`` (see :func:`validation_warning`) keeps the
    verdict from being green."""
    if by_horizon.empty:
        return Verdict(False, "No test rows to judge the model on.")
    strongest = strongest_baselines(by_horizon, model)
    rnn = by_horizon.set_index("horizon")[f"{model} RMSE"]
    best_baseline = pd.Series(
        [by_horizon.set_index("horizon").loc[h, f"{name} RMSE"] for h, name in strongest.items()],
        index=strongest.index,
    )
    lost = [int(h) for h in strongest.index if not rnn[h] < best_baseline[h]]
    steps = len(strongest)
    by_name = {
        name: [int(h) for h in strongest.index if strongest[h] == name]
        for name in dict.fromkeys(strongest)
    }
    named = "; ".join(
        f"{name} at horizon{'s' if len(hs) > 1 else ''} {_horizon_ranges(hs)}"
        for name, hs in by_name.items()
    )
    if not lost:
        text = f"The RNN beats every baseline at all {steps} horizons. Strongest baseline: {named}."
    else:
        worst = max(lost, key=lambda h: rnn[h] - best_baseline[h])
        where = (
            f"The RNN loses to a baseline at every horizon (1-{steps})"
            if len(lost) == steps
            else f"The RNN beats every baseline at {steps - len(lost)} of {steps} horizons and "
            f"loses at horizon{'s' if len(lost) > 1 else ''} {_horizon_ranges(lost)}"
        )
        text = (
            f"{where}: at horizon {worst}, {strongest[worst]} has RMSE "
            f"{best_baseline[worst]:.3g} against the RNN's {rnn[worst]:.3g}. "
            f"Strongest baseline: {named}."
        )
    if caution:
        text = f"{caution} {text}"
    return Verdict(not lost and not caution, text)


def classifier_verdict(rnn: float, baselines: dict[str, float]) -> Verdict:
    """Test accuracy of the RNN against every baseline: green only when it beats them all."""
    name, best = max(baselines.items(), key=lambda pair: pair[1])
    if rnn > best:
        return Verdict(
            True,
            f"The RNN's test accuracy {rnn:.3f} beats every baseline (the strongest: {name}, "
            f"{best:.3f}).",
        )
    return Verdict(
        False,
        f"The RNN's test accuracy {rnn:.3f} does not beat {name} ({best:.3f}): "
        + ("it ties." if rnn == best else "it loses to it."),
    )
