"""Build: assemble the recurrent network from controls; see its layers, parameters and shape."""

import pandas as pd
import streamlit as st

from rnnviz.common.messages import user_message
from rnnviz.common.safe import plain
from rnnviz.model.builder import layer_table, parameter_counts
from rnnviz.model.cells import cell_type, cudnn_blockers
from rnnviz.tasks.registry import get_task
from rnnviz.ui import nav
from rnnviz.ui.runner import prepare_described_run
from rnnviz.ui.state import require, session
from rnnviz.ui.widgets import model_spec_ui

st.title("Build")
current = session()
task, data = get_task(current.task), current.task_data()
require(
    data is not None,
    "Choose the data first.",
    nav.data_page(task.name),
    "Go to Data",
    ":material/show_chart:",
)

controls = model_spec_ui(task)
try:
    spec = task.model_spec(controls, data)
    input_shape = task.input_shape(data, spec)
    model = task.build_model(spec, input_shape)
except ValueError as error:  # a look-ahead topology (LookAheadError), or settings the task refuses
    current.model_spec = current.model_task = None
    st.error(
        plain(
            user_message(
                error,
                "Keras cannot build a model with these settings. Change the layer sizes, the "
                "topology or the cell and try again.",
            )
        )
    )
    st.stop()
current.model_spec, current.model_task, current.built_controls = spec, task.name, controls
prepare_described_run(task.name)  # a worker gets ready for the Train click

st.plotly_chart(task.diagram(spec, input_shape))
rows = pd.DataFrame([row.__dict__ for row in layer_table(model)])
rows.columns = ["layer", "type", "output shape", "parameters"]
st.dataframe(rows, hide_index=True, width="stretch")
trainable, fixed = parameter_counts(model)
st.metric("Trainable parameters", f"{trainable:,}")
if fixed:
    st.caption(
        f"Plus {fixed:,} fixed parameters that training leaves as they are (marked in the table)."
    )

blockers = cudnn_blockers(spec)
if blockers and cell_type(spec.cell).cudnn:
    st.warning("On a GPU this choice stops the fast cuDNN kernel: " + "; ".join(blockers) + ".")
elif blockers:
    st.caption(blockers[0])
show = {"caption": st.caption, "warning": st.warning, "info": st.info}
for note in task.build_notes(data, spec):
    show[note.kind](note.text)  # Markdown: a task escapes the user strings it quotes
st.page_link(nav.pages().train, label="Train it", icon=":material/model_training:")
