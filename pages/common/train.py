"""Train: the run trains in a worker process while the charts here update live."""

import streamlit as st

from rnnviz.common.figures import history_figure
from rnnviz.common.safe import plain
from rnnviz.model.builder import metric_name
from rnnviz.service.executor import RunHandle
from rnnviz.tasks.registry import get_task
from rnnviz.train.runstate import RunState
from rnnviz.ui import nav
from rnnviz.ui.gates import live_gates
from rnnviz.ui.live import (
    live_panel,
    live_samples,
    progress_near_end,
    wait_while_saving,
)
from rnnviz.ui.references import draw_reference_bands, reference_caption
from rnnviz.ui.runner import (
    collect_finished_run,
    current_handle,
    prepare_run,
    submit_run,
    trained_on,
)
from rnnviz.ui.state import require, session
from rnnviz.ui.trajectory import live_trajectory
from rnnviz.ui.widgets import current_spec, train_spec_ui


def run_on_other_data(other: RunHandle) -> None:
    """Instead of the session's run on other data: where it is kept, and Stop while it trains."""
    name = other.request.dataset_name
    if other.done:
        st.caption(plain(f"Your last run was trained on other data, {name}; see it in Runs."))
    else:
        st.caption(plain(f"Your run on other data, {name}, trains on; it will be kept in Runs."))
        st.button("Stop that run", on_click=other.stop, key="stop_other")
    st.page_link(nav.pages().runs, label="Runs", icon=":material/history:")


st.title("Train")
current = session()
task, data = get_task(current.task), current.task_data()
spec = current_spec(task, data)
handle = current_handle()
if handle is not None and handle.request.task != task.name:
    handle = None  # the other task's run: it shows again when that task is chosen
elif handle is not None and not trained_on(handle, data):
    run_on_other_data(handle)  # a new data set, a fresh Train page: the run is kept in Runs
    handle = None
ready = spec is not None and data is not None
require(
    ready or handle is not None,
    "Choose the data and build a model first.",
    nav.pages().build,
    "Go to Build",
    ":material/construction:",
)
running = handle is not None and not handle.done

if ready:
    st.caption(plain(f"{task.dataset_name(data)}: {task.describe(spec)}"))
    train_spec = train_spec_ui(spec.stateful_batch_size if spec.stateful else None)
    c1, c2, _ = st.columns([1, 1, 4])
    if c1.button("Train", type="primary", disabled=running, key="train"):
        handle = submit_run(task.name, data, spec, train_spec)
        st.rerun()  # redraw with Train disabled and the live panel running
    c2.button("Stop", on_click=lambda: handle.stop(), disabled=not running, key="stop")
    if not running:
        prepare_run(task.name, data, spec, train_spec)  # a worker gets ready for the click
else:
    request = handle.request
    st.caption(plain(f"{request.dataset_name}: {request.model_spec.cell}, reattached to its run."))
    st.button("Stop", on_click=handle.stop, disabled=not running, key="stop")
if handle is None:
    st.stop()


def show_outcome(slot, run_state: RunState) -> None:
    """In ``slot``: how the run ended (or that its worker is saving it) and, once saved, the
    link to Inspect; nothing while it trains."""
    with slot.container():
        outcome_message(run_state)
        result = handle.result(0)
        if result is not None and result.run_id is not None:
            st.page_link(
                nav.inspect_page(handle.request.task),
                label="Inspect the results",
                icon=":material/search:",
            )


def outcome_message(run_state: RunState) -> None:
    result = handle.result(0)
    if run_state.status == "saving":
        st.info(plain(run_state.message))
    elif run_state.status in ("nan", "error") or (result is not None and result.save_error):
        st.error(plain(run_state.message))
    elif run_state.done:
        ended_early = run_state.status == "stopped" and not handle.stop_requested  # worker lost
        (st.warning if ended_early else st.success)(plain(run_state.message))


def render() -> None:
    position = handle.queue_position
    if position is not None:
        st.info(f"Waiting for a free worker: number {position} in the queue.")
    run_state = progress_near_end(handle)  # the bar now, and again at the end when it is near
    outcome = st.empty()  # one slot, filled or not, so the figures below keep their places
    show_outcome(outcome, run_state)  # under the progress bar, before the figures: seen at once
    if run_state.trimmed_rows:
        st.caption(
            f"Stateful run: {run_state.trimmed_rows} oldest training windows were dropped so every "
            f"batch is whole; no shuffling; states reset every epoch and before validation."
        )
    run_task = get_task(handle.request.task)
    metric = run_task.chart_metric or metric_name(handle.request.model_spec)
    figure = history_figure(
        run_state.history,
        metric,
        run_state.batch_loss,
        run_state.steps_per_epoch,
        run_state.initial_loss,
    )
    notes = draw_reference_bands(  # a live redraw does not wait for the baseline's band
        figure, handle.request, run_state.history, metric, wait=run_state.done
    )
    st.plotly_chart(figure, key="history")
    reference_caption(notes)
    if run_state.samples:
        live_samples(run_state.samples)
    if run_state.latest_traces:
        chosen = live_gates(run_state, len(run_state.latest_traces[0].gates["hidden"]), handle.id)
        if chosen is not None:
            live_trajectory(run_state, *chosen, handle.id)
    if wait_while_saving(handle, run_state):  # the outcome is on the page meanwhile
        show_outcome(outcome, handle.snapshot())  # saved: now with its link to Inspect


live_panel(lambda: not handle.done, render, waiting=lambda: not handle.snapshot().batch_loss)
collect_finished_run()  # after drawing: loading the model may import TensorFlow in the server
