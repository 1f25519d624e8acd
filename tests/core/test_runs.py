"""RunStore: atomic saves, a list that survives damage, deletes, tables, diffs, uploaded models."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from rnnviz.model.builder import build_model, compile_model
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.train import runs
from rnnviz.train.runs import (
    TABLE_COLUMNS,
    RunRecord,
    RunStore,
    config_diff,
)

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
# Damaged and foreign runs


def edit_json(run_dir: Path, **changes) -> None:
    data = json.loads((run_dir / "run.json").read_text())
    data.update(changes)
    (run_dir / "run.json").write_text(json.dumps(data))


def test_a_time_zone_naive_created_is_read_as_utc_and_sorts(tmp_path, model):
    store = RunStore(tmp_path)
    aware = save(store, model)
    naive = shutil.copytree(aware.path, tmp_path / "20990101-000000-aaaa")
    edit_json(naive, created="2099-01-01T00:00:00")
    listed = store.list()
    assert [r.run_id for r in listed] == [naive.name, aware.run_id]  # newest first
    assert listed[0].created_at.utcoffset().total_seconds() == 0
    assert store.table()["created"].dt.year.tolist() == [2099, aware.created_at.year]


def test_a_corrupt_predictions_file_raises_run_error(tmp_path, model):
    store = RunStore(tmp_path)
    record = save(store, model, predictions=pd.DataFrame({"actual": [1.0], "predicted": [2.0]}))
    (record.path / "predictions.csv").write_bytes(b"actual,predicted\n\xff\xfe\x00\x81,2\n")
    with pytest.raises(runs.RunError, match="predictions.csv is damaged"):
        store.get(record.run_id).predictions()


def test_missing_window_keys_give_no_window_and_restore_says_so(tmp_path, model):
    from rnnviz.tasks.forecast.windows import window_config
    from rnnviz.tasks.registry import get_task

    store = RunStore(tmp_path)
    record = save(store, model, data_config={"dataset_key": "airline"})
    assert window_config(record.data_config) is None
    assert window_config(save(store, model).data_config) == DATA_CONFIG
    with pytest.raises(ValueError, match="incomplete"):
        get_task("forecast").restore(store.get(record.run_id), model)


def test_a_renamed_run_folder_opens_and_deletes_by_its_folder_name(tmp_path, model):
    store = RunStore(tmp_path)
    record = save(store, model)
    renamed = record.path.rename(tmp_path / "my-best-run")
    assert [r.run_id for r in store.list()] == ["my-best-run"]
    assert isinstance(store.load_model("my-best-run"), keras.Model)
    store.delete("my-best-run")
    assert not renamed.exists() and store.list() == []


def test_a_folder_name_that_is_not_a_run_id_is_reported(tmp_path, model):
    store = RunStore(tmp_path)
    record = save(store, model)
    record.path.rename(tmp_path / "copy of run")
    assert store.list() == []
    [(path, reason)] = store.problems()
    assert path.name == "copy of run" and "not a run id" in reason


def test_opening_the_store_removes_stale_temporaries(tmp_path):
    stale = tmp_path / ".tmp-crashed"
    stale.mkdir()
    os.utime(stale, (0, 0))
    RunStore(tmp_path)
    assert not stale.exists()


def test_a_truncated_model_file_is_reported_as_damaged_not_missing(tmp_path, model):
    store = RunStore(tmp_path)
    record = save(store, model)
    data = record.model_path.read_bytes()
    record.model_path.write_bytes(data[: len(data) // 2])
    with pytest.raises(runs.RunError, match="damaged or incomplete") as error:
        store.load_model(record.run_id)
    assert "missing" not in str(error.value) and "not found" not in str(error.value).lower()


def test_only_reported_damaged_folders_can_be_deleted(tmp_path, model):
    store = RunStore(tmp_path)
    good = save(store, model)
    broken = tmp_path / "20200101-000000-bad"
    broken.mkdir()
    (broken / "run.json").write_text("{")
    with pytest.raises(KeyError):  # not reported yet: list() has not run
        store.delete_damaged(broken.name)
    store.list()
    with pytest.raises(KeyError):
        store.delete_damaged(good.run_id)  # a sound run
    with pytest.raises(KeyError):
        store.delete_damaged("..")
    store.delete_damaged(broken.name)
    assert visible_entries(tmp_path) == [good.run_id]


def test_links_out_of_the_store_are_reported_and_deleting_one_keeps_its_target(tmp_path, model):
    store_root, outside = tmp_path / "store", tmp_path / "outside"
    store = RunStore(store_root)
    good = save(store, model)
    outside_run = shutil.copytree(good.path, outside / "elsewhere")
    (store_root / "20200101-000000-link").symlink_to(outside_run, target_is_directory=True)
    linked_model = shutil.copytree(good.path, store_root / "20200101-000000-modl")
    (linked_model / "model.keras").unlink()
    (linked_model / "model.keras").symlink_to(outside_run / "model.keras")

    assert [r.run_id for r in store.list()] == [good.run_id]
    problems = {path.name: text for path, text in store.problems()}
    assert "is a link" in problems["20200101-000000-link"]
    assert "model.keras is a link" in problems["20200101-000000-modl"]
    store.delete_damaged("20200101-000000-link")
    assert (outside_run / "run.json").is_file()  # the link went, not what it pointed to
    assert sorted(visible_entries(store_root)) == sorted([good.run_id, linked_model.name])


def test_a_giant_record_is_refused_without_being_read(tmp_path, model, monkeypatch):
    store = RunStore(tmp_path)
    good = save(store, model)
    giant = shutil.copytree(good.path, tmp_path / "20200101-000000-huge")
    limit = (good.path / "run.json").stat().st_size + 100
    monkeypatch.setattr(runs, "MAX_RECORD_BYTES", limit)
    with (giant / "run.json").open("a") as f:
        f.write(" " * 200)  # still valid JSON, only too large to be a record
    assert [r.run_id for r in store.list()] == [good.run_id]
    assert "far more than a run record holds" in dict(store.problems())[giant]
