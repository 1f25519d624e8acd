"""The unit finder: character properties, correlations, ranking, colouring."""

from __future__ import annotations

import re

import keras
import numpy as np
import pytest
from scipy.stats import pearsonr

from rnnviz.common.csvread import DataError
from rnnviz.model.builder import build_model
from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.generation.chars import build_char_vocab
from rnnviz.tasks.generation.model import char_model_spec
from rnnviz.tasks.generation.units import (
    char_properties,
    correlations,
    find_units,
    inside_brackets,
    position_in_line,
    rank_units,
    ranking_table,
    regex_property,
    speaker_name,
    start_of_word,
    unit_activations,
    unit_colouring,
)

PASSAGE = "MACBETH:\nSo foul [Aside] a day.\n\nBANQUO:\nHow far is't?\n"


def test_position_in_line_counts_from_each_newline():
    assert position_in_line("ab\ncde\n\nf").tolist() == [0, 1, 2, 0, 1, 2, 3, 0, 0]


def test_inside_brackets_covers_stage_directions_and_nesting():
    got = inside_brackets("a [b (c)] d]")
    assert got.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]


def test_start_of_word_marks_letters_after_non_letters():
    assert start_of_word("So, is't x").tolist() == [1, 0, 0, 0, 1, 0, 0, 1, 0, 1]


def test_speaker_name_marks_upper_case_name_lines():
    mask = speaker_name(PASSAGE)
    marked = "".join(c for c, m in zip(PASSAGE, mask, strict=True) if m)
    assert marked == "MACBETH:BANQUO:"
    assert speaker_name("ACT I\nFirst Witch:\n").sum() == 0


def test_regex_property_and_its_errors():
    mask = regex_property(PASSAGE, r"fa\w+")
    assert "".join(c for c, m in zip(PASSAGE, mask, strict=True) if m) == "far"
    with pytest.raises(DataError, match="not a valid regular expression"):
        regex_property(PASSAGE, "(unclosed")
    with pytest.raises(DataError, match="matches no character"):
        regex_property(PASSAGE, "zebra")
    with pytest.raises(DataError, match="matches every character"):
        regex_property(PASSAGE, r"[\s\S]")
    props = char_properties(PASSAGE, r"\?")
    assert set(props) == {
        "position in line",
        "inside brackets",
        "start of word",
        "speaker name",
        r"regex \?",
    }
    assert all(len(v) == len(PASSAGE) for v in props.values())


def test_correlations_match_scipy_and_handle_constants():
    rng = np.random.default_rng(0)
    prop = rng.normal(size=50)
    values = np.column_stack([prop * 2 + 1, -prop, rng.normal(size=50), np.ones(50)])
    r = correlations(values, prop)
    assert r[:3] == pytest.approx([1.0, -1.0, pearsonr(values[:, 2], prop).statistic])
    assert r[3] == 0.0
    assert correlations(values, np.zeros(50)) == pytest.approx(np.zeros(4))


def test_rank_units_orders_by_absolute_correlation():
    prop = np.arange(20.0)
    activations = {
        ("rnn_1", "hidden"): np.column_stack([np.sin(prop), -prop]),  # unit 1: r = -1
        ("rnn_1", "cell"): np.column_stack([prop + np.cos(prop) * 3, np.ones(20)]),
    }
    ranked = rank_units(activations, "position", prop, top=3)
    assert [(s.layer, s.key, s.unit) for s in ranked[:2]] == [
        ("rnn_1", "hidden", 1),
        ("rnn_1", "cell", 0),
    ]
    assert ranked[0].r == pytest.approx(-1.0) and abs(ranked[1].r) > abs(ranked[2].r)


@pytest.fixture(scope="module")
def tiny_lstm():
    vocab = build_char_vocab(PASSAGE)
    spec = char_model_spec(len(vocab), ModelSpec(units=(5, 4)), embedding_dim=3)
    keras.utils.set_random_seed(1)
    return vocab, build_model(spec, (len(PASSAGE),))


def test_activations_are_the_lstm_states_after_each_character(tiny_lstm):
    vocab, model = tiny_lstm
    acts = unit_activations(model, vocab, PASSAGE)
    assert set(acts) == {
        (layer, key)
        for layer in ("rnn_1", "rnn_2")
        for key in ("input", "forget", "candidate", "output", "cell", "hidden")
    }
    # the hidden states equal Keras's own sequence output of the second layer
    probe = keras.Model(model.input, model.get_layer("rnn_2").output)
    keras_hidden = np.asarray(probe(vocab.encode(PASSAGE)[None]))[0]  # (time, 4)
    assert acts[("rnn_2", "hidden")] == pytest.approx(keras_hidden, abs=1e-5)


def test_find_units_ranks_every_property(tiny_lstm):
    vocab, model = tiny_lstm
    pattern = r"[A-Z]{2,}"
    found = find_units(model, vocab, PASSAGE, pattern=pattern, top=3, keys=("cell",))
    props = char_properties(PASSAGE, pattern)
    assert set(found) == set(props)
    acts = unit_activations(model, vocab, PASSAGE)
    cells = np.concatenate([acts[("rnn_1", "cell")], acts[("rnn_2", "cell")]], axis=1)  # (time, 9)
    for name, scores in found.items():
        assert len(scores) == 3 and all(s.key == "cell" for s in scores)
        best = scores[0]
        expected = pearsonr(acts[(best.layer, "cell")][:, best.unit], props[name]).statistic
        assert best.r == pytest.approx(expected, abs=1e-6)
        every_r = [pearsonr(cells[:, j], props[name]).statistic for j in range(cells.shape[1])]
        assert abs(best.r) == pytest.approx(np.max(np.abs(every_r)), abs=1e-6)
    with pytest.raises(DataError, match="not a valid"):
        find_units(model, vocab, PASSAGE, pattern="[")
    table = ranking_table(find_units(model, vocab, PASSAGE, pattern="[A-Z]+:", top=2))
    assert len(table) == 5 * 2 and table["rank"].tolist() == [1, 2] * 5
    assert table["meaning"].iloc[-1] == "your regular expression"
    assert table["property"].iloc[-1] == "regex [A-Z]+:"
    assert (
        table.groupby("property", sort=False)["r"].apply(lambda r: abs(r).is_monotonic_decreasing)
    ).all()


def test_colouring_gives_one_value_per_character(tiny_lstm):
    vocab, model = tiny_lstm
    acts = unit_activations(model, vocab, PASSAGE)
    colouring = unit_colouring(PASSAGE, acts, "rnn_1", "cell", 2)
    assert "".join(colouring.chars) == PASSAGE
    assert colouring.values == pytest.approx(acts[("rnn_1", "cell")][:, 2].tolist())
    assert colouring.limit == pytest.approx(np.max(np.abs(colouring.values)))
    assert colouring.rows()[0] == ("M", colouring.values[0])
    centred = unit_colouring(PASSAGE, acts, "rnn_1", "forget", 1, centred=True)
    raw = acts[("rnn_1", "forget")][:, 1]
    assert centred.values == pytest.approx((raw - raw.mean()).tolist())
    assert centred.limit == pytest.approx(np.max(np.abs(raw - raw.mean())))
    with pytest.raises(DataError, match="No 'forget' values"):
        unit_colouring(PASSAGE, acts, "rnn_9", "forget", 0)


def test_colouring_html_escapes_the_text_and_shades_by_value():
    from rnnviz.tasks.generation.units import CharColouring, colouring_html

    text = '<b>"&\n'
    colouring = CharColouring(tuple(text), (1.0, -0.5, 0.0, 0.25, 1.0, -1.0), 1.0)
    html = colouring_html(colouring)
    assert "<b>" not in html and "&lt;" in html and "&quot;" in html and "&amp;" in html
    spans = re.findall(r'<span title="([^"]+)" style="background-color: rgba\(([^)]+)\)">', html)
    assert [title for title, _ in spans] == [
        "+1.000",
        "-0.500",
        "+0.000",
        "+0.250",
        "+1.000",
        "-1.000",
    ]
    assert spans[0][1] == "76, 110, 245, 0.85" and spans[1][1] == "224, 49, 49, 0.42"
    assert ">\n</span>" in html  # a new line stays a line break (white-space: pre-wrap)
