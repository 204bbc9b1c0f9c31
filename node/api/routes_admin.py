"""Admin API: issue micro-credentials one by one or in batches (JSON or CSV)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response, status
from fastapi.responses import StreamingResponse

from node.api.deps import (
    AdminToken,
    FromCatalogue,
    Issuance,
    IssuerToken,
    RecordRegistry,
    Runtime,
)
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.api.schemas import (
    BatchIn,
    BatchItemOut,
    BatchOut,
    IssueIn,
    IssueRecordIn,
    RecordOut,
    RegistryPageOut,
)
from node.credentials import csv_import
from node.credentials.profile import requirement_profile
from node.db.models import CredentialFormat, RecordState
from node.issuance.registry import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY, RegistryQuery
from node.issuance.service import IssueRequest

router = APIRouter(prefix="/admin", tags=["issuing"], responses=ERROR_RESPONSES)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such record"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The record's state forbids this"}
}


@router.post(
    "/credentials",
    status_code=status.HTTP_201_CREATED,
    summary="Issue one micro-credential (or prepare it for approval)",
    description="Repeating a request with the same `idempotencyKey`, claims and subject is a "
    "replay: 200 with the original record. The same key with other claims or another "
    "subject: 409.",
    responses={
        200: {"model": RecordOut, "description": "A replay: the record first stored"},
        **_CONFLICT,
    },
)
def issue_one(
    body: IssueIn,
    token: IssuerToken,
    issuance: Issuance,
    course: FromCatalogue,
    response: Response,
) -> RecordOut:
    claims = course.claims_for(body.catalogue_entry, body.claims)
    request = IssueRequest(claims, body.subject_id, body.idempotency_key)
    record, copies, replayed = issuance.issue_one(
        request, body.formats, token.id, sign=body.issue, prepared_by=token.staff_account_id
    )
    if replayed:
        response.status_code = status.HTTP_200_OK
    return RecordOut.of(record, copies)


def _registry_query(
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY,
            description="Words, each the start of a word of the learner's names or "
            "identifier, the title (any language) or the record id",
        ),
    ] = "",
    state: RecordState | None = None,
    issued_from: Annotated[date | None, Query(description="Issued on or after (UTC)")] = None,
    issued_to: Annotated[date | None, Query(description="Issued on or before (UTC)")] = None,
    created_by: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="The API token's id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=200, description="`next` of a page")] = None,
) -> RegistryQuery:
    return RegistryQuery(q, state, issued_from, issued_to, created_by, limit, cursor)


Search = Annotated[RegistryQuery, Depends(_registry_query)]


@router.get(
    "/credentials",
    summary="List and search the registry, newest first",
    description="Keyset pages: pass `next` as `cursor` for the following page.",
)
def list_records(query: Search, _token: IssuerToken, registry: RecordRegistry) -> RegistryPageOut:
    return RegistryPageOut.of(registry.page(query))


@router.get(
    "/credentials.csv",
    summary="The registry (or a search's matches) as CSV",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_records(
    query: Search, _token: IssuerToken, registry: RecordRegistry
) -> StreamingResponse:
    lines = registry.csv_lines(query.checked())
    return StreamingResponse(
        lines,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="registry.csv"'},
    )


@router.get("/credentials/{record_id}", summary="A credential record", responses=_NOT_FOUND)
def get_record(record_id: str, _token: IssuerToken, issuance: Issuance) -> RecordOut:
    record, copies = issuance.get(record_id)
    return RecordOut.of(record, copies)


@router.post(
    "/credentials/{record_id}/approve",
    summary="Approve a prepared record (admin role)",
    responses={**_NOT_FOUND, **_CONFLICT},
)
def approve(record_id: str, _token: AdminToken, issuance: Issuance) -> RecordOut:
    return RecordOut.of(issuance.approve(record_id))


@router.post(
    "/credentials/{record_id}/issue",
    summary="Sign a prepared or approved record",
    responses={**_NOT_FOUND, **_CONFLICT},
)
def issue_record(
    record_id: str, _token: IssuerToken, issuance: Issuance, body: IssueRecordIn | None = None
) -> RecordOut:
    formats = body.formats if body else [CredentialFormat.LDP_RDFC]
    record, copies = issuance.issue_record(record_id, formats)
    return RecordOut.of(record, copies)


def _summarise(items: list[BatchItemOut]) -> BatchOut:
    counts = Counter(item.status for item in items)
    return BatchOut(
        issued=counts["issued"], skipped=counts["skipped"], rejected=counts["rejected"], items=items
    )


@router.post(
    "/credentials/batch",
    summary="Issue a batch (JSON array); bad items are reported, good ones issued",
)
def issue_batch(
    body: BatchIn, token: IssuerToken, issuance: Issuance, course: FromCatalogue
) -> BatchOut:
    # A reference to the catalogue that cannot be followed refuses the batch whole (422).
    claims = [
        course.claims_for(item.catalogue_entry, item.claims, at=f"items[{index}].")
        for index, item in enumerate(body.items)
    ]
    requests = (
        IssueRequest(claims[index], item.subject_id, item.idempotency_key, line=index)
        for index, item in enumerate(body.items)
    )
    outcomes = issuance.issue_batch(requests, body.formats, token.id)
    return _summarise([BatchItemOut.of(o) for o in outcomes])


@router.post(
    "/credentials/batch/csv",
    summary="Issue a batch from a learning-platform CSV export (docs/csv-format.md)",
    description="UTF-8 (UTF-16 with a BOM, or Windows-1252), `,` `;` or tab delimited. A "
    "file that is no CSV export (a workbook, an unknown header, empty) is refused whole: 422.",
    responses={422: {"model": ErrorOut, "description": "Not a readable CSV export"}},
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
def issue_csv(
    runtime: Runtime,
    token: IssuerToken,
    issuance: Issuance,
    body: Annotated[bytes, Body(media_type="text/csv")] = b"",  # empty: "the file is empty"
    formats: Annotated[list[CredentialFormat] | None, Query(alias="format")] = None,
) -> BatchOut:
    rows = csv_import.read_bytes(body, requirement_profile(runtime.settings.profile))
    requests = (IssueRequest.from_csv_row(row) for row in rows)
    outcomes = issuance.issue_batch(
        requests, formats or [CredentialFormat.LDP_RDFC], token.id, positions="line"
    )
    return _summarise([BatchItemOut.of(o) for o in outcomes])
