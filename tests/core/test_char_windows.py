"""Generation windows in memory proportional to the text (issue 22 §3): strided views, batches
copied one at a time, the per-epoch work budgeted before training."""

from __future__ import annotations

import tracemalloc

import keras
import numpy as np
import pytest

from rnnviz.common.csvread import DataError
from rnnviz.tasks.generation.chars import (
    MAX_EPOCH_CHARS,
    CharCorpus,
    check_window_budget,
    make_sequences,
    prepare_char_data,
    window_count,
)
from rnnviz.tasks.generation.model import build_char_model, char_recipe_specs, fit_char_model
from rnnviz.tasks.generation.recipes import DEFAULT_CHAR_RECIPE
from rnnviz.train.training import ArrayBatches, fit_arguments

TEN_MB = 10_000_000


def eager_windows(ids: np.ndarray, seq_len: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows as they used to be built: one (n, seq_len) array each."""
    n = (len(ids) - 1 - seq_len) // stride + 1
    positions = (np.arange(n) * stride)[:, None] + np.arange(seq_len)
    return ids[positions], ids[positions + 1]


def random_text(n_chars: int, seed: int = 0) -> str:
    codes = np.random.default_rng(seed).integers(ord("a"), ord("a") + 26, n_chars, dtype=np.uint8)
    codes[::50] = ord("\n")
    return codes.tobytes().decode("ascii")


@pytest.mark.parametrize(("length", "seq_len", "stride"), [(50, 5, 1), (50, 5, 5), (51, 5, 7)])
def test_window_views_hold_the_same_ids_as_the_eager_arrays(length, seq_len, stride):
    ids = np.arange(length, dtype=np.int32) * 3
    x, y = make_sequences(ids, seq_len, stride)
    ex, ey = eager_windows(ids, seq_len, stride)
    np.testing.assert_array_equal(x, ex)
    np.testing.assert_array_equal(y, ey)
    assert len(x) == window_count(length, seq_len, stride)
    assert np.shares_memory(x, ids) and not x.flags.writeable


def test_ten_megabytes_at_length_200_stride_1_never_materialise_the_windows():
    text = random_text(TEN_MB)
    tracemalloc.start()
    try:
        chars = prepare_char_data(CharCorpus("big.txt", text), seq_len=200, stride=1)
        x, y = chars.train_windows
        batches = ArrayBatches(x, y, batch_size=64, shuffle=True, seed=1)
        bx, by = batches[len(batches) - 1]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = len(chars.train_ids) - 200
    assert x.shape == (n, 200) and len(batches) == -(-n // 64)
    assert n * 200 * 4 > 7e9  # what the eager windows would take
    assert peak < 20 * TEN_MB  # ids, code points, the epoch's order: bytes per character
    assert np.shares_memory(x, chars.train_ids) and np.shares_memory(y, chars.train_ids)
    np.testing.assert_array_equal(by[:, :-1], bx[:, 1:])  # targets: the next character
    assert bx.flags.c_contiguous and bx.dtype == np.int32


def test_the_budget_refuses_stride_1_on_ten_megabytes_and_names_a_stride_that_fits():
    chars = prepare_char_data(CharCorpus("big.txt", random_text(TEN_MB)), seq_len=200, stride=1)
    with pytest.raises(DataError) as err:
        check_window_budget(chars)
    message = str(err.value)
    assert "8,999,800 training sequences" in message and "1,799,960,000 characters" in message
    fitting = int(message.split("Raise the stride to ")[1].split()[0])
    n_ids = len(chars.train_ids)
    assert window_count(n_ids, 200, fitting) * 200 <= MAX_EPOCH_CHARS
    assert window_count(n_ids, 200, fitting - 1) * 200 > MAX_EPOCH_CHARS
    ok = prepare_char_data(CharCorpus("big.txt", random_text(TEN_MB)), 200, fitting)
    assert check_window_budget(ok) == window_count(n_ids, 200, fitting)


def test_only_overlapping_windows_are_fed_batch_by_batch():
    ids = np.arange(400, dtype=np.int32)
    overlapping = fit_arguments(*make_sequences(ids, 10, 2), 8, True, 0)
    assert isinstance(overlapping["x"], ArrayBatches) and "y" not in overlapping
    for stride in (10, 13):  # side by side, or with gaps: a copy is no bigger than the text
        apart = fit_arguments(*make_sequences(ids, 10, stride), 8, True, 0)
        assert isinstance(apart["x"], np.ndarray) and apart["batch_size"] == 8
    y = np.zeros((40, 3), np.float32)[:, :1]  # another task's strided (not overlapping) slice
    assert isinstance(fit_arguments(np.zeros((40, 5, 2)), y, 8, True, 0)["x"], np.ndarray)


def test_batches_cover_every_window_once_per_epoch_in_a_seeded_order():
    x, y = make_sequences(np.arange(103, dtype=np.int32), 4, 1)
    first = ArrayBatches(x, y, 16, shuffle=True, seed=5)
    again = ArrayBatches(x, y, 16, shuffle=True, seed=5)
    epoch = np.concatenate([first[i][0] for i in range(len(first))])
    np.testing.assert_array_equal(epoch, np.concatenate([again[i][0] for i in range(len(again))]))
    assert sorted(epoch[:, 0]) == list(range(len(x)))  # each window once
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], epoch[:16])  # reshuffled for the next epoch


def tiny_fit(data, shuffle_lazy: bool, eager: bool) -> float:
    """One epoch of a tiny seeded LSTM on ``data``; the final training loss."""
    recipe = DEFAULT_CHAR_RECIPE | {"units": 6, "embedding_dim": 4, "epochs": 1, "batch_size": 16}
    recipe["stateful"] = False  # the windows, not the default's streams
    spec, train = char_recipe_specs(recipe, len(data.vocab), seed=4)
    keras.utils.set_random_seed(4)
    model = build_char_model(spec, train, data.seq_len)
    if not eager:
        if shuffle_lazy:
            return fit_char_model(model, spec, train, data).history["loss"][-1]
        arguments = fit_arguments(*data.train_windows, 16, shuffle=False, seed=0)
        return model.fit(**arguments, epochs=1, verbose=0).history["loss"][-1]
    x, y = (np.ascontiguousarray(a) for a in data.train_windows)
    return model.fit(x, y, batch_size=16, epochs=1, shuffle=shuffle_lazy, verbose=0).history[
        "loss"
    ][-1]


def test_lazy_and_eager_windows_train_to_the_same_loss():
    text = "MACBETH:\nSo foul and fair a day I have not seen.\n[Enter ROSS]\n\n" * 30
    data = prepare_char_data(CharCorpus("macbeth", text), seq_len=12, stride=3)
    assert not data.x_train.flags.c_contiguous  # overlapping: the lazy path
    in_order = tiny_fit(data, shuffle_lazy=False, eager=False)
    assert in_order == pytest.approx(tiny_fit(data, shuffle_lazy=False, eager=True), rel=1e-5)
    shuffled = tiny_fit(data, shuffle_lazy=True, eager=False)
    assert shuffled == pytest.approx(tiny_fit(data, shuffle_lazy=True, eager=False), rel=1e-6)
    assert shuffled == pytest.approx(tiny_fit(data, shuffle_lazy=True, eager=True), rel=0.05)
