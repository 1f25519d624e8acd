"""No page script is served bypassing the router (issue 20): a fresh server, every page URL typed.

Streamlit's v1 multipage mode serves ``pages/*.py`` by itself on a fresh server's first request,
skipping app.py (the sidebar, the session's task, the URL's run). The page scripts live one level
down (``pages/common/``, ``pages/<task>/``), where it does not look. Each URL is typed into a
fresh browser session; the first one is the server's very first request. Every page must show
the router's sidebar (the Task choice) and its own title, and never a traceback; after the
server's first run no "Page not found" either (see rnnviz/ui/runtime.py).
"""

from __future__ import annotations

from pathlib import Path

from _serve import make_run  # noqa: E402 - bench/ is on sys.path (tests/e2e/conftest.py)
from playwright.sync_api import expect

from rnnviz.tasks.registry import TASKS
from tests.e2e.conftest import SERVER_START_TIMEOUT, VIEWPORT
from tests.e2e.test_browser import EXCEPTION, PAGE_TIMEOUT, settle, shoot

COMMON = {"": "rnnviz", "build": "Build", "train": "Train", "compare": "Compare", "runs": "Runs"}


UNKNOWN = ("home", "data", "inspect", "inspect_text")  # script names and the old views/ names


def typed_urls() -> list[tuple[str, str, str]]:
    """(URL path, the task whose sidebar must be chosen, a heading the page shows)."""
    urls = [(f"{name}_inspect", name, "Inspect") for name in TASKS]  # first: the heaviest pages
    urls += [(f"{name}_data", name, "Data") for name in TASKS]
    urls += [(path, "forecast", heading) for path, heading in COMMON.items()]
    # not pages: the router says so and opens Home
    urls += [(path, "forecast", "rnnviz") for path in UNKNOWN]
    return urls


def test_every_page_url_typed_on_a_fresh_server_goes_through_the_router(
    browser, tmp_path: Path, screenshots: Path
):
    with make_run(tmp_path / "runs", timeout=SERVER_START_TIMEOUT) as (_, url):
        for i, (path, task, heading) in enumerate(typed_urls()):
            first = i == 0
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            try:
                page.goto(f"{url}/{path}")
                sidebar = page.locator('[data-testid="stSidebar"]')
                expect(sidebar.get_by_text("Task", exact=True)).to_be_visible(timeout=PAGE_TIMEOUT)
                settle(page)
                chosen = sidebar.get_by_role("radio", name=TASKS[task].label)
                expect(chosen).to_be_checked()
                title = page.get_by_role("heading").filter(has_text=heading).first
                expect(title).to_be_visible(timeout=PAGE_TIMEOUT)  # the first page imports Keras
                not_found = page.get_by_text("Page not found")
                if path in UNKNOWN:
                    expect(not_found).to_be_visible()
                elif (
                    not first
                ):  # the server's very first run went through v1 (rnnviz/ui/runtime.py)
                    expect(not_found).to_have_count(0)
                boxes = page.locator(EXCEPTION)
                assert boxes.count() == 0, f"/{path}: {boxes.all_inner_texts()}"
                if path in ("sentiment_inspect", "generation_data"):
                    shoot(page, screenshots, f"typed_{path}.png")
            finally:
                context.close()
