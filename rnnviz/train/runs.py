"""Runs that last: trained models saved to disk with everything needed to compare them later.

A run is a directory ``<root>/<run_id>/`` holding ``run.json`` (settings, history, metrics, owner,
library versions), ``model.keras`` and optionally ``predictions.csv``. The root is the
``RNNVIZ_RUNS_DIR`` environment variable, else ``~/.rnnviz/runs``. The uploaded data a run was
trained on is kept once for all runs in ``<root>/data/`` (:mod:`rnnviz.train.datastore`), and removed
with the last run that references it.

Saving is atomic: everything is written into ``<root>/.tmp-<uuid>/``, which is then renamed to
its final name, so a crash mid-save leaves only a hidden ``.tmp-*`` directory that listing ignores
(and opening the store removes once it is an hour old: :meth:`RunStore.cleanup_partial`). A damaged
or foreign run directory never breaks the list: it is skipped and reported, with the reason, by
:meth:`RunStore.problems`. A run's id is its folder name, so a renamed folder still opens.

Everything here is free of streamlit.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import math
import os
import platform
import re
import secrets
import shutil
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rnnviz.common.messages import os_reason, user_message
from rnnviz.model.spec import ModelSpec, TrainSpec
from rnnviz.model.upload import MAX_UNPACKED_BYTES, STORE_LIMIT, ModelFileError, vet_model_file
from rnnviz.tasks.registry import TASK_NAMES, get_task
from rnnviz.train.datastore import (
    DATA_DIR,
    DATA_KEY,
    TMP_PREFIX,
    DataFile,
    DataStore,
    data_sha,
    owned_name,
    reference,
)
from rnnviz.train.inspect_file import INSPECT_FILE, read_inspect, write_inspect
from rnnviz.train.owners import LOCAL_OWNER, OWNER_KEY, record_owner

RUN_FILE = "run.json"
MODEL_FILE = "model.keras"
MAX_RECORD_BYTES = 16 * 1024 * 1024  # a run.json holds settings and history: kilobytes
PREDICTIONS_FILE = "predictions.csv"
SCHEMA_VERSION = 1
TRASH_PREFIX = ".trash-"
STALE_SECONDS = 3600.0
MIN_FREE_BYTES = 200 * 1024 * 1024  # a run is not started with less free space in the store
SAVE_CAUSES = ("No space left on device", "Read-only file system", "Permission denied")
CHECKPOINT_DIR = ".checkpoints"  # best weights of runs in progress, <server pid>-<run>.npz
TASKS = TASK_NAMES  # the registered tasks (rnnviz.tasks)
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# Library -> the distributions that provide it (TensorFlow ships under several names).
VERSION_PACKAGES = {
    "keras": ("keras",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos"),
    "numpy": ("numpy",),
    "pandas": ("pandas",),
    "streamlit": ("streamlit",),
}
TABLE_COLUMNS = (
    "id",
    "created",
    "task",
    "dataset",
    "cell",
    "direction",
    "depth",
    "units",
    "topology",
    "epochs run",
    "best val loss",
)
# Metrics shown first in the table when a run has them; any other scalar metric follows.
MAIN_METRICS = ("test RMSE", "test MAE", "test MAPE %", "test accuracy", "test AUC")
LEADING_COLUMNS = ("id", "dataset", "cell", "direction", "depth", "units")  # what tells runs apart


def overview_columns(columns: Sequence[str]) -> list[str]:
    """The runs table's columns in reading order: what tells the runs apart, then the main test
    metrics (in view without scrolling right), then everything else as it came."""
    first = [c for c in (*LEADING_COLUMNS, *MAIN_METRICS) if c in columns]
    return first + [c for c in columns if c not in first]


class RunError(ValueError):
    """A saved run that cannot be read (a damaged or hand-edited run directory)."""


def default_root() -> Path:
    """``RNNVIZ_RUNS_DIR`` when set, else ``~/.rnnviz/runs``."""
    configured = os.environ.get("RNNVIZ_RUNS_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".rnnviz" / "runs"


def library_versions() -> dict[str, str]:
    """Python and the installed versions of the libraries a run depends on (none imported)."""
    versions = {"python": platform.python_version()}
    for library, distributions in VERSION_PACKAGES.items():
        for distribution in distributions:
            try:
                versions[library] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return versions


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class RunRecord:
    """One saved run, as read from its ``run.json``."""

    run_id: str
    created: str  # ISO 8601 with the UTC offset
    task: str
    dataset: str
    model_spec: ModelSpec
    train_spec: TrainSpec
    data_config: dict
    history: dict
    metrics: dict
    status: str
    message: str
    versions: dict
    path: Path
    owner: str = LOCAL_OWNER  # who trained it (rnnviz.train.owners)

    @property
    def cell(self) -> str:
        return self.model_spec.cell

    @property
    def label(self) -> str:
        """A short human label, e.g. ``LSTM x2 bi, many-to-one``."""
        spec = self.model_spec
        extras = (" bi" if spec.bidirectional else "") + (" stateful" if spec.stateful else "")
        return f"{spec.cell} x{spec.depth}{extras}, {spec.topology.replace('_', '-')}"

    @property
    def seed(self) -> int:
        return self.train_spec.seed

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def best_val_loss(self) -> float:
        """The lowest finite validation loss (training loss when there was no validation)."""
        values = self.history.get("val_loss") or self.history.get("loss") or []
        finite = [float(v) for v in values if _is_finite_number(v)]
        return min(finite) if finite else math.nan

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def predictions_path(self) -> Path | None:
        path = self.path / PREDICTIONS_FILE
        return path if path.exists() else None

    def predictions(self) -> pd.DataFrame | None:
        """The saved predictions table, if the run has one; RunError when it is damaged."""
        path = self.predictions_path
        if path is None:
            return None
        try:
            return pd.read_csv(path, encoding="utf-8")
        except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as error:
            raise RunError(
                f"{self.path.name}/{PREDICTIONS_FILE} is damaged and cannot be read "
                f"({type(error).__name__})."
            ) from None

    def inspect_values(self) -> dict[str, Any]:
        """What Inspect reads, saved with the run (empty for a run saved without it)."""
        return read_inspect(self.path / INSPECT_FILE)

    @property
    def created_at(self) -> datetime:
        """``created`` as an aware datetime (a time without an offset is read as UTC)."""
        return _aware(datetime.fromisoformat(self.created))

    def to_json(self) -> dict:
        """The ``run.json`` content."""
        return {
            "schema": SCHEMA_VERSION,
            "id": self.run_id,
            "created": self.created,
            "task": self.task,
            "dataset": self.dataset,
            "model_spec": self.model_spec.to_dict(),
            "train_spec": dataclasses.asdict(self.train_spec),
            "data_config": self.data_config,
            "history": self.history,
            "metrics": self.metrics,
            "status": self.status,
            "message": self.message,
            "seed": self.train_spec.seed,
            "versions": self.versions,
            OWNER_KEY: self.owner,
        }

    @classmethod
    def from_json(cls, data: dict, path: Path) -> RunRecord:
        """Parse a ``run.json``; raises :class:`RunError` on anything malformed."""
        try:
            record = cls(
                run_id=path.name,  # the folder is the truth: a renamed folder still opens
                created=_aware(datetime.fromisoformat(str(data["created"]))).isoformat(),
                task=str(data["task"]),
                dataset=str(data["dataset"]),
                model_spec=ModelSpec.from_dict(data["model_spec"]),
                train_spec=_train_spec_from_dict(data["train_spec"]),
                data_config=dict(data.get("data_config") or {}),
                history={k: list(v) for k, v in (data.get("history") or {}).items()},
                metrics=dict(data.get("metrics") or {}),
                status=str(data.get("status", "")),
                message=str(data.get("message", "")),
                versions=dict(data.get("versions") or {}),
                path=path,
                owner=record_owner(data),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise RunError(f"{path.name}/{RUN_FILE} is malformed: {error!r}") from error
        return record


def _aware(moment: datetime) -> datetime:
    """A time with an offset; one without (saved by another tool) is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _train_spec_from_dict(data: dict) -> TrainSpec:
    known = {k: v for k, v in data.items() if k in TrainSpec.__dataclass_fields__}
    return TrainSpec(**known)


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _json_default(value: object) -> Any:
    """Make numpy scalars/arrays, tuples inside them and paths JSON-serialisable."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot save a {type(value).__name__} in run.json")


def _write_record(record: RunRecord, folder: Path) -> None:
    text = json.dumps(record.to_json(), indent=2, default=_json_default)
    (folder / RUN_FILE).write_text(text, encoding="utf-8")


def _with_data_ref(record: RunRecord, ref: dict) -> RunRecord:
    return dataclasses.replace(record, data_config={**record.data_config, DATA_KEY: ref})


def _new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


# ---------------------------------------------------------------------------------------------
# The store


_VETTED: set[tuple] = set()  # model files this process has vetted, as they were then
_VETTED_LOCK = threading.Lock()


def vet_once(path: Path) -> None:
    """:func:`vet_model_file` on a stored model once per process and file version: its weights
    check runs in a fresh interpreter (about 0.5 s), which every Inspect session reopening a
    run paid again (issue 19). A file replaced, rewritten or touched since (another inode,
    size, modification or status-change time; the last cannot be set back) is vetted anew."""
    stat = path.stat()
    version = (
        str(path.resolve()),
        stat.st_ino,
        stat.st_size,
        stat.st_mtime_ns,
        stat.st_ctime_ns,
    )
    with _VETTED_LOCK:
        if version in _VETTED:
            return
    vet_model_file(path, MAX_UNPACKED_BYTES, STORE_LIMIT)
    with _VETTED_LOCK:
        _VETTED.add(version)


class RunStore:
    """Saved runs under one root directory."""

    def __init__(self, root: Path | str | None = None, cleanup: bool = True) -> None:
        """Open the store at ``root`` (default: :func:`default_root`); unless ``cleanup`` is
        False, leftovers of crashed saves and deletes are removed now (see
        :meth:`cleanup_partial`)."""
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.data = DataStore(self.root / DATA_DIR)
        self._problems: list[tuple[Path, str]] = []
        if cleanup:
            self.cleanup_partial()

    # -- writing ---------------------------------------------------------------------------------
    def save(
        self,
        *,
        task: str,
        dataset: str,
        model,
        model_spec: ModelSpec,
        train_spec: TrainSpec,
        data_config: dict,
        history: dict,
        metrics: dict,
        status: str,
        message: str,
        predictions: pd.DataFrame | None = None,
        data_file: DataFile | None = None,
        data_name: str = "",
        inspect: dict[str, Any] | None = None,
        owner: str = LOCAL_OWNER,
    ) -> RunRecord:
        """Save a trained model and its record atomically; returns the saved record.

        ``data_file``: the uploaded data it was trained on (``data_name``: the file's name), kept
        in the data folder unless that would pass its cap (the record then says why not).
        ``inspect``: what Inspect reads, computed once now (:mod:`rnnviz.train.inspect_file`).
        ``owner``: who trained it (:mod:`rnnviz.train.owners`).
        On any failure nothing appears in :meth:`list` and the error propagates.
        """
        if task not in TASKS:
            raise ValueError(f"task must be one of {TASKS}, got {task!r}")
        self.root.mkdir(parents=True, exist_ok=True)
        now = datetime.now().astimezone()
        tmp = self.root / f"{TMP_PREFIX}{owned_name(uuid.uuid4().hex)}"
        tmp.mkdir()
        try:
            record = RunRecord(
                run_id=self._free_run_id(now),
                created=now.isoformat(timespec="microseconds"),
                task=task,
                dataset=dataset,
                model_spec=model_spec,
                train_spec=train_spec,
                data_config=dict(data_config),
                history={k: [float(v) for v in values] for k, values in history.items()},
                metrics=dict(metrics),
                status=status,
                message=message,
                versions=library_versions(),
                path=tmp,
                owner=owner,
            )
            model.save(tmp / MODEL_FILE)
            if predictions is not None:
                predictions.to_csv(tmp / PREDICTIONS_FILE, index=False)
            if inspect:
                write_inspect(tmp / INSPECT_FILE, inspect)
            if data_file is not None:
                record = self._keep_data(record, data_file, data_name or dataset)
            _write_record(record, tmp)
            final = self.root / record.run_id
            os.replace(tmp, final)  # the atomic step: the run appears whole or not at all
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return dataclasses.replace(record, path=final)

    def _keep_data(self, record: RunRecord, data_file: DataFile, name: str) -> RunRecord:
        """The record with a reference to its data, stored now (the reference is written first,
        so a concurrent :meth:`collect_data` never removes a file a run being saved needs)."""
        with_ref = _with_data_ref(record, reference(data_file, name))
        _write_record(with_ref, record.path)
        not_kept = self.data.put(data_file)
        return (
            _with_data_ref(record, reference(data_file, name, not_kept)) if not_kept else with_ref
        )

    def adopt(self, files: dict[str, bytes]) -> RunRecord:
        """Store a run saved elsewhere (by a worker on another machine) under a fresh id,
        atomically; only the store's own file names are accepted (and the run's data file as
        ``data/<sha>.<ext>``, checked against its hash)."""
        data = {n: c for n, c in files.items() if n.startswith(f"{DATA_DIR}/")}
        unknown = set(files) - {RUN_FILE, MODEL_FILE, PREDICTIONS_FILE, INSPECT_FILE} - set(data)
        if unknown or RUN_FILE not in files or MODEL_FILE not in files:
            raise RunError(f"not a saved run: files {sorted(files)}")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{TMP_PREFIX}{owned_name(uuid.uuid4().hex)}"
        tmp.mkdir()
        try:
            for name, content in files.items():
                if name not in data:
                    (tmp / name).write_bytes(content)
            record = self._read(tmp)
            record = dataclasses.replace(record, run_id=self._free_run_id(datetime.now()))
            _write_record(record, tmp)
            for name, content in data.items():
                record = self._adopt_data(record, name, content)
            final = self.root / record.run_id
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return dataclasses.replace(record, path=final)

    def _adopt_data(self, record: RunRecord, name: str, content: bytes) -> RunRecord:
        """Keep the data file an adopted run came with (its reference already written)."""
        sha, _, ext = name.removeprefix(f"{DATA_DIR}/").partition(".")
        ref = record.data_config.get(DATA_KEY)
        if data_sha(content) != sha or not isinstance(ref, dict) or ref.get("sha") != sha:
            raise RunError(f"the run's data file {name} does not match its reference")
        not_kept = self.data.put(DataFile(content, ext, str(ref.get("kind", ""))))
        if not_kept:
            record = _with_data_ref(record, {**ref, "kept": False, "reason": not_kept})
            _write_record(record, record.path)
        return record

    def _free_run_id(self, now: datetime) -> str:
        for _ in range(100):
            run_id = _new_run_id(now)
            if not (self.root / run_id).exists():
                return run_id
        raise FileExistsError(f"could not find a free run id in {self.root}")

    def delete(self, run_id: str) -> None:
        """Remove a run: renamed out of sight first, so a crash never leaves half a run listed;
        then the data files no run references any more."""
        self._discard(self._run_dir(run_id))
        self.collect_data()

    def collect_data(self) -> list[Path]:
        """Remove the stored data files that no run (saved, or being saved) references."""
        return self.data.collect(self._data_shas().values())

    def runs_with_data(self, sha: str, owners: Callable[[str], bool] = lambda _: True) -> list[str]:
        """The ids of the saved runs trained on the data with this content address, newest
        first (run ids start with their time); only those whose owner ``owners`` accepts."""
        refs = self._data_refs()
        return sorted(
            (f for f, (s, o) in refs.items() if s == sha and owners(o) and not f.startswith(".")),
            reverse=True,
        )

    def _data_shas(self) -> dict[str, str]:
        """{folder name: sha of its data} for every run folder (hidden ones being saved too)
        whose run.json references kept data."""
        return {folder: sha for folder, (sha, _) in self._data_refs().items()}

    def _data_refs(self) -> dict[str, tuple[str, str]]:
        """{folder name: (sha of its data, owner)} for the folders :meth:`_data_shas` reads."""
        refs = {}
        if self.root.is_dir():
            for path in self.root.glob(f"*/{RUN_FILE}"):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    refs[path.parent.name] = (
                        str(data["data_config"][DATA_KEY]["sha"]),
                        record_owner(data),
                    )
                except (OSError, ValueError, KeyError, TypeError, AttributeError):
                    continue
        return refs

    def delete_damaged(self, folder: str) -> None:
        """Remove a damaged run folder that the latest :meth:`list` reported (by its folder
        name); KeyError for any other name, so nothing outside the reported folders is touched."""
        reported = {path.name: path for path, _ in self._problems}
        if folder not in reported:
            raise KeyError(f"'{folder}' is not a damaged run folder of {self.root}.")
        self._discard(reported[folder])
        self.collect_data()

    def _discard(self, path: Path) -> None:
        trash = self.root / f"{TRASH_PREFIX}{uuid.uuid4().hex}"
        os.replace(path, trash)
        if trash.is_symlink():  # the link goes, never what it points to
            trash.unlink()
        shutil.rmtree(trash, ignore_errors=True)

    def cleanup_partial(self, max_age_seconds: float = STALE_SECONDS) -> list[Path]:
        """Remove leftovers of crashed saves, deletes and runs: ``.trash-*`` directories, and
        ``.tmp-*`` directories, checkpoints (``.checkpoints/*.npz``) and half-written data files
        (``data/.tmp-*``) whose process has ended or, when the name tells no process, that are
        older than ``max_age_seconds``; returns what was removed."""
        if not self.root.is_dir():
            return []
        removed = []
        cutoff = time.time() - max_age_seconds
        for path in self.root.iterdir():
            stale_tmp = path.name.startswith(TMP_PREFIX) and _abandoned(
                path.name.removeprefix(TMP_PREFIX), path, cutoff
            )
            if path.is_dir() and (stale_tmp or path.name.startswith(TRASH_PREFIX)):
                path.unlink() if path.is_symlink() else shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
        checkpoints = self.root / CHECKPOINT_DIR
        for path in checkpoints.glob("*.npz") if checkpoints.is_dir() else []:
            if _abandoned(path.name, path, cutoff):
                path.unlink(missing_ok=True)
                removed.append(path)
        for path in self.data.root.glob(f"{TMP_PREFIX}*") if self.data.root.is_dir() else []:
            if _abandoned(path.name.removeprefix(TMP_PREFIX), path, cutoff):
                path.unlink(missing_ok=True)  # a data file half-written by a crashed save
                removed.append(path)
        return removed

    # -- reading ---------------------------------------------------------------------------------
    def list(self) -> list[RunRecord]:
        """Every readable run, newest first. Damaged run directories are skipped (see
        :meth:`problems`); hidden ones (``.tmp-*``, ``.trash-*``) are ignored."""
        records, problems = [], []
        if self.root.is_dir():
            for path in self.root.iterdir():
                if path.name.startswith(".") or path.name == DATA_DIR or not path.is_dir():
                    continue
                if not RUN_ID_PATTERN.match(path.name):
                    problems.append((path, _bad_folder_name(path.name)))
                    continue
                try:
                    records.append(self._read(path))
                except RunError as error:
                    problems.append((path, str(error)))
        self._problems = problems
        return sorted(records, key=_sort_key, reverse=True)

    def problems(self) -> list[tuple[Path, str]]:
        """Run directories the latest :meth:`list` skipped, with the reason for each."""
        return list(self._problems)

    def get(self, run_id: str) -> RunRecord:
        """One run; KeyError when there is none by that id, RunError when it is damaged."""
        return self._read(self._run_dir(run_id))

    def load_model(self, run_id: str, compile: bool = False):
        """The run's saved Keras model (safe mode; uncompiled unless asked, as inspection and
        prediction need no optimizer)."""
        import keras

        import rnnviz.model.builder  # noqa: F401 (registers rnnviz's own layers: WordPairs)

        path = self._run_dir(run_id) / MODEL_FILE
        if not path.is_file():
            raise RunError(f"Run '{run_id}' has no saved model ({MODEL_FILE} is missing).")
        if not zipfile.is_zipfile(path):
            raise RunError(
                f"Run '{run_id}': {MODEL_FILE} is damaged or incomplete (not a whole .keras "
                "archive; was the save interrupted?). The run cannot be opened."
            )
        try:  # the checks an upload gets: a file in the store may have been put there by anyone
            vet_once(path)
        except ModelFileError as error:
            raise RunError(f"Run '{run_id}': {MODEL_FILE} is refused. {error}") from None
        try:
            return keras.models.load_model(path, compile=compile, safe_mode=True)
        except Exception as error:  # noqa: BLE001 - a damaged file becomes a message
            reason = user_message(error, "Keras cannot rebuild the model from it")
            raise RunError(f"Run '{run_id}': {MODEL_FILE} cannot be loaded: {reason}.") from None

    def table(self, records: Sequence[RunRecord] | None = None) -> pd.DataFrame:
        """One row per run (newest first): settings, epochs, best validation loss, test metrics
        and status; of ``records`` when given (e.g. the runs one user may see), else of all."""
        records = self.list() if records is None else list(records)
        metric_names = _metric_columns(records)
        rows = [_table_row(record, metric_names) for record in records]
        columns = [*TABLE_COLUMNS, *metric_names, "status"]
        frame = pd.DataFrame(rows, columns=columns)
        frame["created"] = pd.to_datetime(frame["created"], utc=True, format="ISO8601")
        return frame

    def _run_dir(self, run_id: str) -> Path:
        if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
            raise KeyError(f"'{run_id}' is not a valid run id.")
        path = self.root / run_id
        if not (path / RUN_FILE).is_file():
            raise KeyError(f"No saved run '{run_id}' in {self.root}.")
        return path

    @staticmethod
    def _read(path: Path) -> RunRecord:
        _refuse_links_and_giants(path)
        try:
            data = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
        except OSError as error:
            raise RunError(f"{path.name}/{RUN_FILE} cannot be read: {os_reason(error)}.") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise RunError(
                f"{path.name}/{RUN_FILE} cannot be read: it is damaged (not the JSON text of a run "
                "record)."
            ) from error
        if not isinstance(data, dict):
            raise RunError(f"{path.name}/{RUN_FILE} does not hold a run record.")
        if not (path / MODEL_FILE).is_file():
            raise RunError(f"{path.name} has no saved model ({MODEL_FILE} is missing).")
        return RunRecord.from_json(data, path)


def _refuse_links_and_giants(path: Path) -> None:
    """RunError for a run folder, record or model that is a symbolic link (it could point out of
    the store) or a record too large to be one (reading it would cost seconds and gigabytes)."""
    for part in (path, path / RUN_FILE, path / MODEL_FILE):
        if part.is_symlink():
            raise RunError(f"{path.name}: {part.name} is a link, which the store does not follow.")
    try:
        size = (path / RUN_FILE).stat().st_size
    except OSError as error:
        raise RunError(f"{path.name}/{RUN_FILE} cannot be read: {os_reason(error)}.") from error
    if size > MAX_RECORD_BYTES:
        raise RunError(
            f"{path.name}/{RUN_FILE} is {size / 1e6:.0f} MB, far more than a run record holds "
            f"(limit {MAX_RECORD_BYTES / 1e6:.0f} MB): it was not read."
        )


def _bad_folder_name(name: str) -> str:
    return (
        f"the folder name '{name}' is not a run id (letters, digits, '-' and '_' only, starting "
        "with a letter or digit): rename the folder to open or delete the run."
    )


def store_space_problem(root: Path | str) -> str:
    """Why a run could not be saved under ``root`` (read-only, under :data:`MIN_FREE_BYTES`
    free), or "" when it can."""
    folder = Path(root).expanduser()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the store is made on the first save
    if not os.access(folder, os.W_OK):
        return (
            f"The run store ({root}) is read-only here, so a trained run could not be saved. "
            "Set RNNVIZ_RUNS_DIR to a folder you can write to."
        )
    free = shutil.disk_usage(folder).free
    if free < MIN_FREE_BYTES:
        return (
            f"Only {free / 2**20:,.0f} MB is free on the disk of the run store ({root}); "
            f"training needs at least {MIN_FREE_BYTES / 2**20:,.0f} MB to save its run. Free "
            "some space or set RNNVIZ_RUNS_DIR to another disk."
        )
    return ""


def save_failure(error: BaseException) -> str:
    """A failed save in plain words, its cause first ("No space left on device: ..."), also
    when a library wrapped the system's error into its own message."""
    text = re.sub(r"^\[Errno \d+\] ", "", " ".join(str(error).split()))[:300]
    text = text or type(error).__name__
    code = getattr(error, "errno", None)
    if isinstance(code, int) and code > 0:
        reason = os.strerror(code)
    else:
        reason = next((cause for cause in SAVE_CAUSES if cause.lower() in text.lower()), "")
    return f"{reason}: {text}" if reason and not text.startswith(reason) else text


def _abandoned(name: str, path: Path, cutoff: float) -> bool:
    """Whether a temporary file or folder called ``name`` (see :func:`owned_name`) is left over:
    its owner process has ended, or (no owner in the name) it was last changed before
    ``cutoff``."""
    owner, dash, _ = name.partition("-")
    if dash and owner.isdigit():
        return not _process_alive(int(owner))
    return _mtime(path) < cutoff


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return math.inf


def _sort_key(record: RunRecord) -> tuple[datetime, str]:
    return record.created_at, record.run_id


def _metric_columns(records: list[RunRecord]) -> list[str]:
    """Scalar metric names over all runs: the main ones first, then the rest as first met."""
    seen: dict[str, None] = {}
    for record in records:
        for name, value in record.metrics.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                seen.setdefault(name, None)
    main = [name for name in MAIN_METRICS if name in seen]
    return main + [name for name in seen if name not in main]


def _table_row(record: RunRecord, metric_names: list[str]) -> dict:
    spec = record.model_spec
    row = {
        "id": record.run_id,
        "created": record.created,
        "task": record.task,
        "dataset": record.dataset,
        "cell": spec.cell,
        "direction": "bidirectional" if spec.bidirectional else "forward",
        "depth": spec.depth,
        "units": "-".join(str(u) for u in spec.units),
        "topology": spec.topology,
        "epochs run": record.epochs_run,
        "best val loss": record.best_val_loss,
        "status": record.status,
    }
    for name in metric_names:
        value = record.metrics.get(name)
        row[name] = float(value) if isinstance(value, int | float) else math.nan
    return row


# ---------------------------------------------------------------------------------------------
# Comparing runs


def _flat_settings(record: RunRecord) -> dict[str, object]:
    settings: dict[str, object] = {"task": record.task, "dataset": record.dataset}
    settings.update({f"model.{k}": v for k, v in record.model_spec.to_dict().items()})
    settings.update({f"train.{k}": v for k, v in dataclasses.asdict(record.train_spec).items()})
    settings.update({f"data.{k}": v for k, v in record.data_config.items()})
    return settings


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "(none)"
    if value is None:
        return "None"
    return str(value)


_MISSING = object()


def config_diff(a: RunRecord, b: RunRecord) -> pd.DataFrame:
    """The settings that differ between two runs: ``setting``, ``run a``, ``run b`` (as text;
    ``(not set)`` where a run has no such setting)."""
    left, right = _flat_settings(a), _flat_settings(b)
    rows = []
    for name in dict.fromkeys([*left, *right]):
        value_a, value_b = left.get(name, _MISSING), right.get(name, _MISSING)
        if _normalised(value_a) == _normalised(value_b):
            continue
        rows.append(
            {
                "setting": name,
                "run a": "(not set)" if value_a is _MISSING else _shown(value_a),
                "run b": "(not set)" if value_b is _MISSING else _shown(value_b),
            }
        )
    frame = pd.DataFrame(rows, columns=["setting", "run a", "run b"])
    frame.attrs.update(run_a=a.run_id, run_b=b.run_id)
    return frame


def _normalised(value: object) -> object:
    """Tuples and lists compare equal (JSON turns one into the other)."""
    if isinstance(value, list | tuple):
        return tuple(_normalised(v) for v in value)
    return value


def save_job(store: RunStore, job, data: Any = None, owner: str = LOCAL_OWNER) -> RunRecord:
    """Persist a finished job (spec, history, metrics, model, predictions) of ``owner`` and,
    given ``data`` (the task's data object it was trained on), the uploaded data it was trained
    on."""
    data_config, metrics, predictions = job.summary()
    task = get_task(job.task)
    data_file = task.data_file(data) if data is not None else None
    state = job.run.snapshot()
    return store.save(
        task=job.task,
        dataset=job.dataset_name,
        model=job.inference_model,
        model_spec=job.run.spec,
        train_spec=job.run.train,
        data_config=data_config,
        history=state.history,
        metrics=metrics,
        status=state.status,
        message=state.message,
        predictions=predictions,
        data_file=data_file,
        data_name=task.dataset_name(data) if data is not None else job.dataset_name,
        inspect=job.inspect_values(),
        owner=owner,
    )
