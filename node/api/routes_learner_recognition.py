"""The learner's recognition pages: ask for recognition from the wallet or with a file,
follow the requests, appeal a decision.

HTTP only: the service is node/recognition/service.py; the pages
node/web/learner_recognition.py."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from node.api.console_http import refusal
from node.api.deps import RecognitionRequests
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
from node.recognition.service import Recognitions
from node.web import learner_recognition as lr
from node.web.i18n import t

router = APIRouter(include_in_schema=False)
PATH = "/learner/recognition"
Csrf = Annotated[str, Form(alias="csrf")]
Lang = Annotated[str | None, Form()]
Choice = Annotated[str, Form(max_length=1300)]
MAX_FILE = 1_000_000


def _overview(
    lang: str,
    learner: Learner,
    recognitions: Recognitions,
    *,
    wallet_link: str | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    body = lr.overview(
        lang,
        learner,
        csrf.session_token(learner.session_token),
        recognitions.offered(),
        recognitions.cases(learner=learner.account_id),
        wallet_link=wallet_link,
        message=message,
        learning=recognitions.learning_agreements(learner.account_id),
    )
    # A page with a live wallet request gets no language switch links (a reload would lose it).
    path = None if wallet_link else PATH
    return html(lang, lr.title(lang), body, status_code=status_code, path=path)


def _request(
    choice: str, route: str = "", programme: str = "", learning: str = ""
) -> dict[str, str]:
    """The request's route: an agreement and its programme (``choice``: ``URL|code``) and
    the learning agreement cited, or another route towards a programme the learner names."""
    if not choice and route:
        return {"route": route, "programme": programme.strip()}
    agreement, _, code = choice.rpartition("|")
    cited = {"learningAgreement": learning} if learning else {}
    return {"agreement": agreement, "programme": code, **cited}


@router.get(PATH, response_class=HTMLResponse)
def overview(
    request: Request, recognitions: RecognitionRequests, learner: CurrentLearner
) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, PATH)
    return _overview(lang, learner, recognitions)


@router.post(f"{PATH}/wallet", response_class=HTMLResponse)
def from_wallet(
    request: Request,
    recognitions: RecognitionRequests,
    learner: CurrentLearner,
    choice: Choice = "",
    learning_agreement: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Csrf = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, PATH)
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    actor = f"learner {learner.account_id}"
    asked = _request(choice, learning=learning_agreement)
    try:
        case = recognitions.ask_wallet(asked, actor, learner=learner.account_id)
    except NodeError as exc:
        message = refusal(language, exc)
        return _overview(language, learner, recognitions, message=message, status_code=422)
    link = str(case["presentation"]["link"])
    return _overview(language, learner, recognitions, wallet_link=link, status_code=201)


@router.post(f"{PATH}/files", response_class=HTMLResponse)
async def from_file(
    request: Request,
    recognitions: RecognitionRequests,
    learner: CurrentLearner,
    choice: Choice = "",
    route: Annotated[str, Form(max_length=20)] = "",
    programme: Annotated[str, Form(max_length=200)] = "",
    learning_agreement: Annotated[str, Form(max_length=1000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Csrf = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, PATH)
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    data = await file.read(MAX_FILE + 1) if file is not None else b""
    asked = _request(choice, route, programme, learning_agreement)
    body = {**asked, "credentials": [_credential(data)]}
    actor = f"learner {learner.account_id}"
    try:
        case = await run_in_threadpool(
            recognitions.request, body, actor, learner=learner.account_id
        )
    except NodeError as exc:
        message = refusal(language, exc)
        return _overview(language, learner, recognitions, message=message, status_code=422)
    return redirect(f"{PATH}/{case['id']}?lang={language}")


def _credential(data: bytes) -> object:
    """The file as a JSON credential, else as a JWT (its text); refused by the service."""
    if len(data) > MAX_FILE:
        return ""
    text = data.decode("utf-8", errors="replace").strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    return parsed if isinstance(parsed, dict) else text


@router.post(f"{PATH}/learning/accept", response_class=HTMLResponse)
def accept_learning_agreement(
    request: Request,
    recognitions: RecognitionRequests,
    learner: CurrentLearner,
    url: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Csrf = "",
    lang: Lang = None,
) -> Response:
    """The learner accepts a learning agreement that names them."""
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, PATH)
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        recognitions.accept_learning_agreement(url, learner.account_id)
    except NodeError as exc:
        message = refusal(language, exc)
        code = exc.status_code
        return _overview(language, learner, recognitions, message=message, status_code=code)
    return redirect(f"{PATH}?lang={language}")


@router.get(PATH + "/{case_id}", response_class=HTMLResponse)
def case(
    case_id: str, request: Request, recognitions: RecognitionRequests, learner: CurrentLearner
) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, f"{PATH}/{case_id}")
    return _case(lang, learner, recognitions, case_id)


def _case(
    lang: str, learner: Learner, recognitions: Recognitions, case_id: str, status_code: int = 200
) -> HTMLResponse:
    try:
        found = recognitions.case(case_id, learner=learner.account_id)
    except NotFound:
        return _overview(
            lang, learner, recognitions, message=t(lang, "l.not_found"), status_code=404
        )
    body = lr.case_page(lang, learner, csrf.session_token(learner.session_token), found)
    return html(lang, lr.title(lang), body, status_code=status_code, path=f"{PATH}/{case_id}")


@router.post(PATH + "/{case_id}/appeal", response_class=HTMLResponse)
def appeal(
    case_id: str,
    request: Request,
    recognitions: RecognitionRequests,
    learner: CurrentLearner,
    text: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Csrf = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, f"{PATH}/{case_id}")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        recognitions.appeal(case_id, text, learner=learner.account_id)
    except NotFound:
        return _case(language, learner, recognitions, case_id)
    except NodeError as exc:
        return _case(language, learner, recognitions, case_id, status_code=exc.status_code)
    return redirect(f"{PATH}/{case_id}?lang={language}")
