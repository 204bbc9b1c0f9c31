"""The staff console's micro-degrees (/console/stacks): the stack rules and every learner's
progress; a progress's page; a registrar issues the micro-degree once its rule holds.

HTTP only: the service is node/stacking/service.py; the pages node/web/console_stacks.py."""

from __future__ import annotations

from typing import Annotated

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
from node.api.deps import StackRules
from node.api.learner_http import html, redirect
from node.errors import NodeError
from node.staff.signin import Staff
from node.web import console_stacks as cs

router = APIRouter(include_in_schema=False)
ProgressId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]


@router.get("/console/stacks", response_class=HTMLResponse)
def overview(member: PageMember, lang: PageLang, stacks: StackRules) -> Response:
    body = cs.overview(lang, member, session_csrf(member), stacks.stacks(), stacks.recent())
    return html(lang, cs.title(lang), body, path="/console/stacks")


def _progress(
    lang: str,
    member: Staff,
    stacks: StackRules,
    progress_id: str,
    *,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    found = stacks.get(progress_id)
    stack = stacks.stack(found["stack"])
    body = cs.progress_page(lang, member, session_csrf(member), found, stack, message=message)
    path = f"/console/stacks/progress/{progress_id}"
    return html(lang, cs.title(lang, progress=True), body, status_code=status_code, path=path)


@router.get("/console/stacks/progress/{progress_id}", response_class=HTMLResponse)
def progress(
    progress_id: ProgressId, member: PageMember, lang: PageLang, stacks: StackRules
) -> Response:
    return _progress(lang, member, stacks, progress_id)


@router.post("/console/stacks/progress/{progress_id}/issue", response_class=HTMLResponse)
def issue(
    progress_id: ProgressId,
    member: FormMember,
    lang: FormLang,
    stacks: StackRules,
    locality: Annotated[str, Form(max_length=500)] = "",
    qa_types: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI reads the default)
) -> Response:
    if not member.has(*cs.STACK_ISSUERS):
        raise ConsoleAnswer(forbidden(lang))
    claims = stacks.institution_claims(locality, qa_types[:10])
    try:
        stacks.issue(progress_id, {"claims": claims}, f"staff {member.name}")
    except NodeError as exc:
        message, code = refusal(lang, exc), exc.status_code
        return _progress(lang, member, stacks, progress_id, message=message, status_code=code)
    return redirect(f"/console/stacks/progress/{progress_id}?lang={lang}")
