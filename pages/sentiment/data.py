"""Text data: built-in review snippets, IMDB on first use, or your own CSV; explore before training."""

import streamlit as st

from rnnviz.common.csvread import DataError, content_key
from rnnviz.common.figures import class_balance
from rnnviz.common.safe import plain
from rnnviz.tasks.sentiment.figures import length_histogram
from rnnviz.tasks.sentiment.recipes import DEFAULT_TEXT_RECIPE
from rnnviz.tasks.sentiment.task import SENTIMENT, SentimentData
from rnnviz.tasks.sentiment.text import (
    MAX_PADDED_LEN,
    load_imdb,
    load_rotten_tomatoes,
    padded_length_choice,
    parse_text_csv,
    prepare_text_data,
    suggest_columns,
    text_dataset_from_frame,
    text_stats,
)
from rnnviz.ui import nav
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import data_or_stop, kept_upload, same_data_note

SOURCES = {
    "rotten": "Rotten Tomatoes snippets (built in, 12,808 sentences)",
    "imdb": "IMDB reviews (downloads on first use)",
    "upload": "Upload a CSV of texts and labels",
}

st.title("Data: text sentiment")
current = session()
source = st.radio("Source", list(SOURCES), format_func=SOURCES.get, key="w_text_source")
dataset, dataset_key = None, (source,)  # caches below key on the data's content
try:
    if source == "rotten":
        dataset = load_rotten_tomatoes()
    elif source == "imdb":
        st.caption(
            "Keras downloads 50,000 reviews (80 MB) the first time; this needs an internet connection."
        )
        if st.button("Load IMDB", key="load_imdb") or current.imdb_loaded:
            dataset = load_imdb()
            current.imdb_loaded = True
    else:
        upload, note = kept_upload(
            "CSV with a text column and a label column", ["csv", "tsv", "txt"], "text_upload"
        )
        if upload is not None:
            raw = upload.getvalue()
            file_key = (upload.name, content_key(raw))  # never the name or row count alone
            frame = current.memo("text_csv", file_key, lambda: parse_text_csv(raw, upload.name))
            note.rows(len(frame))
            columns = list(frame.columns)
            if current.defaults_for.get("text_upload") != file_key:  # a new file: its guesses
                text_guess, label_guess = suggest_columns(frame)
                text_guess = text_guess or columns[0]
                label_guess = label_guess or columns[min(1, len(columns) - 1)]
                set_widget_defaults({"text_col": text_guess, "label_col": label_guess}, True)
                current.defaults_for["text_upload"] = file_key
            c1, c2 = st.columns(2)
            text_col = c1.selectbox("Text column", columns, key="w_text_col")
            label_col = c2.selectbox("Label column", columns, key="w_label_col")
            dataset_key = (source, *file_key, text_col, label_col)
            dataset = current.memo(
                "text_dataset",
                dataset_key,
                lambda: text_dataset_from_frame(frame, text_col, label_col, name=upload.name),
            )
except DataError as error:
    st.error(plain(error))
data_or_stop(dataset, SENTIMENT)
dataset_key = dataset.fingerprint  # the content, never the name or row count alone
stats = current.memo("text_stats", dataset_key, lambda: text_stats(dataset))
c1, c2, c3, c4 = st.columns(4)
c1.metric("Texts", f"{stats['n_texts']:,}")
c2.metric("Distinct tokens", f"{stats['vocabulary_size']:,}")
c3.metric("Mean length", f"{stats['mean_length']:.1f} tokens")
c4.metric("Majority class", f"{stats['majority_share']:.1%}")

set_widget_defaults(
    {"vocab_size": min(DEFAULT_TEXT_RECIPE["vocab_size"], stats["vocabulary_size"] + 2)}
)
padded, padded_note = padded_length_choice(stats["suggested_max_len"])
if current.defaults_for.get(SENTIMENT.name) != dataset_key:  # new data: its suggested length
    set_widget_defaults({"max_len": padded}, overwrite=True)
    current.defaults_for[SENTIMENT.name] = dataset_key
c1, c2 = st.columns(2)
vocab_size = c1.number_input(
    "Vocabulary size (most frequent tokens)", 10, 100_000, key="w_vocab_size"
)
max_len = c2.number_input("Padded length (tokens)", 2, MAX_PADDED_LEN, key="w_max_len")
if padded_note:
    st.caption(padded_note)
coverage = current.memo(
    "coverage",
    (dataset_key, int(vocab_size)),
    lambda: text_stats(dataset, int(vocab_size))["coverage"],
)
st.caption(
    f"The vocabulary covers {coverage:.1%} of the words read; {(stats['lengths'] <= max_len).mean():.1%} of "
    f"the texts fit in {max_len} tokens whole (longer ones keep their start)."
)
c1, c2 = st.columns(2)
c1.plotly_chart(length_histogram(stats["lengths"], int(max_len)), key="lengths")
c2.plotly_chart(class_balance(stats["class_counts"]), key="balance")

data = current.memo(
    "text_data",
    (dataset_key, int(vocab_size), int(max_len)),
    lambda: prepare_text_data(dataset, int(vocab_size), int(max_len)),
)
current.data[SENTIMENT.name] = SentimentData(dataset.name, data)
same_data_note(SENTIMENT, current.data[SENTIMENT.name], (dataset_key, data.fingerprint))
st.success(
    f"Split (stratified): {len(data.x_train):,} train, {len(data.x_val):,} validation, {len(data.x_test):,} test; "
    f"vocabulary of {len(data.vocab):,} ids fitted on the training texts only."
)
st.page_link(nav.pages().build, label="Build a model", icon=":material/construction:")
