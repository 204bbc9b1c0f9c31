"""Sign-in rate limits a stranger cannot turn into a lock-out, on SQLite and PostgreSQL:
browsers at different client addresses (the ASGI client address the node limits by) try
wrong passwords and sign-in links against one learner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunningNode, make_settings, start_node
from tests.integration.test_learners import PASSWORD, Browser, provision

VICTIM = "victim@example.org"
WRONG = "not the password"
_LINK = re.compile(r"https://uni-a\.example(/learner/link/\S+)")


@pytest.fixture
def small(tmp_path: Path, database_url: str) -> Iterator[RunningNode]:
    """A node with small limits, so that a few addresses reach them quickly."""
    settings = make_settings(
        tmp_path / "data",
        database_url,
        learner_sign_in_per_client=15,
        learner_sign_in_per_account=20,
    )
    running = start_node(settings)
    with running.client:
        yield running
    running.runtime.close()


def _links(node: RunningNode) -> list[str]:
    mails = sorted(node.runtime.outbox().pending(), key=lambda mail: mail.id)
    bodies = [mail.body for mail in mails if mail.recipient == VICTIM]
    return [found.group(1) for body in bodies if (found := _LINK.search(body))]


def _sign_in_with_link(browser: Browser, path: str) -> int:
    form = browser.client.get(path)
    assert form.status_code == 200, form.text
    return browser.client.post(path, data={"csrf": browser.csrf(form.text)}).status_code


def _ask_for_link(browser: Browser, email: str = VICTIM) -> int:
    token = browser.page_csrf("/learner/sign-in?lang=en")
    answer = browser.client.post("/learner/sign-in/link", data={"email": email, "csrf": token})
    if answer.status_code == 200:
        assert "a sign-in link is on its way" in answer.text
    return answer.status_code


def test_wrong_passwords_from_one_address_do_not_lock_the_learner_out(node: RunningNode) -> None:
    provision(node, VICTIM, [], password=PASSWORD)
    attacker = Browser(node, "203.0.113.66")
    statuses = [attacker.sign_in(VICTIM, WRONG).status_code for _ in range(10)]
    assert statuses == [401] * 10
    stopped = attacker.sign_in(VICTIM, PASSWORD)  # the right one too: that address is stopped
    assert stopped.status_code == 429 and int(stopped.headers["retry-after"]) > 0

    victim = Browser(node, "198.51.100.7")
    assert victim.sign_in(VICTIM).status_code == 303
    assert victim.client.get("/learner/credentials").status_code == 200
    phone = Browser(node, "198.51.100.8")
    assert _ask_for_link(phone) == 200
    assert _sign_in_with_link(phone, _links(node)[-1]) == 303


def test_many_addresses_pause_only_password_sign_in_and_the_link_keeps_working(
    small: RunningNode,
) -> None:
    provision(small, VICTIM, [], password=PASSWORD)
    for n in (1, 2):
        attacker = Browser(small, f"203.0.113.{n}")
        assert [attacker.sign_in(VICTIM, WRONG).status_code for _ in range(10)] == [401] * 10
    third = Browser(small, "203.0.113.3").sign_in(VICTIM, WRONG)
    assert third.status_code == 429

    victim = Browser(small, "198.51.100.7")
    paused = victim.sign_in(VICTIM)  # password sign-in for this address waits a while …
    assert paused.status_code == 429 and int(paused.headers["retry-after"]) > 0
    assert "e-mail you a sign-in link" in paused.text
    # … but the mailed link works, and another learner is not affected at all.
    assert _ask_for_link(victim) == 200
    assert _sign_in_with_link(victim, _links(small)[-1]) == 303
    assert victim.client.get("/learner/credentials").status_code == 200
    provision(small, "bystander@example.org", [], password=PASSWORD)
    assert Browser(small, "203.0.113.1").sign_in("bystander@example.org").status_code == 303


def test_one_address_is_limited_across_accounts(small: RunningNode) -> None:
    sprayer = Browser(small, "203.0.113.9")
    statuses = [sprayer.sign_in(f"user{n}@example.org", WRONG).status_code for n in range(15)]
    assert statuses == [401] * 15
    assert sprayer.sign_in("fresh@example.org", WRONG).status_code == 429
    assert _ask_for_link(sprayer, "fresh@example.org") == 429
    assert Browser(small, "203.0.113.10").sign_in("fresh@example.org", WRONG).status_code == 401


def test_link_requests_by_strangers_cannot_keep_the_link_from_the_learner(
    node: RunningNode,
) -> None:
    provision(node, VICTIM, [], password=PASSWORD)
    answers = [_ask_for_link(Browser(node, f"203.0.113.{n}")) for n in range(8)]
    assert answers == [200] * 8  # the same answer every time …
    sent = _links(node)
    assert len(sent) == 5  # … but at most 5 mails per link lifetime reach the learner
    # The learner asks too: no sixth mail, yet the links in their mailbox all still work.
    victim = Browser(node, "198.51.100.7")
    assert _ask_for_link(victim) == 200 and len(_links(node)) == 5
    assert _sign_in_with_link(victim, sent[-1]) == 303
    assert _sign_in_with_link(Browser(node, "198.51.100.8"), sent[0]) == 303
