"""The network: members for people (public) and governance for the admin (admin token).

HTTP only; the logic is in node/network/. Contract refusals are 409 with the Solidity
error's name as ``error`` (e.g. ``AlreadyVoted``); input refused before sending is 422.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from node.api.deps import (
    AdminToken,
    AnchorProofs,
    KeyRotations,
    Members,
    NetworkGovernance,
    Runtime,
)
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.api.params import UINT64_MAX, ProposalId
from node.credentials.profile import requirement_profile
from node.ledger.network import genesis_spec
from node.network.discovery import member_json
from node.network.governance import Applicant, outcome_json, proposal_json
from node.network.rotation import Rotation

public = APIRouter(prefix="/api/network", tags=["network"])
admin = APIRouter(prefix="/admin/network", tags=["network"], responses=ERROR_RESPONSES)

_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The contract refused; `error` is its error name"},
    503: {"model": ErrorOut, "description": "The chain cannot be reached"},
}


@public.get(
    "/members",
    summary="The network's member institutions, from the chain",
    description="DID, service endpoint, status, accreditation and admission time of every "
    "member ever admitted, as NetworkRegistry holds them (cached until the next block).",
    responses=_REFUSED,
)
def members(members: Members) -> dict[str, Any]:
    directory = members.directory()
    return {
        "blockNumber": directory.block_number,
        "members": [member_json(m) for m in directory.members],
    }


@public.post(
    "/anchor-proofs",
    summary="Hand over the anchor proof of another member's credential",
    description="Body: the issuer's `GET /credentials/{id}/anchor` document, fetched by the "
    "holder ahead of time. Each confirmed copy's inclusion proof is checked against this "
    "network's AnchorRegistry and kept; verifying the credential here then shows its anchor "
    "and judges the issuer's key at the anchor time (issuer offline, key rotated).",
    responses={422: {"model": ErrorOut, "description": "No copy's proof holds"}, **_REFUSED},
)
def anchor_proofs(body: Annotated[dict[str, Any], Body()], proofs: AnchorProofs) -> dict[str, Any]:
    from node.errors import InvalidInput, Problem

    results = proofs.accept(body)
    if not any(r.ok for r in results):
        raise InvalidInput(
            "no copy's anchor proof holds on this network's chain",
            [Problem(f"copies.{i}", r.reason) for i, r in enumerate(results)],
        )
    return {
        "copies": [{"leafDigest": r.leaf_digest, "ok": r.ok, "detail": r.reason} for r in results]
    }


class KeyIn(BaseModel):
    key_id: str = Field(alias="keyId", min_length=1, description="DID URL fragment")
    public_key_multibase: str = Field(alias="publicKeyMultibase", min_length=1)


class ApplicationIn(BaseModel):
    did: str
    service_endpoint: str = Field(alias="serviceEndpoint")
    keys: list[KeyIn] = Field(min_length=1)
    accounts: list[str] = Field(min_length=1)
    qa_type: str = Field(default="institutional", alias="qaType")
    deqar_id: str = Field(default="", alias="deqarId")
    eqf_levels: list[int] = Field(default=[5, 6, 7, 8], alias="eqfLevels")

    def applicant(self) -> Applicant:
        return Applicant(
            did=self.did,
            service_endpoint=self.service_endpoint,
            keys=[(k.key_id, k.public_key_multibase) for k in self.keys],
            accounts=self.accounts,
            qa_type=self.qa_type,
            deqar_id=self.deqar_id,
            eqf_levels=frozenset(self.eqf_levels),
        )


class MemberRefIn(BaseModel):
    member: int | str = Field(description="Member number or DID")


class VoteIn(BaseModel):
    support: bool


@admin.get("/self", summary="This node as a member (or its application, if not one yet)")
def own(runtime: Runtime, _token: AdminToken, governance: NetworkGovernance) -> dict[str, Any]:
    from sqlalchemy import select

    from node.db.models import Institution

    member_id = governance.own_member()
    with runtime.sessions() as session:
        institution = session.scalar(select(Institution))
    assert institution is not None
    spec = genesis_spec(
        runtime.identity(),
        institution,
        runtime.anchoring_account().address,
        requirement_profile(runtime.settings.profile).allowed_eqf_levels,
    )
    return {
        "member": member_id,
        "account": runtime.anchoring_account().address,
        "signingKey": runtime.identity().ed25519_key_id,
        "application": {
            "did": spec.did,
            "serviceEndpoint": spec.service_endpoint,
            "keys": [{"keyId": k[0], "publicKeyMultibase": k[1]} for k in spec.keys],
            "accounts": list(spec.accounts),
            "qaType": spec.qa_type,
            "deqarId": spec.deqar_id,
            "eqfLevels": sorted(spec.eqf_levels),
        },
    }


@admin.get("/proposals", summary="Proposals, newest first", responses=_REFUSED)
def proposals(
    governance: NetworkGovernance,
    _token: AdminToken,
    open_only: Annotated[bool, Query(alias="open")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    found = governance.proposals(open_only=open_only, limit=limit)
    return [proposal_json(p) for p in found]


@admin.get("/proposals/{proposal_id}", summary="One proposal", responses=_REFUSED)
def proposal(
    proposal_id: ProposalId, governance: NetworkGovernance, _token: AdminToken
) -> dict[str, Any]:
    return proposal_json(governance.proposal(proposal_id))


@admin.post(
    "/proposals/admission",
    status_code=201,
    summary="Propose admitting an institution (this node's member votes for it)",
    responses=_REFUSED,
)
def propose_admission(
    body: ApplicationIn, governance: NetworkGovernance, _token: AdminToken
) -> dict[str, Any]:
    return outcome_json(governance.propose_admission(body.applicant()))


_STATUS_ACTIONS = {"suspension": "suspend", "reinstatement": "reinstate", "removal": "remove"}


@admin.post(
    "/proposals/{kind}",
    status_code=201,
    summary="Propose suspending, reinstating or removing a member",
    description="`kind` is suspension, reinstatement or removal.",
    responses={**_REFUSED, 404: {"model": ErrorOut, "description": "Unknown kind"}},
)
def propose_status(
    kind: str, body: MemberRefIn, governance: NetworkGovernance, _token: AdminToken
) -> dict[str, Any]:
    from node.errors import NotFound

    action = _STATUS_ACTIONS.get(kind)
    if action is None:
        raise NotFound(f"no proposal kind {kind!r} (suspension, reinstatement, removal)")
    return outcome_json(governance.propose_status(action, body.member))


@admin.post("/proposals/{proposal_id}/vote", summary="Vote for or against", responses=_REFUSED)
def vote(
    proposal_id: ProposalId, body: VoteIn, governance: NetworkGovernance, _token: AdminToken
) -> dict[str, Any]:
    return outcome_json(governance.vote(proposal_id, body.support))


@admin.post(
    "/proposals/{proposal_id}/execute",
    summary="Execute a proposal that has a majority today",
    responses=_REFUSED,
)
def execute(
    proposal_id: ProposalId, governance: NetworkGovernance, _token: AdminToken
) -> dict[str, Any]:
    return outcome_json(governance.execute(proposal_id))


@admin.post("/proposals/{proposal_id}/cancel", summary="Withdraw own proposal", responses=_REFUSED)
def cancel(
    proposal_id: ProposalId, governance: NetworkGovernance, _token: AdminToken
) -> dict[str, Any]:
    return outcome_json(governance.cancel(proposal_id))


def _rotation_json(result: Rotation) -> dict[str, Any]:
    return {
        "keyId": result.key_id,
        "publicKeyMultibase": result.public_key_multibase,
        "active": result.active,
        "outcome": None if result.outcome is None else outcome_json(result.outcome),
    }


@admin.post(
    "/keys/rotate",
    status_code=201,
    summary="Create a new signing key and propose it on chain",
    description="Switches to the key at once when the proposal passes immediately (sole "
    "active member); otherwise call `/keys/{keyId}/activate` after the vote.",
    responses=_REFUSED,
)
def rotate(rotation: KeyRotations, _token: AdminToken) -> dict[str, Any]:
    return _rotation_json(rotation.prepare())


@admin.post(
    "/keys/{key_id}/activate",
    summary="Sign with this key from now on (the chain must list it)",
    responses=_REFUSED,
)
def activate(key_id: str, rotation: KeyRotations, _token: AdminToken) -> dict[str, Any]:
    rotation.activate(key_id)
    return {"keyId": key_id, "active": True}


class RetireIn(BaseModel):
    retired_at: int | None = Field(
        default=None,
        alias="retiredAt",
        ge=0,
        le=UINT64_MAX,
        description="Unix time from which the key is invalid; default: the latest block's",
    )


@admin.post(
    "/keys/{key_id}/retire",
    summary="Retire one of this institution's keys on chain (no vote needed)",
    responses=_REFUSED,
)
def retire(
    key_id: str,
    rotation: KeyRotations,
    _token: AdminToken,
    body: Annotated[RetireIn | None, Body()] = None,
) -> dict[str, Any]:
    retired_at = body.retired_at if body is not None else None
    return outcome_json(rotation.retire(key_id, retired_at))


router = APIRouter()
router.include_router(public)
router.include_router(admin)
