"""Learner accounts in process, on SQLite and PostgreSQL: provisioning, password and link
sign-in, sessions, CSRF, rate limits, and the share links a learner creates and revokes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from node.credentials.examples import example_claims
from node.db.engine import make_engine, session_factory
from node.db.models import (
    LearnerAccount,
    LearnerCredential,
    LearnerSession,
    MailOutbox,
    ShareLink,
)
from tests.conftest import PASSPHRASE, RunningNode

PASSWORD = "a long enough password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


LEARNER = "S100001"  # the student number the test records name, unless told otherwise


def record(
    node: RunningNode,
    n: int = 1,
    *,
    issue: bool = True,
    learner: str = LEARNER,
    kind: str = "student-number",
) -> str:
    """A credential record (example claims ``n``) naming the learner ``learner``."""
    claims = example_claims(n)
    claims["learner"] |= {"identifier": learner, "identifierType": kind}
    response = node.client.post(
        "/admin/credentials",
        json={"claims": claims, "issue": issue, "formats": ["jwt_vc_json"]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def provision(node: RunningNode, email: str, record_ids: list[str], **extra: Any) -> str:
    response = node.client.post(
        "/admin/learners",
        json={"email": email, "name": "Mikko Tamm", "record_ids": record_ids, **extra},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class Browser:
    """The learner's browser: https (the node's origin is https, so cookies are Secure),
    cookies kept, redirects not followed, requests from ``address``."""

    def __init__(self, node: RunningNode, address: str = "198.51.100.1") -> None:
        self.client = TestClient(
            node.client.app,
            base_url="https://testserver",
            follow_redirects=False,
            client=(address, 50000),
        )

    def csrf(self, html: str) -> str:
        found = _CSRF.search(html)
        assert found, html
        return found.group(1)

    def sign_in(self, email: str, password: str = PASSWORD, next_path: str = "") -> Any:
        form = self.client.get("/learner/sign-in?lang=en")
        assert form.status_code == 200
        return self.client.post(
            "/learner/sign-in",
            data={
                "email": email,
                "password": password,
                "csrf": self.csrf(form.text),
                "next": next_path,
                "lang": "en",
            },
        )

    def page_csrf(self, path: str) -> str:
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        return self.csrf(page.text)


@pytest.fixture
def browser(node: RunningNode) -> Iterator[Browser]:
    yield Browser(node)


def test_admin_api_provision_attach_list(node: RunningNode) -> None:
    first, second = record(node, 1), record(node, 2)
    account_id = provision(node, "Learner@Example.org", [first], password=PASSWORD)
    again = node.client.post(
        "/admin/learners",
        json={"email": "learner@example.org", "name": "X"},
        headers=node.auth(),
    )
    assert again.status_code == 409
    short = node.client.post(
        "/admin/learners",
        json={"email": "b@example.org", "name": "B", "password": "short"},
        headers=node.auth(),
    )
    assert short.status_code == 422 and short.json()["problems"][0]["element"] == "password"
    missing = node.client.post(
        "/admin/learners",
        json={"email": "c@example.org", "name": "C", "record_ids": ["nope"]},
        headers=node.auth(),
    )
    assert missing.status_code == 404
    attached = node.client.post(
        f"/admin/learners/{account_id}/credentials",
        json={"record_ids": [second, first]},
        headers=node.auth(),
    )
    assert attached.status_code == 200, attached.text
    assert sorted(attached.json()["record_ids"]) == sorted([first, second])
    page = node.client.get("/admin/learners", headers=node.auth()).json()
    assert page["next"] is None
    listed = page["items"]
    assert [a["email"] for a in listed] == ["learner@example.org"]  # c@ was rolled back
    assert listed[0]["has_password"] is True
    assert listed[0]["learner_identifier"] == LEARNER
    assert listed[0]["learner_identifier_type"] == "student-number"
    assert node.client.get("/admin/learners").status_code == 401


def _refusal(response: Any, status: int) -> tuple[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert len(body["problems"]) == 1, body
    return body["message"], body["problems"][0]["reason"]


def test_admin_api_lists_learners_in_keyset_pages_and_searches(node: RunningNode) -> None:
    for i in range(5):
        provision(
            node, f"p{i}@example.org", [], name=f"Pat Example {i}", learner_identifier=f"S9{i}"
        )
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = node.client.get("/admin/learners", params=params, headers=node.auth()).json()
        assert len(page["items"]) <= 2
        seen += [a["email"] for a in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [f"p{i}@example.org" for i in reversed(range(5))]  # newest first, once each
    found = node.client.get("/admin/learners", params={"q": "P3@"}, headers=node.auth())
    assert [a["email"] for a in found.json()["items"]] == ["p3@example.org"]
    for bad in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"limit": 201}, {"q": "x" * 201}):
        refused = node.client.get("/admin/learners", params=bad, headers=node.auth())
        assert refused.status_code == 422, (bad, refused.text)
        assert next(iter(bad)) in refused.text


def test_a_record_belongs_to_one_account_and_to_the_learner_it_names(node: RunningNode) -> None:
    mine, also_mine = record(node, 1, learner="S1"), record(node, 2, learner="S1")
    theirs = record(node, 3, learner="S2")
    other_kind = record(node, 4, learner="S1", kind="national-id")
    first = provision(node, "first@example.org", [mine])

    def post(path: str, body: dict[str, Any]) -> Any:
        return node.client.post(path, json=body, headers=node.auth())

    # The same record for a second account: 409 naming the record and its account.
    twice = post(
        "/admin/learners", {"email": "second@example.org", "name": "X", "record_ids": [mine]}
    )
    message, reason = _refusal(twice, 409)
    assert message == f"credential record {mine} already belongs to learner account {first}"
    assert reason == f"{mine}: attached to learner account {first}"

    # A record naming another learner: 422 naming the record and both learners.
    attach = f"/admin/learners/{first}/credentials"
    message, reason = _refusal(post(attach, {"record_ids": [also_mine, theirs]}), 422)
    assert message == f"credential record {theirs} names another learner"
    assert reason == (
        f"{theirs}: names the learner student-number S2; this account is for student-number S1"
    )
    message, _ = _refusal(post(attach, {"record_ids": [other_kind]}), 422)
    assert message == f"credential record {other_kind} names another learner"
    # Nothing of a refused request was attached; the learner's own record is.
    attached = post(attach, {"record_ids": [also_mine, mine]})
    assert attached.status_code == 200, attached.text
    assert sorted(attached.json()["record_ids"]) == sorted([mine, also_mine])

    # A named learner: the records must name them; a learner has one account.
    named = {"email": "third@example.org", "name": "Y", "learner_identifier": "S3"}
    message, _ = _refusal(post("/admin/learners", named | {"record_ids": [theirs]}), 422)
    assert message == f"credential record {theirs} names another learner"
    message, reason = _refusal(post("/admin/learners", named | {"learner_identifier": "S1"}), 409)
    assert message == f"the learner student-number S1 already has learner account {first}"
    bad_kind = post("/admin/learners", named | {"learner_identifier_type": "passport"})
    assert bad_kind.status_code == 422
    control = post("/admin/learners", named | {"learner_identifier": "S\u00003"})
    assert control.status_code == 422
    assert control.json()["problems"][0]["element"] == "learner_identifier"
    listed = node.client.get("/admin/learners", headers=node.auth()).json()["items"]
    emails = [a["email"] for a in listed]
    assert emails == ["first@example.org"]  # every refusal left nothing behind

    second = post("/admin/learners", named | {"learner_identifier": "S2", "record_ids": [theirs]})
    assert second.status_code == 201, second.text
    assert second.json()["record_ids"] == [theirs]

    # The database holds the rule too: one account per record, one account per learner.
    with node.runtime.sessions() as session:
        session.add(LearnerCredential(account_id=second.json()["id"], record_id=mine))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        with pytest.raises(IntegrityError):
            session.execute(
                update(LearnerAccount)
                .where(LearnerAccount.id == second.json()["id"])
                .values(identifier="S1")
            )


def test_password_sign_in_session_cookie_csrf_and_sign_out(
    node: RunningNode, browser: Browser
) -> None:
    provision(node, "learner@example.org", [record(node)], password=PASSWORD)
    assert browser.client.get("/learner/credentials").status_code == 303

    form = browser.client.get("/learner/sign-in")
    token = browser.csrf(form.text)
    data = {"email": "learner@example.org", "password": PASSWORD}
    # No CSRF field, or one that is not the cookie's: refused.
    assert browser.client.post("/learner/sign-in", data=data).status_code == 403
    wrong = browser.client.post("/learner/sign-in", data=data | {"csrf": token + "x"})
    assert wrong.status_code == 403
    bad = browser.client.post(
        "/learner/sign-in", data=data | {"password": "wrong password!", "csrf": token}
    )
    assert bad.status_code == 401 and "Wrong e-mail address or password" in bad.text

    good = browser.sign_in("learner@example.org")
    assert good.status_code == 303 and good.headers["location"] == "/learner/credentials"
    cookie = good.headers["set-cookie"]
    assert "credreg_learner=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "SameSite=lax" in cookie and "Path=/learner" in cookie
    with node.client.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(LearnerSession.token_hash)).one()
    assert stored not in cookie  # only the hash is stored

    page = browser.client.get("/learner/credentials?lang=de")
    assert page.status_code == 200
    assert "Sustainable Supply Chains" in page.text and "Meine Credentials" in page.text
    assert "Tallinn University" in page.text and 'data-state="issued"' in page.text

    csrf = browser.csrf(page.text)
    assert browser.client.post("/learner/sign-out", data={"csrf": "forged"}).status_code == 403
    out = browser.client.post("/learner/sign-out", data={"csrf": csrf})
    assert out.status_code == 303
    # The old cookie no longer works, even if replayed.
    replay = TestClient(node.client.app, base_url="https://testserver", follow_redirects=False)
    replay.cookies.set("credreg_learner", cookie.split(";")[0].split("=", 1)[1], path="/learner")
    assert replay.get("/learner/credentials").status_code == 303


def test_disabled_account_ends_sessions_and_cannot_sign_in(
    node: RunningNode, browser: Browser
) -> None:
    account_id = provision(node, "leaver@example.org", [record(node)], password=PASSWORD)
    assert browser.sign_in("leaver@example.org").status_code == 303
    assert browser.client.get("/learner/credentials").status_code == 200
    disabled = node.client.post(f"/admin/learners/{account_id}/disable", headers=node.auth())
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    assert browser.client.get("/learner/credentials").status_code == 303  # session ended
    assert browser.sign_in("leaver@example.org").status_code == 401
    enabled = node.client.post(f"/admin/learners/{account_id}/enable", headers=node.auth())
    assert enabled.json()["disabled"] is False
    assert browser.sign_in("leaver@example.org").status_code == 303
    unknown = node.client.post(f"/admin/learners/{'0' * 36}/disable", headers=node.auth())
    assert unknown.status_code == 404


def test_sign_in_link_single_use_and_no_enumeration(node: RunningNode, browser: Browser) -> None:
    provision(node, "learner@example.org", [record(node)])
    token = browser.page_csrf("/learner/sign-in")
    for email in ("learner@example.org", "nobody@example.org"):
        sent = browser.client.post("/learner/sign-in/link", data={"email": email, "csrf": token})
        assert sent.status_code == 200 and "a sign-in link is on its way" in sent.text
    mails = node.runtime.outbox().pending()
    assert [m.recipient for m in mails] == ["learner@example.org"]
    found = re.search(r"https://uni-a\.example(/learner/link/\S+)", mails[0].body)
    assert found
    path = found.group(1)
    confirm = browser.client.get(path)  # a GET alone does not sign in (mail scanners)
    assert confirm.status_code == 200 and "credreg_learner" not in confirm.headers.get(
        "set-cookie", ""
    )
    signed = browser.client.post(path, data={"csrf": browser.csrf(confirm.text)})
    assert signed.status_code == 303 and "credreg_learner=" in signed.headers["set-cookie"]
    assert browser.client.get("/learner/credentials").status_code == 200

    other = Browser(node)
    again = other.client.post(path, data={"csrf": other.page_csrf(path)})
    assert again.status_code == 410 and "not valid" in again.text


def test_sign_in_attempts_are_rate_limited(node: RunningNode, browser: Browser) -> None:
    provision(node, "learner@example.org", [], password=PASSWORD)
    statuses = [browser.sign_in("learner@example.org", "wrong password!").status_code]
    statuses += [browser.sign_in("learner@example.org", "wrong password!").status_code]
    for _ in range(8):
        statuses.append(browser.sign_in("learner@example.org", "wrong password!").status_code)
    assert statuses == [401] * 10
    limited = browser.sign_in("learner@example.org")  # even the right password, for now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_learner_share_links_create_list_revoke_expire(node: RunningNode, browser: Browser) -> None:
    mine, waiting = record(node, 1), record(node, 2, issue=False)
    provision(node, "learner@example.org", [mine, waiting], password=PASSWORD)
    provision(node, "other@example.org", [], password=PASSWORD)
    browser.sign_in("learner@example.org")
    page = f"/learner/credentials/{mine}"
    csrf = browser.page_csrf(page)

    forged = browser.client.post(f"{page}/share-links", data={"days": "7", "csrf": "x"})
    assert forged.status_code == 403
    odd = browser.client.post(f"{page}/share-links", data={"days": "3", "csrf": csrf})
    assert odd.status_code == 422
    not_issued = browser.client.post(
        f"/learner/credentials/{waiting}/share-links", data={"days": "7", "csrf": csrf}
    )
    assert not_issued.status_code == 422

    created = browser.client.post(f"{page}/share-links", data={"days": "7", "csrf": csrf})
    assert created.status_code == 201, created.text
    url = re.search(r'id="share-url" href="https://uni-a\.example(/v/[^"]+)"', created.text)
    printable = re.search(r'id="print-url" href="https://uni-a\.example([^"]+)"', created.text)
    assert url and printable
    shown = node.client.get(url.group(1) + "?lang=en")
    assert shown.status_code == 200 and "Sustainable Supply Chains" in shown.text
    assert node.client.get(printable.group(1).replace("&amp;", "&")).status_code == 200

    listed = browser.client.get(page)
    link_id = re.search(r'data-link="([^"]+)" data-state="active"', listed.text)
    assert link_id, listed.text

    # Another learner can neither see nor revoke it.
    other = Browser(node)
    other.sign_in("other@example.org")
    assert other.client.get(page).status_code == 404
    other_csrf = other.page_csrf("/learner/credentials")
    denied = other.client.post(
        f"/learner/share-links/{link_id.group(1)}/revoke", data={"csrf": other_csrf}
    )
    assert denied.status_code == 404
    assert node.client.get(url.group(1)).status_code == 200

    revoked = browser.client.post(
        f"/learner/share-links/{link_id.group(1)}/revoke", data={"csrf": csrf}
    )
    assert revoked.status_code == 303
    assert node.client.get(url.group(1)).status_code == 410
    assert 'data-state="revoked"' in browser.client.get(page).text

    second = browser.client.post(f"{page}/share-links", data={"days": "1", "csrf": csrf})
    url2 = re.search(r'id="share-url" href="https://uni-a\.example(/v/[^"]+)"', second.text)
    assert url2 and node.client.get(url2.group(1)).status_code == 200
    with node.client.app.state.runtime.sessions() as session:  # type: ignore[attr-defined]
        session.execute(
            update(ShareLink)
            .where(ShareLink.revoked_at.is_(None))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.commit()
        learners = session.scalars(select(ShareLink.learner_id)).all()
    assert len(learners) == 2 and all(learners)
    expired = node.client.get(url2.group(1) + "?lang=en")
    assert expired.status_code == 410 and "expired" in expired.text
    assert 'data-state="expired"' in browser.client.get(page).text


def test_cli_learner_add(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # The sign-in mail is sealed with the key store's outbox key: the passphrase opens it.
    env = {**os.environ, "CREDREG_DATA_DIR": str(data), "CREDREG_KEY_PASSPHRASE": PASSPHRASE}
    args = [sys.executable, "-m", "node", "learner", "add", "--name", "Ana"]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*args, *extra], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    added = run("--email", "Ana@Example.org", "--send-link", "--identifier", "S7")
    assert added.returncode == 0, added.stderr
    account_id = added.stdout.strip()
    engine = make_engine(f"sqlite:///{data / 'node.db'}")
    with session_factory(engine)() as session:
        account = session.get(LearnerAccount, account_id)
        assert account is not None and account.email == "ana@example.org"
        assert (account.identifier_type, account.identifier) == ("student-number", "S7")
        assert session.scalars(select(MailOutbox.recipient)).all() == ["ana@example.org"]
    engine.dispose()
    twice = run("--email", "ana@example.org")
    assert twice.returncode == 1 and "exists" in twice.stderr
    unknown = run("--email", "bo@example.org", "--record", "nope")
    assert unknown.returncode == 1 and "no credential record nope" in unknown.stderr
