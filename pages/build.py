"""Build: assemble the recurrent network from controls; see its layers, parameters and shape."""

import pandas as pd
import streamlit as st

from rnnviz.builder import build_model, cudnn_blockers, layer_table
from rnnviz.figures import topology_diagram
from rnnviz.forecast import windows_for
from rnnviz.ui import state
from rnnviz.ui.widgets import model_spec_ui

st.title("Build")
series, window_spec = state.get("series"), state.get("window_spec")
if series is None:
    st.info("Choose a series first.")
    st.page_link("pages/data.py", label="Go to Data", icon="📈")
    st.stop()

spec = model_spec_ui(horizon=window_spec.horizon)
input_shape = (window_spec.window, len(series.columns))
model = build_model(spec, input_shape)
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
if spec.stateful:
    n_windows = (
        len(series.frame) - window_spec.window - window_spec.test_size - window_spec.val_size
    )
    batch = spec.stateful_batch_size
    st.warning(
        f"Stateful: the batch size is fixed at {batch}; the state of sample i in one batch carries to "
        f"sample i of the next; training runs without shuffling and the states reset every epoch and "
        f"before evaluation. About {max(n_windows, 0)} training windows will be trimmed to a multiple "
        f"of {batch} (the oldest ones are dropped)."
    )
trained_on = windows_for(window_spec, spec.topology)
st.caption(
    f"Input: windows of {window_spec.window} steps x {len(series.columns)} feature(s). "
    + (
        f"Output: {trained_on.horizon} future steps at once."
        if spec.topology == "encoder_decoder"
        else "Output: the next value"
        + (" after every step." if spec.topology == "many_to_many" else ".")
        + (
            f" A {window_spec.horizon}-step forecast feeds predictions back in."
            if window_spec.horizon > 1
            else ""
        )
    )
)
st.page_link("pages/train.py", label="Train it", icon="🏋️")
