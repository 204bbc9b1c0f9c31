"""Bitstring Status Lists of the generic VC API issuer (W3C Bitstring Status List v1.0).

``options.credentialStatus`` ``{"type": "BitstringStatusListEntry", "statusPurpose": …}`` on
issue adds entries from lists owned by ``vcapi`` (not the institution's), signed by the VC
API's Ed25519 ``did:key`` and served at ``{origin}/vc-api/status/{id}``. Each issued
credential gets a ``credential_record`` row (claims ``{"vcapi": {...}}``, no signed copies)
holding its revocation and suspension indexes, so revoking, suspending and publishing are the
node's own :class:`~node.status.service.StatusService` (audit trail, one version per change).

A credential ``id`` names its record (``uuid5`` of the id): issuing the same id again gives
the same status entries, and ``POST /credentials/status`` finds it by ``credentialId``.

Verification reads this issuer's lists from the database (never over HTTP), checks the
list's signature and issuer, then the bit; entries pointing at lists served elsewhere are
reported as not checked (this node fetches nothing).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialRecord, RecordState, StatusList
from node.errors import Conflict, NotFound, Problem
from node.issuance.records import CredentialRecords
from node.status.allocation import StatusAllocator, StatusAssignment
from node.status.bitstring import Bitstring
from node.status.entries import status_entries
from node.status.service import PublishedList, StatusChange, StatusService
from node.vcapi.errors import VcApiInvalidInput, VcApiNotSupported
from node.vcapi.structure import as_list, issuer_id
from node.verification.pipeline import Check
from vc import data_integrity
from vc.errors import VCError
from vc.signer import Ed25519Signer, KeyResolver

OWNER = "vcapi"
ENTRY_TYPE = "BitstringStatusListEntry"
PURPOSES = ("revocation", "suspension")
_RECORD_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://credreg.example/vc-api/credential")
_BASE10 = re.compile(r"0|[1-9][0-9]*")
_LABEL = {"revocation": "revoked", "suspension": "suspended"}
_CACHE = 64  # verified list versions kept decoded


def record_id_for(credential_id: str) -> str:
    """The ``credential_record`` id of the VC API credential whose ``id`` is given."""
    return str(uuid.uuid5(_RECORD_NAMESPACE, credential_id))


def requested_purposes(option: Any) -> tuple[str, ...]:
    """The purposes ``options.credentialStatus`` asks for (both when it names none)."""
    if not isinstance(option, Mapping):
        raise VcApiInvalidInput(
            "options.credentialStatus must be an object",
            [Problem("options.credentialStatus", "not an object")],
        )
    if option.get("type") != ENTRY_TYPE:
        raise VcApiNotSupported(
            f"options.credentialStatus.type {option.get('type')!r} is not supported",
            [Problem("options.credentialStatus.type", f"only {ENTRY_TYPE} is supported")],
        )
    purpose = option.get("statusPurpose")
    if purpose is None:
        return PURPOSES
    wanted = [purpose] if isinstance(purpose, str) else purpose
    if not isinstance(wanted, list) or not wanted or not all(isinstance(p, str) for p in wanted):
        raise VcApiInvalidInput(
            "options.credentialStatus.statusPurpose must be a string or a list of strings",
            [Problem("options.credentialStatus.statusPurpose", "not a string")],
        )
    unknown = [p for p in wanted if p not in PURPOSES]
    if unknown:
        raise VcApiNotSupported(
            f"status purpose(s) {', '.join(unknown)} not supported",
            [Problem("options.credentialStatus.statusPurpose", "revocation or suspension")],
        )
    return tuple(p for p in PURPOSES if p in wanted)


@dataclass(frozen=True)
class _VerifiedList:
    purpose: str
    bits: Bitstring


class VcApiStatus:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        signer: Ed25519Signer,
        did: str,
        origin: str,
        resolver: KeyResolver,
    ) -> None:
        self._sessions = sessions
        self._did = did
        self._base = f"{origin}/vc-api"
        self._prefix = f"{self._base}/status/"
        self._resolver = resolver
        # Its records are the one kind of record it keeps: a credential's status indexes.
        self._records = CredentialRecords(
            sessions, StatusAllocator(sessions, owner=OWNER, message_lists=False)
        )
        self.lists = StatusService(sessions, signer, did, self._base, owner=OWNER)
        self._verified: OrderedDict[str, _VerifiedList] = OrderedDict()
        self._cache_lock = threading.Lock()

    # -- issuing ---------------------------------------------------------------------------

    def attach(
        self, credential: dict[str, Any], purposes: Sequence[str], token_id: int | None
    ) -> str | None:
        """Add the entries of ``purposes`` to ``credential`` (in place).

        Returns the id of a record created for it (to :meth:`discard` if signing fails), or
        None when the credential's ``id`` already had one (its entries are reused).
        """
        credential_id = credential.get("id")
        record_id = (
            record_id_for(credential_id) if isinstance(credential_id, str) else str(uuid.uuid4())
        )
        created: str | None = None
        assignment = self._assignment(record_id)
        if assignment is None:
            (assignment,) = self._records.reserve_status(1)
            try:
                with self._sessions() as session, session.begin():
                    self._records.create_issued(
                        session,
                        record_id,
                        {"vcapi": {"credentialId": credential_id}},
                        datetime.now(UTC),
                        assignment,
                        token_id,
                    )
                created = record_id
            except IntegrityError:  # the same credential id issued concurrently
                assignment = self._assignment(record_id)
                if assignment is None:
                    raise
        entries = [
            e for e in status_entries(self._base, assignment) if e["statusPurpose"] in purposes
        ]
        credential["credentialStatus"] = as_list(credential.get("credentialStatus")) + entries
        return created

    def discard(self, record_id: str) -> None:
        """Forget a record whose credential was never signed (its indexes stay unused)."""
        self._records.discard(record_id)

    def _assignment(self, record_id: str) -> StatusAssignment | None:
        with self._sessions() as session:
            record = session.get(CredentialRecord, record_id)
            if record is None:
                return None
            if not self._owned(session, record):
                raise Conflict(
                    "this credential id belongs to another issuer's record",
                    [Problem("credential.id", "already used")],
                )
            assert record.revocation_list_id is not None
            assert record.revocation_index is not None
            assert record.suspension_list_id is not None
            assert record.suspension_index is not None
            return StatusAssignment(
                (record.revocation_list_id, record.revocation_index),
                (record.suspension_list_id, record.suspension_index),
            )

    @staticmethod
    def _owned(session: Session, record: CredentialRecord) -> bool:
        if record.revocation_list_id is None:
            return False
        status_list = session.get(StatusList, record.revocation_list_id)
        return status_list is not None and status_list.owner == OWNER

    # -- changing --------------------------------------------------------------------------

    def find(self, credential_id: str | None, credential: Any) -> str:
        """The record of a VC API credential, by its ``id`` or by its status entries."""
        with self._sessions() as session:
            record: CredentialRecord | None = None
            if credential_id is not None:
                record = session.get(CredentialRecord, record_id_for(credential_id))
            elif isinstance(credential, Mapping):
                for entry in as_list(credential.get("credentialStatus")):
                    located = self._locate(entry)
                    if located is None:
                        continue
                    list_id, index = located
                    record = session.scalar(
                        select(CredentialRecord).where(
                            or_(
                                (CredentialRecord.revocation_list_id == list_id)
                                & (CredentialRecord.revocation_index == index),
                                (CredentialRecord.suspension_list_id == list_id)
                                & (CredentialRecord.suspension_index == index),
                            )
                        )
                    )
                    if record is not None:
                        break
            if record is None or not self._owned(session, record):
                raise NotFound("no credential with status issued by this VC API issuer")
            return record.id

    def change(
        self, record_id: str, purpose: str, value: bool, reason: str, token_id: int | None
    ) -> StatusChange:
        """Set (``value``) or clear the ``purpose`` bit of a record; idempotent."""
        with self._sessions() as session:
            record = session.get_one(CredentialRecord, record_id)
            state = record.state
        target = {
            ("revocation", True): RecordState.REVOKED,
            ("suspension", True): RecordState.SUSPENDED,
            ("suspension", False): RecordState.ISSUED,
        }.get((purpose, value))
        if target is None:
            raise Conflict(
                "revocation is final: the revocation bit cannot be cleared",
                [Problem("credentialStatus.status", "revocation cannot be undone")],
            )
        if state == target.value:
            return StatusChange(record_id, True, state)
        action = {
            RecordState.REVOKED: "revoke",
            RecordState.SUSPENDED: "suspend",
            RecordState.ISSUED: "reinstate",
        }[target]
        (result,) = self.lists.change([record_id], action, reason, token_id)  # type: ignore[arg-type]
        return result

    def version(self, list_id: int, version: int | None = None) -> PublishedList:
        return self.lists.version(list_id, version)

    # -- verifying -------------------------------------------------------------------------

    def check(self, credential: Mapping[str, Any]) -> Check:
        """The ``status`` check: every BitstringStatusListEntry of a list of this issuer."""
        entries = as_list(credential.get("credentialStatus"))
        if not entries:
            return Check("status", None, "no credentialStatus")
        issuer = issuer_id(credential)
        results: list[str] = []
        unknown: list[str] = []
        for position, entry in enumerate(entries):
            where = f"credentialStatus[{position}]" if len(entries) > 1 else "credentialStatus"
            if not isinstance(entry, Mapping) or entry.get("type") != ENTRY_TYPE:
                kind = entry.get("type") if isinstance(entry, Mapping) else None
                unknown.append(f"{where}: type {kind!r} not checked")
                continue
            problem = entry_problem(entry)
            if problem:
                return Check("status", False, f"{where}: {problem} (MALFORMED_VALUE_ERROR)")
            located = self._locate(entry)
            if located is None:
                unknown.append(f"{where}: list {entry['statusListCredential']} is not served here")
                continue
            list_id, index = located
            try:
                verified = self._list(list_id)
            except NotFound:
                return Check("status", False, f"{where}: no status list {list_id}")
            except ValueError as exc:
                return Check("status", False, f"{where}: status list {list_id}: {exc}")
            if issuer != self._did:
                return Check("status", False, f"{where}: the status list's issuer is not {issuer}")
            purpose = entry["statusPurpose"]
            if verified.purpose != purpose:
                return Check(
                    "status",
                    False,
                    f"{where}: the list is for {verified.purpose}, the entry for {purpose}",
                )
            if index >= verified.bits.size:
                return Check(
                    "status",
                    False,
                    f"{where}: index {index} outside a list of {verified.bits.size}",
                )
            if verified.bits.get(index):
                return Check("status", False, _LABEL.get(purpose, f"{purpose} bit set"))
            results.append(f"not {_LABEL.get(purpose, purpose)}")
        if unknown and not results:
            return Check("status", None, "; ".join(unknown))
        return Check("status", True, "; ".join(results + unknown))

    def _locate(self, entry: Any) -> tuple[int, int] | None:
        """(list id, index) when ``entry`` points into one of this issuer's lists."""
        if not isinstance(entry, Mapping):
            return None
        url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
        if not isinstance(url, str) or not url.startswith(self._prefix):
            return None
        tail = url[len(self._prefix) :]
        if not _BASE10.fullmatch(tail) or not isinstance(index, str):
            return None
        if not _BASE10.fullmatch(index):
            return None
        return int(tail), int(index)

    def _list(self, list_id: int) -> _VerifiedList:
        """The latest version of a list, its signature and issuer checked (cached by hash)."""
        published = self.lists.version(list_id)
        with self._cache_lock:
            cached = self._verified.get(published.sha256)
            if cached is not None:
                self._verified.move_to_end(published.sha256)
                return cached
        document = json.loads(published.content)
        try:
            result = data_integrity.verify(document, self._resolver)
        except VCError as exc:
            raise ValueError(str(exc)) from exc
        if not result.ok:
            raise ValueError("signature: " + "; ".join(result.problems))
        if document.get("issuer") != self._did or self._did not in result.controllers:
            raise ValueError(f"not signed by {self._did}")
        subject = document.get("credentialSubject", {})
        if subject.get("type") != "BitstringStatusList":
            raise ValueError("credentialSubject.type is not BitstringStatusList")
        verified = _VerifiedList(
            subject.get("statusPurpose"), Bitstring.decode(subject["encodedList"])
        )
        with self._cache_lock:
            self._verified[published.sha256] = verified
            while len(self._verified) > _CACHE:
                self._verified.popitem(last=False)
        return verified


def entry_problem(entry: Mapping[str, Any]) -> str | None:
    """A reason a BitstringStatusListEntry breaks a MUST of §2.1, or None."""
    if not isinstance(entry.get("statusPurpose"), str):
        return "statusPurpose must be a string"
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or not _BASE10.fullmatch(index):
        return "statusListIndex must be a base-10 integer string"
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        return "statusListCredential must be a URL"
    if entry.get("id") is not None and entry.get("id") == url:
        return "the entry's id must not be the status list's URL"
    return None
