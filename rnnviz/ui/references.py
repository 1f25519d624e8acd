"""Reference bands on the Train page's live metric chart: the run's baseline figure (and a
published reference for a built-in preset), and when the model crossed it."""

from __future__ import annotations

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


def request_marks(request: TrainRequest) -> list[ReferenceMark] | str:
    """The run's reference marks, computed once per data and model spec (a message instead
    when its baseline cannot be computed)."""
    key = (request.task, data_key(request.data), request.model_spec)
    return session().memo("reference_marks", key, lambda: _marks(request))


def draw_reference_bands(
    figure: go.Figure, request: TrainRequest, history: dict, metric: str
) -> list[str]:
    """Add the bands to the metric subplot of ``figure`` (Train's history figure); returns the
    lines to show under it (crossed or not, on validation)."""
    marks = request_marks(request)
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
