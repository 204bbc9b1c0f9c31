"""The staff console's sign-in and pages over HTTP, on SQLite and PostgreSQL: password and
TOTP (set up on the first sign-in), codes used once, disabled accounts, rate limits, CSRF,
the registry and record pages. Chromium and axe: tests/browser/test_console_pages.py."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from node.credentials.examples import example_claims
from node.db.models import StaffRole
from node.i18n.catalogues import translator
from node.staff import totp
from node.staff.accounts import StaffInfo
from tests.conftest import RunningNode, make_settings, start_node
from tests.integration.test_learners import Browser

PASSWORD = "registrar password 1"
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
_TICKET = re.compile(r'name="ticket" value="([^"]+)"')


def make_staff(node: RunningNode, username: str = "reg.one", *roles: StaffRole) -> StaffInfo:
    accounts = node.runtime.staff().accounts
    return accounts.create(
        username, "Rita Registrar", roles or [StaffRole.REGISTRAR], password=PASSWORD
    )


class Staff(Browser):
    """A member of staff's browser (https, cookies kept, no redirects followed)."""

    secret: str = ""
    enrol_code: str = ""

    def post_sign_in(self, username: str, password: str = PASSWORD, code: str = "") -> Any:
        form = self.client.get("/console/sign-in?lang=en")
        assert form.status_code == 200, form.text
        return self.client.post(
            "/console/sign-in",
            data={
                "username": username,
                "password": password,
                "code": code,
                "csrf": self.csrf(form.text),
                "lang": "en",
            },
        )

    def enrol(self, username: str) -> Any:
        """First sign-in: password, then the new secret confirmed with a code."""
        page = self.post_sign_in(username)
        assert page.status_code == 200, page.text
        assert "Set up your authenticator app" in page.text
        found = _SECRET.search(page.text)
        ticket = _TICKET.search(page.text)
        assert found and ticket, page.text
        self.secret = found.group(1)
        self.enrol_code = totp.code_at(self.secret)  # kept: a replay must be refused
        return self.client.post(
            "/console/enrol",
            data={
                "ticket": ticket.group(1),
                "code": self.enrol_code,
                "csrf": self.csrf(page.text),
                "lang": "en",
            },
        )


@pytest.fixture
def staff(node: RunningNode) -> Staff:
    return Staff(node)


def test_first_sign_in_sets_up_totp_then_both_factors_are_needed(
    node: RunningNode, staff: Staff
) -> None:
    make_staff(node)
    assert staff.client.get("/console/dashboard").status_code == 303, "signed out: to sign-in"
    done = staff.enrol("reg.one")
    assert done.status_code == 303 and done.headers["location"] == "/console/dashboard"
    cookie = done.headers["set-cookie"]
    assert "credreg_staff=" in cookie and "HttpOnly" in cookie and "Secure" in cookie
    assert "Path=/console" in cookie and "SameSite=lax" in cookie
    dashboard = staff.client.get("/console/dashboard?lang=en")
    assert dashboard.status_code == 200
    assert "Rita Registrar" in dashboard.text
    assert "default-src 'none'" in dashboard.headers["content-security-policy"]
    assert node.runtime.staff().accounts.by_username("reg.one").has_totp

    # From now on: password and code. The code just used does not work again.
    other = Staff(node, "198.51.100.2")
    assert other.post_sign_in("reg.one").status_code == 401, "no code"
    used = staff.enrol_code  # not the code of now: a 30 s step may have begun since
    assert other.post_sign_in("reg.one", code=used).status_code == 401, "a replayed code"
    later = totp.code_at(staff.secret, time.time() + 30)  # the next step
    opened = other.post_sign_in("reg.one", code=later)
    assert opened.status_code == 303, opened.text
    assert (
        Staff(node, "198.51.100.5")
        .post_sign_in("reg.one", "wrong password 1", totp.code_at(staff.secret, time.time() + 60))
        .status_code
        == 401
    )


def test_wrong_name_password_or_code_get_one_answer(node: RunningNode, staff: Staff) -> None:
    make_staff(node)
    for username, password in (("nobody", PASSWORD), ("reg.one", "not the password")):
        answer = staff.post_sign_in(username, password, "123456")
        assert answer.status_code == 401
        assert "Wrong user name, password or code." in answer.text
    staff.enrol("reg.one")
    answer = Staff(node, "198.51.100.3").post_sign_in("reg.one", code="000000")
    assert answer.status_code == 401 and "Wrong user name, password or code." in answer.text


def test_a_wrong_code_at_set_up_keeps_the_account_without_totp(
    node: RunningNode, staff: Staff
) -> None:
    make_staff(node)
    page = staff.post_sign_in("reg.one")
    ticket = _TICKET.search(page.text)
    assert ticket
    answer = staff.client.post(
        "/console/enrol",
        data={"ticket": ticket.group(1), "code": "000000", "csrf": staff.csrf(page.text)},
    )
    assert answer.status_code == 401
    assert "Wrong code: enter the code your app shows now." in answer.text
    assert _TICKET.search(answer.text).group(1) == ticket.group(1), "the same step again"  # type: ignore[union-attr]
    assert not node.runtime.staff().accounts.by_username("reg.one").has_totp
    forged = staff.client.post(
        "/console/enrol",
        data={"ticket": "made-up", "code": "000000", "csrf": staff.csrf(page.text)},
    )
    assert forged.status_code in (401, 403)


def test_disabled_account_loses_its_session_at_once(node: RunningNode, staff: Staff) -> None:
    info = make_staff(node)
    staff.enrol("reg.one")
    assert staff.client.get("/console/dashboard").status_code == 200
    node.runtime.staff().accounts.set_disabled(info.id, True)
    assert staff.client.get("/console/dashboard").status_code == 303
    code = totp.code_at(staff.secret, time.time() + 30)
    assert Staff(node, "198.51.100.4").post_sign_in("reg.one", code=code).status_code == 401


def test_sign_out_ends_the_session(node: RunningNode, staff: Staff) -> None:
    make_staff(node)
    staff.enrol("reg.one")
    page = staff.client.get("/console/dashboard")
    token = staff.csrf(page.text)
    assert staff.client.post("/console/sign-out", data={"csrf": token}).status_code == 303
    cookie = staff.client.cookies.get("credreg_staff")
    assert cookie is None or staff.client.get("/console/dashboard").status_code == 303


def test_sign_in_form_needs_its_csrf_token(node: RunningNode, staff: Staff) -> None:
    make_staff(node)
    answer = staff.client.post(
        "/console/sign-in", data={"username": "reg.one", "password": PASSWORD, "csrf": "x"}
    )
    assert answer.status_code == 403
    form = staff.client.get("/console/sign-in")
    cross = staff.client.post(
        "/console/sign-in",
        data={"username": "reg.one", "password": PASSWORD, "csrf": staff.csrf(form.text)},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status_code == 403


def test_password_attempts_are_rate_limited(node: RunningNode) -> None:
    make_staff(node)
    browser = Staff(node, "198.51.100.9")
    answers = [browser.post_sign_in("reg.one", "wrong password 1").status_code for _ in range(11)]
    assert answers[:10] == [401] * 10
    assert answers[10] == 429


def test_next_is_never_an_open_redirect(node: RunningNode, staff: Staff) -> None:
    make_staff(node)
    page = staff.post_sign_in("reg.one")
    ticket = _TICKET.search(page.text)
    found = _SECRET.search(page.text)
    assert ticket and found
    answer = staff.client.post(
        "/console/enrol",
        data={
            "ticket": ticket.group(1),
            "code": totp.code_at(found.group(1)),
            "csrf": staff.csrf(page.text),
            "next": "//evil.example/console/x",
        },
    )
    assert answer.headers["location"] == "/console/dashboard"


def test_registry_and_record_pages(node: RunningNode, staff: Staff) -> None:
    make_staff(node)
    staff.enrol("reg.one")
    claims = example_claims(41)
    claims["learner"]["familyName"] = "Konsolenprüferin"
    created = node.client.post(
        "/admin/credentials", json={"claims": claims}, headers=node.auth()
    ).json()
    found = staff.client.get("/console/registry", params={"q": "konsolenpruf", "lang": "en"})
    assert found.status_code == 200
    assert f'data-record="{created["id"]}"' in found.text
    assert "Download as CSV" in found.text
    bad = staff.client.get("/console/registry", params={"issued_from": "yesterday"})
    assert bad.status_code == 422 and "issued_from" in bad.text
    csv_answer = staff.client.get("/console/registry.csv", params={"q": "konsolenpruf"})
    rows = list(csv.DictReader(io.StringIO(csv_answer.text)))
    assert [r["id"] for r in rows] == [created["id"]]
    record = staff.client.get(f"/console/records/{created['id']}?lang=de")
    assert record.status_code == 200
    assert "Konsolenprüferin" in record.text
    assert 'data-anchor="pending"' in record.text
    assert staff.client.get("/console/records/no-such-record").status_code == 404
    assert Staff(node).client.get("/console/registry.csv").status_code == 303, "signed out"


def test_console_cli_creates_lists_and_changes_accounts(node: RunningNode) -> None:
    info = make_staff(node, "teach.er", StaffRole.TEACHER, StaffRole.COMMITTEE)
    assert [r.value for r in info.roles] == ["teacher", "committee"]
    with pytest.raises(Exception, match="exists already"):
        make_staff(node, "Teach.Er")
    with pytest.raises(Exception, match="roles refused"):
        node.runtime.staff().accounts.set_roles(info.id, ["dean"])


CHAIN = [
    {"name": "Programme committee", "role": "committee", "elements": ["learningOutcomes"]},
    {"name": "Study department", "role": "study_department", "elements": ["learner"]},
    {"name": "Management", "role": "management", "seals": True},
]
_RECORD = re.compile(r"/console/records/([0-9a-f-]{36})")


@pytest.fixture
def chain_node(tmp_path: Path, database_url: str) -> Iterator[RunningNode]:
    running = start_node(make_settings(tmp_path / "data", database_url, approval_chain=CHAIN))
    with running.client:
        yield running
    running.runtime.close()


def signed_in(node: RunningNode, username: str, *roles: StaffRole) -> Staff:
    make_staff(node, username, *roles)
    browser = Staff(node, f"198.51.100.{len(username) + 40}")
    assert browser.enrol(username).status_code == 303
    return browser


def _form(browser: Staff, path: str) -> dict[str, str]:
    page = browser.client.get(path)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'name="([^"]+)" type="[a-z]+" value="([^"]*)"', page.text))
    fields.update(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    return fields


def test_the_approval_chain_through_the_console(chain_node: RunningNode) -> None:
    node = chain_node
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    committee = signed_in(node, "commi", StaffRole.COMMITTEE)
    study = signed_in(node, "study", StaffRole.STUDY_DEPARTMENT)
    dean = signed_in(node, "deanx", StaffRole.MANAGEMENT)
    registrar = signed_in(node, "regis", StaffRole.REGISTRAR)

    fields = _form(teacher, "/console/prepare?lang=en")
    assert fields["awarding_body_name@en"] == "Universidad Ejemplo" and fields["idempotency_key"]
    fields.update(
        {
            "learner_given_name": "Kaisa",
            "learner_family_name": "Konsoli",
            "learner_date_of_birth": "1995-04-03",
            "learner_id": "S777001",
            "title@en": "Data Stewardship",
            "awarding_body_locality": "Madrid",
            "ects": "3",
            "eqf": "6",
            "participation_form": "online",
            "awarding_body_legal_status": "public-institution",
            "learner_id_type": "student-number",
            "lang": "en",
        }
    )
    incomplete = teacher.client.post(
        "/console/prepare", data={**fields, "assessment_types": "online", "qa_types": "internal"}
    )
    assert incomplete.status_code == 422
    assert "learningOutcomes" in incomplete.text, "the missing element is named"
    prepared = teacher.client.post(
        "/console/prepare",
        data={
            **fields,
            "outcomes": "Curate research data.\nWrite a data management plan.",
            "assessment_types": ["online", "portfolio"],
            "qa_types": "internal",
        },
    )
    assert prepared.status_code == 303, prepared.text
    found = _RECORD.search(prepared.headers["location"])
    assert found
    record_id = found.group(1)
    again = teacher.client.post(
        "/console/prepare",
        data={
            **fields,
            "outcomes": "Curate research data.",
            "assessment_types": "online",
            "qa_types": "internal",
        },
    )
    assert again.status_code == 409, "the same form sent twice with other content"
    record = node.runtime.registry().record(record_id)
    assert record.item.state == "prepared"
    assert len(record.claims["learningOutcomes"]) == 2

    assert record_id not in teacher.client.get("/console/approvals").text
    queue = committee.client.get("/console/approvals?lang=en")
    assert f'data-record="{record_id}"' in queue.text

    def decide(who: Staff, decision: str, comment: str = "") -> Any:
        page = who.client.get(f"/console/records/{record_id}?lang=en")
        return who.client.post(
            f"/console/records/{record_id}/decision",
            data={"decision": decision, "comment": comment, "csrf": who.csrf(page.text)},
        )

    assert decide(dean, "approved").status_code == 403, "not yet the management's stage"
    own = teacher.client.get(f"/console/records/{record_id}?lang=de").text
    assert 'data-reason="role"' in own
    assert "die Stufe „Programme committee“ verlangt die Rolle committee" in own, "in German"
    assert decide(committee, "approved").status_code == 303
    assert decide(study, "rejected").status_code == 422, "a reason is needed"
    assert decide(study, "rejected", "check the date of birth").status_code == 303
    page = teacher.client.get(f"/console/records/{record_id}?lang=en")
    assert "check the date of birth" in page.text and "Submit again" in page.text
    resubmitted = teacher.client.post(
        f"/console/records/{record_id}/resubmit", data={"csrf": teacher.csrf(page.text)}
    )
    assert resubmitted.status_code == 303
    for who in (committee, study, dean):
        assert decide(who, "approved").status_code == 303
    assert node.runtime.registry().record(record_id).item.state == "issued"

    page = teacher.client.get(f"/console/records/{record_id}")
    forbidden = teacher.client.post(
        f"/console/records/{record_id}/status",
        data={"action": "revoke", "reason": "x", "csrf": teacher.csrf(page.text)},
    )
    assert forbidden.status_code == 403, "only a registrar changes a status"
    page = registrar.client.get(f"/console/records/{record_id}?lang=en")
    suspended = registrar.client.post(
        f"/console/records/{record_id}/status",
        data={"action": "suspend", "reason": "under review", "csrf": registrar.csrf(page.text)},
    )
    assert suspended.status_code == 303
    page = registrar.client.get(f"/console/records/{record_id}?lang=en")
    assert "under review" in page.text and 'data-state="suspended"' in page.text
    event = node.runtime.status().events(record_id)[-1]
    assert event.staff_account_id == node.runtime.staff().accounts.by_username("regis").id


def test_a_registrar_offers_a_record_to_the_wallet_in_the_learners_language(
    node: RunningNode,
) -> None:
    registrar = signed_in(node, "regis", StaffRole.REGISTRAR)
    teacher = signed_in(node, "teach", StaffRole.TEACHER)
    record_id = node.client.post(
        "/admin/credentials", json={"claims": example_claims(44)}, headers=node.auth()
    ).json()["id"]
    page = registrar.client.get(f"/console/records/{record_id}?lang=en")
    assert "Make an offer" in page.text
    bad = registrar.client.post(
        f"/console/records/{record_id}/offer",
        data={"email": "not-an-address", "mail_lang": "de", "csrf": registrar.csrf(page.text)},
    )
    assert bad.status_code == 422 and "email" in bad.text
    made = registrar.client.post(
        f"/console/records/{record_id}/offer",
        data={"email": "Kaisa@Example.org", "mail_lang": "de", "csrf": registrar.csrf(page.text)},
    )
    assert made.status_code == 200, made.text
    pin = re.search(r'id="offer-pin">(\d+)<', made.text)
    assert pin, made.text
    assert "openid-credential-offer://" in made.text and "<svg" in made.text
    (mail,) = node.runtime.outbox().pending()
    assert mail.recipient == "kaisa@example.org"
    assert pin.group(1) not in mail.body, "the PIN is never mailed"
    assert "Wallet" in mail.body and "PIN" in mail.body
    english = "Your micro-credential is ready for your wallet"
    assert mail.subject == translator("de").gettext(english) != english, "in German"
    page = teacher.client.get(f"/console/records/{record_id}")
    denied = teacher.client.post(
        f"/console/records/{record_id}/offer", data={"csrf": teacher.csrf(page.text)}
    )
    assert denied.status_code == 403


def test_tokens_made_in_the_console_act_for_their_member_and_can_be_revoked(
    node: RunningNode,
) -> None:
    registrar = signed_in(node, "regis", StaffRole.REGISTRAR)
    admin = signed_in(node, "admin", StaffRole.ADMINISTRATOR)
    page = registrar.client.get("/console/tokens?lang=en")
    made = registrar.client.post(
        "/console/tokens",
        data={"name": "moodle", "expires_in": "30d", "csrf": registrar.csrf(page.text)},
    )
    assert made.status_code == 200, made.text
    secret = re.search(r'id="token-secret">(crt_[^<]+)<', made.text)
    assert secret
    answer = node.client.get("/admin/credentials", headers=node.auth(secret.group(1)))
    assert answer.status_code == 200, "the token works"
    info = next(i for i in node.runtime.api_tokens().all() if i.name == "moodle")
    assert info.staff_account_id == node.runtime.staff().accounts.by_username("regis").id
    assert info.expires_at is not None
    bad = registrar.client.post(
        "/console/tokens",
        data={"name": "x", "expires_in": "forever", "csrf": registrar.csrf(page.text)},
    )
    assert bad.status_code == 422 and "expires_in" in bad.text
    admin_token = registrar.client.post(
        "/console/tokens",
        data={"name": "x", "expires_in": "1d", "role": "admin", "csrf": registrar.csrf(page.text)},
    )
    assert admin_token.status_code == 403, "only administrators make admin tokens"
    # The registrar sees their own tokens only; the administrator sees every one.
    own = registrar.client.get("/console/tokens").text
    assert own.count("data-token=") == 1
    everyone = admin.client.get("/console/tokens").text
    assert everyone.count("data-token=") == len(node.runtime.api_tokens().all())
    service_token = next(i for i in node.runtime.api_tokens().all() if i.staff_account_id is None)
    refused = registrar.client.post(
        f"/console/tokens/{service_token.id}/revoke", data={"csrf": registrar.csrf(own)}
    )
    assert refused.status_code == 404, "not the registrar's token"
    revoked = registrar.client.post(
        f"/console/tokens/{info.id}/revoke", data={"csrf": registrar.csrf(own)}
    )
    assert revoked.status_code == 303
    gone = node.client.get("/admin/credentials", headers=node.auth(secret.group(1)))
    assert gone.status_code == 401 and "revoked" in gone.json()["message"]
