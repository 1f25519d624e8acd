"""The live fragment: redraws only its part of the page while background work is alive."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.runstate import RunState

REFRESH_SECONDS = 2.0


def progress_text(state: RunState) -> str:
    left = state.seconds_left
    eta = f", about {left:.0f} s left" if left is not None and state.epoch else ""
    step = f", batch {state.step}/{state.steps_per_epoch}" if state.status == "running" else ""
    return f"Epoch {state.epoch}/{state.epochs}{step} - {state.elapsed:.1f} s{eta}"


def live_panel(is_alive: Callable[[], bool], draw: Callable[[], None]) -> None:
    """Call ``draw()`` now and, while ``is_alive()``, again every second.

    When the work ends the fragment triggers one full rerun so the rest of the page (buttons,
    links to Inspect) sees the finished state.
    """
    alive = is_alive()

    @st.fragment(run_every=REFRESH_SECONDS if alive else None)
    def panel() -> None:
        draw()
        if alive and not is_alive():
            st.rerun(scope="app")

    panel()


def live_samples(samples: list[str], shown: int = 3) -> None:
    """The text generated at the latest epoch ends, newest first, shown literally."""
    st.markdown("**Samples at each epoch end** (newest first)")
    first = len(samples)
    for number, text in enumerate(reversed(samples[-shown:])):
        st.caption(f"Epoch {first - number}")
        st.code(text, language=None, wrap_lines=True)
