"""The one owner of the credential-record lifecycle: records, their states, their status
list indexes and their signed copies.

Issuance (admin API, CSV batches), the OpenID4VCI credential endpoint and the VC API issuer
all write records and copies through :class:`CredentialRecords`: ``prepared`` →
(``approved``) → ``issued``. Revocation, suspension and reinstatement (``issued`` ⇄
``suspended``, → ``revoked``, final) belong to node/status/service.py, with their audit
trail and the lists' new versions; the VC API's status changes go through it too.

Status indexes are reserved (:meth:`CredentialRecords.reserve_status`) in their own committed
transaction before anything is signed: the credentials embed them, so a crash wastes an index
and never reuses one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.model import MicroCredentialClaims
from node.credentials.search import search_text, term_rows
from node.db.models import (
    INSTITUTION_OWNER,
    CredentialRecord,
    RecordSearchTerm,
    RecordState,
    SignedCopy,
    utcnow,
)
from node.errors import Conflict, NotFound
from node.issuance.signing import SignedCopyData
from node.status.allocation import StatusAllocator, StatusAssignment


@dataclass(frozen=True)
class Existing:
    """The record an idempotency key already names: a replay must ask for the same."""

    record_id: str
    claims: dict[str, Any]
    subject_id: str | None

    def same(self, claims: dict[str, Any], subject_id: str | None) -> bool:
        return self.claims == claims and self.subject_id == subject_id

    def conflict(self) -> str:
        return f"already used by record {self.record_id} for other claims or another subject"


def stored_claims(claims: MicroCredentialClaims) -> dict[str, Any]:
    """Validated claims in the form records store them (and replays are compared in)."""
    return claims.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass(frozen=True)
class PreparedRecord:
    """A record to store ``prepared`` (claims as records store them)."""

    claims: dict[str, Any]
    subject_id: str | None
    idempotency_key: str | None


@dataclass(frozen=True)
class IssuedRecord:
    """One record of a batch, signed: stored with its copies in the chunk's transaction."""

    record_id: str
    idempotency_key: str | None
    claims: dict[str, Any]
    subject_id: str | None
    issued_at: datetime
    status: StatusAssignment | None
    copies: Sequence[SignedCopyData]


class CredentialRecords:
    """Records of one status list owner (the institution's, or the VC API issuer's)."""

    def __init__(self, sessions: sessionmaker[Session], allocator: StatusAllocator) -> None:
        self._sessions = sessions
        self._allocator = allocator

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def get(session: Session, record_id: str, *, lock: bool = False) -> CredentialRecord:
        """The institution's record ``record_id`` (NotFound for none, or a VC API record)."""
        query = select(CredentialRecord).where(CredentialRecord.id == record_id)
        if lock:
            query = query.with_for_update()
        record = session.scalar(query)
        # The VC API issuer keeps status records in the same table (claims {"vcapi": …});
        # they are not the institution's micro-credentials.
        if record is None or "vcapi" in record.claims:
            raise NotFound(f"no credential record {record_id}")
        return record

    def with_copies(self, record_id: str) -> tuple[CredentialRecord, list[SignedCopy]]:
        with self._sessions() as session:
            record = self.get(session, record_id)
            copies = list(
                session.scalars(select(SignedCopy).where(SignedCopy.record_id == record_id))
            )
            return record, copies

    @staticmethod
    def existing(session: Session, keys: Sequence[str | None]) -> dict[str, Existing]:
        """The records the idempotency keys ``keys`` already name."""
        wanted = [k for k in keys if k]
        if not wanted:
            return {}
        rows = session.execute(
            select(
                CredentialRecord.idempotency_key,
                CredentialRecord.id,
                CredentialRecord.claims,
                CredentialRecord.subject_id,
            ).where(CredentialRecord.idempotency_key.in_(wanted))
        )
        return {
            key: Existing(record_id, claims, subject_id)
            for key, record_id, claims, subject_id in rows
            if key is not None
        }

    # -- status indexes --------------------------------------------------------------------

    def reserve_status(self, count: int) -> list[StatusAssignment]:
        """``count`` fresh status assignments, committed in their own transaction."""
        return self._allocator.allocate(count)

    def give_status(self, session: Session, record: CredentialRecord) -> None:
        """Status bits for a record signed first through the wallet (approved, never issued
        by the admin API). They are reserved in their own committed transaction, as bulk
        issuance does, and set only if no concurrent request set them first (the row is
        locked on PostgreSQL; the conditional UPDATE covers SQLite). A lost race leaves the
        reserved indexes unused, never reused."""
        if status_of(record) is not None:
            return
        (status,) = self.reserve_status(1)
        session.execute(
            update(CredentialRecord)
            .where(CredentialRecord.id == record.id, CredentialRecord.revocation_list_id.is_(None))
            .values(**status_columns(status))
        )
        session.refresh(record)

    # -- states ----------------------------------------------------------------------------

    def prepare(
        self,
        claims: dict[str, Any],
        subject_id: str | None,
        idempotency_key: str | None,
        token_id: int | None,
        prepared_by: int | None = None,
    ) -> CredentialRecord:
        """A new record, ``prepared``: to be approved (when required) and signed;
        ``prepared_by``: the member of staff who prepared it (separation of duties)."""
        with self._sessions() as session:
            (record_id,) = self.insert_prepared(
                session,
                [PreparedRecord(claims, subject_id, idempotency_key)],
                token_id,
                prepared_by,
            )
            session.commit()
            return self.get(session, record_id)

    def insert_prepared(
        self,
        session: Session,
        records: Sequence[PreparedRecord],
        token_id: int | None,
        prepared_by: int | None,
    ) -> list[str]:
        """New ``prepared`` records (and their search words) in the caller's transaction;
        their ids, in order."""
        ids = [str(uuid.uuid4()) for _ in records]
        if not records:
            return ids
        now = utcnow()
        session.execute(
            insert(CredentialRecord).execution_options(render_nulls=True),
            [
                {
                    "id": record_id,
                    "idempotency_key": r.idempotency_key,
                    "state": RecordState.PREPARED.value,
                    "claims": r.claims,
                    "subject_id": r.subject_id,
                    "created_at": now,
                    "created_by": token_id,
                    "prepared_by": prepared_by,
                    "owner": self._allocator.owner,
                    "search_text": self._search_text(record_id, r.claims),
                }
                for record_id, r in zip(ids, records, strict=True)
            ],
        )
        self._add_terms(session, [(i, r.claims) for i, r in zip(ids, records, strict=True)])
        return ids

    def _search_text(self, record_id: str, claims: dict[str, Any]) -> str | None:
        """The record's words for the registry (none for the VC API's records)."""
        if self._allocator.owner != INSTITUTION_OWNER:
            return None
        return search_text(record_id, claims)

    def _add_terms(self, session: Session, records: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """The registry's search words of the institution's records (none for the VC API's)."""
        if self._allocator.owner != INSTITUTION_OWNER:
            return
        rows = [row for record_id, claims in records for row in term_rows(record_id, claims)]
        if rows:
            session.execute(insert(RecordSearchTerm), rows)

    def approve(self, record_id: str) -> CredentialRecord:
        with self._sessions() as session:
            record = self.get(session, record_id)
            if record.state != RecordState.PREPARED:
                raise Conflict(f"record {record_id} is {record.state}, not prepared")
            record.state = RecordState.APPROVED.value
            session.commit()
            return record

    @staticmethod
    def mark_issued(
        record: CredentialRecord, issued_at: datetime, status: StatusAssignment | None = None
    ) -> None:
        """``issued`` at ``issued_at`` (a record issued before keeps its time and state)."""
        if record.state != RecordState.ISSUED:
            record.state = RecordState.ISSUED.value
            record.issued_at = issued_at
        if status is not None:
            for column, value in status_columns(status).items():
                setattr(record, column, value)

    def create_issued(
        self,
        session: Session,
        record_id: str,
        claims: dict[str, Any],
        issued_at: datetime,
        status: StatusAssignment,
        token_id: int | None,
    ) -> None:
        """A record issued elsewhere (the VC API's credentials: only their status)."""
        session.add(
            CredentialRecord(
                id=record_id,
                state=RecordState.ISSUED.value,
                claims=claims,
                subject_id=None,
                issued_at=issued_at,
                created_by=token_id,
                owner=self._allocator.owner,
                **status_columns(status),
            )
        )

    def discard(self, record_id: str) -> None:
        """Forget a record whose credential was never signed (its indexes stay unused)."""
        with self._sessions() as session, session.begin():
            record = session.get(CredentialRecord, record_id)
            if record is not None:
                session.delete(record)

    # -- signed copies ---------------------------------------------------------------------

    @staticmethod
    def add_copies(session: Session, record_id: str, copies: Iterable[SignedCopyData]) -> None:
        session.add_all(
            SignedCopy(
                record_id=record_id,
                format=c.format.value,
                content=c.content,
                leaf_digest=c.leaf_digest,
            )
            for c in copies
        )

    @staticmethod
    def add_copy_once(session: Session, record_id: str, copy: SignedCopyData) -> None:
        """The same holder asking twice for the same record gets the same bytes: one row."""
        exists = session.scalar(
            select(SignedCopy.id).where(SignedCopy.leaf_digest == copy.leaf_digest)
        )
        if exists is None:
            CredentialRecords.add_copies(session, record_id, [copy])
            session.flush()

    def insert_issued(
        self, session: Session, records: Sequence[IssuedRecord], token_id: int | None
    ) -> None:
        """A chunk of a batch: its records, issued, and every copy, in the caller's
        transaction (never half a record)."""
        # render_nulls: one executemany per table; without it the ORM splits the rows
        # wherever the set of None columns changes (subject_id, ...).
        session.execute(
            insert(CredentialRecord).execution_options(render_nulls=True),
            [
                {
                    "id": r.record_id,
                    "idempotency_key": r.idempotency_key,
                    "state": RecordState.ISSUED.value,
                    "claims": r.claims,
                    "subject_id": r.subject_id,
                    "issued_at": r.issued_at,
                    "created_at": r.issued_at,
                    "created_by": token_id,
                    "owner": self._allocator.owner,
                    "search_text": self._search_text(r.record_id, r.claims),
                    **status_columns(r.status),
                }
                for r in records
            ],
        )
        self._add_terms(session, [(r.record_id, r.claims) for r in records])
        session.execute(
            insert(SignedCopy).execution_options(render_nulls=True),
            [
                {
                    "record_id": r.record_id,
                    "format": copy.format.value,
                    "content": copy.content,
                    "leaf_digest": copy.leaf_digest,
                    "created_at": r.issued_at,
                }
                for r in records
                for copy in r.copies
            ],
        )


def status_columns(status: StatusAssignment | None) -> dict[str, int | None]:
    revocation = status.revocation if status else (None, None)
    suspension = status.suspension if status else (None, None)
    message = status.message if status and status.message else (None, None)
    return {
        "revocation_list_id": revocation[0],
        "revocation_index": revocation[1],
        "suspension_list_id": suspension[0],
        "suspension_index": suspension[1],
        "message_list_id": message[0],
        "message_index": message[1],
    }


def status_of(record: CredentialRecord) -> StatusAssignment | None:
    """The record's revocation and suspension bits (None: no status lists assigned)."""
    if (
        record.revocation_list_id is None
        or record.revocation_index is None
        or record.suspension_list_id is None
        or record.suspension_index is None
    ):
        return None
    message = None
    if record.message_list_id is not None and record.message_index is not None:
        message = (record.message_list_id, record.message_index)
    return StatusAssignment(
        (record.revocation_list_id, record.revocation_index),
        (record.suspension_list_id, record.suspension_index),
        message,
    )
