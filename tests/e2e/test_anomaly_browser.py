"""The anomaly task in a real browser: yahoo's series, a tiny autoencoder, through Inspect.

Screenshots land in artifacts/screenshots/anomaly_*.png for a person to look at.
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


def test_yahoo_flow_through_inspect(page: Page, app_url: str, screenshots: Path):
    choose_task(page, app_url, "Find anomalies", "anomaly_data")

    go_to(page, "Data")
    expect(page.locator("h1", has_text="Data: anomaly detection")).to_be_visible()
    page.get_by_role("combobox", name="Series").click()
    page.get_by_role("option", name="Yahoo traffic (yahoo)").click()
    settle(page)
    expect(metric_value(page, "Steps")).to_have_text("1,000", timeout=PAGE_TIMEOUT)
    expect(metric_value(page, "Labelled anomalous")).to_have_text("7 (0.7%)")
    drawn(plotly_chart(page, containing="Yahoo traffic"))
    no_exception(page, "anomaly data")
    shoot(page, screenshots, "anomaly_data.png")

    go_to(page, "Build")
    set_number(page, "Units, layer 1", 6)
    drawn(plotly_chart(page, containing="RepeatVector"))
    expect(page.get_by_text("normal training windows only")).to_be_visible()
    no_exception(page, "anomaly build")

    go_to(page, "Train")
    set_number(page, "Epochs", 2)
    page.get_by_role("button", name="Train", exact=True).click()
    finished = page.locator('[data-testid="stAlert"]').filter(has_text="Finished")
    expect(finished).to_be_visible(timeout=TRAIN_TIMEOUT)
    settle(page)
    no_exception(page, "anomaly train")

    go_to(page, "Inspect")
    expect(metric_value(page, "Autoencoder test ROC AUC")).to_have_text(
        re.compile(r"^[01]\.\d{3}$"), timeout=PAGE_TIMEOUT
    )
    expect(metric_value(page, "PCA test ROC AUC")).to_have_text(re.compile(r"^[01]\.\d{3}$"))
    expect(metric_value(page, "Autoencoder F1")).to_have_text(re.compile(r"^[01]\.\d{3}$"))
    drawn(plotly_chart(page, containing="reconstruction and anomaly score"))
    drawn(plotly_chart(page, containing="ROC curve"))
    drawn(plotly_chart(page, containing="Window codes"))
    verdict = page.locator('[data-testid="stAlert"]').filter(has_text="test ROC AUC")
    expect(verdict).to_be_visible()
    settle(page)
    no_exception(page, "anomaly inspect")
    shoot(page, screenshots, "anomaly_inspect.png")
