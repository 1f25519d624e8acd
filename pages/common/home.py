"""Home: what rnnviz does and what this machine offers. Imports no TensorFlow (first page stays fast)."""

import pandas as pd
import streamlit as st

from rnnviz.tasks.registry import TASKS
from rnnviz.train import hardware
from rnnviz.ui import nav
from rnnviz.ui.identity import account_panel
from rnnviz.ui.state import session

st.title("rnnviz: see recurrent networks learn")
signed_in = account_panel()  # which mode is on; who is signed in, or Sign in
st.markdown(
    """
Build a recurrent neural network from controls, train it live and look inside it.

1. **Data**: a built-in data set or your own file; choose how it is windowed and split.
2. **Build**: cell type (SimpleRNN, LSTM, GRU), direction, depth, units, dropout, statefulness,
   and the topology (many-to-one, many-to-many, encoder-decoder).
3. **Train**: watch loss and error fall epoch by epoch, and the gates change; stop at any time,
   the best weights are kept.
4. **Inspect**: the results against classical baselines, and what each gate did.
5. **Compare** cell types side by side on the same data; **Runs** keeps every run.

Choose the task in the sidebar:
"""
)
st.markdown("\n".join(f"- **{task.label}**: {task.blurb}" for task in TASKS.values()))
if signed_in:
    st.page_link(
        nav.data_page(session().task), label="Start with the data", icon=":material/show_chart:"
    )

st.subheader("Built-in data (offline)")
rows = [{"task": name, **row} for name, task in TASKS.items() for row in task.catalog()]
st.dataframe(
    pd.DataFrame(rows),
    hide_index=True,
    width="stretch",
    column_config={"description": st.column_config.TextColumn(width="large")},
)
st.subheader("This machine")
st.write(hardware.describe())
