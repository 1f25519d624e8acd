"""A run trained on an uploaded CSV survives a server restart (issue 17 §2), in a real browser.

Upload a series, check the Data page keeps it on return, train a tiny run, restart the server,
reopen the run from Runs in Inspect, download its script and its data, run the script and
compare its test RMSE with the app's. Screenshots: /work/shots/keepdata_*.png when that folder
can be made, else artifacts/screenshots/.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rnnviz.tasks.forecast.series import load_builtin
from rnnviz.train.runs import RunStore
from tests.core.test_keepdata import exported_test_rmse
from tests.e2e.conftest import SCREENSHOTS, VIEWPORT
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

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _serve import free_port, make_run  # noqa: E402


def downloading_page(browser) -> Page:
    """A page in a fresh context (a new Streamlit session) that may download files."""
    page = browser.new_context(viewport=VIEWPORT, accept_downloads=True).new_page()
    page.set_default_timeout(30_000)
    return page


def upload_and_train(page: Page, url: str, csv: Path, shots: Path) -> None:
    open_data_page(page, url)
    page.get_by_text("Upload a CSV", exact=True).click()
    settle(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    expect(page.get_by_text("Data ready. Next: build a model.")).to_be_visible(timeout=PAGE_TIMEOUT)
    go_to(page, "Build")
    set_number(page, "Units, layer 1", 4)
    go_to(page, "Data")  # back: the upload is still used, no second upload needed
    kept = page.get_by_text(re.compile(r"Using passengers\.csv \(uploaded, 144 rows\)"))
    expect(kept).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("Data ready. Next: build a model.")).to_be_visible()
    no_exception(page, "data on return")
    shoot(page, shots, "keepdata_data_return.png")
    go_to(page, "Train")
    set_number(page, "Epochs", 2)
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Finished 2 epochs")).to_be_visible(timeout=TRAIN_TIMEOUT)
    # The outcome shows as training ends; the Inspect link once the worker has saved the run
    # (the server must not be stopped before: its workers end with it).
    expect(page.get_by_role("link", name="Inspect the results")).to_be_visible(
        timeout=TRAIN_TIMEOUT
    )
    settle(page)


def download(page: Page, label: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def test_an_uploaded_run_reopens_and_exports_after_a_restart(browser, tmp_path):
    shots, runs_dir, port = SCREENSHOTS, tmp_path / "runs", free_port()
    shots.mkdir(parents=True, exist_ok=True)
    csv = tmp_path / "passengers.csv"
    csv.write_bytes(load_builtin("airline").frame.to_csv().encode())
    with make_run(runs_dir, port=port) as (_, url):
        upload_and_train(downloading_page(browser), url, csv, shots)
    [record] = RunStore(runs_dir).list()
    assert record.data_config["stored_data"]["filename"] == "passengers.csv"

    with make_run(runs_dir, port=port) as (_, url):  # a restarted server, a new session
        page = downloading_page(browser)
        page.goto(url)
        settle(page)
        go_to(page, "Runs")
        expect(page.get_by_role("combobox", name="Run")).to_have_value(re.compile(record.run_id))
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        script = download(page, "Keras script (.py)", downloads)
        data = download(page, "Data (passengers.csv)", downloads)
        page.mouse.move(0, 0)  # no tooltip over the buttons in the shot
        page.wait_for_timeout(500)
        shoot(page, shots, "keepdata_runs.png")
        page.get_by_role("button", name="Open in Inspect").click()
        expect(page.locator("h1", has_text="Inspect")).to_be_visible(timeout=PAGE_TIMEOUT)
        expect(plotly_chart(page, containing="Actual vs predicted")).to_be_visible(
            timeout=PAGE_TIMEOUT
        )
        settle(page)
        no_exception(page, "inspect after restart")
        shoot(page, shots, "keepdata_inspect.png")

    assert data.name == "passengers.csv" and data.read_bytes().startswith(b"time,passengers\n")
    rmse = exported_test_rmse(script)
    assert rmse == pytest.approx(record.metrics["test RMSE"], rel=0.02)
