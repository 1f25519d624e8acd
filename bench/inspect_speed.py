"""Seconds to draw each task's Inspect page, and to answer one typical widget change, in a browser.

The app is started as the README says (``streamlit run app.py``, here on ``--port``, default
8614) with a temporary run store. For every task one short run is trained through the pages
(the task's built-in data and default recipe, ``epochs`` epochs), which also times the Train click
to the first per-batch loss on the live chart. Then, ``repeats`` times, a fresh browser session
(nothing cached in the session) reattaches to the run through its URL (``?task=&run=``), clicks
Inspect in the sidebar and waits until the page is drawn to its last element: the server has
finished the script run (Streamlit's ``script_finished`` message on the websocket, and no
further run within a short quiet time) and every chart and table is drawn in the DOM. Then the
typical interaction is timed the same way (forecast: the gate selector; sentiment: a typed
sentence; sequences: the digit picker; generation: the passage).

Prints per task ``inspect <task> first draw <s> interaction <s>`` (medians of ``repeats``);
``train <task> first batch on the chart <s> (loss before training <s>)``: from the Train click
to the first per-batch loss drawn, and to the untrained model's loss drawn at 0; and
``train <task> time left at epoch 2 / actual <ratio>``: the time left the Train page announced
once two epochs were done, over the time the run then took (read off the page's progress
texts, whose elapsed seconds are the run's own clock; each run trains at least ``--epochs``
epochs, default 4, for this).

Run: .venv/bin/python bench/inspect_speed.py [--repeats 3] [--epochs 4] [--tasks forecast ...]
(about 5-8 minutes on the shared 2-core machine, most of it training and page loads)
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import _bootstrap  # noqa: F401  (repository root on sys.path)
from _serve import CHROMIUM, CHROMIUM_ARGS, ROOT, wait_for_health
from playwright.sync_api import Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: TID251 (the wire protocol)

PORT = 8614
TIMEOUT_MS = int(os.environ.get("INSPECT_SPEED_TIMEOUT_MS", "240000"))
QUIET_SECONDS = 0.3  # no new script run this long after one finished: the page is settled
VIEWPORT = {"width": 1400, "height": 1000}
STATUS = '[data-testid="stStatusWidget"]'
EXCEPTION = '[data-testid="stException"]'
# Every chart has its SVG, every table its canvas, no skeleton or stale element is left.
ALL_DRAWN_JS = """() => {
  const shown = q => [...document.querySelectorAll(q)].filter(e => e.checkVisibility());
  return shown('[data-testid="stPlotlyChart"]').every(c => c.querySelector('.main-svg'))
    && shown('[data-testid="stDataFrame"]').every(t => t.querySelector('canvas, table'))
    && !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-stale="true"]');
}"""


class ScriptRuns:
    """Counts Streamlit's script runs of one page from its websocket: started (``new_session``)
    and finished (``script_finished``), with the time of the last finish."""

    def __init__(self, page: Page) -> None:
        self.started = self.finished = 0
        self.finished_at = 0.0
        self.batch_drawn_at = 0.0
        self.start_drawn_at = 0.0
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if not isinstance(payload, bytes):
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: ignore
            return
        kind = message.WhichOneof("type")
        if kind == "delta" and not self.batch_drawn_at and b"train loss per batch" in payload:
            self.batch_drawn_at = time.perf_counter()  # the live chart with per-batch losses
        if kind == "delta" and not self.start_drawn_at and b"loss before training" in payload:
            self.start_drawn_at = time.perf_counter()  # its point before the first batch
        if kind == "new_session":
            self.started += 1
        elif kind == "script_finished":
            self.finished += 1
            self.finished_at = time.perf_counter()

    def wait_settled(self, page: Page, since: int, timeout: float = TIMEOUT_MS / 1000) -> float:
        """Wait until a script run finished after ``since`` finishes was counted, none is running
        and none starts within :data:`QUIET_SECONDS`, and the DOM is fully drawn; returns the
        time (perf_counter) when the page was last complete."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            page.wait_for_timeout(20)
            if self.finished <= since or self.started > self.finished:
                continue
            done = self.finished_at
            page.wait_for_function(ALL_DRAWN_JS, timeout=TIMEOUT_MS)
            drawn = time.perf_counter()
            page.wait_for_timeout(QUIET_SECONDS * 1000)
            status = page.locator(STATUS)
            idle = status.count() == 0 or not status.is_visible()
            if self.finished_at == done and self.started <= self.finished and idle:
                return max(done, drawn) if drawn - done > 0.05 else done
        raise TimeoutError("the page did not settle")


@dataclass(frozen=True)
class Case:
    task: str  # in the URL
    ready: str  # what its Data page shows once the data is ready
    last: str  # a text near the end of its Inspect page
    interact: Callable[[Page], float]  # one widget change on its Inspect page; when committed
    epochs: int = 1
    data: dict[str, int] = field(default_factory=dict)  # Data page numbers, by label


def choose_option(page: Page, label: str) -> float:
    """Pick the next option of the select box labelled ``label`` (keyboard: down, Enter); the
    time of the committing key press."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    box.locator("input").click()
    page.wait_for_timeout(300)  # the list opens
    page.keyboard.press("ArrowDown")
    start = time.perf_counter()
    page.keyboard.press("Enter")
    return start


def change_gate(page: Page) -> float:
    return choose_option(page, "Gate")


def type_into(page: Page, label: str, text: str, commit: str) -> float:
    """Type ``text`` into the field labelled ``label``; the time of the committing key press."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    start = time.perf_counter()
    box.press(commit)
    return start


def type_sentence(page: Page) -> float:
    sentence = "a dull , lifeless script that never finds its footing"
    return type_into(page, "Type a sentence", sentence, "Enter")


def pick_digit(page: Page) -> float:
    return choose_option(page, "Test sequence")


def type_passage(page: Page) -> float:
    passage = "Enter the King and his train, with the witches upon the heath."
    return type_into(page, "A passage (up to 500 characters)", passage, "Control+Enter")


CASES = {
    "forecast": Case(
        "forecast",
        "Data ready",
        "Gate explorer",
        change_gate,
        epochs=10,
    ),
    "sentiment": Case(
        "sentiment",
        "vocabulary of",
        "Most confidently",
        type_sentence,
    ),
    "sequences": Case(
        "sequences",
        "train",
        "One test sequence",
        pick_digit,
    ),
    "generation": Case(
        "generation",
        "sequences of",
        "Units that track",
        type_passage,
    ),
}


PROGRESS = re.compile(
    r"Epoch (\d+)/(\d+)(?:, batch \d+/\d+)? - ([\d.]+) s(?:, about (\d+) s left)?"
)


@dataclass(frozen=True)
class Progress:
    """One progress text of the Train page: epochs done, of all, seconds elapsed (the run's own
    clock) and the time left it announced (None when it said none)."""

    epoch: int
    epochs: int
    elapsed: float
    left: float | None


def watch_progress(page: Page) -> list[Progress]:
    """The Train page's progress texts, read every 0.1 s until the Inspect link shows."""
    seen: list[Progress] = []
    link = page.get_by_role("link", name="Inspect the results")
    deadline = time.perf_counter() + TIMEOUT_MS / 1000
    while True:
        ended = link.is_visible()  # then the texts read below are the run's last ones
        if time.perf_counter() > deadline:
            raise TimeoutError("the run did not end")
        texts = page.locator('[data-testid="stProgress"]').all_inner_texts()
        for match in (PROGRESS.search(t) for t in texts):
            if match:
                epoch, epochs, elapsed, left = match.groups()
                p = Progress(int(epoch), int(epochs), float(elapsed), left and float(left))
                if not seen or seen[-1] != p:
                    seen.append(p)
        if ended:
            return seen
        page.wait_for_timeout(100)


def time_left_ratio(seen: list[Progress]) -> tuple[float, float] | None:
    """The time left announced when the page first showed two epochs done, over the time the
    run then took to finish (1 = exact), and the worst such ratio (farthest from 1, either way)
    over every text after the first epoch; None when the run was too short to say."""
    if not seen or seen[-1].epoch < seen[-1].epochs:
        return None  # early stopping ended it: the time left counts every epoch, as it must
    end = max(p.elapsed for p in seen)  # the run's clock stops when training ends
    after = [p for p in seen if p.epoch >= 1 and p.left is not None and p.elapsed < end]
    if not after:
        return None
    ratios = [p.left / (end - p.elapsed) for p in after if end - p.elapsed > 0.5]
    at_two = [p.left / (end - p.elapsed) for p in after if p.epoch >= 2 and end - p.elapsed > 0.5]
    if not ratios:
        return None
    worst = max(ratios, key=lambda r: max(r, 1 / r) if r > 0 else float("inf"))
    return (at_two[0] if at_two else ratios[0]), worst


def go_to(page: Page, runs: ScriptRuns, name: str) -> None:
    """Click a page in the sidebar and wait until it is drawn."""
    since = runs.finished
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).click()
    runs.wait_settled(page, since)
    expect(page.locator("h1", has_text=name)).to_be_visible()


def set_number(page: Page, runs: ScriptRuns, label: str, value: int) -> None:
    since = runs.finished
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    runs.wait_settled(page, since)
    expect(box).to_have_value(str(value))


def choose_task(page: Page, runs: ScriptRuns, url: str, case: Case) -> None:
    page.goto(f"{url}/?task={case.task}")
    runs.wait_settled(page, 0)
    data_link = page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Data")
    expect(data_link).to_have_attribute("href", re.compile(f"{case.task}_data$"))


def no_exception(page: Page, where: str) -> None:
    boxes = page.locator(EXCEPTION)
    assert boxes.count() == 0, f"{where}: {boxes.all_inner_texts()}"


def train_run(page: Page, url: str, case: Case, epochs: int) -> tuple[str, float, float, list]:
    """Train a short run of ``case`` (``epochs`` epochs) through the pages; its run id, the
    seconds from the Train click to the first per-batch loss drawn on the live chart and to the
    loss before training drawn (NaN when none was), and the progress texts seen (see
    :func:`watch_progress`)."""
    runs = ScriptRuns(page)
    choose_task(page, runs, url, case)
    go_to(page, runs, "Data")
    for label, value in case.data.items():
        set_number(page, runs, label, value)
    expect(page.get_by_text(case.ready).first).to_be_visible(timeout=TIMEOUT_MS)
    go_to(page, runs, "Build")  # the model spec is made there
    go_to(page, runs, "Train")
    set_number(page, runs, "Epochs", epochs)
    runs.batch_drawn_at = runs.start_drawn_at = 0.0  # only what the click draws counts
    click = time.perf_counter()
    page.get_by_role("button", name="Train", exact=True).click()
    progress = watch_progress(page)
    no_exception(page, f"{case.task} train")
    first_batch = runs.batch_drawn_at - click
    start = runs.start_drawn_at - click if runs.start_drawn_at else math.nan
    run_id = re.search(r"[?&]run=([\w-]+)", page.url).group(1)
    return run_id, first_batch, start, progress


def time_inspect(
    browser, url: str, case: Case, run_id: str, shots: Path | None
) -> tuple[float, float, float]:
    """In a fresh session: seconds from the Inspect click to the page drawn to its end, from
    the typical interaction to the page drawn again, and from the interaction to the server's
    end of the script run it started (the rest is the browser drawing)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    runs = ScriptRuns(page)
    try:
        page.goto(f"{url}/train?task={case.task}&run={run_id}")  # reattached to the run
        runs.wait_settled(page, 0)
        since = runs.finished
        click = time.perf_counter()
        page.get_by_role("link", name="Inspect the results").click()
        try:
            first = runs.wait_settled(page, since) - click
        except Exception:
            page.screenshot(path="/tmp/inspect_speed_failed.png", full_page=True)
            raise
        expect(page.get_by_text(case.last).first).to_be_attached()
        no_exception(page, f"{case.task} inspect")
        if shots:
            page.screenshot(path=str(shots / f"inspect_{case.task}.png"), full_page=True)
        since = runs.finished
        start = case.interact(page)  # timed from the committing key press
        interaction = runs.wait_settled(page, since) - start
        no_exception(page, f"{case.task} interaction")
        return first, interaction, runs.finished_at - start
    finally:
        context.close()


@contextlib.contextmanager
def serve(port: int, env: dict[str, str], log: Path):
    """``streamlit run app.py --server.port <port>`` (the README's command), its output in ``log``."""
    streamlit = Path(sys.executable).with_name("streamlit")
    with open(log, "w") as out:
        process = subprocess.Popen(
            [str(streamlit), "run", "app.py", "--server.port", str(port)],
            cwd=ROOT,
            env={
                **os.environ,
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "STREAMLIT_SERVER_HEADLESS": "true",
                **env,
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_health(port, timeout=120)
            yield f"http://localhost:{port}"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument(
        "--epochs", type=int, default=4, help="at least this many epochs (for the time left)"
    )
    parser.add_argument("--tasks", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--shots", type=Path, default=None, help="folder for screenshots")
    args = parser.parse_args()
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    runs_dir = tempfile.mkdtemp(prefix="rnnviz-inspect-speed-")
    env = {"RNNVIZ_RUNS_DIR": runs_dir, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    started = time.perf_counter()
    log = Path(runs_dir) / "server.log"
    print(f"server log: {log}", flush=True)
    with serve(args.port, env, log) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        lines = []
        for name in args.tasks:
            case = CASES[name]
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            try:
                epochs = max(case.epochs, args.epochs)
                run_id, first_batch, start, progress = train_run(page, url, case, epochs)
            except Exception:
                if args.shots:
                    page.screenshot(path=str(args.shots / f"failed_{name}.png"), full_page=True)
                raise
            context.close()
            print(
                f"train {name} first batch on the chart {first_batch:.2f} s "
                f"(loss before training {start:.2f} s)",
                flush=True,
            )
            ratio = time_left_ratio(progress)
            print(
                f"train {name} time left at epoch 2 / actual {ratio[0]:.2f} "
                f"(worst after epoch 1 {ratio[1]:.2f}; {epochs} epochs)"
                if ratio is not None
                else f"train {name} time left: nothing to check ({len(progress)} progress texts "
                f"seen, the run ended at epoch {progress[-1].epoch if progress else 0} of {epochs})",
                flush=True,
            )
            firsts, interactions = [], []
            for _ in range(args.repeats):
                first, interaction, served = time_inspect(browser, url, case, run_id, args.shots)
                firsts.append(first)
                interactions.append(interaction)
                print(
                    f"  {name}: first draw {first:.2f} s, interaction {interaction:.2f} s "
                    f"(script run ended at {served:.2f} s)",
                    flush=True,
                )
            line = (
                f"inspect {name} first draw {statistics.median(firsts):.2f} "
                f"interaction {statistics.median(interactions):.2f}"
            )
            lines.append(line)
            print(line, flush=True)
        browser.close()
    print("\n".join(lines))
    print(f"({time.perf_counter() - started:.0f} s in all, load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    sys.exit(main())
