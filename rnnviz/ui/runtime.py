"""What this app changes in Streamlit's script runner, and why (one place for it).

After every script run, fragment reruns included, Streamlit's runner calls
``keras.backend.clear_session()`` once Keras is imported (``_clean_problem_modules`` in
``streamlit/runtime/scriptrunner/script_runner.py``) and then a full ``gc.collect(2)``. With
TensorFlow in the server (Build counts parameters with Keras, Inspect loads models) the two cost
about 0.45 s of CPU per run: every 2-second refresh of the live charts paid it while the worker
trained on the same cores. The garbage collection is turned off in ``.streamlit/config.toml``
(``runner.postScriptGC``); the Keras reset is skipped here. The server keeps no Keras state that a
reset would need to clear: models live in the session and are freed with it; training happens in
worker processes.

The page scripts live in ``pages/common/`` and ``pages/<task>/`` (the card's ``pages/``). A
``pages/`` folder beside app.py makes Streamlit's ``PagesManager.uses_pages_directory`` true for
the whole process, and every run then goes through ``_mpa_v1``: it globs ``pages/*.py`` (none
here, so nothing bypasses the router) and runs app.py as the main page, but first says "Page not
found" for any page URL app.py's own ``st.navigation`` serves. The app uses ``st.navigation``
only, so it turns that mode off on its first run: from then on a typed page URL opens quietly.
The server's very first run has already gone through ``_mpa_v1`` before app.py runs.
"""

from __future__ import annotations

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import script_runner


def _clean_problem_modules_but_keras() -> None:
    """Streamlit's per-run clean-up without the Keras session reset (figures still closed)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


def keep_keras_between_runs() -> None:
    """Stop Streamlit resetting Keras after each script run (idempotent)."""
    if not hasattr(script_runner, "_clean_problem_modules"):
        raise RuntimeError(
            "streamlit's script runner no longer has _clean_problem_modules: check whether it "
            "still resets Keras after every run (see rnnviz/ui/runtime.py)"
        )
    script_runner._clean_problem_modules = _clean_problem_modules_but_keras


def navigation_only() -> None:
    """Serve pages through app.py's ``st.navigation`` only, never Streamlit's v1 pages folder."""
    if not hasattr(PagesManager, "uses_pages_directory"):
        raise RuntimeError(
            "streamlit's PagesManager no longer has uses_pages_directory: check how it treats a "
            "pages/ folder beside app.py (see rnnviz/ui/runtime.py)"
        )
    PagesManager.uses_pages_directory = False
