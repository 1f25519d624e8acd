"""Page-test fixtures."""

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.train.runs import RunStore
from tests.pages.helpers import open_page


@pytest.fixture
def data_ready() -> AppTest:
    """The Data page with the default built-in series (airline passengers) chosen."""
    return open_page("pages/forecast/data.py")


@pytest.fixture
def store(tmp_path, monkeypatch) -> RunStore:
    """An empty run store in a temporary folder, where the app saves its runs."""
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(tmp_path))
    return RunStore(tmp_path)
