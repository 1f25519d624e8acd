"""The server keeps its Keras state between script runs (no reset on every live refresh)."""

import tomllib
from pathlib import Path

import keras

from tests.pages.helpers import open_page

ROOT = Path(__file__).resolve().parents[2]


def test_a_script_run_does_not_reset_keras():
    """Streamlit's runner calls keras.backend.clear_session() after every run, which also
    restarts Keras's layer-name counter; with the app's change the counter keeps counting."""
    at = open_page("pages/forecast/data.py")
    before = keras.layers.Dense(1).name
    at.run()  # a whole script run ends here (Streamlit's clean-up included)
    after = keras.layers.Dense(1).name
    assert after != before, "the script run reset Keras (clear_session)"


def test_no_full_garbage_collection_after_each_run():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
