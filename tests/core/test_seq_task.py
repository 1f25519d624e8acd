"""The sequence-classification task through the registry: job, summary, store, restore, export."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from keras import layers

from rnnviz.model.builder import build_model
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.registry import get_task
from rnnviz.tasks.sequences.classify import (
    SequenceJob,
    per_class_table,
    predict_proba,
    report_from_predictions,
)
from rnnviz.tasks.sequences.data import SequenceDataset, load_builtin_sequences
from rnnviz.tasks.sequences.task import SEQUENCES, SequencesData, SplitSettings, sequences_data
from rnnviz.train.runs import RunStore, save_job
from tests.core.test_codegen import load_script, strip_names

TINY = TrainSpec(epochs=2, batch_size=16, seed=3, learning_rate=0.02)
CLASSES = ("low", "mid", "high")


@lru_cache(maxsize=1)
def tiny_sequences() -> SequencesData:
    """60 ragged sequences (3-7 steps x 2 features) in 3 classes set by the level of feature 0."""
    rng = np.random.default_rng(0)
    n, steps = 60, 7
    y = np.arange(n) % 3
    lengths = rng.integers(3, steps + 1, size=n)
    x = rng.normal(0, 0.3, size=(n, steps, 2)).astype(np.float32)
    x[:, :, 0] += (y[:, None] - 1) * 2.0  # class level
    x[np.arange(steps)[None, :] >= lengths[:, None]] = 0.0  # post-padding, raw units
    dataset = SequenceDataset("tiny", x, lengths, y, CLASSES, ("a", "b"))
    return sequences_data(dataset, SplitSettings())


@lru_cache(maxsize=1)
def digits() -> SequencesData:
    return sequences_data(load_builtin_sequences("digits_rows"), SplitSettings(), "digits_rows")


def trained(data: SequencesData, **changes) -> SequenceJob:
    spec = SEQUENCES.model_spec(ModelSpec(units=(6,)).with_(**changes), data)
    job = SEQUENCES.make_job(data, spec, TINY)
    job.run.run()
    return job


def test_the_job_masks_padding_and_ends_in_a_softmax_over_the_classes():
    data = tiny_sequences()
    assert data.prepared.mask_value is not None  # ragged: padded and masked
    job = trained(data)
    model = job.run.model
    masking = model.get_layer("masking")
    assert isinstance(masking, layers.Masking) and masking.mask_value == data.prepared.mask_value
    assert tuple(model.input_shape[1:]) == (7, 2) == SEQUENCES.input_shape(data, job.run.spec)
    assert model.output_shape == (None, 3) and job.run.spec.head == "multiclass"
    assert set(job.run.snapshot().history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    notes = " ".join(n.text for n in SEQUENCES.build_notes(data, job.run.spec))
    assert "Masking layer" in notes and "3 classes" in notes
    bidirectional = SEQUENCES.model_spec(ModelSpec(bidirectional=True), data)
    assert "backward" in " ".join(n.text for n in SEQUENCES.build_notes(data, bidirectional))


def _nearest_neighbour_accuracy(data: SequencesData) -> float:
    """1-NN by hand: flattened scaled sequences, padding as 0, Euclidean distance."""
    p = data.prepared

    def flat(x, lengths):
        real = np.arange(x.shape[1])[None, :] < lengths[:, None]
        return np.where(real[..., None], x, 0.0).reshape(len(x), -1)

    fit = np.concatenate([flat(p.x_train, p.lengths_train), flat(p.x_val, p.lengths_val)])
    labels = np.concatenate([p.y_train, p.y_val])
    test = flat(p.x_test, p.lengths_test)
    distances = ((test[:, None, :] - fit[None, :, :]) ** 2).sum(-1)  # (test, fit)
    return float(np.mean(labels[distances.argmin(axis=1)] == p.y_test))


def test_summary_keeps_test_predictions_metrics_and_baselines():
    data = tiny_sequences()
    job = trained(data)
    config, metrics, frame = job.summary()
    p = data.prepared
    proba = job.run.model.predict(p.x_test, verbose=0)  # Keras itself
    assert metrics["test accuracy"] == pytest.approx(np.mean(proba.argmax(1) == p.y_test))
    assert metrics["1-NN accuracy"] == pytest.approx(_nearest_neighbour_accuracy(data))
    assert 0 <= metrics["logistic accuracy"] <= 1
    majority = np.bincount(p.y_test).max() / len(p.y_test)
    assert metrics["majority accuracy"] == pytest.approx(majority)
    assert len(frame) == len(p.x_test)
    np.testing.assert_array_equal(frame["row"], p.rows_test)
    np.testing.assert_allclose(frame[[f"p_{c}" for c in CLASSES]], proba, rtol=1e-5, atol=1e-6)
    assert config["classes"] == list(CLASSES) and config["dataset_key"] is None
    assert config["mask_value"] == p.mask_value

    reports = report_from_predictions(frame, CLASSES)
    assert list(reports) == [
        "RNN",
        "1-nearest neighbour (Euclidean)",
        "logistic regression (flattened)",
    ]
    assert reports["RNN"]["accuracy"] == pytest.approx(metrics["test accuracy"])
    assert reports["1-nearest neighbour (Euclidean)"]["accuracy"] == pytest.approx(
        metrics["1-NN accuracy"]
    )
    table = per_class_table(reports)
    for k, name in enumerate(CLASSES):  # recall by hand: right answers among the class
        assert table.loc[k, "class"] == name
        is_class = p.y_test == k
        recall = np.mean(proba.argmax(1)[is_class] == k)
        assert table.loc[k, "recall"] == pytest.approx(recall)
        assert table.loc[k, "support"] == is_class.sum()
    assert list(table.columns) == [
        "class",
        "precision",
        "recall",
        "support",
        "recall 1-NN",
        "recall logistic",
    ]


def test_a_saved_builtin_run_reopens_and_compares(tmp_path):
    store = RunStore(tmp_path)
    data = digits()
    jobs = [trained(data, cell=cell) for cell in ("GRU", "LSTM")]
    records = [save_job(store, job) for job in jobs]
    record = records[0]
    assert record.task == "sequences" and record.metrics["1-NN accuracy"] > 0.9
    reopened = get_task(record.task).restore(record, store.load_model(record.run_id))  # no data
    assert reopened.record is record and reopened.saved
    np.testing.assert_array_equal(reopened.data.prepared.x_test, data.prepared.x_test)
    np.testing.assert_array_equal(reopened.data.prepared.rows_val, data.prepared.rows_val)
    np.testing.assert_allclose(
        predict_proba(reopened.inference_model, data.prepared.x_test),
        predict_proba(jobs[0].inference_model, data.prepared.x_test),
        rtol=1e-5,
        atol=1e-6,
    )
    saved = reopened.predictions()  # read back from the store, as Inspect does
    assert (
        saved["predicted"].astype(str).tolist()
        == record.predictions()["predicted"].astype(str).tolist()
    )
    report = report_from_predictions(saved, data.class_names)
    assert report["RNN"]["accuracy"] == pytest.approx(record.metrics["test accuracy"])
    figure = SEQUENCES.comparison_figures(records)["cmp_accuracy"]
    assert list(figure.data[0].x) == [
        "GRU uni x1",
        "LSTM uni x1",
        "1-NN",
        "1-NN DTW",
        "logistic",
        "majority",
    ]
    assert figure.data[0].y[0] == pytest.approx(record.metrics["test accuracy"])


def test_an_uploaded_run_keeps_its_sequences_and_reopens_without_the_session(tmp_path):
    store = RunStore(tmp_path)
    job = trained(tiny_sequences())
    old = save_job(store, job)  # saved without its data (as runs were before they kept it)
    with pytest.raises(ValueError, match="uploaded and is not stored"):
        SEQUENCES.restore(old, store.load_model(old.run_id))
    record = save_job(store, job, tiny_sequences())
    reopened = SEQUENCES.restore(record, RunStore(tmp_path).load_model(record.run_id))
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(
            getattr(reopened.data.prepared, name), getattr(tiny_sequences().prepared, name)
        )
    namespace = load_script(SEQUENCES.export(record).script)
    assert namespace["DATASET"] == "tiny" and namespace["CLASSES"] == list(CLASSES)
    # On the session's data (what collecting a finished run passes) it reopens.
    on_data = SEQUENCES.restore(record, store.load_model(record.run_id), tiny_sequences())
    assert on_data.dataset_name == "tiny" and on_data.record is record
    incomplete = replace(record, data_config={"dataset_key": "digits_rows"})
    with pytest.raises(ValueError, match="incomplete"):
        SEQUENCES.restore(incomplete, store.load_model(record.run_id))


def test_export_rebuilds_the_same_masked_model_and_splits(tmp_path):
    data = sequences_data(
        load_builtin_sequences("JapaneseVowels"), SplitSettings(), "JapaneseVowels"
    )
    spec = SEQUENCES.model_spec(ModelSpec(cell="GRU", units=(4, 3), bidirectional=True), data)
    record = save_job(RunStore(tmp_path), SEQUENCES.make_job(data, spec, TINY))
    export = SEQUENCES.export(record)
    assert export.filename == "rnnviz_japanesevowels_gru_many_to_one.py"
    namespace = load_script(export.script)
    generated, reference = namespace["build_model"](), build_model(spec, data.prepared.input_shape)
    assert [layer.name for layer in generated.layers] == [layer.name for layer in reference.layers]
    assert "masking" in [layer.name for layer in generated.layers]
    for ours, theirs in zip(generated.layers, reference.layers, strict=True):
        assert strip_names(ours.get_config()) == strip_names(theirs.get_config()), ours.name
    splits = namespace["sequence_splits"]()
    for name in ("train", "val", "test"):
        x, y = splits[name]
        np.testing.assert_array_equal(x, getattr(data.prepared, f"x_{name}"))  # bit for bit
        np.testing.assert_array_equal(y, getattr(data.prepared, f"y_{name}"))
    assert max(len(line) for line in export.script.splitlines()) <= 100


def test_exported_digits_script_is_clean_and_trains(tmp_path):
    data = digits()
    spec = SEQUENCES.model_spec(ModelSpec(units=(8,)), data)
    record = save_job(RunStore(tmp_path / "runs"), SEQUENCES.make_job(data, spec, TINY))
    script = SEQUENCES.export(record).script
    assert "SEQUENCES = (" in script and "def tokenize" not in script
    path = tmp_path / "digits.py"
    path.write_text(script)
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if Path(ruff).exists():
        common = ["--isolated", "--no-cache", "--line-length", "100"]
        lint = [ruff, "check", *common, "--select", "E,F,W,I,B,UP", str(path)]
        assert subprocess.run(lint, capture_output=True, text=True).returncode == 0
        fmt = [ruff, "format", *common, "--check", str(path)]
        assert subprocess.run(fmt, capture_output=True, text=True).returncode == 0
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    command = [sys.executable, str(path)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    expected = build_model(spec, (8, 8)).count_params()
    assert f"Parameters: {expected}" in result.stdout
    loss = re.search(r"^LOSS first=(\S+) last=(\S+)$", result.stdout, re.M)
    assert float(loss.group(2)) < float(loss.group(1))
    accuracy = float(re.search(r"^Test accuracy: (\S+)$", result.stdout, re.M).group(1))
    assert accuracy > 0.2  # 2 epochs on digits: well above chance (0.1)


def test_settings_are_checked_and_saved_predictions_name_classes():
    with pytest.raises(ValueError, match="scaling"):
        SplitSettings(scaling="log")
    frame = pd.DataFrame(
        {"true": ["a", "b", "b"], "predicted": ["a", "a", "b"], "p_a": [0.9, 0.6, 0.2]}
    ).assign(p_b=lambda f: 1 - f["p_a"])
    report = report_from_predictions(frame, ("a", "b"))["RNN"]
    assert report["accuracy"] == pytest.approx(2 / 3)
    np.testing.assert_array_equal(report["confusion"], [[1, 0], [1, 1]])


def test_damaged_or_unreadable_saved_predictions_are_computed_again(tmp_path):
    job = trained(tiny_sequences())
    job.record = save_job(RunStore(tmp_path), job)
    expected = job.summary()[2]
    renamed = expected.assign(true=expected["true"].replace({"low": "NA"}))  # read back as NaN
    renamed.to_csv(job.record.predictions_path, index=False)
    pd.testing.assert_frame_equal(job.predictions(), expected)
    job.record.predictions_path.write_bytes(b"\xff\xfe\x00garbage")
    pd.testing.assert_frame_equal(job.predictions(), expected)
