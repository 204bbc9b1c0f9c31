"""The wallet offer as a learner's browser shows it (headless Chromium, JavaScript off): the
offer page's QR code decodes (zxing-cpp) on every screen — device scale factors 1, 2 and 3,
a 390 px wide phone — and the learner portal hands out a fresh offer with its PIN and a
download of each signed copy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.axe import check
from tests.browser.conftest import Node
from tests.browser.png import qr_texts

PASSWORD = "wallet learner password"


def _offer(node: Node, record_id: str) -> dict[str, Any]:
    response = httpx.post(
        f"{node.url}/admin/credentials/{record_id}/offers",
        json={"email": "learner@example.org"},
        headers=node.headers(),
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _decoded(page: Page) -> list[str]:
    """The text of every QR code in a screenshot of the page's QR image as displayed."""
    qr = page.locator(".qr svg")
    box = qr.bounding_box()
    assert box is not None
    viewport = page.viewport_size
    assert viewport is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    return qr_texts(qr.screenshot())


@pytest.mark.parametrize(("scale", "width"), [(1, 1280), (2, 1280), (3, 1280), (1, 390), (3, 390)])
def test_offer_page_qr_decodes_on_every_screen(
    browser: Browser, node: Node, scale: int, width: int
) -> None:
    offer = _offer(node, node.records["valid"])
    context = browser.new_context(
        locale="en-GB",
        java_script_enabled=False,
        device_scale_factor=scale,
        viewport={"width": width, "height": 900},
    )
    try:
        page = context.new_page()
        page.goto(offer["offer_page_url"] + "&lang=en")
        assert page.locator("h1").inner_text() == "Add your micro-credential to your wallet"
        assert _decoded(page) == [offer["credential_offer_by_reference"]]
        assert "not in the e-mail" in page.locator("#pin-hint").inner_text()
        check(page)
    finally:
        context.close()


def test_portal_add_to_my_wallet_and_download(browser: Browser, node: Node) -> None:
    record_id, _credential = node.issue(74, learner="S200074")  # one account per learner
    created = httpx.post(
        f"{node.url}/admin/learners",
        json={
            "email": "wallet.learner@example.org",
            "name": "Wanda Wallet",
            "password": PASSWORD,
            "record_ids": [record_id],
        },
        headers=node.headers(),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    context = browser.new_context(
        locale="en-GB",
        java_script_enabled=False,
        device_scale_factor=3,
        viewport={"width": 390, "height": 844},
        accept_downloads=True,
    )
    try:
        page = context.new_page()
        page.goto(f"{node.url}/learner/sign-in?lang=en")
        page.get_by_label("E-mail address").first.fill("wallet.learner@example.org")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.goto(f"{node.url}/learner/credentials/{record_id}?lang=en")
        assert page.locator('dd[data-field="learner"]').inner_text()
        assert page.locator('dd[data-field="title"]').inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        check(page)

        page.get_by_role("button", name="Add to my wallet").click()
        page.wait_for_load_state()
        pin = page.locator("#wallet-pin").inner_text()
        assert pin.isdigit() and len(pin) == 6
        (decoded,) = _decoded(page)
        assert decoded.startswith("openid-credential-offer://?credential_offer_uri=")
        link = page.locator("#wallet-link").get_attribute("href")
        assert link is not None and link.startswith("openid-credential-offer://")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        check(page)  # with the offer and its PIN, shown once

        rows = page.locator("#copies tr[data-copy]")
        assert rows.count() == 1
        with page.expect_download() as info:
            rows.first.get_by_role("link", name="Download").click()
        download = info.value
        assert download.suggested_filename.startswith(record_id)
        saved = download.path()
        assert saved is not None and b'"proof"' in saved.read_bytes()
    finally:
        context.close()
