"""The live fragment: redraws only its part of the page while background work is alive."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from rnnviz.train.runstate import RunState

if TYPE_CHECKING:
    from rnnviz.service.executor import RunHandle

REFRESH_SECONDS = 2.0
QUICK_SECONDS = 0.5  # the pace while the user waits for a first sign of progress
END_WAIT_SECONDS = REFRESH_SECONDS - 0.2  # the longest one refresh waits for a run's end
FIGURE_SECONDS = 6.0  # heavy live figures (gate heatmaps) are redrawn at most this often


def progress_text(state: RunState) -> str:
    left = state.seconds_left
    eta = "" if left is None or not state.epoch else time_left_text(left)
    step = f", batch {state.step}/{state.steps_per_epoch}" if state.status == "running" else ""
    return f"Epoch {state.epoch}/{state.epochs}{step} - {state.elapsed:.1f} s{eta}"


def time_left_text(seconds: float) -> str:
    """The time left as the progress bar says it: whole seconds, or "finishing" under one (the
    epochs are done or nearly: what is left is the last batches, the evaluation and the save,
    which "about 0 s left" would misstate)."""
    return ", finishing" if seconds < 1 else f", about {seconds:.0f} s left"


def progress_near_end(handle: RunHandle) -> RunState:
    """Draw the run's progress bar. When the run is due to end before the next refresh, the end
    of its training is then waited for (at most :data:`END_WAIT_SECONDS`) and the bar drawn
    again, so the page shows the outcome at once rather than up to a refresh later; likewise
    its first batch (at most :data:`QUICK_SECONDS`, the pace of the refreshes that wait for
    it), so the figures drawn next show it as soon as it exists. Returns the state drawn last.
    See :func:`wait_while_saving` for the saved run."""
    state = handle.snapshot()
    bar = st.empty()
    bar.progress(state.fraction, text=progress_text(state))
    left = state.seconds_left
    if state.status == "running" and left is not None and left < REFRESH_SECONDS:
        handle.wait_trained(END_WAIT_SECONDS)
    elif awaits_first_batch(state) and handle.queue_position is None:
        handle.wait_first_batch(QUICK_SECONDS)
    else:
        return state
    state = handle.snapshot()
    bar.progress(state.fraction, text=progress_text(state))
    return state


def awaits_first_batch(state: RunState) -> bool:
    """Whether a run starts (its worker builds the job) or trains its first batch."""
    starting = state.status in ("ready", "running")
    return starting and not (state.batch_loss or state.step or state.epoch)


def wait_while_saving(handle: RunHandle, state: RunState) -> bool:
    """After drawing a trained run whose worker is still saving it: wait (at most
    :data:`END_WAIT_SECONDS`) for the saved run, so this refresh shows it (its Inspect link)
    rather than the next one. True when it waited and the run is now saved."""
    if state.status != "saving":
        return False
    handle.result(END_WAIT_SECONDS)
    return handle.done


def live_panel(
    is_alive: Callable[[], bool],
    draw: Callable[[], None],
    waiting: Callable[[], bool] | None = None,
) -> None:
    """Call ``draw()`` now and, while ``is_alive()``, again every :data:`REFRESH_SECONDS`; every
    :data:`QUICK_SECONDS` while ``waiting()`` (e.g. until a run's first batch is on the chart,
    so it shows as soon as it exists), then one full rerun returns to the usual pace.

    When the work ends the fragment triggers one full rerun so the rest of the page (buttons,
    links to Inspect) sees the finished state.
    """
    alive = is_alive()
    quick = alive and waiting is not None and waiting()
    every = (QUICK_SECONDS if quick else REFRESH_SECONDS) if alive else None

    @st.fragment(run_every=every)
    def panel() -> None:
        draw()
        if (alive and not is_alive()) or (quick and not waiting()):
            st.rerun(scope="app")

    panel()


def live_samples(samples: list[str], shown: int = 3) -> None:
    """The text generated at the latest epoch ends, newest first, shown literally."""
    st.markdown("**Samples at each epoch end** (newest first)")
    first = len(samples)
    for number, text in enumerate(reversed(samples[-shown:])):
        st.caption(f"Epoch {first - number}")
        st.code(text, language=None, wrap_lines=True)
