"""rnnviz: the router. Pages live in views/ (never `pages/`, which Streamlit would serve directly,
bypassing this router); the core in rnnviz/."""

import streamlit as st

from rnnviz.ui import state
from rnnviz.ui.state import keep_widget_values
from rnnviz.ui.widgets import apply_task_recipe

TASKS = {"forecast": "Forecast a time series", "sentiment": "Classify text sentiment"}

st.set_page_config(page_title="rnnviz", page_icon=":material/cycle:", layout="wide")
keep_widget_values()
if state.get("pending_task"):  # a page asked for the other task (e.g. reopening a saved run)
    st.session_state["w_task"] = state.get("pending_task")
    state.drop("pending_task")
state.set_widget_defaults({"task": state.get("task", "forecast")})
task = st.sidebar.radio("Task", list(TASKS), format_func=TASKS.get, key="w_task")
state.put("task", task)  # pages read the task from here
apply_task_recipe(task)
text = task == "sentiment"
page = st.navigation(
    [
        st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
        st.Page(
            "views/text_data.py" if text else "views/data.py",
            title="Data",
            icon=":material/show_chart:",
        ),
        st.Page("views/build.py", title="Build", icon=":material/construction:"),
        st.Page("views/train.py", title="Train", icon=":material/model_training:"),
        st.Page(
            "views/inspect_text.py" if text else "views/inspect.py",
            title="Inspect",
            icon=":material/search:",
        ),
        st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("views/runs.py", title="Runs", icon=":material/history:"),
    ]
)
if page.title != "Home":  # keep the first page light: it never imports TensorFlow
    from rnnviz.ui.runner import collect_finished_run, warm_up_executor

    warm_up_executor()
    collect_finished_run()
page.run()
