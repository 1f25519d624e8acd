"""Runs keep their data: stored once per content, hash-checked, capped, collected with the last
run, restored exactly for every task, the same bytes giving the same data, and exported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.tasks.forecast.series import load_builtin, parse_series_csv, series_from_csv
from rnnviz.tasks.forecast.task import FORECAST, ForecastData, series_file, series_from_file
from rnnviz.tasks.forecast.windows import WindowSpec
from rnnviz.tasks.generation.chars import parse_text_upload, prepare_char_data
from rnnviz.tasks.generation.task import GENERATION, GenerationData
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData, texts_file, texts_from_file
from rnnviz.tasks.sentiment.text import parse_text_csv, prepare_text_data, text_dataset_from_frame
from rnnviz.tasks.sequences.data import SequenceColumns, sequences_from_frame
from rnnviz.tasks.sequences.task import SEQUENCES, SplitSettings, sequences_data, sequences_file
from rnnviz.train.datastore import DATA_DIR, DATA_KEY, DataStoreError, data_download
from rnnviz.train.runs import RunStore, save_job
from tests.core.synthetic_text import synthetic
from tests.core.test_codegen import assert_lint_clean

UPLOADS = Path(__file__).parents[1] / "fixtures" / "uploads"
WINDOWS = WindowSpec(window=6, horizon=1, test_size=12, val_size=12)
TINY = TrainSpec(epochs=2, batch_size=16, seed=3, learning_rate=0.02)


def airline_csv() -> bytes:
    """The airline series written as a user's CSV (a date column and the passengers)."""
    return load_builtin("airline").frame.to_csv().encode()


def uploaded_series(raw: bytes, name: str):
    parsed = parse_series_csv(raw, name)
    return series_from_csv(parsed, parsed.numeric_columns[0], [], 12, name=name)


def forecast_data(name: str = "passengers.csv") -> ForecastData:
    return ForecastData(uploaded_series(airline_csv(), name), WINDOWS)


def trained_forecast(data: ForecastData):
    spec = FORECAST.model_spec(ModelSpec(units=(4,)), data)
    job = FORECAST.make_job(data, spec, TINY)
    job.run.run()
    return job


@pytest.fixture(scope="module")
def forecast_job():
    return trained_forecast(forecast_data())


def assert_series_equal(ours, theirs) -> None:
    pd.testing.assert_frame_equal(ours.frame, theirs.frame, check_freq=True)
    assert (ours.name, ours.target, ours.inputs, ours.season, ours.notes) == (
        theirs.name,
        theirs.target,
        theirs.inputs,
        theirs.season,
        theirs.notes,
    )


# -- the store -----------------------------------------------------------------------------------


def test_two_runs_on_the_same_data_store_it_once_and_the_last_delete_removes_it(
    tmp_path, forecast_job
):
    store = RunStore(tmp_path)
    first = save_job(store, forecast_job, forecast_data())
    second = save_job(store, forecast_job, forecast_data("renamed.csv"))  # same bytes, new name
    ref_a, ref_b = first.data_config[DATA_KEY], second.data_config[DATA_KEY]
    assert ref_a["sha"] == ref_b["sha"] and re.fullmatch(r"[0-9a-f]{64}", ref_a["sha"])
    assert (ref_a["filename"], ref_b["filename"]) == ("passengers.csv", "renamed.csv")
    files = list((tmp_path / DATA_DIR).iterdir())
    assert [f.name for f in files] == [f"{ref_a['sha']}.csv"]
    assert {r.run_id for r in store.list()} == {first.run_id, second.run_id}  # data/ is no run
    assert store.problems() == []
    assert store.runs_with_data(ref_a["sha"]) == sorted([first.run_id, second.run_id])[::-1]
    store.delete(first.run_id)
    assert files[0].exists()  # the second run still needs it
    store.delete(second.run_id)
    assert not files[0].exists()


def test_a_damaged_or_missing_data_file_is_a_clear_message(tmp_path, forecast_job):
    store = RunStore(tmp_path)
    record = save_job(store, forecast_job, forecast_data())
    model = store.load_model(record.run_id)
    [path] = (tmp_path / DATA_DIR).iterdir()
    path.write_bytes(path.read_bytes().replace(b"112.0", b"113.0"))
    with pytest.raises(DataStoreError, match=r"passengers.csv\) is damaged: .* no longer matches"):
        FORECAST.restore(record, model)
    path.unlink()
    with pytest.raises(DataStoreError, match=r"passengers.csv\) is missing"):
        FORECAST.restore(record, model)
    with pytest.raises(DataStoreError, match="missing"):
        FORECAST.export(record)


def test_above_the_cap_the_run_is_saved_without_its_data_and_says_why(
    tmp_path, forecast_job, monkeypatch
):
    monkeypatch.setenv("RNNVIZ_DATA_CAP_MB", "0.001")  # 1 kB: the 144-row CSV is larger
    store = RunStore(tmp_path)
    record = save_job(store, forecast_job, forecast_data())
    ref = store.get(record.run_id).data_config[DATA_KEY]
    assert ref["kept"] is False and "cap of 0.001 MB" in ref["reason"]
    assert "RNNVIZ_DATA_CAP_MB" in ref["reason"]
    assert not (tmp_path / DATA_DIR).exists() or not any((tmp_path / DATA_DIR).iterdir())
    with pytest.raises(DataStoreError, match=r"\(passengers.csv\) was not kept: its .* MB would"):
        FORECAST.restore(record, store.load_model(record.run_id))
    assert data_download(record) is None


# -- every task: the same data back --------------------------------------------------------------


def test_a_forecast_run_reopens_from_its_kept_series_after_a_restart(tmp_path, forecast_job):
    data = forecast_data()
    record = save_job(RunStore(tmp_path), forecast_job, data)
    fresh = RunStore(tmp_path)  # a new server process
    [listed] = fresh.list()
    job = FORECAST.restore(listed, fresh.load_model(listed.run_id))
    np.testing.assert_array_equal(job.data.x_test, forecast_job.data.x_test)
    assert job.summary()[1]["test RMSE"] == pytest.approx(record.metrics["test RMSE"], rel=1e-5)
    name, content = data_download(listed)
    assert name == "passengers.csv" and content.startswith(b"time,passengers\n1949-01-01,112.0")


@pytest.mark.parametrize("fixture", ["good.csv", "no_dates.csv", "reversed.csv", "tabs.tsv.csv"])
def test_a_series_file_reads_back_as_the_same_series(fixture):
    raw = (UPLOADS / "series" / fixture).read_bytes()
    series = uploaded_series(raw, fixture)
    stored = series_file(series)
    assert_series_equal(series_from_file(stored.content, stored.config, fixture), series)


def test_the_same_bytes_give_the_same_data_whatever_the_name_for_every_task():
    raw = airline_csv()
    a, b = (series_file(uploaded_series(raw, name)) for name in ("a.csv", "b.csv"))
    assert a.content == b.content and a.sha == b.sha

    text_raw = (UPLOADS / "text" / "good.csv").read_bytes()
    texts = [
        texts_file(prepare_text_data(text_dataset(text_raw, name), 50, 12))
        for name in ("a.csv", "b.csv")
    ]
    assert texts[0].sha == texts[1].sha

    seq_raw = long_sequences_csv()
    seqs = [sequences_file(uploaded_sequences(seq_raw, name)) for name in ("a.csv", "b.csv")]
    assert seqs[0].sha == seqs[1].sha

    corpus_raw = b"To be, or not to be:\r\nthat is the question.\r\n" * 60
    files = [GENERATION.data_file(char_data(corpus_raw, name)) for name in ("a.txt", "b.txt")]
    assert files[0].sha == files[1].sha and files[0].content == corpus_raw.replace(b"\r", b"")


def text_dataset(raw: bytes, name: str):
    frame = parse_text_csv(raw, name)
    return text_dataset_from_frame(frame, frame.columns[0], frame.columns[1], name=name)


def test_labelled_texts_read_back_as_the_same_encoded_splits():
    text = prepare_text_data(synthetic(90), 20, 7)
    stored = texts_file(text)
    back = texts_from_file(stored.content, stored.config, "synthetic")
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(back, name), getattr(text, name))
    assert back.vocab == text.vocab and back.class_names == text.class_names
    assert (back.texts_train, back.texts_val, back.texts_test) == (
        text.texts_train,
        text.texts_val,
        text.texts_test,
    )
    assert SENTIMENT.data_file(SentimentData("Rotten Tomatoes", text)) is None  # built in


def long_sequences_csv() -> bytes:
    """Ragged labelled sequences in long format (id, step, two features, label)."""
    rng = np.random.default_rng(1)
    rows = []
    for seq in range(30):
        label = ("up", "down", "flat")[seq % 3]
        for step in range(3 + seq % 4):
            rows.append((f"s{seq}", step, round(rng.normal(), 6), round(rng.normal(), 6), label))
    frame = pd.DataFrame(rows, columns=["id", "t", "x", "y", "label"])
    return frame.to_csv(index=False).encode()


def uploaded_sequences(raw: bytes, name: str):
    from rnnviz.common.csvread import read_csv_table

    frame = read_csv_table(raw, name, dtype=str).frame
    return sequences_from_frame(
        frame, SequenceColumns("long", ("x", "y"), "label", "id", "t"), name
    )


def test_labelled_sequences_read_back_as_the_same_splits(tmp_path):
    dataset = uploaded_sequences(long_sequences_csv(), "moves.csv")
    data = sequences_data(dataset, SplitSettings())
    spec = SEQUENCES.model_spec(ModelSpec(units=(4,)), data)
    job = SEQUENCES.make_job(data, spec, TINY)
    job.run.run()
    record = save_job(RunStore(tmp_path), job, data)
    back = SEQUENCES.restore(record, RunStore(tmp_path).load_model(record.run_id)).data
    for name in ("x", "lengths", "y"):
        np.testing.assert_array_equal(getattr(back.source, name), getattr(dataset, name))
    assert back.source.class_names == dataset.class_names
    assert back.source.feature_names == dataset.feature_names
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(back.prepared, name), getattr(data.prepared, name))


def char_data(raw: bytes, name: str) -> GenerationData:
    chars = prepare_char_data(parse_text_upload(raw, name), 20, 10, 0.2)
    return GenerationData(chars, None, 0.2, "To", 0.5, 30)


def test_an_uploaded_text_reads_back_as_the_same_sequences(tmp_path):
    data = char_data(b"To be, or not to be: that is the question.\n" * 60, "h.txt")
    spec = GENERATION.model_spec(ModelSpec(units=(4,), embedding_dim=4), data)
    job = GENERATION.make_job(data, spec, TrainSpec(epochs=1, batch_size=16, seed=3))
    job.run.run()
    record = save_job(RunStore(tmp_path), job, data)
    back = GENERATION.restore(record, RunStore(tmp_path).load_model(record.run_id)).data
    np.testing.assert_array_equal(back.chars.x_train, data.chars.x_train)
    np.testing.assert_array_equal(back.chars.y_val, data.chars.y_val)
    assert back.chars.vocab == data.chars.vocab
    assert (back.prompt, back.temperature, back.sample_length) == ("To", 0.5, 30)


# -- the export ----------------------------------------------------------------------------------


def test_the_export_of_an_uploaded_series_reads_the_kept_csv_and_scores_as_the_app(
    tmp_path, forecast_job
):
    record = save_job(RunStore(tmp_path / "runs"), forecast_job, forecast_data())
    export = FORECAST.export(record)
    name, content = data_download(record)
    assert f'DATA_FILE = "{name}"' in export.script and "read_data_file()" in export.script
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / export.filename).write_text(export.script)
    (folder / name).write_bytes(content)
    rmse = exported_test_rmse(folder / export.filename)
    assert rmse == pytest.approx(record.metrics["test RMSE"], rel=0.02)


def test_exports_that_read_a_kept_file_are_lint_clean(tmp_path, forecast_job):
    store = RunStore(tmp_path / "runs")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    forecast = FORECAST.export(save_job(store, forecast_job, forecast_data()))
    (scripts / forecast.filename).write_text(forecast.script)
    data = char_data(b"To be, or not to be: that is the question.\n" * 60, "h.txt")
    spec = GENERATION.model_spec(ModelSpec(units=(4,), embedding_dim=4), data)
    job = GENERATION.make_job(data, spec, TrainSpec(epochs=1, batch_size=16, seed=3))
    job.run.run()
    generation = GENERATION.export(save_job(store, job, data))
    assert 'DATA_FILE = "h.txt"' in generation.script
    (scripts / generation.filename).write_text(generation.script)
    assert_lint_clean(scripts)


def exported_test_rmse(script: Path) -> float:
    """Run an exported forecast script where it lies (far from rnnviz); its test RMSE."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, script.name],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return float(re.search(r"^Test RMSE \(original units\): (\S+)$", result.stdout, re.M)[1])


def test_a_sentiment_run_on_uploaded_texts_reopens_and_exports_them(tmp_path):
    data = SentimentData("reviews.csv", prepare_text_data(synthetic(90), 20, 7))
    spec = SENTIMENT.model_spec(ModelSpec(units=(4,), embedding_dim=4), data)
    job = SENTIMENT.make_job(data, spec, TINY)
    job.run.run()
    record = save_job(RunStore(tmp_path), job, data)
    back = SENTIMENT.restore(record, RunStore(tmp_path).load_model(record.run_id))
    assert back.dataset_name == "reviews.csv"
    assert back.summary()[1]["test accuracy"] == pytest.approx(record.metrics["test accuracy"])
    namespace = {"__name__": "exported"}
    exec(compile(SENTIMENT.export(record).script, "exported.py", "exec"), namespace)
    np.testing.assert_array_equal(namespace["text_splits"]()["test"][0], data.text_data.x_test)


def test_a_run_saved_on_another_machine_brings_its_data(tmp_path, forecast_job):
    from types import SimpleNamespace

    from rnnviz.service.worker import _saved_files

    files = _saved_files(forecast_job, SimpleNamespace(data=forecast_data(), owner="local"))
    assert [name for name in files if name.startswith(f"{DATA_DIR}/")] == [
        f"{DATA_DIR}/{series_file(forecast_data().series).sha}.csv"
    ]
    store = RunStore(tmp_path)
    record = store.adopt(files)
    job = FORECAST.restore(record, store.load_model(record.run_id))
    np.testing.assert_array_equal(job.data.x_test, forecast_job.data.x_test)
    damaged = {**files, next(n for n in files if n.startswith(DATA_DIR)): b"other bytes"}
    with pytest.raises(ValueError, match="does not match"):
        store.adopt(damaged)
