"""Runs saved before the house move (issue 20) still open: a run store written by main at 63703c4
(one run per task, on uploads where the task takes them; made by
the script in tests/fixtures/store_before_house/README.md, with that commit's code) is listed, every run is
restored on its kept data with the same test figure, and every export still renders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rnnviz.tasks.registry import get_task
from rnnviz.train.runs import RunStore

OLD_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_house"
FIGURE = {"forecast": "test RMSE", "sentiment": "test accuracy", "sequences": "test accuracy"}


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    copy = tmp_path / "runs"
    shutil.copytree(OLD_STORE, copy, ignore=shutil.ignore_patterns("*.md"))
    return RunStore(copy)


def test_every_old_run_is_listed_and_reopens_with_its_figures(store: RunStore):
    records = store.list()
    assert sorted(r.task for r in records) == ["forecast", "generation", "sentiment", "sequences"]
    for record in records:
        job = get_task(record.task).restore(record, store.load_model(record.run_id))
        assert job.record is record and job.saved
        _, metrics, _ = job.summary()  # recomputed from the model on the kept data
        key = FIGURE.get(record.task, "val bpc")
        assert metrics[key] == pytest.approx(record.metrics[key], rel=1e-4), record.task


def test_every_old_run_exports_a_script_that_compiles(store: RunStore):
    for record in store.list():
        export = get_task(record.task).export(record)
        assert export is not None, record.task
        compile(export.script, export.filename, "exec")
