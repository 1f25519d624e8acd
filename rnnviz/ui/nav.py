"""The app's pages as ``st.Page`` objects, built from the task registry once per session; pages
link to these.

Per session, not per process: ``st.navigation`` marks the page it returns as callable and
running the page clears the mark, so page objects shared by sessions race (one session's run
clears the mark another session's navigation has just set: "This page cannot be called
directly", seen with eight sessions clicking Train at once)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from rnnviz.tasks.registry import TASKS, get_task


@dataclass(frozen=True)
class Pages:
    home: StreamlitPage
    build: StreamlitPage
    train: StreamlitPage
    compare: StreamlitPage
    runs: StreamlitPage
    data: dict[str, StreamlitPage]  # per task
    inspect: dict[str, StreamlitPage]  # per task


SESSION_KEY = "_rnnviz_pages"  # this session's Pages in st.session_state


def pages() -> Pages:
    """Every page of the app (the task pages come from the registry), this session's objects."""
    built = st.session_state.get(SESSION_KEY)
    if built is None:
        built = st.session_state[SESSION_KEY] = build_pages()
    return built


def build_pages() -> Pages:
    """A fresh set of page objects (st.Page needs a script run)."""
    data_icon, inspect_icon = ":material/show_chart:", ":material/search:"
    return Pages(
        home=st.Page("pages/common/home.py", title="Home", icon=":material/home:", default=True),
        build=st.Page("pages/common/build.py", title="Build", icon=":material/construction:"),
        train=st.Page("pages/common/train.py", title="Train", icon=":material/model_training:"),
        compare=st.Page(
            "pages/common/compare.py", title="Compare", icon=":material/compare_arrows:"
        ),
        runs=st.Page("pages/common/runs.py", title="Runs", icon=":material/history:"),
        data={
            name: st.Page(task.data_page, title="Data", icon=data_icon, url_path=f"{name}_data")
            for name, task in TASKS.items()
        },
        inspect={
            name: st.Page(
                task.inspect_page, title="Inspect", icon=inspect_icon, url_path=f"{name}_inspect"
            )
            for name, task in TASKS.items()
        },
    )


def navigation(task: str) -> list[StreamlitPage]:
    """The pages shown in the sidebar for ``task``, in the order of the workflow."""
    p = pages()
    get_task(task)  # an unknown task is an error, not an empty page
    return [p.home, p.data[task], p.build, p.train, p.inspect[task], p.compare, p.runs]


def data_page(task: str) -> StreamlitPage:
    return pages().data[task]


def inspect_page(task: str) -> StreamlitPage:
    return pages().inspect[task]
