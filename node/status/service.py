"""Revoke, suspend, reinstate — and publish each changed list as a new signed version.

A change of state and its audit event are one transaction; the lists it touches are marked
changed and re-signed once per call (a bulk revocation of 10,000 credentials publishes one
version per list, not 10,000). Every version stays retrievable; the anchor service anchors
the SHA-256 of its exact bytes in StatusRegistry.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import (
    CredentialRecord,
    RecordState,
    StatusEvent,
    StatusList,
    StatusListVersion,
)
from node.errors import Conflict, InvalidInput, NotFound, Problem
from node.status.bitstring import Bitstring
from node.status.entries import (
    MESSAGE_LIST_CONTEXT,
    MESSAGE_SIZE,
    REVOKED_VALUE,
    SUSPENDED_VALUE,
    status_list_url,
    status_messages,
)
from vc import data_integrity
from vc.signer import Signer

Action = Literal["revoke", "suspend", "reinstate"]

# action → (states it applies to, the state it leaves)
_TRANSITIONS: dict[str, tuple[frozenset[str], RecordState]] = {
    "revoke": (frozenset({RecordState.ISSUED, RecordState.SUSPENDED}), RecordState.REVOKED),
    "suspend": (frozenset({RecordState.ISSUED}), RecordState.SUSPENDED),
    "reinstate": (frozenset({RecordState.SUSPENDED}), RecordState.ISSUED),
}
MAX_BULK = 100_000
_IN_CHUNK = 900  # stays under SQLite's bound-parameter limit


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _IN_CHUNK] for i in range(0, len(items), _IN_CHUNK)]


@dataclass(frozen=True)
class StatusChange:
    record_id: str
    ok: bool
    state: str | None
    problem: str | None = None


@dataclass(frozen=True)
class PublishedList:
    list_id: int
    version: int
    content: str
    sha256: str
    state: str
    block_time: datetime | None


# record state → its value in a message list (node/status/entries.py MESSAGES)
_MESSAGE_VALUES: dict[str, int] = {
    RecordState.REVOKED: REVOKED_VALUE,
    RecordState.SUSPENDED: SUSPENDED_VALUE,
}


def _bits(session: Session, status_list: StatusList) -> Bitstring:
    """The list's bits from the states of the records whose index it holds."""
    if status_list.purpose == "message":
        rows = session.execute(
            select(CredentialRecord.message_index, CredentialRecord.state).where(
                CredentialRecord.message_list_id == status_list.id,
                CredentialRecord.state.in_(list(_MESSAGE_VALUES)),
            )
        )
        return Bitstring.with_values(
            ((i, _MESSAGE_VALUES[state]) for i, state in rows if i is not None),
            status_list.size,
            MESSAGE_SIZE,
        )
    column, index_column, state = (
        (
            CredentialRecord.revocation_list_id,
            CredentialRecord.revocation_index,
            RecordState.REVOKED,
        )
        if status_list.purpose == "revocation"
        else (
            CredentialRecord.suspension_list_id,
            CredentialRecord.suspension_index,
            RecordState.SUSPENDED,
        )
    )
    indexes = session.scalars(
        select(index_column).where(column == status_list.id, CredentialRecord.state == state)
    )
    return Bitstring.with_set((i for i in indexes if i is not None), status_list.size)


class StatusService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        signer: Signer,
        did: str,
        origin: str,
        owner: str = "institution",
    ) -> None:
        self._owner = owner
        self._sessions = sessions
        self._signer = signer
        self._did = did
        self._origin = origin
        self._publish_lock = threading.RLock()

    # -- changes ---------------------------------------------------------------------------

    def change(
        self,
        record_ids: Sequence[str],
        action: Action,
        reason: str,
        token_id: int | None,
        *,
        strict: bool = True,
        staff_account_id: int | None = None,
    ) -> list[StatusChange]:
        """Apply ``action`` to every record; ``strict``: refuse all if one cannot change.
        Who: the API token, and the member of staff (console, or the token's account)."""
        if not reason.strip():
            raise InvalidInput("a reason is required", [Problem("reason", "required")])
        if not record_ids or len(record_ids) > MAX_BULK:
            raise InvalidInput(
                f"give 1 to {MAX_BULK} credential ids",
                [Problem("credentialIds", f"1 to {MAX_BULK} ids")],
            )
        allowed, target = _TRANSITIONS[action]
        results: list[StatusChange] = []
        wanted = list(dict.fromkeys(record_ids))
        with self._sessions() as session, session.begin():
            # Core statements, not ORM objects: a bulk revocation touches thousands of rows.
            found: dict[str, tuple[str, str, int | None, int | None, int | None]] = {}
            for chunk in _chunks(wanted):
                for row in session.execute(
                    select(
                        CredentialRecord.id,
                        CredentialRecord.state,
                        CredentialRecord.revocation_list_id,
                        CredentialRecord.suspension_list_id,
                        CredentialRecord.message_list_id,
                    )
                    .join(
                        StatusList,
                        StatusList.id == CredentialRecord.revocation_list_id,
                        isouter=True,
                    )
                    .where(CredentialRecord.id.in_(chunk))
                    # the institution's service never touches the VC API's records, nor back;
                    # records not issued yet have no list (and are refused below)
                    .where(
                        (StatusList.owner == self._owner)
                        | CredentialRecord.revocation_list_id.is_(None)
                    )
                    .with_for_update(of=CredentialRecord)
                ):
                    found[row.id] = (row[0], row[1], row[2], row[3], row[4])
            eligible: list[str] = []
            touched: set[int] = set()
            for record_id in wanted:
                if record_id not in found:
                    results.append(StatusChange(record_id, False, None, "no such credential"))
                    continue
                _id, state_now, revocation_list, suspension_list, message_list = found[record_id]
                if state_now not in allowed:
                    problem = f"cannot {action} a credential that is {state_now}"
                    results.append(StatusChange(record_id, False, state_now, problem))
                    continue
                eligible.append(record_id)
                for state, list_id in (
                    (RecordState.REVOKED, revocation_list),
                    (RecordState.SUSPENDED, suspension_list),
                ):
                    if list_id is not None and state in (state_now, target):
                        touched.add(list_id)
                if message_list is not None:  # every transition changes the 2-bit value
                    touched.add(message_list)
                results.append(StatusChange(record_id, True, target.value))
            failed = [r for r in results if not r.ok]
            if strict and failed:
                session.rollback()
                problems = [Problem(r.record_id, r.problem or "") for r in failed]
                if len(wanted) == 1 and failed[0].state is None:
                    raise NotFound(f"no credential record {wanted[0]}")
                raise Conflict(f"{len(failed)} credential(s) cannot be changed", problems)
            now = datetime.now(UTC)
            for chunk in _chunks(eligible):
                session.execute(
                    update(CredentialRecord)
                    .where(CredentialRecord.id.in_(chunk))
                    .values(state=target.value)
                    .execution_options(synchronize_session=False)
                )
            if eligible:
                session.execute(
                    insert(StatusEvent),
                    [
                        {
                            "record_id": record_id,
                            "action": action,
                            "reason": reason,
                            "token_id": token_id,
                            "staff_account_id": staff_account_id,
                            "at": now,
                        }
                        for record_id in eligible
                    ],
                )
            if touched:
                session.execute(
                    update(StatusList).where(StatusList.id.in_(touched)).values(changed=True)
                )
        self.publish_changed()
        return results

    # -- publishing ------------------------------------------------------------------------

    def publish_changed(self) -> list[PublishedList]:
        """Sign a new version of every list whose bits changed since its last version."""
        with self._publish_lock, self._sessions() as session:
            changed = list(
                session.scalars(
                    select(StatusList.id).where(StatusList.changed, StatusList.owner == self._owner)
                )
            )
        return [self._publish(list_id) for list_id in changed]

    def _publish(self, list_id: int) -> PublishedList:
        with self._publish_lock, self._sessions() as session, session.begin():
            status_list = session.get_one(StatusList, list_id, with_for_update=True)
            bits = _bits(session, status_list)
            last = session.scalar(
                select(func.max(StatusListVersion.version)).where(
                    StatusListVersion.list_id == list_id
                )
            )
            version = (last or 0) + 1
            content = json.dumps(
                self._list_credential(status_list, bits),
                ensure_ascii=False,
                separators=(",", ":"),
            )
            digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
            session.add(
                StatusListVersion(
                    list_id=list_id,
                    version=version,
                    content=content,
                    sha256=digest,
                    state="built",
                )
            )
            status_list.changed = False
            return PublishedList(list_id, version, content, digest, "built", None)

    def _list_credential(self, status_list: StatusList, bits: Bitstring) -> dict[str, Any]:
        url = status_list_url(self._origin, status_list.id)
        subject: dict[str, Any] = {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": bits.encode(),
        }
        contexts = ["https://www.w3.org/ns/credentials/v2"]
        if status_list.purpose == "message":  # §2.2: a message list states its entry size
            subject |= {"statusSize": MESSAGE_SIZE, "statusMessage": status_messages()}
            contexts.append(MESSAGE_LIST_CONTEXT)
        unsigned = {
            "@context": contexts,
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self._did,  # a string, as the Bitstring Status List suite requires
            "validFrom": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": subject,
        }
        return data_integrity.sign(unsigned, self._signer, cryptosuite=data_integrity.RDFC)

    # -- reading ---------------------------------------------------------------------------

    def version(self, list_id: int, version: int | None = None) -> PublishedList:
        """The latest (or the given) version; the first is published on demand."""
        with self._sessions() as session:
            status_list = session.get(StatusList, list_id)
            if status_list is None or status_list.owner != self._owner:
                raise NotFound(f"no status list {list_id}")
            query = select(StatusListVersion).where(StatusListVersion.list_id == list_id)
            if version is not None:
                query = query.where(StatusListVersion.version == version)
            row = session.scalar(query.order_by(StatusListVersion.version.desc()).limit(1))
        if row is None:
            if version is not None:
                raise NotFound(f"status list {list_id} has no version {version}")
            return self._publish(list_id)
        return PublishedList(
            row.list_id, row.version, row.content, row.sha256, row.state, row.block_time
        )

    def events(self, record_id: str) -> list[StatusEvent]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(StatusEvent)
                    .where(StatusEvent.record_id == record_id)
                    .order_by(StatusEvent.id)
                )
            )
