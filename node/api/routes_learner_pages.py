"""The learner's pages: sign-in (password or one-time link), my credentials, share links.

HTTP only: the services are node/learners/*."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from node.api.console_http import refusal
from node.api.deps import LearnerAccounts, LearnerTranscripts, Offers, Runtime
from node.api.learner_http import (
    COOKIE_PATH,
    SESSION_COOKIE,
    CurrentLearner,
    client_of,
    csrf_failed,
    form_csrf_ok,
    html,
    lang_of,
    redirect,
    safe_next,
    session_csrf_ok,
    set_form_cookie,
    set_session,
    to_sign_in,
)
from node.db.models import RecordState
from node.errors import Conflict, InvalidInput, NodeError, NotFound
from node.learners import csrf, links
from node.learners.errors import PasswordPaused, SignInFailed, TooManyAttempts
from node.learners.service import Learners
from node.learners.signin import Learner
from node.wallet.offers import OfferCreated
from node.web import learner_pages as lp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


def _sign_in_page(
    request: Request,
    learners: Learners,
    lang: str,
    next_path: str,
    *,
    message: str = "",
    email: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = learners.forms.issue()
    body = lp.sign_in(lang, token, next_path, message=message, email=email)
    response = html(
        lang, t(lang, "l.sign_in"), body, status_code=status_code, path="/learner/sign-in"
    )
    response.headers.update(headers or {})
    set_form_cookie(response, learners, token)
    return response


@router.get("/learner")
def learner_home(request: Request) -> RedirectResponse:
    return redirect(f"/learner/credentials?lang={lang_of(request)}")


@router.get("/learner/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request, learners: LearnerAccounts, learner: CurrentLearner, next: str = ""
) -> Response:
    lang = lang_of(request)
    if learner is not None:
        return redirect(safe_next(next))
    return _sign_in_page(request, learners, lang, safe_next(next))


@router.post("/learner/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    learners: LearnerAccounts,
    email: Text = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    next: Text = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if not form_csrf_ok(request, learners, csrf_token):
        return csrf_failed(language)
    try:
        signed = learners.sign_in.with_password(email, password, client_of(request))
    except SignInFailed:
        message = t(language, "l.failed")
        return _sign_in_page(
            request,
            learners,
            language,
            safe_next(next),
            message=message,
            email=email,
            status_code=401,
        )
    except TooManyAttempts as exc:
        paused = isinstance(exc, PasswordPaused)  # this account: the link still works
        message = t(language, "l.password_paused" if paused else "l.too_many")
        return _sign_in_page(
            request,
            learners,
            language,
            safe_next(next),
            message=message,
            email=email,
            status_code=429,
            headers={"Retry-After": str(exc.retry_after)},
        )
    response = redirect(safe_next(next))
    set_session(response, learners, signed)
    return response


@router.post("/learner/sign-in/link", response_class=HTMLResponse)
def send_sign_in_link(
    request: Request,
    learners: LearnerAccounts,
    email: Text = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if not form_csrf_ok(request, learners, csrf_token):
        return csrf_failed(language)
    try:
        learners.sign_in.send_link(email, client_of(request), language)
    except TooManyAttempts as exc:
        body = lp.message(language, "l.sign_in", t(language, "l.too_many"))
        response = html(language, t(language, "l.sign_in"), body, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    # The same answer whether or not the address has an account: nothing to enumerate.
    body = lp.message(language, "l.sign_in", t(language, "l.link_sent"), alert=False)
    return html(language, t(language, "l.sign_in"), body)


@router.get("/learner/link/{token}", response_class=HTMLResponse)
def sign_in_link_form(token: str, request: Request, learners: LearnerAccounts) -> Response:
    """A page with a button, not a sign-in on GET: mail scanners that fetch links must not
    spend the single-use link."""
    lang = lang_of(request)
    form_token = learners.forms.issue()
    response = html(lang, t(lang, "l.sign_in"), lp.link_confirm(lang, token, form_token))
    set_form_cookie(response, learners, form_token)
    return response


@router.post("/learner/link/{token}", response_class=HTMLResponse)
def sign_in_with_link(
    token: str,
    request: Request,
    learners: LearnerAccounts,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if not form_csrf_ok(request, learners, csrf_token):
        return csrf_failed(language)
    try:
        signed = learners.sign_in.with_link(token)
    except SignInFailed:
        body = lp.message(language, "l.sign_in", t(language, "l.link_failed"))
        return html(language, t(language, "l.sign_in"), body, status_code=410)
    response = redirect(f"/learner/credentials?lang={language}")
    set_session(response, learners, signed)
    return response


@router.post("/learner/sign-out")
def sign_out(
    request: Request,
    learners: LearnerAccounts,
    learner: CurrentLearner,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, "/learner/credentials")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    learners.sign_in.sign_out(learner.session_token)
    response = redirect(f"/learner/sign-in?lang={language}")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/learner/credentials", response_class=HTMLResponse)
def my_credentials(
    request: Request, learners: LearnerAccounts, learner: CurrentLearner
) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, "/learner/credentials")
    views = learners.accounts.credentials(learner.account_id, lang)
    body = lp.credentials(lang, learner, views, csrf.session_token(learner.session_token))
    return html(lang, t(lang, "l.my_credentials"), body, path="/learner/credentials")


_SHAREABLE = (RecordState.ISSUED, RecordState.SUSPENDED, RecordState.REVOKED)


def _credential_page(
    learners: Learners,
    learner: Learner,
    record_id: str,
    lang: str,
    *,
    created: tuple[str, str] | None = None,
    offer: OfferCreated | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        page = learners.portal.page(learner.account_id, record_id, lang)
    except NotFound:
        return _not_found(lang)
    own = links.list_own(learners.sessions, learner.account_id, record_id)
    body = lp.credential(
        lang,
        learner,
        page,
        own,
        csrf.session_token(learner.session_token),
        datetime.now(UTC),
        created=created,
        shareable=page.view.state in _SHAREABLE,
        offer=offer,
    )
    # A page with a one-time secret (share link, PIN) gets no language switch links.
    path = None if created or offer else f"/learner/credentials/{record_id}"
    return html(lang, page.view.title, body, status_code=status_code, path=path)


def _not_found(lang: str) -> HTMLResponse:
    body = lp.message(lang, "l.my_credentials", t(lang, "l.not_found"))
    return html(lang, t(lang, "l.my_credentials"), body, status_code=404)


@router.get("/learner/credentials/{record_id}", response_class=HTMLResponse)
def my_credential(
    record_id: str, request: Request, learners: LearnerAccounts, learner: CurrentLearner
) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, f"/learner/credentials/{record_id}")
    return _credential_page(learners, learner, record_id, lang)


@router.post("/learner/credentials/{record_id}/wallet-offers", response_class=HTMLResponse)
def create_wallet_offer(
    record_id: str,
    request: Request,
    offers: Offers,
    learners: LearnerAccounts,
    learner: CurrentLearner,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """Add to my wallet: a fresh offer whose QR code, link and PIN only this page shows."""
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, f"/learner/credentials/{record_id}")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        offer = learners.portal.wallet_offer(learner.account_id, record_id, offers)
    except NotFound:
        return _not_found(language)
    except Conflict:
        return _credential_page(learners, learner, record_id, language, status_code=409)
    return _credential_page(learners, learner, record_id, language, offer=offer, status_code=201)


@router.get("/learner/credentials/{record_id}/copies/{copy_id}")
def download_copy(
    record_id: str,
    copy_id: str,
    request: Request,
    learners: LearnerAccounts,
    learner: CurrentLearner,
) -> Response:
    """One signed copy of the learner's credential, as a file."""
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, f"/learner/credentials/{record_id}")
    try:
        found = learners.portal.download(learner.account_id, record_id, copy_id)
    except NotFound:
        return _not_found(lang)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@router.post("/learner/credentials/{record_id}/share-links", response_class=HTMLResponse)
def create_share_link(
    record_id: str,
    request: Request,
    runtime: Runtime,
    learners: LearnerAccounts,
    learner: CurrentLearner,
    days: Annotated[int, Form()] = 30,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, f"/learner/credentials/{record_id}")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        created = links.create(learners.sessions, learner.account_id, record_id, days)
    except (NotFound, InvalidInput):
        return _credential_page(learners, learner, record_id, language, status_code=422)
    origin = runtime.settings.origin
    urls = (
        f"{origin}/v/{created.token}",
        f"{origin}/credentials/{record_id}/print?token={created.token}&lang={language}",
    )
    return _credential_page(learners, learner, record_id, language, created=urls, status_code=201)


@router.post("/learner/share-links/{link_id}/revoke")
def revoke_share_link(
    link_id: str,
    request: Request,
    learners: LearnerAccounts,
    learner: CurrentLearner,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, "/learner/credentials")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        record_id = links.revoke(learners.sessions, learner.account_id, link_id)
    except NotFound:
        body = lp.message(language, "l.my_credentials", t(language, "l.not_found"))
        return html(language, t(language, "l.my_credentials"), body, status_code=404)
    return redirect(f"/learner/credentials/{record_id}?lang={language}")


@router.post("/learner/transcript")
def my_transcript(
    request: Request,
    transcripts: LearnerTranscripts,
    learner: CurrentLearner,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    """My transcript of records: one credential listing every credential I hold here."""
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, "/learner/credentials")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    try:
        record_id, state = transcripts.issue(learner.account_id)
    except Conflict:
        body = lp.message(language, "l.my_credentials", t(language, "l.no_transcript"))
        return html(language, t(language, "l.my_credentials"), body, status_code=409)
    except NodeError as exc:  # e.g. its elements do not validate: say which, as a page
        body = lp.message(language, "l.my_credentials", refusal(language, exc))
        return html(language, t(language, "l.my_credentials"), body, status_code=exc.status_code)
    if state != RecordState.ISSUED.value:  # prepared for the approval chain: not theirs yet
        body = lp.message(language, "l.my_credentials", t(language, "l.transcript_prepared"))
        return html(language, t(language, "l.my_credentials"), body, status_code=202)
    return redirect(f"/learner/credentials/{record_id}?lang={language}")
