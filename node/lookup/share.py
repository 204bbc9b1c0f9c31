"""Share links: ``/v/{token}`` opens the verification of one credential, with its content.

Created by the learner from their account (node/learners/links.py) or through the admin
API, with an expiry; revocable. Only
the token's SHA-256 is stored, so a database leak reveals no working link. A token is 32
random bytes: links cannot be enumerated.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialRecord, RecordState, ShareLink, SignedCopy
from node.errors import InvalidInput, NotFound

MAX_LIFETIME = timedelta(days=366)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CreatedLink:
    id: str
    record_id: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkInfo:
    id: str
    record_id: str
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Resolved:
    """What a token opens: ``state`` is ok | expired | revoked | unknown."""

    state: str
    record_id: str | None = None
    copies: tuple[tuple[str, str], ...] = ()  # (format, signed content)
    expires_at: datetime | None = None


def create_link(
    sessions: sessionmaker[Session],
    record_id: str,
    expires_at: datetime,
    token_id: int | None,
    *,
    now: datetime | None = None,
    learner_id: str | None = None,
) -> CreatedLink:
    now = now or datetime.now(UTC)
    if expires_at.tzinfo is None:
        raise InvalidInput("expiresAt needs a time zone")
    if expires_at <= now:
        raise InvalidInput("expiresAt must be in the future")
    if expires_at - now > MAX_LIFETIME:
        raise InvalidInput("a share link lives at most 366 days")
    token = secrets.token_urlsafe(32)
    with sessions() as session:
        record = session.get(CredentialRecord, record_id)
        if (
            record is None
            or "vcapi" in record.claims
            or record.state
            not in (
                RecordState.ISSUED,
                RecordState.SUSPENDED,
                RecordState.REVOKED,
            )
        ):
            raise NotFound(f"no issued credential {record_id}")
        link = ShareLink(
            id=str(uuid.uuid4()),
            record_id=record_id,
            token_hash=token_hash(token),
            expires_at=expires_at,
            created_by=token_id,
            learner_id=learner_id,
        )
        session.add(link)
        session.commit()
        return CreatedLink(link.id, record_id, token, expires_at)


def list_links(sessions: sessionmaker[Session], record_id: str) -> list[LinkInfo]:
    with sessions() as session:
        if session.get(CredentialRecord, record_id) is None:
            raise NotFound(f"no credential record {record_id}")
        rows = session.scalars(
            select(ShareLink).where(ShareLink.record_id == record_id).order_by(ShareLink.created_at)
        ).all()
        return [LinkInfo(r.id, r.record_id, r.expires_at, r.revoked_at, r.created_at) for r in rows]


def revoke_link(sessions: sessionmaker[Session], record_id: str, link_id: str) -> LinkInfo:
    with sessions() as session:
        link = session.get(ShareLink, link_id)
        if link is None or link.record_id != record_id:
            raise NotFound(f"no share link {link_id} for credential {record_id}")
        if link.revoked_at is None:
            link.revoked_at = datetime.now(UTC)
            session.commit()
        return LinkInfo(link.id, link.record_id, link.expires_at, link.revoked_at, link.created_at)


def resolve(
    sessions: sessionmaker[Session], token: str, *, now: datetime | None = None
) -> Resolved:
    now = now or datetime.now(UTC)
    if not token or len(token) > 200:
        return Resolved("unknown")
    with sessions() as session:
        link = session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token)))
        if link is None:
            return Resolved("unknown")
        if link.revoked_at is not None:
            return Resolved("revoked", expires_at=link.expires_at)
        if link.expires_at <= now:
            return Resolved("expired", expires_at=link.expires_at)
        copies = session.execute(
            select(SignedCopy.format, SignedCopy.content)
            .where(SignedCopy.record_id == link.record_id)
            .order_by(SignedCopy.id)
        ).all()
        return Resolved(
            "ok", link.record_id, tuple((f, c) for f, c in copies), expires_at=link.expires_at
        )
