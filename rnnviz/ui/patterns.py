"""Pattern search over units (LSTMVis's select-and-match), shared by the generation (passage)
and forecast (series) Inspect pages: select a span and a threshold, see the units on over it
and off around it, and where else in held-out data they fire together."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from rnnviz.common.safe import plain
from rnnviz.model.patterns import Span, runs, search
from rnnviz.ui.state import set_widget_defaults

Activations = Mapping[str, np.ndarray]  # "layer / state" -> (time, units)
MAX_MATCHES_SHOWN = 20


def pattern_search_view(
    activations: Callable[[], tuple[Activations, Activations]],
    held_properties: Mapping[str, np.ndarray],
    show_span: Callable[[Span], str],
    match_rows: Callable[[Sequence[Span]], pd.DataFrame],
    default_span: Span,
    what: str,
) -> None:
    """Behind a toggle (``activations()`` traces the model): the controls and results.
    ``activations()`` gives the same layers' values on the selection's ``what`` (a passage, a
    series part) and on the held-out data; ``show_span`` words a selected span (plain text);
    ``match_rows`` tabulates the matches."""
    if not st.toggle("Search for a pattern of units", key="w_pattern_on"):
        return
    selected, held_out = activations()
    labels = list(selected)
    steps = len(next(iter(selected.values())))
    first_layer = _state_first(labels)
    set_widget_defaults(
        {"pattern_span": default_span, "pattern_threshold": 0.5, "pattern_layer": first_layer}
    )
    if st.session_state.get("w_pattern_layer") not in labels:
        set_widget_defaults({"pattern_layer": first_layer}, overwrite=True)
    span = st.session_state.get("w_pattern_span")
    if not (isinstance(span, tuple) and 0 <= span[0] <= span[1] <= steps):
        set_widget_defaults({"pattern_span": default_span}, overwrite=True)
    c1, c2 = st.columns([3, 1])
    layer = c1.selectbox("Layer / state or gate", labels, key="w_pattern_layer")
    threshold = c2.number_input(
        "Threshold (on: at or above)", -10.0, 10.0, step=0.05, key="w_pattern_threshold"
    )
    start, end = st.slider(f"Select a span of the {what} (steps)", 0, steps, key="w_pattern_span")
    if end <= start:
        st.warning("Select a span of at least one step.")
        return
    st.markdown(f"Selected: **{plain(show_span((start, end)))}**")
    result = search(selected[layer], (start, end), threshold, held_out[layer], held_properties)
    if result.units.size == 0:
        st.info(result.summary + " Try a lower threshold or a shorter span.")
        return
    st.markdown(
        f"**{len(result.units)} units** on over the span and off around it: "
        f"{', '.join(map(str, result.units[:30]))}"
        + (" ..." if len(result.units) > 30 else "")
        + f". They fire together **{result.count} times** in the held-out data."
    )
    (st.success if result.count else st.info)(plain(result.summary))
    if result.count:
        st.dataframe(match_rows(result.spans[:MAX_MATCHES_SHOWN]), hide_index=True, width="stretch")
        if result.count > MAX_MATCHES_SHOWN:
            st.caption(f"The first {MAX_MATCHES_SHOWN} of {result.count} matches.")


def _state_first(labels: Sequence[str]) -> str:
    """The label to start on: a cell state (as LSTMVis), else a hidden state, else the last."""
    for state in ("/ cell", "/ hidden"):
        found = [label for label in labels if label.endswith(state)]
        if found:
            return found[-1]
    return labels[-1]


def first_run_span(flags: np.ndarray, fallback: Span) -> Span:
    """The first run of True in ``flags`` (a property of the selection), else ``fallback``."""
    found = runs(flags)
    return found[0] if found else fallback
