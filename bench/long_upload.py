"""Reading a long CSV of labelled sequences (one row per step) as the sequence Data page does.

Run: ``python bench/long_upload.py [ids ...]`` (default 2,000 20,000 200,000). For each size it
writes a long table of that many sequences, 3-7 steps each (5 on average: 200,000 ids fit the 20 MB upload limit), rows shuffled and
columns in a scrambled order (``value, kind, step, id``), then times (best of 3):

* ``pandas``: a plain ``pandas.read_csv`` of the bytes (the floor);
* ``text``: :func:`rnnviz.common.csvread.read_csv_table` with ``dtype=str`` (what the page parses);
* ``guess``: :func:`rnnviz.tasks.sequences.data.suggest_sequence_columns` (layout and columns);
* ``sequences``: :func:`rnnviz.tasks.sequences.data.sequences_from_frame` (grouping, ordering, padding);

and prints the page's whole read (text + guess + sequences) against the pandas read. Goal (issue
22 §3): 200,000 ids in seconds, growing with the file (no per-id Python loop).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import io  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from rnnviz.common.csvread import read_csv_table  # noqa: E402
from rnnviz.tasks.sequences.data import sequences_from_frame, suggest_sequence_columns  # noqa: E402


def long_csv(n_ids: int, seed: int = 0) -> bytes:
    """``n_ids`` sequences of 3-7 steps, three classes, rows shuffled."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 8, n_ids)
    ids = np.repeat(np.arange(n_ids), lengths)
    steps = np.arange(len(ids)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    kinds = np.array(["a", "b", "c"])[ids % 3]
    values = np.round(np.sin(steps / 3 + ids % 3) + rng.normal(0, 0.1, len(ids)), 3)
    frame = pd.DataFrame({"value": values, "kind": kinds, "step": steps, "id": ids})
    frame["id"] = "s" + frame["id"].astype(str)
    frame = frame.sample(frac=1.0, random_state=seed)
    return frame.to_csv(index=False).encode()


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def measure(n_ids: int) -> None:
    raw = long_csv(n_ids)
    plain, _ = best_of(3, lambda: pd.read_csv(io.BytesIO(raw)))
    text, table = best_of(3, lambda: read_csv_table(raw, "long.csv", dtype=str))
    frame = table.frame
    guess_s, guess = best_of(3, lambda: suggest_sequence_columns(frame))
    read_s, dataset = best_of(3, lambda: sequences_from_frame(frame, guess, "long.csv"))
    assert guess.layout == "long" and len(dataset) == n_ids, (guess, len(dataset))
    total = text + guess_s + read_s
    print(
        f"{n_ids:>9,} ids, {len(frame):>10,} rows, {len(raw) / 1e6:6.1f} MB: pandas {plain:6.2f} s"
        f" | text {text:6.2f} s, guess {guess_s:6.2f} s, sequences {read_s:6.2f} s,"
        f" page read {total:6.2f} s = {total / plain:4.1f} x pandas"
    )
    print(f"    {dataset.notes[0]}")


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [2_000, 20_000, 200_000]
    for n_ids in sizes:
        measure(n_ids)


if __name__ == "__main__":
    main()
