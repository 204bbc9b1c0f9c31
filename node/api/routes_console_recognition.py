"""The staff console's recognition (/console/recognition): agreements (management and
administrators accept or decline a partner's proposal) and the recognition cases (programme
committees and registrars decide open cases and settle appeals, always with a reason).

HTTP only: the services are node/agreements/service.py and node/recognition/service.py;
the pages node/web/console_recognition.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response

from node.api.console_http import (
    ConsoleAnswer,
    FormLang,
    FormMember,
    PageLang,
    PageMember,
    forbidden,
    refusal,
    session_csrf,
)
from node.api.deps import RecognitionAgreements, RecognitionRequests
from node.api.learner_http import html, redirect
from node.errors import NodeError
from node.staff.signin import Staff
from node.web import console_recognition as cr

router = APIRouter(include_in_schema=False)
CaseId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
Url = Annotated[str, Form(max_length=1000)]
Reason = Annotated[str, Form(max_length=5000)]


def _allowed(member: Staff, lang: str, roles: tuple[Any, ...]) -> Staff:
    if not member.has(*roles):
        raise ConsoleAnswer(forbidden(lang))
    return member


def _actor(member: Staff) -> str:
    return f"staff {member.name}"


def _overview(
    lang: str,
    member: Staff,
    agreements: RecognitionAgreements,
    recognitions: RecognitionRequests,
    *,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    body = cr.overview(
        lang,
        member,
        session_csrf(member),
        agreements.versions(agreed_only=False),
        recognitions.cases(),
        message=message,
    )
    return html(lang, cr.title(lang), body, status_code=status_code, path="/console/recognition")


@router.get("/console/recognition", response_class=HTMLResponse)
def overview(
    member: PageMember,
    lang: PageLang,
    agreements: RecognitionAgreements,
    recognitions: RecognitionRequests,
) -> Response:
    return _overview(lang, member, agreements, recognitions)


@router.post("/console/recognition/agreements/accept", response_class=HTMLResponse)
def accept(
    member: FormMember,
    lang: FormLang,
    agreements: RecognitionAgreements,
    recognitions: RecognitionRequests,
    url: Url = "",
) -> Response:
    _allowed(member, lang, cr.AGREEMENT_DECIDERS)
    try:
        agreements.accept(url, _actor(member))
    except NodeError as exc:
        message, code = refusal(lang, exc), exc.status_code
        return _overview(lang, member, agreements, recognitions, message=message, status_code=code)
    return redirect(f"/console/recognition?lang={lang}")


@router.post("/console/recognition/agreements/decline", response_class=HTMLResponse)
def decline(
    member: FormMember,
    lang: FormLang,
    agreements: RecognitionAgreements,
    recognitions: RecognitionRequests,
    url: Url = "",
    reason: Reason = "",
) -> Response:
    _allowed(member, lang, cr.AGREEMENT_DECIDERS)
    try:
        agreements.decline(url, _actor(member), reason)
    except NodeError as exc:
        message, code = refusal(lang, exc), exc.status_code
        return _overview(lang, member, agreements, recognitions, message=message, status_code=code)
    return redirect(f"/console/recognition?lang={lang}")


def _case(
    lang: str,
    member: Staff,
    recognitions: RecognitionRequests,
    case_id: str,
    *,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    body = cr.case_page(
        lang, member, session_csrf(member), recognitions.case(case_id), message=message
    )
    path = f"/console/recognition/{case_id}"
    return html(lang, cr.title(lang, case=True), body, status_code=status_code, path=path)


@router.get("/console/recognition/{case_id}", response_class=HTMLResponse)
def case(
    case_id: CaseId, member: PageMember, lang: PageLang, recognitions: RecognitionRequests
) -> Response:
    return _case(lang, member, recognitions, case_id)


@router.post("/console/recognition/{case_id}/decision", response_class=HTMLResponse)
def decide(
    case_id: CaseId,
    member: FormMember,
    lang: FormLang,
    recognitions: RecognitionRequests,
    recognise: Annotated[str, Form(max_length=3)] = "",
    ects: Annotated[str, Form(max_length=10)] = "",
    converted_grade: Annotated[str, Form(max_length=100)] = "",
    reason: Reason = "",
) -> Response:
    _allowed(member, lang, cr.RECOGNITION_DECIDERS)
    decision: dict[str, Any] = {"recognise": recognise == "yes", "reason": reason.strip()}
    if recognise not in ("yes", "no"):
        decision["recognise"] = recognise  # refused by the service, naming the field
    if ects.strip():
        decision["ects"] = ects.strip().replace(",", ".")
    if converted_grade.strip():
        decision["convertedGrade"] = converted_grade.strip()
    try:
        recognitions.decide(case_id, decision, _actor(member))
    except NodeError as exc:
        message, code = refusal(lang, exc), exc.status_code
        return _case(lang, member, recognitions, case_id, message=message, status_code=code)
    return redirect(f"/console/recognition/{case_id}?lang={lang}")


@router.post("/console/recognition/{case_id}/appeal", response_class=HTMLResponse)
def settle_appeal(
    case_id: CaseId,
    member: FormMember,
    lang: FormLang,
    recognitions: RecognitionRequests,
    upheld: Annotated[str, Form(max_length=3)] = "",
    reason: Reason = "",
) -> Response:
    _allowed(member, lang, cr.RECOGNITION_DECIDERS)
    try:
        recognitions.settle_appeal(case_id, upheld == "yes", reason, _actor(member))
    except NodeError as exc:
        message, code = refusal(lang, exc), exc.status_code
        return _case(lang, member, recognitions, case_id, message=message, status_code=code)
    return redirect(f"/console/recognition/{case_id}?lang={lang}")
