"""A full or read-only run store: no run starts that could not be saved, and a save that fails
anyway names its cause and keeps the trained weights."""

from __future__ import annotations

import errno
from collections import namedtuple
from dataclasses import replace

import numpy as np
import pytest

from rnnviz.service.executor import QueuedExecutor
from rnnviz.service.worker import execute
from rnnviz.train import runs
from rnnviz.train.runs import CHECKPOINT_DIR, RunStore, save_failure, store_space_problem
from tests.core.test_executor import request

Usage = namedtuple("Usage", "total used free")


def test_a_store_with_room_has_no_problem(tmp_path):
    assert store_space_problem(tmp_path / "not yet made") == ""


def test_a_nearly_full_disk_is_named_with_its_free_space(tmp_path, monkeypatch):
    monkeypatch.setattr(runs.shutil, "disk_usage", lambda path: Usage(10**10, 10**10, 50 * 2**20))
    problem = store_space_problem(tmp_path)
    assert "Only 50 MB is free" in problem and "at least 200 MB" in problem
    assert "RNNVIZ_RUNS_DIR" in problem


def test_a_read_only_store_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(runs.os, "access", lambda path, mode: False)  # root may write anywhere
    assert "is read-only" in store_space_problem(tmp_path)


def test_a_run_that_could_not_be_saved_is_not_started(tmp_path, monkeypatch):
    monkeypatch.setattr(
        "rnnviz.service.executor.store_space_problem", lambda root: f"Only 5 MB is free ({root})."
    )
    executor = QueuedExecutor(max_running=1)  # no worker: the run must not need one
    handle = executor.submit(request(tmp_path))
    assert handle.done and handle.queue_position is None
    state = handle.snapshot()
    assert state.status == "error" and state.message == f"Only 5 MB is free ({tmp_path})."
    assert executor.get(handle.id) is handle  # found again after a reload


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/runs/x"), "No space left on device"),
        (RuntimeError("Unable to create file (errno = 28, No space left on device)"), "No space"),
        (OSError(errno.EROFS, "Read-only file system", "/runs"), "Read-only file system"),
    ],
)
def test_a_failed_save_is_named_by_its_cause_first(error, cause):
    assert save_failure(error).startswith(cause)


def test_a_save_that_fails_names_the_cause_and_keeps_the_best_weights(tmp_path, monkeypatch):
    def full_disk(self, **_):
        raise OSError(errno.ENOSPC, "No space left on device", str(self.root))

    monkeypatch.setattr(RunStore, "save", full_disk)
    checkpoint = tmp_path / CHECKPOINT_DIR / "run.npz"
    messages: list[tuple] = []
    result = execute(
        replace(request(tmp_path, epochs=2), checkpoint_path=str(checkpoint)),
        messages.append,
        lambda: False,
    )
    assert result.run_id is None
    assert result.save_error.startswith("No space left on device")
    assert str(checkpoint) in result.save_error
    with np.load(checkpoint) as kept:
        assert len(kept.files) == 5  # GRU kernel, recurrent kernel, bias; Dense kernel, bias
    assert messages[-1] == ("done", result)
