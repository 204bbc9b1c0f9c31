"""Anchor facts for a credential's holder: the Merkle proof and the chain transaction."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from node.api.deps import Runtime
from node.api.errors import ErrorOut
from node.ledger.proofs import anchors_of

router = APIRouter(tags=["anchoring"])


class CopyAnchorOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    format: str
    leaf_digest: str = Field(description="Hex SHA-256 leaf (docs/architecture.md, Anchoring)")
    state: str = Field(description="pending | built | submitted | confirmed")
    root: str | None = Field(description="Hex Merkle root anchored in AnchorRegistry")
    leaf_index: int | None
    tree_size: int | None
    proof: list[str] = Field(description="RFC 9162 inclusion path, hex, bottom-up")
    tx_hash: str | None
    block_number: int | None
    block_time: datetime | None
    chain_id: int | None
    anchor_registry: str | None


class RecordAnchorOut(BaseModel):
    record_id: str = Field(serialization_alias="recordId")
    copies: list[CopyAnchorOut]


@router.get(
    "/credentials/{record_id}/anchor",
    summary="The anchor of each signed copy of a credential: root, proof, block",
    description="Only hashes and chain facts: a holder checks the proof against the root "
    "that AnchorRegistry holds, without trusting this node. `record_id` may also be a "
    "copy's leaf digest (64 hex digits): the answer then holds that copy — what another "
    "member's verifier asks for.",
    responses={404: {"model": ErrorOut, "description": "No such credential record or copy"}},
)
def credential_anchor(record_id: str, runtime: Runtime) -> RecordAnchorOut:
    record, copies = anchors_of(runtime.sessions, record_id)
    return RecordAnchorOut(
        record_id=record,
        copies=[CopyAnchorOut.model_validate(c, from_attributes=True) for c in copies],
    )
