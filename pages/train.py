"""Train: fit the built model in the background while the charts update live."""

import streamlit as st

from rnnviz.builder import metric_name
from rnnviz.datasets import DataError
from rnnviz.figures import history_figure
from rnnviz.tasks import get_task
from rnnviz.ui import nav
from rnnviz.ui.gates import live_gates
from rnnviz.ui.live import live_panel, progress_text
from rnnviz.ui.state import require, session
from rnnviz.ui.widgets import train_spec_ui

st.title("Train")
current = session()
task, data, spec = get_task(current.task), current.task_data(), current.built_spec()
require(
    spec is not None and data is not None,
    "Choose the data and build a model first.",
    nav.pages().build,
    "Go to Build",
    ":material/construction:",
)

dataset_name = task.dataset_name(data)
st.caption(
    f"{dataset_name}: {spec.cell}, units {list(spec.units)}, {spec.topology.replace('_', '-')}"
)
train_spec = train_spec_ui()
job = current.job
running = job is not None and not job.run.snapshot().done


c1, c2, _ = st.columns([1, 1, 4])
if c1.button("Train", type="primary", disabled=running, key="train"):
    try:
        job = task.make_job(data, spec, train_spec)
    except DataError as error:
        current.train_error = str(error)
    else:
        current.train_error = ""
        current.job = job
        job.run.start()
        st.rerun()  # redraw with Train disabled and the live panel running
c2.button("Stop", on_click=lambda: job.run.stop(), disabled=not running, key="stop")
if current.train_error:
    st.error(current.train_error)
if job is None:
    st.stop()


def render() -> None:
    run_state = job.run.snapshot()
    st.progress(run_state.fraction, text=progress_text(run_state))
    if run_state.trimmed_rows:
        st.caption(
            f"Stateful run: {run_state.trimmed_rows} oldest training windows were dropped so every "
            f"batch is whole; no shuffling; states reset every epoch and before validation."
        )
    figure = history_figure(
        run_state.history,
        metric_name(job.run.spec),
        run_state.batch_loss,
        run_state.steps_per_epoch,
    )
    st.plotly_chart(figure, key="history")
    if run_state.status in ("nan", "error"):
        st.error(run_state.message)
    elif run_state.done:
        st.success(run_state.message)
    if job.run.probe_x is not None:
        live_gates(run_state, len(job.run.probe_x))


live_panel(lambda: not job.run.snapshot().done, render)
if job.run.snapshot().has_result:
    st.page_link(
        nav.inspect_page(job.task),
        label="Inspect the results",
        icon=":material/search:",
    )
