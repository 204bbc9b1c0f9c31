"""The approval chain in the admin API: the queue of the token's member of staff, a
record's stages and decisions, deciding a stage, resubmitting a returned record.

HTTP only: the service is node/issuance/approvals.py. The token must act for a staff account
(``credreg token create --staff USERNAME``): an approval is a person's act."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from node.api.deps import ApprovalChain, Issuance, TokenActor
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.api.schemas import RecordOut, RegistryItemOut, Wire
from node.issuance.approvals import MAX_COMMENT, ChainState

router = APIRouter(prefix="/admin", tags=["approvals"], responses=ERROR_RESPONSES)
_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "Not this account's stage (role, separation)"},
    404: {"model": ErrorOut, "description": "No such record"},
    409: {"model": ErrorOut, "description": "The record waits for no approval"},
}


class StageOut(Wire):
    index: int
    name: str
    role: str
    elements: list[str] = Field(description="The claims this stage signs off")
    seals: bool = Field(description="Its approval signs the credential")


class StepOut(Wire):
    round: int
    stage: int
    stage_name: str
    account_id: int
    account_name: str
    decision: str = Field(description="approved | rejected")
    elements: list[str]
    claims_sha256: str = Field(description="SHA-256 of the claims as they were decided")
    comment: str
    at: datetime


class ChainOut(Wire):
    state: str
    round: int
    waiting_for: int | None = Field(description="Index of the stage it waits for")
    stages: list[StageOut]
    steps: list[StepOut]
    may_decide: bool = Field(description="Whether this token's account may decide now")
    refusal: str = Field(description="Why not (role, separation of duties), if it may not")

    @classmethod
    def of(cls, chain: ChainState) -> ChainOut:
        return cls(
            state=chain.state,
            round=chain.round,
            waiting_for=chain.waiting_for,
            stages=[
                StageOut(
                    index=i,
                    name=s.name,
                    role=s.role.value,
                    elements=list(s.elements),
                    seals=s.seals,
                )
                for i, s in enumerate(chain.stages)
            ],
            steps=[StepOut(**step.__dict__) for step in chain.steps],
            may_decide=chain.may_decide,
            refusal=chain.refusal,
        )


class QueueItemOut(Wire):
    record: RegistryItemOut
    stage: str


class DecisionIn(Wire):
    decision: Literal["approved", "rejected"]
    comment: str = Field(default="", max_length=MAX_COMMENT, description="Needed to reject")


class DecisionOut(Wire):
    state: str = Field(description="The record's state after the decision")


class ResubmitIn(Wire):
    claims: dict[str, Any] | None = Field(default=None, description="Corrected claims, if any")


@router.get("/approvals", summary="Records waiting for a stage this account may decide")
def queue(actor: TokenActor, approvals: ApprovalChain) -> list[QueueItemOut]:
    return [
        QueueItemOut(record=RegistryItemOut.of(q.item), stage=q.stage.name)
        for q in approvals.queue(actor)
    ]


@router.get(
    "/credentials/{record_id}/approvals",
    summary="A record's approval stages and decisions",
    responses=_RESPONSES,
)
def chain_of(record_id: str, actor: TokenActor, approvals: ApprovalChain) -> ChainOut:
    return ChainOut.of(approvals.state(record_id, actor))


@router.post(
    "/credentials/{record_id}/decisions",
    summary="Approve or reject the stage a record waits for",
    responses=_RESPONSES,
)
def decide(
    record_id: str, body: DecisionIn, actor: TokenActor, approvals: ApprovalChain
) -> DecisionOut:
    return DecisionOut(state=approvals.decide(record_id, actor, body.decision, body.comment))


@router.post(
    "/credentials/{record_id}/resubmit",
    summary="Send a returned record through the chain again (claims corrected or not)",
    responses=_RESPONSES,
)
def resubmit(
    record_id: str,
    actor: TokenActor,
    approvals: ApprovalChain,
    issuance: Issuance,
    body: ResubmitIn | None = None,
) -> RecordOut:
    approvals.resubmit(record_id, actor, body.claims if body else None)
    record, copies = issuance.get(record_id)
    return RecordOut.of(record, copies)
