"""Page-test fixtures."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.helpers import open_page


@pytest.fixture
def data_ready() -> AppTest:
    """The Data page with the default built-in series (airline passengers) chosen."""
    return open_page("pages/forecast/data.py")
