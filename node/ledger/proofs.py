"""The anchor facts of a credential record, for its holder: root, inclusion proof, block."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.merkle import split_proof
from node.db.models import AnchorBatch, ChainDeployment, CredentialRecord, SignedCopy
from node.errors import NotFound

_LEAF_DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class CopyAnchor:
    format: str
    leaf_digest: str
    state: str  # pending | built | submitted | confirmed
    root: str | None = None
    leaf_index: int | None = None
    tree_size: int | None = None
    proof: tuple[str, ...] = ()
    tx_hash: str | None = None
    block_number: int | None = None
    block_time: datetime | None = None
    chain_id: int | None = None
    anchor_registry: str | None = None


def anchors_of_record(sessions: sessionmaker[Session], record_id: str) -> list[CopyAnchor]:
    with sessions() as session:
        if session.get(CredentialRecord, record_id) is None:
            raise NotFound(f"no credential record {record_id}")
        return _anchors(session, SignedCopy.record_id == record_id)


def anchors_of(sessions: sessionmaker[Session], key: str) -> tuple[str, list[CopyAnchor]]:
    """(record id, anchors) of a record by its id, or of the one signed copy whose leaf
    digest ``key`` is (64 lowercase hex digits): what another member's verifier asks for
    (node.network.proofs)."""
    if not _LEAF_DIGEST.fullmatch(key):
        return key, anchors_of_record(sessions, key)
    with sessions() as session:
        record_id = session.scalar(
            select(SignedCopy.record_id).where(SignedCopy.leaf_digest == key)
        )
        if record_id is None:
            raise NotFound("no credential with this hash is known to this node")
        return record_id, _anchors(session, SignedCopy.leaf_digest == key)


def _anchors(session: Session, which: ColumnElement[bool]) -> list[CopyAnchor]:
    deployment = session.scalar(select(ChainDeployment))
    rows = session.execute(
        select(SignedCopy, AnchorBatch)
        .join(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id, isouter=True)
        .where(which)
        .order_by(SignedCopy.id)
    ).all()
    result = []
    for copy, batch in rows:
        if batch is None:
            result.append(CopyAnchor(copy.format, copy.leaf_digest, "pending"))
            continue
        result.append(
            CopyAnchor(
                format=copy.format,
                leaf_digest=copy.leaf_digest,
                state=batch.state,
                root=batch.root,
                leaf_index=copy.leaf_index,
                tree_size=batch.leaf_count,
                proof=tuple(h.hex() for h in split_proof(copy.proof)) if copy.proof else (),
                tx_hash=batch.tx_hash,
                block_number=batch.block_number,
                block_time=batch.block_time,
                chain_id=batch.chain_id,
                anchor_registry=deployment.anchor_registry if deployment else None,
            )
        )
    return result
