"""Leftovers of dead runs leave the store: half-written run folders (``.tmp-*``) and best-weight
checkpoints (``.checkpoints/*.npz``) whose process has ended go at once; a live process's stay;
files whose names tell no process go once stale."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

from rnnviz.runs import CHECKPOINT_DIR, TMP_PREFIX, RunStore, owned_name


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
