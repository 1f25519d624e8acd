"""Train: fit the built model in the background while the charts update live."""

import streamlit as st

from rnnviz.builder import metric_name
from rnnviz.datasets import DataError
from rnnviz.figures import history_figure
from rnnviz.forecast import forecast_job
from rnnviz.safe import plain
from rnnviz.sentiment import sentiment_job
from rnnviz.ui import state
from rnnviz.ui.gates import live_gates
from rnnviz.ui.live import live_panel, progress_text
from rnnviz.ui.widgets import train_spec_ui

st.title("Train")
text = state.get("task") == "sentiment"
spec = state.get("model_spec")
state.require(
    spec is not None and spec.is_text == text,
    "Choose the data and build a model first.",
    "views/build.py",
    "Go to Build",
    ":material/construction:",
)

dataset_name = state.get("text_dataset_name") if text else state.get("series").name
st.caption(
    plain(
        f"{dataset_name}: {spec.cell}, units {list(spec.units)}, {spec.topology.replace('_', '-')}"
    )
)
train_spec = train_spec_ui()
job = state.get("job")
running = job is not None and not job.run.snapshot().done


c1, c2, _ = st.columns([1, 1, 4])
if c1.button("Train", type="primary", disabled=running, key="train"):
    try:
        job = (
            sentiment_job(dataset_name, state.get("text_data"), spec, train_spec)
            if text
            else forecast_job(state.get("series"), state.get("window_spec"), spec, train_spec)
        )
    except DataError as error:
        state.put("train_error", str(error))
    else:
        state.drop("train_error", "report")
        state.put("job", job)
        job.run.start()
        st.rerun()  # redraw with Train disabled and the live panel running
c2.button("Stop", on_click=lambda: job.run.stop(), disabled=not running, key="stop")
if state.get("train_error"):
    st.error(plain(state.get("train_error")))
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
    st.plotly_chart(history_figure(run_state.history, metric_name(job.run.spec)), key="history")
    if run_state.status in ("nan", "error"):
        st.error(plain(run_state.message))
    elif run_state.done:
        st.success(plain(run_state.message))
    if job.run.probe_x is not None:
        live_gates(run_state, len(job.run.probe_x))


live_panel(lambda: not job.run.snapshot().done, render)
if job.run.snapshot().has_result:
    st.page_link(
        "views/inspect_text.py" if text else "views/inspect.py",
        label="Inspect the results",
        icon=":material/search:",
    )
