"""Inspect (sentiment): test metrics beside a TF-IDF baseline, and one sentence read word by word."""

import streamlit as st

from rnnviz.common.figures import confusion_figure, roc_figure
from rnnviz.common.labels import most_confident_errors
from rnnviz.common.metrics import evaluate_classifier
from rnnviz.common.safe import plain
from rnnviz.common.verdicts import classifier_verdict
from rnnviz.model.trajectories import spread_rows
from rnnviz.tasks.sentiment.analysis import (
    SentimentJob,
    importance_html,
    read_sentence,
)
from rnnviz.tasks.sentiment.figures import filter_windows_figure, reading_figure
from rnnviz.tasks.sentiment.rcnn import filter_table, is_rcnn, strongest_windows
from rnnviz.tasks.sentiment.task import SENTIMENT
from rnnviz.tasks.sentiment.text import tokenize
from rnnviz.ui.gates import gate_explorer
from rnnviz.ui.runner import finished_job
from rnnviz.ui.state import session
from rnnviz.ui.trajectory import TrajectoryInputs, trajectory_view

st.title("Inspect: sentiment")
job: SentimentJob = finished_job(
    SENTIMENT, "Train a text model first; its results show here when training ends."
)

data, names = job.data, job.data.class_names
proba = job.test_proba()  # saved with the run (else predicted once)
rnn = evaluate_classifier(data.y_test, proba, names)
baseline = evaluate_classifier(data.y_test, job.tfidf_proba(), names)

st.caption(
    plain(f"{job.dataset_name}: {SENTIMENT.describe(job.run.spec)}. {job.run.snapshot().message}")
)
c1, c2, c3 = st.columns(3)
c1.metric("RNN test accuracy", f"{rnn['accuracy']:.3f}")
c2.metric("TF-IDF + logistic regression", f"{baseline['accuracy']:.3f}")
c3.metric("Majority class", f"{rnn['majority_accuracy']:.3f}")
verdict = classifier_verdict(
    rnn["accuracy"],
    {
        "TF-IDF + logistic regression": baseline["accuracy"],
        "the majority class": rnn["majority_accuracy"],
    },
)
(st.success if verdict.good else st.warning)(verdict.text)  # our own words: no user text


@st.fragment  # a new sentence or gate redraws this part only
def read_a_sentence() -> None:
    st.subheader("Read a sentence")
    text = st.text_input(
        "Type a sentence",
        "a gripping , beautifully acted film that never lets go",
        key="w_sentence",
    )
    if not tokenize(text):
        st.warning("Type a few words to classify.")
        return
    reading = session().memo(
        "sentence", (job.content_key(), text), lambda: read_sentence(job, text)
    )
    label, probabilities = reading.label, reading.probabilities
    st.markdown(f"**Prediction: {plain(names[label])}** (probability {probabilities[label]:.2f})")
    st.plotly_chart(reading_figure(reading.frame, names), key="reading")
    st.caption(plain(reading.note))
    st.markdown(
        "Word importance (leaving each word out; green supported the prediction, red opposed it):"
    )
    st.html(importance_html(reading.importance))
    words = list(reading.frame["word"])
    ids = job.encode(text)  # (1, max_len)
    if is_rcnn(job.run.spec):
        st.markdown(
            "Where each kernel width's strongest filters fired on this sentence (the position "
            "max pooling keeps; hover for the filter and its window):"
        )
        top = st.slider("Strongest filters per kernel width", 1, 10, 3, key="w_rcnn_top")
        windows = strongest_windows(job.inference_model, ids, words, top)
        st.plotly_chart(filter_windows_figure(windows, words), key="rcnn_filters")
        st.dataframe(filter_table(windows), hide_index=True, width="stretch")
    context = " of the RCNN's context layer" if is_rcnn(job.run.spec) else ""
    st.markdown(f"Gates{context} while reading this sentence (words on the time axis):")
    gate_explorer(reading.traces, lambda _: ([f"{i + 1}. {w}" for i, w in enumerate(words)], None))

    def trajectory_inputs() -> TrajectoryInputs:
        rows = spread_rows(len(data.x_train))
        train_x = data.x_train[rows]  # (samples, max_len) token ids, 0 = padding
        return TrajectoryInputs(
            train_x=train_x,
            probe_x=ids,
            train_mask=train_x != 0,
            probe_mask=ids[0] != 0,
            train_tokens=[[data.vocab.tokens[i] for i in row] for row in train_x],
            probe_tokens=[data.vocab.tokens[i] for i in ids[0]],
            train_labels=[names[y] for y in data.y_train[rows]],
            path_label=f"your sentence (predicted {names[label]})",
        )

    trajectory_view(job.inference_model, job.content_key(), text, trajectory_inputs, "sentence")


read_a_sentence()

st.subheader("Test split")
c1, c2 = st.columns(2)
c1.plotly_chart(confusion_figure(rnn["confusion"], names), key="confusion")
if "auc" in rnn:
    curves = {
        "RNN": (rnn["fpr"], rnn["tpr"], rnn["auc"]),
        "TF-IDF": (baseline["fpr"], baseline["tpr"], baseline["auc"]),
    }
    c2.plotly_chart(roc_figure(curves), key="roc")
st.markdown("**Most confidently wrong** test examples:")
st.dataframe(
    most_confident_errors(data.texts_test, data.y_test, proba, names, k=8),
    hide_index=True,
    width="stretch",
)
