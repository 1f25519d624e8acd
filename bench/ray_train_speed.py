"""Train click to result in the real app: runs on a local Ray cluster against local workers.

The app is started twice as the README says (``make run``), once plain (local worker processes,
one spare kept warm) and once with ``RNNVIZ_RAY_ADDRESS=local`` (each run a Ray actor), and
driven in headless Chromium through the default airline recipe (early stopping off). Timed by
the page's own clock (bench/app_train_speed.py): from the Train click to the run's outcome shown,
and to the Inspect link (the run saved in the server's store; with Ray its files travel back
as bytes). The first run of each server is reported apart: on Ray it starts a fresh actor
process that imports TensorFlow (local workers keep a warm spare).

Run: .venv/bin/python bench/ray_train_speed.py [--epochs 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import _bootstrap  # noqa: F401  (repository root on sys.path)
from _serve import make_run
from app_train_speed import (
    chromium,
    click_train,
    new_page,
    prepare_airline,
    read_clock,
    streamlit_pid,
    wait_for_warm_worker,
)

RAY_SETTLE_SECONDS = 20.0  # Ray's local cluster starts when the Data page opens


def time_runs(executor: str, epochs: int, repeats: int) -> list[dict]:
    """``1 + repeats`` airline runs on a fresh server using ``executor`` ("local" or "ray")."""
    env = {"RNNVIZ_RAY_ADDRESS": "local"} if executor == "ray" else {}
    readings = []
    with tempfile.TemporaryDirectory() as runs, make_run(runs, env=env) as (process, url):
        with chromium() as browser:
            page = new_page(browser)
            prepare_airline(page, url, epochs)
            server = streamlit_pid(process.pid)
            for number in range(1 + repeats):
                if executor == "local":
                    wait_for_warm_worker(server)
                elif number == 0:
                    time.sleep(RAY_SETTLE_SECONDS)
                click_train(page)
                clock = read_clock(page)
                print(
                    f"  {executor} run {number + 1}: outcome {clock['end']:.2f} s, "
                    f"Inspect link {clock['link']:.2f} s ({clock['message'][:60]})"
                )
                readings.append(clock)
                time.sleep(2.0)  # the page settles; the next spare starts
    return readings


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="runs after the first")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    results = {name: time_runs(name, args.epochs, args.repeats) for name in ("local", "ray")}
    for key, label in (("end", "outcome shown"), ("link", "Inspect link")):
        first = {name: runs[0][key] for name, runs in results.items()}
        later = {
            name: statistics.median(run[key] for run in runs[1:]) if len(runs) > 1 else first[name]
            for name, runs in results.items()
        }
        print(
            f"{label}: first run ray {first['ray']:.2f} s / local {first['local']:.2f} s = "
            f"{first['ray'] / first['local']:.2f}; later runs (median) ray {later['ray']:.2f} s / "
            f"local {later['local']:.2f} s = ratio {later['ray'] / later['local']:.2f}"
        )


if __name__ == "__main__":
    main()
