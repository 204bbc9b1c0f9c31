"""API bearer tokens: created, listed and revoked by ``credreg token …`` or the admin API
(``/admin/tokens``), stored as SHA-256 only, optionally with an expiry."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import ApiToken, Role, StaffAccount
from node.errors import Forbidden, InvalidInput, NotFound, Problem, Unauthorized

_PREFIX = "crt_"
MIN_LIFETIME = timedelta(minutes=1)
MAX_LIFETIME = timedelta(days=3650)
# "Last used" is kept to the minute: one write per token per minute at most, not per request.
_LAST_USED_STEP = timedelta(minutes=1)
_DURATION = re.compile(r"^(\d{1,10})([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain hash is enough (no password stretching needed).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def parse_lifetime(text: str) -> timedelta:
    """``90d``, ``12h``, ``30m``, ``3600`` (seconds) or ``2w`` → a lifetime within bounds."""
    found = _DURATION.match(text.strip().lower())
    if found is None:
        raise InvalidInput(
            "expiry refused", [Problem("expires_in", "a number with s, m, h, d or w, e.g. 90d")]
        )
    return lifetime(int(found.group(1)) * _UNITS[found.group(2)])


def lifetime(seconds: int) -> timedelta:
    low, high = int(MIN_LIFETIME.total_seconds()), int(MAX_LIFETIME.total_seconds())
    if not low <= seconds <= high:
        raise InvalidInput(
            "expiry refused", [Problem("expires_in", f"{low} to {high} seconds (10 years)")]
        )
    return timedelta(seconds=seconds)


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InvalidInput(
            "name refused", [Problem("name", "1 to 100 characters, no control characters")]
        )
    return name


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never its secret, nor its hash."""

    id: int
    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    staff_account_id: int | None = None  # the member of staff it acts for; None: a service

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    @classmethod
    def of(cls, row: ApiToken) -> TokenInfo:
        return cls(
            row.id,
            row.name,
            row.role,
            row.created_at,
            row.last_used_at,
            row.expires_at,
            row.revoked_at,
            row.staff_account_id,
        )


@dataclass(frozen=True)
class CreatedToken:
    token: str  # the only plaintext copy
    info: TokenInfo


def create_token(
    session: Session, role: Role, name: str, expires_in: timedelta | None = None
) -> str:
    """Store a new token and return its only plaintext copy."""
    return _create(session, role, name, expires_in).token


def _create(
    session: Session,
    role: Role,
    name: str,
    expires_in: timedelta | None,
    staff_account_id: int | None = None,
) -> CreatedToken:
    token = _PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=_check_name(name),
        role=role.value,
        token_hash=_digest(token),
        expires_at=_now() + expires_in if expires_in is not None else None,
        staff_account_id=staff_account_id,
    )
    session.add(row)
    session.flush()
    return CreatedToken(token, TokenInfo.of(row))


def authenticate(session: Session, token: str, allowed: set[Role]) -> ApiToken:
    """The stored token for ``token`` if it exists, is live and has one of ``allowed`` roles."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    now = _now()
    if row is None:
        raise Unauthorized("unknown bearer token", [Problem("Authorization", "unknown")])
    if row.revoked_at is not None:
        raise Unauthorized(
            f"this bearer token was revoked at {row.revoked_at.isoformat(timespec='seconds')}",
            [Problem("Authorization", "revoked")],
        )
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthorized(
            f"this bearer token expired at {row.expires_at.isoformat(timespec='seconds')}",
            [Problem("Authorization", "expired")],
        )
    role = Role(row.role)
    # An admin may do whatever an issuer may; the VC API role is separate by design.
    if role not in allowed and not (role is Role.ADMIN and Role.ISSUER in allowed):
        needed = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(f"a '{role}' token may not do this; needs the role {needed}")
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_STEP:
        row.last_used_at = now
    return row


class ApiTokens:
    """Create, list and revoke tokens (admin API and CLI)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        role: Role,
        name: str,
        expires_in: timedelta | None = None,
        *,
        staff_username: str | None = None,
        staff_account_id: int | None = None,
    ) -> CreatedToken:
        """``staff_username`` (or ``staff_account_id``): the token acts for that member of
        staff (approvals, audit)."""
        with self._sessions() as session:
            staff_id = staff_account_id
            if staff_username is not None:
                staff_id = session.scalar(
                    select(StaffAccount.id).where(
                        StaffAccount.username == staff_username.strip().lower()
                    )
                )
                if staff_id is None:
                    raise InvalidInput(
                        "staff account refused",
                        [Problem("staff", f"no staff account {staff_username!r}")],
                    )
            created = _create(session, role, name, expires_in, staff_id)
            session.commit()
            return created

    def all(self) -> list[TokenInfo]:
        with self._sessions() as session:
            rows = session.scalars(select(ApiToken).order_by(ApiToken.id))
            return [TokenInfo.of(row) for row in rows]

    def revoke(self, token_id: int, *, staff_account_id: int | None = None) -> TokenInfo:
        """Revoke a token (again: no change, its first revocation time stays);
        ``staff_account_id``: only a token of that member of staff."""
        with self._sessions() as session:
            row = session.get(ApiToken, token_id)
            if row is None or (
                staff_account_id is not None and row.staff_account_id != staff_account_id
            ):
                raise NotFound(f"no API token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = _now()
                session.commit()
            return TokenInfo.of(row)
