"""Labelled sequences: built-in sets read offline, splits, scaling, padding and CSV uploads."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.bundled import ucr_path
from rnnviz.common.csvread import DataError
from rnnviz.common.labels import MAX_CLASSES
from rnnviz.tasks.sequences.data import (
    BUILTIN_SEQUENCES,
    MIN_MASK_VALUE,
    MIN_PER_CLASS,
    SequenceColumns,
    builtin_catalog,
    flat_features,
    load_builtin_sequences,
    mnist_path,
    pad_sequences,
    prepare_sequences,
    sequences_from_frame,
    suggest_sequence_columns,
)

SHAPES = {  # (sequences, padded steps, features, classes, official training rows)
    "mnist_rows": (5000, 28, 28, 10, None),
    "digits_rows": (1797, 8, 8, 10, None),
    "GunPoint": (200, 150, 1, 2, 50),
    "ItalyPowerDemand": (1096, 24, 1, 2, 67),
    "BasicMotions": (80, 100, 6, 4, 40),
    "JapaneseVowels": (640, 29, 12, 9, 270),
    "OSULeaf": (442, 427, 1, 6, 200),  # the UCR archive: 200 train, 242 test
}


@pytest.mark.parametrize("key", list(BUILTIN_SEQUENCES))
def test_builtin_shapes_and_catalogue(key):
    data = load_builtin_sequences(key)
    n, steps, features, classes, official = SHAPES[key]
    assert data.x.shape == (n, steps, features) and data.x.dtype == np.float32
    assert len(data) == BUILTIN_SEQUENCES[key].sequences
    assert data.n_classes == classes and sum(data.class_counts().values()) == n
    assert data.n_official_train == official
    assert builtin_catalog().loc[key, "sequences"] == n
    assert np.isfinite(data.x).all()
    with pytest.raises(ValueError):  # the cached copy is read-only
        data.x[0, 0, 0] = 1.0


def test_mnist_rows_are_the_image_rows():
    data = load_builtin_sequences("mnist_rows")
    with gzip.open(mnist_path(), "rt") as handle:
        table = pd.read_csv(handle, header=None).to_numpy()  # (5000, 785): pixels, label
    np.testing.assert_array_equal(data.x[17], table[17, :784].reshape(28, 28))
    np.testing.assert_array_equal(data.y, table[:, 784])
    assert data.image_shape == (28, 28) and data.default_scaling == "global"
    assert data.class_counts() == {str(d): 500 for d in range(10)}


def test_digits_rows_match_sklearn():
    from sklearn.datasets import load_digits

    digits = load_digits()
    data = load_builtin_sequences("digits_rows")
    np.testing.assert_array_equal(data.x, digits.images)
    np.testing.assert_array_equal(data.y, digits.target)


@pytest.mark.parametrize("key", ["GunPoint", "BasicMotions"])
def test_ucr_sets_match_sktime_reader(key):
    from sktime.datasets import load_from_tsfile  # reads the local file, no download

    data = load_builtin_sequences(key)
    for part, rows in (
        ("TRAIN", slice(0, data.n_official_train)),
        ("TEST", slice(data.n_official_train, None)),
    ):
        x, y = load_from_tsfile(str(ucr_path(key, part)), return_data_type="numpy3D")
        np.testing.assert_allclose(data.x[rows], x.transpose(0, 2, 1), rtol=1e-6)
        names = [data.class_names[i].lower() for i in data.y[rows]]
        assert names == [str(label).lower() for label in y]


def test_japanese_vowels_is_ragged_and_matches_sktime():
    from sktime.datasets import load_from_tsfile

    data = load_builtin_sequences("JapaneseVowels")
    x, _ = load_from_tsfile(str(ucr_path("JapaneseVowels", "TEST")))  # nested frame
    first_test = data.n_official_train
    length = len(x.iloc[0, 0])
    assert data.lengths[first_test] == length
    expected = np.stack([x.iloc[0, c].to_numpy() for c in range(12)], axis=-1)  # (steps, 12)
    np.testing.assert_allclose(data.x[first_test, :length], expected, rtol=1e-6)
    assert (data.x[first_test, length:] == 0).all()
    assert data.is_ragged and (data.lengths.min(), data.lengths.max()) == (7, 29)


@pytest.mark.parametrize(
    "key, train, test", [("GunPoint", 50, 150), ("ItalyPowerDemand", 67, 1029)]
)
def test_official_split_sizes(key, train, test):
    data = prepare_sequences(load_builtin_sequences(key), val_fraction=0.2, seed=3)
    assert len(data.x_train) + len(data.x_val) == train and len(data.x_test) == test
    np.testing.assert_array_equal(data.rows_test, np.arange(train, train + test))
    assert set(data.rows_train) | set(data.rows_val) == set(range(train))
    assert len(data.x_val) == math.ceil(0.2 * train) and "archive" in data.split  # as sklearn
    assert set(data.y_val) == {0, 1}  # stratified: both classes validate


def test_stratified_split_when_there_is_no_official_one():
    dataset = load_builtin_sequences("digits_rows")
    a = prepare_sequences(dataset, val_fraction=0.25, test_fraction=0.2, seed=5)
    b = prepare_sequences(dataset, val_fraction=0.25, test_fraction=0.2, seed=5)
    np.testing.assert_array_equal(a.rows_test, b.rows_test)
    all_rows = np.concatenate([a.rows_train, a.rows_val, a.rows_test])
    assert sorted(all_rows) == list(range(len(dataset)))
    assert len(a.rows_test) == math.ceil(0.2 * len(dataset))
    share = np.bincount(a.y_test, minlength=10) / len(a.y_test)
    np.testing.assert_allclose(share, np.bincount(dataset.y) / len(dataset), atol=0.01)
    c = prepare_sequences(dataset, seed=6)
    assert not np.array_equal(a.rows_test, c.rows_test)


def test_scaling_uses_training_steps_only():
    dataset = load_builtin_sequences("BasicMotions")
    data = prepare_sequences(dataset, seed=1)
    train_steps = dataset.x[data.rows_train].reshape(-1, 6)
    np.testing.assert_allclose(data.scaler.mean, train_steps.mean(axis=0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(data.scaler.std, train_steps.std(axis=0), rtol=1e-4)
    scaled = data.x_train.reshape(-1, 6)
    np.testing.assert_allclose(scaled.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(scaled.std(axis=0), 1, atol=1e-3)
    # the test sequences do not move the statistics
    changed = dataset.x.copy()
    changed[data.rows_test] *= 100
    from dataclasses import replace

    other = prepare_sequences(replace(dataset, x=changed), seed=1)
    np.testing.assert_allclose(other.scaler.mean, data.scaler.mean)


def test_global_scaling_shares_one_mean_for_pixels():
    dataset = load_builtin_sequences("digits_rows")
    data = prepare_sequences(dataset, seed=2)
    pixels = dataset.x[data.rows_train]
    np.testing.assert_allclose(data.scaler.mean, np.full(8, pixels.mean()), rtol=1e-5)
    np.testing.assert_allclose(data.scaler.std, np.full(8, pixels.std()), rtol=1e-5)
    raw = prepare_sequences(dataset, seed=2, scaling="none")
    np.testing.assert_array_equal(raw.x_test, dataset.x[raw.rows_test])
    assert data.mask_value is None  # equal lengths: nothing to mask


def test_ragged_padding_holds_the_mask_value_below_every_real_value():
    data = prepare_sequences(load_builtin_sequences("JapaneseVowels"), seed=1)
    assert data.mask_value is not None and data.mask_value <= MIN_MASK_VALUE
    for x, lengths in ((data.x_train, data.lengths_train), (data.x_test, data.lengths_test)):
        real = np.arange(x.shape[1])[None, :] < lengths[:, None]
        assert (x[~real] == data.mask_value).all()
        assert (x[real] > data.mask_value).all()
    flat = flat_features(data.x_test, data.lengths_test)
    assert flat.shape == (len(data.x_test), 29 * 12)
    short = int(np.argmin(data.lengths_test))
    assert (flat[short].reshape(29, 12)[data.lengths_test[short] :] == 0).all()


def test_pad_sequences():
    x, lengths = pad_sequences([np.ones((3, 2)), 2 * np.ones((1, 2))])
    assert x.shape == (2, 3, 2) and list(lengths) == [3, 1]
    np.testing.assert_array_equal(x[1], [[2, 2], [0, 0], [0, 0]])


# ----------------------------------------------------------------------------- CSV


def _long_frame(n_per_class: int = MIN_PER_CLASS) -> pd.DataFrame:
    """Sequences a0.., b0.. of 3-5 steps with two value columns, rows in shuffled order."""
    rows = []
    for label in ("up", "down"):
        for k in range(n_per_class):
            for step in range(3 + k % 3):
                sign = 1 if label == "up" else -1
                rows.append(
                    {"id": f"{label}{k}", "step": step, "x": sign * step, "z": k, "label": label}
                )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0).reset_index(drop=True)


def _wide_frame(n_per_class: int = MIN_PER_CLASS) -> pd.DataFrame:
    values = np.arange(2 * n_per_class * 4, dtype=float).reshape(-1, 4)
    frame = pd.DataFrame(values, columns=["t1", "t2", "t3", "t4"])
    frame["class"] = [1, 2] * n_per_class
    frame.loc[0, ["t3", "t4"]] = np.nan  # a shorter sequence
    return frame


def test_long_csv_groups_orders_and_pads():
    frame = _long_frame()
    columns = suggest_sequence_columns(frame)
    assert columns == SequenceColumns("long", ("x", "z"), "label", "id", "step")
    data = sequences_from_frame(frame, columns)
    assert data.class_names == ("down", "up") and data.n_features == 2
    assert len(data) == 2 * MIN_PER_CLASS and data.n_steps == 5 and data.is_ragged
    groups = list(dict.fromkeys(frame["id"]))  # ids in order of first appearance
    row = groups.index("up2")
    assert data.lengths[row] == 5 and data.class_names[data.y[row]] == "up"
    np.testing.assert_array_equal(data.x[row, :, 0], [0, 1, 2, 3, 4])  # sorted by step
    np.testing.assert_array_equal(data.x[row, :, 1], [2] * 5)
    down0 = groups.index("down0")
    np.testing.assert_array_equal(data.x[down0, :, 0], [0, -1, -2, 0, 0])  # padded after 3


def test_wide_csv_trailing_empty_cells_make_shorter_sequences():
    frame = _wide_frame()
    columns = suggest_sequence_columns(frame)
    assert columns == SequenceColumns("wide", ("t1", "t2", "t3", "t4"), "class")
    data = sequences_from_frame(frame, columns)
    assert data.x.shape == (10, 4, 1) and data.class_names == ("1", "2")
    assert list(data.lengths[:2]) == [2, 4]
    np.testing.assert_array_equal(data.x[1, :, 0], [4, 5, 6, 7])
    np.testing.assert_array_equal(data.y, [0, 1] * 5)


def test_csv_text_values_from_a_string_frame():
    frame = _wide_frame().astype(str).replace("nan", "")
    data = sequences_from_frame(frame, SequenceColumns("wide", ("t1", "t2", "t3", "t4"), "class"))
    assert list(data.lengths[:2]) == [2, 4]


def _error(frame: pd.DataFrame, columns: SequenceColumns) -> str:
    with pytest.raises(DataError) as info:
        sequences_from_frame(frame, columns)
    return str(info.value)


LONG = SequenceColumns("long", ("x", "z"), "label", "id", "step")
WIDE = SequenceColumns("wide", ("t1", "t2", "t3", "t4"), "class")


def test_missing_label_message():
    frame = _long_frame()
    frame.loc[frame["id"] == "up1", "label"] = np.nan
    assert "1 sequence(s) have no label (the first: sequence 'up1')" in _error(frame, LONG)
    wide = _wide_frame()
    wide.loc[3, "class"] = None
    assert "no label (the first: data row 4)" in _error(wide, WIDE)


def test_single_class_message():
    frame = _wide_frame()
    frame["class"] = 1
    assert "same label ('1')" in _error(frame, WIDE)


def test_too_many_classes_message():
    frame = _wide_frame(n_per_class=30)
    frame["class"] = np.arange(len(frame)) // 5  # 12 classes of 5 sequences each
    assert sequences_from_frame(frame, WIDE).n_classes == 12
    frame["class"] = np.arange(len(frame))
    message = _error(frame, WIDE)
    assert f"{len(frame)} different values" in message and f"at most {MAX_CLASSES}" in message


def test_non_numeric_value_message():
    frame = _long_frame()
    frame["x"] = frame["x"].astype(object)
    frame.loc[4, "x"] = "n/a?"
    assert "Column 'x' holds a value that is not a number: 'n/a?' (data row 5)" in _error(
        frame, LONG
    )


def test_too_few_sequences_per_class_message():
    frame = _wide_frame(n_per_class=8)  # 8 of class 1, 8 of class 2
    frame.loc[frame.index[-3:], "class"] = 3
    message = _error(frame, WIDE)
    assert "Too few sequences in class(es) 3 (3):" in message
    assert f"at least {MIN_PER_CLASS}" in message


def test_other_bad_input_messages():
    frame = _long_frame()
    mixed = frame.copy()
    mixed.loc[mixed.index[mixed["id"] == "up0"][0], "label"] = "down"
    assert "Sequence 'up0' has more than one label" in _error(mixed, LONG)
    duplicated = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    assert "two rows for the same step" in _error(duplicated, LONG)
    gap = _wide_frame()
    gap.loc[2, "t2"] = np.nan
    assert "Data row 3 has an empty cell before its last value" in _error(gap, WIDE)
    assert "no column named 'nope'" in _error(
        frame, SequenceColumns("long", ("nope",), "label", "id")
    )
    assert "cannot also be a value column" in _error(
        frame, SequenceColumns("long", ("x", "label"), "label", "id")
    )
    infinite = frame.astype({"x": float})
    infinite.loc[1, "x"] = np.inf
    assert "Column 'x' holds an infinite value (data row 2)" in _error(infinite, LONG)
    hole = frame.copy()
    hole.loc[2, "z"] = np.nan
    assert "A value is missing in data row 3" in _error(hole, LONG)


def test_suggest_gives_up_without_numbers_or_label():
    assert suggest_sequence_columns(pd.DataFrame({"a": ["x", "y"]})) is None
    words = pd.DataFrame({"text": ["a b", "c d", "e f", "g h"], "label": [0, 1, 0, 1]})
    assert suggest_sequence_columns(words) is None
