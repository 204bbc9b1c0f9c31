"""The learner portal's credential page, in process on SQLite and PostgreSQL: what the
credential says, "add to my wallet" (a fresh offer whose PIN only this page shows, redeemed
by a wallet), the download of each signed copy, and the offer by reference."""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from node.credentials.examples import example_claims
from node.lookup.qr import decode_image
from tests.conftest import RunningNode
from tests.integration.test_learners import PASSWORD, Browser, provision, record
from tests.integration.test_oid4vci import ISSUER, JWT_ID, make_offer, pre_authorized_code, redeem
from vc.jose import decode_jws

_WALLET_LINK = re.compile(r'id="wallet-link" href="([^"]+)"')
_PIN = re.compile(r'id="wallet-pin">(\d+)<')
_COPY = re.compile(r'href="(/learner/credentials/[^/"]+/copies/(\d+))" download')


def _signed_in(node: RunningNode, *record_ids: str) -> Browser:
    provision(node, "learner@example.org", list(record_ids), password=PASSWORD)
    browser = Browser(node)
    assert browser.sign_in("learner@example.org").status_code == 303
    return browser


def _offer_json(uri: str) -> dict[str, Any]:
    offer: dict[str, Any] = json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])
    return offer


def test_credential_page_content_wallet_offer_and_downloads(node: RunningNode) -> None:
    mine = record(node, 3)
    browser = _signed_in(node, mine)
    path = f"/learner/credentials/{mine}?lang=en"
    page = browser.client.get(path)
    assert page.status_code == 200
    claims = example_claims(3)
    learner = f"{claims['learner']['givenName']} {claims['learner']['familyName']}"
    assert f'data-field="learner">{learner}<' in page.text
    assert 'data-field="learningOutcomes"' in page.text
    assert "wallet-pin" not in page.text  # no offer until the learner asks for one

    # "Add to my wallet": a fresh offer, its QR code, wallet link and PIN on the page only.
    asked = browser.client.post(
        f"/learner/credentials/{mine}/wallet-offers",
        data={"csrf": browser.csrf(page.text), "lang": "en"},
    )
    assert asked.status_code == 201, asked.text
    assert asked.headers["cache-control"] == "no-store"
    pin, link = _PIN.search(asked.text), _WALLET_LINK.search(asked.text)
    assert pin and link and "<svg" in asked.text and 'viewBox="0 0' in asked.text
    uri = link.group(1).replace("&amp;", "&")
    assert node.runtime.outbox().pending() == []  # nothing mailed: the PIN stays on the page
    offer = {"credential_offer_uri": uri, "tx_code": pin.group(1)}
    assert _offer_json(uri)["credential_configuration_ids"][0].startswith("MicroCredential")
    response, _token = redeem(node, offer, JWT_ID, ec.generate_private_key(ec.SECP256R1()))
    assert response.status_code == 200, response.text
    wallet_copy = response.json()["credentials"][0]["credential"]
    assert decode_jws(wallet_copy)[1]["sub"].startswith("did:jwk:")

    # Every signed copy (the institution's and the wallet's) downloads as the signed bytes.
    page = browser.client.get(path)
    copies = _COPY.findall(page.text)
    assert len(copies) == 2, page.text
    downloaded = [browser.client.get(href) for href, _id in copies]
    assert all(d.status_code == 200 for d in downloaded)
    assert all(d.headers["content-type"].startswith("application/jwt") for d in downloaded)
    assert all(d.headers["content-disposition"].startswith("attachment;") for d in downloaded)
    assert downloaded[1].text == wallet_copy

    # Someone else's credential, copy or a bad copy id: "not found"; no CSRF token: refused.
    other = record(node, 4)
    assert browser.client.get(f"/learner/credentials/{other}/copies/1").status_code == 404
    own_href, own_id = copies[0]
    foreign = own_href.replace(mine, other)
    assert browser.client.get(foreign).status_code == 404
    for bad in ("x", "99999999999999999999", "-1"):
        assert browser.client.get(own_href.replace(f"/{own_id}", f"/{bad}")).status_code == 404
    refused = browser.client.post(
        f"/learner/credentials/{mine}/wallet-offers", data={"csrf": "forged", "lang": "en"}
    )
    assert refused.status_code == 403
    stolen = browser.client.post(
        f"/learner/credentials/{other}/wallet-offers",
        data={"csrf": browser.csrf(page.text), "lang": "en"},
    )
    assert stolen.status_code == 404
    assert Browser(node).client.get(own_href).status_code == 303  # signed out: sign in first


def test_revoked_credential_is_not_offered(node: RunningNode) -> None:
    revoked = record(node, 5)
    browser = _signed_in(node, revoked)
    done = node.client.post(
        f"/admin/credentials/{revoked}/revoke", json={"reason": "test"}, headers=node.auth()
    )
    assert done.status_code == 200, done.text
    page = browser.client.get(f"/learner/credentials/{revoked}?lang=en")
    assert "revoked or suspended" in page.text and "/wallet-offers" not in page.text
    asked = browser.client.post(
        f"/learner/credentials/{revoked}/wallet-offers",
        data={"csrf": browser.csrf(page.text), "lang": "en"},
    )
    assert asked.status_code == 409 and "wallet-pin" not in asked.text


def test_offer_api_by_reference_pin_not_mailed_and_scannable_qr(node: RunningNode) -> None:
    offer = make_offer(node, record(node, 6))
    assert offer["offer_page_url"].startswith(f"{ISSUER}/offer/{offer['offer_id']}?code=")
    (mail,) = node.runtime.outbox().pending()
    assert offer["offer_page_url"] in mail.body and offer["tx_code"] not in mail.body
    reference = parse_qs(urlsplit(offer["credential_offer_by_reference"]).query)
    url = reference["credential_offer_uri"][0]
    assert url.startswith(f"{ISSUER}/oid4vci/offers/")

    # The wallet fetches the same offer the by-value URI carries (OpenID4VCI §4.1.3).
    fetched = node.client.get(url.removeprefix(ISSUER))
    assert fetched.status_code == 200 and fetched.headers["cache-control"] == "no-store"
    assert fetched.json() == _offer_json(offer["credential_offer_uri"])

    # The PNG holds the by-reference URI, with a 4-module quiet zone and 8 px modules.
    png = base64.b64decode(offer["qr_png"].removeprefix("data:image/png;base64,"))
    assert decode_image(png) == offer["credential_offer_by_reference"]
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width <= 57 * 8, "by reference, the code stays small (version 8 or less)"
    quiet = [image.getpixel((x, y)) for x in range(32) for y in range(32)]
    assert min(quiet) == 255 and image.getpixel((32, 32)) == 0  # white margin, then a finder
    assert 'viewBox="0 0 ' in offer["qr_svg"]

    # Redeemed: the reference is gone, like an unknown one.
    assert node.client.post(
        "/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": pre_authorized_code(offer),
            "tx_code": offer["tx_code"],
        },
    ).json()["access_token"]
    assert node.client.get(url.removeprefix(ISSUER)).status_code == 404
    assert node.client.get("/oid4vci/offers/unknown").status_code == 404
    assert node.client.get("/oid4vci/offers/" + "x" * 500).status_code == 404
