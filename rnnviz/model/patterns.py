"""Pattern search over units, after LSTMVis's select-and-match (Strobelt et al., 2018).

The user selects a span of a passage (or series) and a threshold. The units *on* over the whole
span (at or above the threshold at every step) and *off* just around it (below it on the steps
before and after) form the pattern. The match step then looks for the other spans of held-out
data where those units are all on together, counts them, and says what most of them share
("inside brackets: 14 of 17"), from named per-step properties of the held-out data.

Activations are ``(time, units)``, one layer's states or gates as :func:`rnnviz.model.probes.trace`
gives them (one sample). Pure NumPy: no Keras, no streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
Span = tuple[int, int]  # [start, end): steps start..end-1

MIN_COVER = 0.5  # a match shares a property when at least this share of its steps has it


def _checked_span(activations: Array, span: Span) -> Span:
    start, end = int(span[0]), int(span[1])
    if not 0 <= start < end <= len(activations):
        raise ValueError(
            f"select a span inside the {len(activations)} steps (got steps {start} to {end})"
        )
    return start, end


def units_on_span(activations: Array, span: Span, threshold: float, around: int = 1) -> Array:
    """Indices of the units at or above ``threshold`` at every step of ``span`` and below it at
    each of the ``around`` steps on either side (where the data has them)."""
    activations = np.asarray(activations)  # (time, units)
    start, end = _checked_span(activations, span)
    on = (activations[start:end] >= threshold).all(axis=0)  # (units,)
    outside = np.r_[max(0, start - around) : start, end : min(len(activations), end + around)]
    off = (activations[outside] < threshold).all(axis=0)  # (units,); True when no step outside
    return np.flatnonzero(on & off)


def runs(flags: Array) -> list[Span]:
    """The maximal runs of True in ``flags`` (time,) as [start, end) spans."""
    padded = np.r_[False, np.asarray(flags, bool), False]
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))  # rises then falls, alternately
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def matching_spans(
    activations: Array, units: Sequence[int], threshold: float, min_length: int = 1
) -> list[Span]:
    """Spans where every unit of the pattern is on together, ``min_length`` steps or longer."""
    units = np.asarray(units, dtype=int)
    if units.size == 0:
        return []
    together = (np.asarray(activations)[:, units] >= threshold).all(axis=1)  # (time,)
    return [s for s in runs(together) if s[1] - s[0] >= min_length]


@dataclass(frozen=True)
class Shared:
    """How many matches share one property of the data."""

    prop: str
    count: int
    total: int

    def line(self) -> str:
        return f"{self.prop}: {self.count} of {self.total}"


def shared_properties(
    spans: Sequence[Span], properties: Mapping[str, Array], min_cover: float = MIN_COVER
) -> list[Shared]:
    """For each yes/no property (time,) of the data, the matches that mostly have it, most
    shared first. Properties with other values than 0 and 1 (a position) are left out."""
    shared = []
    for name, values in properties.items():
        values = np.asarray(values, dtype=float)
        if not np.isin(values, (0.0, 1.0)).all():
            continue
        count = sum(values[a:b].mean() >= min_cover for a, b in spans)
        shared.append(Shared(name, int(count), len(spans)))
    return sorted(shared, key=lambda s: -s.count)


def summary_line(spans: Sequence[Span], properties: Mapping[str, Array]) -> str:
    """One line saying what the matches share, e.g. "inside brackets: 14 of 17"."""
    if not spans:
        return "No span of the held-out data matches: try a lower threshold or a shorter span."
    shared = shared_properties(spans, properties)
    if not shared or shared[0].count == 0:
        return f"{len(spans)} matches; none of the known properties covers most of them."
    return shared[0].line()


@dataclass(frozen=True)
class PatternSearch:
    """The result of select-and-match: the pattern's units and where else they fire."""

    units: Array  # indices of the units in the pattern
    spans: list[Span]  # the matches in the held-out data
    summary: str  # what most matches share

    @property
    def count(self) -> int:
        return len(self.spans)


def search(
    selected: Array,
    span: Span,
    threshold: float,
    held_out: Array,
    properties: Mapping[str, Array],
    around: int = 1,
    min_length: int = 1,
) -> PatternSearch:
    """Select units on ``span`` of ``selected`` (time, units), match them in ``held_out``
    (time', units), and summarise the matches with the held-out data's ``properties``."""
    units = units_on_span(selected, span, threshold, around)
    if units.size == 0:
        return PatternSearch(units, [], "No unit stays on over the span and off around it.")
    spans = matching_spans(held_out, units, threshold, min_length)
    return PatternSearch(units, spans, summary_line(spans, properties))


# ----------------------------------------------------------------------------- what to show


def one_line(text: str) -> str:
    """Text on one visible line: a new line shown as ↵, a tab as ⇥."""
    return text.replace("\n", "\u21b5").replace("\t", "\u21e5")


def snippets(text: str, spans: Sequence[Span], context: int = 8) -> list[tuple[str, str, str]]:
    """Each match of a passage as (before, match, after), ``context`` characters either side,
    each on one line (:func:`one_line`)."""
    return [
        (
            one_line(text[max(0, a - context) : a]),
            one_line(text[a:b]),
            one_line(text[b : b + context]),
        )
        for a, b in spans
    ]


def series_properties(values: Array, reference_mean: float | None = None) -> dict[str, Array]:
    """Yes/no properties of each step of a series (time,), to summarise its matches: rising,
    falling, above or below the (training) mean, a local peak or trough."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if reference_mean is None else float(reference_mean)
    step = np.r_[np.nan, np.diff(values)]  # change into each step (none into the first)
    after = np.r_[np.diff(values), np.nan]  # change out of it (none out of the last)
    return {
        "rising": (step > 0).astype(float),
        "falling": (step < 0).astype(float),
        "above the mean": (values > mean).astype(float),
        "below the mean": (values <= mean).astype(float),
        "near a peak": ((step > 0) & (after <= 0) | (step >= 0) & (after < 0)).astype(float),
        "near a trough": ((step < 0) & (after >= 0) | (step <= 0) & (after > 0)).astype(float),
    }
