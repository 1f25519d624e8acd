"""Home: what rnnviz does and what this machine offers. Imports no TensorFlow (first page stays fast)."""

import pandas as pd
import streamlit as st

from rnnviz import hardware
from rnnviz.datasets import BUILTIN_SERIES

st.title("rnnviz: see recurrent networks learn")
st.markdown(
    """
Build a recurrent neural network from controls, train it live and look inside it.

1. **Data**: a built-in series or your own CSV; choose the look-back window, horizon and split.
2. **Build**: cell type (SimpleRNN, LSTM, GRU), direction, depth, units, dropout, statefulness,
   and the topology (many-to-one, many-to-many, encoder-decoder).
3. **Train**: watch loss and error fall epoch by epoch; stop at any time, the best weights are kept.
4. **Inspect**: forecasts in the series' own units against naive baselines, and the residuals.
"""
)
st.page_link("pages/data.py", label="Start with the data", icon="📈")

st.subheader("Built-in series (offline)")
st.dataframe(
    pd.DataFrame(
        [
            {"series": s.title, "description": s.description, "ships in": s.source}
            for s in BUILTIN_SERIES.values()
        ]
    ),
    hide_index=True,
    width="stretch",
)
st.subheader("This machine")
st.write(hardware.describe())
