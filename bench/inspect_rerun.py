"""Seconds per Inspect rerun (a widget change) with a 128-unit LSTM, through Streamlit's runner.

The app is driven with AppTest, which runs the real script runner (and so Streamlit's
``keras.backend.clear_session()`` after every run): airline, LSTM(128), trained for 3 epochs,
then the gate explorer's window slider is moved ``repeats`` times and each rerun is timed.
Works on the commit before training left the server too (it waits for either a run handle or
an in-process job), so the two can be compared: copy this file there and run it.

Run: .venv/bin/python bench/inspect_rerun.py [repeats]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

import _bootstrap  # noqa: F401  (repository root on sys.path)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("RNNVIZ_RUNS_DIR", tempfile.mkdtemp(prefix="rnnviz-bench-runs-"))

from tests.pages.helpers import open_page  # noqa: E402


def _session_value(at, name: str):
    """A field of the typed session (or, on older commits, a plain session_state key)."""
    if "rnnviz" in at.session_state:
        return getattr(at.session_state["rnnviz"], name, None)
    return at.session_state[name] if name in at.session_state else None


def wait_until_trained(at, timeout: float = 600) -> None:
    """The run has ended (a worker's run handle, or the older in-process job)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        handle, job = _session_value(at, "run_handle"), _session_value(at, "job")
        if handle is not None and handle.done:
            return
        if handle is None and job is not None and job.run.snapshot().done:
            return
        time.sleep(0.2)
    raise TimeoutError("training did not end")


def main(repeats: int = 8) -> None:
    at = open_page("pages/forecast/data.py")
    at = open_page("pages/common/build.py", at)
    at.number_input(key="w_units_1").set_value(128).run()
    at = open_page("pages/common/train.py", at)
    at.number_input(key="w_epochs").set_value(3)
    at.button(key="train").click().run()
    wait_until_trained(at)
    at.run()
    start = time.perf_counter()
    at = open_page("pages/forecast/inspect.py", at)
    first = time.perf_counter() - start
    slider = at.slider(key="w_explore_window_test")
    times = []
    for k in range(repeats):
        at.slider(key="w_explore_window_test").set_value(k % (slider.max + 1))
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    print(f"inspect first open {first:.2f} s")
    print(
        f"inspect rerun median {statistics.median(times):.3f} s "
        f"(min {min(times):.3f}, max {max(times):.3f}, {repeats} reruns, LSTM(128))"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
