"""Recognition requests over HTTP (the admin API): a request with the credentials as files or
from the learner's wallet over OpenID4VP, the cases, a person's decision, appeals.

HTTP only: the service is node/recognition/service.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, status
from pydantic import Field

from node.api.deps import IssuerToken, RecognitionRequests
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.api.schemas import Wire

_REFUSED: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such case, or no such agreement here"},
    409: {"model": ErrorOut, "description": "The case's (or the agreement's) state forbids it"},
}
router = APIRouter(
    prefix="/admin/recognitions",
    tags=["recognition"],
    responses={**ERROR_RESPONSES, **_REFUSED},
)
CaseId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
Request = Annotated[
    Any,
    Body(
        description="`agreement` (URL), `programme` (code), and for files "
        "`credentials`: JSON credentials or JWTs"
    ),
]
Decision = Annotated[
    Any, Body(description="`recognise`, `reason`, optional `ects`, `convertedGrade`")
]


class AppealIn(Wire):
    text: str = Field(min_length=1, max_length=5000)


class AppealDecisionIn(Wire):
    upheld: bool
    reason: str = Field(min_length=1, max_length=5000)


_DESCRIPTION = (
    "Each credential runs the full verification pipeline, then the agreement's conditions. "
    "All hold and every check ran: `decided` (automatic), with the decision credential "
    "issued (`decisionRecord`). A condition fails or a check could not run: `open`, for a "
    "person to decide. A credential fails a check (revoked, tampered): `refused`."
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Recognise credentials handed over as files",
    description=_DESCRIPTION,
)
def request_from_files(
    token: IssuerToken, recognitions: RecognitionRequests, body: Request
) -> dict[str, Any]:
    return recognitions.request(body, f"token {token.name}")


@router.post(
    "/wallet",
    status_code=status.HTTP_201_CREATED,
    summary="Ask the learner's wallet for the credentials (OpenID4VP)",
    description="A case `awaiting` the wallet, and the OpenID4VP request for it "
    "(`presentation.link`, as QR or link). Once the wallet answers: " + _DESCRIPTION,
)
def request_from_wallet(
    token: IssuerToken, recognitions: RecognitionRequests, body: Request
) -> dict[str, Any]:
    return recognitions.ask_wallet(body, f"token {token.name}")


@router.get("", summary="Recognition cases, newest first")
def cases(
    _token: IssuerToken,
    recognitions: RecognitionRequests,
    state: Annotated[Literal["awaiting", "open", "decided", "refused"] | None, Query()] = None,
) -> dict[str, Any]:
    return {"items": recognitions.cases(state)}


@router.get("/{case_id}", summary="One case: evidence, conditions, decision, appeal")
def case(case_id: CaseId, _token: IssuerToken, recognitions: RecognitionRequests) -> dict[str, Any]:
    return recognitions.case(case_id)


@router.post("/{case_id}/decision", summary="A person decides an open case, with a reason")
def decide(
    case_id: CaseId, token: IssuerToken, recognitions: RecognitionRequests, body: Decision
) -> dict[str, Any]:
    return recognitions.decide(case_id, body, f"token {token.name}")


@router.post("/{case_id}/appeal", summary="Record the learner's appeal of a decision")
def appeal(
    case_id: CaseId, _token: IssuerToken, recognitions: RecognitionRequests, body: AppealIn
) -> dict[str, Any]:
    return recognitions.appeal(case_id, body.text)


@router.post("/{case_id}/appeal/decision", summary="Uphold (reopen) or dismiss an appeal")
def settle_appeal(
    case_id: CaseId, token: IssuerToken, recognitions: RecognitionRequests, body: AppealDecisionIn
) -> dict[str, Any]:
    return recognitions.settle_appeal(case_id, body.upheld, body.reason, f"token {token.name}")
