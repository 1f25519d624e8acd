"""AppTest helpers: open the app on a page, with the settings a user would choose first."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from rnnviz.ui.state import SESSION_KEY, Session

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str, at: AppTest | None = None) -> AppTest:
    at = (
        AppTest.from_file(APP, default_timeout=TIMEOUT) if at is None else at
    )  # an unrun app is falsy
    if at.session_state is None or not at._tree:  # first run draws the home page
        at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def session(at: AppTest) -> Session:
    """The app's typed session object (what the pages keep between runs)."""
    return at.session_state[SESSION_KEY]


def new_app(**state) -> AppTest:
    """An app whose session starts with ``state`` (fields of :class:`Session`)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[SESSION_KEY] = Session(**state)
    return at


def wait_for_training(at: AppTest, timeout: float = 180) -> None:
    """Let the run finish in its worker, then rerun so the page shows the final state."""
    handle = session(at).run_handle
    assert handle.result(timeout) is not None, "the run did not end in time"
    at.run()


def train_on_page(at: AppTest, epochs: int, **numbers: int) -> AppTest:
    """Open Train, set Epochs (and any other number inputs, by widget key), click Train and wait
    for the run to end."""
    at = open_page("pages/common/train.py", at)
    at.number_input(key="w_epochs").set_value(epochs)
    for key, value in numbers.items():
        at.number_input(key=key).set_value(value)
    at.button(key="train").click().run()
    wait_for_training(at)
    return at


def plotly_charts(at: AppTest) -> list:
    return at.get("plotly_chart")
