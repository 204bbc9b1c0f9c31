"""Learner accounts the institution provisions, and the credential records attached to them.

The rule (docs/learners.md): an account names one learner the way credential claims do —
``learner.identifierType`` and ``learner.identifier`` (e.g. a student number) — given at
provisioning or taken from the first records attached. A record can be attached only to the
account of the learner it names, and to one account only (unique in the database too).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node import keyset
from node.credentials.vocab import LearnerIdType
from node.db.models import (
    CredentialRecord,
    LearnerAccount,
    LearnerCredential,
    LearnerSession,
    RecordState,
)
from node.errors import Conflict, InvalidInput, NotFound, Problem
from node.i18n.catalogues import LANGUAGES
from node.issuance.views import LearnerCredentialView, view_of
from node.learners.passwords import hash_password

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")

# Records a learner may hand to a wallet or share (revoked ones are listed, not offered).
WAITING = (RecordState.PREPARED, RecordState.APPROVED)

LearnerName = tuple[str, str]  # (identifier type, identifier): who a record or account names


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or "." not in value.rsplit("@", 1)[1]:
        raise InvalidInput("invalid e-mail address", [Problem("email", "name@domain.tld")])
    return value


def learner_named(claims: Mapping[str, Any]) -> LearnerName | None:
    """The learner a record's claims name, or None (claims without an identifier)."""
    learner = claims.get("learner")
    if not isinstance(learner, Mapping) or not isinstance(learner.get("identifier"), str):
        return None
    kind = learner.get("identifierType")
    kind = kind if isinstance(kind, str) else LearnerIdType.STUDENT_NUMBER.value
    return (kind, learner["identifier"].strip())


def _check_learner(identifier: str, identifier_type: str) -> LearnerName:
    value = identifier.strip()
    if not 1 <= len(value) <= 500 or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInput(
            "invalid learner identifier",
            [Problem("learner_identifier", "1 to 500 characters, no control characters")],
        )
    kinds = [k.value for k in LearnerIdType]
    if identifier_type not in kinds:
        raise InvalidInput(
            "invalid learner identifier type",
            [Problem("learner_identifier_type", f"one of {', '.join(kinds)}")],
        )
    return (identifier_type, value)


def _shown(learner: LearnerName) -> str:
    return f"{learner[0]} {learner[1]}"


def _learner_of(account: LearnerAccount) -> LearnerName | None:
    if account.identifier_type is None or account.identifier is None:
        return None
    return (account.identifier_type, account.identifier)


def _taken(record_id: str, owner: str) -> Conflict:
    return Conflict(
        f"credential record {record_id} already belongs to learner account {owner}",
        [Problem("record_ids", f"{record_id}: attached to learner account {owner}")],
    )


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    name: str
    has_password: bool
    created_at: datetime
    disabled: bool
    record_ids: tuple[str, ...]
    learner: LearnerName | None  # None until given or taken from the first record
    lang: str = "en"  # of the mails the node sends them


@dataclass(frozen=True)
class AccountPage:
    accounts: list[Account]
    next: str | None  # the cursor of the next page; None: this was the last


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
        identifier: str | None = None,
        identifier_type: str = LearnerIdType.STUDENT_NUMBER.value,
        lang: str = "en",
    ) -> Account:
        """A new account; ``identifier`` (as in ``learner.identifier``) names its learner,
        else the records given do (they must all name the same one)."""
        learner = _check_learner(identifier, identifier_type) if identifier is not None else None
        name = name.strip()
        if not name or len(name) > 300:
            raise InvalidInput("invalid name", [Problem("name", "1 to 300 characters")])
        if lang not in LANGUAGES:
            raise InvalidInput(
                "invalid language", [Problem("lang", f"one of {', '.join(LANGUAGES)}")]
            )
        account = LearnerAccount(
            id=str(uuid.uuid4()),
            email=normalise_email(email),
            name=name,
            password_hash=hash_password(password) if password is not None else None,
            created_by=token_id,
            identifier_type=learner[0] if learner else None,
            identifier=learner[1] if learner else None,
            lang=lang,
        )
        with self._sessions() as session:
            if session.scalar(
                select(LearnerAccount.id).where(LearnerAccount.email == account.email)
            ):
                raise Conflict(f"a learner account for {account.email} exists")
            if learner is not None:
                self._learner_free(session, learner, account.id)
            session.add(account)
            try:
                self._attach_all(session, account, record_ids)
                session.commit()
            except IntegrityError:
                session.rollback()
                raise self._race(account.email, learner, record_ids) from None
            return self._account(session, account)

    def attach(self, account_id: str, record_ids: Sequence[str]) -> Account:
        """Attach records (again: no change) that name this account's learner and belong
        to no other account."""
        with self._sessions() as session:
            account = self._get(session, account_id)
            try:
                self._attach_all(session, account, record_ids)
                session.commit()
            except IntegrityError:
                session.rollback()
                raise self._race(None, None, record_ids, account_id) from None
            return self._account(session, account)

    def _attach_all(
        self, session: Session, account: LearnerAccount, record_ids: Sequence[str]
    ) -> None:
        session.flush()
        for record_id in dict.fromkeys(record_ids):
            record = session.get(CredentialRecord, record_id)
            if record is None:
                raise NotFound(f"no credential record {record_id}")
            owner = self._owner(session, record_id)
            if owner == account.id:
                continue
            if owner is not None:
                raise _taken(record_id, owner)
            named = learner_named(record.claims)
            if named is None:
                raise InvalidInput(
                    f"credential record {record_id} names no learner identifier",
                    [Problem("record_ids", f"{record_id}: no learner.identifier in its claims")],
                )
            mine = _learner_of(account)
            if mine is None:
                self._learner_free(session, named, account.id)
                account.identifier_type, account.identifier = named
            elif mine != named:
                reason = f"{record_id}: names the learner {_shown(named)}; this account is for "
                raise InvalidInput(
                    f"credential record {record_id} names another learner",
                    [Problem("record_ids", reason + _shown(mine))],
                )
            session.add(LearnerCredential(account_id=account.id, record_id=record_id))
            session.flush()

    @staticmethod
    def _owner(session: Session, record_id: str) -> str | None:
        return session.scalar(
            select(LearnerCredential.account_id).where(LearnerCredential.record_id == record_id)
        )

    @staticmethod
    def _learner_free(session: Session, learner: LearnerName, account_id: str) -> None:
        other = session.scalar(
            select(LearnerAccount.id).where(
                LearnerAccount.identifier_type == learner[0],
                LearnerAccount.identifier == learner[1],
                LearnerAccount.id != account_id,
            )
        )
        if other is not None:
            raise Conflict(
                f"the learner {_shown(learner)} already has learner account {other}",
                [Problem("learner_identifier", f"{_shown(learner)}: account {other}")],
            )

    def _race(
        self,
        email: str | None,
        learner: LearnerName | None,
        record_ids: Sequence[str],
        account_id: str = "",
    ) -> Conflict:
        """A concurrent request won a unique constraint: name what it took."""
        with self._sessions() as session:
            if email and session.scalar(
                select(LearnerAccount.id).where(LearnerAccount.email == email)
            ):
                return Conflict(f"a learner account for {email} exists")
            for record_id in record_ids:
                owner = self._owner(session, record_id)
                if owner is not None and owner != account_id:
                    return Conflict(
                        f"credential record {record_id} already belongs to learner account {owner}",
                        [
                            Problem(
                                "record_ids", f"{record_id}: attached to learner account {owner}"
                            )
                        ],
                    )
        shown = f" ({_shown(learner)})" if learner else ""
        return Conflict(f"another request took this learner{shown} at the same time: try again")

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

    def search(self, text: str, limit: int = 100) -> list[Account]:
        """Accounts whose e-mail address or student number starts with ``text`` (any case),
        or whose name contains it; newest first, at most ``limit``."""
        return self.page(text, limit).accounts

    def page(self, text: str = "", limit: int = 100, cursor: str | None = None) -> AccountPage:
        """One keyset page of :meth:`search`'s accounts (node/keyset.py); ``next`` continues
        it. An unknown cursor is InvalidInput."""
        account = LearnerAccount
        newest = (account.created_at.desc(), account.id.desc())
        query = select(account).order_by(*newest)
        text = text.strip().lower()
        if text:
            query = query.where(
                account.email.startswith(text, autoescape=True)
                | func.lower(account.identifier).startswith(text, autoescape=True)
                | func.lower(account.name).contains(text, autoescape=True)
            )
        if cursor is not None:
            after = keyset.decode(cursor)
            if after is None:
                raise InvalidInput(
                    "learner query refused", [Problem("cursor", "not a cursor this node gave out")]
                )
            query = query.where(tuple_(account.created_at, account.id) < tuple_(*after))
        with self._sessions() as session:
            rows = list(session.scalars(query.limit(limit + 1)))
            accounts = [self._account(session, a) for a in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        return AccountPage(accounts, keyset.encode(last.created_at, last.id) if last else None)

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
            learner=_learner_of(account),
            lang=account.lang,
        )
