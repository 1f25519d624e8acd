"""The app on a local Ray cluster (``RNNVIZ_RAY_ADDRESS=local``), in a real browser.

Ray is initialised when the first page other than Home opens. It used to be initialised in a
short-lived thread, whose end killed the cluster's processes (they carry a parent-death signal)
and, 60 s later, the server ("Failed to connect to GCS within 60 seconds"). The test waits past
that (70 s), checks the server still answers, then trains a short forecast run through Ray and
opens it in Inspect. Runs in CI with the rest of the browser tests (about 2 minutes).
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SERVER_START_TIMEOUT, _require_chromium, new_page
from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    go_to,
    no_exception,
    plotly_chart,
    shoot,
)
from tests.e2e.test_worker_kill import airline_train_page

PAST_GCS_TIMEOUT = 70.0  # s after Ray starts: Ray gave up on a killed GCS after 60 s
RAY_TRAIN_TIMEOUT = 180_000  # ms: the first Ray actor imports TensorFlow before it trains


@pytest.fixture(scope="module")
def ray_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """``make run`` with ``RNNVIZ_RAY_ADDRESS=local``: (the make process, the base URL)."""
    from _serve import ServerDidNotStart, make_run

    _require_chromium()
    runs = tmp_path_factory.mktemp("ray-runs")
    try:
        with make_run(runs, SERVER_START_TIMEOUT, env={"RNNVIZ_RAY_ADDRESS": "local"}) as started:
            yield started
    except ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture
def ray_page(browser, ray_app) -> Iterator[Page]:
    yield from new_page(browser)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.mark.timeout(420)
def test_ray_local_server_survives_and_trains_a_run_to_inspect(
    ray_page: Page, ray_app: tuple, screenshots: Path
):
    process, url = ray_app
    page = ray_page
    ray_started = time.monotonic()  # the Data page, the first past Home, starts Ray
    airline_train_page(page, url, epochs=2)

    time.sleep(max(0.0, PAST_GCS_TIMEOUT - (time.monotonic() - ray_started)))
    assert process.poll() is None, "the server exited while Ray was idle"
    assert healthy(url), "the server does not answer its health check after 70 s with Ray"

    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Finished 2 epochs")).to_be_visible(timeout=RAY_TRAIN_TIMEOUT)
    link = page.get_by_text("Inspect the results")
    expect(link).to_be_visible(timeout=PAGE_TIMEOUT)  # saved: the run came back from Ray
    no_exception(page, "ray train")
    shoot(page, screenshots, "ray_train.png")

    go_to(page, "Inspect")
    expect(plotly_chart(page, containing="Actual vs predicted")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("Test errors")).to_be_visible()
    no_exception(page, "ray inspect")
    shoot(page, screenshots, "ray_inspect.png")
    assert process.poll() is None and healthy(url)
