"""The data runs were trained on, kept once in the run store (content-addressed, no pickle).

An uploaded data set is stored as ``<runs root>/data/<sha256>.<ext>``, a normalised, plain file
written by its task (a series as a clean CSV, labelled texts as ``text,label,split`` rows,
labelled sequences as a long CSV, a corpus as UTF-8 text), so reopening a run never re-runs the
sniffing of the user's file and an export can read it with pandas. The same content is stored
once for every run that shares it; a run's ``data_config["stored_data"]`` holds the reference
(sha, extension, original file name, kind and the reading choices its task needs). Built-in data
is referenced by its key and never copied.

Writing is atomic (a temporary file renamed into place); reading verifies the hash, so a damaged
or missing file is a clear :class:`DataStoreError`, never a wrong model input. The folder is
capped (``RNNVIZ_DATA_CAP_MB``, 200 MB by default): above the cap a run is saved without its
data and its reference says why. Free of streamlit.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnviz.common.messages import os_reason

if TYPE_CHECKING:
    from rnnviz.train.runs import RunRecord

DATA_DIR = "data"  # under the runs root
DATA_KEY = "stored_data"  # the reference's key in a run's data_config
CAP_ENV = "RNNVIZ_DATA_CAP_MB"
DEFAULT_CAP_MB = 200.0
TMP_PREFIX = ".tmp-"  # a file or folder being written (here and in the run store)
_NAME = re.compile(r"^(?P<sha>[0-9a-f]{64})\.(?P<ext>[a-z0-9]{1,8})$")


class DataStoreError(ValueError):
    """A run's data that cannot be read back (not kept, missing or damaged)."""


@dataclass(frozen=True)
class DataFile:
    """What a task stores for an uploaded data set: normalised bytes and how to read them."""

    content: bytes
    ext: str  # "csv" or "txt"
    kind: str  # what the file holds, e.g. "series CSV (time, columns)"
    config: dict[str, Any] = field(default_factory=dict)  # the reading choices its task needs

    @property
    def sha(self) -> str:
        return data_sha(self.content)


def data_sha(content: bytes) -> str:
    """The content address of a data file (SHA-256, hex)."""
    return hashlib.sha256(content).hexdigest()


def owned_name(name: str, pid: int | None = None) -> str:
    """``name`` prefixed with the pid of the process that owns the file (default: this one), so
    a later clean-up can tell a live run's file from a dead one's."""
    return f"{os.getpid() if pid is None else pid}-{name}"


def cap_bytes() -> int:
    """The data folder's size limit: ``RNNVIZ_DATA_CAP_MB`` megabytes (200 by default)."""
    try:
        megabytes = float(os.environ.get(CAP_ENV, DEFAULT_CAP_MB))
    except ValueError:
        megabytes = DEFAULT_CAP_MB
    return int(max(0.0, megabytes) * 1e6)


class DataStore:
    """Content-addressed data files under one folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha: str, ext: str) -> Path:
        name = f"{sha}.{ext}"
        if not _NAME.match(name):
            raise DataStoreError(f"'{name}' is not a stored data file name.")
        return self.root / name

    def total_bytes(self) -> int:
        """Bytes held by the stored data files."""
        return sum(path.stat().st_size for path in self._files())

    def put(self, data: DataFile, cap: int | None = None) -> str:
        """Store ``data`` once (atomically); returns "" when stored or already there, else why
        it was not (the cap)."""
        target = self.path(data.sha, data.ext)
        if target.is_file():
            return ""
        limit = cap_bytes() if cap is None else cap
        used = self.total_bytes() if self.root.is_dir() else 0
        if used + len(data.content) > limit:
            return (
                f"its {len(data.content) / 1e6:.1f} MB would take the stored data past its cap "
                f"of {limit / 1e6:g} MB ({used / 1e6:.1f} MB used; set {CAP_ENV} to change)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f"{TMP_PREFIX}{owned_name(uuid.uuid4().hex)}"  # see cleanup_partial
        try:
            tmp.write_bytes(data.content)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return ""

    def read(self, sha: str, ext: str, label: str = "the data") -> bytes:
        """The stored bytes, checked against their hash; DataStoreError when missing or damaged."""
        path = self.path(sha, ext)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise DataStoreError(
                f"The stored data of this run ({label}) is missing: {DATA_DIR}/{path.name} was "
                "deleted. Upload the file again to retrain."
            ) from None
        except OSError as error:
            raise DataStoreError(
                f"The stored data of this run ({label}) cannot be read: {os_reason(error)}."
            ) from None
        if data_sha(content) != sha:
            raise DataStoreError(
                f"The stored data of this run ({label}) is damaged: {DATA_DIR}/{path.name} no "
                "longer matches its hash. Upload the file again to retrain."
            )
        return content

    def collect(self, referenced: Iterable[str]) -> list[Path]:
        """Remove the data files no run references (by sha); returns what was removed."""
        keep = set(referenced)
        removed = []
        for path in self._files():
            match = _NAME.match(path.name)
            if match and match["sha"] not in keep:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def _files(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.is_file() and _NAME.match(p.name)]


def reference(data: DataFile, filename: str, not_kept: str = "") -> dict[str, Any]:
    """What a run's data_config keeps about its stored data (``not_kept``: why it is not)."""
    ref: dict[str, Any] = {
        "sha": data.sha,
        "ext": data.ext,
        "filename": filename,
        "kind": data.kind,
        "bytes": len(data.content),
        **data.config,
    }
    if not_kept:
        ref.update(kept=False, reason=not_kept)
    return ref


def stored_reference(record: RunRecord) -> dict[str, Any] | None:
    """The reference to a run's stored data, or None when it has none (built-in data)."""
    ref = record.data_config.get(DATA_KEY)
    return ref if isinstance(ref, dict) else None


def read_stored(record: RunRecord) -> tuple[bytes, dict[str, Any]]:
    """The bytes of the data a run was trained on and its reference; DataStoreError when the
    run keeps none, or when they were not kept, are missing or damaged."""
    ref = stored_reference(record)
    name = str((ref or {}).get("filename") or record.dataset)
    if ref is None:
        raise DataStoreError(
            f"The data of this run ({name}) was uploaded and is not stored (a run saved before "
            "runs kept their data): upload it again to retrain."
        )
    if ref.get("kept") is False:
        raise DataStoreError(
            f"The data of this run ({name}) was not kept: {ref.get('reason', 'no reason saved')}. "
            "Upload it again to retrain."
        )
    try:
        sha, ext = str(ref["sha"]), str(ref["ext"])
    except KeyError:
        raise DataStoreError(f"This run's data reference ({name}) is incomplete.") from None
    store = DataStore(record.path.parent / DATA_DIR)
    return store.read(sha, ext, name), ref


def data_download(record: RunRecord) -> tuple[str, bytes] | None:
    """The stored data file of a run as (download name, bytes); None without one."""
    ref = stored_reference(record)
    if ref is None or ref.get("kept") is False:
        return None
    content, ref = read_stored(record)
    return data_filename(ref), content


def data_filename(ref: dict[str, Any]) -> str:
    """The name an export reads its data from: the upload's stem, the stored extension."""
    stem = Path(str(ref.get("filename") or "data")).stem
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("._")[:60] or "data"
    return f"{slug}.{ref['ext']}"
