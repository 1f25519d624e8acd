"""Per-browser-session state: one typed :class:`Session` in ``st.session_state``, plus widget helpers.

Everything a user builds lives in the session object, one per browser session (never in
``st.cache_resource``, which all users share). Widget values keep their own ``w_``-prefixed keys
(Streamlit needs those); :func:`keep_widget_values` stops Streamlit from dropping them when the user
moves to a page that does not draw that widget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import streamlit as st

if TYPE_CHECKING:
    from streamlit.navigation.page import StreamlitPage

    from rnnviz.model.spec import ModelSpec
    from rnnviz.service.compare import Comparison
    from rnnviz.service.executor import RunHandle
    from rnnviz.tasks.base import Job

WIDGET_PREFIX = "w_"
SESSION_KEY = "rnnviz"
KEPT_KEY = "rnnviz_widget_values"  # the copy of the widget values (see keep_widget_values)


@dataclass(frozen=True, eq=False)
class KeptUpload:
    """A file the user uploaded, kept in the session: the Data page reads it again on return
    (Streamlit's uploader is empty then). Reads like Streamlit's ``UploadedFile``."""

    name: str
    raw: bytes

    def getvalue(self) -> bytes:
        return self.raw


@dataclass(eq=False)
class Session:
    """What one browser session holds between script runs (a page test can seed any of it)."""

    task: str = "forecast"  # the task chosen in the sidebar
    pending_task: str | None = None  # a page asked for another task (e.g. reopening a saved run)
    recipe_task: str | None = None  # the task whose default recipe the controls were set to
    data: dict[str, Any] = field(default_factory=dict)  # per task: what its job factory takes
    defaults_for: dict[str, Hashable] = field(default_factory=dict)  # per data page: the data whose
    # recommended settings were applied (a new choice of data applies them again)
    imdb_loaded: bool = False  # the user asked for IMDB once (it downloads)
    uploads: dict[str, KeptUpload] = field(default_factory=dict)  # per uploader: its last file
    model_spec: ModelSpec | None = None  # the model built on the Build page ...
    model_task: str | None = None  # ... and the task it was built for
    built_controls: ModelSpec | None = None  # ... and what the Build controls said then
    job: Job | None = None  # the latest trained job (or a reopened run), loaded from the store
    run_handle: RunHandle | None = None  # this session's run in the executor (it trains there)
    collected: RunHandle | None = None  # the run whose end was already collected ...
    collecting: threading.Lock = field(default_factory=threading.Lock)  # ... held while loading it
    # (a page change starts the next page's run before the stopped one has finished loading)
    job_from: RunHandle | None = None  # ... and the run ``job`` was loaded from
    collect_error: str = ""  # why the finished run could not be loaded
    analysis: RunHandle | None = None  # an Inspect page's analysis run (e.g. a backtest) ...
    analysis_for: Job | None = None  # ... and the job it studies
    comparison: Comparison | None = None
    cache: dict[str, tuple[Hashable, Any]] = field(default_factory=dict)  # see memo()
    throttled: dict[str, tuple[tuple[Hashable, Hashable], float, Any]] = field(
        default_factory=dict
    )  # see memo_every()

    def task_data(self, task: str | None = None) -> Any:
        """The data prepared on the Data page of ``task`` (default: the current task), or None."""
        return self.data.get(task or self.task)

    def built_spec(self) -> ModelSpec | None:
        """The spec built for the current task (None until Build ran on this task)."""
        return self.model_spec if self.model_task == self.task else None

    def memo(self, name: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per content ``key``; a new key replaces the old value."""
        slot = self.cache.get(name)
        if slot is None or slot[0] != key:
            slot = (key, compute())
            self.cache[name] = slot
        return slot[1]

    def memo_every(
        self,
        name: str,
        key: Hashable,
        version: Hashable,
        seconds: float,
        compute: Callable[[], Any],
    ) -> Any:
        """``compute()`` again when ``key`` changes, or when ``version`` changes and ``seconds``
        have passed since the last computation (a live figure redrawn at most that often: the
        browser redraws a changed figure, an identical one costs it nothing)."""
        slot, now = self.throttled.get(name), time.monotonic()
        if slot is not None:
            (old_key, old_version), at, value = slot
            if old_key == key and (old_version == version or now - at < seconds):
                return value
        value = compute()
        self.throttled[name] = ((key, version), now, value)
        return value


def session() -> Session:
    """This browser session's :class:`Session` (created on first use)."""
    current = st.session_state.get(SESSION_KEY)
    if not isinstance(current, Session):
        current = Session()
        st.session_state[SESSION_KEY] = current
    return current


def keep_widget_values() -> None:
    """Make every ``w_`` widget value survive any navigation (call first in every full run).

    Streamlit drops the value of a widget that a run does not draw, and re-assigning the values
    each run was not enough: Streamlit also keeps the value a key was first seeded with and
    returns it once the widget's own entry is dropped, which the page change after a fragment run
    (the Train page's live panel) did; the Data page then read 1/1/1/1 and Train's epochs went
    back to the recipe's. So each value is deleted and set afresh (no stale copy stays behind)
    and also kept in a plain dict that Streamlit never cleans, which puts back any value lost.
    """
    kept: dict[str, Any] = st.session_state.setdefault(KEPT_KEY, {})
    for key in list(st.session_state.keys()):
        if str(key).startswith(WIDGET_PREFIX):
            kept[key] = st.session_state[key]  # the newest value: the user's or set by a page
    for key, value in kept.items():
        if key in st.session_state:
            del st.session_state[key]  # drops the stale seeded copy along with the entry
        st.session_state[key] = value


def set_widget_defaults(values: dict[str, Any], overwrite: bool = False) -> None:
    """Seed widget values (keys without the prefix) so widgets need no ``value=`` argument."""
    for name, value in values.items():
        key = WIDGET_PREFIX + name
        if overwrite or key not in st.session_state:
            st.session_state[key] = value


def require(ready: bool, message: str, page: StreamlitPage, label: str, icon: str) -> None:
    """Stop the page with a pointer to where the missing step is done, unless ``ready``."""
    if not ready:
        st.info(message)
        st.page_link(page, label=label, icon=icon)
        st.stop()
