"""Inspect: the forecast in the series' own units, against naive baselines, and its residuals."""

import numpy as np
import pandas as pd
import streamlit as st

from rnnviz.common.safe import plain
from rnnviz.model.patterns import series_properties
from rnnviz.model.probes import trace
from rnnviz.model.trajectories import spread_rows
from rnnviz.tasks.forecast.evaluation import ForecastJob, error_columns
from rnnviz.tasks.forecast.figures import forecast_figure, horizon_figure, residuals_figure
from rnnviz.tasks.forecast.recipes import TUTORIAL
from rnnviz.tasks.forecast.task import FORECAST, ForecastData
from rnnviz.ui.gates import gate_explorer
from rnnviz.ui.live import live_panel
from rnnviz.ui.patterns import first_run_span, pattern_search_view
from rnnviz.ui.runner import finished_job, submit_analysis
from rnnviz.ui.state import session
from rnnviz.ui.trajectory import TrajectoryInputs, trajectory_view

st.title("Inspect")
current = session()
job: ForecastJob = finished_job(
    FORECAST, "Train a model first; its forecast shows here when training ends."
)


def is_tutorial(job: ForecastJob) -> bool:
    return (
        job.dataset_key == TUTORIAL.dataset
        and job.window_spec == TUTORIAL.window_spec
        and job.run.spec == TUTORIAL.model
    )


job_key = job.content_key()
report = current.memo("report", job_key, job.report)

target = job.data.columns[0]
st.caption(
    plain(
        f"{job.series_name}: {job.run.spec.cell} {job.topology.replace('_', '-')}, "
        f"{job.run.snapshot().message}"
    )
)
baseline_names = [
    c
    for c in report.future.columns
    if c not in ("time", "forecast") and not c.startswith(("low ", "high "))
]
show_baselines = st.toggle("Draw the baselines on the forecast", key="w_show_baselines")
st.plotly_chart(
    forecast_figure(
        report.fitted,
        report.future,
        target,
        actual=report.actual,
        baselines=baseline_names if show_baselines else (),
    ),
    key="forecast",
)
st.caption(report.future_note + " " + report.interval_note)
if not report.coverage.empty:
    columns = st.columns(len(report.coverage))
    for column, (_, row) in zip(columns, report.coverage.iterrows(), strict=True):
        column.metric(
            f"{row['level']:.0%} interval: share of test values inside",
            f"{row['coverage']:.0%}",
            f"{(row['coverage'] - row['level']) * 100:+.0f} points vs nominal",
            delta_color="off",
        )

steps = len(report.by_horizon)
st.subheader(f"Error at every horizon, 1 to {steps} steps ahead (test rows)")
rows = report.by_horizon["rows"]
st.caption(
    "Rolling origin: every test row"
    + (f" ({rows.iloc[0]} of them)" if rows.nunique() == 1 else "")
    + f" is forecast from each of the origins 1 to {steps} steps before it, "
    + (
        "the decoder emitting all steps at once (direct)."
        if job.topology == "encoder_decoder"
        else "each prediction fed back as the next input (recursive)."
    )
)
st.plotly_chart(horizon_figure(report.by_horizon), key="by_horizon")
st.dataframe(
    error_columns(report.by_horizon, "RMSE").style.format(precision=2),
    hide_index=True,
    width="stretch",
    key="by_h",
)
with st.expander("MAE at every horizon"):
    st.dataframe(
        error_columns(report.by_horizon, "MAE").style.format(precision=2),
        hide_index=True,
        width="stretch",
        key="by_h_mae",
    )
st.caption(report.baseline_note)
verdict = job.verdict(report)
(st.success if verdict.good else st.warning)(verdict.text)
if is_tutorial(job):
    rnn_rmse = report.errors.set_index("model").loc["RNN", "RMSE"]
    st.info(
        f"Tutorial recipe: test RMSE {rnn_rmse:.1f} here, against {TUTORIAL.reported_rmse} "
        f"reported by the tutorial (51.9 in a plain-Keras rerun). {TUTORIAL.explanation}"
    )

st.subheader(
    "Test errors"
    + (
        f" (all {report.horizon} steps of each window)"
        if report.horizon > 1
        else " (one step ahead)"
    )
)
st.dataframe(report.errors.style.format(precision=2), hide_index=True, width="stretch")
st.plotly_chart(residuals_figure(report.fitted), key="residuals")

st.subheader("Backtest: refit on expanding windows")
data: ForecastData | None = current.task_data(FORECAST.name)
if data is None or data.name != job.series_name:
    st.info("The backtest refits on this run's series: choose it on the Data page first.")
else:
    st.caption(
        f"Each fold ends {job.window_spec.test_size} rows earlier than the next, is trained "
        "afresh with this run's settings and scored on its own test rows (mean RMSE over "
        "horizons 1..H); the last fold is this run's split."
    )
    backtest = current.analysis if current.analysis_for is job else None
    running = backtest is not None and not backtest.done
    c1, c2, c3, _ = st.columns([1, 1, 1, 3])
    folds = c1.number_input("Folds (refits)", 2, 10, 3, key="w_backtest_folds")
    if c2.button("Run backtest", disabled=running, key="backtest"):
        refit = ForecastData(data.series, job.window_spec)
        backtest = submit_analysis(
            "forecast", "backtest", refit, job.run.spec, job.run.train, folds
        )
        current.analysis, current.analysis_for = backtest, job
        st.rerun()
    c3.button("Stop", disabled=not running, key="backtest_stop", on_click=lambda: backtest.stop())

    def draw_backtest() -> None:
        progress = backtest.snapshot()
        st.progress(
            progress.epoch / max(1, progress.epochs),
            text=f"{progress.epoch} of {progress.epochs} folds trained",
        )
        outcome = backtest.result(0)
        if outcome is None:
            return
        if outcome.error:
            st.error(plain(outcome.error))
        result = outcome.analysis
        if result is None or result.folds.empty:
            return
        st.dataframe(result.folds.style.format(precision=2), hide_index=True, key="bt_folds")
        fold_columns = ("fold", "training rows", "test from", "test to")
        models = [c for c in result.folds.columns if c not in fold_columns]
        st.caption(
            "Mean RMSE over folds (standard deviation): "
            + "; ".join(
                f"{m} {result.spread(m)[0]:.2f} ({result.spread(m)[1]:.2f})" for m in models
            )
        )
        if result.stopped:
            st.warning("Stopped: the fold in training was not scored; later folds were skipped.")

    if backtest is not None:
        live_panel(lambda: not backtest.done, draw_backtest)


@st.fragment  # a window, layer or gate choice redraws this part only
def explore_gates() -> None:
    st.subheader("Gate explorer")
    split = st.radio(
        "Windows from", ["test", "val", "train"], horizontal=True, key="w_explore_split"
    )
    starts = getattr(job.data, f"start_{split}")
    if len(starts) == 0:
        st.info(f"The {split} split has no windows.")
        return
    index = st.slider(
        "Window", 0, len(starts) - 1, len(starts) - 1, key=f"w_explore_window_{split}"
    )
    x = getattr(job.data, f"x_{split}")[index : index + 1]  # (1, window, features)
    traces = current.memo(  # traced once per window: a gate choice does not run the model
        "explore_trace", (job_key, split, index), lambda: trace(job.inference_model, x)
    )
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

    def trajectory_inputs() -> TrajectoryInputs:
        rows = spread_rows(len(job.data.x_train))
        return TrajectoryInputs(
            train_x=job.data.x_train[rows],  # (samples, window, features)
            probe_x=x,
            path_label=f"{split} window ending {job.data.index[start - 1]}",
        )

    trajectory_view(job.inference_model, job_key, (split, index), trajectory_inputs, "window")


explore_gates()


@st.fragment  # a span or threshold redraws this part only
def pattern_search() -> None:
    st.subheader("Pattern search: where else do these units fire?")
    st.caption(
        "The model reads the whole series once from a zero state (training rows, then the held-out "
        "validation and test rows). Select a span of the training rows and a threshold: the units "
        "at or above it over the span and below it just before and after form a pattern "
        "(LSTMVis's select-and-match); the app finds where they fire together in the held-out rows "
        "and what those places share."
    )
    windowed = job.data
    first, train_end = windowed.first_row, windowed.train_end

    def series_activations() -> dict[str, np.ndarray]:
        """Every state and gate (time, units) of the encoder layers over the whole series."""
        inputs = windowed.scaled[first:][None].astype(np.float32)  # (1, rows, features)
        return {
            f"{t.layer} / {k}": v[0]
            for t in trace(job.inference_model, inputs)
            for k, v in t.gates.items()
            if k != "preactivation" and v.shape[1] == inputs.shape[1]
        }

    split_at = train_end - first  # activation row of the first held-out row
    if split_at < 3 or windowed.n_rows - train_end < 3:
        st.info("Too few training or held-out rows for a pattern search.")
    else:
        held_rows = np.arange(train_end, windowed.n_rows)
        held_values = windowed.target[held_rows]

        def row_range(span, offset):
            return f"{windowed.index[offset + span[0]]} to {windowed.index[offset + span[1] - 1]}"

        def match_rows(spans):
            return pd.DataFrame(
                [
                    {
                        "from": str(windowed.index[train_end + a]),
                        "to": str(windowed.index[train_end + b - 1]),
                        "steps": b - a,
                        f"mean {target}": float(held_values[a:b].mean()),
                    }
                    for a, b in spans
                ]
            )

        def split_activations():
            whole = current.memo("series_activations", job_key, series_activations)
            return (
                {name: v[:split_at] for name, v in whole.items()},
                {name: v[split_at:] for name, v in whole.items()},
            )

        training_values = windowed.target[first:train_end]
        pattern_search_view(
            split_activations,
            series_properties(held_values, float(training_values.mean())),
            lambda span: row_range(span, first),
            match_rows,
            first_run_span(series_properties(training_values)["rising"], (0, 3)),
            "training rows",
        )


pattern_search()
