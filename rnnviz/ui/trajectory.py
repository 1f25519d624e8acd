"""The hidden-state trajectory view, shared by every task's Inspect page: one input's path
through the PCA of a layer's training states, each step's nearest training states on hover."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import keras
import numpy as np
import plotly.graph_objects as go
import streamlit as st

from rnnviz.common.view_figures import trajectory_figure
from rnnviz.model.gates import STATE_KEYS, Trace
from rnnviz.model.probes import trace
from rnnviz.model.trajectories import (
    MAX_TRAJECTORY_INPUTS,
    Projection,
    StateBank,
    Trajectory,
    fit_projection,
    state_bank,
    steps_read,
    trajectory,
    trajectory_scene,
)
from rnnviz.train.runstate import RunState
from rnnviz.ui.gates import trace_label
from rnnviz.ui.live import FIGURE_SECONDS
from rnnviz.ui.state import session


@dataclass(frozen=True)
class TrajectoryInputs:
    """What a task gives the view: training inputs (a model's batch), the probed input (a batch
    of one), which steps are real (padding left out), what is read at each step, and a label per
    training input (to colour them) and for the path."""

    train_x: np.ndarray  # (samples, time, ...) at most MAX_TRAJECTORY_INPUTS
    probe_x: np.ndarray  # (1, time, ...)
    train_mask: np.ndarray | None = None  # (samples, time)
    probe_mask: np.ndarray | None = None  # (time,)
    train_tokens: Sequence[Sequence[str]] | None = None
    probe_tokens: Sequence[str] | None = None
    train_labels: Sequence[str] | None = None
    path_label: str = "this input"


Space = tuple[Projection, StateBank]  # a layer direction's training states and their PCA


def _spaces(model: keras.Model, inputs: TrajectoryInputs) -> dict[str, Space]:
    """Per recurrent layer direction (by label): its training states and their PCA."""
    spaces = {}
    for t in trace(model, inputs.train_x):
        bank = state_bank(t.gates["hidden"], inputs.train_mask, inputs.train_tokens)
        spaces[trace_label(t)] = (fit_projection(bank), bank)
    return spaces


def _paths(
    model: keras.Model, inputs: TrajectoryInputs, spaces: dict[str, Space]
) -> dict[str, Trajectory]:
    """The probed input's path through each layer direction's space."""
    return {
        trace_label(p): trajectory(
            *spaces[trace_label(p)],
            p.gates["hidden"][0],
            inputs.probe_mask,
            inputs.probe_tokens,
        )
        for p in trace(model, inputs.probe_x)
    }


def trajectory_view(
    model: keras.Model,
    job_key: str,
    input_key: Hashable,
    inputs: Callable[[], TrajectoryInputs],
    name: str = "input",
) -> None:
    """Behind a toggle: the path of the probed input. The training states (up to
    :data:`MAX_TRAJECTORY_INPUTS` inputs, traced once per job, ``job_key``) are kept, so
    another input (``input_key``) costs only its own path."""
    st.subheader("Hidden-state trajectory")
    if not st.toggle(
        f"Show this {name}'s path through the hidden states",
        key="w_trajectory_on",
        help="The hidden states of up to "
        f"{MAX_TRAJECTORY_INPUTS} training inputs, projected on their two main axes (PCA); "
        "hover a step to see its five nearest training states (in the full hidden space).",
    ):
        return
    given = inputs()
    current = session()
    spaces = current.memo("trajectory_spaces", job_key, lambda: _spaces(model, given))
    paths = current.memo(
        "trajectory_paths", (job_key, input_key), lambda: _paths(model, given, spaces)
    )
    label = st.selectbox("Layer and direction", list(spaces), key="w_trajectory_layer")
    (projection, bank), path = spaces[label], paths[label]
    figure = trajectory_figure(projection, bank, path, given.train_labels, given.path_label)
    st.plotly_chart(figure, key="trajectory")
    st.caption(
        f"PCA fitted on {len(bank.states):,} hidden states of {len(given.train_x)} training "
        f"inputs (padding left out); the two axes hold "
        f"{projection.explained_ratio.sum():.0%} of their variance. The path is coloured "
        "from light (first step) to dark (last); the faint points are training states coloured "
        "by their input's label."
    )


def live_trajectory(run_state: RunState, chosen: Trace, sample: int, run_id: str) -> None:
    """The probe sample's path through the hidden states of the latest epoch (PCA of the probe
    samples' states), redrawn each epoch: the representation organising as it trains."""
    if not st.toggle(
        "Watch the probe sample's path through the hidden states, epoch by epoch",
        key="w_live_trajectory",
    ):
        return

    def figure() -> tuple[int, go.Figure]:
        hidden = chosen.gates["hidden"]  # (probes, time, units)
        read = steps_read(chosen.gates, STATE_KEYS[chosen.cell])  # (probes, time)
        scene = trajectory_scene(hidden, hidden[sample], read, read[sample])
        labels = [f"probe sample {i}" for i in range(len(hidden))]
        fig = trajectory_figure(
            scene.projection, scene.bank, scene.path, labels, f"sample {sample}"
        )
        return run_state.gate_epochs[-1] if run_state.gate_epochs else run_state.epoch, fig

    epoch, fig = session().memo_every(
        "live_trajectory",
        key=(run_id, trace_label(chosen), sample),
        version=run_state.epoch,
        seconds=0.0 if run_state.done else FIGURE_SECONDS,
        compute=figure,
    )
    st.plotly_chart(fig, key="live_trajectory")
    st.caption(
        f"Epoch {epoch}: PCA of the {len(chosen.gates['hidden'])} probe samples' hidden states "
        f"({trace_label(chosen)}), fitted again each epoch; hover a step for its nearest states "
        "among the probe samples."
    )
