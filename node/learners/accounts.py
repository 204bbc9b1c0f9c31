"""Learner accounts the institution provisions, and the credential records attached to them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import (
    CredentialRecord,
    LearnerAccount,
    LearnerCredential,
    LearnerSession,
    RecordState,
)
from node.errors import Conflict, InvalidInput, NotFound, Problem
from node.learners.passwords import hash_password

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")

# Records a learner may hand to a wallet or share (revoked ones are listed, not offered).
WAITING = (RecordState.PREPARED, RecordState.APPROVED)


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or "." not in value.rsplit("@", 1)[1]:
        raise InvalidInput("invalid e-mail address", [Problem("email", "name@domain.tld")])
    return value


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    name: str
    has_password: bool
    created_at: datetime
    disabled: bool
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class LearnerCredentialView:
    """One line of "my credentials": what the learner recognises, and its state."""

    record_id: str
    title: str
    issuer: str
    date: str
    state: str


def _text(value: Any, lang: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        texts = {str(k): v for k, v in value.items() if isinstance(v, str)}
        return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")
    return ""


def view_of(record: CredentialRecord, lang: str) -> LearnerCredentialView:
    claims = record.claims
    bodies = claims.get("awardingBodies") or [{}]
    issued = record.issued_at.date().isoformat() if record.issued_at else ""
    return LearnerCredentialView(
        record_id=record.id,
        title=_text(claims.get("title"), lang) or record.id,
        issuer=_text(bodies[0].get("name") if isinstance(bodies[0], Mapping) else "", lang),
        date=str(claims.get("dateOfIssuing") or issued),
        state=record.state,
    )


class LearnerAccounts:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def provision(
        self,
        email: str,
        name: str,
        password: str | None,
        token_id: int | None,
        record_ids: Sequence[str] = (),
    ) -> Account:
        name = name.strip()
        if not name or len(name) > 300:
            raise InvalidInput("invalid name", [Problem("name", "1 to 300 characters")])
        account = LearnerAccount(
            id=str(uuid.uuid4()),
            email=normalise_email(email),
            name=name,
            password_hash=hash_password(password) if password is not None else None,
            created_by=token_id,
        )
        with self._sessions() as session:
            if session.scalar(
                select(LearnerAccount.id).where(LearnerAccount.email == account.email)
            ):
                raise Conflict(f"a learner account for {account.email} exists")
            session.add(account)
            try:
                session.flush()
                for record_id in dict.fromkeys(record_ids):
                    if session.get(CredentialRecord, record_id) is None:
                        raise NotFound(f"no credential record {record_id}")
                    session.add(LearnerCredential(account_id=account.id, record_id=record_id))
                session.commit()
            except IntegrityError:
                raise Conflict(f"a learner account for {account.email} exists") from None
            return self._account(session, account)

    def attach(self, account_id: str, record_ids: Sequence[str]) -> Account:
        with self._sessions() as session:
            account = self._get(session, account_id)
            have = set(
                session.scalars(
                    select(LearnerCredential.record_id).where(
                        LearnerCredential.account_id == account_id
                    )
                )
            )
            for record_id in dict.fromkeys(record_ids):
                if session.get(CredentialRecord, record_id) is None:
                    raise NotFound(f"no credential record {record_id}")
                if record_id not in have:
                    session.add(LearnerCredential(account_id=account_id, record_id=record_id))
            session.commit()
            return self._account(session, account)

    def set_disabled(self, account_id: str, disabled: bool) -> Account:
        """Disable (no sign-in; open sessions end) or enable an account again."""
        now = datetime.now(UTC)
        with self._sessions() as session:
            account = self._get(session, account_id)
            account.disabled_at = (account.disabled_at or now) if disabled else None
            if disabled:
                session.execute(
                    update(LearnerSession)
                    .where(
                        LearnerSession.account_id == account_id,
                        LearnerSession.revoked_at.is_(None),
                    )
                    .values(revoked_at=now)
                )
            session.commit()
            return self._account(session, account)

    def get(self, account_id: str) -> Account:
        with self._sessions() as session:
            return self._account(session, self._get(session, account_id))

    def by_email(self, email: str) -> Account | None:
        with self._sessions() as session:
            account = session.scalar(
                select(LearnerAccount).where(LearnerAccount.email == email.strip().lower())
            )
            return self._account(session, account) if account is not None else None

    def all(self) -> list[Account]:
        with self._sessions() as session:
            rows = session.scalars(select(LearnerAccount).order_by(LearnerAccount.created_at))
            return [self._account(session, a) for a in rows]

    def credentials(self, account_id: str, lang: str) -> list[LearnerCredentialView]:
        with self._sessions() as session:
            records = session.scalars(
                select(CredentialRecord)
                .join(LearnerCredential, LearnerCredential.record_id == CredentialRecord.id)
                .where(LearnerCredential.account_id == account_id)
                .order_by(LearnerCredential.created_at, CredentialRecord.id)
            )
            return [view_of(r, lang) for r in records]

    def credential(self, account_id: str, record_id: str, lang: str) -> LearnerCredentialView:
        """One of the learner's credentials; someone else's is "not found" (no enumeration)."""
        with self._sessions() as session:
            owned = session.get(LearnerCredential, (account_id, record_id))
            record = session.get(CredentialRecord, record_id) if owned else None
            if record is None:
                raise NotFound("no such credential in this account")
            return view_of(record, lang)

    @staticmethod
    def _get(session: Session, account_id: str) -> LearnerAccount:
        account = session.get(LearnerAccount, account_id)
        if account is None:
            raise NotFound(f"no learner account {account_id}")
        return account

    @staticmethod
    def _account(session: Session, account: LearnerAccount) -> Account:
        record_ids = session.scalars(
            select(LearnerCredential.record_id)
            .where(LearnerCredential.account_id == account.id)
            .order_by(LearnerCredential.created_at, LearnerCredential.record_id)
        )
        return Account(
            id=account.id,
            email=account.email,
            name=account.name,
            has_password=account.password_hash is not None,
            created_at=account.created_at,
            disabled=account.disabled_at is not None,
            record_ids=tuple(record_ids),
        )
