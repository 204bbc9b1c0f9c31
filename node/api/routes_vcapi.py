"""W3C VC API (W3C CCG "Verifiable Credentials API"): a generic issuer and verifier.

Served only when ``vc_api_enabled``. Issuing needs a bearer token with role ``vcapi``
(``credreg token create --role vcapi``); the W3C suites send it from ``localConfig.cjs``
(per-endpoint ``headers``). Verifying is public, like the node's own ``/api/verify``.
The suites read status codes: issue answers 201, verification 200 when verified and 400
when not, and bad input 400 (422 when the body does not even have the documented shape).

Status (W3C Bitstring Status List): ``options.credentialStatus`` ``{"type":
"BitstringStatusListEntry", "statusPurpose": ...}`` on the Data Integrity issue endpoints adds
entries from the VC API issuer's own lists, served at ``GET /vc-api/status/{id}``;
``POST /credentials/status`` (VC API "Update Status") revokes, suspends or reinstates, and
``/credentials/verify`` answers 400 for a revoked or suspended credential.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import VcApi, VcApiToken
from node.api.errors import ERROR_RESPONSES, ErrorOut, ProblemOut
from node.api.params import RowId
from node.api.status_list_http import RESPONSES as STATUS_LIST_RESPONSES
from node.api.status_list_http import status_list_response
from node.errors import InvalidInput, NotFound, Problem
from node.vcapi.service import Format, Outcome, VcApiService
from node.vcapi.status import PURPOSES, VcApiStatus

router = APIRouter(tags=["W3C VC API"])

_ISSUE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {
        "model": ErrorOut,
        "description": "Not a valid VCDM 2.0 credential, wrong issuer, undefined JSON-LD "
        "terms, or an option not supported (`credentialStatus` of another type or "
        "purpose, or on the vc+jwt endpoint)",
    },
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class IssueOptions(_Open):
    created: str | None = Field(default=None, description="Proof `created` (XSD dateTime)")
    challenge: str | None = None
    domain: str | None = None
    credentialStatus: dict[str, Any] | None = Field(
        default=None,
        description='`{"type": "BitstringStatusListEntry", "statusPurpose": "revocation" | '
        '"suspension" | [both]}`: add status entries (both purposes when none is named). '
        "Data Integrity endpoints only.",
    )


class IssueIn(_Open):
    credential: Any = Field(description="An unsecured VCDM 2.0 credential naming this issuer")
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueOut(BaseModel):
    verifiableCredential: dict[str, Any]


class VerifyOptions(_Open):
    challenge: str | None = None
    domain: str | None = None


class VerifyCredentialIn(_Open):
    verifiableCredential: Any = Field(
        description="A Data Integrity credential or an EnvelopedVerifiableCredential (vc+jwt)"
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class VerifyPresentationIn(_Open):
    verifiablePresentation: Any = Field(
        description="A presentation secured with a Data Integrity `authentication` proof"
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class CheckOut(BaseModel):
    name: str
    ok: bool | None
    detail: str


class VerifyOut(BaseModel):
    verified: bool
    checks: list[str] = Field(description="Names of the checks that passed")
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    results: list[CheckOut] = Field(description="Every check with its outcome and detail")


class VerifyFailedOut(ErrorOut):
    verified: bool = False
    checks: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    results: list[CheckOut] = Field(default_factory=list)


class IssuersOut(BaseModel):
    issuers: dict[str, str] = Field(description="Issue endpoint → the DID credentials must name")


_VERIFY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": VerifyFailedOut, "description": "Not verified; `problems` says why"},
    422: {"model": ErrorOut, "description": "The body does not have the documented shape"},
}

_ENDPOINTS: dict[str, Format] = {
    "/credentials/issue": "eddsa-rdfc-2022",
    "/vc-api/eddsa-rdfc-2022/credentials/issue": "eddsa-rdfc-2022",
    "/vc-api/eddsa-jcs-2022/credentials/issue": "eddsa-jcs-2022",
    "/vc-api/vc-jwt/credentials/issue": "vc+jwt",
}


def _issue(vcapi: VcApiService, body: IssueIn, fmt: Format, token_id: int) -> IssueOut:
    options = body.options.model_dump(exclude_none=True)
    issued = vcapi.issue(body.credential, options, fmt, token_id=token_id)
    return IssueOut(verifiableCredential=issued)


@router.post(
    "/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential (Data Integrity, eddsa-rdfc-2022)",
    responses=_ISSUE_ERRORS,
)
def issue(body: IssueIn, token: VcApiToken, vcapi: VcApi) -> IssueOut:
    return _issue(vcapi, body, "eddsa-rdfc-2022", token.id)


@router.post(
    "/vc-api/eddsa-rdfc-2022/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential (Data Integrity, eddsa-rdfc-2022)",
    responses=_ISSUE_ERRORS,
)
def issue_rdfc(body: IssueIn, token: VcApiToken, vcapi: VcApi) -> IssueOut:
    return _issue(vcapi, body, "eddsa-rdfc-2022", token.id)


@router.post(
    "/vc-api/eddsa-jcs-2022/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential (Data Integrity, eddsa-jcs-2022)",
    responses=_ISSUE_ERRORS,
)
def issue_jcs(body: IssueIn, token: VcApiToken, vcapi: VcApi) -> IssueOut:
    return _issue(vcapi, body, "eddsa-jcs-2022", token.id)


@router.post(
    "/vc-api/vc-jwt/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential as an enveloped vc+jwt (VC-JOSE-COSE, ES256)",
    description="The credential must name the P-256 did:key issuer (see `GET /vc-api/issuers`)."
    " The answer is a VCDM 2.0 §4.13 EnvelopedVerifiableCredential whose `id` is "
    "`data:application/vc+jwt,<jwt>`.",
    responses=_ISSUE_ERRORS,
)
def issue_vc_jwt(body: IssueIn, token: VcApiToken, vcapi: VcApi) -> IssueOut:
    return _issue(vcapi, body, "vc+jwt", token.id)


@router.get(
    "/vc-api/issuers",
    summary="The issuer DID each VC API issue endpoint signs as",
)
def issuers(service: VcApi) -> IssuersOut:
    return IssuersOut(issuers={path: service.issuer_for(fmt) for path, fmt in _ENDPOINTS.items()})


def _answer(outcome: Outcome) -> VerifyOut | JSONResponse:
    results = [CheckOut(name=c.name, ok=c.ok, detail=c.detail) for c in outcome.checks]
    if outcome.verified:
        return VerifyOut(verified=True, checks=outcome.passed(), results=results)
    problems = [ProblemOut(element=p.element, reason=p.reason) for p in outcome.problems]
    failed = VerifyFailedOut(
        error="verification_failed",
        message="not verified: " + "; ".join(f"{p.element}: {p.reason}" for p in outcome.problems),
        problems=problems,
        checks=outcome.passed(),
        errors=[f"{p.element}: {p.reason}" for p in outcome.problems],
        results=results,
    )
    return JSONResponse(failed.model_dump(), status_code=status.HTTP_400_BAD_REQUEST)


@router.post(
    "/credentials/verify",
    summary="Verify a credential (Data Integrity or enveloped vc+jwt)",
    description="200 when verified; 400 with the failed checks when not. Issuers resolve "
    "as did:key or did:jwk.",
    responses=_VERIFY_ERRORS,
    response_model=VerifyOut,
)
def verify_credential(body: VerifyCredentialIn, vcapi: VcApi) -> VerifyOut | JSONResponse:
    return _answer(vcapi.verify_credential(body.verifiableCredential))


@router.post(
    "/presentations/verify",
    summary="Verify a presentation and every credential in it",
    description="The presentation's Data Integrity proof must have proofPurpose "
    "`authentication`, match `options.challenge` / `options.domain` when given, and be by "
    "the `holder` when one is named. 200 when verified; 400 when not.",
    responses=_VERIFY_ERRORS,
    response_model=VerifyOut,
)
def verify_presentation(body: VerifyPresentationIn, vcapi: VcApi) -> VerifyOut | JSONResponse:
    outcome = vcapi.verify_presentation(
        body.verifiablePresentation,
        challenge=body.options.challenge,
        domain=body.options.domain,
    )
    return _answer(outcome)


# -- status (W3C Bitstring Status List; VC API "Update Status") --------------------------------


class StatusEntryIn(_Open):
    type: str | None = Field(default=None, description="BitstringStatusListEntry")
    statusPurpose: str = Field(description="`revocation` or `suspension`")
    status: bool | str = Field(
        default=True,
        description="true (set: revoke / suspend) or false (clear: reinstate); revocation is "
        'final. Also accepted: "revoked", "suspended", "active".',
    )


class UpdateStatusIn(_Open):
    credentialId: str | None = Field(
        default=None, description="The `id` of a credential issued with `credentialStatus`"
    )
    credential: dict[str, Any] | None = Field(
        default=None,
        description="Or the issued credential itself (found by its status entries), for "
        "credentials without an `id`",
    )
    credentialStatus: StatusEntryIn | list[StatusEntryIn]
    reason: str = Field(default="VC API status update", max_length=2000)


class UpdateStatusOut(BaseModel):
    credentialId: str | None
    state: str = Field(description="issued, suspended or revoked")


_STATUS_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    404: {"model": ErrorOut, "description": "No credential with status from this issuer"},
    409: {"model": ErrorOut, "description": "Revocation cannot be undone"},
}


def _status(vcapi: VcApiService) -> VcApiStatus:
    service = vcapi.status
    if service is None:
        raise NotFound("this VC API issuer has no status lists")
    return service


_WORDS = {
    "revoked": ("revocation", True),
    "suspended": ("suspension", True),
    "active": ("suspension", False),
    "reinstated": ("suspension", False),
}


def _wanted(entry: StatusEntryIn) -> tuple[str, bool]:
    if entry.type not in (None, "BitstringStatusListEntry"):
        raise InvalidInput(
            f"credentialStatus.type {entry.type!r} is not supported",
            [Problem("credentialStatus.type", "BitstringStatusListEntry")],
        )
    if entry.statusPurpose not in PURPOSES:
        raise InvalidInput(
            f"statusPurpose {entry.statusPurpose!r} is not supported",
            [Problem("credentialStatus.statusPurpose", "revocation or suspension")],
        )
    value = entry.status
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return entry.statusPurpose, lowered == "true"
        if lowered not in _WORDS or (
            lowered != "active" and _WORDS[lowered][0] != entry.statusPurpose
        ):
            raise InvalidInput(
                f"status {value!r} does not fit statusPurpose {entry.statusPurpose}",
                [Problem("credentialStatus.status", "true or false")],
            )
        if lowered == "active":
            return entry.statusPurpose, False
        return _WORDS[lowered]
    return entry.statusPurpose, value


@router.post(
    "/credentials/status",
    summary="Update the status of a credential (revoke, suspend, reinstate)",
    description='VC API "Update Status": sets (`status: true`) or clears the bit of the '
    "given purpose and publishes a new version of the list. Revocation is final (clearing "
    "it is 409); setting a bit that is already set is a no-op.",
    responses=_STATUS_ERRORS,
)
def update_status(body: UpdateStatusIn, token: VcApiToken, vcapi: VcApi) -> UpdateStatusOut:
    service = _status(vcapi)
    if body.credentialId is None and body.credential is None:
        raise InvalidInput("give credentialId or credential", [Problem("credentialId", "required")])
    record_id = service.find(body.credentialId, body.credential)
    entries = (
        body.credentialStatus
        if isinstance(body.credentialStatus, list)
        else [body.credentialStatus]
    )
    wanted = [_wanted(entry) for entry in entries]
    state = ""
    for purpose, value in wanted:
        state = service.change(record_id, purpose, value, body.reason, token.id).state or ""
    return UpdateStatusOut(credentialId=body.credentialId, state=state)


@router.get(
    "/vc-api/status/{list_id}",
    summary="A status list credential of the VC API issuer (latest, or ?version=N)",
    description="BitstringStatusListCredential signed (eddsa-rdfc-2022) by the VC API's "
    "Ed25519 did:key; ETag is the SHA-256 of the exact bytes. Every version stays "
    "retrievable.",
    responses=STATUS_LIST_RESPONSES,
)
def status_list(
    list_id: RowId,
    vcapi: VcApi,
    version: Annotated[RowId | None, Query()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    published = _status(vcapi).version(list_id, version)
    return status_list_response(published, version is not None, if_none_match)


@router.post(
    "/vc-api/status/{list_id}/publish",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Publish pending changes of the VC API issuer's lists",
    description="Changes are published when they are made; this re-publishes any list "
    "still marked changed (the W3C suite's helper calls it after an update).",
    responses=_STATUS_ERRORS,
)
def publish_status_list(list_id: RowId, _token: VcApiToken, vcapi: VcApi) -> Response:
    service = _status(vcapi)
    service.version(list_id)  # 404 for a list that is not the VC API issuer's
    service.lists.publish_changed()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
