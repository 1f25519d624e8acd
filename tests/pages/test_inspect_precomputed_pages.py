"""Inspect shows the same numbers whether they were saved with the run (computed in the worker at
save time) or computed on demand for a run saved before that (issue 19)."""

from __future__ import annotations

import pandas as pd
import pytest

from rnnviz.common.metrics import evaluate_classifier
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.sentiment.analysis import (
    TFIDF_PREFIX,
    predict_proba,
    sentiment_job,
    tfidf_baseline,
)
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
from rnnviz.tasks.sentiment.text import load_rotten_tomatoes, prepare_text_data
from rnnviz.train.runs import PREDICTIONS_FILE, RunStore, save_job
from tests.pages.helpers import new_app, open_page

SPEC = ModelSpec(cell="GRU", units=(4,), embedding_dim=4)


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A one-epoch Rotten Tomatoes run saved as the worker saves it, and the figures Inspect
    must show for it, computed independently (Keras predict, scikit-learn)."""
    root = tmp_path_factory.mktemp("runs")
    data = SentimentData("Rotten Tomatoes", prepare_text_data(load_rotten_tomatoes(), 50, 8))
    job = sentiment_job(
        data.name, data.text_data, SENTIMENT.model_spec(SPEC, data), TrainSpec(epochs=1, seed=2)
    )
    job.run.run()
    record = save_job(RunStore(root), job, data)
    text, names = data.text_data, data.text_data.class_names
    rnn = evaluate_classifier(text.y_test, predict_proba(job.run.model, text.x_test), names)
    tfidf = tfidf_baseline(text.texts_train, text.y_train, text.texts_test, text.y_test)
    return root, record, f"{rnn['accuracy']:.3f}", f"{tfidf['accuracy']:.3f}"


def inspect_metrics(root, monkeypatch) -> dict[str, str]:
    """Open the store's run from the Runs page in a fresh session; the Inspect page's metrics."""
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(root))
    at = new_app(task="sentiment")
    at.run()
    at = open_page("pages/common/runs.py", at)
    at.button(key="run_open").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Inspect: sentiment"
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("saved_before_the_change", [False, True])
def test_inspect_shows_the_same_accuracies_saved_or_computed(
    saved_run, monkeypatch, saved_before_the_change
):
    root, record, rnn_accuracy, tfidf_accuracy = saved_run
    path = record.path / PREDICTIONS_FILE
    frame = pd.read_csv(path)
    if saved_before_the_change:
        frame[[c for c in frame.columns if not c.startswith(TFIDF_PREFIX)]].to_csv(
            path, index=False
        )
    try:
        metrics = inspect_metrics(root, monkeypatch)
    finally:
        frame.to_csv(path, index=False)
    assert metrics["RNN test accuracy"] == rnn_accuracy
    assert metrics["TF-IDF + logistic regression"] == tfidf_accuracy
