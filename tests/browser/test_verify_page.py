"""The employer's verification page in headless Chromium (JavaScript off): each kind of
credential shows the right verdict, the language switch works, the printable copy's QR code
decodes to the verification link."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, FilePayload, Page

from node.web.i18n import LANGUAGES, t
from tests.browser.axe import check
from tests.browser.conftest import Node
from tests.browser.png import qr_texts

CASES = [
    ("valid", "valid", "Valid"),
    ("tampered", "invalid", "Not valid"),
    ("revoked", "revoked", "Revoked"),
    ("suspended", "suspended", "Suspended"),
    ("unknown_issuer", "invalid", "Not valid"),
]


def _submit(page: Page, node: Node, credential: object) -> None:
    page.goto(f"{node.url}/verify?lang=en")
    page.get_by_label("Paste the credential").fill(json.dumps(credential))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


@pytest.mark.parametrize(("name", "verdict", "heading"), CASES)
def test_each_credential_shows_its_verdict(
    page: Page, node: Node, name: str, verdict: str, heading: str
) -> None:
    _submit(page, node, node.credentials[name])
    box = page.locator("#verdict")
    assert box.get_attribute("data-verdict") == verdict
    assert box.locator("h2").inner_text() == heading
    # The credential as a person reads it, and each check with its detail folded away.
    assert page.locator('dd[data-field="learner"]').inner_text()
    assert page.locator("li[data-check]").count() == 9
    detail = page.locator('li[data-check="signature"] details')
    assert detail.get_attribute("open") is None
    if name == "valid":
        # The node's own embedded chain: it is the only institution there (issue 11, item 10)
        membership = page.locator('li[data-check="membership"]').inner_text()
        assert "registered on its own ledger, the only institution there (since 20" in membership
    if name == "tampered":
        assert page.locator('li[data-check="signature"]').get_attribute("data-ok") == "fail"
    if name == "unknown_issuer":
        assert page.locator('li[data-check="membership"]').get_attribute("data-ok") == "fail"
    check(page)


def _submit_in(page: Page, node: Node, credential: object, lang: str) -> None:
    page.goto(f"{node.url}/verify?lang={lang}")
    page.locator("#credential").fill(json.dumps(credential))
    page.locator("button.primary").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_verdict_says_whose_chain_vouches_for_it(page: Page, node: Node, lang: str) -> None:
    """Issue 11, item 10: on a node alone on its embedded chain, "valid" does not claim an
    accredited network: it names the issuer and says that only it vouches."""
    _submit_in(page, node, node.credentials["valid"], lang)
    box = page.locator("#verdict")
    assert box.get_attribute("data-verdict") == "valid"
    host = node.url.removeprefix("http://")
    values = {
        "issuer": f"Browser U ({host})",
        "network": t(lang, "trust.chain").format(chain=1337),
        "members": 1,
    }
    assert box.locator("p").first.inner_text() == t(lang, "v.valid.single").format(**values)
    assert page.locator("#trust").inner_text() == t(lang, "trust.single").format(**values)
    assert t(lang, "v.valid.why") not in box.inner_text()
    check(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_tampered_credential_is_not_said_to_await_the_ledger(
    page: Page, node: Node, lang: str
) -> None:
    _submit_in(page, node, node.credentials["tampered"], lang)
    assert page.locator("#verdict").get_attribute("data-verdict") == "invalid"
    anchor = page.locator('li[data-check="anchor"]')
    assert t(lang, "c.anchor.unknown") in anchor.inner_text()
    assert t(lang, "c.anchor.pending") not in page.locator("main").inner_text()
    check(page)


def test_verdict_is_reached_by_keyboard_alone(page: Page, node: Node) -> None:
    page.goto(f"{node.url}/verify?lang=en")
    page.keyboard.press("Tab")  # the language links come first
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "credential":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "credential"
    page.keyboard.insert_text(json.dumps(node.credentials["valid"]))
    page.keyboard.press("Tab")  # the file input
    page.keyboard.press("Tab")  # the QR image input
    page.keyboard.press("Tab")  # the Verify button
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("#verdict").get_attribute("data-verdict") == "valid"


def test_language_follows_the_browser_and_switches(browser: Browser, node: Node) -> None:
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{node.url}/verify")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.locator("h1").inner_text() == "Micro-Credential prüfen"
        check(page)
        page.get_by_role("link", name="Suomi").click()
        assert page.locator("html").get_attribute("lang") == "fi"
        assert page.locator("h1").inner_text() == "Tarkista mikrotodistus"
        # On a result page the switch re-posts the credential: the result stays.
        page.get_by_label("Liitä todistus").fill(json.dumps(node.credentials["revoked"]))
        page.get_by_role("button", name="Tarkista", exact=True).click()
        assert page.locator("#verdict h2").inner_text() == "Peruttu"
        page.get_by_role("button", name="Español").click()
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("#verdict h2").inner_text() == "Revocada"
        assert page.locator("#verdict").get_attribute("data-verdict") == "revoked"
        check(page)  # the result page with the language switch that re-posts
    finally:
        context.close()


def test_printable_copy_qr_decodes_to_the_verification_link(page: Page, node: Node) -> None:
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    created = httpx.post(
        f"{node.url}/admin/credentials/{node.records['valid']}/share-links",
        json={"expiresAt": expires},
        headers=node.headers(),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    link = created.json()
    page.goto(link["printUrl"])
    png = page.locator(".qr svg").screenshot()
    found = qr_texts(png)
    assert found == [link["url"]]
    check(page)
    # The link opens the credential's content and its verification.
    page.goto(found[0])
    assert page.locator("#verdict").get_attribute("data-verdict") == "valid"
    assert page.locator('dd[data-field="title"]').inner_text()
    check(page)
    # Revoked by the learner (here: the admin API): the link says so.
    httpx.delete(
        f"{node.url}/admin/credentials/{node.records['valid']}/share-links/{link['id']}",
        headers=node.headers(),
        timeout=30,
    ).raise_for_status()
    page.goto(link["url"])
    assert page.locator("#notice").is_visible()
    assert page.locator("#verdict").count() == 0
    check(page)


def test_uploaded_photo_of_the_printed_qr_shows_the_verdict(page: Page, node: Node) -> None:
    """The employer has only the paper copy: a picture of its QR code, uploaded on /verify
    (no JavaScript), opens the credential's verification."""
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    created = httpx.post(
        f"{node.url}/admin/credentials/{node.records['revoked']}/share-links",
        json={"expiresAt": expires},
        headers=node.headers(),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    page.goto(created.json()["printUrl"])
    png = page.locator(".qr svg").screenshot()
    page.goto(f"{node.url}/verify?lang=de")
    page.get_by_label("QR-Codes hochladen").set_input_files(
        files=FilePayload(name="foto.png", mimeType="image/png", buffer=png)
    )
    page.get_by_role("button", name="Prüfen", exact=True).click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{node.url}/v/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("#verdict").get_attribute("data-verdict") == "revoked"
    assert page.locator("#verdict h2").inner_text() == "Widerrufen"
    assert page.locator('dd[data-field="learner"]').inner_text()
    check(page)
    # A picture without a QR code: a clear message on the page, and the form again.
    page.goto(f"{node.url}/verify?lang=en")
    page.get_by_label("QR code").set_input_files(
        files=FilePayload(name="blank.png", mimeType="image/png", buffer=_white_png())
    )
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("#verdict").get_attribute("data-verdict") == "qr_unreadable"
    assert "No QR code was found" in page.locator("#verdict").inner_text()
    assert page.get_by_label("QR code").count() == 1
    check(page)


def _white_png() -> bytes:
    raw = zlib.compress(b"".join(b"\x00" + b"\xff" * 64 for _ in range(64)))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 64, 64, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def test_page_loads_nothing_from_outside(page: Page, node: Node) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    _submit(page, node, node.credentials["valid"])
    assert requested and all(url.startswith(node.url) for url in requested), requested
