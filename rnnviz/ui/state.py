"""Per-browser-session state: typed accessors over ``st.session_state``.

Everything a user builds lives here, one copy per browser session (never in ``st.cache_resource``,
which all users share). Widget keys start with ``w_``; :func:`keep_widget_values` stops Streamlit
from dropping them when the user moves to a page that does not draw that widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

WIDGET_PREFIX = "w_"


def keep_widget_values() -> None:
    """Re-assign widget values each run so they survive page changes (Streamlit drops unseen ones)."""
    for key in list(st.session_state.keys()):
        if str(key).startswith(WIDGET_PREFIX):
            st.session_state[key] = st.session_state[key]


def get(name: str, default: Any = None) -> Any:
    return st.session_state.get(name, default)


def put(name: str, value: Any) -> None:
    st.session_state[name] = value


def drop(*names: str) -> None:
    for name in names:
        st.session_state.pop(name, None)


def widget(name: str, default: Any) -> Any:
    """The current value of widget ``w_<name>``, or ``default`` before it is first drawn."""
    return st.session_state.get(WIDGET_PREFIX + name, default)


def set_widget_defaults(values: dict[str, Any], overwrite: bool = False) -> None:
    """Seed widget values (keys without the prefix) so widgets need no ``value=`` argument."""
    for name, value in values.items():
        key = WIDGET_PREFIX + name
        if overwrite or key not in st.session_state:
            st.session_state[key] = value


def memo(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` for this session; a new key replaces the old value."""
    slot = st.session_state.get("_memo_" + name)
    if slot is None or slot[0] != key:
        slot = (key, compute())
        st.session_state["_memo_" + name] = slot
    return slot[1]


def require(ready: bool, message: str, page: str, label: str, icon: str) -> None:
    """Stop the page with a pointer to where the missing step is done, unless ``ready``."""
    if not ready:
        st.info(message)
        st.page_link(page, label=label, icon=icon)
        st.stop()
