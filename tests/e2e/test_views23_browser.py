"""Issue 23's views in a real browser, on the four tasks: the reference band on Train's live
metric chart, and on Inspect the hidden-state trajectory (and, for a passage and a series, the
pattern search). Screenshots land in artifacts/screenshots/views23_*.png for a person to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SERVER_START_TIMEOUT
from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    TRAIN_TIMEOUT,
    choose_task,
    drawn,
    go_to,
    no_exception,
    plotly_chart,
    set_number,
    settle,
    shoot,
)

PORT = 8615  # this work's own port on the shared machine


@pytest.fixture(scope="module")
def app_url(runs_dir: Path) -> Iterator[str]:
    from _serve import make_run

    with make_run(runs_dir, timeout=SERVER_START_TIMEOUT, port=PORT) as (_, url):
        yield url


@dataclass(frozen=True)
class Case:
    label: str
    data_script: str
    name: str
    band: str  # the reference mark's label on Train's metric chart
    numbers: tuple[tuple[str, int], ...] = ()  # Data page settings that keep training short
    pattern: bool = False  # the Inspect page has a pattern search


CASES = [
    Case("Forecast a time series", "forecast_data", "forecast", "Seasonal naive", pattern=True),
    Case("Classify sequences", "sequences_data", "sequences", "1-NN Euclidean"),
    Case(
        "Classify text sentiment",
        "sentiment_data",
        "sentiment",
        "TF-IDF",
        (("Vocabulary size (most frequent tokens)", 500),),
    ),
    Case(
        "Generate text",
        "generation_data",
        "generation",
        "-gram (validation)",
        (
            ("Sequence length (characters)", 50),
            ("Stride (characters between sequence starts)", 200),
        ),
        pattern=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_views_of_issue_23(page: Page, app_url: str, screenshots: Path, case: Case):
    choose_task(page, app_url, case.label, case.data_script)
    go_to(page, "Data")
    drawn(plotly_chart(page))  # the data loaded (a built-in set can take a while)
    for label, value in case.numbers:
        set_number(page, label, value)
    go_to(page, "Build")
    units = page.get_by_label("Units, layer 1", exact=True)
    expect(units).to_be_visible(timeout=PAGE_TIMEOUT)
    set_number(page, "Units, layer 1", 8)

    go_to(page, "Train")
    expect(page.get_by_label("Epochs", exact=True)).to_be_visible(timeout=TRAIN_TIMEOUT)
    set_number(page, "Epochs", 1)
    page.get_by_role("button", name="Train", exact=True).click()
    finished = page.locator('[data-testid="stAlert"]').filter(has_text="Finished")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT)
    settle(page)
    history = plotly_chart(page, containing="Loss")
    drawn(history)
    expect(history).to_contain_text(case.band, timeout=PAGE_TIMEOUT)  # the band's legend entry
    expect(page.get_by_text("Hover a band's line for its source")).to_be_visible()
    no_exception(page, f"{case.name} train")
    shoot(page, screenshots, f"views23_{case.name}_train.png")

    go_to(page, "Inspect")
    settle(page, TRAIN_TIMEOUT)  # a first Inspect draw fits its baselines
    toggle = page.get_by_text("path through the hidden states", exact=False)
    toggle.scroll_into_view_if_needed(timeout=TRAIN_TIMEOUT)
    toggle.click()
    settle(page)
    drawn(plotly_chart(page, containing="of variance"))
    expect(page.get_by_text("PCA fitted on")).to_be_visible(timeout=PAGE_TIMEOUT)
    if case.pattern:
        expect(page.get_by_text("Pattern search: where else do these units fire?")).to_be_visible()
        page.get_by_text("Search for a pattern of units").click()
        settle(page)
        expect(page.get_by_text("Selected:")).to_be_visible(timeout=PAGE_TIMEOUT)
    no_exception(page, f"{case.name} inspect")
    shoot(page, screenshots, f"views23_{case.name}_inspect.png")
