"""Signing in: password or a one-time link (mailed through ``mail_outbox``), sessions.

Only SHA-256 digests of link and session tokens are stored; a link works once (conditional
UPDATE) for 15 minutes. Attempts are rate-limited so that a stranger cannot lock a learner
out (node/learners/limits.py); a wrong address and a wrong password get the same answer,
after the same work.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import LearnerAccount, LearnerLoginLink, LearnerSession
from node.errors import NotFound
from node.learners.errors import SignInFailed
from node.learners.limits import LimitSettings, SignInLimits
from node.learners.passwords import verify_password
from node.lookup.limits import Counters
from node.mail import messages
from node.mail.outbox import Outbox


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SignInSettings:
    link_ttl: timedelta = timedelta(minutes=15)
    session_ttl: timedelta = timedelta(hours=12)
    limits: LimitSettings = field(default_factory=LimitSettings)


@dataclass(frozen=True)
class SignedIn:
    """A new session: ``token`` goes into the cookie, never into the database."""

    token: str
    account_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Learner:
    """The learner a session cookie belongs to."""

    account_id: str
    name: str
    email: str
    session_token: str


class SignIn:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        origin: str,
        settings: SignInSettings | None = None,
        *,
        outbox: Outbox,
        counters: Counters | None = None,
    ) -> None:
        self._sessions = sessions
        self._origin = origin
        self._outbox = outbox
        self.settings = settings or SignInSettings()
        self._limits = SignInLimits(
            self.settings.limits, self.settings.link_ttl.total_seconds(), counters=counters
        )

    def with_password(self, email: str, password: str, client: str) -> SignedIn:
        email = email.strip().lower()
        self._limits.password(client, email)
        with self._sessions() as session:
            account = session.scalar(select(LearnerAccount).where(LearnerAccount.email == email))
            stored = account.password_hash if account is not None else None
            good = verify_password(password, stored)  # the same work for an unknown address
            if account is None or not good or account.disabled_at is not None:
                raise SignInFailed("wrong e-mail address or password")
            signed_in = self._open(session, account.id)
            session.commit()
            return signed_in

    def send_link(self, email: str, client: str, lang: str = "en") -> int | None:
        """Mail a sign-in link (in ``lang``: the page's language) if the address has an
        account (the caller says the same thing either way). Returns the outbox row id, or
        None (also when the account had its share of sign-in mails for now: the ones sent
        still work)."""
        email = email.strip().lower()
        if not self._limits.link(client, email):
            return None
        with self._sessions() as session:
            account = session.scalar(select(LearnerAccount).where(LearnerAccount.email == email))
            if account is None or account.disabled_at is not None:
                return None
            account.lang = lang  # the language they use the pages in: their mails' too
            return self._mail_link(session, account, lang)

    def send_link_to(self, account_id: str) -> int:
        """The institution sends a sign-in link (admin API, console; no rate limit), in the
        learner's language."""
        with self._sessions() as session:
            account = session.get(LearnerAccount, account_id)
            if account is None:
                raise NotFound(f"no learner account {account_id}")
            return self._mail_link(session, account, account.lang)

    def _mail_link(self, session: Session, account: LearnerAccount, lang: str) -> int:
        token = secrets.token_urlsafe(32)
        expires_at = _now() + self.settings.link_ttl
        session.add(
            LearnerLoginLink(
                account_id=account.id, token_hash=token_hash(token), expires_at=expires_at
            )
        )
        minutes = int(self.settings.link_ttl.total_seconds() // 60)
        url = f"{self._origin}/learner/link/{token}"
        subject, body = messages.sign_in_link(lang, account.name, url, minutes)
        mail = self._outbox.add(  # sealed, and erased once sent or expired
            session, account.email, subject, body, expires_at=expires_at
        )
        session.commit()
        return mail.id

    def with_link(self, token: str) -> SignedIn:
        """Links are 256-bit random: guessing is hopeless, so no rate limit here."""
        now = _now()
        with self._sessions() as session:
            link = session.scalar(
                select(LearnerLoginLink).where(LearnerLoginLink.token_hash == token_hash(token))
            )
            if link is None:
                raise SignInFailed("this sign-in link is not valid, or was used, or expired")
            used = session.execute(
                update(LearnerLoginLink)
                .where(
                    LearnerLoginLink.id == link.id,
                    LearnerLoginLink.used_at.is_(None),
                    LearnerLoginLink.expires_at > now,
                )
                .values(used_at=now)
            )
            account = session.get(LearnerAccount, link.account_id)
            spent = used.rowcount == 1  # type: ignore[attr-defined]
            if not spent or account is None or account.disabled_at is not None:
                session.rollback()
                raise SignInFailed("this sign-in link is not valid, or was used, or expired")
            signed_in = self._open(session, account.id)
            session.commit()
            return signed_in

    def _open(self, session: Session, account_id: str) -> SignedIn:
        token = secrets.token_urlsafe(32)
        expires_at = _now() + self.settings.session_ttl
        session.add(
            LearnerSession(
                account_id=account_id, token_hash=token_hash(token), expires_at=expires_at
            )
        )
        return SignedIn(token, account_id, expires_at)

    def learner(self, session_token: str | None) -> Learner | None:
        if not session_token or len(session_token) > 200:
            return None
        with self._sessions() as session:
            row = session.scalar(
                select(LearnerSession).where(LearnerSession.token_hash == token_hash(session_token))
            )
            if row is None or row.revoked_at is not None or row.expires_at <= _now():
                return None
            account = session.get(LearnerAccount, row.account_id)
            if account is None or account.disabled_at is not None:
                return None
            return Learner(account.id, account.name, account.email, session_token)

    def sign_out(self, session_token: str) -> None:
        with self._sessions() as session:
            session.execute(
                update(LearnerSession)
                .where(
                    LearnerSession.token_hash == token_hash(session_token),
                    LearnerSession.revoked_at.is_(None),
                )
                .values(revoked_at=_now())
            )
            session.commit()
