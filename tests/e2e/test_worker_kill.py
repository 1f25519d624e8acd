"""Runs live outside the web server: a killed worker and a page reload, in a real browser.

* The worker process of a long airline run is killed mid-run: the page says the run ended
  unexpectedly (no exception box) and a second run then trains to its end.
* The page is reloaded during a run: the Train page finds the run again through ``?run=<id>``
  in the URL, shows its live chart, Stop ends it, and the run is then listed on the Runs page.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    TRAIN_TIMEOUT,
    go_to,
    no_exception,
    open_data_page,
    plotly_chart,
    set_number,
    settle,
    shoot,
)

LONG_EPOCHS = 2000  # far longer than any test waits: the run is still training when acted on
PROGRESS = re.compile(r"Epoch (\d+)/(\d+)")
STOPPED = re.compile(r"Stopped after \d+ epoch|did not answer Stop within")


# -- processes ---------------------------------------------------------------------------------


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])  # the field after the state letter


def server_pid(app_url: str) -> int:
    """The streamlit process serving ``app_url`` (started by ``make run PORT=<port>``)."""
    port = urlparse(app_url).port
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            line = _cmdline(int(entry.name))
            if "streamlit" in line and f"--server.port {port}" in line:
                return int(entry.name)
    raise AssertionError(f"no streamlit process serves port {port}")


def worker_pids(app_url: str) -> list[int]:
    """Every ``python -m rnnviz.service.worker`` descended from the server (the spare included)."""
    server = server_pid(app_url)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or "rnnviz.service.worker" not in _cmdline(int(entry.name)):
            continue
        pid = int(entry.name)
        ancestor = _parent(pid)
        while ancestor not in (None, 0, 1, server):
            ancestor = _parent(ancestor)
        if ancestor == server:
            found.append(pid)
    return found


# -- the page ----------------------------------------------------------------------------------


def airline_train_page(page: Page, app_url: str, epochs: int) -> None:
    """Default airline data and model, on the Train page with ``epochs`` and no early stopping."""
    open_data_page(page, app_url)
    expect(page.get_by_text("Data ready. Next: build a model.")).to_be_visible(timeout=PAGE_TIMEOUT)
    go_to(page, "Build")
    set_number(page, "Units, layer 1", 8)
    # Train uses the spec of Build's last complete run: wait for it (the diagram is redrawn).
    expect(plotly_chart(page)).to_contain_text("8 units", timeout=PAGE_TIMEOUT)
    go_to(page, "Train")
    expect(page.get_by_text("units [8]")).to_be_visible()
    set_number(page, "Epochs", epochs)
    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text="Early stopping")
    if toggle.locator("input").is_checked():
        toggle.locator("label").click()
        settle(page)
    expect(toggle.locator("input")).not_to_be_checked()


def wait_for_epoch(page: Page, epoch: int, timeout: float = TRAIN_TIMEOUT / 1000) -> None:
    """Wait until the live progress text reports at least ``epoch`` finished epochs."""
    progress = page.get_by_text(PROGRESS).first
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if progress.count():
            match = PROGRESS.search(progress.inner_text())
            if match and int(match.group(1)) >= epoch:
                return
        page.wait_for_timeout(250)
    raise AssertionError(f"the run did not reach epoch {epoch} within {timeout:.0f} s")


def alert(page: Page, text: str):
    return page.locator('[data-testid="stAlert"]').filter(has_text=text)


# -- the tests ---------------------------------------------------------------------------------


def test_killed_worker_ends_the_run_with_a_message_and_the_next_run_works(
    page: Page, app_url: str, screenshots: Path, empty_runs_dir: Path
):
    airline_train_page(page, app_url, LONG_EPOCHS)
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_epoch(page, 1)
    shoot(page, screenshots, "worker_kill_running.png")

    workers = worker_pids(app_url)
    assert workers, "no rnnviz.service.worker process under the server while a run trains"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)

    ended = alert(page, "ended unexpectedly")
    expect(ended).to_be_visible(timeout=TRAIN_TIMEOUT)
    settle(page)
    assert "signal 9" in ended.inner_text()
    no_exception(page, "worker killed")
    shoot(page, screenshots, "worker_kill_ended.png")

    set_number(page, "Epochs", 2)
    page.get_by_role("button", name="Train", exact=True).click()
    finished = alert(page, "Finished 2 epochs")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT)
    settle(page)
    expect(page.get_by_text("ended unexpectedly")).to_have_count(0)
    # "Finished" shows before the worker has saved the run; Train comes back once it has (so
    # the next test's emptied store gets nothing late).
    expect(page.get_by_role("button", name="Train", exact=True)).to_be_enabled(timeout=PAGE_TIMEOUT)
    no_exception(page, "second run")
    shoot(page, screenshots, "worker_kill_second_run.png")


def test_reload_reattaches_to_the_run_and_stop_works(
    page: Page, app_url: str, screenshots: Path, empty_runs_dir: Path
):
    airline_train_page(page, app_url, LONG_EPOCHS)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]run=[\w-]+"), timeout=PAGE_TIMEOUT)
    run_id = re.search(r"[?&]run=([\w-]+)", page.url).group(1)
    wait_for_epoch(page, 1)

    page.reload()
    expect(page.get_by_text("reattached to its run")).to_be_visible(timeout=PAGE_TIMEOUT)
    assert f"run={run_id}" in page.url
    epoch_before = int(PROGRESS.search(page.get_by_text(PROGRESS).first.inner_text()).group(1))
    wait_for_epoch(page, epoch_before + 1)  # the live panel is still updating
    loss = plotly_chart(page, containing="Loss")
    expect(loss.locator(".main-svg").first).to_be_visible()
    no_exception(page, "reattached")
    shoot(page, screenshots, "reload_reattached.png")

    page.get_by_role("button", name="Stop", exact=True).click()
    # The second message: the worker stopped training but was still saving the run when the
    # executor's Stop grace (5 s) ran out, so it was ended and the run saved from its
    # checkpoint (seen on a loaded machine; reported to the integrator).
    stopped = alert(page, STOPPED)
    expect(stopped).to_be_visible(timeout=PAGE_TIMEOUT)
    settle(page)
    # The fragment sees the run end within a second and reruns the whole page, which then
    # loads the saved model: on a loaded machine that takes a while.
    expect(page.get_by_role("button", name="Stop", exact=True)).to_be_disabled(timeout=PAGE_TIMEOUT)
    no_exception(page, "stopped")
    shoot(page, screenshots, "reload_stopped.png")

    go_to(page, "Runs")
    runs = page.locator('[data-testid="stDataFrame"]').first
    expect(runs).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(runs.locator('[role="grid"], table').first).to_have_attribute("aria-rowcount", "2")
    expect(runs).to_contain_text("Airline")
    expect(page.get_by_text(re.compile(r"^Seed 7; stopped: "))).to_be_visible()
    no_exception(page, "runs")
    shoot(page, screenshots, "reload_runs.png")
