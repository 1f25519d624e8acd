"""The sequence-classification flow in a real browser: MNIST read row by row, through Inspect;
a long CSV (one row per step, rows shuffled, label first) read as meant with no switch touched.

Screenshots land in artifacts/screenshots/seq_*.png for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.core.test_sequences_long import specimens
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


def test_mnist_rows_flow(page: Page, app_url: str, screenshots: Path):
    choose_task(page, app_url, "Classify sequences", "sequences_data")

    go_to(page, "Data")
    expect(page.locator("h1", has_text="Data: sequence classification")).to_be_visible()
    expect(page.get_by_role("combobox", name="Data set")).to_have_value("MNIST digits, row by row")
    expect(metric_value(page, "Sequences")).to_have_text("5,000", timeout=PAGE_TIMEOUT)
    expect(metric_value(page, "Steps x features")).to_have_text("28 x 28")
    drawn(plotly_chart(page, containing="Examples"))  # the digits drawn
    expect(page.get_by_text("3,200 train, 800 validation, 1,000 test")).to_be_visible()
    no_exception(page, "sequence data")
    shoot(page, screenshots, "seq_data.png")

    go_to(page, "Build")
    set_number(page, "Units, layer 1", 8)
    diagram = plotly_chart(page, containing="Dense head")
    expect(diagram).to_contain_text(re.compile(r"8 units\s*last step"), timeout=PAGE_TIMEOUT)
    expect(diagram).to_contain_text("softmax")
    expect(page.get_by_text("rows of 28 pixels")).to_be_visible()
    no_exception(page, "sequence build")
    shoot(page, screenshots, "seq_build.png")

    go_to(page, "Train")
    expect(page.get_by_text("LSTM, units [8], many-to-one")).to_be_visible(timeout=PAGE_TIMEOUT)
    set_number(page, "Epochs", 2)
    page.get_by_role("button", name="Train", exact=True).click()
    finished = page.locator('[data-testid="stAlert"]').filter(has_text="Finished")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT)
    expect(finished).to_contain_text("Finished 2 epochs")
    settle(page)
    drawn(plotly_chart(page, containing="Accuracy"))
    no_exception(page, "sequence train")
    shoot(page, screenshots, "seq_train.png")

    go_to(page, "Inspect")
    expect(metric_value(page, "RNN test accuracy")).to_have_text(
        re.compile(r"^0\.\d{3}$"), timeout=PAGE_TIMEOUT
    )
    expect(metric_value(page, "1-nearest neighbour (Euclidean)")).to_have_text("0.921")
    drawn(plotly_chart(page, containing="Confusion matrix"))
    drawn(plotly_chart(page, containing="image, read row by row"))
    drawn(plotly_chart(page, containing="Class probabilities after each step"))
    expect(page.get_by_text("Prediction:")).to_be_visible()
    no_exception(page, "sequence inspect")
    shoot(page, screenshots, "seq_inspect.png")


def test_long_upload_read_as_meant(page: Page, app_url: str, screenshots: Path, tmp_path: Path):
    """The issue's file: 211 specimens x 251 positions, 3 kinds, rows shuffled, label first."""
    frame = specimens(211, 251)[["kind", "outline", "specimen", "position"]]
    upload = tmp_path / "specimens.csv"
    frame.sample(frac=1.0, random_state=0).to_csv(upload, index=False)
    choose_task(page, app_url, "Classify sequences", "sequences_data")
    go_to(page, "Data")
    choose_radio(page, "Upload a CSV of labelled sequences")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    summary = page.locator('[data-testid="stAlert"]').filter(has_text="Long table")
    expect(summary).to_contain_text(
        "Long table: 211 sequences of 251 steps (id 'specimen', step 'position'), 1 feature "
        "('outline'), 3 classes (kind: a 71, b 70, c 70).",
        timeout=PAGE_TIMEOUT,
    )
    expect(metric_value(page, "Sequences")).to_have_text("211")
    expect(metric_value(page, "Steps x features")).to_have_text("251 x 1")
    drawn(plotly_chart(page, containing="Examples"))
    settle(page)
    no_exception(page, "long upload")
    shoot(page, screenshots, "seq_long_upload.png")
