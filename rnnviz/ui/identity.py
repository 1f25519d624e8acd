"""The current user: Streamlit's login (``st.user``) and the secrets' ``[auth]`` section turned
into a :class:`~rnnviz.train.owners.Viewer`, and the Sign in / Sign out buttons.

Auth mode is on when the app's secrets (``.streamlit/secrets.toml`` or the deployment's) have an
``[auth]`` section; otherwise the app is in local mode and everyone is :data:`LOCAL_VIEWER`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from rnnviz.common.safe import plain
from rnnviz.train.owners import LOCAL_VIEWER, Viewer, describe_mode, viewer_from_claims

AUTH_SECTION = "auth"


def auth_settings() -> Mapping[str, Any] | None:
    """The secrets' ``[auth]`` section, or None (local mode)."""
    try:
        section = st.secrets.get(AUTH_SECTION)
    except FileNotFoundError:  # no secrets file at all (or one that cannot be read)
        return None
    return section if isinstance(section, Mapping) else None


def current_viewer() -> Viewer:
    """Who is using this session: :data:`LOCAL_VIEWER` in local mode, else the signed-in user
    (signed out until ``st.login`` has brought them back)."""
    if auth_settings() is None:
        return LOCAL_VIEWER
    return viewer_from_claims(st.user.to_dict())


def login_providers(settings: Mapping[str, Any]) -> list[str | None]:
    """The providers to offer a button for: None for the ``[auth]`` section's own (it names a
    ``client_id``), then each ``[auth.<name>]`` section; [None] when there is neither (the
    click then says what is missing)."""
    named = [name for name, value in settings.items() if isinstance(value, Mapping)]
    own = [None] if "client_id" in settings or not named else []
    return [*own, *named]


def sign_in_buttons() -> None:
    """One Sign in button per configured provider; a broken configuration is said plainly."""
    settings = auth_settings() or {}
    for provider in login_providers(settings):
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, type="primary", key=f"sign_in_{provider or 'default'}"):
            try:
                st.login(provider)
            except StreamlitAPIException as error:  # e.g. redirect_uri missing from [auth]
                st.error(plain(f"Signing in is not set up correctly here: {error}"))


def sign_out_button() -> None:
    st.button("Sign out", key="sign_out", on_click=st.logout)


def account_panel() -> bool:
    """Home's line on which mode is on (and who is signed in) with Sign out, or Sign in for a
    visitor; whether the viewer may use the app."""
    viewer = current_viewer()
    st.info(plain(describe_mode(viewer)))
    if viewer.auth:
        (sign_out_button if viewer.signed_in else sign_in_buttons)()
    return viewer.signed_in
