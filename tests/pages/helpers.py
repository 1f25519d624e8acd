"""AppTest helpers: open the app on a page, with the settings a user would choose first."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP, default_timeout=TIMEOUT)
    if at.session_state is None or not at._tree:  # first run draws the home page
        at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def wait_for_training(at: AppTest, timeout: float = 180) -> None:
    """Let the run finish in its worker, then rerun so the page shows the final state."""
    handle = at.session_state["run_handle"]
    assert handle.result(timeout) is not None, "the run did not end in time"
    at.run()


def plotly_charts(at: AppTest) -> list:
    return at.get("plotly_chart")
