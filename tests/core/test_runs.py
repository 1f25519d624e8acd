"""RunStore: atomic saves, a list that survives damage, deletes, tables, diffs, uploaded models."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from rnnviz import runs
from rnnviz.builder import build_model, compile_model
from rnnviz.runs import (
    TABLE_COLUMNS,
    ModelFileError,
    RunRecord,
    RunStore,
    config_diff,
    load_uploaded_model,
)
from rnnviz.spec import ModelSpec, TrainSpec

SPEC = ModelSpec(cell="GRU", units=(4, 4), bidirectional=True)
TRAIN = TrainSpec(epochs=1, batch_size=8, learning_rate=0.01)
DATA_CONFIG = {"window": 6, "horizon": 1, "test_size": 12, "val_size": 6, "transform": "none"}
HISTORY = {"loss": [0.9, 0.5], "val_loss": [1.1, 0.7], "mae": [0.8, 0.6]}
METRICS = {"test RMSE": 12.5, "test MAE": 9.0, "test MAPE %": 4.2}


@pytest.fixture(scope="module")
def model() -> keras.Model:
    keras.utils.set_random_seed(1)
    model = compile_model(build_model(SPEC, (6, 1)), SPEC, TRAIN)
    x = np.random.default_rng(0).normal(size=(16, 6, 1)).astype("float32")
    model.fit(x, x[:, -1, :], epochs=1, batch_size=8, verbose=0)
    return model


def save(store: RunStore, model: keras.Model, **changes) -> RunRecord:
    options = dict(
        task="forecast",
        dataset="airline",
        model=model,
        model_spec=SPEC,
        train_spec=TRAIN,
        data_config=DATA_CONFIG,
        history=HISTORY,
        metrics=METRICS,
        status="finished",
        message="Finished 2 epochs.",
    )
    options.update(changes)
    return store.save(**options)


def visible_entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_save_list_get_round_trip(tmp_path, model):
    store = RunStore(tmp_path)
    predictions = pd.DataFrame({"time": [1, 2], "actual": [1.0, 2.0], "predicted": [1.1, 1.9]})
    saved = save(store, model, predictions=predictions)

    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", saved.run_id)
    assert saved.path == tmp_path / saved.run_id
    [listed] = store.list()
    loaded = store.get(saved.run_id)
    assert listed == loaded == saved
    assert loaded.model_spec == SPEC and loaded.train_spec == TRAIN
    assert loaded.history == HISTORY and loaded.metrics == METRICS
    assert loaded.data_config == DATA_CONFIG and loaded.dataset == "airline"
    assert loaded.status == "finished" and loaded.seed == TRAIN.seed
    assert {"python", "keras", "tensorflow", "numpy"} <= set(loaded.versions)
    assert loaded.label == "GRU x2 bi, many-to-one" and loaded.cell == "GRU"
    assert loaded.epochs_run == 2 and loaded.best_val_loss == pytest.approx(0.7)
    pd.testing.assert_frame_equal(loaded.predictions(), predictions)

    raw = json.loads((saved.path / "run.json").read_text())
    assert raw["id"] == saved.run_id and raw["seed"] == TRAIN.seed and raw["task"] == "forecast"

    x = np.random.default_rng(1).normal(size=(3, 6, 1)).astype("float32")
    reloaded = store.load_model(saved.run_id)
    np.testing.assert_allclose(
        reloaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


def test_list_is_newest_first_and_table_has_one_row_per_run(tmp_path, model):
    store = RunStore(tmp_path)
    first = save(store, model)
    second = save(
        store,
        model,
        task="sentiment",
        dataset="imdb",
        metrics={"test accuracy": 0.8, "test AUC": 0.9},
        history={"loss": [0.7], "val_loss": [float("nan")]},
    )
    assert [r.run_id for r in store.list()] == [second.run_id, first.run_id]

    table = store.table()
    assert list(table.columns) == [
        *TABLE_COLUMNS,
        "test RMSE",
        "test MAE",
        "test MAPE %",
        "test accuracy",
        "test AUC",
        "status",
    ]
    assert list(table["id"]) == [second.run_id, first.run_id]
    newest, oldest = table.iloc[0], table.iloc[1]
    assert (oldest["cell"], oldest["direction"], oldest["depth"]) == ("GRU", "bidirectional", 2)
    assert (oldest["units"], oldest["topology"], oldest["epochs run"]) == ("4-4", "many_to_one", 2)
    assert oldest["best val loss"] == pytest.approx(0.7) and oldest["test RMSE"] == 12.5
    assert np.isnan(newest["test RMSE"]) and newest["test accuracy"] == 0.8
    assert np.isnan(newest["best val loss"])  # no finite validation loss
    assert RunStore(tmp_path / "empty").table().columns.tolist() == [*TABLE_COLUMNS, "status"]


def test_list_skips_partial_and_damaged_runs(tmp_path, model):
    store = RunStore(tmp_path)
    good = save(store, model)
    shutil.copytree(good.path, tmp_path / ".tmp-0123abcd")  # a save that crashed before rename
    truncated = shutil.copytree(good.path, tmp_path / "20200101-000000-aaaa")
    text = (truncated / "run.json").read_text()
    (truncated / "run.json").write_text(text[: len(text) // 2])
    not_a_record = shutil.copytree(good.path, tmp_path / "20200101-000000-bbbb")
    (not_a_record / "run.json").write_text("[1, 2, 3]")
    bad_spec = shutil.copytree(good.path, tmp_path / "20200101-000000-cccc")
    data = json.loads((bad_spec / "run.json").read_text())
    data["model_spec"]["cell"] = "Transformer"
    (bad_spec / "run.json").write_text(json.dumps(data))
    no_model = shutil.copytree(good.path, tmp_path / "20200101-000000-dddd")
    (no_model / "model.keras").unlink()
    (tmp_path / "stray-file.txt").write_text("not a run")

    assert [r.run_id for r in store.list()] == [good.run_id]
    assert len(store.table()) == 1
    problems = dict(store.problems())
    assert set(problems) == {truncated, not_a_record, bad_spec, no_model}
    assert "cannot be read" in problems[truncated] and "model.keras" in problems[no_model]
    with pytest.raises(runs.RunError):
        store.get(truncated.name)


def test_crash_while_renaming_leaves_nothing(tmp_path, model, monkeypatch):
    store = RunStore(tmp_path)

    def broken_replace(src, dst):
        raise OSError("disk vanished")

    monkeypatch.setattr(runs.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk vanished"):
        save(store, model)
    monkeypatch.undo()
    assert store.list() == [] and visible_entries(tmp_path) == []


def test_crash_while_saving_the_model_leaves_nothing(tmp_path, model, monkeypatch):
    store = RunStore(tmp_path)

    def broken_save(*args, **kwargs):
        raise RuntimeError("model.save failed halfway")

    monkeypatch.setattr(model, "save", broken_save)
    with pytest.raises(RuntimeError, match="halfway"):
        save(store, model)
    assert store.list() == [] and visible_entries(tmp_path) == []


def test_cleanup_partial_removes_only_stale_temporaries(tmp_path, model):
    store = RunStore(tmp_path)
    good = save(store, model)
    stale, fresh = tmp_path / ".tmp-stale", tmp_path / ".tmp-fresh"
    stale.mkdir()
    fresh.mkdir()
    (tmp_path / ".trash-old").mkdir()
    os.utime(stale, (0, 0))
    removed = store.cleanup_partial()
    assert sorted(p.name for p in removed) == [".tmp-stale", ".trash-old"]
    assert visible_entries(tmp_path) == [".tmp-fresh", good.run_id]


def test_delete(tmp_path, model):
    store = RunStore(tmp_path)
    kept, gone = save(store, model), save(store, model)
    store.delete(gone.run_id)
    assert [r.run_id for r in store.list()] == [kept.run_id]
    assert visible_entries(tmp_path) == [kept.run_id]
    with pytest.raises(KeyError, match="No saved run"):
        store.get(gone.run_id)
    with pytest.raises(KeyError):
        store.delete(gone.run_id)
    with pytest.raises(KeyError, match="not a valid run id"):
        store.get("../outside")


def test_save_rejects_an_unknown_task(tmp_path, model):
    with pytest.raises(ValueError, match="task"):
        save(RunStore(tmp_path), model, task="translation")
    assert visible_entries(tmp_path) == []


def test_runs_dir_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path / "elsewhere"))
    assert RunStore().root == tmp_path / "elsewhere"
    monkeypatch.delenv("RNNVIZ_RUNS_DIR")
    assert RunStore().root == Path.home() / ".rnnviz" / "runs"


def record(**changes) -> RunRecord:
    base = RunRecord(
        run_id="a",
        created="2026-01-01T00:00:00+00:00",
        task="forecast",
        dataset="airline",
        model_spec=SPEC,
        train_spec=TRAIN,
        data_config=DATA_CONFIG,
        history=HISTORY,
        metrics=METRICS,
        status="finished",
        message="",
        versions={},
        path=Path("a"),
    )
    return dataclasses.replace(base, **changes)


def test_config_diff_lists_exactly_the_changed_settings():
    a = record()
    b = record(
        run_id="b",
        dataset="sunspots",
        model_spec=SPEC.with_(units=(8,), dropout=0.2),
        train_spec=dataclasses.replace(TRAIN, learning_rate=0.001),
        data_config={**DATA_CONFIG, "window": 12, "inputs": ["wind"]},
        metrics={"test RMSE": 1.0},  # results are not settings
        history={"loss": [0.1]},
    )
    diff = config_diff(a, b)
    assert list(diff.columns) == ["setting", "run a", "run b"]
    rows = {row.setting: (row._2, row._3) for row in diff.itertuples()}
    assert rows == {
        "dataset": ("airline", "sunspots"),
        "model.units": ("4, 4", "8"),
        "model.dropout": ("0.0", "0.2"),
        "train.learning_rate": ("0.01", "0.001"),
        "data.window": ("6", "12"),
        "data.inputs": ("(not set)", "wind"),
    }
    assert config_diff(a, record(run_id="c")).empty
    # A spec read back from JSON (lists for tuples) is no different from the original.
    assert config_diff(a, record(data_config={**DATA_CONFIG, "window": 6})).empty


# ---------------------------------------------------------------------------------------------
# Uploaded model files


def keras_bytes(model: keras.Model, tmp_path: Path, name: str = "m.keras") -> bytes:
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


def test_uploaded_recurrent_model_loads(tmp_path, model):
    loaded = load_uploaded_model(keras_bytes(model, tmp_path))
    x = np.zeros((2, 6, 1), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    sequential = keras.Sequential(
        [keras.Input((5, 2)), keras.layers.LSTM(3), keras.layers.Dense(1)]
    )
    assert isinstance(
        load_uploaded_model(keras_bytes(sequential, tmp_path, "s.keras")), keras.Model
    )


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)), "not a Keras"),
        (b"\x89HDF\r\n\x1a\n" + b"\x00" * 100, "HDF5"),
        (_zip({"notes.txt": b"hello"}), "not a Keras model"),
        (_zip({"config.json": b"{}", "model.weights.h5": b"nonsense"}), "could not be loaded"),
    ],
    ids=["empty", "random-bytes", "h5", "zip-without-model", "zip-with-junk"],
)
def test_unusable_uploads_raise_a_plain_message(raw, message):
    with pytest.raises(ModelFileError, match=message):
        load_uploaded_model(raw)


def test_damaged_archive_is_reported(tmp_path, model):
    good = keras_bytes(model, tmp_path)
    with pytest.raises(ModelFileError, match="incomplete or damaged"):
        load_uploaded_model(good[: len(good) // 2])
    corrupt = bytearray(good)
    corrupt[100:160] = b"x" * 60  # inside the first member's data: its checksum fails
    with pytest.raises(ModelFileError, match="damaged"):
        load_uploaded_model(bytes(corrupt))


def test_lambda_layer_is_refused(tmp_path):
    inputs = keras.Input((5, 2))
    x = keras.layers.LSTM(3)(inputs)
    x = keras.layers.Lambda(lambda t: t * 2)(x)
    raw = keras_bytes(keras.Model(inputs, keras.layers.Dense(1)(x)), tmp_path)
    with pytest.raises(ModelFileError, match="Lambda"):
        load_uploaded_model(raw)


def test_custom_layer_is_refused(tmp_path):
    @keras.saving.register_keras_serializable(package="rnnviz_test_only")
    class Twice(keras.layers.Layer):
        def call(self, x):
            return x * 2

    inputs = keras.Input((5, 2))
    outputs = keras.layers.Dense(1)(Twice()(keras.layers.GRU(3)(inputs)))
    raw = keras_bytes(keras.Model(inputs, outputs), tmp_path)
    keras.saving.get_custom_objects().pop("rnnviz_test_only>Twice")
    with pytest.raises(ModelFileError, match="custom layer or object"):
        load_uploaded_model(raw)


def test_model_without_recurrent_layer_is_refused(tmp_path):
    inputs = keras.Input((4,))
    raw = keras_bytes(keras.Model(inputs, keras.layers.Dense(1)(inputs)), tmp_path)
    with pytest.raises(ModelFileError, match="no recurrent layer"):
        load_uploaded_model(raw)
