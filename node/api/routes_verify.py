"""Verification API: any credential in, a report of named checks out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from anyio import to_thread
from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from node.api.deps import CourseMatches, Verifications
from node.api.errors import ErrorOut

router = APIRouter(prefix="/api", tags=["verification"])


class VerifyIn(BaseModel):
    credential: dict[str, Any] | str = Field(
        description="A Data Integrity credential (JSON object), a compact JWT credential, or "
        "a verifiable presentation (JSON-LD with a Data Integrity proof, or a JWT) carrying "
        "one or more of them"
    )
    valid_at: AwareDatetime | None = Field(
        default=None,
        alias="validAt",
        ge=datetime(1970, 1, 1, tzinfo=UTC),  # the ledger's time starts at the Unix epoch
        description='Answer "was it valid on that date?": validity window and status as '
        "of then, from the anchored status list history (from 1970-01-01 on)",
    )


class CheckOut(BaseModel):
    name: str = Field(description="One of the fixed check names (docs/architecture.md)")
    ok: bool | None = Field(description="true passed, false failed, null not checked")
    detail: str


class PresentedOut(BaseModel):
    verified: bool
    verdict: str
    checks: list[CheckOut]
    credential: dict[str, Any] = Field(description="The human-readable summary")


class PresentationOut(BaseModel):
    kind: str = Field(description="ldp_vp | jwt_vp | dc+sd-jwt")
    holder: str | None = Field(description="The DID whose proof verified")
    checks: list[CheckOut] = Field(
        description="structure, holder_proof, nonce, audience (no nonce or audience is "
        "expected here: freshness is reported as not checked)"
    )
    credentials: list[PresentedOut] = Field(description="One report per credential, in order")


class NetworkOut(BaseModel):
    chainId: int
    name: str | None = Field(description="CREDREG_NETWORK_NAME; null: known by its chain id")
    members: int = Field(description="Active member institutions")
    singleInstitution: bool = Field(
        description="The trust anchor is one institution's own chain (the embedded chain, "
        "or a network of one): nobody else vouches for the credential"
    )


class TrustOut(BaseModel):
    network: NetworkOut | None = Field(description="null: no chain, or it could not be read")
    issuer: dict[str, str] = Field(
        description="did, domain (of a did:web) and name, as the credential gives them"
    )
    note: str | None = Field(default=None, description="Said when singleInstitution")


class CourseOut(BaseModel):
    entry: str = Field(description="The catalogue version the credential names as its achievement")
    known: bool = Field(
        description="The version is here (this institution's, or a member's copy kept after "
        "its digest was found anchored by that member) and still hashes to its digest"
    )
    source: str | None = Field(description="own | member; null: not known here")
    title: dict[str, str] | None = Field(description="The entry's title (a language map)")
    anchored: bool = Field(description="The version's digest is confirmed on the ledger")
    matches: bool | None = Field(
        description="The credential's title, ECTS and EQF level are the entry's; null: the "
        "entry is not known here, so nothing was compared"
    )
    differences: list[str] = Field(description="title | ects | eqf: where they differ")


class ReportOut(BaseModel):
    verified: bool = Field(
        description="For a presentation: no presentation check failed and every credential verified"
    )
    verdict: str = Field(
        description="valid (every check ran and passed) | pending (nothing failed; its "
        "anchor or status list version is not on the chain yet) | invalid | revoked | "
        "suspended | cannot_check (a check could not run now)"
    )
    checks: list[CheckOut] = Field(description="The (first) credential's checks")
    credential: dict[str, Any] = Field(
        description="What the credential says, for a person (learner, title, awarding body, "
        "country, date, outcomes, ECTS, EQF, assessment, participation, QA, grade)"
    )
    presentation: PresentationOut | None = Field(
        default=None, description="Set when the input is a verifiable presentation"
    )
    trust: TrustOut = Field(description="The network and the issuer the verdict relies on")
    course: CourseOut | None = Field(
        default=None,
        description="When the credential names a catalogue version as its achievement: that "
        "entry and whether the credential matches it (information beside the verdict)",
    )


@router.post(
    "/verify",
    summary="Verify a micro-credential",
    description="200 with `verified: false` for a credential that fails a check; 422 for "
    "input that is not a credential at all, or that is over one of the work limits "
    "(`limit_exceeded`: proofs per credential, credentials per presentation, disclosures "
    "per SD-JWT, JSON depth or size; `problems` names it); 503 when the verification did "
    "not finish within its deadline or the node is too busy.",
    responses={
        422: {"model": ErrorOut, "description": "Not a credential, or over a work limit"},
        503: {"model": ErrorOut, "description": "Deadline passed, or too busy"},
    },
)
async def verify(body: VerifyIn, verifications: Verifications, courses: CourseMatches) -> ReportOut:
    outcome = await verifications.verify(body.credential, body.valid_at)
    course = await to_thread.run_sync(courses.match, outcome.credential)
    return ReportOut.model_validate(
        {
            **outcome.report.as_dict(),
            "verified": outcome.verified,
            "verdict": outcome.verdict,
            "credential": outcome.summary(),
            "presentation": outcome.presentation_dict(),
            "trust": outcome.trust(),
            "course": course.as_dict() if course is not None else None,
        }
    )
