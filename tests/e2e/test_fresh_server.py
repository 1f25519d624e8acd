"""A setting changed while a fresh server still prepares the first data is the one Build uses.

On a fresh server the first preparation of Rotten Tomatoes takes seconds. With Streamlit's fast
reruns the replaced run went on in its own thread, finished after the user's rerun and left its
10,000-word data in the session: Build then drew "10000 x 64" although the Data page had said
"vocabulary of 500 ids" (``runner.fastReruns = false`` in .streamlit/config.toml). The shared
server of the other browser tests is warm by then, so this test starts its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.conftest import VIEWPORT
from tests.e2e.test_browser import (
    PAGE_TIMEOUT,
    choose_task,
    go_to,
    no_exception,
    plotly_chart,
    set_number,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _serve import free_port, make_run  # noqa: E402


def test_a_vocabulary_set_during_the_first_preparation_reaches_build(browser, tmp_path: Path):
    with make_run(tmp_path / "runs", port=free_port()) as (_, url):
        page = browser.new_context(viewport=VIEWPORT).new_page()
        page.set_default_timeout(30_000)
        choose_task(page, url, "Classify text sentiment", "sentiment_data")
        go_to(page, "Data")
        set_number(page, "Vocabulary size (most frequent tokens)", 500)
        expect(page.get_by_text("vocabulary of 500 ids")).to_be_visible(timeout=PAGE_TIMEOUT)
        page.wait_for_timeout(2_000)  # time for a replaced run to finish behind the page
        go_to(page, "Build")
        expect(plotly_chart(page, containing="Embedding")).to_contain_text(
            "500 x", timeout=PAGE_TIMEOUT
        )
        no_exception(page, "build after a fresh server's first data")
