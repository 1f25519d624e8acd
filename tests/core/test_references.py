"""Reference marks: baseline bands from per-sample results, published figures with sources."""

import numpy as np
import pytest
from scipy import stats

from rnnviz.common.references import (
    PUBLISHED,
    ReferenceMark,
    baseline_mark,
    crossing_note,
    line_mark,
    published_mark,
    reference_marks,
)


def test_baseline_band_is_mean_plus_minus_one_standard_error():
    correct = np.array([1, 1, 0, 1, 1, 0, 1, 1, 1, 0], float)
    mark = baseline_mark("1-NN", "accuracy", correct, "validation rows")
    assert mark.value == pytest.approx(0.7)
    se = stats.sem(correct)
    assert (mark.low, mark.high) == pytest.approx((0.7 - se, 0.7 + se))
    assert not mark.published and mark.source == "validation rows"


def test_baseline_in_the_models_units():
    errors = np.array([2.0, 4.0, np.nan, 6.0])  # absolute errors in passengers; NaN: no forecast
    mark = baseline_mark("seasonal naive", "mae", errors, "validation", scale=2.0)
    assert mark.value == pytest.approx(2.0)
    assert mark.high - mark.value == pytest.approx(stats.sem([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="no held-out result"):
        baseline_mark("x", "mae", np.array([np.nan]), "")


def test_crossing_depends_on_the_direction():
    mark = ReferenceMark("b", "accuracy", 0.8, 0.78, 0.82, "")
    assert mark.crossed_at([0.5, 0.79, 0.81, 0.9], higher_is_better=True) == 3
    assert mark.crossed_at([0.5, 0.79], higher_is_better=True) is None
    assert mark.crossed_at([0.9, 0.85, 0.7], higher_is_better=False) == 3
    assert crossing_note(mark, [0.5, 0.81]) == "Crossed b (0.8) at epoch 2."
    assert crossing_note(mark, [0.5]) == "Not yet past b (0.8)."
    lower = line_mark("n-gram", "bpc", 2.5, "validation block")
    assert (lower.low, lower.high) == (2.5, 2.5)
    assert crossing_note(lower, [3.0, 2.4]) == "Crossed n-gram (2.5) at epoch 2."


def test_published_marks_name_their_source_and_join_the_computed_ones():
    for marks in PUBLISHED.values():
        for mark in marks:
            assert mark.published and len(mark.source) > 40 and "(" in mark.source
            assert 0 < mark.low <= mark.value <= mark.high <= 1
    kim = published_mark("CNN", "accuracy", 0.81, 0.815, "Kim (2014)")
    assert kim.value == pytest.approx(0.8125)
    computed = [baseline_mark("1-NN", "accuracy", np.ones(3), "test rows")]
    marks = reference_marks("GunPoint", computed)
    assert [m.label for m in marks] == ["1-NN", "1-NN Euclidean (UCR archive)"]
    assert reference_marks("GunPoint", [baseline_mark("n", "mae", np.ones(2), "")])[1:] == []
    assert reference_marks(None, computed) == computed
