"""Issue 6: the /verify form takes a photo or screenshot of a QR code (PNG or JPEG), decoded
on the server: a share link of this node opens its verification, a credential in the code is
verified, and anything else is a clear 4xx on the page, never a 500."""

from __future__ import annotations

import io
import re
import struct
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import segno
from PIL import Image

from node.credentials.examples import example_claims
from tests.conftest import RunningNode

FORMAT = "ldp_vc+eddsa-jcs-2022"


@pytest.fixture
def shared(node: RunningNode) -> dict[str, str]:
    """An issued credential, its share link and its printable copy's verification URL."""
    response = node.client.post(
        "/admin/credentials",
        json={"claims": example_claims(62), "formats": [FORMAT]},
        headers=node.auth(),
    )
    assert response.status_code == 201, response.text
    record_id = response.json()["id"]
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    link = node.client.post(
        f"/admin/credentials/{record_id}/share-links",
        json={"expiresAt": expires},
        headers=node.auth(),
    )
    assert link.status_code == 201, link.text
    url: str = link.json()["url"]
    token = url.rsplit("/", 1)[1]
    printed = node.client.get(f"/credentials/{record_id}/print?token={token}")
    assert printed.status_code == 200
    match = re.search(r'class="verify-link" href="([^"]+)"', printed.text)
    assert match is not None and match.group(1) == url
    return {"record": record_id, "url": url, "token": token}


def _qr_png(text: str, scale: int = 4) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _jpeg(png: bytes) -> bytes:
    """A lossy, slightly blurred copy: what a phone photo of the printout gives at best."""
    image = Image.open(io.BytesIO(png)).convert("RGB").resize((600, 600))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def _upload(
    node: RunningNode, data: bytes, name: str = "qr.png", lang: str = "en", **kw: Any
) -> Any:
    return node.client.post(
        "/verify",
        data={"lang": lang},
        files={"qr": (name, data, "image/png" if name.endswith("png") else "image/jpeg")},
        **kw,
    )


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_printable_copy_qr_opens_the_share_link(
    node: RunningNode, shared: dict[str, str], kind: str
) -> None:
    png = _qr_png(shared["url"])
    data = png if kind == "png" else _jpeg(png)
    response = _upload(node, data, f"photo.{kind}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/v/{shared['token']}?lang=en"
    # Followed, it is the same page as opening the link itself.
    page = _upload(node, data, f"photo.{kind}")
    direct = node.client.get(f"/v/{shared['token']}?lang=en")
    assert page.status_code == direct.status_code == 200
    assert page.text == direct.text
    assert 'data-check="signature" data-ok="ok"' in page.text
    assert example_claims(62)["learner"]["familyName"] in page.text


def test_credential_in_the_qr_is_verified(node: RunningNode) -> None:
    # A whole micro-credential does not fit in a QR code; a small credential does, and is
    # verified like a pasted one (this one fails its checks: a 200 result page, not a 4xx).
    small = (
        '{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],'
        '"issuer":"did:web:diploma-mill.example","validFrom":"2024-01-01T00:00:00Z",'
        '"credentialSubject":{"id":"did:example:1"},"proof":{"type":"DataIntegrityProof",'
        '"cryptosuite":"eddsa-jcs-2022","verificationMethod":"did:web:diploma-mill.example#k",'
        '"proofPurpose":"assertionMethod","proofValue":"z1111"}}'
    )
    response = _upload(node, _qr_png(small), lang="de")
    assert response.status_code == 200, response.text
    assert 'data-verdict="invalid"' in response.text
    assert 'data-check="issuer_key" data-ok="fail"' in response.text
    assert '<html lang="de">' in response.text


def _blank_png(width: int, height: int) -> bytes:
    """A white greyscale PNG, written by hand (a huge one compresses to a few kB)."""
    raw = zlib.compress(b"".join(b"\x00" + b"\xff" * width for _ in range(height)), 9)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "name", "lang", "expected"),
    [
        (b"not an image at all", "qr.png", "en", "not a PNG or JPEG image"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "qr.gif", "en", "not a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "cut.png", "en", "not a PNG or JPEG image"),
        (_blank_png(200, 200), "blank.png", "fi", "Kuvasta ei löytynyt QR-koodia"),
        (_blank_png(10_000, 6_000), "huge.png", "en", "The image is too large"),
        (_qr_png("https://evil.example/v/" + "a" * 43), "f.png", "de", "andere Website"),
        (_qr_png("https://uni-a.example/admin/credentials"), "o.png", "es", "no a la verific"),
        (_qr_png("http://uni-a.example/v/" + "a" * 43), "http.png", "en", "another website"),
        (_qr_png("not a credential"), "text.png", "en", "not a credential we can read"),
    ],
)
def test_unusable_uploads_get_a_clear_4xx(
    node: RunningNode, data: bytes, name: str, lang: str, expected: str
) -> None:
    response = _upload(node, data, name, lang=lang)
    assert response.status_code == 422, response.text
    assert expected in response.text
    assert 'id="verdict"' in response.text and "<form" in response.text


def test_share_link_of_a_qr_still_obeys_the_link_state(
    node: RunningNode, shared: dict[str, str]
) -> None:
    unknown = shared["url"][: -len(shared["token"])] + "b" * 43  # this node, no such link
    response = _upload(node, _qr_png(unknown))
    assert response.status_code == 404
    assert 'id="notice"' in response.text
