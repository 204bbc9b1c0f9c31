"""Share links the learner creates from their account (``/v/{token}``): an expiry they
choose, listed and revocable by them only. Storage and resolution: node/lookup/share.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import LearnerCredential, ShareLink
from node.errors import InvalidInput, NotFound, Problem
from node.lookup import share

EXPIRY_DAYS = (1, 7, 30, 90, 365)


@dataclass(frozen=True)
class LearnerLink:
    id: str
    record_id: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


def _owned(session: Session, account_id: str, record_id: str) -> None:
    if session.get(LearnerCredential, (account_id, record_id)) is None:
        raise NotFound("no such credential in this account")


def create(
    sessions: sessionmaker[Session], account_id: str, record_id: str, days: int
) -> share.CreatedLink:
    if days not in EXPIRY_DAYS:
        raise InvalidInput(
            "expiry refused", [Problem("days", f"one of {', '.join(map(str, EXPIRY_DAYS))}")]
        )
    with sessions() as session:
        _owned(session, account_id, record_id)
    now = datetime.now(UTC)
    return share.create_link(
        sessions, record_id, now + timedelta(days=days), None, now=now, learner_id=account_id
    )


def list_own(sessions: sessionmaker[Session], account_id: str, record_id: str) -> list[LearnerLink]:
    with sessions() as session:
        _owned(session, account_id, record_id)
        rows = session.scalars(
            select(ShareLink)
            .where(ShareLink.record_id == record_id, ShareLink.learner_id == account_id)
            .order_by(ShareLink.created_at.desc())
        )
        return [
            LearnerLink(r.id, r.record_id, r.created_at, r.expires_at, r.revoked_at) for r in rows
        ]


def revoke(sessions: sessionmaker[Session], account_id: str, link_id: str) -> str:
    """Revoke one of the learner's own links; returns its record id."""
    with sessions() as session:
        link = session.get(ShareLink, link_id)
        if link is None or link.learner_id != account_id:
            raise NotFound("no such share link in this account")
        if link.revoked_at is None:
            link.revoked_at = datetime.now(UTC)
            session.commit()
        return link.record_id
