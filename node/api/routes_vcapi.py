"""W3C VC API (W3C CCG "Verifiable Credentials API"): a generic issuer and verifier.

Served only when ``vc_api_enabled``. Issuing needs a bearer token with role ``vcapi``
(``credreg token create --role vcapi``); the W3C suites send it from ``localConfig.cjs``
(per-endpoint ``headers``). Verifying is public, like the node's own ``/api/verify``.
The suites read status codes: issue answers 201, verification 200 when verified and 400
when not, and bad input 400 (422 when the body does not even have the documented shape).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from node.api.deps import Runtime, VcApiToken
from node.api.errors import ERROR_RESPONSES, ErrorOut, ProblemOut
from node.vcapi.service import Format, Outcome

router = APIRouter(tags=["W3C VC API"])

_ISSUE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    400: {
        "model": ErrorOut,
        "description": "Not a valid VCDM 2.0 credential, wrong issuer, undefined JSON-LD "
        "terms, or an option not supported (e.g. `credentialStatus`)",
    },
}


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class IssueOptions(_Open):
    created: str | None = Field(default=None, description="Proof `created` (XSD dateTime)")
    challenge: str | None = None
    domain: str | None = None
    credentialStatus: dict[str, Any] | None = Field(
        default=None, description="Not supported yet: status lists come later (400)"
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


def _issue(runtime: Runtime, body: IssueIn, fmt: Format) -> IssueOut:
    options = body.options.model_dump(exclude_none=True)
    return IssueOut(verifiableCredential=runtime.vcapi().issue(body.credential, options, fmt))


@router.post(
    "/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential (Data Integrity, eddsa-rdfc-2022)",
    responses=_ISSUE_ERRORS,
)
def issue(body: IssueIn, runtime: Runtime, _token: VcApiToken) -> IssueOut:
    return _issue(runtime, body, "eddsa-rdfc-2022")


@router.post(
    "/vc-api/eddsa-rdfc-2022/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential (Data Integrity, eddsa-rdfc-2022)",
    responses=_ISSUE_ERRORS,
)
def issue_rdfc(body: IssueIn, runtime: Runtime, _token: VcApiToken) -> IssueOut:
    return _issue(runtime, body, "eddsa-rdfc-2022")


@router.post(
    "/vc-api/eddsa-jcs-2022/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential (Data Integrity, eddsa-jcs-2022)",
    responses=_ISSUE_ERRORS,
)
def issue_jcs(body: IssueIn, runtime: Runtime, _token: VcApiToken) -> IssueOut:
    return _issue(runtime, body, "eddsa-jcs-2022")


@router.post(
    "/vc-api/vc-jwt/credentials/issue",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a credential as an enveloped vc+jwt (VC-JOSE-COSE, ES256)",
    description="The credential must name the P-256 did:key issuer (see `GET /vc-api/issuers`)."
    " The answer is a VCDM 2.0 §4.13 EnvelopedVerifiableCredential whose `id` is "
    "`data:application/vc+jwt,<jwt>`.",
    responses=_ISSUE_ERRORS,
)
def issue_vc_jwt(body: IssueIn, runtime: Runtime, _token: VcApiToken) -> IssueOut:
    return _issue(runtime, body, "vc+jwt")


@router.get(
    "/vc-api/issuers",
    summary="The issuer DID each VC API issue endpoint signs as",
)
def issuers(runtime: Runtime) -> IssuersOut:
    service = runtime.vcapi()
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
def verify_credential(body: VerifyCredentialIn, runtime: Runtime) -> VerifyOut | JSONResponse:
    return _answer(runtime.vcapi().verify_credential(body.verifiableCredential))


@router.post(
    "/presentations/verify",
    summary="Verify a presentation and every credential in it",
    description="The presentation's Data Integrity proof must have proofPurpose "
    "`authentication`, match `options.challenge` / `options.domain` when given, and be by "
    "the `holder` when one is named. 200 when verified; 400 when not.",
    responses=_VERIFY_ERRORS,
    response_model=VerifyOut,
)
def verify_presentation(body: VerifyPresentationIn, runtime: Runtime) -> VerifyOut | JSONResponse:
    outcome = runtime.vcapi().verify_presentation(
        body.verifiablePresentation,
        challenge=body.options.challenge,
        domain=body.options.domain,
    )
    return _answer(outcome)
