"""Saving finished runs to the run store from the UI (once per job)."""

from __future__ import annotations

import streamlit as st

from rnnviz.compare import save_job
from rnnviz.runs import RunStore
from rnnviz.ui.state import session


def run_store() -> RunStore:
    """The store at ``RNNVIZ_RUNS_DIR`` (default ``~/.rnnviz/runs``)."""
    return RunStore()


def autosave_finished_job() -> None:
    """Save the session's training job once it has finished (on whichever page the user is)."""
    job = session().job
    if job is None or job.saved:
        return
    snapshot = job.run.snapshot()
    if not snapshot.has_result or not snapshot.epoch:
        return
    try:
        job.record = save_job(run_store(), job)
        st.toast(f"Run saved: {job.record.run_id}")
    except (OSError, ValueError) as error:
        job.save_error = str(error)
        st.warning(f"The run could not be saved: {error}")
