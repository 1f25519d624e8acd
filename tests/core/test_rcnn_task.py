"""The RCNN through the sentiment task: Build's spec and layers, a run trained, saved, reopened,
compared and exported (the script runs and reproduces the app's test accuracy)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout

import numpy as np
import pytest

from rnnviz.export.codegen import script_filename
from rnnviz.model.spec import ModelSpec, TrainSpec, describe_model, variant_label
from rnnviz.tasks.registry import get_task
from rnnviz.tasks.sentiment.rcnn import ConvSpec, expected_rcnn_params
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
from rnnviz.tasks.sentiment.text import prepare_text_data
from rnnviz.train.runs import RunStore, save_job
from tests.core.synthetic_text import synthetic
from tests.core.test_codegen import assert_lint_clean

pytestmark = pytest.mark.filterwarnings("ignore:Layer .conv_k:UserWarning")
TRAIN = TrainSpec(epochs=4, batch_size=16, seed=3, learning_rate=0.02, patience=4)
CONV = ConvSpec((1, 2, 3), 4, "both")


@pytest.fixture(scope="module")
def data() -> SentimentData:
    return SentimentData("synthetic", prepare_text_data(synthetic(120), 30, 6))


def rcnn_controls(**changes) -> ModelSpec:
    """What the Build controls give for an RCNN (two layers' units: the context keeps the first)."""
    spec = ModelSpec(units=(4, 9), embedding_dim=4, bidirectional=True, dropout=0.1)
    return spec.with_(**{"architecture": "rcnn", "options": CONV.options(), **changes})


def test_model_spec_and_build_follow_the_architecture(data: SentimentData) -> None:
    spec = SENTIMENT.model_spec(rcnn_controls(), data)
    assert (spec.architecture, spec.units, spec.vocab_size, spec.head) == (
        "rcnn",
        (4,),
        13,
        "binary",
    )
    model = SENTIMENT.build_model(spec, SENTIMENT.input_shape(data, spec))
    assert model.name == "rcnn" and model.count_params() == expected_rcnn_params(spec)
    plain = SENTIMENT.model_spec(ModelSpec(units=(4,), embedding_dim=4), data)
    assert SENTIMENT.build_model(plain, (6,)).get_layer("rnn_1")  # the plain stack as before
    assert SENTIMENT.fixed_depth("rcnn") == 1 and SENTIMENT.fixed_depth("recurrent") is None
    names = [c.name for c in SENTIMENT.architecture_controls("rcnn")]
    assert names == ["kernel_sizes", "filters", "pooling"]
    assert describe_model(spec).startswith("RCNN (kernel_sizes (1, 2, 3); filters 4; pooling both)")
    assert variant_label(spec) == "LSTM bi x1 RCNN"
    assert script_filename("Rotten Tomatoes", spec) == "rnnviz_rotten_tomatoes_lstm_rcnn.py"
    with pytest.raises(ValueError, match="padded length"):  # texts of 6 tokens
        SENTIMENT.model_spec(rcnn_controls(options=ConvSpec((9,), 4).options()), data)


def test_multiclass_texts_get_a_softmax_rcnn(data: SentimentData) -> None:
    three = synthetic(90)
    three = type(three)("three", three.texts, tuple(i % 3 for i in range(90)), ("a", "b", "c"))
    text = SentimentData("three", prepare_text_data(three, 30, 6))
    spec = SENTIMENT.model_spec(rcnn_controls(cell="GRU"), text)
    model = SENTIMENT.build_model(spec, (6,))
    assert model.output_shape == (None, 3) and spec.head == "multiclass"
    assert model.count_params() == expected_rcnn_params(spec)


@pytest.fixture(scope="module")
def trained(data: SentimentData, tmp_path_factory):
    store = RunStore(tmp_path_factory.mktemp("runs"))
    spec = SENTIMENT.model_spec(rcnn_controls(), data)
    job = SENTIMENT.make_job(data, spec, TRAIN)
    state = job.run.run()
    job.record = save_job(store, job)
    return store, job, state


def test_a_run_trains_with_live_context_gates(trained) -> None:
    _, job, state = trained
    assert state.status == "finished" and len(state.history["loss"]) >= 1
    assert {t.layer for t in state.latest_traces} == {"context"}  # gates of the context layer
    assert job.summary()[1]["test accuracy"] > 0.8  # one sentiment word decides the label


def test_a_saved_run_reopens_and_compares(trained) -> None:
    store, job, _ = trained
    record = job.record
    reopened = get_task(record.task).restore(
        record, store.load_model(record.run_id), SentimentData("synthetic", job.data)
    )
    assert reopened.run.spec.architecture == "rcnn"
    assert reopened.inference_model.get_layer("conv_k3") is not None
    np.testing.assert_allclose(reopened.test_proba(), job.test_proba(), atol=1e-6)
    figure = SENTIMENT.comparison_figures([record])["cmp_roc"]
    assert "RCNN" in " ".join(t.name or "" for t in figure.data)


def test_the_export_reproduces_the_apps_accuracy_and_trains(trained, tmp_path) -> None:
    store, job, _ = trained
    record = job.record
    data = SentimentData("synthetic", job.data)
    from rnnviz.tasks.sentiment.export import sentiment_script

    script = sentiment_script(data.name, data.text_data, record.model_spec, record.train_spec)
    assert "KERNEL_SIZES = [1, 2, 3]" in script and 'POOLING = "both"' in script
    path = tmp_path / "rcnn_export.py"
    path.write_text(script)
    assert_lint_clean(tmp_path)
    # The script's model with the app's weights scores the app's test accuracy.
    namespace = {"__name__": "exported"}
    exec(compile(script, str(path), "exec"), namespace)
    model = namespace["build_model"]()
    assert [w.shape for w in model.get_weights()] == [
        w.shape for w in job.inference_model.get_weights()
    ]
    model.set_weights(job.inference_model.get_weights())
    printed = io.StringIO()
    with redirect_stdout(printed):
        namespace["report_classifier"](model, namespace["text_splits"]())
    accuracy = float(re.search(r"Test accuracy: (\S+)", printed.getvalue()).group(1))
    assert accuracy == pytest.approx(record.metrics["test accuracy"], abs=1e-4)
    # Run as a script, it trains the same network from scratch.
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert f"Parameters: {job.inference_model.count_params()}" in result.stdout
    trained_again = float(re.search(r"^Test accuracy: (\S+)$", result.stdout, re.M).group(1))
    assert trained_again > 0.8
