"""Inspect (anomaly): the reconstruction and its error over time, a threshold with precision,
recall and F1, the ROC curve, the codes in 2-D and the encoder's gates, beside PCA."""

import numpy as np
import streamlit as st

from rnnviz.common.figures import roc_figure
from rnnviz.common.safe import plain
from rnnviz.model.probes import trace
from rnnviz.tasks.anomaly.analysis import (
    SCORES,
    auc_verdict,
    detection,
    evenly,
    projection_2d,
    roc,
    rule_threshold,
    test_has_both_classes,
)
from rnnviz.tasks.anomaly.figures import codes_figure, series_figure
from rnnviz.tasks.anomaly.job import AnomalyJob
from rnnviz.tasks.anomaly.model import encode
from rnnviz.tasks.anomaly.scoring import DEFAULT_QUANTILE
from rnnviz.tasks.anomaly.task import ANOMALY
from rnnviz.tasks.anomaly.windows import TEST
from rnnviz.ui.gates import gate_explorer
from rnnviz.ui.runner import finished_job
from rnnviz.ui.state import session, set_widget_defaults

MAX_CODES = 3000  # windows drawn in the code projection

st.title("Inspect: anomalies")
current = session()
job: AnomalyJob = finished_job(
    ANOMALY, "Train an autoencoder first; its results show here when training ends."
)
data, spec, model = job.data, job.run.spec, job.inference_model
windows, series = data.windows, data.series
job_key = job.content_key()
frame = current.memo("anomaly_points", job_key, job.predictions)  # saved by the worker
labelled = test_has_both_classes(frame)
st.caption(plain(f"{job.dataset_name}: {spec.cell}, {job.run.snapshot().message}"))

if labelled:
    aucs = {name: roc(frame, columns[0]) for name, columns in SCORES.items()}
    c1, c2 = st.columns(2)
    c1.metric("Autoencoder test ROC AUC", f"{aucs['Autoencoder'][2]:.3f}")
    c2.metric("PCA test ROC AUC", f"{aucs['PCA'][2]:.3f}")
    verdict = auc_verdict(aucs["Autoencoder"][2], aucs["PCA"][2])
    (st.success if verdict.good else st.warning)(verdict.text)
else:
    st.info(
        "The test part holds no labelled anomaly (or only anomalies): there is no ROC curve "
        "or precision to show; the scores and the threshold still are."
    )
st.caption(
    f"PCA keeps as many components as the code has values ({dict(spec.options)['code_size']}), "
    "fitted on the same normal training windows; both score a point by the mean "
    "reconstruction error of the windows covering it, and one threshold rule serves both."
)

st.subheader("Threshold")
set_widget_defaults({"anomaly_quantile": DEFAULT_QUANTILE})
quantile = st.slider(
    "Threshold: this quantile of the scores of normal validation points",
    0.80,
    1.0,
    step=0.005,
    format="%.3f",
    key="w_anomaly_quantile",
)
thresholds = {name: rule_threshold(frame, cols[0], quantile) for name, cols in SCORES.items()}
columns = st.columns(2)
for column, (name, (score, _)) in zip(columns, SCORES.items(), strict=True):
    column.markdown(f"**{name}**: threshold {thresholds[name]:.4g}")
    if labelled:
        found = detection(frame, score, thresholds[name])
        a, b, c = column.columns(3)
        a.metric(f"{name} precision", f"{found.precision:.3f}")
        b.metric(f"{name} recall", f"{found.recall:.3f}")
        c.metric(f"{name} F1", f"{found.f1:.3f}")
        column.caption(f"{found.flagged:,} test points flagged.")

detector = st.radio("Scores drawn", list(SCORES), horizontal=True, key="w_anomaly_detector")
score, rebuilt = SCORES[detector]
figure = series_figure(frame, thresholds[detector], score, rebuilt, detector, series.features[0])
st.plotly_chart(figure, key="anomaly_scores")

if labelled:
    st.plotly_chart(roc_figure({name: aucs[name] for name in SCORES}), key="anomaly_roc")

st.subheader("The codes")
shown = evenly(len(windows.x), MAX_CODES)
codes = current.memo("anomaly_codes", job_key, lambda: encode(model, windows.x[shown]))
parts = np.asarray(["across", "train", "validation", "test"], dtype=object)[windows.part[shown] + 1]
st.plotly_chart(
    codes_figure(projection_2d(codes), windows.anomalous[shown], parts), key="anomaly_codes"
)
st.caption(f"{len(shown):,} window codes, each a point; red: the window holds a labelled anomaly.")

st.subheader("The encoder's gates on one window")
test_windows = np.flatnonzero(windows.part == TEST)
window_scores = frame[score].to_numpy()[windows.starts]
if current.defaults_for.get("anomaly_inspect") != job_key:  # a new run: its worst test window
    worst = test_windows[np.argmax(window_scores[test_windows])] if len(test_windows) else 0
    set_widget_defaults({"anomaly_window": int(worst)}, overwrite=True)
    current.defaults_for["anomaly_inspect"] = job_key
index = st.number_input(
    f"Window number (0 to {len(windows.x) - 1})",
    0,
    len(windows.x) - 1,
    key="w_anomaly_window",
)
start = int(windows.starts[index])
st.caption(
    f"Steps {start} to {start + windows.size - 1}; "
    + ("holds a labelled anomaly." if windows.anomalous[index] else "no labelled anomaly.")
)
x = windows.x[index : index + 1]  # (1, size, features)
traces = current.memo("anomaly_trace", (job_key, index), lambda: trace(model, x))
steps = list(range(start, start + windows.size))
gate_explorer(traces, lambda _: (steps, x[0, :, 0]), f"{series.features[0]} (scaled)")
