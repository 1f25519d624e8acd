"""Build: assemble the recurrent network from controls; see its layers, parameters and shape."""

import pandas as pd
import streamlit as st

from rnnviz.builder import LookAheadError, build_model, cudnn_blockers, layer_table
from rnnviz.figures import topology_diagram
from rnnviz.forecast import windows_for
from rnnviz.safe import plain
from rnnviz.ui import state
from rnnviz.ui.widgets import model_spec_ui

st.title("Build")
text = state.get("task") == "sentiment"
series, window_spec, text_data = (
    state.get("series"),
    state.get("window_spec"),
    state.get("text_data"),
)
state.require(
    (text_data if text else series) is not None,
    "Choose the data first.",
    "views/text_data.py" if text else "views/data.py",
    "Go to Data",
    ":material/show_chart:",
)

if text:
    spec = model_spec_ui(text=True).with_(
        vocab_size=len(text_data.vocab), head=text_data.head, n_outputs=text_data.n_classes
    )
    input_shape = (text_data.max_len,)
else:
    spec = model_spec_ui(horizon=window_spec.horizon)
    input_shape = (window_spec.window, len(series.columns))
try:
    model = build_model(spec, input_shape)
except LookAheadError as error:
    state.drop("model_spec")
    st.error(str(error))
    st.stop()
state.put("model_spec", spec)

st.plotly_chart(topology_diagram(spec, input_shape))
rows = pd.DataFrame([row.__dict__ for row in layer_table(model)])
rows.columns = ["layer", "type", "output shape", "parameters"]
st.dataframe(rows, hide_index=True, width="stretch")
st.metric("Trainable parameters", f"{model.count_params():,}")

blockers = cudnn_blockers(spec)
if blockers and spec.cell != "SimpleRNN":
    st.warning("On a GPU this choice stops the fast cuDNN kernel: " + "; ".join(blockers) + ".")
elif blockers:
    st.caption(blockers[0])
if text:
    st.caption(
        f"Input: {text_data.max_len} token ids per text (0 = padding, masked so the RNN skips it; "
        "TensorFlow's cuDNN kernel takes such right-padded masks, Keras's torch backend falls back to "
        "its step loop for masked input). "
        f"Output: {'P(' + plain(text_data.class_names[1]) + ')' if spec.head == 'binary' else 'a probability per class'}."
    )
else:
    if spec.stateful:
        batch = spec.stateful_batch_size
        st.warning(
            f"Stateful: the batch size is fixed at {batch}; the state of sample i in one batch carries to "
            f"sample i of the next; training runs without shuffling and the states reset every epoch and "
            f"before evaluation. The training windows are trimmed to a multiple of {batch} (the oldest "
            "ones are dropped)."
        )
    trained_on = windows_for(window_spec, spec.topology)
    if spec.topology == "encoder_decoder":
        output = f"Output: {trained_on.horizon} future steps at once."
    else:
        output = "Output: the next value" + (
            " after every step." if spec.topology == "many_to_many" else "."
        )
        if window_spec.horizon > 1:
            output += f" A {window_spec.horizon}-step forecast feeds predictions back in."
    st.caption(
        f"Input: windows of {window_spec.window} steps x {len(series.columns)} feature(s). {output}"
    )
st.page_link("views/train.py", label="Train it", icon=":material/model_training:")
