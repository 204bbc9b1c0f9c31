"""Discovery: the network's members and their endpoints, read from the chain.

The member list is cached and re-read on the first block that changes NetworkRegistry (the
head is checked at most once a second, node-wide; one ``eth_getLogs`` per new head), so a
page of members costs no chain call most of the time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from anchoring.errors import ChainError
from anchoring.registries import MemberInfo
from node.ledger.connection import Ledger
from node.network.governance import ChainDown


@dataclass(frozen=True)
class Directory:
    block_number: int  # the head when the list was last known current
    read_at: float
    members: tuple[MemberInfo, ...]
    epoch: int = 0  # the registry's last change (RegistryWatch) the list includes


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
    """Members from NetworkRegistry, cached until a block changes the registry. Thread-safe.

    The ledger's shared :class:`~node.ledger.connection.ChainHead` is read at most once a
    second for the whole node, and the list is re-read only when a new block holds a
    NetworkRegistry event (:class:`~node.ledger.connection.RegistryWatch`).
    """

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._lock = threading.Lock()
        self._current: Directory | None = None

    def directory(self) -> Directory:
        current = self._current
        try:
            epoch = self._ledger.registry.epoch()
            head = self._ledger.head.number()
            with self._lock:
                current = self._current
                if current is None or current.epoch != epoch:
                    network = self._ledger.network
                    members = tuple(network.member(m) for m in network.member_ids())
                    current = Directory(head, time.time(), members, epoch)
                elif current.block_number != head:
                    current = replace(current, block_number=head)
                self._current = current
                return current
        except ChainError as exc:
            if current is not None:
                return current  # stale beats nothing; the next call retries
            raise ChainDown(f"the chain cannot be read: {exc}") from exc

    def members(self) -> tuple[MemberInfo, ...]:
        return self.directory().members

    def endpoint_of(self, did: str) -> str | None:
        for member in self.members():
            if member.did == did:
                return member.service_endpoint
        return None
