"""Reference bands on the Train page's live metric chart: the run's baseline figure (and a
published reference for a built-in preset), and when the model crossed it."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import plotly.graph_objects as go
import streamlit as st

from rnnviz.common.csvread import DataError
from rnnviz.common.messages import user_message
from rnnviz.common.references import ReferenceMark, crossing_note
from rnnviz.common.safe import plain
from rnnviz.common.view_figures import add_reference_bands
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.base import data_key
from rnnviz.tasks.registry import get_task
from rnnviz.ui.state import session


def _marks(request: TrainRequest) -> list[ReferenceMark] | str:
    try:
        return get_task(request.task).reference_marks(request.data, request.model_spec)
    except (DataError, ValueError) as error:  # a baseline that cannot fit this data
        return "No baseline band: " + user_message(
            error, "the baseline cannot be fitted to this data."
        )


# One background thread fits the baselines of the bands (a TF-IDF model, a nearest-neighbour
# search, an n-gram model: seconds on a large set), so the live chart never waits for them.
_FITTING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rnnviz-reference-marks")
FITTING_NOTE = "The baseline's band appears here once the baseline is fitted."


def request_marks(request: TrainRequest, wait: bool = True) -> list[ReferenceMark] | str | None:
    """The run's reference marks, computed once per data and model spec in the background (a
    message instead when its baseline cannot be computed); without ``wait``, None while they
    are computed."""
    key = (request.task, data_key(request.data), request.model_spec)
    fitting: Future = session().memo(
        "reference_marks", key, lambda: _FITTING.submit(_marks, request)
    )
    return fitting.result() if wait or fitting.done() else None


def draw_reference_bands(
    figure: go.Figure, request: TrainRequest, history: dict, metric: str, wait: bool = True
) -> list[str]:
    """Add the bands to the metric subplot of ``figure`` (Train's history figure); returns the
    lines to show under it (crossed or not, on validation). Without ``wait`` (a live redraw:
    another follows) the figure has no band until the baseline is fitted, and the line says
    it is coming."""
    marks = request_marks(request, wait)
    if marks is None:
        return [FITTING_NOTE]
    if isinstance(marks, str):
        return [marks]
    marks = [m for m in marks if m.metric == metric]
    epochs = len(history.get("loss", ()))
    add_reference_bands(figure, marks, max(epochs, 1), row=1, col=2)
    validation = history.get(f"val_{metric}", ())
    return [crossing_note(m, validation) for m in marks]


def reference_caption(lines: list[str]) -> None:
    if lines:
        st.caption(plain(" ".join(lines)) + " Hover a band's line for its source.")
