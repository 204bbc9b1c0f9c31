"""Discovery: the network's members and their endpoints, read from the chain.

The member list is cached and re-read when the chain has a new block (checked at most every
``refresh_seconds``), so a page of members costs one ``eth_blockNumber`` most of the time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from anchoring.errors import ChainError
from anchoring.registries import MemberInfo
from node.ledger.connection import Ledger
from node.network.governance import ChainDown


@dataclass(frozen=True)
class Directory:
    block_number: int
    read_at: float
    members: tuple[MemberInfo, ...]


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def member_json(member: MemberInfo) -> dict[str, Any]:
    return {
        "id": member.id,
        "did": member.did,
        "serviceEndpoint": member.service_endpoint,
        "status": member.status.name.lower(),
        "accreditation": {
            "qaType": member.qa_type,
            "deqarId": member.deqar_id,
            "eqfLevels": sorted(member.eqf_levels),
        },
        "since": _iso(member.admitted_at),
        "statusChangedAt": _iso(member.status_changed_at),
        "keyIds": list(member.key_ids),
        "accounts": list(member.accounts),
    }


class MemberDirectory:
    """Members from NetworkRegistry, cached until the next block. Thread-safe."""

    def __init__(
        self,
        ledger: Ledger,
        *,
        refresh_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ledger = ledger
        self._refresh = refresh_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Directory | None = None
        self._checked = 0.0

    def directory(self) -> Directory:
        with self._lock:
            now = self._clock()
            current = self._current
            if current is not None and now - self._checked < self._refresh:
                return current
            try:
                head = self._ledger.chain.block().number
                if current is None or head != current.block_number:
                    network = self._ledger.network
                    members = tuple(network.member(m) for m in network.member_ids())
                    current = Directory(head, time.time(), members)
            except ChainError as exc:
                if current is not None:
                    return current  # stale beats nothing; the next call retries
                raise ChainDown(f"the chain cannot be read: {exc}") from exc
            self._current = current
            self._checked = now
            return current

    def members(self) -> tuple[MemberInfo, ...]:
        return self.directory().members

    def endpoint_of(self, did: str) -> str | None:
        for member in self.members():
            if member.did == did:
                return member.service_endpoint
        return None
