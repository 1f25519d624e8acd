"""Shared runs (issue 22 §6): local mode as before; with an ``[auth]`` secrets section, a signed-out
visitor sees Home and Sign in only, a signed-in user lists, opens, stops and deletes only their
own runs, and another user's ``?run=`` is refused on Train, Inspect and Compare."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from rnnviz.service import executor
from rnnviz.train.owners import REFUSAL
from rnnviz.train.runs import RunStore
from tests.pages.helpers import APP, TIMEOUT, open_page, session
from tests.pages.test_keepdata_pages import upload
from tests.pages.test_stale_state import held, sequence_run  # noqa: F401 - held: a fixture

OLD_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_house"
AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8631/oauth2callback",
        "cookie_secret": "test-only-not-a-secret",
        "client_id": "rnnviz",
        "client_secret": "test-only",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}
ALICE = {"is_logged_in": True, "sub": "alice-sub", "email": "alice@example.org", "name": "Alice"}
BOB = {"is_logged_in": True, "sub": "bob-sub", "email": "bob@example.org", "name": "Bob"}
# The saved runs of the store made before the house move, one per task, given owners here.
OWNERS = {
    "20261203-184440-a214": "alice-sub",  # forecast
    "20261203-184624-ef7f": "bob-sub",  # sentiment
    "20261203-184711-1059": "alice-sub",  # sequences
    "20261203-184743-eca3": None,  # generation: no owner (saved before owners): "local"
}


@pytest.fixture
def shared_store(tmp_path, monkeypatch) -> RunStore:
    """The old store with owners written in (and a damaged folder), where the app saves."""
    root = tmp_path / "runs"
    shutil.copytree(OLD_STORE, root, ignore=shutil.ignore_patterns("*.md"))
    for run_id, owner in OWNERS.items():
        if owner is not None:
            path = root / run_id / "run.json"
            path.write_text(json.dumps({**json.loads(path.read_text()), "owner": owner}))
    (root / "20990101-000000-dead").mkdir()
    (root / "20990101-000000-dead" / "run.json").write_text("{ half written")
    monkeypatch.setenv("RNNVIZ_RUNS_DIR", str(root))
    return RunStore(root)


def app(user: dict | None, auth: bool = True) -> AppTest:
    """A fresh session, with a login configured (``auth``) and ``user`` as ``st.user``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if auth:
        at.secrets = AUTH
    at.user = dict(user) if user is not None else {"is_logged_in": False}
    return at


def values(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")  # Markdown escapes


def listed_runs(at: AppTest) -> list[str]:
    return sorted(at.dataframe[0].value["id"]) if at.dataframe else []


def test_local_mode_is_said_and_every_run_is_listed_and_deletable(shared_store):
    at = app({"email": "test@example.com"}, auth=False)  # AppTest's default st.user
    at.run()
    assert "Local mode: one person on this machine, every run is yours." in values(at.info)
    assert not [b for b in at.button if b.label.startswith("Sign")]
    assert [link for link in at.get("page_link") if "Start with the data" in link.proto.label]
    at = open_page("pages/common/runs.py", at)
    assert listed_runs(at) == sorted(OWNERS)  # everyone's, and the runs without an owner
    assert "damaged" in values(at.warning)  # the one person may clear damaged folders
    chosen = at.selectbox(key="w_run").value
    at.button(key="run_delete").click().run()
    assert chosen not in [r.run_id for r in shared_store.list()]


def test_a_signed_out_visitor_sees_home_and_sign_in_only(shared_store, monkeypatch):
    at = app(None)
    at.run()
    assert not at.exception
    assert "sign in to train and to see your runs" in values(at.info)
    assert not [link for link in at.get("page_link") if "Start with the data" in link.proto.label]
    for page in ("pages/common/runs.py", "pages/common/train.py", "pages/forecast/data.py"):
        with pytest.raises(ValueError, match="Known pages: \\['[^,]*home.py'\\]"):
            at.switch_page(page)  # not in the navigation: Home is all there is
    asked = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: asked.append(provider))
    at.button(key="sign_in_default").click().run()
    assert asked == [None]  # the [auth] section's own provider


def test_a_broken_login_set_up_is_said_not_raised(shared_store):
    at = app(None)
    at.run()
    at.button(key="sign_in_default").click().run()  # st.login reads the server's own secrets
    assert not at.exception
    assert "Signing in is not set up correctly here" in values(at.error)


def test_one_button_per_named_provider(shared_store, monkeypatch):
    at = app(None)
    google = {k: v for k, v in AUTH["auth"].items() if k.startswith("client")}
    at.secrets = {"auth": {"redirect_uri": "x", "cookie_secret": "y", "google": google}}
    at.run()
    assert [b.label for b in at.button] == ["Sign in with google"]
    asked = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: asked.append(provider))
    at.button(key="sign_in_google").click().run()
    assert asked == ["google"]


def test_a_signed_in_user_lists_opens_and_deletes_only_their_runs(shared_store):
    at = app(ALICE)
    at.run()
    assert "Signed in as Alice: you see, stop and delete only your own runs." in values(at.info)
    assert [b.label for b in at.button] == ["Sign out"]
    at = open_page("pages/common/runs.py", at)
    mine = sorted(run_id for run_id, owner in OWNERS.items() if owner == "alice-sub")
    assert listed_runs(at) == mine
    assert sorted(at.selectbox(key="w_run").options) == sorted(
        f"{run_id} - {r.dataset}, {r.label}" for run_id in mine for r in [shared_store.get(run_id)]
    )
    assert "damaged" not in values(at.warning)  # a folder with no owner to read: not offered
    assert "Only your own runs are listed." in values(at.caption)
    at.selectbox(key="w_run").set_value(mine[0]).run()
    at.button(key="run_open").click().run()  # her own run reopens in Inspect
    assert not at.exception and session(at).job.record.run_id == mine[0]
    at = open_page("pages/common/runs.py", at)
    at.selectbox(key="w_run").set_value(mine[0]).run()
    at.button(key="run_delete").click().run()
    assert sorted(r.run_id for r in shared_store.list()) == sorted(set(OWNERS) - {mine[0]})

    at = open_page("pages/common/runs.py", app(BOB))
    assert listed_runs(at) == ["20261203-184624-ef7f"]
    at = open_page("pages/common/runs.py", app({**BOB, "sub": "carol-sub"}))
    assert listed_runs(at) == [] and "No saved runs yet" in values(at.info)


def test_signing_out_leads_back_to_sign_in(shared_store):
    at = app(ALICE)
    at.run()
    at.button(key="sign_out").click().run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "sign in to train" in values(at.info)


@pytest.mark.parametrize(
    "page", ["pages/common/train.py", "pages/sequences/inspect.py", "pages/common/compare.py"]
)
def test_another_users_run_url_is_refused_politely(held, shared_store, page):  # noqa: F811
    handle = sequence_run(held, "bob-sub")
    at = app(ALICE)
    at.query_params.update(run=handle.id, task="sequences")
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    assert REFUSAL in values(at.warning)
    assert session(at).run_handle is None  # not reattached: no chart, no Stop of it
    assert "run" not in at.query_params
    if page.endswith("train.py"):
        assert "reattached to its run" not in values(at.caption) and not at.get("progress")
        assert not [b for b in at.button if b.label.startswith("Stop")]
    assert not handle.stop_requested
    handle.stop()


def test_the_owner_reattaches_to_their_run_and_may_stop_it(held, shared_store):  # noqa: F811
    handle = sequence_run(held, "alice-sub")
    at = app(ALICE)
    at.query_params.update(run=handle.id)
    at.run()
    at.switch_page("pages/common/train.py").run()
    assert not at.exception and REFUSAL not in values(at.warning)
    assert session(at).run_handle is handle and "reattached to its run" in values(at.caption)
    at.button(key="stop").click().run()
    assert handle.stop_requested


def test_in_local_mode_any_run_url_reattaches(held, shared_store):  # noqa: F811
    handle = sequence_run(held, "bob-sub")  # a run with an owner, opened with the login off
    at = app({}, auth=False)
    at.query_params.update(run=handle.id)
    at.run()
    at.switch_page("pages/common/train.py").run()
    assert not at.exception and REFUSAL not in values(at.warning)
    assert session(at).run_handle is handle
    handle.stop()


def test_a_run_trained_while_signed_in_is_its_users(held, shared_store, data_ready):  # noqa: F811
    at = data_ready
    at.secrets, at.user = AUTH, dict(ALICE)
    at = open_page("pages/common/build.py", at)
    at = open_page("pages/common/train.py", at)
    at.button(key="train").click().run()
    assert not at.exception
    assert session(at).run_handle.request.owner == "alice-sub"
    session(at).run_handle.stop()


def test_compared_variants_are_the_users(held, shared_store, data_ready, monkeypatch):  # noqa: F811
    monkeypatch.setattr(executor, "default_executor", lambda: held)  # Compare's own import
    at = data_ready
    at.secrets, at.user = AUTH, dict(ALICE)
    at = open_page("pages/common/build.py", at)
    at = open_page("pages/common/compare.py", at)
    at.multiselect(key="w_cmp_cells").set_value(["GRU"]).run()
    at.button(key="compare").click().run()
    assert not at.exception
    comparison = session(at).comparison
    deadline = time.monotonic() + 30
    while not comparison.handles and time.monotonic() < deadline:
        time.sleep(0.05)  # the comparison submits from its own thread
    assert [h.request.owner for h in comparison.handles] == ["alice-sub"]
    comparison.stop()


SALES_CSV = (  # the upload the old store's forecast run (Alice's here) was trained on
    "month;value\n"
    + "\n".join(
        f"01.{m % 12 + 1:02d}.{1990 + m // 12};{100 + m + (m % 12) * 3},5" for m in range(72)
    )
).encode()


@pytest.mark.parametrize(
    ("user", "auth", "named"),
    [(ALICE, True, True), (BOB, True, False), ({}, False, True)],
)
def test_the_same_data_note_names_only_the_viewers_runs(shared_store, user, auth, named):
    at = app(user, auth)
    at.run()
    at = open_page("pages/forecast/data.py", at)
    at.radio(key="w_data_source").set_value("Upload a CSV").run()
    at = upload(at, "sales again.csv", SALES_CSV)
    assert not at.exception
    note = "Same data as run 20261203-184440-a214"
    assert (note in values(at.caption)) is named, values(at.caption)
