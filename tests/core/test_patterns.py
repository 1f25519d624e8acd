"""Pattern search: a unit made to fire inside brackets is found, and its matches are the brackets."""

import keras
import numpy as np
import pytest

from rnnviz.model.patterns import (
    matching_spans,
    runs,
    search,
    series_properties,
    shared_properties,
    snippets,
    summary_line,
    units_on_span,
)
from rnnviz.model.probes import trace
from rnnviz.tasks.generation.units import char_properties, inside_brackets

TRAIN_TEXT = "KING: Go (he draws) now.\nQUEEN: Stay [aside] here, (kneels) my lord.\n"
HELD_OUT = (
    "MACBETH: Is this (a dagger) I see?\n[Enter LADY] Why, sir (she weeps) and (exits).\n"
    "Speak (loud) or not at all; [Thunder] (Ghost rises).\n"
)
BRACKET_UNIT = 2


def bracket_model(text: str) -> tuple[keras.Model, dict[str, int]]:
    """Token ids -> one-hot -> SimpleRNN(4) whose unit 2 is set to turn on at an opening bracket,
    hold (recurrent weight 3) and turn off at a closing one; the other units are weak noise."""
    chars = sorted(set(TRAIN_TEXT + HELD_OUT))
    ids = {c: i + 1 for i, c in enumerate(chars)}  # 0 = padding
    n = len(chars) + 1
    model = keras.Sequential(
        [
            keras.Input((None,)),
            keras.layers.Embedding(n, n),
            keras.layers.SimpleRNN(4, return_sequences=True),
        ]
    )
    embedding, rnn = model.layers
    embedding.set_weights([np.eye(n, dtype="float32")])
    rng = np.random.default_rng(0)
    kernel = rng.normal(scale=0.05, size=(n, 4)).astype("float32")
    recurrent = rng.normal(scale=0.05, size=(4, 4)).astype("float32")
    kernel[:, BRACKET_UNIT] = 0.0
    recurrent[:, BRACKET_UNIT] = 0.0
    for c in "([":
        kernel[ids[c], BRACKET_UNIT] = 6.0
    for c in ")]":
        kernel[ids[c], BRACKET_UNIT] = -6.0
    recurrent[BRACKET_UNIT, BRACKET_UNIT] = 3.0
    rnn.set_weights([kernel, recurrent, np.zeros(4, "float32")])
    return model, ids


def hidden_states(model, ids, text) -> np.ndarray:
    tokens = np.array([[ids[c] for c in text]])  # (1, time)
    (tr,) = trace(model, tokens)
    hidden = tr.gates["hidden"][0]  # (time, units)
    np.testing.assert_allclose(hidden, np.asarray(model(tokens))[0], atol=1e-5)  # Keras agrees
    return hidden


def test_the_bracket_unit_is_found_and_matches_every_bracket():
    model, ids = bracket_model(TRAIN_TEXT)
    selected, held_out = (
        hidden_states(model, ids, TRAIN_TEXT),
        hidden_states(model, ids, HELD_OUT),
    )
    start = TRAIN_TEXT.index("(he")
    span = (start, TRAIN_TEXT.index(")"))  # the user selects "(he draws"
    result = search(selected, span, 0.5, held_out, char_properties(HELD_OUT))
    assert result.units.tolist() == [BRACKET_UNIT]
    expected = runs(inside_brackets(HELD_OUT))
    assert result.spans == expected and result.count == 7
    assert result.summary == "inside brackets: 7 of 7"
    assert [m for _, m, _ in snippets(HELD_OUT, result.spans)][:2] == [
        "(a dagger",
        "[Enter LADY",
    ]


def test_units_must_be_off_around_the_span():
    acts = np.zeros((10, 3))
    acts[2:5, 0] = 1.0  # on exactly over the span
    acts[1:6, 1] = 1.0  # on over the span but also around it
    acts[2:4, 2] = 1.0  # not on over the whole span
    assert units_on_span(acts, (2, 5), 0.5).tolist() == [0]
    assert units_on_span(acts, (2, 5), 0.5, around=0).tolist() == [0, 1]
    assert units_on_span(acts, (0, 10), 1.5).tolist() == []
    with pytest.raises(ValueError, match="inside the 10 steps"):
        units_on_span(acts, (4, 12), 0.5)


def test_matches_need_every_unit_on_together_and_a_minimum_length():
    acts = np.zeros((12, 2))
    acts[[1, 2, 3, 7, 8, 10], 0] = 1.0
    acts[[2, 3, 8, 10, 11], 1] = 1.0
    assert matching_spans(acts, [0, 1], 0.5) == [(2, 4), (8, 9), (10, 11)]
    assert matching_spans(acts, [0, 1], 0.5, min_length=2) == [(2, 4)]
    assert matching_spans(acts, [], 0.5) == []


def test_summary_counts_majority_cover_and_skips_non_binary_properties():
    props = {
        "a": np.array([1, 1, 0, 0, 0, 0.0]),
        "b": np.array([0, 1, 1, 1, 0, 0.0]),
        "position": np.arange(6.0),
    }
    spans = [(0, 2), (1, 4), (4, 6)]
    shared = shared_properties(spans, props)
    # (0, 2) is half "b": a tie counts; (4, 6) has neither
    assert [(s.prop, s.count, s.total) for s in shared] == [("b", 2, 3), ("a", 1, 3)]
    assert summary_line([], props).startswith("No span")
    assert summary_line([(4, 6)], props).startswith("1 matches; none")


def test_series_properties_mark_rises_falls_and_peaks():
    values = np.array([1.0, 2.0, 3.0, 2.0, 1.0, 2.0])
    p = series_properties(values)
    assert p["rising"].tolist() == [0, 1, 1, 0, 0, 1]
    assert p["falling"].tolist() == [0, 0, 0, 1, 1, 0]
    assert p["near a peak"].tolist() == [0, 0, 1, 0, 0, 0]
    assert p["near a trough"].tolist() == [0, 0, 0, 0, 1, 0]
    assert p["above the mean"].tolist() == [0, 1, 1, 1, 0, 1]
