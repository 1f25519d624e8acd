"""What the page's URL keeps for a reload or a second tab: the task (``?task=``) and the run
(``?run=``). Streamlit drops the query string on a page change, so the app sets them again on
every page; a fresh session (a reload, a second tab) reads them back."""

from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from rnnviz.tasks.registry import TASK_NAMES

TASK_KEY = "task"
RUN_KEY = "run"


def keep_in_url(**params: str) -> None:
    """Put ``params`` in the URL's query string, sending only those that changed."""
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def drop_from_url(key: str) -> None:
    """Take ``key`` out of the URL's query string (e.g. a refused ``?run=``)."""
    if key in st.query_params:
        del st.query_params[key]


def task_in_url() -> str | None:
    """The task the URL names: ``?task=``, else a task page's path (``/sentiment_inspect``:
    a typed or bookmarked page URL opens that task); None when it names no known task."""
    name = st.query_params.get(TASK_KEY)
    if name in TASK_NAMES:
        return name
    page = urlsplit(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    task, _, kind = page.rpartition("_")
    return task if kind in ("data", "inspect") and task in TASK_NAMES else None


def run_in_url() -> str | None:
    """The run id the URL names, or None."""
    return st.query_params.get(RUN_KEY) or None
