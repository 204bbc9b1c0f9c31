"""Joining a network chain from the embedded chain: re-anchor the existing Merkle roots.

The embedded chain is a single-institution trust anchor only. Once the institution is a
member of a network chain (admitted there by vote, with this node's anchoring account), its
earlier roots are anchored again in the network's AnchorRegistry, so its earlier credentials
verify network-wide (their Merkle proofs are unchanged: same roots). Status list versions are
re-published in order by the status anchorer (numbering preserved). The node then records
the network's contracts instead of the embedded ones; run it with ``CREDREG_CHAIN=rpc``.

Run with the node stopped (the CLI ``credreg network migrate``). Idempotent: a root already
on the network chain for this member is confirmed from the registry, not sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from eth_account.signers.local import LocalAccount
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from anchoring.chain import ChainClient
from anchoring.registries import AnchorRegistry, Deployment, MemberStatus, NetworkRegistry
from node.db.models import AnchorBatch, BatchState, ChainDeployment, StatusList, StatusListVersion
from node.errors import Conflict
from node.identity import InstitutionIdentity
from node.ledger.network import store_deployment
from node.network.governance import refusals
from node.settings import Settings


class Node(Protocol):
    """What a migration needs of the node (the runtime, node/runtime.py, is one)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    def identity(self) -> InstitutionIdentity: ...

    def anchoring_account(self) -> LocalAccount: ...


@dataclass(frozen=True)
class Migration:
    chain_id: int
    member: int
    roots: int  # confirmed batches re-anchored (or found already anchored)
    requeued: int  # unconfirmed batches left to the anchor worker on the new chain
    status_versions: int  # status list versions to be re-published by the anchorer


def migrate_to_network(
    runtime: Node, chain: ChainClient, deployment: Deployment, *, timeout: float = 60
) -> Migration:
    account = runtime.anchoring_account()
    identity = runtime.identity()
    network = NetworkRegistry(chain, deployment.network_registry)
    anchors = AnchorRegistry(chain, deployment.anchor_registry)
    with refusals():
        if chain.chain_id() != deployment.chain_id:
            raise Conflict(f"the chain is {chain.chain_id()}, not {deployment.chain_id}")
        member = network.member_of_account(account.address)
        if member == 0:
            raise Conflict(
                f"account {account.address} acts for no member of this network: apply first"
            )
        info = network.member(member)
    if info.did != identity.did:
        raise Conflict(f"the account acts for {info.did}, not for {identity.did}")
    if info.status is not MemberStatus.ACTIVE:
        raise Conflict(f"member {member} is {info.status.name.lower()}: it cannot anchor")

    with runtime.sessions() as session:
        batches = list(
            session.execute(
                select(AnchorBatch.id, AnchorBatch.root, AnchorBatch.leaf_count)
                .where(AnchorBatch.state == BatchState.CONFIRMED)
                .order_by(AnchorBatch.id)
            ).all()
        )
    roots = 0
    for batch_id, root_hex, leaf_count in batches:
        root = bytes.fromhex(root_hex)
        with refusals():
            existing = anchors.root_info(root)
            if existing is None:
                receipt = chain.wait_for_receipt(
                    anchors.anchor_root(account, root, leaf_count),
                    timeout=timeout,
                    confirmations=runtime.settings.anchor_confirmations,
                )
                tx_hash = "0x" + receipt.tx_hash.hex()
                existing = anchors.root_info(root)
            else:
                tx_hash = None
            if existing is None or existing.member != member:
                raise Conflict(f"root {root_hex} is anchored by another member")
            block = chain.block(existing.block_number)
        with runtime.sessions() as session, session.begin():
            session.execute(
                update(AnchorBatch)
                .where(AnchorBatch.id == batch_id)
                .values(
                    chain_id=deployment.chain_id,
                    tx_hash=tx_hash,
                    block_number=existing.block_number,
                    block_hash="0x" + block.hash.hex(),
                    block_time=datetime.fromtimestamp(existing.timestamp, UTC),
                )
            )
        roots += 1

    with runtime.sessions() as session, session.begin():
        requeued = _count(
            session.execute(
                update(AnchorBatch)
                .where(AnchorBatch.state != BatchState.CONFIRMED)
                .values(state=BatchState.BUILT, tx_hash=None, chain_id=deployment.chain_id)
            )
        )
        own_lists = select(StatusList.id).where(StatusList.owner == "institution")
        versions = _count(
            session.execute(
                update(StatusListVersion)
                .where(StatusListVersion.list_id.in_(own_lists))
                .values(state="built", tx_hash=None, block_number=None, block_time=None)
            )
        )
        session.execute(delete(ChainDeployment))
    store_deployment(runtime.sessions, deployment)
    return Migration(deployment.chain_id, member, roots, requeued, versions)


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
