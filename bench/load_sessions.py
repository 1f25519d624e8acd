"""Many browser sessions training at once: all finish, each sees only its own run, memory bounded.

The app is started as the README says (``make run PORT=...``, temporary run store); N headless
Chromium contexts (separate Streamlit sessions) each prepare the default airline run with their
own epochs count and seed, then all click Train together. Checked and printed: every run ends
with "Finished <its own epochs> epochs", the run ids in the URLs are distinct, the store holds N
runs with those epoch counts, wall times (the executor queues runs behind a cap of one per
core), and the resident memory (RSS) of the server and of its worker processes, sampled
throughout.

Run: .venv/bin/python bench/load_sessions.py [--sessions 8] [--first-epochs 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

import _bootstrap  # noqa: F401  (repository root on sys.path)
from app_train_speed import (
    chromium,
    click_train,
    cmdline,
    descendants,
    make_run,
    new_page,
    prepare_airline,
    read_clock,
)

RUN_IN_URL = re.compile(r"[?&]run=([\w-]+)")


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 if it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class MemorySampler(threading.Thread):
    """Samples the RSS of the streamlit server and of its rnnviz.service.worker descendants."""

    def __init__(self, make_pid: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.make_pid, self.every = make_pid, every
        self.samples: list[tuple[float, float, int]] = []  # (server MB, workers MB, workers)
        self.halt = threading.Event()

    def server_pid(self) -> int | None:
        return next((p for p in descendants(self.make_pid) if "streamlit" in cmdline(p)), None)

    def sample(self) -> tuple[float, float, int]:
        server = self.server_pid()
        if server is None:
            return 0.0, 0.0, 0
        workers = [p for p in descendants(server) if "rnnviz.service.worker" in cmdline(p)]
        return rss_mb(server), sum(rss_mb(p) for p in workers), len(workers)

    def run(self) -> None:
        while not self.halt.is_set():
            self.samples.append(self.sample())
            self.halt.wait(self.every)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--first-epochs", type=int, default=3, help="session i trains this + i")
    args = parser.parse_args()
    epochs = [args.first_epochs + i for i in range(args.sessions)]
    seeds = [100 + i for i in range(args.sessions)]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{args.sessions} sessions, airline default, epochs {epochs}, seeds {seeds}")

    from rnnviz.train.runs import RunStore
    from tests.e2e.test_browser import set_number

    with (
        tempfile.TemporaryDirectory(prefix="rnnviz-load-runs-") as runs,
        make_run(runs) as (
            process,
            url,
        ),
        chromium() as browser,
    ):
        sampler = MemorySampler(process.pid)
        sampler.start()
        idle = sampler.sample()
        pages = []
        for n, s in zip(epochs, seeds, strict=True):
            page = new_page(browser)
            prepare_airline(page, url, n)
            set_number(page, "Seed", s)
            pages.append(page)
        before = sampler.sample()
        for page in pages:
            click_train(page)
        clocks = [read_clock(page) for page in pages]
        sampler.halt.set()
        sampler.join()

        seconds = [clock["end"] for clock in clocks]
        messages = [clock["message"] for clock in clocks]
        run_ids = [(RUN_IN_URL.search(page.url) or [None, None])[1] for page in pages]
        own = [f"Finished {n} epochs" in m for n, m in zip(epochs, messages, strict=True)]
        for i, (n, s, sec, m, rid) in enumerate(
            zip(epochs, seeds, seconds, messages, run_ids, strict=True), 1
        ):
            print(f"[session {i}] epochs {n} seed {s} run {rid}: {sec:.1f} s, page says: {m}")
        records = RunStore(runs).list()
        stored = sorted(r.train_spec.epochs for r in records)
        print(f"[isolation] every page shows its own epoch count: {all(own)}")
        print(f"[isolation] distinct run ids in the URLs: {len(set(run_ids)) == len(pages)}")
        print(f"[isolation] runs in the store: {len(records)}, epochs {stored}")
        print(
            f"[all finished] {sum(own)}/{len(pages)}; slowest {max(seconds):.1f} s, "
            f"fastest {min(seconds):.1f} s"
        )
        peak_server = max(s[0] for s in sampler.samples)
        peak_workers = max(s[1] for s in sampler.samples)
        peak_total = max(s[0] + s[1] for s in sampler.samples)
        most = max(s[2] for s in sampler.samples)
        after = sampler.sample()
        print(
            f"[memory] server RSS: idle {idle[0]:.0f} MB, {len(pages)} sessions ready "
            f"{before[0]:.0f} MB, peak {peak_server:.0f} MB, after {after[0]:.0f} MB"
        )
        print(
            f"[memory] worker processes: at most {most} at once (cap of {os.cpu_count()} running "
            f"+ 1 warm spare), peak {peak_workers:.0f} MB together"
        )
        print(
            f"[memory] server + workers peak {peak_total:.0f} MB ({len(sampler.samples)} samples)"
        )


if __name__ == "__main__":
    main()
