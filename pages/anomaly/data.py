"""Data (anomaly): a built-in labelled series, a UCR set as one class vs the rest, or your CSV;
the windows, the split and the autoencoder's code."""

import streamlit as st

from rnnviz.common.csvread import DataError, content_key
from rnnviz.common.safe import plain
from rnnviz.tasks.anomaly.data import (
    BUILTIN,
    guess_label_column,
    read_series_table,
    ucr_classes,
)
from rnnviz.tasks.anomaly.figures import labelled_series_figure
from rnnviz.tasks.anomaly.options import DECODERS, autoencoder_options
from rnnviz.tasks.anomaly.recipes import UPLOAD_WINDOWS, WINDOWS
from rnnviz.tasks.anomaly.task import (
    ANOMALY,
    AnomalySettings,
    anomaly_data,
    describe_split,
    label_share,
)
from rnnviz.ui import nav
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import builtin_choice, data_or_stop, forget_data, kept_upload, same_data_note

SOURCES = {"builtin": "Built-in series", "upload": "Upload a CSV"}
NO_LABEL = "(no label column)"

st.title("Data: anomaly detection")
current = session()


def upload_ui():
    """The uploaded table and its label column; (None, None) before a file is chosen."""
    upload, note = kept_upload("CSV of a series", ["csv", "tsv", "txt"], "anomaly_upload")
    if upload is None:
        st.caption(
            "One row per step, in time order: one or more numeric value columns and, optionally, "
            "a 0/1 label column (1 = anomalous) used to train on normal windows only and to "
            "score the detector. Other columns are ignored."
        )
        return None, None, None
    raw = upload.getvalue()
    file_key = (upload.name, content_key(raw))
    table = current.memo("anomaly_csv", file_key, lambda: read_series_table(raw, upload.name))
    note.rows(len(table))
    if current.defaults_for.get("anomaly_upload") != file_key:
        set_widget_defaults({"anomaly_label": guess_label_column(table) or NO_LABEL}, True)
        current.defaults_for["anomaly_upload"] = file_key
    label = st.selectbox(
        "Label column (0 normal, 1 anomalous)",
        [NO_LABEL, *map(str, table.columns)],
        key="w_anomaly_label",
    )
    return table, None if label == NO_LABEL else label, (upload.name, file_key, label)


source = st.radio(
    "Source", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="w_anomaly_source"
)
table = label_column = normal = None
try:
    if source == "builtin":
        key = builtin_choice("Series", BUILTIN, "w_anomaly_builtin")
        recipe, data_key = WINDOWS[key], ("builtin", key)
        if BUILTIN[key].ucr:
            classes = ucr_classes(str(BUILTIN[key].ucr))
            normal = st.selectbox(
                "Normal class (every other class is anomalous)", classes, key="w_anomaly_normal"
            )
            data_key = ("builtin", key, normal)
    else:
        key, recipe = None, UPLOAD_WINDOWS
        table, label_column, data_key = upload_ui()
except DataError as error:
    st.error(plain(error))
    forget_data(ANOMALY)
    st.stop()
if source == "upload" and table is None:
    forget_data(ANOMALY)
    st.stop()

if current.defaults_for.get(ANOMALY.name) != data_key:  # new data: its recipe's windows
    set_widget_defaults(
        {
            "anomaly_every": recipe.every,
            "anomaly_size": recipe.size,
            "anomaly_stride": recipe.stride,
        },
        overwrite=True,
    )
    current.defaults_for[ANOMALY.name] = data_key
set_widget_defaults(
    {
        "anomaly_center": True,
        "anomaly_val": 0.15,
        "anomaly_test": 0.3,
        "anomaly_code": 8,
        "anomaly_decoder": "repeat",
        "anomaly_reverse": True,
    }
)
is_ucr = bool(key and BUILTIN[key].ucr)
st.subheader("Windows and split")
c1, c2, c3, c4 = st.columns(4)
every = c1.number_input(
    "Samples averaged per step",
    1,
    64,
    key="w_anomaly_every",
    help="4: each step is the mean of 4 samples (a quarter of the length).",
)
size = c2.number_input("Window (steps)", 2, 1024, key="w_anomaly_size", disabled=is_ucr)
stride = c3.number_input("Stride (steps)", 1, 1024, key="w_anomaly_stride", disabled=is_ucr)
center = c4.toggle(
    "Centre each window",
    key="w_anomaly_center",
    help="Remove each window's own mean: the model learns shapes, not levels.",
)
c1, c2 = st.columns(2)
val = c1.slider("Validation share", 0.05, 0.4, step=0.05, key="w_anomaly_val", disabled=is_ucr)
test = c2.slider(
    "Test share (at the end)", 0.1, 0.5, step=0.05, key="w_anomaly_test", disabled=is_ucr
)
if is_ucr:
    st.caption(
        "A UCR set keeps the archive's split (the last quarter of its training samples "
        "validate) and each sample is one window."
    )
st.subheader("Autoencoder code")
c1, c2, c3 = st.columns(3)
code = c1.number_input("Code size", 1, 256, key="w_anomaly_code")
decoder = c2.selectbox(
    "Decoder input", list(DECODERS), format_func=DECODERS.get, key="w_anomaly_decoder"
)
reverse = c3.toggle(
    "Rebuild back to front",
    key="w_anomaly_reverse",
    help="The decoder rebuilds the window from its last step (much easier to "
    "train: Srivastava et al., 2015).",
)
settings = AnomalySettings(
    key,
    int(every),
    int(size),
    int(stride),
    bool(center),
    float(val),
    float(test),
    normal,
    label_column,
)
options = autoencoder_options(int(code), decoder, bool(reverse))
name = data_key[0] if source == "upload" else None
try:
    data = current.memo(
        "anomaly_data",
        (data_key, settings, options),
        lambda: anomaly_data(settings, table, name, options),
    )
except DataError as error:
    st.error(plain(error))
    forget_data(ANOMALY)
    st.stop()
data_or_stop(data.series, ANOMALY)
current.data[ANOMALY.name] = data
same_data_note(ANOMALY, data, (data_key, settings))

series = data.series
c1, c2, c3, c4 = st.columns(4)
c1.metric("Steps", f"{len(series.values):,}")
c2.metric("Features", f"{series.values.shape[1]}")
c3.metric("Labelled anomalous", label_share(series) if series.labels is not None else "no labels")
c4.metric("Windows", f"{len(data.windows.starts):,}")
st.success(plain(describe_split(data)))
if not series.test_has_labels:
    st.warning(
        "The test part holds no labelled anomaly: Inspect shows the scores and a "
        "threshold, but no precision, recall or ROC curve."
    )
if series.labels is None:
    st.caption("Without labels every training window is taken as normal.")
st.plotly_chart(labelled_series_figure(series), key="anomaly_series")
st.page_link(nav.pages().build, label="Build a model", icon=":material/construction:")
