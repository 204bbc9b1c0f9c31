"""The audit trail: every staff and API action, appended to a hash chain.

Entry ``n`` stores ``hash = SHA-256(prev_hash ‖ "\\n" ‖ canonical JSON of its content)``
with ``prev_hash`` the hash of entry ``n - 1`` (64 zeros before the first). Changing,
inserting or deleting any entry breaks the link to every later one: :func:`verify` finds the
first break. The head is anchored on chain with the anchor rounds (node/ledger/audit_anchor.py),
so even a rewrite of the whole chain is caught against the anchored heads: ``credreg audit
verify``.

Appending is optimistic: the next ``seq`` is the primary key, so of two concurrent appends
one fails its INSERT and retries on top of the other, after a short random pause (any
database, any number of workers). On PostgreSQL the appends also take turns under an
advisory transaction lock, so none has to retry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import AuditAnchor, AuditEntry

GENESIS = "0" * 64
_ATTEMPTS = 50
_APPEND_LOCK = 0x61756469  # PostgreSQL advisory lock key of the appends ("audi")
_CHUNK = 5000
log = logging.getLogger(__name__)


def entry_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    outcome: str,
    details: Mapping[str, Any],
) -> str:
    content = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "outcome": outcome,
        "details": details,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def _hash_of(row: AuditEntry) -> str:
    return entry_hash(
        row.prev_hash, row.seq, row.at, row.actor, row.action, row.subject, row.outcome, row.details
    )


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: ``intact`` means every link and every anchored head
    checked out; ``unanchored`` entries after the last confirmed anchor are only as good as
    the database until the next anchor round."""

    entries: int
    intact: bool
    first_break: int | None  # the first entry whose hash or link is wrong
    anchors_checked: int
    anchors_pending: int
    anchors_failed: list[str]
    last_anchored_seq: int | None
    unanchored: int

    @property
    def ok(self) -> bool:
        return self.intact and not self.anchors_failed


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def append(
        self,
        actor: str,
        action: str,
        subject: str = "",
        outcome: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> Head:
        """Append one entry on top of the current head (retried if another won the race)."""
        body = dict(details or {})
        for attempt in range(_ATTEMPTS):
            if attempt:  # lost a race: step aside a little, longer each time
                time.sleep(random.uniform(0, 0.002 * attempt))
            with self._sessions() as session:
                if session.get_bind().dialect.name == "postgresql":
                    # appends take turns (any process): no race to lose, no retry needed
                    session.execute(select(func.pg_advisory_xact_lock(_APPEND_LOCK)))
                last = session.execute(
                    select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
                ).first()
                seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
                at = datetime.now(UTC)
                digest = entry_hash(prev, seq, at, actor, action, subject, outcome, body)
                session.add(
                    AuditEntry(
                        seq=seq,
                        at=at,
                        actor=actor[:300],
                        action=action[:200],
                        subject=subject[:300],
                        outcome=outcome[:20],
                        details=body,
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return Head(seq, digest)
        raise RuntimeError("the audit trail is too busy: could not append")

    def head(self) -> Head | None:
        with self._sessions() as session:
            last = session.execute(
                select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
            ).first()
            return Head(last[0], last[1]) if last else None

    def entries(self, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.seq > after)
                    .order_by(AuditEntry.seq)
                    .limit(limit)
                )
            )

    def _all(self) -> Iterator[AuditEntry]:
        after = 0
        while chunk := self.entries(after, _CHUNK):
            yield from chunk
            after = chunk[-1].seq

    def verify(self, on_chain: Any = None) -> Verification:
        """Recompute every link; check each confirmed anchor's head against the entry at
        its ``seq`` and, with ``on_chain(root_hex) -> bool``, that its root is on chain."""
        expected_prev, expected_seq = GENESIS, 1
        first_break: int | None = None
        hashes: dict[int, str] = {}
        count = 0
        for row in self._all():
            count += 1
            if first_break is None and (
                row.seq != expected_seq
                or row.prev_hash != expected_prev
                or _hash_of(row) != row.hash
            ):
                first_break = row.seq
            hashes[row.seq] = row.hash
            expected_prev, expected_seq = row.hash, row.seq + 1
        with self._sessions() as session:
            anchors = list(session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq)))
            total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        failed, checked, pending = [], 0, 0
        last_anchored: int | None = None
        for anchor in anchors:
            if anchor.state != "confirmed":
                pending += 1
                continue
            checked += 1
            if hashes.get(anchor.seq) != anchor.head:
                failed.append(
                    f"entry {anchor.seq} differs from its head anchored in block "
                    f"{anchor.block_number}"
                )
            elif on_chain is not None and not on_chain(anchor.root):
                failed.append(f"the anchor of entry {anchor.seq} is not on chain")
            else:
                last_anchored = anchor.seq
        if anchors and count and max(hashes) < max(a.seq for a in anchors):
            failed.append("entries that were anchored are missing from the end of the trail")
        return Verification(
            total,
            first_break is None,
            first_break,
            checked,
            pending,
            failed,
            last_anchored,
            count - (last_anchored or 0),
        )
