"""Find the hidden units that track simple properties of the text, as in Karpathy, Johnson and
Fei-Fei (2015), "Visualizing and Understanding Recurrent Networks".

Every unit's value (hidden state, cell state or gate, recomputed from the weights by
:func:`rnnviz.model.probes.trace`) after reading each character of a held-out passage is correlated
with a property of that character: its position in the line, whether it is inside brackets (a
stage direction), whether it starts a word, whether it belongs to an upper-case speaker name,
or whether a user's regular expression matches it. Units are ranked by ``|r|`` (Pearson).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from rnnviz.common.csvread import DataError
from rnnviz.common.safe import html_text
from rnnviz.model.probes import trace
from rnnviz.tasks.generation.chars import CharVocab

Array = np.ndarray
UnitKey = tuple[str, str]  # (layer name, gate or state key), e.g. ("rnn_1", "cell")

_SPEAKER_LINE = re.compile(r"^[A-Z][^a-z\n]*[A-Z][^a-z\n]*:[ \t]*$", re.MULTILINE)
_OPEN, _CLOSE = "[(", "])"

PROPERTY_LABELS: dict[str, str] = {
    "position in line": "characters since the last newline",
    "inside brackets": "inside [ ] or ( ), such as a stage direction",
    "start of word": "a letter after a non-letter",
    "speaker name": "on an upper-case line ending in ':' (the speaker's name)",
}


# ----------------------------------------------------------------------------- properties


def position_in_line(text: str) -> Array:
    """Characters since the previous newline: 0 at a line start; a newline gets the line length."""
    out = np.empty(len(text))
    column = 0
    for t, char in enumerate(text):
        out[t] = column
        column = 0 if char == "\n" else column + 1
    return out


def inside_brackets(text: str) -> Array:
    """1 from an opening bracket up to (not including) its closing one, else 0."""
    out = np.zeros(len(text))
    depth = 0
    for t, char in enumerate(text):
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        out[t] = depth > 0
    return out


def start_of_word(text: str) -> Array:
    """1 at a letter that follows a non-letter (or opens the text)."""
    previous = " " + text[:-1]
    return np.array([c.isalpha() and not p.isalpha() for c, p in zip(text, previous, strict=True)])


def _span_mask(text: str, spans) -> Array:
    out = np.zeros(len(text))
    for start, end in spans:
        out[start:end] = 1.0
    return out


def speaker_name(text: str) -> Array:
    """1 on the characters of an upper-case line ending in ``:`` (``MACBETH:``)."""
    return _span_mask(text, (m.span() for m in _SPEAKER_LINE.finditer(text)))


def regex_property(text: str, pattern: str) -> Array:
    """1 on every character inside a match of ``pattern`` (multi-line mode), else 0."""
    if not pattern:
        raise DataError("Type a regular expression.")
    try:
        compiled = re.compile(pattern, re.MULTILINE)
    except re.error as err:
        raise DataError(f"{pattern!r} is not a valid regular expression: {err}.") from None
    mask = _span_mask(text, (m.span() for m in compiled.finditer(text)))
    if mask.min() == mask.max():
        which = "every" if mask.max() else "no"
        raise DataError(f"{pattern!r} matches {which} character of the passage: nothing to track.")
    return mask


def char_properties(text: str, pattern: str | None = None) -> dict[str, Array]:
    """Every built-in property of each character of ``text`` (time,), plus the user's regex."""
    properties = {
        "position in line": position_in_line(text),
        "inside brackets": inside_brackets(text),
        "start of word": start_of_word(text).astype(float),
        "speaker name": speaker_name(text),
    }
    if pattern:
        properties[f"regex {pattern}"] = regex_property(text, pattern)
    return properties


# ----------------------------------------------------------------------------- activations


def unit_activations(model: keras.Model, vocab: CharVocab, passage: str) -> dict[UnitKey, Array]:
    """``(layer, key) -> (time, units)``: every state and gate after each character of the passage
    (from a zero state), recomputed from the weights."""
    ids = vocab.encode(passage)[None]  # (1, time)
    return {
        (tr.layer, key): values[0]
        for tr in trace(model, ids)
        for key, values in tr.gates.items()
        if key != "preactivation"
    }


def correlations(values: Array, prop: Array) -> Array:
    """Pearson r of each column of ``values`` (time, units) with ``prop`` (time,); 0 if constant."""
    values = np.asarray(values, dtype=np.float64)
    centred = values - values.mean(axis=0)  # (time, units)
    p = np.asarray(prop, dtype=np.float64) - np.mean(prop)  # (time,)
    norms = np.sqrt((centred**2).sum(axis=0) * (p**2).sum())  # (units,)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (centred * p[:, None]).sum(axis=0) / norms
    return np.where(norms > 1e-12, r, 0.0)


@dataclass(frozen=True)
class UnitScore:
    """How well one unit tracks one property."""

    prop: str
    layer: str
    key: str
    unit: int
    r: float


def rank_units(
    activations: dict[UnitKey, Array], prop_name: str, prop: Array, top: int = 10
) -> list[UnitScore]:
    """The ``top`` units (over every layer and gate) with the largest ``|r|`` for one property."""
    scores = [
        UnitScore(prop_name, layer, key, int(unit), float(r))
        for (layer, key), values in activations.items()
        for unit, r in enumerate(correlations(values, prop))
    ]
    return sorted(scores, key=lambda s: -abs(s.r))[:top]


def find_units(
    model: keras.Model,
    vocab: CharVocab,
    passage: str,
    pattern: str | None = None,
    top: int = 5,
    keys: tuple[str, ...] | None = None,
) -> dict[str, list[UnitScore]]:
    """For every property (and the regex, if given), its best units on ``passage``.

    ``keys`` restricts the search to some states or gates, e.g. ``("hidden", "cell")``.
    """
    properties = char_properties(passage, pattern)  # checks the regex before the trace
    activations = unit_activations(model, vocab, passage)
    if keys is not None:
        activations = {k: v for k, v in activations.items() if k[1] in keys}
    return {name: rank_units(activations, name, prop, top) for name, prop in properties.items()}


def ranking_table(found: dict[str, list[UnitScore]]) -> pd.DataFrame:
    """The finder's result as one row per (property, rank): what the property means, the unit
    (layer, state or gate, index) and its correlation ``r``."""
    return pd.DataFrame(
        [
            {
                "property": name,
                "meaning": PROPERTY_LABELS.get(name, "your regular expression"),
                "rank": rank,
                "layer": score.layer,
                "state or gate": score.key,
                "unit": score.unit,
                "r": score.r,
            }
            for name, scores in found.items()
            for rank, score in enumerate(scores, start=1)
        ],
        columns=["property", "meaning", "rank", "layer", "state or gate", "unit", "r"],
    )


# ----------------------------------------------------------------------------- colouring


@dataclass(frozen=True)
class CharColouring:
    """One value per character of a passage, and the symmetric range to colour it with."""

    chars: tuple[str, ...]
    values: tuple[float, ...]
    limit: float  # colour scale from -limit to +limit

    def rows(self) -> list[tuple[str, float]]:
        return list(zip(self.chars, self.values, strict=True))


def unit_colouring(
    passage: str,
    activations: dict[UnitKey, Array],
    layer: str,
    key: str,
    unit: int,
    centred: bool = False,
) -> CharColouring:
    """The chosen unit's value after each character of ``passage``, ready to colour.

    ``centred`` colours the value minus its mean over the passage, so a unit that stays on one
    side of zero (a gate near 0.9, say) still shows where it rises and falls.
    """
    if (layer, key) not in activations:
        raise DataError(f"No {key!r} values for layer {layer!r}.")
    values = activations[(layer, key)][:, unit]  # (time,)
    if centred and len(values):
        values = values - values.mean()
    if len(values) != len(passage):
        raise ValueError("the activations belong to another passage")
    limit = float(np.max(np.abs(values))) if len(values) else 1.0
    return CharColouring(tuple(passage), tuple(float(v) for v in values), limit or 1.0)


POSITIVE_RGB, NEGATIVE_RGB = "76, 110, 245", "224, 49, 49"  # blue above zero, red below


def colouring_html(colouring: CharColouring) -> str:
    """The passage as HTML, each character shaded by its value (blue positive, red negative,
    opacity ``|value| / limit``); characters are escaped, new lines kept, the value on hover."""
    spans = []
    for char, value in colouring.rows():
        alpha = min(1.0, abs(value) / colouring.limit) * 0.85
        rgb = POSITIVE_RGB if value >= 0 else NEGATIVE_RGB
        spans.append(
            f'<span title="{value:+.3f}" style="background-color: rgba({rgb}, {alpha:.2f})">'
            f"{html_text(char)}</span>"
        )
    style = "font-family: monospace; white-space: pre-wrap; line-height: 1.7"
    return f'<div style="{style}">{"".join(spans)}</div>'
