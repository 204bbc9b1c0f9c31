"""The whole path of a micro-credential in headless Debian Chromium (JavaScript off), with
real components only: `credreg serve` as a process (embedded chain, approval chain, mail),
npm ``oidc-provider`` as the institution's OpenID Provider, aiosmtpd as the SMTP server and
the npm OpenID4VCI wallet client (tests/wallet/wallet.mjs).

Five people sign in through single sign-on, each in a browser context of their own: a
teacher prepares the record, the programme committee and the study department approve it,
management's approval seals (signs) it, the node anchors it, a registrar offers it to the
learner's wallet with an e-mail address; the offer mail reaches aiosmtpd, and the wallet
redeems the link from that mail with the PIN the registrar was shown. The credential the
wallet receives verifies as valid at the node and says what the teacher typed.

The teacher also sits in the committee and the committee member also works for the study
department: separation of duties keeps each from deciding the stages they may not.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from node.staff.oidc import CALLBACK_PATH
from tests.anvil import free_port
from tests.browser.axe import check
from tests.e2e.test_serve import Server, init_node
from tests.e2e.test_wallet import ensure_wallet_installed, wallet
from tests.integration.test_mail_delivery import SmtpServer
from tests.oidc_provider import OidcProvider, start_oidc_provider

CHAIN = [
    {
        "name": "Programme committee",
        "role": "committee",
        "elements": ["learningOutcomes", "level"],
    },
    {"name": "Study department", "role": "study_department", "elements": ["learner"]},
    {"name": "Management", "role": "management", "seals": True},
]
ROLE_MAP = {
    "teachers": ["teacher"],
    "committee": ["committee"],
    "study-office": ["study_department"],
    "deans": ["management"],
    "registry": ["registrar"],
}
SSO_NAME = "Path U sign-in"


def _person(login: str, name: str, *groups: str) -> dict[str, object]:
    return {
        "sub": login,
        "name": name,
        "email": f"{login}@path-u.example",
        "email_verified": True,
        "groups": [*groups, "all-staff"],  # a group without a role is ignored
    }


# login -> claims. The teacher also sits in the committee, the committee member also works
# for the study department: the chain must still keep them off the stages they may not decide.
PEOPLE: dict[str, dict[str, object]] = {
    "tiina.teacher": _person("tiina.teacher", "Tiina Teacher", "teachers", "committee"),
    "kalle.committee": _person("kalle.committee", "Kalle Committee", "committee", "study-office"),
    "sanna.study": _person("sanna.study", "Sanna Study", "study-office"),
    "dora.dean": _person("dora.dean", "Dora Dean", "deans"),
    "rami.registrar": _person("rami.registrar", "Rami Registrar", "registry"),
}
LEARNER_EMAIL = "aino.polku@example.org"
OUTCOMES = [
    "Trace a record through an institution's approval chain.",
    "Explain how a signed credential is anchored on a ledger.",
]
TYPED = {  # what the teacher types into the prepare form (by field name)
    "learner_given_name": "Aino",
    "learner_family_name": "Polku",
    "learner_date_of_birth": "1999-02-17",
    "learner_id": "S300042",
    "title@en": "Credential Pathways",
    "awarding_body_locality": "Tampere",
    "ects": "2",
}
LDP_ID = "MicroCredential_ldp_vc"
RECORD_URL = re.compile(r"/console/records/([0-9a-f-]{36})$")
WAIT = 60.0  # seconds for anything the node does in the background
STEP_MS = 20_000  # Playwright's timeout for one page step


def wait_for(predicate: Callable[[], bool], timeout: float, message: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message()
        time.sleep(0.3)


@dataclass
class PathNode:
    server: Server
    provider: OidcProvider
    smtp: SmtpServer
    log: Path
    contexts: list[BrowserContext] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def verify(self, credential: Any) -> dict[str, Any]:
        answer = httpx.post(f"{self.url}/api/verify", json={"credential": credential}, timeout=30)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report


@pytest.fixture(scope="module")
def path_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PathNode]:
    """aiosmtpd, the OpenID Provider with the five people, and a node using both."""
    ensure_wallet_installed()
    tmp = tmp_path_factory.mktemp("console-path")
    smtp = SmtpServer(free_port())
    smtp.start()
    try:
        server, _tokens = init_node(
            tmp,
            "Path U",
            (),
            approval_chain=json.dumps(CHAIN),
            public_rate_limit="0",
            smtp_host="127.0.0.1",
            smtp_port=str(smtp.port),
            smtp_security="none",
            mail_from="registry@path-u.example",
        )
        redirect_uri = server.url + CALLBACK_PATH
        with start_oidc_provider(redirect_uris=[redirect_uri], accounts=PEOPLE) as provider:
            server.env.update(
                {
                    "CREDREG_OIDC_ISSUER": provider.issuer,
                    "CREDREG_OIDC_CLIENT_ID": provider.client_id,
                    "CREDREG_OIDC_CLIENT_SECRET": provider.client_secret,
                    "CREDREG_OIDC_SCOPES": "openid profile email groups",
                    "CREDREG_OIDC_ROLE_MAP": json.dumps(ROLE_MAP),
                    "CREDREG_OIDC_DISPLAY_NAME": SSO_NAME,
                }
            )
            server.start()
            running = PathNode(server, provider, smtp, tmp / "serve.log")
            try:
                yield running
            finally:
                for context in running.contexts:
                    context.close()
                server.stop()
    finally:
        smtp.stop()


# -- the browser -----------------------------------------------------------------------------


def _submit(page: Page, button: str) -> int:
    """Press a form's button (no script: the browser posts the form); the status of the
    page shown next, after any redirect."""
    with page.expect_navigation(timeout=STEP_MS) as navigation:
        page.locator(button).click()
    response = navigation.value
    assert response is not None, f"no answer after {button} at {page.url}"
    return response.status


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (
        f"GET {url}: {response.status if response else 'no answer'}\n{page.content()[:2000]}"
    )


def sign_in(browser: Browser, node: PathNode, login: str, next_path: str) -> Page:
    """``login`` signs in to the console through the OpenID Provider, in a browser context
    of their own, and lands on ``next_path``."""
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    node.contexts.append(context)
    context.set_default_timeout(STEP_MS)
    page = context.new_page()
    _open(page, f"{node.url}/console/sign-in?lang=en&next={quote(next_path)}")
    sso = page.locator("#sso")
    assert sso.inner_text() == f"Sign in with {SSO_NAME}"
    sso.click()
    page.wait_for_url(f"{node.provider.issuer}/interaction/**")
    assert page.locator("h1").inner_text() == "Sign-in", page.content()[:2000]
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    _submit(page, "button:has-text('Sign-in')")
    assert page.locator("h1").inner_text() == "Authorize", page.content()[:2000]
    status = _submit(page, "button:has-text('Continue')")
    landed = urlsplit(page.url)
    assert (status, f"{landed.scheme}://{landed.netloc}{landed.path}") == (
        200,
        node.url + next_path,
    ), f"{login} did not land on {next_path}: {page.url}\n{page.content()[:3000]}"
    assert page.locator("#staff-name").inner_text() == PEOPLE[login]["name"]
    return page


def page_text(page: Page, selector: str) -> str:
    located = page.locator(selector)
    assert located.count() == 1, f"{selector} at {page.url}:\n{page.content()[:3000]}"
    return located.inner_text().strip()


def _state(page: Page) -> str:
    value = page.locator("#record [data-state]").get_attribute("data-state")
    assert value is not None
    return value


def _waiting_stage(page: Page) -> str | None:
    """The index of the stage the record page says it waits for (None: none)."""
    waiting = page.locator("#stages li:has([data-waiting])")
    return waiting.get_attribute("data-stage") if waiting.count() else None


def _queue(page: Page, node: PathNode) -> dict[str, str]:
    """The approvals page: record id -> the stage it waits for, for the signed-in person."""
    _open(page, f"{node.url}/console/approvals?lang=en")
    rows = page.locator("#approvals tbody tr")
    return {
        str(rows.nth(i).get_attribute("data-record")): rows.nth(i).locator("td").nth(1).inner_text()
        for i in range(rows.count())
    }


def _decide(page: Page, node: PathNode, record_id: str, comment: str) -> None:
    """Open the record from the approvals page and approve the stage it waits for."""
    queue = _queue(page, node)
    assert record_id in queue, f"{page.locator('#staff-name').inner_text()}'s queue: {queue}"
    with page.expect_navigation():
        page.locator(f'#approvals tr[data-record="{record_id}"] a').click()
    assert page.locator("form.decision").count() == 1, page.content()[:3000]
    check(page)
    page.locator("#comment").fill(comment)
    assert _submit(page, "form.decision button[value=approved]") == 200
    assert RECORD_URL.search(urlsplit(page.url).path), page.url
    assert page.locator("#notice").count() == 0, page.locator("#notice").inner_text()


def _last_step(page: Page) -> list[str]:
    cells = page.locator("#steps tbody tr").last.locator("td")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def _mail_to(node: PathNode, address: str) -> EmailMessage | None:
    inbox = node.smtp.inbox
    for message, (_sender, recipients) in zip(inbox.messages, inbox.envelopes, strict=False):
        if address in recipients:
            return message
    return None


# -- the path --------------------------------------------------------------------------------


def test_sign_in_prepare_approve_seal_anchor_offer_mail_and_redeem(
    browser: Browser, path_node: PathNode
) -> None:
    node = path_node

    # 1. The teacher signs in at the provider and prepares the record.
    teacher = sign_in(browser, node, "tiina.teacher", "/console/prepare")
    assert page_text(teacher, "#staff-roles") == "(committee, teacher)"
    form = teacher.locator("form:has(button:has-text('Prepare'))")
    assert form.locator('[name="awarding_body_name@en"]').input_value() == "Path U"
    assert form.locator('[name="issuer_countries"]').input_value() == "FI"
    issued_on = form.locator('[name="date_of_issuing"]').input_value()  # today, prefilled
    check(teacher)
    for name, value in TYPED.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('[name="outcomes"]').fill("\n".join(OUTCOMES))
    form.locator('[name="eqf"]').select_option("6")
    form.locator("#a-online").check()
    form.locator("#a-portfolio").check()
    form.locator('[name="participation_form"]').select_option("blended")
    form.locator("#q-internal").check()
    assert _submit(teacher, "form button:has-text('Prepare')") == 200
    found = RECORD_URL.search(urlsplit(teacher.url).path)
    assert found, f"the prepare form did not lead to the record: {teacher.url}\n" + (
        teacher.locator("#notice").inner_text() if teacher.locator("#notice").count() else ""
    )
    record_id = found.group(1)
    record_page = f"/console/records/{record_id}"
    assert teacher.locator("h1").inner_text() == TYPED["title@en"]
    assert page_text(teacher, "#record-learner") == "Aino Polku (S300042)"
    assert _state(teacher) == "prepared" and _waiting_stage(teacher) == "0"
    # Separation of duties: the teacher is in the committee, but prepared this record.
    assert teacher.locator("form.decision").count() == 0
    assert page_text(teacher, "#refusal") == (
        "You cannot decide this stage: separation of duties: you prepared this record"
    )
    assert teacher.get_by_text("Make an offer").count() == 0, "only a registrar offers"
    check(teacher)
    assert record_id not in _queue(teacher, node), "the preparer's own record is not theirs"

    # 2. The programme committee approves.
    committee = sign_in(browser, node, "kalle.committee", "/console/approvals")
    assert _queue(committee, node) == {record_id: "Programme committee"}
    check(committee)
    _decide(committee, node, record_id, "Outcomes and level fit the programme.")
    assert _state(committee) == "prepared" and _waiting_stage(committee) == "1"
    assert _last_step(committee)[:3] == ["Programme committee", "approved", "Kalle Committee"]
    # Separation of duties: also in the study department, but no second stage of one round.
    assert committee.locator("form.decision").count() == 0
    assert page_text(committee, "#refusal") == (
        "You cannot decide this stage: separation of duties: you decided the stage "
        "“Programme committee” of this record"
    )
    assert record_id not in _queue(committee, node)

    # 3. The study department approves.
    study = sign_in(browser, node, "sanna.study", "/console/approvals")
    assert _queue(study, node) == {record_id: "Study department"}
    _decide(study, node, record_id, "The learner's identity is confirmed.")
    assert _state(study) == "prepared" and _waiting_stage(study) == "2"
    assert _last_step(study)[:3] == ["Study department", "approved", "Sanna Study"]

    # 4. Management approves: the sealing stage signs the credential.
    dean = sign_in(browser, node, "dora.dean", "/console/approvals")
    assert _queue(dean, node) == {record_id: "Management"}
    _decide(dean, node, record_id, "Sealed.")
    assert _state(dean) == "issued", dean.content()[:3000]
    assert dean.locator("#record [data-state]").inner_text() == "Valid"
    assert _waiting_stage(dean) is None
    assert _last_step(dean)[:3] == ["Management", "approved", "Dora Dean"]
    assert dean.locator("#copies tbody tr").count() == 1, "the sealing stage signed one copy"
    assert _queue(dean, node) == {}
    assert page_text(dean, "#no-approvals") == "Nothing waits for you."

    # 5. The node anchors it; the registrar sees so on the record page.
    registrar = sign_in(browser, node, "rami.registrar", record_page)
    anchor = registrar.locator("#copies td[data-anchor]")

    def anchored() -> bool:
        if anchor.get_attribute("data-anchor") == "confirmed":
            return True
        _open(registrar, f"{node.url}{record_page}?lang=en")
        return False

    wait_for(
        anchored,
        WAIT,
        lambda: f"the record was never anchored ({anchor.inner_text()}):\n{node.log_tail()}",
    )
    assert re.fullmatch(r"anchored in block \d+", anchor.inner_text()), anchor.inner_text()
    assert _state(registrar) == "issued"
    check(registrar)

    # 6. The registrar offers it to the learner's wallet, mailed.
    registrar.locator("#offer-email").fill(LEARNER_EMAIL)
    registrar.locator("#offer-lang").select_option("en")
    assert _submit(registrar, "button:has-text('Make an offer')") == 200
    assert registrar.locator("h1").inner_text() == "Wallet offer", registrar.content()[:3000]
    pin = page_text(registrar, "#offer-pin")
    assert re.fullmatch(r"\d{4,10}", pin), pin
    assert registrar.locator("#offer-mailed").count() == 1, "the offer was not mailed"
    assert registrar.locator("#offer-deferred").count() == 0, "the record is issued"
    shown_link = registrar.locator("#wallet-link").get_attribute("href") or ""
    assert shown_link.startswith("openid-credential-offer://?credential_offer_uri="), shown_link
    offer_page = registrar.locator("#offer-page").get_attribute("href") or ""
    check(registrar)

    # 7. The mail reaches the SMTP server: the links, never the PIN.
    wait_for(
        lambda: _mail_to(node, LEARNER_EMAIL) is not None,
        WAIT,
        lambda: (
            f"no mail to {LEARNER_EMAIL} at aiosmtpd "
            f"({len(node.smtp.inbox.messages)} others):\n{node.log_tail()}"
        ),
    )
    mail = _mail_to(node, LEARNER_EMAIL)
    assert mail is not None
    assert mail["Subject"] == "Your micro-credential is ready for your wallet"
    assert mail["To"] == LEARNER_EMAIL and "registry@path-u.example" in str(mail["From"])
    plain, rich = (mail.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert plain is not None and rich is not None, mail.as_string()[:3000]
    body = plain.get_content()
    assert isinstance(body, str)
    assert pin not in str(rich.get_content()), "the PIN is never mailed"
    assert pin not in body, "the PIN is never mailed"
    assert offer_page and offer_page in body, body
    mailed = re.findall(r"openid-credential-offer://\S+", body)
    assert mailed == [shown_link], body

    # 8. The learner's wallet redeems the link from the mail with the PIN.
    result = wallet(offer=mailed[0], txCode=pin, configurationId=LDP_ID, alg="EdDSA")
    assert result["ok"], result
    (entry,) = result["credentialResponse"]["credentials"]
    credential = entry["credential"]
    subject = credential["credentialSubject"]
    assert subject["id"].startswith("did:jwk:"), "bound to the wallet's key"
    did = httpx.get(f"{node.url}/.well-known/did.json", timeout=10).json()["id"]
    _assert_typed(credential, did, issued_on)

    # 9. The wallet's copy verifies as valid at the node (once anchored like any other).
    reports: list[dict[str, Any]] = []

    def valid() -> bool:
        reports.append(node.verify(credential))
        return bool(reports[-1]["verdict"] == "valid")

    wait_for(valid, WAIT, lambda: f"the wallet's credential never verified: {reports[-1]}")
    assert reports[-1]["verified"] is True

    # The registrar's dashboard counts the mail as sent.
    sent = registrar.locator("#mail-counts [data-count=sent]")

    def counted() -> bool:
        _open(registrar, f"{node.url}/console/dashboard?lang=en")
        return sent.inner_text() == "1"

    wait_for(counted, WAIT, lambda: f"the dashboard counts {sent.inner_text()} mails sent")
    # No secret in the node's log: it saw ID tokens, the client secret, codes and the PIN.
    log = node.log.read_text(errors="replace")
    assert "eyJ" not in log and node.provider.client_secret not in log


def _assert_typed(credential: dict[str, Any], issuer: str, issued_on: str) -> None:
    """The wallet's credential says what the teacher typed (and what the form prefilled)."""
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    vocab = "https://w3id.org/credreg/vocab"
    assert credential["issuer"]["id"] == issuer and credential["issuer"]["name"] == "Path U"
    assert credential["proof"]["verificationMethod"].startswith(issuer + "#")
    assert (subject["givenName"], subject["familyName"]) == ("Aino", "Polku")
    assert subject["dateOfBirth"] == TYPED["learner_date_of_birth"]
    assert [i["identityHash"] for i in subject["identifier"]] == [TYPED["learner_id"]]
    assert credential["name"] == achievement["name"] == TYPED["title@en"]
    assert [o["title"]["en"] for o in achievement["learningOutcome"]] == OUTCOMES
    assert subject["creditsEarned"] == 2 and achievement["creditPoint"]["point"] == "2"
    assert achievement["EQFLevel"] == "http://data.europa.eu/snb/eqf/6"
    assert achievement["assessmentType"] == [
        f"{vocab}/assessment-type/online",
        f"{vocab}/assessment-type/portfolio",
    ]
    assert achievement["mode"] == f"{vocab}/participation-form/blended"
    assert achievement["qualityAssuranceType"] == [f"{vocab}/quality-assurance-type/internal"]
    (body,) = subject["awardingBody"]
    assert body["address"]["addressLocality"] == TYPED["awarding_body_locality"]
    assert body["name"] == "Path U" and body["address"]["addressCountryCode"] == "FI"
    assert subject["dateOfIssuing"] == issued_on
