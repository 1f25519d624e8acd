"""What Inspect reads, computed once per run at save time and kept with it (issue 19).

A run's ``inspect.zip`` holds named values: tables as Parquet files (dtypes kept, no pickle, so
an imported run cannot run code) and plain values (numbers, strings, lists) in ``values.json``.
A run saved without it, or with a damaged one, reads as empty: Inspect computes on demand.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

INSPECT_FILE = "inspect.zip"
VALUES_ENTRY = "values.json"
TABLE_SUFFIX = ".parquet"
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # tables of test predictions: megabytes at most


def write_inspect(path: Path, values: dict[str, Any]) -> None:
    """Write ``values`` (DataFrames and JSON values, by name) to the zip file ``path``."""
    plain = {k: v for k, v in values.items() if not isinstance(v, pd.DataFrame)}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(VALUES_ENTRY, json.dumps(plain))
        for name, table in values.items():
            if isinstance(table, pd.DataFrame):
                buffer = io.BytesIO()
                table.to_parquet(buffer)
                archive.writestr(name + TABLE_SUFFIX, buffer.getvalue())


def read_inspect(path: Path) -> dict[str, Any]:
    """The values :func:`write_inspect` wrote to ``path``; empty when there is no such file or
    it cannot be read (too large, damaged, not a zip)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                return {}
            values = json.loads(archive.read(VALUES_ENTRY))
            for entry in entries:
                if entry.filename.endswith(TABLE_SUFFIX):
                    name = entry.filename.removesuffix(TABLE_SUFFIX)
                    values[name] = pd.read_parquet(io.BytesIO(archive.read(entry)))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return {}
    return values if isinstance(values, dict) else {}
