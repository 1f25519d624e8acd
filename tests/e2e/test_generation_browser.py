"""The text-generation flow in a real browser: choose the task, one play, Build, a very short Train
run whose samples appear under the chart, then Inspect and generate text from a new prompt.

Screenshots land in artifacts/screenshots/ (generation_*.png).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    TRAIN_TIMEOUT,
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


def test_generation_flow(page: Page, app_url: str, screenshots: Path):
    choose_task(page, app_url, "Generate text", "generation_data")

    go_to(page, "Data")
    expect(page.locator("h1", has_text="Data: text generation")).to_be_visible()
    expect(metric_value(page, "Distinct characters")).to_have_text(
        re.compile(r"^\d+$"), timeout=PAGE_TIMEOUT
    )
    drawn(plotly_chart(page, containing="most frequent characters"))
    expect(
        page.get_by_text(re.compile(r"^Default recipe for this text\. The text is read as 64"))
    ).to_be_visible()
    set_number(page, "Sequence length (characters)", 50)
    set_number(page, "Stride (characters between sequence starts)", 100)
    set_number(page, "Characters per sample", 60)
    expect(page.get_by_text("sequences of 50 every 100")).to_be_visible(timeout=PAGE_TIMEOUT)
    no_exception(page, "generation data")
    shoot(page, screenshots, "generation_data.png")

    go_to(page, "Build")
    expect(page.get_by_text("refused for text generation")).to_be_visible(timeout=PAGE_TIMEOUT)
    set_number(page, "Units, layer 1", 16)
    set_number(page, "Embedding size", 8)
    expect(plotly_chart(page, containing="Embedding")).to_contain_text("16 units")
    no_exception(page, "generation build")
    shoot(page, screenshots, "generation_build.png")

    go_to(page, "Train")
    set_number(page, "Epochs", 2)
    # the default recipe reads stateful streams: its batch is the stateful batch size (Build)
    expect(page.get_by_text("Not used: a stateful model trains in batches")).to_be_visible()
    page.get_by_role("button", name="Train", exact=True).click()
    finished = page.locator('[data-testid="stAlert"]').filter(has_text="Finished")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT)
    expect(finished).to_contain_text("Finished 2 epochs")
    settle(page)
    drawn(plotly_chart(page, containing="BPC"))
    expect(page.get_by_text("Samples at each epoch end")).to_be_visible()
    expect(page.get_by_text("Epoch 2", exact=True)).to_be_visible()
    no_exception(page, "generation train")
    shoot(page, screenshots, "generation_train.png")

    go_to(page, "Inspect")
    expect(metric_value(page, "RNN validation bits/char")).to_have_text(
        re.compile(r"^\d\.\d{3}$"), timeout=PAGE_TIMEOUT
    )
    expect(page.get_by_text(re.compile(r"^Best n-gram \(\d-gram\)$"))).to_be_visible()
    prompt = page.get_by_label("Prompt (\\n for a new line)", exact=True)
    prompt.fill("KING:\\n")
    prompt.press("Enter")
    settle(page)
    generated = page.locator('[data-testid="stCode"]').filter(has_text="KING:")
    expect(generated).to_have_count(3, timeout=PAGE_TIMEOUT)  # one per temperature
    expect(page.get_by_text("RNN, temperature 0.2")).to_be_visible()
    expect(page.get_by_text("Units that track the text")).to_be_visible()
    coloured = page.locator('[data-testid="stHtml"]').last  # the passage, coloured by a unit
    expect(coloured).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(coloured.locator("span").first).to_have_attribute("title", re.compile(r"^[+-]\d"))
    no_exception(page, "generation inspect")
    shoot(page, screenshots, "generation_inspect.png")
