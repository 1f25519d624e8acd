"""Data (sequences): a built-in set or your CSV of labelled sequences; split, classes, examples."""

import numpy as np
import streamlit as st

from rnnviz.common.csvread import DataError, content_key, read_csv_table
from rnnviz.common.figures import class_balance
from rnnviz.common.messages import user_message
from rnnviz.common.safe import plain
from rnnviz.tasks.sequences.data import (
    BUILTIN_SEQUENCES,
    LENGTH_CAP_FACTOR,
    MIN_LENGTH_CAP,
    SCALINGS,
    SequenceColumns,
    default_sequence_columns,
    load_builtin_sequences,
    sequences_from_frame,
    suggest_sequence_columns,
    value_columns_for,
)
from rnnviz.tasks.sequences.figures import example_images, example_sequences
from rnnviz.tasks.sequences.recipes import (
    DEFAULT_SEQUENCE_RECIPE,
    chunk_reason,
    reading_chunk,
    recipe_budget,
)
from rnnviz.tasks.sequences.task import SEQUENCES, SplitSettings, describe_split, sequences_data
from rnnviz.ui import nav
from rnnviz.ui.state import session, set_widget_defaults
from rnnviz.ui.widgets import (
    builtin_choice,
    data_or_stop,
    forget_data,
    kept_upload,
    same_data_note,
)

SOURCES = {"builtin": "Built-in data set", "upload": "Upload a CSV of labelled sequences"}
LAYOUTS = {
    "long": "Long: one row per step (sequence id, step, values, label; rows in any order)",
    "wide": "Wide: one row per sequence (its steps in columns, and a label)",
}
ROW_ORDER = "(the file's row order)"
EXAMPLES = 10

st.title("Data: sequence classification")
current = session()


def keep_roles_out_of_values():
    """A column just chosen as the label, id or step leaves the value columns (``on_change``)."""
    state = st.session_state
    roles = {state.get("w_seq_label")}
    if state.get("w_seq_layout") == "long":
        roles |= {state.get("w_seq_id"), state.get("w_seq_step")}
    state["w_seq_values"] = [c for c in state.get("w_seq_values", []) if c not in roles]


def values_for_layout(frame):
    """A layout chosen by hand gets its value columns: every numeric column but the others'."""
    state = st.session_state
    step = state.get("w_seq_step")
    state["w_seq_values"] = list(
        value_columns_for(
            frame,
            state["w_seq_layout"],
            state.get("w_seq_label"),
            state.get("w_seq_id"),
            None if step == ROW_ORDER else step,
        )
    )


def upload_ui():
    """The uploaded CSV and the columns the user picks; None until a file is chosen."""
    upload, note = kept_upload("CSV of labelled sequences", ["csv", "tsv", "txt"], "seq_upload")
    if upload is None:
        st.caption(
            "Long format: one row per step with a sequence id, a step (numbers or dates; rows in "
            "any order), one or more value columns and the label (the same on every row of a "
            "sequence). Wide format: one row per sequence, its values in columns (trailing empty "
            "cells make a shorter sequence) and a label column. The layout and the columns are "
            "guessed from the data; change them below the upload. A sequence longer than "
            f"{LENGTH_CAP_FACTOR} times the median length (and {MIN_LENGTH_CAP} steps) keeps its "
            "first steps."
        )
        return None, None
    raw = upload.getvalue()
    file_key = (upload.name, content_key(raw))  # the content, never the name alone
    frame = current.memo("seq_csv", file_key, lambda: read_csv_table(raw, upload.name, dtype=str))
    frame = frame.frame
    note.rows(len(frame))
    columns = list(frame.columns)
    if len(columns) < 2:
        raise DataError(
            f"'{upload.name}' has {len(columns)} column; labelled sequences need at least a "
            "value column and a label column."
        )
    if current.defaults_for.get("seq_upload") != file_key:  # a new file: its guessed columns
        guess = suggest_sequence_columns(frame) or default_sequence_columns(columns)
        set_widget_defaults(
            {
                "seq_layout": guess.layout,
                "seq_label": guess.label_column,
                "seq_id": guess.id_column or columns[0],
                "seq_step": guess.step_column or ROW_ORDER,
                "seq_values": list(guess.value_columns),
            },
            overwrite=True,
        )
        current.defaults_for["seq_upload"] = file_key
    roles = {"on_change": keep_roles_out_of_values}
    layout = st.radio(
        "Layout",
        list(LAYOUTS),
        format_func=LAYOUTS.get,
        key="w_seq_layout",
        on_change=values_for_layout,
        args=(frame,),
    )
    c1, c2, c3 = st.columns(3)
    label = c1.selectbox("Label column", columns, key="w_seq_label", **roles)
    id_column = step = None
    if layout == "long":
        id_column = c2.selectbox("Sequence id column", columns, key="w_seq_id", **roles)
        step = c3.selectbox(
            "Step column (numbers or dates)", [ROW_ORDER, *columns], key="w_seq_step", **roles
        )
    values = st.multiselect(
        "Value columns" + (" (the features of a step)" if layout == "long" else " (the steps)"),
        columns,
        key="w_seq_values",
    )
    chosen = SequenceColumns(
        layout,
        tuple(values),
        label,
        id_column,
        None if step in (None, ROW_ORDER) else step,
    )
    dataset = current.memo(
        "seq_dataset",
        (file_key, chosen),
        lambda: sequences_from_frame(frame, chosen, name=upload.name),
    )
    return dataset, (file_key, chosen)


source = st.radio(
    "Source", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="w_seq_source"
)
dataset = dataset_key = builtin = None
try:
    if source == "builtin":
        builtin = builtin_choice("Data set", BUILTIN_SEQUENCES, "w_seq_builtin")
        dataset, dataset_key = load_builtin_sequences(builtin), ("builtin", builtin)
    else:
        dataset, dataset_key = upload_ui()
except DataError as error:
    st.error(plain(error))
data_or_stop(dataset, SEQUENCES)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Sequences", f"{len(dataset):,}")
lengths = dataset.lengths
steps = f"{lengths.min()}-{lengths.max()}" if dataset.is_ragged else f"{dataset.n_steps}"
c2.metric("Steps x features", f"{steps} x {dataset.n_features}")
c3.metric("Classes", f"{dataset.n_classes}")
c4.metric("Majority class", f"{max(dataset.class_counts().values()) / len(dataset):.1%}")

new_data = current.defaults_for.get(SEQUENCES.name) != dataset_key
median_steps = int(np.median(lengths))
if new_data:  # its default scaling and reading
    chunk = reading_chunk(median_steps)
    set_widget_defaults(
        {"seq_scaling": dataset.default_scaling, "seq_chunk": chunk}, overwrite=True
    )
set_widget_defaults({"seq_official": True, "seq_test": 0.2, "seq_seed": 7})
c1, c2, c3 = st.columns(3)
scaling = c1.selectbox(
    "Scaling (fitted on the training steps)", list(SCALINGS), key="w_seq_scaling"
)
c1.caption(SCALINGS[scaling])
official = dataset.n_official_train is not None and c2.toggle(
    "The archive's train/test split", key="w_seq_official"
)
test_fraction = c2.slider(
    "Test share", 0.1, 0.5, step=0.05, key="w_seq_test", disabled=bool(official)
)
seed = c3.number_input("Split seed", 0, 2**31 - 1, key="w_seq_seed")
set_widget_defaults({"seq_chunk": 1})
chunk = st.number_input(
    "Steps read at once (their values side by side as one input step)",
    1,
    max(1, dataset.n_steps),
    key="w_seq_chunk",
)
if why := chunk_reason(median_steps, reading_chunk(median_steps)):
    st.info(plain(f"Default for this data: {why}"))
settings = SplitSettings(
    scaling=scaling,
    seed=int(seed),
    test_fraction=float(test_fraction),
    official_split=official,
    chunk=int(chunk),
)
try:
    data = current.memo(
        "seq_data", (dataset_key, settings), lambda: sequences_data(dataset, settings, builtin)
    )
except ValueError as error:  # a split the classes cannot support
    reason = user_message(
        error,
        "a class has too few sequences for the training, validation and test parts. Lower the "
        "validation and test shares, or upload more sequences of the rarest class.",
    )
    st.error(plain(f"The sequences cannot be split this way: {reason}"))
    forget_data(SEQUENCES)
    st.stop()
current.data[SEQUENCES.name] = data
same_data_note(SEQUENCES, data, dataset_key)
if new_data:  # the recipe's training budget for its size
    epochs, patience = recipe_budget(DEFAULT_SEQUENCE_RECIPE, len(data.prepared.x_train))
    set_widget_defaults({"epochs": epochs, "patience": patience}, overwrite=True)
    current.defaults_for[SEQUENCES.name] = dataset_key
st.success(describe_split(data))
if data.prepared.mask_value is not None:
    st.caption(
        f"Lengths differ ({lengths.min()} to {lengths.max()} steps): shorter sequences are padded "
        f"at the end with {data.prepared.mask_value:g}, which the model's Masking layer skips."
    )

c1, c2 = st.columns([1, 2])
balance = class_balance(dataset.class_counts())
balance.update_layout(yaxis_title="sequences")
c1.plotly_chart(balance, key="seq_balance")
with c2:
    if dataset.is_image:
        first = [int(np.flatnonzero(dataset.y == k)[0]) for k in range(dataset.n_classes)]
        rows = first[:EXAMPLES]
        titles = [f"label {dataset.class_names[dataset.y[r]]}" for r in rows]
        st.plotly_chart(example_images(dataset.x[rows], titles), key="seq_examples")
    else:
        feature = 0
        if dataset.n_features > 1:
            names = list(dataset.feature_names)
            feature = names.index(st.selectbox("Feature drawn", names, key="w_seq_feature"))
        figure = example_sequences(
            dataset.x,
            dataset.lengths,
            dataset.y,
            dataset.class_names,
            feature,
            dataset.feature_names[feature],
        )
        st.plotly_chart(figure, key="seq_examples")
st.page_link(nav.pages().build, label="Build a model", icon=":material/construction:")
