"""Many browser sessions of all four tasks training at once: all finish, each sees only its own
run, no page shows an exception, memory bounded.

The app is started as the README says (``make run PORT=...``, temporary run store, its log kept);
N headless Chromium contexts (separate Streamlit sessions) take the tasks in turn (forecast,
sentiment, sequences, generation: 2 of each for 8 sessions), each prepared with its defaults, a
small model, a few epochs and its own seed; then all click Train together. Checked and printed,
per session: the outcome the page shows ("Finished <its own epochs> epochs"), its run id, the
exception boxes on its Train page and then on its Inspect page (Streamlit's
``stException``); for all: distinct run ids, the store's runs by task and epochs, the
Tracebacks in the server log, wall times (the executor queues runs behind a cap of one per
core), the load average, and the resident memory (RSS) of the server and of its worker
processes, sampled throughout.

Run: .venv/bin/python bench/load_sessions.py [--sessions 8] [--first-epochs 2]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

import _bootstrap  # noqa: F401  (repository root on sys.path)
from app_train_speed import (
    chromium,
    click_train,
    cmdline,
    descendants,
    early_stopping_off,
    go_to_retrying,
    make_run,
    new_page,
    prepare_airline,
    prepare_sentiment,
    read_clock,
)

RUN_IN_URL = re.compile(r"[?&]run=([\w-]+)")
TASKS = ("forecast", "sentiment", "sequences", "generation")
EXCEPTION = '[data-testid="stException"]'
PORT = int(os.environ.get("RNNVIZ_BENCH_PORT", "0")) or None  # None: a free port


def _helpers():
    from tests.e2e import test_browser

    return test_browser


def prepare_sequences(page, url: str, epochs: int) -> None:
    """Sidebar task -> Data (MNIST rows, defaults) -> Build with 8 units -> Train, ``epochs``."""
    h = _helpers()
    h.choose_task(page, url, "Classify sequences", "sequences_data")
    go_to_retrying(page, "Data")
    h.expect(h.metric_value(page, "Sequences")).to_have_text("5,000", timeout=120_000)
    h.go_to(page, "Build")
    h.set_number(page, "Units, layer 1", 8)
    h.expect(h.plotly_chart(page, containing="Dense head")).to_contain_text(
        "8 units", timeout=120_000
    )
    h.go_to(page, "Train")
    h.set_number(page, "Epochs", epochs)


def prepare_generation(page, url: str, epochs: int) -> None:
    """Sidebar task -> Data (default play; sequences of 50 every 100) -> Build with 16 units ->
    Train, ``epochs``, batches of 128."""
    h = _helpers()
    h.choose_task(page, url, "Generate text", "generation_data")
    go_to_retrying(page, "Data")
    h.set_number(page, "Sequence length (characters)", 50)
    h.set_number(page, "Stride (characters between sequence starts)", 100)
    h.expect(page.get_by_text("sequences of 50 every 100")).to_be_visible(timeout=120_000)
    h.go_to(page, "Build")
    h.set_number(page, "Units, layer 1", 16)
    h.expect(h.plotly_chart(page, containing="Embedding")).to_contain_text(
        "16 units", timeout=120_000
    )
    h.go_to(page, "Train")
    h.set_number(page, "Epochs", epochs)
    h.set_number(page, "Batch size", 128)


def prepare(page, url: str, task: str, epochs: int) -> None:
    """Data -> Build -> Train for ``task``, with ``epochs`` and early stopping off."""
    if task == "forecast":
        prepare_airline(page, url, epochs)
    elif task == "sentiment":
        prepare_sentiment(page, url, units=8)
        _helpers().set_number(page, "Epochs", epochs)
    elif task == "sequences":
        prepare_sequences(page, url, epochs)
    else:
        prepare_generation(page, url, epochs)
    early_stopping_off(page)


def exceptions(page) -> list[str]:
    """The text of every Streamlit exception box on the page."""
    boxes = page.locator(EXCEPTION)
    return [" ".join(text.split())[:300] for text in boxes.all_inner_texts()]


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
    parser.add_argument(
        "--first-epochs", type=int, default=2, help="session i trains this + i // 4"
    )
    args = parser.parse_args()
    tasks = [TASKS[i % len(TASKS)] for i in range(args.sessions)]
    epochs = [args.first_epochs + i // len(TASKS) for i in range(args.sessions)]
    seeds = [100 + i for i in range(args.sessions)]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{args.sessions} sessions: tasks {tasks}, epochs {epochs}, seeds {seeds}")

    from rnnviz.train.runs import RunStore

    h = _helpers()
    with (
        tempfile.TemporaryDirectory(prefix="rnnviz-load-runs-") as runs,
        tempfile.NamedTemporaryFile("r", prefix="rnnviz-load-log-", suffix=".txt") as log,
        make_run(runs, port=PORT, log_path=log.name) as (process, url),
        chromium() as browser,
    ):
        sampler = MemorySampler(process.pid)
        sampler.start()
        idle = sampler.sample()
        pages = []
        for task, n, s in zip(tasks, epochs, seeds, strict=True):
            page = new_page(browser)
            prepare(page, url, task, n)
            h.set_number(page, "Seed", s)
            pages.append(page)
            print(f"[prepared] {task}, load average {os.getloadavg()[0]:.1f}")
        before = sampler.sample()
        for page in pages:
            click_train(page)
        print(f"[clicked Train] {len(pages)} sessions, load average {os.getloadavg()[0]:.1f}")
        clocks = [read_clock(page) for page in pages]
        load_trained = os.getloadavg()
        sampler.halt.set()
        sampler.join()
        trained_boxes = [exceptions(page) for page in pages]
        inspect_boxes = []
        for page in pages:
            go_to_retrying(page, "Inspect")
            h.settle(page, timeout=300_000)
            inspect_boxes.append(exceptions(page))

        seconds = [clock["end"] for clock in clocks]
        messages = [clock["message"] for clock in clocks]
        run_ids = [(RUN_IN_URL.search(page.url) or [None, None])[1] for page in pages]
        own = [f"Finished {n} epoch" in m for n, m in zip(epochs, messages, strict=True)]
        for i in range(len(pages)):
            boxes = trained_boxes[i] + inspect_boxes[i]
            outcome = "ok" if own[i] and not boxes else "FAILED"
            print(
                f"[session {i + 1}] {outcome}: {tasks[i]}, epochs {epochs[i]}, seed {seeds[i]}, "
                f"run {run_ids[i]}: {seconds[i]:.1f} s; page says: {messages[i][:160]}"
            )
            print(
                f"    exception boxes: Train {len(trained_boxes[i])}, Inspect "
                f"{len(inspect_boxes[i])}" + "".join(f"\n      {box}" for box in boxes)
            )
        records = RunStore(runs).list()
        stored = Counter((r.task, r.train_spec.epochs) for r in records)
        tracebacks = log.read().count("Traceback")
        print(f"[isolation] every page shows its own epoch count: {all(own)}")
        print(f"[isolation] distinct run ids in the URLs: {len(set(run_ids)) == len(pages)}")
        print(f"[isolation] runs in the store: {len(records)}, by (task, epochs): {dict(stored)}")
        print(
            f"[exceptions] boxes on the pages: {sum(map(len, trained_boxes + inspect_boxes))}; "
            f"Tracebacks in the server log: {tracebacks}"
        )
        print(
            f"[all finished] {sum(own)}/{len(pages)}; slowest {max(seconds):.1f} s, "
            f"fastest {min(seconds):.1f} s; load average when the last ended "
            f"{load_trained[0]:.1f} / {load_trained[1]:.1f} / {load_trained[2]:.1f}"
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
        if tracebacks:
            text = log.name
            print(f"[server log] {text}:")
            lines = Path(text).read_text().splitlines()
            starts = [k for k, line in enumerate(lines) if line.startswith("Traceback")]
            for k in starts[:3]:
                print("\n".join(lines[k : k + 25]))


if __name__ == "__main__":
    main()
