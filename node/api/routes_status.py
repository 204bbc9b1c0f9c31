"""Revocation and suspension (admin), and the status lists themselves (public)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import Field

from node.api.deps import Issuance, IssuerToken, Runtime, StatusLists
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.api.params import RowId
from node.api.schemas import Wire
from node.api.status_list_http import RESPONSES as STATUS_LIST_RESPONSES
from node.api.status_list_http import status_list_response
from node.db.models import ApiToken
from node.status import token_status
from node.status.service import StatusChange, StatusService

admin = APIRouter(prefix="/admin", tags=["status"], responses=ERROR_RESPONSES)
public = APIRouter(tags=["status"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such credential record"},
    409: {"model": ErrorOut, "description": "The credential's state does not allow it"},
}


class ReasonIn(Wire):
    reason: str = Field(min_length=1, max_length=2000, description="Recorded in the audit trail")


class BulkIn(Wire):
    action: Literal["revoke", "suspend", "reinstate"]
    credential_ids: list[str] = Field(min_length=1, max_length=100_000)
    reason: str = Field(min_length=1, max_length=2000)


class ChangeOut(Wire):
    record_id: str
    ok: bool
    state: str | None
    problem: str | None

    @classmethod
    def of(cls, change: StatusChange) -> ChangeOut:
        return cls(
            record_id=change.record_id, ok=change.ok, state=change.state, problem=change.problem
        )


class BulkOut(Wire):
    changed: int
    refused: int
    results: list[ChangeOut]


class EventOut(Wire):
    action: str
    reason: str
    token_id: int | None
    at: datetime


def _one(
    statuses: StatusService, record_id: str, action: str, body: ReasonIn, token: ApiToken
) -> ChangeOut:
    (change,) = statuses.change(
        [record_id],
        action,  # type: ignore[arg-type]
        body.reason,
        token.id,
        staff_account_id=token.staff_account_id,
    )
    return ChangeOut.of(change)


@admin.post("/credentials/{record_id}/revoke", summary="Revoke (final)", responses=_ERRORS)
def revoke(record_id: str, body: ReasonIn, token: IssuerToken, statuses: StatusLists) -> ChangeOut:
    return _one(statuses, record_id, "revoke", body, token)


@admin.post("/credentials/{record_id}/suspend", summary="Suspend", responses=_ERRORS)
def suspend(record_id: str, body: ReasonIn, token: IssuerToken, statuses: StatusLists) -> ChangeOut:
    return _one(statuses, record_id, "suspend", body, token)


@admin.post(
    "/credentials/{record_id}/reinstate", summary="Reinstate a suspended one", responses=_ERRORS
)
def reinstate(
    record_id: str, body: ReasonIn, token: IssuerToken, statuses: StatusLists
) -> ChangeOut:
    return _one(statuses, record_id, "reinstate", body, token)


@admin.post(
    "/status/bulk",
    summary="Revoke, suspend or reinstate many credentials (one new list version per list)",
    description="Applies to every credential that can change; the others are listed as "
    "refused with the reason.",
)
def bulk(body: BulkIn, token: IssuerToken, statuses: StatusLists) -> BulkOut:
    results = statuses.change(
        body.credential_ids,
        body.action,
        body.reason,
        token.id,
        strict=False,
        staff_account_id=token.staff_account_id,
    )
    changed = sum(r.ok for r in results)
    return BulkOut(
        changed=changed, refused=len(results) - changed, results=[ChangeOut.of(r) for r in results]
    )


@admin.get(
    "/credentials/{record_id}/status-events",
    summary="The audit trail of a credential's status changes",
    responses=_ERRORS,
)
def events(
    record_id: str, _token: IssuerToken, issuance: Issuance, statuses: StatusLists
) -> list[EventOut]:
    issuance.get(record_id)  # 404 for an unknown record
    return [
        EventOut(action=e.action, reason=e.reason, token_id=e.token_id, at=e.at)
        for e in statuses.events(record_id)
    ]


@public.get(
    "/status/{list_id}",
    summary="A status list credential (latest, or ?version=N)",
    description="Signed BitstringStatusListCredential; ETag is the SHA-256 of the exact bytes, "
    "the value anchored in StatusRegistry. Every version stays retrievable.",
    responses=STATUS_LIST_RESPONSES,
)
def status_list(
    list_id: RowId,
    runtime: Runtime,
    statuses: StatusLists,
    version: Annotated[RowId | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    if accept is not None and token_status.MEDIA_TYPE in accept:
        return _token_response(runtime, statuses, list_id, version, if_none_match)
    published = statuses.version(list_id, version)
    return status_list_response(published, version is not None, if_none_match)


_TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {token_status.MEDIA_TYPE: {}}},
    304: {"description": "Not modified (If-None-Match)"},
    404: {"model": ErrorOut, "description": "No such list or version"},
}


@public.get(
    "/status/{list_id}/token",
    summary="The same list as an IETF Token Status List (statuslist+jwt), for SD-JWT VCs",
    description="An exact re-encoding of the W3C list version (latest, or ?version=N) signed "
    "with the institution's P-256 key; its claim w3c_status_list names that version and the "
    "SHA-256 anchored in StatusRegistry. Revocation lists: 1 bit (1 = INVALID); suspension "
    "lists: 2 bits (2 = SUSPENDED).",
    responses=_TOKEN_RESPONSES,
)
def token_status_list(
    list_id: RowId,
    runtime: Runtime,
    statuses: StatusLists,
    version: Annotated[RowId | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    return _token_response(runtime, statuses, list_id, version, if_none_match)


def _token_response(
    runtime: Runtime,
    statuses: StatusService,
    list_id: int,
    version: int | None,
    if_none_match: str | None,
) -> Response:
    signed = token_status.token_list(
        statuses, runtime.identity().origin, runtime.jose_signer(), list_id, version
    )
    # Each signing differs (iat, ECDSA); the bits are those of the W3C version: a weak ETag.
    etag = f'W/"{signed.sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={token_status.TTL_SECONDS}",
        "X-Status-List-Version": str(signed.version),
        "Vary": "Accept",
    }
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(signed.token, media_type=token_status.MEDIA_TYPE, headers=headers)
