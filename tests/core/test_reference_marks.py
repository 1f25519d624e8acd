"""Each task's reference marks for Train's live chart, in the chart's own units."""

import numpy as np
import pytest

from rnnviz.model.spec import ModelSpec
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.forecast.windows import TRANSFORMS, WindowSpec, make_windows


@pytest.mark.parametrize("transform", TRANSFORMS)
def test_to_scaled_inverts_to_original(transform):
    seasonal = "seasonal" in transform  # a horizon past the season: rebuilt from its own steps
    spec = WindowSpec(
        window=12,
        horizon=14 if seasonal else 3,
        val_size=14 if seasonal else 12,
        test_size=28 if seasonal else 24,
        transform=transform,
        season=12 if seasonal else 0,
    )
    windows = make_windows(load_builtin("airline"), spec)
    start = windows.start_val
    levels = windows.to_original(windows.y_val, start)
    np.testing.assert_allclose(windows.to_scaled(levels, start), windows.y_val, atol=1e-5)


def test_forecast_mark_is_the_seasonal_naive_validation_mae_in_scaled_units():
    data = ForecastData(load_builtin("airline"), WindowSpec(window=12, horizon=1))
    (mark,) = FORECAST.reference_marks(data, ModelSpec(topology="many_to_one"))
    windows = make_windows(data.series, data.window_spec)
    s, y = windows.start_val, windows.target
    by_hand = np.abs(y[s] - y[s - 12]) / windows.scaler.std[0]  # no transform: scaling only
    assert mark.label == "Seasonal naive (season 12)" and mark.metric == "mae"
    assert mark.value == pytest.approx(by_hand.mean())
    assert mark.low < mark.value < mark.high and not mark.published
    assert FORECAST.reference_marks(data, ModelSpec(topology="many_to_many")) == []


def test_sequences_mark_is_the_inspect_pages_1nn_and_ucr_sets_add_the_archive_figure():
    from rnnviz.tasks.sequences.classify import nearest_neighbour_baseline
    from rnnviz.tasks.sequences.data import load_builtin_sequences
    from rnnviz.tasks.sequences.task import SEQUENCES, SplitSettings, sequences_data

    data = sequences_data(
        load_builtin_sequences("ItalyPowerDemand"), SplitSettings(), "ItalyPowerDemand"
    )
    computed, published = SEQUENCES.reference_marks(data, ModelSpec())
    assert computed.value == pytest.approx(nearest_neighbour_baseline(data.prepared)["accuracy"])
    # the archive's split and 1-NN: our own figure matches the published one closely
    assert published.published and "UCR" in published.source
    assert computed.value == pytest.approx(published.value, abs=0.01)


def test_sentiment_mark_is_the_tfidf_accuracy_and_rotten_tomatoes_adds_the_cnn():
    from rnnviz.tasks.sentiment.analysis import tfidf_baseline
    from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
    from rnnviz.tasks.sentiment.text import prepare_text_data
    from tests.core.synthetic_text import synthetic

    text = prepare_text_data(synthetic(), vocab_size=50, max_len=8, seed=0)
    (mark,) = SENTIMENT.reference_marks(SentimentData("synthetic", text), ModelSpec())
    expected = tfidf_baseline(text.texts_train, text.y_train, text.texts_test, text.y_test)
    assert mark.value == pytest.approx(expected["accuracy"]) and mark.metric == "accuracy"
    marks = SENTIMENT.reference_marks(SentimentData("Rotten Tomatoes", text), ModelSpec())
    assert [m.published for m in marks] == [False, True] and "Kim (2014)" in marks[1].source


def test_generation_mark_is_the_best_ngram_bpc():
    from rnnviz.tasks.generation.ngram import ngram_baseline
    from rnnviz.tasks.generation.task import GENERATION
    from tests.core.test_generation_task import tiny_data

    data = tiny_data()
    (mark,) = GENERATION.reference_marks(data, ModelSpec())
    best = ngram_baseline(data.chars, length=1)
    assert mark.metric == "bpc" and mark.value == pytest.approx(best.best_bpc)
    assert mark.low == mark.high == mark.value
