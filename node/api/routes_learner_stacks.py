"""The learner's micro-degree pages: the micro-degrees offered, the progress from the
credentials held here or presented from the wallet, each progress with its components.

HTTP only: the service is node/stacking/service.py; the pages node/web/learner_stacks.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from node.api.console_http import refusal
from node.api.deps import StackRules
from node.api.learner_http import (
    CurrentLearner,
    csrf_failed,
    html,
    lang_of,
    redirect,
    session_csrf_ok,
    to_sign_in,
)
from node.errors import NodeError, NotFound
from node.learners import csrf
from node.learners.signin import Learner
from node.stacking.service import Stacks
from node.web import learner_stacks as ls
from node.web.i18n import t

router = APIRouter(include_in_schema=False)
PATH = "/learner/stacks"
Csrf = Annotated[str, Form(alias="csrf")]
Lang = Annotated[str | None, Form()]
StackId = Annotated[str, Form(max_length=36)]


def _overview(
    lang: str,
    learner: Learner,
    stacks: Stacks,
    *,
    wallet_link: str | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    body = ls.overview(
        lang,
        learner,
        csrf.session_token(learner.session_token),
        stacks.stacks(),
        stacks.of_learner(learner.account_id),
        wallet_link=wallet_link,
        message=message,
    )
    path = None if wallet_link else PATH  # a reload would lose the live wallet request
    return html(lang, ls.title(lang), body, status_code=status_code, path=path)


@router.get(PATH, response_class=HTMLResponse)
def overview(request: Request, stacks: StackRules, learner: CurrentLearner) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, PATH)
    return _overview(lang, learner, stacks)


@router.post(PATH + "/{stack_id}/held", response_class=HTMLResponse)
def from_held(
    stack_id: str,
    request: Request,
    stacks: StackRules,
    learner: CurrentLearner,
    csrf_token: Csrf = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, PATH)
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        progress = stacks.held(stack_id, learner.account_id)
    except NodeError as exc:
        message = refusal(language, exc)
        return _overview(language, learner, stacks, message=message, status_code=exc.status_code)
    return redirect(f"{PATH}/progress/{progress['id']}?lang={language}")


@router.post(PATH + "/{stack_id}/wallet", response_class=HTMLResponse)
def from_wallet(
    stack_id: str,
    request: Request,
    stacks: StackRules,
    learner: CurrentLearner,
    csrf_token: Csrf = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, PATH)
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    actor = f"learner {learner.account_id}"
    try:
        progress = stacks.ask_wallet(stack_id, actor, learner=learner.account_id)
    except NodeError as exc:
        message = refusal(language, exc)
        return _overview(language, learner, stacks, message=message, status_code=exc.status_code)
    link = str(progress["presentation"]["link"])
    return _overview(language, learner, stacks, wallet_link=link, status_code=201)


@router.get(PATH + "/progress/{progress_id}", response_class=HTMLResponse)
def progress(
    progress_id: str, request: Request, stacks: StackRules, learner: CurrentLearner
) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, f"{PATH}/progress/{progress_id}")
    try:
        found = stacks.get(progress_id, learner=learner.account_id)
        stack = stacks.stack(found["stack"])
    except NotFound:
        message = t(lang, "l.not_found")
        return _overview(lang, learner, stacks, message=message, status_code=404)
    body = ls.progress_page(lang, learner, csrf.session_token(learner.session_token), found, stack)
    return html(lang, ls.title(lang), body, path=f"{PATH}/progress/{progress_id}")
