"""Real-browser fixtures: the app started with the README's command and a headless Chromium.

The server is started with ``make run PORT=...`` (what the README tells a person to type) in its
own process group, and the whole group is killed at the end so no streamlit is left running. It
saves its runs to a temporary store (``RNNVIZ_RUNS_DIR``), never to the user's ~/.rnnviz/runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from _serve import CHROMIUM, CHROMIUM_ARGS, ServerDidNotStart, make_run  # noqa: E402

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT = 180  # `make run` may first (re)install the pinned requirements


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM}; install Debian's chromium to run the e2e tests"
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so this is an error)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run store of the app under test (the server reads it from ``RNNVIZ_RUNS_DIR``)."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture
def empty_runs_dir(runs_dir: Path) -> Path:
    """The app's run store emptied of what earlier tests saved (the store reads the disk anew on
    every page run, so the app sees it empty at once)."""
    for child in runs_dir.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    return runs_dir


@pytest.fixture(scope="session")
def app_url(runs_dir: Path) -> Iterator[str]:
    """``make run PORT=<free port>`` in a new session; yields the base URL; kills the group. Runs
    are prepared ahead of the Train click there, as in the app (the page tests turn it off)."""
    _require_chromium()
    try:
        prepared = {"RNNVIZ_PREPARE_AHEAD": "1"}
        with make_run(runs_dir, timeout=SERVER_START_TIMEOUT, env=prepared) as (_, url):
            yield url
    except ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _require_chromium()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, app_url: str):
    """A fresh browser context (hence a fresh Streamlit session) per test, on the app."""
    yield from new_page(browser)


def new_page(browser) -> Iterator:
    """A page in a fresh browser context (hence a fresh Streamlit session), closed at the end."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
