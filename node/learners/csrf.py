"""CSRF protection for the learner's forms.

Signed in: the form token is derived from the session token (HMAC), which only the
learner's browser has (an HttpOnly cookie); nothing more is stored.

Before sign-in (the sign-in forms themselves, against login CSRF): a *signed* double
submit. The token ``<issued>.<nonce>.<mac>`` goes into the cookie and the hidden field; the
MAC is an HMAC-SHA256 under the node's form secret, so a value an attacker makes up (and
plants as a cookie, e.g. from a sibling subdomain) does not pass, and a token expires after
two hours. A real token an attacker fetched for themselves could still be planted; what
stops it is the browser's own ``Sec-Fetch-Site`` header: a post from any page but ours
(``same-site`` or ``cross-site``) is refused. The secret: 32 random bytes in
``<data_dir>/forms.key`` (0600), made once and shared by every worker process of the node.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

FORM_COOKIE = "credreg_csrf"
SECRET_FILE = "forms.key"
_SECRET_BYTES = 32
_TTL_SECONDS = 2 * 3600
_SKEW_SECONDS = 60
_CONTEXT = b"credreg learner sign-in form\n"
_OUR_PAGES = {"same-origin", "none"}  # Fetch Metadata: a post from our own page


def session_token(session_secret: str) -> str:
    return hmac.new(session_secret.encode(), b"csrf", hashlib.sha256).hexdigest()


def same(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def form_secret(data_dir: Path) -> bytes:
    """The node's form secret, made on first use. Several worker processes may start at
    once: the file appears whole (written aside, then hard-linked into place) or not at all."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        aside = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        handle = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(handle, secrets.token_bytes(_SECRET_BYTES))
            os.fsync(handle)
        finally:
            os.close(handle)
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            aside.unlink()
    secret = path.read_bytes()
    if len(secret) != _SECRET_BYTES:
        raise ValueError(f"{path} is damaged ({len(secret)} bytes): delete it to make a new one")
    return secret


class FormTokens:
    """Issues and checks the signed tokens of the sign-in forms."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._clock = clock

    def _mac(self, issued: str, nonce: str) -> str:
        digest = hmac.new(self._secret, _CONTEXT + f"{issued}.{nonce}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")

    def issue(self) -> str:
        issued, nonce = str(int(self._clock())), secrets.token_urlsafe(16)
        return f"{issued}.{nonce}.{self._mac(issued, nonce)}"

    def valid(self, given: str | None, cookie: str | None, fetch_site: str | None) -> bool:
        """The field equals the cookie, carries our MAC, is fresh, and the browser (when it
        says) posted it from one of our own pages."""
        if fetch_site is not None and fetch_site.lower() not in _OUR_PAGES:
            return False
        if not same(given, cookie) or given is None or len(given) > 200:
            return False
        parts = given.split(".")
        if len(parts) != 3 or not parts[0].isdigit():
            return False
        issued, nonce, mac = parts
        age = self._clock() - int(issued)
        if not -_SKEW_SECONDS <= age <= _TTL_SECONDS:
            return False
        return hmac.compare_digest(mac.encode(), self._mac(issued, nonce).encode())
