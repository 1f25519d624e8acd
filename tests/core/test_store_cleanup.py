"""Leftovers of dead runs leave the store: half-written run folders (``.tmp-*``) and best-weight
checkpoints (``.checkpoints/*.npz``) and half-written data files (``data/.tmp-*``) whose process has ended go at once; a live process's stay;
files whose names tell no process go once stale."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from rnnviz.train.datastore import TMP_PREFIX, DataFile, owned_name
from rnnviz.train.runs import CHECKPOINT_DIR, RunStore


def ended_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_cleanup_removes_what_dead_processes_left_and_keeps_live_ones(tmp_path):
    dead = ended_pid()
    checkpoints = tmp_path / CHECKPOINT_DIR
    checkpoints.mkdir()
    names = {
        "dead tmp": tmp_path / f"{TMP_PREFIX}{owned_name('a1', dead)}",
        "live tmp": tmp_path / f"{TMP_PREFIX}{owned_name('b2')}",
        "old anonymous tmp": tmp_path / f"{TMP_PREFIX}c3",
        "new anonymous tmp": tmp_path / f"{TMP_PREFIX}d4",
    }
    for path in names.values():
        path.mkdir()
    files = {
        "dead checkpoint": checkpoints / owned_name("run1.npz", dead),
        "dead partial checkpoint": checkpoints / owned_name("run1.npz.part.npz", dead),
        "live checkpoint": checkpoints / owned_name("run2.npz"),
        "old anonymous checkpoint": checkpoints / "run3.npz",
        "new anonymous checkpoint": checkpoints / "run4.npz",
    }
    for path in files.values():
        np.savez(path, w0=np.zeros(3))
    for key in ("old anonymous tmp", "old anonymous checkpoint"):
        os.utime({**names, **files}[key], (0, 0))

    removed = set(RunStore(tmp_path, cleanup=False).cleanup_partial())

    everything = {**names, **files}
    gone = {key for key, path in everything.items() if path in removed}
    assert gone == {
        "dead tmp",
        "old anonymous tmp",
        "dead checkpoint",
        "dead partial checkpoint",
        "old anonymous checkpoint",
    }
    assert all(path.exists() != (key in gone) for key, path in everything.items())


def test_a_run_store_opened_by_a_new_server_cleans_up_at_once(tmp_path):
    checkpoint = tmp_path / CHECKPOINT_DIR / owned_name("run.npz", ended_pid())
    checkpoint.parent.mkdir()
    np.savez(checkpoint, w0=np.zeros(3))
    RunStore(tmp_path)  # what every page run does
    assert not checkpoint.exists()


def test_half_written_data_files_of_dead_processes_leave_the_data_folder(tmp_path):
    store = RunStore(tmp_path, cleanup=False)
    assert store.data.put(DataFile(b"a,b\n1,2\n", "csv", "CSV")) == ""  # a real file stays
    kept_file = next(store.data.root.glob("*.csv"))
    dead = ended_pid()
    leftovers = {
        "dead": store.data.root / f"{TMP_PREFIX}{owned_name('a1', dead)}",
        "live": store.data.root / f"{TMP_PREFIX}{owned_name('b2')}",
        "old anonymous": store.data.root / f"{TMP_PREFIX}c3",  # named before owners were
        "new anonymous": store.data.root / f"{TMP_PREFIX}d4",
    }
    for path in leftovers.values():
        path.write_bytes(b"half a file")
    os.utime(leftovers["old anonymous"], (0, 0))

    removed = set(store.cleanup_partial())

    assert removed == {leftovers["dead"], leftovers["old anonymous"]}
    assert leftovers["live"].exists() and leftovers["new anonymous"].exists()
    assert kept_file.exists() and not any(path.exists() for path in removed)


def test_the_data_store_names_its_temporary_file_after_its_process(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    RunStore(tmp_path, cleanup=False).data.put(DataFile(b"x\n1\n", "csv", "CSV"))
    assert seen and seen[0].startswith(f"{TMP_PREFIX}{os.getpid()}-")
