"""What Inspect reads is computed once per run at save time (in the worker) and stored with it;
runs saved before that still open, the parts computed on demand (issue 19)."""

from __future__ import annotations

import shutil
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast import evaluation
from rnnviz.tasks.forecast.evaluation import ForecastReport, evaluate_forecast, forecast_job
from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.tasks.generation import job as generation_job
from rnnviz.tasks.generation.job import SAMPLE_LENGTH, SAMPLE_SEED, SAMPLE_TEMPERATURES
from rnnviz.tasks.generation.model import next_chars_table, sample_text, top_k_next
from rnnviz.tasks.generation.task import GENERATION
from rnnviz.tasks.sentiment import analysis
from rnnviz.tasks.sentiment.analysis import (
    TFIDF_PREFIX,
    predict_proba,
    sentiment_job,
    tfidf_baseline,
)
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
from rnnviz.tasks.sentiment.text import prepare_text_data
from rnnviz.train.inspect_file import INSPECT_FILE, read_inspect, write_inspect
from rnnviz.train.runs import PREDICTIONS_FILE, RunStore, save_job
from tests.core.synthetic_text import synthetic
from tests.core.test_generation_task import tiny_data as tiny_generation_data
from tests.core.test_generation_task import tiny_spec as tiny_generation_spec

SPEC = ModelSpec(cell="GRU", units=(4,), embedding_dim=4)
TRAIN = TrainSpec(epochs=1, batch_size=32, seed=3)


@pytest.fixture(scope="module")
def saved_sentiment(tmp_path_factory):
    """A one-epoch sentiment run on synthetic texts, saved as the worker saves it."""
    data = SentimentData("synthetic", prepare_text_data(synthetic(), 50, 8, seed=0))
    job = sentiment_job(data.name, data.text_data, SENTIMENT.model_spec(SPEC, data), TRAIN)
    job.run.run()
    store = RunStore(tmp_path_factory.mktemp("runs"))
    record = save_job(store, job, data)
    return store, record, data, job


def reopened(store: RunStore, record, data: SentimentData):
    return SENTIMENT.restore(store.get(record.run_id), store.load_model(record.run_id), data)


def test_a_saved_sentiment_run_opens_without_predicting_or_fitting_the_baseline(
    saved_sentiment, monkeypatch
):
    store, record, data, trained = saved_sentiment
    text = data.text_data
    expected_rnn = predict_proba(trained.inference_model, text.x_test)
    expected_tfidf = tfidf_baseline(text.texts_train, text.y_train, text.texts_test, text.y_test)
    job = reopened(store, record, data)

    def refused(*_, **__):
        raise AssertionError("computed again although the run saved it")

    monkeypatch.setattr(analysis, "predict_proba", refused)
    monkeypatch.setattr(analysis, "tfidf_baseline", refused)
    np.testing.assert_allclose(job.test_proba(), expected_rnn, rtol=1e-6)
    np.testing.assert_allclose(job.tfidf_proba(), expected_tfidf["proba"], rtol=1e-9)
    assert job.tfidf_proba().shape == (len(text.y_test), 2)


def test_a_run_saved_before_the_baseline_was_stored_computes_it_on_demand(saved_sentiment):
    store, record, data, _ = saved_sentiment
    path = store.get(record.run_id).path / PREDICTIONS_FILE
    frame = pd.read_csv(path)
    old = frame[[c for c in frame.columns if not c.startswith(TFIDF_PREFIX)]]
    old.to_csv(path, index=False)  # what a run saved before this change holds
    try:
        job = reopened(store, record, data)
        text = data.text_data
        expected = tfidf_baseline(text.texts_train, text.y_train, text.texts_test, text.y_test)
        np.testing.assert_allclose(job.tfidf_proba(), expected["proba"], rtol=1e-9)
        assert job.tfidf_proba() is job.tfidf_proba()  # fitted once per job
    finally:
        frame.to_csv(path, index=False)


@pytest.fixture(scope="module")
def saved_forecast(tmp_path_factory):
    """A one-epoch airline run (GRU(4), 3-step horizon), saved as the worker saves it."""
    series = load_builtin("airline")
    window_spec = WindowSpec(window=12, horizon=3, test_size=12, val_size=12)
    spec = ModelSpec(cell="GRU", units=(4,), horizon=3)
    job = forecast_job(series, window_spec, spec, TrainSpec(epochs=1, batch_size=16, seed=3))
    job.run.run()
    store = RunStore(tmp_path_factory.mktemp("runs"))
    record = save_job(store, job, ForecastData(series, window_spec))
    return store, record, ForecastData(series, window_spec), job


def assert_same_report(got: ForecastReport, expected: ForecastReport) -> None:
    for f in fields(ForecastReport):
        value, wanted = getattr(got, f.name), getattr(expected, f.name)
        if isinstance(wanted, pd.DataFrame):
            pd.testing.assert_frame_equal(value, wanted, check_exact=False, rtol=1e-9)
        else:
            assert value == wanted, f.name


def test_a_saved_forecast_run_opens_with_its_report_not_evaluated_again(
    saved_forecast, monkeypatch
):
    store, record, data, trained = saved_forecast
    expected = evaluate_forecast(
        trained.inference_model, trained.data, trained.topology, trained.season, 3
    )
    assert (record.path / INSPECT_FILE).exists()
    job = FORECAST.restore(store.get(record.run_id), store.load_model(record.run_id), data)

    def refused(*_, **__):
        raise AssertionError("evaluated again although the run saved its report")

    monkeypatch.setattr(evaluation, "evaluate_forecast", refused)
    assert_same_report(job.report(), expected)
    assert job.report() is job.report()
    assert "RNN" in set(job.report().errors["model"])


def test_a_forecast_run_saved_without_its_report_evaluates_on_demand(saved_forecast, tmp_path):
    store, record, data, trained = saved_forecast
    expected = trained.report()
    copy = tmp_path / record.run_id
    shutil.copytree(record.path, copy)
    (copy / INSPECT_FILE).unlink()  # a run saved before this change
    old = RunStore(tmp_path)
    job = FORECAST.restore(old.get(record.run_id), old.load_model(record.run_id), data)
    assert job.saved_inspect_values() == {}
    assert_same_report(job.report(), expected)


def test_a_damaged_inspect_file_reads_as_empty(tmp_path):
    path = tmp_path / INSPECT_FILE
    write_inspect(path, {"table": pd.DataFrame({"a": [1.5, 2.5]}), "note": "n", "h": 3})
    values = read_inspect(path)
    assert values["note"] == "n" and values["h"] == 3
    pd.testing.assert_frame_equal(values["table"], pd.DataFrame({"a": [1.5, 2.5]}))
    path.write_bytes(b"not a zip")
    assert read_inspect(path) == {}
    assert read_inspect(tmp_path / "absent.zip") == {}


def test_a_saved_generation_run_shows_its_first_samples_and_next_characters_as_saved(
    tmp_path, monkeypatch
):
    data = tiny_generation_data()
    job = GENERATION.make_job(data, tiny_generation_spec(data), TrainSpec(epochs=1, seed=3))
    job.run.run()
    store = RunStore(tmp_path)
    record = save_job(store, job, data)
    first = (data.prompt, SAMPLE_LENGTH, SAMPLE_TEMPERATURES, SAMPLE_SEED)
    expected_samples = sample_text(job.inference_model, job.spec, data.chars.vocab, *first)
    expected_next = next_chars_table(
        top_k_next(job.inference_model, job.spec, data.chars.vocab, job.first_passage(), 5)
    )
    reopened = GENERATION.restore(store.get(record.run_id), store.load_model(record.run_id), data)

    def refused(*_, **__):
        raise AssertionError("computed again although the run saved it")

    monkeypatch.setattr(generation_job, "sample_text", refused)
    monkeypatch.setattr(generation_job, "top_k_next", refused)
    assert reopened.samples(*first) == expected_samples
    pd.testing.assert_frame_equal(reopened.next_table(reopened.first_passage()), expected_next)
    with pytest.raises(AssertionError, match="computed again"):  # other settings: computed now
        reopened.samples(data.prompt, SAMPLE_LENGTH, (1.0,), SAMPLE_SEED)
