"""What the console's dashboard shows a member of staff: the registry's counts, what waits
for them, anchoring (pending, open batches, the last anchored batch, the chain's health) and
the network (its name and how many members are active — or why it cannot be read now)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from anchoring.errors import ChainError
from anchoring.registries import MemberStatus
from node.errors import NodeError
from node.issuance.approvals import Actor, Approvals
from node.issuance.registry import Registry
from node.ledger.summary import AnchoringSummary
from node.network.discovery import Directory


@dataclass(frozen=True)
class NetworkState:
    name: str | None  # None: known by its chain alone
    embedded: bool  # this node's own chain: the network is this institution alone
    active: int = 0
    members: int = 0
    block: int | None = None
    error: str | None = None  # the members could not be read now


@dataclass(frozen=True)
class Overview:
    counts: dict[str, int]
    issued_this_month: int
    waiting_for_me: int
    anchoring: AnchoringSummary
    chain: str  # ok | off | degraded: … (NodeRuntime.chain_state)
    network: NetworkState | None  # None: no chain


def network_state(
    name: str | None, embedded: bool, directory: Callable[[], Directory]
) -> NetworkState:
    try:
        found = directory()
    except (ChainError, NodeError) as exc:
        return NetworkState(name, embedded, error=str(exc))
    active = sum(m.status is MemberStatus.ACTIVE for m in found.members)
    return NetworkState(name, embedded, active, len(found.members), found.block_number)


def overview(
    registry: Registry,
    approvals: Approvals,
    actor: Actor,
    anchoring: AnchoringSummary,
    chain: str,
    network: NetworkState | None,
    now: datetime | None = None,
) -> Overview:
    today = now or datetime.now(UTC)
    month = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Overview(
        registry.counts(),
        registry.issued_since(month),
        len(approvals.queue(actor)),
        anchoring,
        chain,
        network,
    )
