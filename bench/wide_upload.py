"""Very wide CSV uploads through every reader an upload goes through: time and peak memory.

Run: ``python bench/wide_upload.py``. Each measurement runs in a fresh Python process (its peak
resident memory is its own), on

* the issue 22 §3 file: 200,000 columns, 6-7 MB (it took 197 s and 1.9 GB): it must be refused
  within seconds, naming the limit, by the series (forecast and anomaly), text (sentiment) and
  sequence readers;
* a file at the limit (``MAX_COLUMNS`` columns, just under the 20 MB upload limit): it must be
  read, as the sequence Data page reads it (text read, layout guess, sequences), in seconds and
  a few hundred MB.

Goal: refuse or read within a few seconds and a few hundred MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORK = textwrap.dedent(
    """
    import json, resource, sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    from rnnviz.common.csvread import DataError, read_csv_table

    def wide_csv(columns, megabytes):
        rng = np.random.default_rng(0)
        header = ",".join(f"t{{i}}" for i in range(columns - 1)) + ",label"
        rows, size = [header], len(header)
        while size < megabytes * 1e6:
            values = rng.integers(0, 10, columns - 1)
            row = ",".join(map(str, values)) + ("," + "ab"[len(rows) % 2])
            rows.append(row)
            size += len(row) + 1
        return ("\\n".join(rows) + "\\n").encode()

    raw = wide_csv({columns}, {megabytes})
    reader = {reader!r}
    start = time.perf_counter()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        if reader == "forecast":
            from rnnviz.tasks.forecast.series import parse_series_csv
            parse_series_csv(raw, "wide.csv")
        elif reader == "sentiment":
            from rnnviz.tasks.sentiment.text import parse_text_csv
            parse_text_csv(raw, "wide.csv")
        elif reader == "anomaly":
            read_csv_table(raw, "wide.csv")
        else:
            from rnnviz.tasks.sequences.data import sequences_from_frame, suggest_sequence_columns
            frame = read_csv_table(raw, "wide.csv", dtype=str).frame
            sequences_from_frame(frame, suggest_sequence_columns(frame))
        outcome = "read"
    except DataError as error:
        outcome = "refused: " + str(error)[:90]
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(dict(mb=len(raw) / 1e6, s=seconds, base=base, peak=peak, outcome=outcome)))
    """
)


def measure(reader: str, columns: int, megabytes: float) -> dict:
    code = WORK.format(root=str(ROOT), columns=columns, megabytes=megabytes, reader=reader)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        timeout=600,
    )
    if done.returncode:
        return {"outcome": f"crashed: {done.stderr[-300:]}", "mb": 0, "s": 0, "base": 0, "peak": 0}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from rnnviz.common.csvread import MAX_COLUMNS

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    cases = [(reader, 200_000, 6.0) for reader in ("forecast", "anomaly", "sentiment", "sequences")]
    cases.append(("sequences", MAX_COLUMNS, 19.0))
    for reader, columns, megabytes in cases:
        r = measure(reader, columns, megabytes)
        print(
            f"{reader:9s} {columns:>7,} columns, {r['mb']:4.1f} MB: {r['s']:5.2f} s, peak "
            f"{r['peak']:4.0f} MB ({r['peak'] - r['base']:+4.0f} MB over the imports); "
            f"{r['outcome']}"
        )


if __name__ == "__main__":
    main()
