"""A newcomer's walk (issue 13) in a real browser.

Settings survive navigation while a run trains: the Train page's live panel is a fragment that
reruns on its own; the page change after such a run used to drop widget values Streamlit had
not just drawn: the Data page then read 1/1/1/1 and Train's epochs and batch size went back to
the recipe's 150 and 16.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from rnnviz.train.runs import RunStore
from tests.e2e.test_browser import (
    EXCEPTION,
    PAGE_TIMEOUT,
    go_to,
    open_data_page,
    set_number,
    settle,
    shoot,
)
from tests.pages.test_newcomer_fixes import save_untrained_run

DATA_SETTINGS = {
    "Look-back window (steps)": "20",
    "Forecast horizon (steps)": "12",
    "Test rows (at the end)": "24",
    "Validation rows (before test; 0: none)": "12",
}
TRAIN_SETTINGS = {"Epochs": "400", "Batch size": "8"}


def values(page: Page, labels) -> dict[str, str]:
    return {label: page.get_by_label(label, exact=True).input_value() for label in labels}


def test_settings_survive_leaving_train_during_a_run(
    page: Page, app_url: str, empty_runs_dir, screenshots
):
    open_data_page(page, app_url)
    set_number(page, "Look-back window (steps)", 20)
    assert values(page, DATA_SETTINGS) == DATA_SETTINGS
    go_to(page, "Build")
    set_number(page, "Units, layer 1", 4)
    go_to(page, "Train")
    for label, value in TRAIN_SETTINGS.items():
        set_number(page, label, int(value))
    page.get_by_role("button", name="Train", exact=True).click()
    progress = page.get_by_text(re.compile(r"Epoch \d+/400"))
    expect(progress).to_be_visible(timeout=PAGE_TIMEOUT)
    page.wait_for_timeout(5_000)  # a few live-panel (fragment) runs
    shoot(page, screenshots, "newcomer_train_live.png")  # log loss axis, gate heatmaps

    go_to(page, "Data")
    assert values(page, DATA_SETTINGS) == DATA_SETTINGS
    shoot(page, screenshots, "newcomer_data_after_run.png")
    go_to(page, "Train")
    assert values(page, TRAIN_SETTINGS) == TRAIN_SETTINGS
    expect(progress).to_be_visible()  # still the 400-epoch run
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(page.get_by_text(re.compile("Stopped"))).to_be_visible(timeout=PAGE_TIMEOUT)
    # The stopped run is saved behind the page: wait for it, so that it cannot land in the
    # store the next test empties (it did, and the Runs page then listed two runs).
    store, deadline = RunStore(empty_runs_dir), time.monotonic() + PAGE_TIMEOUT / 1000
    while store.table().empty and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert not store.table().empty, "the stopped run was not saved"


def test_open_in_inspect_a_run_of_the_other_task(
    page: Page, app_url: str, empty_runs_dir, screenshots
):
    """Runs -> Open in Inspect for a sentiment run in a session that never showed that task: the
    sidebar follows the run and its Inspect page opens (it was Streamlit's "page not found")."""
    record = save_untrained_run(RunStore(empty_runs_dir), "sentiment")
    page.goto(app_url)
    settle(page)
    go_to(page, "Runs")
    run = page.get_by_role("combobox", name="Run", exact=True)
    expect(run).to_have_value(re.compile(record.run_id))
    page.get_by_role("button", name="Open in Inspect").click()
    expect(page.locator("h1", has_text="Inspect: sentiment")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("RNN test accuracy")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("Gates while reading this sentence")).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    settle(page)
    assert page.locator(EXCEPTION).count() == 0
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("radio", name="Classify text sentiment")).to_be_checked()
    shoot(page, screenshots, "newcomer_inspect_text.png")  # gate explorer with words
