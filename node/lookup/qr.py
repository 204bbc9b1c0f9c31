"""A photo or screenshot of a QR code, read server-side: the printable copy's QR holds a
share link of this node (``{origin}/v/{token}``); a QR may also hold a credential itself.

Nothing in a QR code is fetched: a link to another host is refused (the verifier never
follows a URL it was handed), and a link of this node is only ever a share link.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import zxingcpp
from PIL import Image, UnidentifiedImageError

from node.errors import InvalidInput
from node.lookup.service import parse_text

FORMATS = ("PNG", "JPEG")
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo; more is refused, not decoded
_SCAN_SIDE = 2400  # larger images are scaled down before scanning (a QR stays readable)
_SHARE_PATH = re.compile(r"^/v/([A-Za-z0-9_-]{16,128})$")


class QrError(InvalidInput):
    """An upload that yields nothing to verify; ``key`` names its text on the pages."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class QrContent:
    share_token: str | None = None  # a share link of this node
    credential: Mapping[str, Any] | str | None = None  # a credential carried in the code


def decode_image(data: bytes) -> str:
    """The text of the QR code in a PNG or JPEG image."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise QrError("qr.too_big", f"the image is larger than {MAX_PIXELS:,} pixels")
            image.draft("L", (_SCAN_SIDE, _SCAN_SIDE))  # JPEG: decode at a reduced size
            grey = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise QrError("qr.bad_image", "the file is not a PNG or JPEG image") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise QrError("qr.bad_image", f"the image cannot be read: {exc}") from None
    if max(grey.size) > _SCAN_SIDE:
        grey.thumbnail((_SCAN_SIDE, _SCAN_SIDE))
    codes = zxingcpp.read_barcodes(
        grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    if not codes:
        raise QrError("qr.none", "no QR code was found in the image")
    return str(codes[0].text)


def read_content(text: str, origin: str) -> QrContent:
    """What a QR code's text is: a share link of this node, or a credential."""
    stripped = text.strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", stripped) and not stripped.startswith("did:"):
        return QrContent(share_token=_share_token(stripped, origin))
    return QrContent(credential=parse_text(stripped))


def _share_token(link: str, origin: str) -> str:
    try:
        parts = urlsplit(link)
        own = urlsplit(origin)
        same = (parts.scheme, parts.netloc.lower()) == (own.scheme, own.netloc.lower())
    except ValueError:
        same = False
        parts = None
    if not same or parts is None:
        raise QrError(
            "qr.foreign",
            "the QR code links outside this node; it is not opened here: verify the "
            "credential itself, or a link of this node",
        )
    match = _SHARE_PATH.fullmatch(parts.path)
    if match is None or parts.query or parts.fragment:
        raise QrError("qr.not_share", "the QR code's link is not a verification link")
    return match.group(1)


def read_upload(data: bytes, origin: str) -> tuple[str, QrContent]:
    """The QR code's text and what it is, from an uploaded image."""
    text = decode_image(data)
    return text, read_content(text, origin)
