"""Login CSRF, on SQLite and PostgreSQL: the sign-in forms' double-submit token is signed
with the node's form secret, expires, and is refused when the browser says the post came
from another site's page; the secret is one file shared by every worker of the node."""

from __future__ import annotations

import re
import stat
import time
from typing import Any

from fastapi.testclient import TestClient

from node.app import create_app
from node.learners.csrf import FORM_COOKIE, SECRET_FILE, FormTokens
from tests.conftest import RunningNode, memory_keys
from tests.integration.test_learners import PASSWORD, Browser, provision, record

ATTACKER = "attacker@example.org"


def _planted(node: RunningNode, token: str) -> Browser:
    """The victim's browser with the attacker's cookie planted in it."""
    victim = Browser(node, "198.51.100.7")
    victim.client.cookies.set(FORM_COOKIE, token, path="/learner")
    return victim


def _sign_in(browser: Browser, token: str, headers: dict[str, str] | None = None) -> Any:
    return browser.client.post(
        "/learner/sign-in",
        data={"email": ATTACKER, "password": PASSWORD, "csrf": token},
        headers=headers or {},
    )


def _refused(answer: Any) -> None:
    assert answer.status_code == 403, answer.text
    assert "This form has expired" in answer.text
    assert "credreg_learner=" not in answer.headers.get("set-cookie", "")


def test_a_pair_the_attacker_made_up_is_refused(node: RunningNode) -> None:
    provision(node, ATTACKER, [], password=PASSWORD)
    made_up = "attacker-chosen-value"
    victim = _planted(node, made_up)
    _refused(_sign_in(victim, made_up))
    _refused(victim.client.post("/learner/sign-in/link", data={"email": ATTACKER, "csrf": made_up}))
    # A real token with its nonce changed fails its MAC.
    real = Browser(node).page_csrf("/learner/sign-in")
    issued, nonce, mac = real.split(".")
    forged = f"{issued}.{nonce[:-1]}{'A' if nonce[-1] != 'A' else 'B'}.{mac}"
    _refused(_sign_in(_planted(node, forged), forged))
    # The link confirmation form is guarded the same way.
    account = provision(node, "learner@example.org", [record(node)])
    node.client.post(f"/admin/learners/{account}/sign-in-links", headers=node.auth())
    body = node.runtime.outbox().pending()[-1].body
    found = re.search(r"https://uni-a\.example(/learner/link/\S+)", body)
    assert found
    _refused(_planted(node, made_up).client.post(found.group(1), data={"csrf": made_up}))


def test_a_real_token_planted_from_another_site_or_expired_is_refused(node: RunningNode) -> None:
    provision(node, ATTACKER, [], password=PASSWORD)
    # The attacker fetches a genuine token for themselves and plants it in the victim's
    # browser; the victim's browser then posts from the attacker's page.
    harvested = Browser(node, "203.0.113.66").page_csrf("/learner/sign-in")
    for site in ("cross-site", "same-site"):
        _refused(_sign_in(_planted(node, harvested), harvested, {"Sec-Fetch-Site": site}))
    secret = (node.settings.data_dir / SECRET_FILE).read_bytes()
    old = FormTokens(secret, clock=lambda: time.time() - 2 * 3600 - 5).issue()
    _refused(_sign_in(_planted(node, old), old))
    # Control: the planted cookie does reach the node (posted from our own page it passes).
    planted = _sign_in(_planted(node, harvested), harvested, {"Sec-Fetch-Site": "same-origin"})
    assert planted.status_code == 303
    # The learner's own sign-in, from our page, works.
    own = Browser(node)
    token = own.page_csrf("/learner/sign-in")
    answer = _sign_in(own, token, {"Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 303 and "credreg_learner=" in answer.headers["set-cookie"]


def test_the_form_secret_is_private_and_shared_by_the_workers(node: RunningNode) -> None:
    path = node.settings.data_dir / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(path.read_bytes()) == 32
    provision(node, ATTACKER, [], password=PASSWORD)
    form = Browser(node)
    token = form.page_csrf("/learner/sign-in")
    # A second worker process of the same node (same data directory) takes the token.
    second = create_app(node.settings, keystore_factory=memory_keys(node.settings.data_dir))
    try:
        with TestClient(second, base_url="https://testserver", follow_redirects=False) as client:
            client.cookies.set(FORM_COOKIE, token, path="/learner")
            answer = client.post(
                "/learner/sign-in", data={"email": ATTACKER, "password": PASSWORD, "csrf": token}
            )
            assert answer.status_code == 303, answer.text
    finally:
        second.state.runtime.close()
    assert path.read_bytes() == (node.settings.data_dir / SECRET_FILE).read_bytes()
