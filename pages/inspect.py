"""Inspect: the forecast in the series' own units, against naive baselines, and its residuals."""

import numpy as np
import streamlit as st

from rnnviz.figures import forecast_figure, residuals_figure
from rnnviz.forecast import ForecastJob
from rnnviz.probes import trace
from rnnviz.ui import nav
from rnnviz.ui.gates import gate_explorer
from rnnviz.ui.state import require, session

st.title("Inspect")
current = session()
job = current.job
done = isinstance(job, ForecastJob) and job.run.snapshot().has_result
require(
    done,
    "Train a model first; its forecast shows here when training ends.",
    nav.pages().train,
    "Go to Train",
    ":material/model_training:",
)

report = current.memo("report", job.content_key(), job.report)

target = job.data.columns[0]
st.caption(
    f"{job.series_name}: {job.run.spec.cell} {job.topology.replace('_', '-')}, {job.run.snapshot().message}"
)
st.plotly_chart(forecast_figure(report.fitted, report.future, target), key="forecast")
st.subheader(
    "Test errors"
    + (
        f" (all {report.horizon} steps of each window)"
        if report.horizon > 1
        else " (one step ahead)"
    )
)
st.dataframe(report.errors.style.format(precision=2), hide_index=True, width="stretch")
best = report.errors.sort_values("RMSE").iloc[0]["model"]
(st.success if best == "RNN" else st.warning)(f"Lowest test RMSE: {best}.")
st.caption(report.future_note)
st.plotly_chart(residuals_figure(report.fitted), key="residuals")

st.subheader("Gate explorer")
split = st.radio("Windows from", ["test", "val", "train"], horizontal=True, key="w_explore_split")
starts = getattr(job.data, f"start_{split}")
if len(starts) == 0:
    st.info(f"The {split} split has no windows.")
    st.stop()
index = st.slider("Window", 0, len(starts) - 1, len(starts) - 1, key=f"w_explore_window_{split}")
x = getattr(job.data, f"x_{split}")[index : index + 1]  # (1, window, features)
traces = trace(job.inference_model, x)
start = int(starts[index])
window = job.window_spec.window


def time_axis(layer_trace):
    """Encoder layers read the input window; decoder layers run over the forecast horizon."""
    if layer_trace.layer.startswith("decoder"):
        rows = range(start, start + layer_trace.gates["hidden"].shape[1])
        return [
            job.data.index[r] if r < job.data.n_rows else f"+{r - job.data.n_rows + 1}"
            for r in rows
        ], None
    rows = np.arange(start - window, start)
    return list(job.data.index[rows]), job.data.target[rows]


gate_explorer(traces, time_axis, input_name=target)
