"""Public hash lookup (no personal data) and the admin API for learners' share links."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from node.api.deps import IssuerToken, Runtime
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.lookup import share
from node.lookup.service import lookup_digest

public = APIRouter(prefix="/api", tags=["verification"])
admin = APIRouter(prefix="/admin", tags=["share links"])


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class AnchorOut(_Camel):
    state: str = Field(description="pending | built | submitted | confirmed")
    block_number: int | None
    block_time: datetime | None
    tx_hash: str | None
    chain_id: int | None


class StatusOut(_Camel):
    revoked: bool
    suspended: bool


class LookupOut(_Camel):
    leaf_digest: str
    format: str
    issuer: str = Field(description="DID of the issuing network member")
    anchor: AnchorOut
    status: StatusOut = Field(description="Revocation and suspension now")


@public.get(
    "/lookup/{sha256}",
    summary="Anchor and status of a credential by its hash",
    description="The hash is the leaf digest docs/architecture.md (Anchoring) defines per "
    "format (lowercase hex SHA-256). Answers chain facts and status only — never the credential's "
    "content or anything about the learner.",
    responses={
        404: {"model": ErrorOut, "description": "No credential with this hash"},
        422: {"model": ErrorOut, "description": "Not a SHA-256 hex digest"},
    },
)
def lookup(sha256: str, runtime: Runtime) -> LookupOut:
    found = lookup_digest(runtime.sessions, sha256, runtime.identity().did)
    return LookupOut(
        leaf_digest=found.leaf_digest,
        format=found.format,
        issuer=found.issuer,
        anchor=AnchorOut(
            state=found.anchor_state,
            block_number=found.block_number,
            block_time=found.block_time,
            tx_hash=found.tx_hash,
            chain_id=found.chain_id,
        ),
        status=StatusOut(revoked=found.revoked, suspended=found.suspended),
    )


class ShareLinkIn(_Camel):
    expires_at: AwareDatetime = Field(description="When the link stops working (≤ 366 days)")


class ShareLinkOut(_Camel):
    id: str
    record_id: str
    expires_at: datetime
    revoked_at: datetime | None = None
    created_at: datetime | None = None
    url: str | None = Field(default=None, description="Only in the creation response")
    print_url: str | None = Field(default=None, description="Only in the creation response")


@admin.post(
    "/credentials/{record_id}/share-links",
    status_code=201,
    summary="Create a verification link a learner can share",
    description="The token is shown once (only its hash is stored). `/v/{token}` shows the "
    "credential's content and its verification until the link expires or is revoked.",
    responses=ERROR_RESPONSES | {404: {"model": ErrorOut, "description": "No such credential"}},
)
def create_share_link(
    record_id: str, body: ShareLinkIn, runtime: Runtime, token: IssuerToken
) -> ShareLinkOut:
    created = share.create_link(runtime.sessions, record_id, body.expires_at, token.id)
    origin = runtime.settings.origin
    return ShareLinkOut(
        id=created.id,
        record_id=record_id,
        expires_at=created.expires_at,
        url=f"{origin}/v/{created.token}",
        print_url=f"{origin}/credentials/{record_id}/print?token={created.token}",
    )


@admin.get(
    "/credentials/{record_id}/share-links",
    summary="The share links of a credential (without tokens)",
    responses=ERROR_RESPONSES | {404: {"model": ErrorOut, "description": "No such credential"}},
)
def list_share_links(record_id: str, runtime: Runtime, token: IssuerToken) -> list[ShareLinkOut]:
    return [
        ShareLinkOut.model_validate(link, from_attributes=True)
        for link in share.list_links(runtime.sessions, record_id)
    ]


@admin.delete(
    "/credentials/{record_id}/share-links/{link_id}",
    status_code=204,
    summary="Revoke a share link",
    responses=ERROR_RESPONSES | {404: {"model": ErrorOut, "description": "No such link"}},
)
def revoke_share_link(
    record_id: str, link_id: str, runtime: Runtime, token: IssuerToken
) -> Response:
    share.revoke_link(runtime.sessions, record_id, link_id)
    return Response(status_code=204)
