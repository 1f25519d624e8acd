"""The live-training fragment: redraws only the charts while a background run is alive."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.training import RunState, TrainingRun

REFRESH_SECONDS = 1.0


def progress_text(state: RunState) -> str:
    left = state.seconds_left
    eta = f", about {left:.0f} s left" if left is not None and state.epoch else ""
    step = f", batch {state.step}/{state.steps_per_epoch}" if state.status == "running" else ""
    return f"Epoch {state.epoch}/{state.epochs}{step} - {state.elapsed:.1f} s{eta}"


def live_panel(run: TrainingRun, render: Callable[[RunState], None]) -> None:
    """Draw ``render(snapshot)`` now and, while the run is alive, again every second.

    When the run ends the fragment triggers one full rerun so the rest of the page (buttons,
    Inspect links) sees the finished run.
    """
    alive = not run.snapshot().done

    @st.fragment(run_every=REFRESH_SECONDS if alive else None)
    def panel() -> None:
        state = run.snapshot()
        st.progress(state.fraction, text=progress_text(state))
        render(state)
        if alive and state.done:
            st.rerun(scope="app")

    panel()
