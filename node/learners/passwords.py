"""Password hashes: scrypt (RFC 7914) with a random 16-byte salt per password.

Stored as ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>`` so the cost can rise later
without breaking old hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from node.errors import InvalidInput, Problem

_LOG_N, _R, _P = 15, 8, 1  # 32 MiB, ~50 ms on this machine: fine for a sign-in
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 10
MAX_LENGTH = 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=1 << log_n, r=r, p=p, maxmem=_MAXMEM, dklen=32
    )


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            "password refused",
            [Problem("password", f"{MIN_LENGTH} to {MAX_LENGTH} characters")],
        )


def hash_password(password: str) -> str:
    check_strength(password)
    salt = secrets.token_bytes(16)
    digest = _derive(password, salt, _LOG_N, _R, _P)
    return f"scrypt${_LOG_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


# Verifying against this when the account is unknown keeps the timing the same.
_DUMMY = "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + _b64(bytes(32))


def verify_password(password: str, stored: str | None) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    scheme, log_n, r, p, salt, digest = (stored or _DUMMY).split("$")
    if scheme != "scrypt":
        return False
    derived = _derive(password, base64.b64decode(salt), int(log_n), int(r), int(p))
    return stored is not None and hmac.compare_digest(derived, base64.b64decode(digest))
