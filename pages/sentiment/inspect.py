"""Inspect (sentiment): test metrics beside a TF-IDF baseline, and one sentence read word by word."""

import streamlit as st

from rnnviz.common.figures import confusion_figure, roc_figure
from rnnviz.common.labels import most_confident_errors
from rnnviz.common.metrics import evaluate_classifier
from rnnviz.common.safe import plain
from rnnviz.common.verdicts import classifier_verdict
from rnnviz.model.gates import Trace
from rnnviz.model.probes import trace
from rnnviz.model.spec import describe_model
from rnnviz.tasks.sentiment.analysis import (
    SentimentJob,
    classify,
    importance_html,
    predict_proba,
    reading_trace,
    tfidf_baseline,
    word_importance,
)
from rnnviz.tasks.sentiment.figures import filter_windows_figure, reading_figure
from rnnviz.tasks.sentiment.rcnn import filter_table, is_rcnn, strongest_windows
from rnnviz.tasks.sentiment.task import SENTIMENT
from rnnviz.tasks.sentiment.text import tokenize
from rnnviz.ui.gates import gate_explorer
from rnnviz.ui.runner import finished_job
from rnnviz.ui.state import session

st.title("Inspect: sentiment")
current = session()
job: SentimentJob = finished_job(
    SENTIMENT, "Train a text model first; its results show here when training ends."
)

data, model, names = job.data, job.inference_model, job.data.class_names
proba = current.memo("test_proba", job.content_key(), lambda: predict_proba(model, data.x_test))
rnn = evaluate_classifier(data.y_test, proba, names)
tfidf = current.memo(
    "tfidf",
    data.fingerprint,
    lambda: tfidf_baseline(data.texts_train, data.y_train, data.texts_test, data.y_test),
)
baseline = evaluate_classifier(data.y_test, tfidf["proba"], names)

st.caption(
    plain(f"{job.dataset_name}: {describe_model(job.run.spec)}. {job.run.snapshot().message}")
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

st.subheader("Read a sentence")
text = st.text_input(
    "Type a sentence", "a gripping , beautifully acted film that never lets go", key="w_sentence"
)
if not tokenize(text):
    st.warning("Type a few words to classify.")
else:
    label, probabilities = classify(model, data.vocab, text, data.max_len)
    st.markdown(f"**Prediction: {plain(names[label])}** (probability {probabilities[label]:.2f})")
    frame, note = reading_trace(
        model, data.vocab, text, data.max_len, spec=job.run.spec, class_names=names
    )
    st.plotly_chart(reading_figure(frame, names), key="reading")
    st.caption(plain(note))
    importance = word_importance(model, data.vocab, text, data.max_len)
    st.markdown(
        "Word importance (leaving each word out; green supported the prediction, red opposed it):"
    )
    st.html(importance_html(importance))
    words = list(frame["word"])
    ids = job.encode(text)  # (1, max_len)
    traces = [
        Trace(t.layer, t.direction, t.cell, {k: v[:, : len(words)] for k, v in t.gates.items()})
        for t in trace(model, ids)
    ]
    if is_rcnn(job.run.spec):
        st.markdown(
            "Where each kernel width's strongest filters fired on this sentence (the position "
            "max pooling keeps; hover for the filter and its window):"
        )
        top = st.slider("Strongest filters per kernel width", 1, 10, 3, key="w_rcnn_top")
        windows = strongest_windows(model, ids, words, top)
        st.plotly_chart(filter_windows_figure(windows, words), key="rcnn_filters")
        st.dataframe(filter_table(windows), hide_index=True, width="stretch")
    context = " of the RCNN's context layer" if is_rcnn(job.run.spec) else ""
    st.markdown(f"Gates{context} while reading this sentence (words on the time axis):")
    gate_explorer(traces, lambda _: ([f"{i + 1}. {w}" for i, w in enumerate(words)], None))

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
