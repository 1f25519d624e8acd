"""rnnviz: the router. Page scripts live in pages/common/ and pages/<task>/ (never directly in
`pages/`, whose top-level scripts Streamlit's v1 multipage mode would serve bypassing this router),
listed in rnnviz/ui/nav.py; the core in rnnviz/."""

import streamlit as st

from rnnviz.tasks.registry import TASK_NAMES, get_task
from rnnviz.ui import nav
from rnnviz.ui.identity import current_viewer
from rnnviz.ui.runtime import keep_keras_between_runs, navigation_only
from rnnviz.ui.state import keep_widget_values, session, set_widget_defaults
from rnnviz.ui.url import keep_in_url, task_in_url
from rnnviz.ui.widgets import apply_task_recipe

st.set_page_config(page_title="rnnviz", page_icon="🔁", layout="wide")
keep_keras_between_runs()
navigation_only()
keep_widget_values()
current = session()
if current.recipe_task is None:  # a fresh session (a reload, a second tab): the URL's task
    current.task = task_in_url() or current.task
if current.pending_task:  # a page asked for another task (e.g. reopening a saved run)
    st.session_state["w_task"] = current.pending_task
    current.pending_task = None
set_widget_defaults({"task": current.task})
current.task = st.sidebar.radio(
    "Task", TASK_NAMES, format_func=lambda name: get_task(name).label, key="w_task"
)
apply_task_recipe(current.task)
keep_in_url(task=current.task)  # a reload keeps the task (and so its pages)
signed_in = current_viewer().signed_in  # with a login configured, a visitor sees Home only
page = st.navigation(nav.navigation(current.task) if signed_in else [nav.pages().home])
if page.title != "Home":  # keep the first page light: it never imports TensorFlow
    from rnnviz.ui.runner import current_handle, prepare_described_run, warm_up_executor

    warm_up_executor()
    current_handle()  # reattach a run named in the URL (a reload, a second tab); keep it there
    if current.pending_task:  # the reattached run's task: the sidebar shows it at once
        st.rerun()
page.run()
if page.url_path == nav.data_page(current.task).url_path:  # the data is ready (not stopped)
    prepare_described_run(current.task)  # a worker gets ready for the recipe's run
