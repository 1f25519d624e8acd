"""Data files that ship inside installed packages (read offline, without importing the package):
the UCR/UEA archive inside sktime, shared by the sequence and anomaly tasks."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal

import numpy as np

from rnnviz.common.csvread import DataError


def package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"The built-in data needs the Python package '{package}'.")
    return Path(next(iter(spec.submodule_search_locations)))


def existing_file(path: Path) -> Path:
    if not path.exists():
        raise DataError(f"The built-in data file is missing: {path}")
    return path


def ucr_path(name: str, part: Literal["TRAIN", "TEST"]) -> Path:
    """The bundled ``.ts`` file of a UCR/UEA set inside sktime (not imported)."""
    return existing_file(package_dir("sktime") / "datasets" / "data" / name / f"{name}_{part}.ts")


def read_ts(path: Path) -> tuple[list[np.ndarray], list[str], tuple[str, ...]]:
    """Sequences ``(steps, channels)``, their labels and the declared class labels of a ``.ts``
    file (sktime/UEA format without time stamps: channels separated by ``:``, label last)."""
    sequences, labels, declared = [], [], ()
    in_data = False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                lower = line.lower()
                if lower.startswith("@classlabel"):
                    declared = tuple(line.split()[2:])
                in_data = lower == "@data"
                continue
            *channels, label = line.split(":")
            parts = [np.array(c.split(","), dtype=np.float32) for c in channels]
            sequences.append(np.stack(parts, axis=-1))  # (steps, channels)
            labels.append(label.strip())
    return sequences, labels, declared
