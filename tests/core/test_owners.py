"""Run owners: who a signed-in user is, who may watch, stop or delete a run, what Runs lists, and
the owner a run keeps in its run.json (old runs without one belong to "local")."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from functools import partial
from pathlib import Path

import pytest

from rnnviz.service import worker
from rnnviz.train.owners import (
    LOCAL_OWNER,
    LOCAL_VIEWER,
    Viewer,
    describe_mode,
    may_delete,
    may_stop,
    may_view,
    owner_id_from_claims,
    record_owner,
    viewer_from_claims,
    visible,
)
from rnnviz.train.runs import RunStore
from tests.core.test_executor import request
from tests.core.test_runs import model, save  # noqa: F401 - model: the module's tiny saved model

OLD_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_house"
ALICE = Viewer(auth=True, owner_id="google-oauth2|alice", name="Alice")
BOB = Viewer(auth=True, owner_id="bob@example.org", name="bob@example.org")
SIGNED_OUT = Viewer(auth=True, owner_id=None)
RULES = (may_view, may_stop, may_delete)


def test_the_stable_id_is_sub_then_email_and_only_when_logged_in():
    signed = {"is_logged_in": True, "sub": " 1234 ", "email": "A@X.org", "name": "Ann"}
    assert owner_id_from_claims(signed) == "1234"
    assert owner_id_from_claims({**signed, "sub": ""}) == "a@x.org"  # no sub: the e-mail
    assert owner_id_from_claims({**signed, "sub": None, "email": None}) is None
    assert owner_id_from_claims({**signed, "sub": "x" * 300, "email": None}) is None
    assert owner_id_from_claims({**signed, "is_logged_in": False}) is None
    assert owner_id_from_claims({**signed, "is_logged_in": "true"}) is None  # True, not text
    assert owner_id_from_claims({"email": "test@example.com"}) is None  # st.user, no login
    assert viewer_from_claims(signed) == Viewer(auth=True, owner_id="1234", name="Ann")
    assert viewer_from_claims({**signed, "name": ""}).name == "A@X.org"
    assert viewer_from_claims({}) == SIGNED_OUT and not SIGNED_OUT.signed_in


@pytest.mark.parametrize("rule", RULES)
def test_local_mode_lets_the_one_person_do_everything(rule):
    assert LOCAL_VIEWER.signed_in and LOCAL_VIEWER.owner == LOCAL_OWNER
    for owner in (LOCAL_OWNER, ALICE.owner_id, "anyone"):
        assert rule(LOCAL_VIEWER, owner)


@pytest.mark.parametrize("rule", RULES)
def test_auth_mode_lets_only_the_owner_watch_stop_and_delete(rule):
    assert rule(ALICE, ALICE.owner_id) and rule(BOB, BOB.owner_id)
    assert not rule(ALICE, BOB.owner_id) and not rule(BOB, ALICE.owner_id)
    assert not rule(ALICE, LOCAL_OWNER)  # a run from before the login belongs to no user
    assert not rule(Viewer(auth=True, owner_id=LOCAL_OWNER), LOCAL_OWNER)  # even a "local" sub
    assert not any(rule(SIGNED_OUT, owner) for owner in (LOCAL_OWNER, ALICE.owner_id, ""))


def test_a_listing_keeps_the_viewers_runs_in_order():
    runs = [("r1", "bob@example.org"), ("r2", ALICE.owner_id), ("r3", LOCAL_OWNER), ("r4", "x")]
    runs.append(("r5", ALICE.owner_id))
    assert visible(ALICE, runs, lambda run: run[1]) == [runs[1], runs[4]]
    assert visible(BOB, runs, lambda run: run[1]) == [runs[0]]
    assert visible(SIGNED_OUT, runs, lambda run: run[1]) == []
    assert visible(LOCAL_VIEWER, runs, lambda run: run[1]) == runs


def test_the_mode_is_said_in_one_sentence():
    assert describe_mode(LOCAL_VIEWER).startswith("Local mode: one person on this machine")
    assert describe_mode(ALICE).startswith("Signed in as Alice:")
    assert "sign in to train" in describe_mode(SIGNED_OUT)
    assert ALICE.owner == ALICE.owner_id and SIGNED_OUT.owner == LOCAL_OWNER


def test_a_record_names_its_owner_or_local():
    assert record_owner({"owner": "bob@example.org"}) == "bob@example.org"
    for data in ({}, {"owner": None}, {"owner": ""}, {"owner": 7}, {"owner": ["a"]}):
        assert record_owner(data) == LOCAL_OWNER


def test_the_owner_is_saved_listed_and_kept_by_a_copy(tmp_path, model):  # noqa: F811
    store = RunStore(tmp_path)
    mine = save(store, model, owner=ALICE.owner_id)
    theirs = save(store, model)  # no owner given: local
    assert json.loads((mine.path / "run.json").read_text())["owner"] == ALICE.owner_id
    owners = {r.run_id: r.owner for r in store.list()}
    assert owners == {mine.run_id: ALICE.owner_id, theirs.run_id: LOCAL_OWNER}
    assert store.get(mine.run_id) == mine
    assert [r.run_id for r in visible(ALICE, store.list(), lambda r: r.owner)] == [mine.run_id]
    table = store.table(visible(ALICE, store.list(), lambda r: r.owner))
    assert list(table["id"]) == [mine.run_id]
    assert len(store.table()) == 2


def test_runs_saved_before_owners_belong_to_local_and_still_open(tmp_path):
    copy = tmp_path / "runs"
    shutil.copytree(OLD_STORE, copy, ignore=shutil.ignore_patterns("*.md"))
    store = RunStore(copy)
    records = store.list()
    assert len(records) == 4 and {r.owner for r in records} == {LOCAL_OWNER}
    assert all("owner" not in json.loads((r.path / "run.json").read_text()) for r in records)
    assert visible(LOCAL_VIEWER, records, lambda r: r.owner) == records
    assert visible(ALICE, records, lambda r: r.owner) == []


@pytest.mark.parametrize("return_files", [False, True])
def test_a_worker_saves_the_run_as_its_requesters(tmp_path, return_files):
    asked = dataclasses.replace(
        request(tmp_path, epochs=1, n=60), owner=BOB.owner_id, return_files=return_files
    )
    result = worker.execute(asked, lambda message: None, lambda: False)
    assert not result.error and not result.save_error
    if return_files:  # a Ray worker's run, as the server adopts it
        record = RunStore(tmp_path).adopt(result.files)
        assert json.loads(result.files["run.json"])["owner"] == BOB.owner_id
    else:
        record = RunStore(tmp_path).get(result.run_id)
    assert record.owner == BOB.owner_id


def test_runs_on_the_same_data_are_named_to_their_owner_only(tmp_path):
    copy = tmp_path / "runs"
    shutil.copytree(OLD_STORE, copy, ignore=shutil.ignore_patterns("*.md"))
    store = RunStore(copy)
    forecast = next(r for r in store.list() if r.task == "forecast")
    sha = forecast.data_config["stored_data"]["sha"]
    record = json.loads((forecast.path / "run.json").read_text())
    (forecast.path / "run.json").write_text(json.dumps({**record, "owner": ALICE.owner_id}))
    assert store.runs_with_data(sha) == [forecast.run_id]  # everyone's, as before
    assert store.runs_with_data(sha, partial(may_view, ALICE)) == [forecast.run_id]
    assert store.runs_with_data(sha, partial(may_view, BOB)) == []
    assert store.runs_with_data(sha, partial(may_view, LOCAL_VIEWER)) == [forecast.run_id]
    assert store.collect_data() == []  # every kept file is still referenced


def test_the_repository_keeps_no_secrets_file():
    root = Path(__file__).resolve().parents[2]
    assert ".streamlit/secrets.toml" in (root / ".gitignore").read_text().split()
    if shutil.which("git") and (root / ".git").exists():
        tracked = subprocess.run(
            ["git", "ls-files", ".streamlit"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.split()
        assert tracked == [".streamlit/config.toml"]
