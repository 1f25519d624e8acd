"""Default recipes derived from the data's size and shape (issue 18 §3), on crafted data."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from rnnviz.common.verdicts import MIN_VAL_WINDOWS
from rnnviz.tasks.forecast.recipes import (
    DEFAULT_MODEL,
    DEFAULT_TRAIN,
    LITTLE_MEMORY_PATIENCE,
    LONG_PATIENCE,
    LONG_SERIES_STEPS,
    PROFILE_LEARNING_RATE,
    SMALL_EPOCHS,
    SMALL_MODEL,
    data_recipe,
    lag_correlation,
    memory,
    profile_spread_ratio,
    season_correlation,
)
from rnnviz.tasks.forecast.series import Series
from rnnviz.tasks.forecast.windows import make_windows
from rnnviz.tasks.generation.ngram import NgramReport, why_ngram_wins
from rnnviz.tasks.generation.recipes import (
    CHARS_PER_RUN,
    CHUNKS_PER_STREAM,
    DEFAULT_CHAR_RECIPE,
    MAX_EPOCHS,
    MIN_EPOCHS,
    SMALL_CORPUS_DROPOUT,
    SMALL_CORPUS_OUTPUT_DROPOUT,
    char_recipe,
    corpus_recipe,
)
from rnnviz.tasks.sequences.data import SequenceDataset, read_in_chunks
from rnnviz.tasks.sequences.recipes import chunk_reason, reading_chunk
from rnnviz.tasks.sequences.task import SplitSettings, sequences_data


def seasonal_series(
    rows: int, season: int = 12, level: float = 100.0, trend: float = 0.5, amplitude: float = 10.0
) -> Series:
    """A noisy seasonal series with a trend (positive when ``level`` is high enough)."""
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    seasonal = amplitude * np.sin(2 * np.pi * t / season) if season else 0.0
    values = level + trend * t + seasonal + rng.normal(0, 1, rows)
    frame = pd.DataFrame({"y": values}, index=pd.RangeIndex(rows))
    return Series("crafted", frame, "y", season=season or None)


def test_a_small_positive_seasonal_series_gets_the_seasonal_residual_and_a_small_fixed_budget():
    series = seasonal_series(144)
    recipe = data_recipe(series)
    spec = recipe.window_spec
    assert (spec.transform, spec.season, spec.lag) == ("log_seasonal_diff", 12, 12)
    assert (spec.window, spec.horizon, spec.test_size, spec.val_size) == (24, 12, 24, 12)
    assert recipe.model == SMALL_MODEL and recipe.model.units == (16,)
    train = recipe.train
    assert (train.epochs, train.early_stopping, train.keep_weights) == (SMALL_EPOCHS, False, "last")
    assert "A firm season of 12 rows" in recipe.explanation
    assert "A small series (144 rows)" in recipe.explanation
    data = make_windows(series, spec)  # the recipe fits the series
    y = series.frame["y"].to_numpy()
    start = data.start_train[0]
    residual = np.log(y[start] / y[start - 12])  # the error of seasonal naive, in log units
    assert data.scaler.inverse_target(data.y_train[0, 0]) == pytest.approx(residual, rel=1e-5)


def test_a_seasonal_series_too_short_to_lose_a_season_is_read_as_it_is_and_fits():
    series = seasonal_series(36)  # three years of months: a season lost would leave too few
    recipe = data_recipe(series)
    assert recipe.window_spec.transform == "none" and recipe.window_spec.lag == 0
    assert "36 rows are too few to also give up a season" in recipe.explanation
    make_windows(series, recipe.window_spec)  # the default fits the series: no DataError


def test_a_firm_season_below_zero_learns_the_plain_seasonal_difference():
    series = seasonal_series(300, level=-100.0)  # a trend: no steady profile to learn from
    recipe = data_recipe(series)
    assert (recipe.window_spec.transform, recipe.window_spec.window) == ("seasonal_diff", 24)
    assert "learns the change from one season before" in recipe.explanation
    assert recipe.model == DEFAULT_MODEL and recipe.train == DEFAULT_TRAIN  # 300 rows: plain
    make_windows(series, recipe.window_spec)


def test_a_steady_season_under_noise_learns_the_deviation_from_its_profile():
    series = seasonal_series(300, level=0.0, trend=0.0)  # the same season every year, plus noise
    recipe = data_recipe(series)
    spec = recipe.window_spec
    assert (spec.transform, spec.season, spec.lag) == ("seasonal_profile", 12, 0)
    assert "% less about a smooth seasonal profile than their change from one season" in (
        recipe.explanation
    )
    assert spec.window == 12  # white noise forgets at once: 4 x 1 row, raised to 12
    assert "forgets within 1 (its autocorrelation falls below 0.1)" in recipe.explanation
    assert recipe.train.learning_rate == PROFILE_LEARNING_RATE < DEFAULT_TRAIN.learning_rate
    assert "A learning rate of 0.001: the deviation from the profile" in recipe.explanation
    data = make_windows(series, spec)  # the recipe fits; what is left to learn is the noise
    y = series.frame["y"].to_numpy()
    deviation = data.scaler.inverse_target(data.y_train[:, 0])  # (windows,) original units
    season = 10 * np.sin(2 * np.pi * data.start_train / 12)
    # the profile fit on about 250 noisy rows: near the true season, not on it
    assert np.abs(deviation - (y[data.start_train] - season)).mean() < 0.2
    assert deviation.std() == pytest.approx(1.0, abs=0.15)  # the noise's spread


def test_profile_spread_ratio_compares_the_profile_with_the_seasonal_difference():
    steady = seasonal_series(600, level=0.0, trend=0.0).frame["y"].to_numpy()
    # noise e about a fixed season: e has spread 1, e_t - e_(t-12) has sqrt(2)
    assert profile_spread_ratio(steady, 12) == pytest.approx(1 / np.sqrt(2), abs=0.06)
    trending = seasonal_series(600).frame["y"].to_numpy()  # a trend the profile cannot follow
    assert profile_spread_ratio(trending, 12) > 1


@pytest.mark.parametrize(("phi", "lags"), [(0.0, {1}), (0.5, {3, 4}), (0.8, {10, 11, 12})])
def test_memory_is_the_lag_where_the_autocorrelation_falls_below_a_tenth(phi, lags):
    rng = np.random.default_rng(1)
    noise = rng.normal(size=20_000)
    ar = np.zeros_like(noise)
    for t in range(1, len(noise)):  # AR(1): autocorrelation phi ** lag
        ar[t] = phi * ar[t - 1] + noise[t]
    assert memory(ar, 50) in lags
    assert memory(np.ones(30), 5) == 1  # no spread: nothing remembered


def random_walk(rows: int, season: int | None) -> Series:
    """A level that wanders (cumulated noise, around 50), tagged with a season it lacks."""
    steps = np.random.default_rng(0).normal(0, 1, rows)
    frame = pd.DataFrame({"y": 50 + np.cumsum(steps)}, index=pd.RangeIndex(rows))
    return Series("wandering", frame, "y", season=season)


def test_persistence_is_not_taken_for_a_season_and_a_wandering_level_learns_its_change():
    series = random_walk(240, season=4)  # a quarterly tag on a level that only wanders
    values = np.log(series.frame["y"].to_numpy()[: 240 - 24 - 12])
    assert season_correlation(values, 4) >= 0.7  # correlated one season before, yet...
    assert lag_correlation(values, 2) > season_correlation(values, 4)  # ...more so half one
    recipe = data_recipe(series)
    spec = recipe.window_spec
    assert (spec.transform, spec.lag, spec.season) == ("diff", 1, 0)
    assert "but rows half a season apart at" in recipe.explanation
    assert "persistence, not a season" in recipe.explanation
    assert "A wandering level (each row correlates at" in recipe.explanation
    data = make_windows(series, spec)
    y = series.frame["y"].to_numpy()
    start = data.start_train[0]
    change = data.scaler.inverse_target(data.y_train[0, 0])  # the naive forecast's error
    assert change == pytest.approx(y[start] - y[start - 1], rel=1e-5)
    no_season = data_recipe(random_walk(240, season=None))
    assert no_season.window_spec.transform == "diff"
    assert "persistence, not a season" not in no_season.explanation


def noise_about_a_level(rows: int) -> Series:
    frame = pd.DataFrame(
        {"y": 900 + np.random.default_rng(4).normal(0, 100, rows)}, index=pd.RangeIndex(rows)
    )
    return Series("nile-like", frame, "y")


def test_little_memory_widens_validation_and_keeps_the_best_weights():
    recipe = data_recipe(noise_about_a_level(100))  # small: a fixed budget otherwise
    spec, train = recipe.window_spec, recipe.train
    assert spec.transform == "none" and spec.horizon == 8
    assert spec.val_size == 12  # a season's worth: room enough for early stopping
    assert (train.early_stopping, train.keep_weights) == (True, "best")
    assert train.patience == LITTLE_MEMORY_PATIENCE and train.epochs == SMALL_EPOCHS
    assert recipe.model == SMALL_MODEL
    assert "Little memory (each training row correlates at" in recipe.explanation
    assert "Early stopping (patience 10, on 12 validation rows)" in recipe.explanation
    one_step = replace(spec, horizon=1)  # the default model's windows (evaluation.windows_for)
    data = make_windows(noise_about_a_level(100), one_step)
    assert len(data.x_val) >= MIN_VAL_WINDOWS  # as many windows as early stopping needs
    # too short to widen: the fixed budget stays
    short = data_recipe(noise_about_a_level(30))
    assert (short.train.early_stopping, short.train.keep_weights) == (False, "last")
    assert "Little memory" not in short.explanation


def test_early_stopping_gets_ten_validation_windows_where_the_series_has_room():
    series = random_walk(240, season=4)  # not small: early stopping on; a season of 4 rows
    recipe = data_recipe(series)
    assert recipe.train.early_stopping and recipe.window_spec.val_size == MIN_VAL_WINDOWS
    assert "A validation part of 10 rows, so that early stopping has 10 windows" in (
        recipe.explanation
    )
    data = make_windows(series, replace(recipe.window_spec, horizon=1))  # the one-step model's
    assert len(data.x_val) == MIN_VAL_WINDOWS  # one window per validation row
    small = data_recipe(seasonal_series(144))  # airline-like: a fixed budget, nothing widened
    assert small.window_spec.val_size == 12 and not small.train.early_stopping


def test_lag_correlation_is_pandas_autocorrelation():
    values = random_walk(100, None).frame["y"].to_numpy()
    assert lag_correlation(values, 3) == pytest.approx(pd.Series(values).autocorr(lag=3))
    assert lag_correlation(values[:7], 3) == 0.0  # too few rows


def test_a_loose_cycle_is_read_as_it_is_over_three_seasons():
    series = seasonal_series(300, level=0.0, trend=0.0, amplitude=1.0)  # noise as large
    recipe = data_recipe(series)
    assert recipe.window_spec.transform == "none" and recipe.window_spec.window == 36
    assert "A loose cycle of about 12 rows" in recipe.explanation
    assert "look-back of 36 rows" in recipe.explanation


def test_season_correlation_is_the_lag_correlation_of_the_values():
    values = seasonal_series(200).frame["y"].to_numpy()
    expected = pd.Series(values).autocorr(lag=12)  # pandas' own lag correlation
    assert season_correlation(values, 12) == pytest.approx(expected)
    assert season_correlation(values[:20], 12) == 0.0  # too few rows for two seasons
    assert season_correlation(np.ones(50), 12) == 0.0  # no spread


def test_a_long_series_gets_a_budget_of_steps_read():
    series = seasonal_series(2000, season=52, level=300.0, trend=0.05)
    recipe = data_recipe(series)
    spec = recipe.window_spec
    assert spec.transform == "log_seasonal_diff" and spec.window == 104
    train_windows = 2000 - 52 - 104 - spec.val_size - spec.test_size
    assert recipe.train.epochs == LONG_SERIES_STEPS // (train_windows * 104) < DEFAULT_TRAIN.epochs
    assert recipe.train.patience == LONG_PATIENCE and recipe.train.early_stopping
    assert f"A long series ({train_windows:,} training windows of 104 steps)" in (
        recipe.explanation
    )
    make_windows(series, spec)


def test_a_growing_series_without_season_learns_its_relative_change():
    recipe = data_recipe(seasonal_series(300, season=0, trend=2.0))  # last tenth 3x the first
    assert recipe.window_spec.transform == "log_diff" and recipe.window_spec.lag == 1
    assert "relative change from step to step" in recipe.explanation


# -- sequences ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("steps", "chunk"), [(28, 1), (150, 1), (200, 1), (201, 8), (427, 16), (1000, 32)]
)
def test_long_sequences_are_read_in_chunks_of_a_power_of_two(steps, chunk):
    assert reading_chunk(steps) == chunk
    assert -(-steps // chunk) <= 32 or chunk == 1


def test_the_chunk_reason_names_the_length_and_the_chunk():
    assert chunk_reason(150, 1) == ""
    assert chunk_reason(427, 16).startswith(
        "427 steps is long for a recurrent cell: it reads 16 steps at a time (27 steps of 16"
    )


def ragged_dataset() -> SequenceDataset:
    rng = np.random.default_rng(1)
    lengths = np.array([10, 7, 10, 3, 9, 10, 8, 10, 6, 10, 10, 5])
    x = rng.normal(size=(12, 10, 2)).astype(np.float32)
    x[np.arange(10)[None, :] >= lengths[:, None]] = 0  # post-padding
    return SequenceDataset("r", x, lengths, np.arange(12) % 2, ("a", "b"), ("u", "v"))


def test_reading_in_chunks_puts_consecutive_steps_side_by_side():
    dataset = ragged_dataset()
    chunked = read_in_chunks(dataset, 4)
    assert chunked.x.shape == (12, 3, 8)  # ceil(10 / 4) steps of 4 x 2 values
    assert chunked.lengths.tolist() == [3, 2, 3, 1, 3, 3, 2, 3, 2, 3, 3, 2]
    assert chunked.feature_names[:4] == ("u +0", "v +0", "u +1", "v +1")
    np.testing.assert_array_equal(chunked.x[0, 1], dataset.x[0, 4:8].ravel())  # steps 4-7
    np.testing.assert_array_equal(chunked.x[0, 2, 4:], 0)  # the last chunk's padding
    flat, chunked_flat = dataset.x.reshape(12, -1), chunked.x.reshape(12, -1)[:, :20]
    np.testing.assert_array_equal(flat, chunked_flat)  # the same values: same distances
    assert read_in_chunks(dataset, 1) is dataset


def test_sequence_data_reads_in_the_chunks_its_settings_say():
    data = sequences_data(ragged_dataset(), SplitSettings(chunk=4, test_fraction=0.25))
    assert data.prepared.input_shape == (3, 8) and data.feature_names[-1] == "v +3"
    assert data.source.x.shape == (12, 10, 2)  # kept as read, for the run's stored file
    assert SplitSettings().chunk == 1


# -- generation ----------------------------------------------------------------------------------
def test_why_the_ngram_wins_is_said_only_when_it_does():
    report = NgramReport({3: 2.8, 6: 2.359}, 6, "")
    why = why_ngram_wins(2.472, report, 90_000)
    assert why.startswith("The 6-gram wins (2.359 against 2.472 bits per character): on 90,000")
    assert "5-character contexts" in why
    assert why_ngram_wins(2.3, report, 90_000) == ""


def test_why_the_ngram_wins_fits_the_run():
    report = NgramReport({3: 2.8, 6: 2.359}, 6, "")
    short = why_ngram_wins(2.9, report, 90_000, [3.4, 3.1, 2.95, 2.9])  # still falling
    assert "trained for only 4 epochs on 90,000 training characters" in short
    assert "still improving at the last one" in short and "memorise" not in short
    turned = why_ngram_wins(2.4, report, 90_000, [3.0, 2.4, 2.5, 2.6])  # then rose: memorising
    assert "the network, best at epoch 2 of 4, has to learn" in turned and "memorise" in turned
    large = why_ngram_wins(2.4, report, 900_000, [3.0, 2.4, 2.5])
    assert "best at epoch 2 of 3, stopped improving" in large and "memorise" not in large


def test_a_small_corpus_gets_dropout_and_epochs_that_read_the_run_budget():
    found = corpus_recipe(91_674)  # Macbeth's training block
    recipe = found.recipe
    assert recipe == DEFAULT_CHAR_RECIPE  # the task's default is Macbeth's recipe
    assert recipe["stateful"] and recipe["batch_size"] == 64 and recipe["stride"] == 32
    assert recipe["dropout"] == SMALL_CORPUS_DROPOUT
    assert recipe["output_dropout"] == SMALL_CORPUS_OUTPUT_DROPOUT
    assert recipe["epochs"] == round(CHARS_PER_RUN / 91_674) == 100
    assert recipe["lr_schedule"] == "cosine"
    assert found.explanation == (
        "The text is read as 64 streams of 32 characters whose state carries on from chunk to "
        "chunk (each character once an epoch, with the text before it in its stream as "
        "context); 100 epochs read about 9.2 million characters in all, the learning rate "
        "falling along a cosine to 2% by the last one so that the last epochs settle (their "
        "weights are kept). 91,674 "
        "training characters is a small corpus: dropout 0.2 of the characters read and 0.3 of "
        "what the softmax reads keep the network from memorising it."
    )
    model, train = char_recipe(recipe)
    assert (model.dropout, model.output_dropout) == (0.2, 0.3)
    assert (train.lr_schedule, train.epochs, train.early_stopping) == ("cosine", 100, False)
    assert train.keep_weights == "last"
    assert char_recipe(recipe | {"lr_schedule": "constant"})[1].keep_weights == "best"


def test_a_large_corpus_reads_without_dropout_for_at_least_the_fewest_epochs():
    recipe = corpus_recipe(4_498_399).recipe  # all 38 plays
    assert (recipe["dropout"], recipe["output_dropout"]) == (0.0, 0.0)
    assert recipe["epochs"] == MIN_EPOCHS
    assert corpus_recipe(753_102).recipe["epochs"] == 12  # the tragedies
    assert "without dropout" in corpus_recipe(753_102).explanation


def test_a_short_text_gets_fewer_streams_and_the_most_epochs():
    recipe = corpus_recipe(1_800).recipe
    assert recipe["batch_size"] == 1_800 // (CHUNKS_PER_STREAM * 32) == 14
    assert recipe["epochs"] == MAX_EPOCHS
    assert corpus_recipe(40).recipe["batch_size"] == 1  # never zero streams
