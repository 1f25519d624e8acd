"""Crafted .keras files (tests/fixtures/hostile_models.py): every one is refused with a plain
message, within 10 s and without the process growing by 300 MB, as an upload and as a model
found in the run store."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from rnnviz.model.upload import ModelFileError, check_archive, load_uploaded_model
from rnnviz.train import runs as runs_module
from rnnviz.train.runs import MODEL_FILE, RunError, RunStore
from tests.core.test_runs import model, save  # noqa: F401 - model is a fixture
from tests.fixtures.hostile_models import HOSTILE, pack, tiny_model_files

SECONDS = 10.0
GROWTH_BYTES = 300 * 1024 * 1024


def peak_rss_reset() -> None:
    """Reset this process's peak resident size (VmHWM) to its current size (Linux)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024


def rss() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) * 1024


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_upload_is_refused_quickly_in_bounded_memory(name, tmp_path):
    build, message = HOSTILE[name]
    raw = build(tmp_path)
    assert len(raw) < 1_000_000, len(raw)  # small on disk
    before = rss()
    peak_rss_reset()
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=message):
        load_uploaded_model(raw)
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, elapsed
    assert peak_rss() - before < GROWTH_BYTES, (peak_rss() - before) / 2**20


def test_the_sound_original_of_the_hostile_files_loads(tmp_path):
    loaded = load_uploaded_model(pack(tiny_model_files(tmp_path)))
    assert loaded.count_params() == 4 * 4 * (1 + 4 + 1) + 5


@pytest.mark.parametrize("name", ["filled-dataset", "deep-gru", "external-link"])
def test_a_hostile_model_file_in_the_run_store_is_refused_on_open(name, tmp_path, model):  # noqa: F811
    store = RunStore(tmp_path / "runs")
    record = save(store, model)
    assert store.load_model(record.run_id).count_params() == model.count_params()
    build, message = HOSTILE[name]
    (record.path / MODEL_FILE).write_bytes(build(tmp_path))
    with pytest.raises(RunError, match=f"Run '{record.run_id}'.*refused. .*{message}"):
        store.load_model(record.run_id)


def test_an_oversized_model_in_the_run_store_is_not_called_an_upload(tmp_path, model, monkeypatch):  # noqa: F811
    store = RunStore(tmp_path / "runs")
    record = save(store, model)
    size = (record.path / MODEL_FILE).stat().st_size
    monkeypatch.setattr("rnnviz.train.runs.MAX_UNPACKED_BYTES", size - 1)
    with pytest.raises(RunError) as err:
        store.load_model(record.run_id)
    message = str(err.value)
    assert "limit for a model file in the run store" in message and "upload" not in message
    with pytest.raises(ModelFileError, match="MB upload limit"):  # an upload says upload
        check_archive((record.path / MODEL_FILE).read_bytes(), size - 1)


def test_a_stored_model_is_vetted_once_per_process_until_its_file_changes(
    tmp_path,
    model,  # noqa: F811
    monkeypatch,
):
    """Each Inspect session reopens its run's model: the weights check (a fresh interpreter)
    runs for the first open only, and again once the file has been rewritten."""
    store = RunStore(tmp_path / "runs")
    record = save(store, model)
    vetted = []
    check = runs_module.vet_model_file
    monkeypatch.setattr(runs_module, "vet_model_file", lambda *a: vetted.append(a) or check(*a))
    store.load_model(record.run_id)
    store.load_model(record.run_id)
    assert len(vetted) == 1
    path = record.path / MODEL_FILE
    path.write_bytes(path.read_bytes())  # the same bytes, written again: checked again
    store.load_model(record.run_id)
    assert len(vetted) == 2
