"""Inspect (sequences): test metrics beside classical baselines, and one sequence read step by step."""

import numpy as np
import streamlit as st

from rnnviz.common.figures import confusion_figure
from rnnviz.common.safe import plain
from rnnviz.common.verdicts import classifier_verdict
from rnnviz.model.gates import GATE_KEYS, GATE_LABELS, Trace
from rnnviz.model.probes import trace
from rnnviz.model.trajectories import spread_rows, step_mask
from rnnviz.tasks.sequences.classify import (
    SequenceJob,
    confused_pairs,
    dtw_reason,
    most_confused,
    per_class_table,
    probabilities_by_step,
    report_from_predictions,
    step_probability_frame,
    stepwise_twin,
    unscaled,
)
from rnnviz.tasks.sequences.figures import digit_gate_figure, step_probabilities_figure
from rnnviz.tasks.sequences.task import SEQUENCES
from rnnviz.ui.gates import choose_trace, gate_explorer
from rnnviz.ui.runner import finished_job
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.trajectory import TrajectoryInputs, trajectory_view

st.title("Inspect: sequences")
current = session()
job: SequenceJob = finished_job(
    SEQUENCES, "Train a sequence classifier first; its results show here when training ends."
)

data, spec, model = job.data, job.run.spec, job.inference_model
prepared, names = data.prepared, data.class_names
job_key = job.content_key()
frame = current.memo("seq_predictions", job_key, job.predictions)  # saved by the worker
reports = report_from_predictions(frame, names)
rnn = reports["RNN"]

st.caption(plain(f"{job.dataset_name}: {spec.cell}, {job.run.snapshot().message}"))
columns = st.columns(len(reports) + 1)
for column, (name, report) in zip(columns, reports.items(), strict=False):
    column.metric(f"{name} test accuracy" if name == "RNN" else name, f"{report['accuracy']:.3f}")
columns[-1].metric("Majority class", f"{rnn['majority_accuracy']:.3f}")
verdict = classifier_verdict(
    rnn["accuracy"],
    {
        **{name: r["accuracy"] for name, r in reports.items() if name != "RNN"},
        "the majority class": rnn["majority_accuracy"],
    },
)
(st.success if verdict.good else st.warning)(verdict.text)  # our own words: no user text
st.caption(
    "The baselines fit the same training and validation sequences (scaled, flattened) and are "
    f"scored on the same {len(frame):,} test sequences ({prepared.split}). "
    + (dtw_reason(prepared) or "1-NN DTW warps each pair within a band of 10% of the length.")
)

st.subheader("Test split")
c1, c2 = st.columns(2)
c1.plotly_chart(confusion_figure(rnn["confusion"], names), key="confusion")
c2.markdown("**Per class** (precision and recall of the RNN; recall of each baseline)")
c2.dataframe(per_class_table(reports).style.format(precision=3), hide_index=True, width="stretch")
y_test, proba = prepared.y_test, rnn["proba"]
pairs = confused_pairs(rnn["confusion"], names)
if len(pairs):
    c2.markdown("**Most frequent mistakes**")
    c2.dataframe(pairs, hide_index=True, width="stretch")
st.markdown("**Most confused** test sequences (wrong, and surest of it):")
confused = most_confused(list(frame["row"]), y_test, proba, names, k=8)
st.dataframe(confused.style.format({"confidence": "{:.3f}"}), hide_index=True, width="stretch")


def sequence_labels(frame) -> list[str]:
    """Each test sequence's label in the picker (built once: a thousand pandas lookups per
    rerun cost the picker tens of milliseconds)."""
    rows = zip(frame["row"], frame["true"], frame["predicted"], strict=True)
    return [f"row {row}: true {true}, predicted {predicted}" for row, true, predicted in rows]


@st.fragment  # another sequence, layer or gate redraws this part only
def one_sequence() -> None:
    st.subheader("One test sequence, step by step")
    positions = list(range(len(frame)))
    wrong = [int(i) for i in (proba.argmax(axis=1) != y_test).nonzero()[0]]
    if current.defaults_for.get("seq_inspect") != job_key:  # a new run: start at its worst mistake
        worst = frame["row"].tolist().index(confused["row"].iloc[0]) if len(confused) else 0
        set_widget_defaults({"seq_example": worst}, overwrite=True)
        current.defaults_for["seq_inspect"] = job_key
    labels = current.memo("seq_labels", job_key, lambda: sequence_labels(frame))  # once a run
    position = st.selectbox(
        f"Test sequence ({len(wrong)} of {len(positions)} misclassified)",
        positions,
        format_func=labels.__getitem__,
        key="w_seq_example",
    )
    length = int(prepared.lengths_test[position])
    x = prepared.x_test[position : position + 1]  # (1, time, features)
    predicted = int(proba[position].argmax())
    st.markdown(
        f"**Prediction: {plain(names[predicted])}** (probability {proba[position, predicted]:.2f}); "
        f"true class {plain(names[y_test[position]])}; {length} steps."
    )
    traces = [
        Trace(t.layer, t.direction, t.cell, {k: v[:, :length] for k, v in t.gates.items()})
        for t in current.memo("seq_trace", (job_key, position), lambda: trace(model, x))
    ]
    raw = unscaled(prepared, x[0], length)  # (length, features) in the data's units
    steps = list(range(1, length + 1))
    by_step = None  # (time, classes): the head after each step, unidirectional models only
    if not spec.bidirectional:
        by_step = current.memo(
            "seq_by_step",
            (job_key, position),
            lambda: probabilities_by_step(
                model,
                spec,
                x,
                current.memo("seq_stepwise", job_key, lambda: stepwise_twin(model, spec)),
            )[0],
        )
    if data.image_shape is not None:
        c1, c2 = st.columns(2)
        with c1:
            chosen = choose_trace(traces, key="w_explore_trace")
        gate = c2.selectbox(
            "Gate",
            GATE_KEYS[chosen.cell],
            format_func=GATE_LABELS[chosen.cell].get,
            key=f"w_explore_gate_{chosen.cell}",
        )
        title = f"true {names[y_test[position]]}, predicted {names[predicted]}"
        figure = digit_gate_figure(raw, chosen, gate, title, by_step, names)
        st.plotly_chart(figure, key="digit_gates")
        st.caption(
            "Row r of the image is level with the gate's values just after reading row r"
            + (
                " and with the class probabilities the head gives from the state after row r."
                if by_step is not None
                else "."
            )
        )
    else:
        feature = 0
        if len(data.feature_names) > 1:
            feature_names = list(data.feature_names)
            feature = feature_names.index(
                st.selectbox("Feature drawn above", feature_names, key="w_seq_inspect_feature")
            )
        gate_explorer(traces, lambda _: (steps, raw[:, feature]), data.feature_names[feature])

    if by_step is None:
        st.caption(
            "Bidirectional model: its backward direction has read the whole sequence at every step, "
            "so there is no prediction after each step."
        )
    elif data.image_shape is None:  # an image draws them beside its rows, above
        figure = step_probabilities_figure(step_probability_frame(by_step, length, names), names)
        st.plotly_chart(figure, key="by_step")
        st.caption("The head applied to the hidden state after each step.")

    def trajectory_inputs() -> TrajectoryInputs:
        rows = spread_rows(len(prepared.x_train))
        steps = x.shape[1]
        return TrajectoryInputs(
            train_x=prepared.x_train[rows],  # (samples, time, features)
            probe_x=x,
            train_mask=step_mask(prepared.lengths_train[rows], steps),
            probe_mask=np.arange(steps) < length,
            train_labels=[names[y] for y in prepared.y_train[rows]],
            path_label=f"test row {frame['row'].iloc[position]} (true {names[y_test[position]]}, "
            f"predicted {names[predicted]})",
        )

    trajectory_view(model, job_key, position, trajectory_inputs, "sequence")


one_sequence()
