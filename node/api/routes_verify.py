"""Verification API: any credential in, a report of named checks out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from node.api.deps import Runtime
from node.api.errors import ErrorOut
from node.lookup.service import verify_input

router = APIRouter(prefix="/api", tags=["verification"])


class VerifyIn(BaseModel):
    credential: dict[str, Any] | str = Field(
        description="A Data Integrity credential (JSON object), a compact JWT credential, or "
        "a verifiable presentation (JSON-LD or JWT) carrying one of them"
    )
    valid_at: AwareDatetime | None = Field(
        default=None,
        alias="validAt",
        description='Answer "was it valid on that date?": validity window and status as '
        "of then, from the anchored status list history",
    )


class CheckOut(BaseModel):
    name: str = Field(description="One of the fixed check names (DESIGN.md)")
    ok: bool | None = Field(description="true passed, false failed, null not checked")
    detail: str


class ReportOut(BaseModel):
    verified: bool
    verdict: str = Field(description="valid | invalid | revoked | suspended | cannot_check")
    checks: list[CheckOut]
    credential: dict[str, Any] = Field(
        description="What the credential says, for a person (learner, title, awarding body, "
        "country, date, outcomes, ECTS, EQF, assessment, participation, QA, grade)"
    )


@router.post(
    "/verify",
    summary="Verify a micro-credential",
    description="200 with `verified: false` for a credential that fails a check; 422 only for "
    "input that is not a credential at all.",
    responses={422: {"model": ErrorOut, "description": "Not a credential"}},
)
def verify(body: VerifyIn, runtime: Runtime) -> ReportOut:
    outcome = verify_input(runtime.verifier(), body.credential, body.valid_at)
    return ReportOut.model_validate(
        {**outcome.report.as_dict(), "verdict": outcome.verdict, "credential": outcome.summary()}
    )
