"""The learner's pages in headless Chromium (JavaScript off): sign in, see my credentials,
create a share link that opens the verification, withdraw it; the language switch."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from tests.browser.conftest import Node

PASSWORD = "browser learner password"


def _learner(node: Node, email: str) -> None:
    response = httpx.post(
        f"{node.url}/admin/learners",
        json={
            "email": email,
            "name": "Brigitte Browser",
            "password": PASSWORD,
            "record_ids": [node.records["valid"], node.records["revoked"]],
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

    _sign_in(page, node, "brigitte@example.org")
    assert page.locator("h1").inner_text() == "My credentials"
    assert page.locator("#learner-name").inner_text() == "Brigitte Browser"
    rows = page.locator("tr[data-record]")
    assert rows.count() == 2
    valid = page.locator(f'tr[data-record="{node.records["valid"]}"]')
    assert valid.locator("[data-state]").inner_text() == "Valid"
    revoked = page.locator(f'tr[data-record="{node.records["revoked"]}"]')
    assert revoked.locator("[data-state]").inner_text() == "Revoked"

    valid.get_by_role("link").click()
    page.wait_for_load_state()
    page.get_by_label("The link works for").select_option("7")
    page.get_by_role("button", name="Create link").click()
    page.wait_for_load_state()
    share_url = page.locator("#share-url").inner_text()
    assert share_url.startswith(f"{node.url}/v/")
    assert page.locator('tr[data-state="active"]').count() == 1

    # The employer opens the link: the verification with the credential's content.
    page.goto(share_url + "?lang=en")
    assert page.locator("#verdict").get_attribute("data-verdict") == "valid"
    assert page.locator('dd[data-field="learner"]').inner_text()

    page.goto(f"{node.url}/learner/credentials/{node.records['valid']}?lang=en")
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_load_state()
    assert page.locator('tr[data-state="revoked"]').count() == 1
    response = page.goto(share_url + "?lang=en")
    assert response is not None and response.status == 410
    assert "withdrawn" in page.locator("#notice").inner_text()

    # Signing out ends the session.
    page.goto(f"{node.url}/learner/credentials?lang=en")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    page.goto(f"{node.url}/learner/credentials?lang=en")
    assert page.locator("h1").inner_text() == "Sign in"


def test_sign_in_page_languages(page: Page, node: Node) -> None:
    expected = {"en": "Sign in", "de": "Anmelden", "es": "Iniciar sesión", "fi": "Kirjaudu sisään"}
    page.goto(f"{node.url}/learner/sign-in?lang=en")
    for code, heading in expected.items():
        page.locator(f'nav a[hreflang="{code}"]').click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == heading
        assert page.locator("html").get_attribute("lang") == code
