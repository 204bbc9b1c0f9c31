"""Time-based one-time passwords, RFC 6238 (TOTP over RFC 4226 HOTP): HMAC-SHA1, 6 digits,
30-second steps — what every authenticator app reads from an ``otpauth://`` URI.

A code is accepted one step either side (clock drift) and each step at most once per
account: the caller stores the step :func:`accepted_step` returns and passes it back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
SECRET_BYTES = 20  # 160 bits, RFC 4226 §4's recommendation


def new_secret() -> str:
    """A random secret, base32 without padding (as authenticator apps take it)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 §5.3: dynamic truncation of HMAC-SHA1(key, counter)."""
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def step_of(moment: float) -> int:
    return int(moment // STEP_SECONDS)


def code_at(secret: str, moment: float | None = None) -> str:
    return hotp(secret, step_of(time.time() if moment is None else moment))


def accepted_step(
    secret: str, code: str, last_step: int | None, moment: float | None = None
) -> int | None:
    """The step ``code`` belongs to, if it is valid now (±1 step) and newer than
    ``last_step`` (a code is used once); None otherwise."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = step_of(time.time() if moment is None else moment)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        fresh = last_step is None or step > last_step
        if fresh and hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI of Google Authenticator's key URI format (the QR code)."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"
