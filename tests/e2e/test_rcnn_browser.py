"""A short RCNN run in a real browser: sentiment data, Build's RCNN with its controls, one epoch of
training, and Inspect's filters' words and context gates. Screenshots land in
artifacts/screenshots/ (rcnn_*.png)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import new_page
from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    TRAIN_TIMEOUT,
    choose_radio,
    choose_task,
    drawn,
    go_to,
    metric_value,
    no_exception,
    plotly_chart,
    set_number,
    settle,
    shoot,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _serve import make_run  # noqa: E402


@pytest.fixture(scope="module")
def rcnn_url(request, runs_dir: Path) -> Iterator[str]:
    """The suite's server, or one on ``RNNVIZ_E2E_PORT`` when set (a fixed port to run on)."""
    port = os.environ.get("RNNVIZ_E2E_PORT")
    if not port:
        yield request.getfixturevalue("app_url")  # the conftest's session server
        return
    with make_run(runs_dir, port=int(port), timeout=180) as (_, url):
        yield url


@pytest.fixture
def rcnn_page(browser, rcnn_url: str) -> Iterator[Page]:
    yield from new_page(browser)


def test_a_short_rcnn_run_through_inspect(rcnn_page: Page, rcnn_url: str, screenshots: Path):
    page, app_url = rcnn_page, rcnn_url
    choose_task(page, app_url, "Classify text sentiment", "sentiment_data")
    go_to(page, "Data")
    expect(metric_value(page, "Texts")).to_have_text("12,808", timeout=PAGE_TIMEOUT)
    set_number(page, "Vocabulary size (most frequent tokens)", 500)
    expect(page.get_by_text("vocabulary of 500 ids")).to_be_visible(timeout=PAGE_TIMEOUT)

    go_to(page, "Build")
    expect(plotly_chart(page)).to_be_visible(timeout=PAGE_TIMEOUT)  # the page has run through
    shoot(page, screenshots, "rcnn_build_plain.png")
    choose_radio(page, "RCNN (recurrent context + convolutions)")
    settle(page)
    expect(page.get_by_label("Filters per kernel size", exact=True)).to_be_visible()
    # the rerun has replaced the plain model's controls (no stale copy left)
    expect(page.get_by_label("Units, layer 1", exact=True)).to_have_count(1, timeout=PAGE_TIMEOUT)
    set_number(page, "Units, layer 1", 4)
    set_number(page, "Embedding size", 8)
    set_number(page, "Filters per kernel size", 4)
    diagram = plotly_chart(page, containing="Conv1D")
    for k in (1, 2, 3, 4):  # one branch per kernel width
        expect(diagram).to_contain_text(f"Conv1D k={k}", timeout=PAGE_TIMEOUT)
    expect(diagram).to_contain_text("4 filters, relu")
    expect(page.get_by_text("Depth (stacked layers)")).to_have_count(0)
    no_exception(page, "rcnn build")
    shoot(page, screenshots, "rcnn_build.png")

    go_to(page, "Train")
    expect(page.get_by_text(re.compile(r"RCNN \(kernel_sizes"))).to_be_visible(timeout=PAGE_TIMEOUT)
    set_number(page, "Epochs", 1)
    page.get_by_role("button", name="Train", exact=True).click()
    finished = page.locator('[data-testid="stAlert"]').filter(has_text="Finished")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT)
    settle(page)
    no_exception(page, "rcnn train")

    go_to(page, "Inspect")
    # Inspect fits the TF-IDF baseline on 9,000 texts first: slow on a busy machine
    expect(metric_value(page, "RNN test accuracy")).to_be_visible(timeout=3 * PAGE_TIMEOUT)
    settle(page, 3 * PAGE_TIMEOUT)
    filters = plotly_chart(page, containing="kernel width")
    drawn(filters)
    expect(filters).to_contain_text("k=4")
    expect(page.get_by_text("Gates of the RCNN's context layer")).to_be_visible()
    drawn(plotly_chart(page, containing="Confusion matrix"))
    no_exception(page, "rcnn inspect")
    shoot(page, screenshots, "rcnn_inspect.png")
