"""The learner's pages in headless Chromium (JavaScript off): sign in, see my credentials,
create a share link that opens the verification, withdraw it; the language switch; the
e-mailed sign-in link's page; a wallet's request for a credential (the consent page).
axe checks each page."""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from urllib.parse import urlencode, urlsplit

import httpx
from playwright.sync_api import Browser, Page

from node.web.i18n import t
from tests.browser.axe import check
from tests.browser.conftest import Node
from wallet_bridge.authorization import code_challenge

PASSWORD = "browser learner password"


def _learner(node: Node, email: str, record_ids: list[str] | None = None) -> None:
    response = httpx.post(
        f"{node.url}/admin/learners",
        json={
            "email": email,
            "name": "Brigitte Browser",
            "password": PASSWORD,
            "record_ids": [node.records["valid"], node.records["revoked"]]
            if record_ids is None
            else record_ids,
        },
        headers=node.headers(),
        timeout=30,
    )
    assert response.status_code == 201, response.text


def _sign_in(page: Page, node: Node, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{node.url}/learner/sign-in?lang=en")
    page.get_by_label("E-mail address").first.fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_sign_in_share_and_withdraw(page: Page, node: Node) -> None:
    _learner(node, "brigitte@example.org")
    _sign_in(page, node, "brigitte@example.org", "not the password")
    assert page.locator("#notice").inner_text() == "Wrong e-mail address or password."
    check(page)

    _sign_in(page, node, "brigitte@example.org")
    assert page.locator("h1").inner_text() == "My credentials"
    assert page.locator("#learner-name").inner_text() == "Brigitte Browser"
    rows = page.locator("tr[data-record]")
    assert rows.count() == 2
    valid = page.locator(f'tr[data-record="{node.records["valid"]}"]')
    assert valid.locator("[data-state]").inner_text() == "Valid"
    revoked = page.locator(f'tr[data-record="{node.records["revoked"]}"]')
    assert revoked.locator("[data-state]").inner_text() == "Revoked"
    check(page)

    valid.get_by_role("link").click()
    page.wait_for_load_state()
    check(page)
    page.get_by_label("The link works for").select_option("7")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_load_state()
    share_url = page.locator("#share-url").inner_text()
    assert share_url.startswith(f"{node.url}/v/")
    assert page.locator('tr[data-state="active"]').count() == 1
    check(page)  # with the new link, shown once

    # The employer opens the link: the verification with the credential's content.
    page.goto(share_url + "?lang=en")
    assert page.locator("#verdict").get_attribute("data-verdict") == "valid"
    assert page.locator('dd[data-field="learner"]').inner_text()
    check(page)

    page.goto(f"{node.url}/learner/credentials/{node.records['valid']}?lang=en")
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_load_state()
    assert page.locator('tr[data-state="revoked"]').count() == 1
    check(page)
    response = page.goto(share_url + "?lang=en")
    assert response is not None and response.status == 410
    assert "withdrawn" in page.locator("#notice").inner_text()
    check(page)

    # Signing out ends the session.
    page.goto(f"{node.url}/learner/credentials?lang=en")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{node.url}/learner/credentials?lang=en")
    assert page.locator("h1").inner_text() == "Sign in"
    check(page)


def test_sign_in_page_languages(page: Page, node: Node) -> None:
    expected = {"en": "Sign in", "de": "Anmelden", "es": "Iniciar sesión", "fi": "Kirjaudu sisään"}
    page.goto(f"{node.url}/learner/sign-in?lang=en")
    for code, heading in expected.items():
        page.locator(f'nav a[hreflang="{code}"]').click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == heading
        assert page.locator("html").get_attribute("lang") == code
        check(page)


def test_sign_in_link_pages(page: Page, node: Node) -> None:
    page.goto(f"{node.url}/learner/sign-in?lang=en")
    page.locator("#link-email").fill("nobody.here@example.org")
    page.get_by_role("button", name="E-mail me a sign-in link").click()
    page.wait_for_load_state()
    assert page.locator("#notice").inner_text() == t("en", "l.link_sent")
    check(page)
    # The link from the e-mail opens a page with a button: no sign-in on GET.
    response = page.goto(f"{node.url}/learner/link/{secrets.token_urlsafe(24)}?lang=en")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Sign in"
    check(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.locator("#notice").inner_text() == t("en", "l.link_failed")
    check(page)


def test_wallet_asks_for_a_credential(page: Page, node: Node) -> None:
    """The consent page of the OpenID4VCI authorization code flow, the learner signed in."""
    record_id, _credential = node.issue(75, learner="S200075")  # one account per learner
    _learner(node, "consent.learner@example.org", [record_id])
    _sign_in(page, node, "consent.learner@example.org")
    params = {
        "response_type": "code",
        "client_id": "https://wallet.example",
        "redirect_uri": "https://wallet.example/cb",
        "state": secrets.token_urlsafe(8),
        "code_challenge": code_challenge(secrets.token_urlsafe(48)),
        "code_challenge_method": "S256",
        "scope": "MicroCredential_jwt_vc_json",
    }
    page.goto(f"{node.url}/authorize?{urlencode(params)}")
    assert urlsplit(page.url).path.startswith("/learner/authorize/")
    assert page.locator("h1").inner_text() == "Add a credential to your wallet"
    assert page.locator("#client-id").inner_text() == "https://wallet.example"
    assert page.locator("#wallet-host").inner_text() == "wallet.example"
    choice = page.get_by_role("radio")
    assert choice.count() == 1 and choice.is_checked()
    assert choice.get_attribute("value") == record_id
    check(page)


def test_recognition_pages_in_each_language(browser: Browser, node: Node) -> None:
    """The learner's recognition pages on a phone with axe: no agreement yet here (the whole
    path over HTTP on anvil: tests/integration/test_learner_recognition.py), and a decided
    request of theirs, stored as the service leaves it, with its appeal form."""
    response = httpx.post(
        f"{node.url}/admin/learners",
        json={
            "email": "rita@example.org",
            "name": "Rita Recognition",
            "password": PASSWORD,
            "learner_identifier": "R-1",
        },
        headers=node.headers(),
        timeout=30,
    )
    assert response.status_code == 201, response.text
    _store_learning_agreement(node, "R-1")
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        _sign_in(page, node, "rita@example.org")
        with sqlite3.connect(node.server.env["CREDREG_DATA_DIR"] + "/node.db") as db:
            (account,) = db.execute(
                "SELECT id FROM learner_account WHERE email = 'rita@example.org'"
            ).fetchone()
            case_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO recognition_case (id, state, route, programme, learner_account_id,"
                " evidence, conditions, outcome, reason, created_at, decided_at, decided_by)"
                " VALUES (?, 'decided', 'agreement', 'MSC-DS', ?, '[]', ?, 'not-recognised',"
                " 'The grade is a fail.', '2026-12-04 10:00:00', '2026-12-04 10:05:00',"
                " 'staff Rita')",
                (
                    case_id,
                    account,
                    json.dumps(
                        [
                            {
                                "name": "passingGrade",
                                "ok": False,
                                "detail": "grade FX is not a passing grade",
                            }
                        ]
                    ),
                ),
            )
        for lang in ("en", "de", "es", "fi"):
            page.goto(f"{node.url}/learner/recognition?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            assert page.locator("#no-agreements").count() == 1
            assert page.locator(f'#cases tr[data-case="{case_id}"]').count() == 1
            assert page.locator('#learning-agreements li[data-accepted="no"]').count() == 1
            wide = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
                ".right > 390).map(e => e.tagName + '#' + e.id + ' ' + e.textContent.slice(0, 40))"
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
            check(page)
            page.goto(f"{node.url}/learner/recognition/{case_id}?lang={lang}")
            assert page.locator("#case").get_attribute("data-state") == "decided"
            assert page.locator("#appeal-text").count() == 1
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            check(page)
        page.locator("#appeal-text").fill("I passed.")
        page.locator("form[action$='/appeal'] button").click()
        page.wait_for_load_state()
        assert page.locator("#appeal").get_attribute("data-outcome") == "open"
    finally:
        context.close()


def _store_learning_agreement(node: Node, identifier: str) -> None:
    """A learning agreement of this node naming the learner, as the partner would have it
    agreed (the node-to-node steps: tests/integration/test_learner_recognition.py)."""
    did = "did:web:" + node.url.removeprefix("http://").replace(":", "%3A")
    url = f"{node.url}/agreements/{uuid.uuid4()}"
    terms = {
        "type": "LearningAgreement",
        "id": f"{url}/versions/1",
        "agreement": url,
        "version": 1,
        "parties": [{"id": did}, {"id": "did:web:uni-b.example"}],
        "title": {"en": "Exchange semester at B", "de": "Austauschsemester an B"},
        "learner": {
            "givenName": "Rita",
            "familyName": "Recognition",
            "identifier": identifier,
            "identifierType": "student-number",
        },
        "programme": {"institution": did, "id": "MSC-DS", "title": {"en": "MSc DS"}},
        "modules": [
            {
                "offeredBy": "did:web:uni-b.example",
                "digest": "0" * 64,
                "entry": "https://uni-b.example/catalogue/e/versions/1",
                "title": {"en": "Supply chain analytics"},
            }
        ],
        "mobility": {"start": "2026-02-01", "end": "2026-06-30"},
        "validFrom": "2026-01-01",
        "validUntil": "2027-06-30",
    }
    with sqlite3.connect(node.server.env["CREDREG_DATA_DIR"] + "/node.db") as db:
        db.execute(
            "INSERT INTO agreement_version (url, agreement_url, number, kind, role,"
            " partner_did, terms, proofs, state, created_at, delivery_attempts)"
            " VALUES (?, ?, 1, 'learning', 'proposer', 'did:web:uni-b.example', ?, '[]',"
            " 'proposed', '2026-12-04 10:00:00', 0)",
            (terms["id"], url, json.dumps(terms)),
        )
