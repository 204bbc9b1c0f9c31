"""Random, never-reused status indexes (Bitstring Status List v1.0 §6.1, herd privacy).

Indexes are reserved in their own committed transaction *before* a credential is signed
(the credential embeds them): the primary key of ``status_allocation`` makes each index
unique even under concurrent issuance from several processes (SQLite or PostgreSQL), and a
process that dies after reserving only leaves unused bits behind — never a reused index.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import StatusAllocation, StatusList
from node.status.bitstring import MIN_ENTRIES

# A value, not storage: defined beside the entries made of it; named here too.
from node.status.entries import StatusAssignment as StatusAssignment

PURPOSES = ("revocation", "suspension")  # reserved at random; "message" follows revocation
_RANDOM = secrets.SystemRandom()
_ATTEMPTS = 20


class StatusAllocator:
    """``message_lists``: also give each record its entry in the message list of its
    revocation list (the same index there: no second random draw, and records issued before
    message lists existed got theirs the same way, in migration 0012)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        list_size: int = MIN_ENTRIES,
        owner: str = "institution",
        *,
        message_lists: bool = True,
    ) -> None:
        self._sessions = sessions
        self._size = list_size
        self._owner = owner
        self._message_lists = message_lists

    @property
    def owner(self) -> str:
        """Whose lists these are: the institution's, or the VC API issuer's."""
        return self._owner

    def allocate(self, count: int) -> list[StatusAssignment]:
        if count == 0:
            return []
        revocation = self._reserve("revocation", count)
        suspension = self._reserve("suspension", count)
        if not self._message_lists:
            return [StatusAssignment(r, s) for r, s in zip(revocation, suspension, strict=True)]
        messages = self._message_lists_of(revocation)
        return [
            StatusAssignment(r, s, (messages[r[0]], r[1]))
            for r, s in zip(revocation, suspension, strict=True)
        ]

    def _message_lists_of(self, reserved: list[tuple[int, int]]) -> dict[int, int]:
        """{revocation list id: its message list id}, creating the missing ones."""
        counts = Counter(list_id for list_id, _index in reserved)
        found: dict[int, int] = {}
        for source, count in counts.items():
            for _attempt in range(_ATTEMPTS):
                try:
                    with self._sessions() as session, session.begin():
                        found[source] = self._message_list(session, source, count)
                    break
                except IntegrityError:
                    continue  # another process created it at the same moment
            else:
                raise RuntimeError(f"could not create the message list of list {source}")
        return found

    def _message_list(self, session: Session, source_id: int, count: int) -> int:
        source = session.get_one(StatusList, source_id)
        message = session.scalar(
            select(StatusList).where(StatusList.source_list_id == source_id).with_for_update()
        )
        if message is None:
            message = StatusList(
                owner=self._owner,
                purpose="message",
                size=source.size,
                allocated=0,
                changed=True,
                source_list_id=source_id,
            )
            session.add(message)
            session.flush()
        session.execute(
            update(StatusList)
            .where(StatusList.id == message.id)
            .values(allocated=StatusList.allocated + count)
        )
        return message.id

    def _reserve(self, purpose: str, count: int) -> list[tuple[int, int]]:
        if count > self._size:
            return self._reserve(purpose, self._size) + self._reserve(purpose, count - self._size)
        for _attempt in range(_ATTEMPTS):
            try:
                with self._sessions() as session, session.begin():
                    status_list = self._current_list(session, purpose, count)
                    used = set(
                        session.scalars(
                            select(StatusAllocation.index).where(
                                StatusAllocation.list_id == status_list.id
                            )
                        )
                    )
                    picks = _pick(self._size, used, count)
                    session.execute(
                        insert(StatusAllocation),
                        [{"list_id": status_list.id, "index": i} for i in picks],
                    )
                    session.execute(
                        update(StatusList)
                        .where(StatusList.id == status_list.id)
                        .values(allocated=StatusList.allocated + count)
                    )
                    return [(status_list.id, i) for i in picks]
            except IntegrityError:
                continue  # another process took one of these indexes at the same moment
            except _ListFull:
                # Another process filled the list between our reads (SQLite has no row
                # locks: FOR UPDATE is a no-op there); the next attempt picks a list with room.
                continue
        raise RuntimeError(f"could not reserve {count} {purpose} indexes")

    def _current_list(self, session: Session, purpose: str, count: int) -> StatusList:
        """The newest list of ``purpose`` with room for ``count`` more; a new one if none."""
        current = session.scalar(
            select(StatusList)
            .where(StatusList.owner == self._owner, StatusList.purpose == purpose)
            .where(StatusList.allocated + count <= StatusList.size)
            .order_by(StatusList.id.desc())
            .limit(1)
            .with_for_update()
        )
        if current is None:
            current = StatusList(
                owner=self._owner, purpose=purpose, size=self._size, allocated=0, changed=True
            )
            session.add(current)
            session.flush()
        return current


class _ListFull(Exception):
    """The list chosen for a reservation filled up concurrently."""


def _pick(size: int, used: set[int], count: int) -> Sequence[int]:
    free = size - len(used)
    if count > free:
        raise _ListFull
    if len(used) + count <= size // 2:
        picks: set[int] = set()
        while len(picks) < count:  # sparse list: rejection sampling is cheap
            index = _RANDOM.randrange(size)
            if index not in used:
                picks.add(index)
        return sorted(picks)
    return sorted(_RANDOM.sample([i for i in range(size) if i not in used], count))
