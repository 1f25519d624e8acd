"""Long and wide CSVs of labelled sequences read as meant, with no switch touched.

The files are read as the Data page reads them (every cell text), then guessed and read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rnnviz.tasks.sequences.data as sequences
from rnnviz.common.csvread import DataError, read_csv_table
from rnnviz.tasks.sequences.data import (
    SequenceColumns,
    sequences_from_frame,
    suggest_sequence_columns,
)

SPECIMEN = SequenceColumns("long", ("outline",), "kind", "specimen", "position")


def specimens(n: int = 30, steps: int = 20, ragged: bool = False, seed: int = 0) -> pd.DataFrame:
    """``n`` specimens (kinds a, b, c in turn), ``outline`` measured at positions 0, 1, ...;
    ragged: 4 to ``steps`` positions each. The outline of specimen s at position p is
    ``s + p / 1000``, so every value says where it belongs."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(4, steps + 1, n) if ragged else np.full(n, steps)
    specimen = np.repeat(np.arange(n), lengths)
    position = np.concatenate([np.arange(length) for length in lengths])
    return pd.DataFrame(
        {
            "specimen": [f"sp{s}" for s in specimen],
            "position": position,
            "outline": specimen + position / 1000,
            "kind": np.array(["a", "b", "c"])[specimen % 3],
        }
    )


def as_uploaded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame written to CSV and read back as the Data page reads it (text cells)."""
    raw = frame.to_csv(index=False).encode()
    return read_csv_table(raw, "upload.csv", dtype=str).frame


def read(frame: pd.DataFrame) -> tuple[SequenceColumns, sequences.SequenceDataset]:
    uploaded = as_uploaded(frame)
    guess = suggest_sequence_columns(uploaded)
    assert guess is not None
    return guess, sequences_from_frame(uploaded, guess)


def assert_specimens_read(data: sequences.SequenceDataset, frame: pd.DataFrame) -> None:
    """Each sequence holds its own specimen's outline in position order, and nothing else."""
    assert data.n_features == 1 and data.feature_names == ("outline",)  # step, id: no features
    for row in range(len(data)):
        length = data.lengths[row]
        specimen = int(np.floor(data.x[row, 0, 0]))
        expected = specimen + np.arange(length) / 1000
        np.testing.assert_allclose(data.x[row, :length, 0], expected, atol=1e-4)
        assert data.class_names[data.y[row]] == "abc"[specimen % 3]
        assert length == (frame["specimen"] == f"sp{specimen}").sum()


SUMMARY = (
    "Long table: 30 sequences of 20 steps (id 'specimen', step 'position'), 1 feature "
    "('outline'), 3 classes (kind: a 10, b 10, c 10)."
)


@pytest.mark.parametrize(
    "order",
    [
        ["specimen", "position", "outline", "kind"],
        ["kind", "outline", "specimen", "position"],  # label first, step last
        ["position", "kind", "specimen", "outline"],
        ["outline", "specimen", "kind", "position"],
    ],
)
def test_long_columns_in_any_order_rows_shuffled(order):
    frame = specimens()[order].sample(frac=1.0, random_state=1)
    guess, data = read(frame)
    assert guess == SPECIMEN
    assert data.x.shape == (30, 20, 1) and data.notes[0] == SUMMARY
    assert_specimens_read(data, frame)


def test_the_issue_file_211_specimens_of_251_positions():
    frame = specimens(211, 251).sample(frac=1.0, random_state=2)
    guess, data = read(frame)
    assert guess == SPECIMEN and data.x.shape == (211, 251, 1)
    assert data.notes[0] == (
        "Long table: 211 sequences of 251 steps (id 'specimen', step 'position'), 1 feature "
        "('outline'), 3 classes (kind: a 71, b 70, c 70)."
    )


def test_long_columns_named_anything():
    names = {"specimen": "p", "position": "q", "outline": "r", "kind": "s"}
    frame = specimens().rename(columns=names)[["s", "r", "q", "p"]].sample(frac=1.0, random_state=3)
    guess, data = read(frame)
    assert guess == SequenceColumns("long", ("r",), "s", "p", "q")
    assert data.n_features == 1 and data.x.shape == (30, 20, 1)
    assert data.notes[0].startswith("Long table: 30 sequences of 20 steps (id 'p', step 'q')")


def test_long_with_numeric_ids_and_steps_counted_from_one():
    frame = specimens()
    frame["specimen"] = frame["specimen"].str[2:].astype(int) + 100
    frame["position"] += 1
    guess, data = read(frame.sample(frac=1.0, random_state=4))
    assert guess == SPECIMEN and data.x.shape == (30, 20, 1)


def test_long_with_string_ids():
    frame = specimens()
    frame["specimen"] = "Specimen #" + frame["specimen"] + " (museum A)"
    guess, data = read(frame.sample(frac=1.0, random_state=5))
    assert guess == SPECIMEN
    assert_specimens_read(data, specimens())


def test_long_with_a_date_step():
    frame = specimens().rename(columns={"position": "measured"})
    dates = pd.Timestamp("2021-03-01") + pd.to_timedelta(frame["measured"] * 7, unit="D")
    frame["measured"] = dates.dt.strftime("%d %b %Y")  # "01 Mar 2021": sorts wrongly as text
    guess, data = read(frame.sample(frac=1.0, random_state=6))
    assert guess == SequenceColumns("long", ("outline",), "kind", "specimen", "measured")
    assert data.notes[0].startswith(
        "Long table: 30 sequences of 20 steps (id 'specimen', step 'measured', read as dates)"
    )
    assert_specimens_read(data, specimens())


def test_long_with_times_of_day_or_irregular_seconds_as_steps():
    frame = specimens()
    clock = pd.Timestamp("2020-01-01 08:00") + pd.to_timedelta(frame["position"] * 30, unit="s")
    timed = frame.assign(position=clock.dt.strftime("%H:%M:%S")).rename(columns={"position": "at"})
    guess, data = read(timed.sample(frac=1.0, random_state=10))
    assert guess.step_column == "at" and "step 'at', read as dates and times)" in data.notes[0]
    assert_specimens_read(data, frame)
    # Irregular seconds, on no grid shared by the specimens: a word of the name tells the step.
    seconds = frame["position"] * 7.3 + frame["specimen"].str[2:].astype(int) * 1000
    named = frame.assign(position=seconds).rename(columns={"position": "Elapsed time (s)"})
    guess, data = read(named.sample(frac=1.0, random_state=11))
    assert guess == SequenceColumns("long", ("outline",), "kind", "specimen", "Elapsed time (s)")
    assert_specimens_read(data, frame)


def test_ragged_long_states_the_range_of_lengths():
    frame = specimens(ragged=True)
    guess, data = read(frame.sample(frac=1.0, random_state=7))
    lengths = frame.groupby("specimen").size()
    assert guess == SPECIMEN and data.is_ragged
    span = f"{lengths.min()}-{lengths.max()} steps"
    assert data.notes[0].startswith(f"Long table: 30 sequences of {span} (id 'specimen'")
    assert "padded at the end" in data.notes[1]
    assert_specimens_read(data, frame)


def test_long_without_a_step_column_in_file_order():
    frame = specimens(ragged=True).drop(columns="position")  # each specimen's rows together
    guess, data = read(frame)
    assert guess == SequenceColumns("long", ("outline",), "kind", "specimen", None)
    assert "(id 'specimen', steps in file order)" in data.notes[0]
    assert_specimens_read(data, frame)
    shuffled = as_uploaded(frame.sample(frac=1.0, random_state=9))
    assert suggest_sequence_columns(shuffled).layout == "wide"  # no order left to read


def test_long_with_two_features_and_a_numeric_label():
    frame = specimens()
    frame["width"] = frame["outline"] * 2
    frame["kind"] = frame["kind"].map({"a": 0, "b": 1, "c": 2})
    guess, data = read(frame)
    assert guess == SequenceColumns("long", ("outline", "width"), "kind", "specimen", "position")
    assert data.n_features == 2 and data.class_names == ("0", "1", "2")
    assert "2 features ('outline', 'width'), 3 classes (kind: 0 10, 1 10, 2 10)" in data.notes[0]


def wide_frame(label_first: bool, label_name: str = "kind") -> pd.DataFrame:
    """30 series of 12 steps (columns named by time), numeric labels 0/1, no name hints."""
    rng = np.random.default_rng(0)
    steps = pd.DataFrame(rng.normal(size=(30, 12)), columns=[f"{h}:00" for h in range(12)])
    label = pd.Series(np.arange(30) % 2, name=label_name)
    parts = [label, steps] if label_first else [steps, label]
    return pd.concat(parts, axis=1)


@pytest.mark.parametrize("label_first", [True, False])
def test_wide_with_the_label_first_or_last(label_first):
    guess, data = read(wide_frame(label_first))
    assert guess == SequenceColumns("wide", tuple(f"{h}:00" for h in range(12)), "kind")
    assert data.x.shape == (30, 12, 1) and data.class_names == ("0", "1")
    assert data.notes[0] == (
        "Wide table: 30 sequences of 12 steps (one per column, '0:00' to '11:00'), 1 feature, "
        "2 classes (kind: 0 15, 1 15)."
    )


def test_wide_with_a_text_label_and_an_id_column_stays_wide():
    frame = wide_frame(False)
    frame["kind"] = frame["kind"].map({0: "low", 1: "high"})
    frame.insert(0, "id", [f"row{k}" for k in range(30)])  # unique: one row per sequence
    guess, data = read(frame)
    assert guess.layout == "wide" and guess.label_column == "kind"
    assert "id" not in guess.value_columns and data.n_features == 1


def _error(frame: pd.DataFrame, columns: SequenceColumns = SPECIMEN) -> str:
    with pytest.raises(DataError) as info:
        sequences_from_frame(as_uploaded(frame), columns)
    return str(info.value)


def test_a_label_that_changes_within_an_id_names_the_first_such_id():
    frame = specimens()
    frame.loc[(frame["specimen"] == "sp4") & (frame["position"] == 7), "kind"] = "c"
    frame.loc[(frame["specimen"] == "sp9") & (frame["position"] == 2), "kind"] = "b"
    shuffled = frame.sample(frac=1.0, random_state=8)
    assert suggest_sequence_columns(as_uploaded(shuffled)) == SPECIMEN  # still a long table
    message = _error(frame)
    assert message.startswith("Sequence 'sp4' has more than one label (b, c)")
    frame["specimen"] = frame["specimen"].str.upper()  # ids quoted as written
    assert _error(frame).startswith("Sequence 'SP4' has more than one label")


def test_missing_labels_are_refused_with_a_count():
    frame = specimens()
    frame.loc[frame["specimen"].isin(["sp3", "sp5"]), "kind"] = None
    frame.loc[(frame["specimen"] == "sp6") & (frame["position"] > 0), "kind"] = None  # one kept
    assert "2 sequence(s) have no label (the first: sequence 'sp3')" in _error(frame)


def test_step_problems_are_named():
    frame = specimens()
    repeated = frame.copy()
    repeated.loc[(repeated["specimen"] == "sp2") & (repeated["position"] == 5), "position"] = 4
    assert "Sequence 'sp2' has two rows for the same step ('4', data rows 45 and 46)" in _error(
        repeated
    )
    wordy = frame.astype({"position": object})
    wordy.loc[3, "position"] = "fourth"
    assert "neither a number nor a date: 'fourth' (data row 4)" in _error(wordy)
    empty = frame.astype({"position": object})
    empty.loc[5, "position"] = None
    assert "Column 'position' is empty in data row 6" in _error(empty)


def test_id_step_and_label_are_never_value_columns():
    frame = specimens()
    for column, role in (("position", "step"), ("specimen", "id"), ("kind", "label")):
        chosen = SequenceColumns("long", ("outline", column), "kind", "specimen", "position")
        assert f"'{column}' is the {role} column; it cannot also be a value column" in _error(
            frame, chosen
        )
    same = SequenceColumns("long", ("outline",), "kind", "specimen", "specimen")
    assert "only one part" in _error(frame, same)


def test_one_very_long_sequence_does_not_pad_the_others():
    """2,000 sequences of 10 steps and one of 100,000: the long one keeps its first steps."""
    ids = np.concatenate([np.repeat(np.arange(2000), 10), np.full(100_000, 2000)])
    steps = np.concatenate([np.tile(np.arange(10), 2000), np.arange(100_000)])
    frame = pd.DataFrame(
        {"id": ids, "step": steps, "v": steps.astype(float), "label": ids % 2}
    ).astype(str)
    guess = suggest_sequence_columns(frame)
    assert guess == SequenceColumns("long", ("v",), "label", "id", "step")
    data = sequences_from_frame(frame, guess)
    assert data.x.shape == (2001, 100, 1)  # 10 x the median length, not 100,000
    assert data.lengths[-1] == 100 and data.lengths[0] == 10
    np.testing.assert_array_equal(data.x[-1, :, 0], np.arange(100))  # its first steps
    assert data.notes[0].startswith("Long table: 2,001 sequences of 10-100,000 steps")
    assert "1 sequence(s) longer than 100 steps" in data.notes[1]
    assert "cut to their first 100 steps (the longest had 100,000)" in data.notes[1]


def test_padding_over_the_memory_budget_is_refused(monkeypatch):
    monkeypatch.setattr(sequences, "MAX_PADDED_BYTES", 30 * 20 * 4 - 1)
    message = _error(specimens())
    assert message.startswith("Padded to 20 steps, the 30 sequences of 1 feature(s) would take")
    assert "MB allowed" in message
