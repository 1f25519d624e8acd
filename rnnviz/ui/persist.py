"""Where this server keeps finished runs."""

from __future__ import annotations

from rnnviz.train.runs import RunStore


def run_store() -> RunStore:
    """The store at ``RNNVIZ_RUNS_DIR`` (default ``~/.rnnviz/runs``)."""
    return RunStore()
