"""Staff single sign-on against a real OpenID Provider (npm ``oidc-provider`` as a process,
tests/oidc_provider.py), on SQLite and PostgreSQL: code + PKCE, the ID token checked, groups
mapped to roles, the state bound to the browser and used once, a provider that is down;
signing out of an SSO session signs out at the provider too (RP-initiated logout)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from node.staff.oidc import CALLBACK_PATH, SIGNED_OUT_PATH
from tests.anvil import free_port
from tests.conftest import RunningNode, make_settings, start_node
from tests.integration.test_console import Staff, make_staff
from tests.integration.test_learners import Browser
from tests.oidc_provider import OidcProvider, forms, sign_in_with_httpx, start_oidc_provider

ORIGIN = "https://uni-a.example"
ACCOUNTS: dict[str, dict[str, object]] = {
    "tea.cher": {
        "sub": "tea.cher",
        "name": "Tea Cher",
        "email": "tea.cher@uni-a.example",
        "email_verified": True,
        "groups": ["staff-teachers", "committee-cs", "unrelated"],
    },
    "visitor": {"sub": "visitor", "name": "Vis Itor", "email": "v@x.example", "groups": ["guests"]},
}
ROLE_MAP = {"staff-teachers": ["teacher"], "committee-cs": ["committee"]}


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with start_oidc_provider(
        redirect_uris=[ORIGIN + CALLBACK_PATH],
        accounts=ACCOUNTS,
        post_logout_redirect_uris=[ORIGIN + SIGNED_OUT_PATH],
    ) as running:
        yield running


def _node(
    tmp_path: Path, database_url: str, provider: OidcProvider, issuer: str = ""
) -> RunningNode:
    settings = make_settings(
        tmp_path / "data",
        database_url,
        oidc_issuer=issuer or provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        oidc_display_name="Uni A SSO",
        oidc_scopes="openid profile email groups",
        oidc_role_map=ROLE_MAP,
    )
    return start_node(settings)


@pytest.fixture
def sso_node(tmp_path: Path, database_url: str, provider: OidcProvider) -> Iterator[RunningNode]:
    running = _node(tmp_path, database_url, provider)
    with running.client:
        yield running
    running.runtime.close()


def _start(browser: Browser) -> str:
    answer = browser.client.get("/console/sso", params={"next": "/console/registry"})
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _back(browser: Browser, callback_url: str) -> httpx.Response:
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == ORIGIN + CALLBACK_PATH
    return browser.client.get(f"{parts.path}?{parts.query}")


def test_sign_in_at_the_provider_opens_a_console_session_with_mapped_roles(
    sso_node: RunningNode, provider: OidcProvider
) -> None:
    browser = Browser(sso_node)
    form = browser.client.get("/console/sign-in?lang=en")
    assert "Sign in with Uni A SSO" in form.text
    url = _start(browser)
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(provider.issuer)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["redirect_uri"] == [ORIGIN + CALLBACK_PATH] and query["nonce"][0]
    with httpx.Client() as idp_browser:
        callback = sign_in_with_httpx(idp_browser, url, "tea.cher")
    answer = _back(browser, callback)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/registry"
    page = browser.client.get("/console/dashboard?lang=en")
    assert page.status_code == 200 and "Tea Cher" in page.text
    assert "committee, teacher" in page.text
    info = sso_node.runtime.staff().accounts.by_username("tea.cher@uni-a.example")
    assert [r.value for r in info.roles] == ["teacher", "committee"]
    assert info.single_sign_on and not info.has_password

    # The same callback again (a replayed state, a spent code): refused.
    again = _back(browser, callback)
    assert again.status_code == 401
    # A second sign-in finds the same account (by issuer and sub), none is added.
    other = Browser(sso_node, "198.51.100.20")
    with httpx.Client() as idp_browser:
        assert (
            _back(other, sign_in_with_httpx(idp_browser, _start(other), "tea.cher")).status_code
            == 303
        )
    assert [i.username for i in sso_node.runtime.staff().accounts.all()] == [
        "tea.cher@uni-a.example"
    ]


def test_a_user_whose_groups_have_no_role_is_refused(sso_node: RunningNode) -> None:
    browser = Browser(sso_node)
    with httpx.Client() as idp_browser:
        answer = _back(browser, sign_in_with_httpx(idp_browser, _start(browser), "visitor"))
    assert answer.status_code == 401
    assert "none of your groups has a role" in answer.text
    assert "credreg_staff=" not in answer.headers.get("set-cookie", "")
    assert sso_node.runtime.staff().accounts.all() == []


def test_the_state_is_bound_to_the_browser_that_started(sso_node: RunningNode) -> None:
    victim, attacker = Browser(sso_node), Browser(sso_node, "203.0.113.6")
    with httpx.Client() as idp_browser:
        callback = sign_in_with_httpx(idp_browser, _start(attacker), "tea.cher")
    answer = _back(victim, callback)  # the attacker's finished login, planted on the victim
    assert answer.status_code == 401 and "not started in this browser" in answer.text
    # Two sign-ins of one browser: the code of one with the state of the other fails.
    first, second = _start(victim), _start(victim)
    with httpx.Client() as idp_browser:
        code = parse_qs(urlsplit(sign_in_with_httpx(idp_browser, second, "tea.cher")).query)["code"]
    state = parse_qs(urlsplit(first).query)["state"][0]
    victim.client.cookies.set("credreg_sso", state, domain="testserver.local", path="/console")
    mixed = victim.client.get(CALLBACK_PATH, params={"code": code[0], "state": state})
    assert mixed.status_code == 401
    assert "did not accept the code" in mixed.text, "the PKCE verifier belongs to the other"


def test_the_provider_saying_no_is_shown(sso_node: RunningNode) -> None:
    browser = Browser(sso_node)
    state = parse_qs(urlsplit(_start(browser)).query)["state"][0]
    answer = browser.client.get(CALLBACK_PATH, params={"error": "access_denied", "state": state})
    assert answer.status_code == 401 and "access_denied" in answer.text


def test_a_provider_that_is_down_is_a_503_with_the_local_form(
    tmp_path: Path, database_url: str, provider: OidcProvider
) -> None:
    running = _node(tmp_path, database_url, provider, issuer=f"http://127.0.0.1:{free_port()}")
    with running.client:
        answer = Browser(running).client.get("/console/sso")
        assert answer.status_code == 503
        assert "cannot be reached" in answer.text and 'name="password"' in answer.text
    running.runtime.close()


def test_signing_out_ends_the_session_at_the_provider_too(
    sso_node: RunningNode, provider: OidcProvider
) -> None:
    browser = Browser(sso_node)
    with httpx.Client() as idp_browser:
        assert (
            _back(browser, sign_in_with_httpx(idp_browser, _start(browser), "tea.cher")).status_code
            == 303
        )
        page = browser.client.get("/console/dashboard?lang=en")
        out = browser.client.post("/console/sign-out", data={"csrf": browser.csrf(page.text)})
        assert out.status_code == 303
        logout = out.headers["location"]
        query = parse_qs(urlsplit(logout).query)
        assert logout.startswith(provider.issuer)
        assert query["client_id"] == [provider.client_id]
        assert query["post_logout_redirect_uri"] == [ORIGIN + SIGNED_OUT_PATH]
        assert browser.client.get("/console/dashboard").status_code == 303  # ended here
        # At the provider: its confirmation page, then back to the console's sign-in.
        confirm = idp_browser.get(logout)
        assert confirm.status_code == 200, confirm.text
        form = next(f for f in forms(confirm.text) if "xsrf" in f.fields)
        done = idp_browser.post(
            urljoin(str(confirm.url), form.action),
            data={**form.fields, "logout": "yes"},
            follow_redirects=False,
        )
        assert done.status_code in (302, 303), done.text
        assert done.headers["location"].startswith(ORIGIN + SIGNED_OUT_PATH)
        # The provider's session is gone: a new sign-in asks for the login again.
        asked = idp_browser.get(_start(Browser(sso_node, "198.51.100.30")), follow_redirects=True)
        assert any(f.fields.get("prompt") == "login" for f in forms(asked.text)), asked.text


def test_a_password_session_signs_out_here_only(sso_node: RunningNode) -> None:
    make_staff(sso_node, "loc.al")
    browser = Staff(sso_node, "198.51.100.31")
    assert browser.enrol("loc.al").status_code == 303
    page = browser.client.get("/console/dashboard?lang=en")
    out = browser.client.post("/console/sign-out", data={"csrf": browser.csrf(page.text)})
    assert out.headers["location"] == "/console/sign-in?lang=en"
