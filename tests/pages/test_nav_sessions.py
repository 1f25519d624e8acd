"""Sessions never share page objects: st.navigation marks the page it returns as callable and
running it clears the mark, so shared objects raced ("This page cannot be called directly" when
eight sessions clicked Train within 2 s)."""

from __future__ import annotations

import threading

from streamlit import config
from streamlit.testing.v1 import AppTest

from rnnviz.ui import nav
from tests.pages.helpers import APP, TIMEOUT, open_page

SESSIONS = 8


def test_every_session_has_its_own_page_objects():
    first, second = open_page("pages/common/runs.py"), open_page("pages/common/runs.py")
    mine, theirs = (at.session_state[nav.SESSION_KEY] for at in (first, second))
    assert (
        mine.train is not theirs.train
        and mine.inspect["forecast"] is not theirs.inspect["forecast"]
    )
    assert mine.train.url_path == theirs.train.url_path  # the same pages, distinct objects
    assert first.session_state[nav.SESSION_KEY] is mine  # kept for the session's later runs


def full_error_details(get_option):
    """``config.get_option`` with the error details shown in full (the app hides them)."""

    def get(key: str):
        return "full" if key == "client.showErrorDetails" else get_option(key)

    return get


def test_sessions_changing_pages_at_once_never_meet_an_uncallable_page(monkeypatch):
    """Eight sessions change pages at once, in threads. AppTest itself is not made for threads
    (its stand-in runtime is one per process, dropped at the end of each run), so only the
    navigation's error counts, read from the full error details."""
    monkeypatch.setattr(config, "get_option", full_error_details(config.get_option))
    apps = [AppTest.from_file(APP, default_timeout=TIMEOUT).run() for _ in range(SESSIONS)]
    errors: list[str] = []
    start = threading.Barrier(SESSIONS)

    def browse(at: AppTest) -> None:
        start.wait()
        for page in ("pages/common/runs.py", "pages/common/home.py") * 3:
            at.switch_page(page).run()
            errors.extend(
                e.message for e in at.exception if "cannot be called directly" in e.message
            )

    threads = [threading.Thread(target=browse, args=(at,)) for at in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not errors, errors[:3]
