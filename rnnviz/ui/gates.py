"""Gate views shared by the Train page (live) and the Inspect page (explorer)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnnviz.common.figures import (
    gate_explorer_figure,
    gate_heatmaps,
    gate_stats_figure,
    unit_lines_figure,
)
from rnnviz.model.gates import GATE_KEYS, GATE_LABELS, Trace
from rnnviz.train.runstate import RunState
from rnnviz.ui import state
from rnnviz.ui.live import FIGURE_SECONDS


def trace_label(trace: Trace) -> str:
    return f"{trace.layer} ({trace.direction}, {trace.cell})"


def choose_trace(traces: list[Trace], key: str) -> Trace:
    """A select box over the layer directions of a trace list."""
    labels = [trace_label(t) for t in traces]
    chosen = st.selectbox("Layer and direction", labels, key=key)
    return traces[labels.index(chosen)]


def live_gates(run_state: RunState, probe_size: int, run_id: str) -> tuple[Trace, int] | None:
    """Heatmaps of the probe sample's gates at the latest epoch, and their statistics per epoch
    (while ``run_id`` trains, redrawn at most every :data:`FIGURE_SECONDS`). Returns the chosen
    layer direction's trace and probe sample (None before the first epoch)."""
    if not run_state.latest_traces:
        st.caption("Gate activations appear here after the first epoch.")
        return None
    st.subheader("Gates, live")
    c1, c2 = st.columns([3, 1])
    with c1:
        trace = choose_trace(run_state.latest_traces, key="w_live_trace")
    state.set_widget_defaults({"live_sample": 0})
    sample = int(c2.number_input("Probe sample", 0, probe_size - 1, key="w_live_sample"))

    def figures() -> tuple[int, go.Figure, go.Figure]:
        stats = gate_stats_figure(
            run_state.gate_history, trace.layer, trace.direction, run_state.gate_epochs
        )
        traced = run_state.gate_epochs[-1] if run_state.gate_epochs else run_state.epoch
        return traced, gate_heatmaps(trace, sample), stats

    epoch, heatmaps, stats = state.session().memo_every(
        "live_gates",
        key=(run_id, trace_label(trace), sample),
        version=run_state.epoch,
        seconds=0.0 if run_state.done else FIGURE_SECONDS,
        compute=figures,
    )
    st.caption(
        f"Epoch {epoch}: activations recomputed from the epoch-end weights for "
        f"{probe_size} fixed validation samples."
    )
    st.plotly_chart(heatmaps, key="live_heatmaps")
    st.plotly_chart(stats, key="live_gate_stats")
    return trace, sample


TimeAxis = Callable[[Trace], tuple[Sequence, "np.ndarray | None"]]


def gate_explorer(traces: list[Trace], time_axis: TimeAxis, input_name: str = "input") -> None:
    """Pick layer, direction and gate: a heatmap (input above, same time axis) and per-unit lines.

    ``time_axis(trace)`` gives the step labels of a trace and the input drawn above it (or None).
    Traces hold one sample (the one being explored).
    """
    c1, c2 = st.columns(2)
    with c1:
        trace = choose_trace(traces, key="w_explore_trace")
    keys = GATE_KEYS[trace.cell]
    gate = c2.selectbox(
        "Gate", keys, format_func=GATE_LABELS[trace.cell].get, key=f"w_explore_gate_{trace.cell}"
    )
    steps, input_values = time_axis(trace)
    figure = gate_explorer_figure(trace, 0, gate, steps, input_values, input_name)
    st.plotly_chart(figure, key="explorer")
    # The same values as one line per unit, on demand: a third chart to draw on every change
    # of the input cost a typed sentence about 0.1-0.2 s in the browser (issue 19).
    if st.toggle("One line per unit", key="w_unit_lines", help="The heatmap's rows as lines."):
        st.plotly_chart(unit_lines_figure(trace, 0, gate, steps), key="unit_lines")
