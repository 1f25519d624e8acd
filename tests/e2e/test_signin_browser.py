"""Sign-in with a real OpenID Connect round trip (issue 22 §6 "Shared runs"), in Chromium: the app
started by ``make run`` with an ``[auth]`` section pointing at a tiny local provider
(tests/e2e/oidc.py). A visitor sees Home and Sign in only; Alice and Bob sign in through the
provider's page, each lists only their own saved runs, Bob's browser opening Alice's ``?run=``
URL while it trains is refused, Alice stops her run and signs out.

Screenshots: artifacts/screenshots/signin_*.png.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import _require_chromium, new_page
from tests.e2e.oidc import Provider
from tests.e2e.test_browser import PAGE_TIMEOUT, go_to, no_exception, settle, shoot
from tests.e2e.test_worker_kill import airline_train_page, wait_for_epoch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from _serve import ServerDidNotStart, free_port, make_run  # noqa: E402

OLD_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "store_before_house"
OWNERS = {  # the old store's runs, given owners: Alice's forecast and sequences, Bob's sentiment
    "20261203-184440-a214": "sub-alice",
    "20261203-184624-ef7f": "sub-bob",
    "20261203-184711-1059": "sub-alice",
}
NO_OWNER = "20261203-184743-eca3"  # saved before owners: no one's with the login on
CLIENT_ID, CLIENT_SECRET = "rnnviz", "test-only-secret"


@pytest.fixture(scope="module")
def signin_app(tmp_path_factory: pytest.TempPathFactory):
    """(app URL, provider): the app with a login configured through a secrets file in a
    temporary HOME (never the repository's .streamlit/), on a store of owned runs."""
    _require_chromium()
    provider = Provider(CLIENT_ID, CLIENT_SECRET)
    port = int(os.environ.get("RNNVIZ_SIGNIN_PORT") or free_port())  # a fixed one if asked
    home = tmp_path_factory.mktemp("home")
    (home / ".streamlit").mkdir()
    (home / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "test-only-cookie-secret-0123456789"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n'
    )
    runs = tmp_path_factory.mktemp("signin") / "runs"
    shutil.copytree(OLD_STORE, runs, ignore=shutil.ignore_patterns("*.md"))
    for run_id, owner in OWNERS.items():
        path = runs / run_id / "run.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), "owner": owner}))
    try:
        with make_run(runs, port=port, env={"HOME": str(home)}) as (_, url):
            yield url, provider
    except ServerDidNotStart as error:
        pytest.fail(str(error))
    finally:
        provider.close()


@pytest.fixture
def page(browser):
    """Alice's browser (its own context, so its own cookies; not the shared app's page)."""
    yield from new_page(browser)


@pytest.fixture
def second_page(browser):
    """Bob's browser."""
    yield from new_page(browser)


def sign_in(page: Page, url: str, user: str) -> None:
    """Sign in through the provider's page as ``user``; back on Home, signed in."""
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("User").fill(user)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text(f"Signed in as {user.title()}")).to_be_visible(timeout=PAGE_TIMEOUT)
    settle(page)


def listed_runs(page: Page) -> list[str]:
    """The run ids the Runs page's picker offers."""
    go_to(page, "Runs")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Run").first.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return sorted(text.split(" - ")[0] for text in options)


def test_sign_in_round_trip_keeps_runs_apart(
    signin_app, page: Page, second_page: Page, screenshots: Path
):
    url, provider = signin_app
    page.goto(f"{url}/runs")  # a visitor: Home and Sign in, whatever the URL
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=PAGE_TIMEOUT)
    expect(page.get_by_text("sign in to train and to see your runs")).to_be_visible()
    expect(page.locator("h1", has_text="Runs")).to_have_count(0)
    expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)  # Home only
    shoot(page, screenshots, "signin_visitor.png")

    sign_in(page, url, "alice")
    assert provider.tokens_issued == 1
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shoot(page, screenshots, "signin_alice_home.png")
    assert listed_runs(page) == sorted(k for k, v in OWNERS.items() if v == "sub-alice")
    no_exception(page, "Alice's Runs")
    shoot(page, screenshots, "signin_alice_runs.png")

    sign_in(second_page, url, "bob")
    assert listed_runs(second_page) == ["20261203-184624-ef7f"]  # not NO_OWNER's, not Alice's

    airline_train_page(page, url, epochs=500)  # Alice trains; Bob opens her run's URL
    page.get_by_role("button", name="Train", exact=True).click()
    wait_for_epoch(page, 1)
    run_id = parse_qs(urlsplit(page.url).query)["run"][0]
    second_page.goto(f"{url}/train?task=forecast&run={run_id}")
    expect(second_page.get_by_text("This run belongs to another user.")).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    settle(second_page)
    expect(second_page.get_by_text("reattached to its run")).to_have_count(0)
    expect(second_page.get_by_text(re.compile(r"Epoch \d+/500"))).to_have_count(0)
    assert "run=" not in second_page.url
    shoot(second_page, screenshots, "signin_bob_refused.png")

    page.get_by_role("button", name="Stop", exact=True).click()  # the owner may stop it
    expect(page.get_by_text(re.compile(r"Stopped after \d+ epoch"))).to_be_visible(
        timeout=PAGE_TIMEOUT
    )
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Home").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=PAGE_TIMEOUT)
    no_exception(page, "signed out")
