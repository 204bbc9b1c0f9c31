"""The anchor facts of a credential record, for its holder: root, inclusion proof, block."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.merkle import split_proof
from node.db.models import AnchorBatch, ChainDeployment, CredentialRecord, SignedCopy
from node.errors import NotFound


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
        deployment = session.scalar(select(ChainDeployment))
        rows = session.execute(
            select(SignedCopy, AnchorBatch)
            .join(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id, isouter=True)
            .where(SignedCopy.record_id == record_id)
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
