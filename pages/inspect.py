"""Inspect: the forecast in the series' own units, against naive baselines, and its residuals."""

import streamlit as st

from rnnviz.figures import forecast_figure, residuals_figure
from rnnviz.ui import state

st.title("Inspect")
job = state.get("job")
if job is None or not job.run.snapshot().done or job.run.snapshot().status == "error":
    st.info("Train a model first; its forecast shows here when training ends.")
    st.page_link("pages/train.py", label="Go to Train", icon="🏋️")
    st.stop()

report = state.get("report")
if report is None or state.get("report_for") is not job:
    report = job.report()
    state.put("report", report)
    state.put("report_for", job)

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
