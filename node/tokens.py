"""API bearer tokens: created by ``credreg token create``, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.models import ApiToken, Role
from node.errors import Forbidden, Unauthorized

_PREFIX = "crt_"


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, role: Role, name: str) -> str:
    """Store a new token and return its only plaintext copy."""
    token = _PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role.value, token_hash=_digest(token)))
    session.flush()
    return token


def authenticate(session: Session, token: str, allowed: set[Role]) -> ApiToken:
    """The stored token for ``token`` if it exists, is live and has one of ``allowed`` roles."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("unknown or revoked bearer token")
    role = Role(row.role)
    # An admin may do whatever an issuer may; the VC API role is separate by design.
    if role not in allowed and not (role is Role.ADMIN and Role.ISSUER in allowed):
        needed = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"a '{role}' token may not do this; needs the role {needed}")
    return row
