"""Verification API: any credential in, a report of named checks out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from node.api.deps import Runtime
from node.api.errors import ErrorOut

router = APIRouter(prefix="/api", tags=["verification"])


class VerifyIn(BaseModel):
    credential: dict[str, Any] | str = Field(
        description="A Data Integrity credential (JSON object) or a compact JWT credential"
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
    checks: list[CheckOut]


@router.post(
    "/verify",
    summary="Verify a micro-credential",
    description="200 with `verified: false` for a credential that fails a check; 422 only for "
    "input that is not a credential at all.",
    responses={422: {"model": ErrorOut, "description": "Not a credential"}},
)
def verify(body: VerifyIn, runtime: Runtime) -> ReportOut:
    report = runtime.verifier().verify(body.credential, body.valid_at)
    return ReportOut.model_validate(report.as_dict())
