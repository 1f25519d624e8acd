"""Who owns a run, and who may watch, stop or delete it (no streamlit).

Two modes. **Local mode** (no login configured): one person on this machine, so every run is
theirs and every rule here says yes. **Auth mode** (a login is configured): each run belongs to
the signed-in user who trained it, a stable id kept as ``owner`` in its ``run.json`` (the identity
provider's ``sub``, else the e-mail); a user sees, stops and deletes only their own runs, and a
visitor who has not signed in sees none. Runs saved before runs had owners, or in local mode,
belong to :data:`LOCAL_OWNER`: everyone's in local mode, no one's in auth mode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

LOCAL_OWNER = "local"  # the owner of every run in local mode, and of runs saved before owners
OWNER_KEY = "owner"  # where a run.json keeps it
REFUSAL = "This run belongs to another user."
MAX_OWNER_CHARS = 256  # an id longer than this is not an identity provider's

T = TypeVar("T")


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the app: ``auth``, whether a login is configured; ``owner_id``, the
    signed-in user's stable id (None: signed out); ``name``, how the page greets them."""

    auth: bool = False
    owner_id: str | None = LOCAL_OWNER
    name: str = ""

    @property
    def signed_in(self) -> bool:
        """Whether this viewer may use the app: always in local mode."""
        return not self.auth or self.owner_id is not None

    @property
    def owner(self) -> str:
        """The owner written into the runs this viewer trains."""
        return self.owner_id if self.auth and self.owner_id else LOCAL_OWNER


LOCAL_VIEWER = Viewer()


def viewer_from_claims(claims: Mapping[str, Any]) -> Viewer:
    """The auth-mode viewer that ``st.user``'s claims describe (signed out unless
    ``is_logged_in`` is true and the claims carry a ``sub`` or an ``email``)."""
    owner_id = owner_id_from_claims(claims)
    name = next(
        (str(claims[k]) for k in ("name", "email", "sub") if _text(claims.get(k))), owner_id or ""
    )
    return Viewer(auth=True, owner_id=owner_id, name=name if owner_id else "")


def owner_id_from_claims(claims: Mapping[str, Any]) -> str | None:
    """A signed-in user's stable id: the provider's ``sub``, else the e-mail (lower case);
    None when signed out or neither is there."""
    if claims.get("is_logged_in") is not True:
        return None
    sub, email = claims.get("sub"), claims.get("email")
    if _text(sub):
        return str(sub).strip()
    return str(email).strip().lower() if _text(email) else None


def _text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) <= MAX_OWNER_CHARS


def record_owner(data: Mapping[str, Any]) -> str:
    """The owner a ``run.json`` names; :data:`LOCAL_OWNER` when it names none (a run saved
    before runs had owners) or something that is not an id."""
    owner = data.get(OWNER_KEY)
    return owner.strip() if _text(owner) else LOCAL_OWNER


def may_view(viewer: Viewer, owner: str) -> bool:
    """Whether ``viewer`` may see (list, watch, open, export) a run of ``owner``: anyone in
    local mode; in auth mode only the signed-in user who owns it (a :data:`LOCAL_OWNER` run
    belongs to no signed-in user)."""
    if not viewer.auth:
        return True
    return viewer.owner_id is not None and owner == viewer.owner_id and owner != LOCAL_OWNER


def may_stop(viewer: Viewer, owner: str) -> bool:
    """Whether ``viewer`` may stop a run of ``owner`` that trains: its owner only."""
    return may_view(viewer, owner)


def may_delete(viewer: Viewer, owner: str) -> bool:
    """Whether ``viewer`` may delete a saved run of ``owner``: its owner only."""
    return may_view(viewer, owner)


def visible(viewer: Viewer, items: Iterable[T], owner_of: Callable[[T], str]) -> list[T]:
    """The ``items`` (runs, records, handles) ``viewer`` may see, in their order."""
    return [item for item in items if may_view(viewer, owner_of(item))]


def describe_mode(viewer: Viewer) -> str:
    """Which mode is on, in one sentence (and who is signed in)."""
    if not viewer.auth:
        return "Local mode: one person on this machine, every run is yours."
    if viewer.owner_id is None:
        return "Sign-in mode: sign in to train and to see your runs; each user sees only their own."
    return f"Signed in as {viewer.name}: you see, stop and delete only your own runs."
