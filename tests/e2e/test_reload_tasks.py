"""A reload during a run of each task, in a real browser: the URL keeps the task and the run
(``?task=...&run=...``), so the reloaded page shows the same task in the sidebar, the Train page
shows the run still training, and the run then finishes there with its Inspect link.

Screenshots go to /work/shots/stale_<task>_*.png (the reattached run, then its end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    choose_task,
    drawn,
    go_to,
    no_exception,
    plotly_chart,
    settle,
    shoot,
)
from tests.e2e.test_browser import set_number as set_number_and_settle
from tests.e2e.test_worker_kill import PROGRESS, alert, wait_for_epoch

SHOTS = Path("/work/shots")
FINISH_TIMEOUT = 240_000  # ms: the machine may be busy


@dataclass(frozen=True)
class Case:
    task: str  # the task's name in the URL
    label: str  # its choice in the sidebar
    data_script: str  # its Data page
    ready: str  # what its Data page shows once the data is ready
    epochs: int  # long enough to reload mid-run (about 10 s or more on an idle 2-core machine),
    # short enough to wait for its end
    data: dict[str, int] = field(default_factory=dict)  # Data page numbers, by label
    build: dict[str, int] = field(default_factory=dict)  # Build page numbers
    train: dict[str, int] = field(default_factory=dict)  # Train page numbers (besides Epochs)


CASES = [
    Case(
        "forecast",
        "Forecast a time series",
        "forecast_data",
        "Data ready",
        120,
        build={"Units, layer 1": 4},
    ),
    Case(
        "sentiment",
        "Classify text sentiment",
        "sentiment_data",
        "vocabulary of 300 ids",
        10,
        data={"Vocabulary size (most frequent tokens)": 300},
        build={"Units, layer 1": 4, "Embedding size": 4},
        train={"Batch size": 256},
    ),
    Case(
        "sequences",
        "Classify sequences",
        "sequences_data",
        "3,200 train",
        16,
        build={"Units, layer 1": 4},
    ),
    Case(
        "generation",
        "Generate text",
        "generation_data",
        "sequences of 50 every 100",
        20,
        data={
            "Sequence length (characters)": 50,
            "Stride (characters between sequence starts)": 100,
            "Characters per sample": 20,
        },
        build={"Units, layer 1": 8, "Embedding size": 4},  # the default's stateful streams
    ),
]


def toggle_off(page: Page, label: str) -> None:
    """Switch a Streamlit toggle off when it is on (recipes differ between tasks)."""
    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text=label)
    if toggle.count() and toggle.locator("input").is_checked():
        toggle.locator("label").click()
        settle(page)
        expect(toggle.locator("input")).not_to_be_checked()


def set_numbers(page: Page, numbers: dict[str, int]) -> None:
    for label, value in numbers.items():  # a page that imports TensorFlow first may be slow
        expect(page.get_by_label(label, exact=True)).to_be_visible(timeout=PAGE_TIMEOUT)
        set_number_and_settle(page, label, value)


def start_a_run(page: Page, app_url: str, case: Case) -> str:
    """Choose the task, its default data, a small model; click Train; returns the run's id."""
    choose_task(page, app_url, case.label, case.data_script)
    go_to(page, "Data")
    set_numbers(page, case.data)
    expect(page.get_by_text(case.ready).first).to_be_visible(timeout=PAGE_TIMEOUT)
    settle(page)
    go_to(page, "Build")
    toggle_off(page, "Bidirectional")
    set_numbers(page, case.build)
    go_to(page, "Train")
    set_numbers(page, {"Epochs": case.epochs, **case.train})
    toggle_off(page, "Early stopping")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page).to_have_url(re.compile(rf"[?&]task={case.task}\b"), timeout=PAGE_TIMEOUT)
    expect(page).to_have_url(re.compile(r"[?&]run=[\w-]+"), timeout=PAGE_TIMEOUT)
    return re.search(r"[?&]run=([\w-]+)", page.url).group(1)


def sidebar_task(page: Page, label: str):
    return page.locator('[data-testid="stSidebar"]').get_by_role("radio", name=label, exact=True)


@pytest.mark.parametrize("case", CASES, ids=[case.task for case in CASES])
def test_a_reload_during_a_run_keeps_its_task_and_shows_the_run(
    page: Page, app_url: str, empty_runs_dir: Path, case: Case
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    run_id = start_a_run(page, app_url, case)
    wait_for_epoch(page, 1)

    page.reload()
    expect(page.get_by_text("reattached to its run")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(sidebar_task(page, case.label)).to_be_checked()
    assert f"run={run_id}" in page.url and f"task={case.task}" in page.url
    expect(page.get_by_text("Choose the data")).to_have_count(0)
    progress = page.get_by_text(PROGRESS).first
    expect(progress).to_be_visible(timeout=PAGE_TIMEOUT)
    epoch, epochs = map(int, PROGRESS.search(progress.inner_text()).groups())
    assert epochs == case.epochs and epoch < epochs, "the run ended before the reload was seen"
    drawn(plotly_chart(page, containing="Loss"))  # the run's live chart
    no_exception(page, f"{case.task} reattached")
    shoot(page, SHOTS, f"stale_{case.task}_reattached.png")

    finished = alert(page, f"Finished {case.epochs} epochs")
    expect(finished).to_be_visible(timeout=FINISH_TIMEOUT)
    inspect = page.get_by_role("link", name="Inspect the results")
    expect(inspect).to_be_visible(timeout=PAGE_TIMEOUT)
    settle(page)
    expect(sidebar_task(page, case.label)).to_be_checked()
    no_exception(page, f"{case.task} finished")
    shoot(page, SHOTS, f"stale_{case.task}_finished.png")
