"""The staff console (/console): sign-in (password + TOTP, first-time TOTP set-up), the
dashboard, the registry (search, pages, CSV) and a record's page.

HTTP only: the services are node/staff/* and node/issuance/registry.py; the pages are
node/web/console_pages.py."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from node.api.console_http import (
    COOKIE_PATH,
    SESSION_COOKIE,
    SSO_COOKIE,
    CurrentStaff,
    FormLang,
    Lang,
    PageLang,
    PageMember,
    Registrar,
    form_csrf_ok,
    safe_next,
    session_csrf,
    session_csrf_ok,
    set_form_cookie,
    set_session,
    set_sso_cookie,
)
from node.api.deps import (
    ApprovalChain,
    Issuance,
    MailQueue,
    RecordRegistry,
    Runtime,
    StaffAccess,
    StatusLists,
)
from node.api.learner_http import client_of, html, lang_of, page_headers, redirect
from node.errors import InvalidInput
from node.issuance import bulk
from node.issuance.approvals import Actor
from node.issuance.registry import RegistryQuery
from node.learners.errors import SignInFailed, TooManyAttempts
from node.ledger.summary import anchoring_summary
from node.staff.oidc import SsoUnavailable
from node.staff.overview import overview
from node.staff.service import StaffServices
from node.staff.signin import OIDC, CodeRejected, Enrolment
from node.web import console_pages as cp
from node.web import learner_pages as lp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]
_SEARCH_FIELDS = ("q", "state", "issued_from", "issued_to", "cursor")


def _sign_in_page(
    staff: StaffServices,
    lang: str,
    next_path: str,
    *,
    message: str = "",
    username: str = "",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token = staff.forms.issue()
    sso = staff.sso_name if staff.sso is not None else None
    body = cp.sign_in(lang, token, next_path, sso=sso, message=message, username=username)
    response = html(
        lang, t(lang, "c.sign_in"), body, status_code=status_code, path="/console/sign-in"
    )
    response.headers.update(headers or {})
    set_form_cookie(response, staff, token)
    return response


def _enrol_page(
    staff: StaffServices, lang: str, enrolment: Enrolment, next_path: str, message: str = ""
) -> HTMLResponse:
    token = staff.forms.issue()
    body = cp.enrol(lang, token, enrolment, next_path, message)
    response = html(lang, t(lang, "c.enrol"), body, status_code=401 if message else 200)
    set_form_cookie(response, staff, token)
    return response


def _form_expired(lang: str) -> HTMLResponse:
    body = lp.message(lang, "c.sign_in", t(lang, "l.csrf"))
    return html(lang, t(lang, "c.sign_in"), body, status_code=403)


def _too_many(
    staff: StaffServices, lang: str, next_path: str, username: str, retry_after: int
) -> HTMLResponse:
    return _sign_in_page(
        staff,
        lang,
        next_path,
        message=t(lang, "l.too_many"),
        username=username,
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


@router.get("/console")
def console_home(request: Request) -> RedirectResponse:
    return redirect(f"/console/dashboard?lang={lang_of(request)}")


@router.get("/console/sign-in", response_class=HTMLResponse)
def sign_in_form(
    request: Request, staff: StaffAccess, member: CurrentStaff, next: str = ""
) -> Response:
    if member is not None:
        return redirect(safe_next(next))
    return _sign_in_page(staff, lang_of(request), safe_next(next))


@router.post("/console/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    staff: StaffAccess,
    username: Text = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    next: Text = "",
    lang: Lang = None,
) -> Response:
    language, next_path = lang_of(request, lang), safe_next(next)
    if not form_csrf_ok(request, staff, csrf_token):
        return _form_expired(language)
    try:
        outcome = staff.sign_in.with_password(username, password, code, client_of(request))
    except SignInFailed:
        return _sign_in_page(
            staff,
            language,
            next_path,
            message=t(language, "c.failed"),
            username=username,
            status_code=401,
        )
    except TooManyAttempts as exc:
        return _too_many(staff, language, next_path, username, exc.retry_after)
    if isinstance(outcome, Enrolment):
        return _enrol_page(staff, language, outcome, next_path)
    response = redirect(next_path)
    set_session(response, staff, outcome)
    return response


@router.get("/console/sso")
def single_sign_on(request: Request, staff: StaffAccess, next: str = "") -> Response:
    """Off to the institution's OpenID Provider (authorization code + PKCE)."""
    lang = lang_of(request)
    if staff.sso is None:
        return redirect(f"/console/sign-in?lang={lang}")
    try:
        started = staff.sso.begin(safe_next(next))
    except SsoUnavailable:
        return _sign_in_page(
            staff, lang, safe_next(next), message=t(lang, "c.sso_down"), status_code=503
        )
    response = RedirectResponse(started.url, status_code=303, headers=page_headers())
    set_sso_cookie(response, staff, started.state)
    return response


@router.get("/console/sso/callback")
def single_sign_on_callback(
    request: Request,
    staff: StaffAccess,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The provider sends the browser back here with a code (or an error)."""
    lang = lang_of(request)
    if staff.sso is None:
        return redirect(f"/console/sign-in?lang={lang}")
    try:
        found = staff.sso.finish(code, state, request.cookies.get(SSO_COOKIE), error or None)
        opened = staff.sign_in.open_for(found.account_id, OIDC)
    except SsoUnavailable:
        return _sign_in_page(staff, lang, "", message=t(lang, "c.sso_down"), status_code=503)
    except SignInFailed as exc:  # SsoFailed too: the reason helps the member of staff
        message = f"{t(lang, 'c.sso_failed')} {exc.message}"
        return _sign_in_page(staff, lang, "", message=message, status_code=401)
    response = redirect(safe_next(found.next_path))
    response.delete_cookie(SSO_COOKIE, path=COOKIE_PATH)
    set_session(response, staff, opened)
    return response


@router.post("/console/enrol", response_class=HTMLResponse)
def enrol(
    request: Request,
    staff: StaffAccess,
    ticket: Annotated[str, Form(max_length=200)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    next: Text = "",
    lang: Lang = None,
) -> Response:
    language, next_path = lang_of(request, lang), safe_next(next)
    if not form_csrf_ok(request, staff, csrf_token):
        return _form_expired(language)
    try:
        opened = staff.sign_in.enrol(ticket, code, client_of(request))
    except CodeRejected as exc:
        return _enrol_page(staff, language, exc.enrolment, next_path, t(language, "c.code_failed"))
    except SignInFailed:
        return _sign_in_page(
            staff, language, next_path, message=t(language, "c.expired"), status_code=401
        )
    except TooManyAttempts as exc:
        return _too_many(staff, language, next_path, "", exc.retry_after)
    response = redirect(next_path)
    set_session(response, staff, opened)
    return response


@router.post("/console/sign-out")
def sign_out(
    request: Request,
    staff: StaffAccess,
    member: CurrentStaff,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Lang = None,
) -> Response:
    """End the console session; one opened at the institution's provider is ended there
    too (RP-initiated logout), which sends the browser back to the sign-in page."""
    language = lang_of(request, lang)
    then = f"/console/sign-in?lang={language}"
    if member is not None and session_csrf_ok(member, csrf_token):
        staff.sign_in.sign_out(member.session_token)
        if member.method == OIDC and staff.sso is not None:
            then = staff.sso.logout_url() or then
    response = redirect(then)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


@router.get("/console/dashboard", response_class=HTMLResponse)
def dashboard(
    member: PageMember,
    lang: PageLang,
    registry: RecordRegistry,
    approvals: ApprovalChain,
    outbox: MailQueue,
    runtime: Runtime,
) -> Response:
    shown = overview(
        registry,
        approvals,
        Actor(member.account_id, member.roles),
        anchoring_summary(runtime.sessions),
        runtime.chain_state(),
        runtime.network_state(),
    )
    body = cp.dashboard(
        lang,
        member,
        session_csrf(member),
        shown,
        outbox.counts(),
        outbox.failures(),
        mail_configured=runtime.settings.smtp_host is not None,
    )
    return html(lang, t(lang, "c.dashboard"), body, path="/console/dashboard")


def _search_fields(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "")[:300] for k in _SEARCH_FIELDS}


@router.get("/console/registry", response_class=HTMLResponse)
def registry_page(
    request: Request, member: PageMember, lang: PageLang, registry: RecordRegistry
) -> Response:
    fields = _search_fields(request)
    shown = {k: v for k, v in fields.items() if v and k != "cursor"}
    try:
        query = RegistryQuery.from_form(fields)
    except InvalidInput as exc:
        body = cp.registry(
            lang,
            member,
            session_csrf(member),
            RegistryQuery(q=fields["q"][:200]),
            None,
            next_url=None,
            csv_url="",
            problems=exc.problems,
        )
        return html(lang, t(lang, "c.registry"), body, status_code=422)
    page = registry.page(query)
    next_url = None
    if page.next is not None:
        next_url = "/console/registry?" + urlencode({**shown, "cursor": page.next, "lang": lang})
    csv_url = "/console/registry.csv?" + urlencode(shown)
    body = cp.registry(
        lang, member, session_csrf(member), query, page, next_url=next_url, csv_url=csv_url
    )
    return html(lang, t(lang, "c.registry"), body, path="/console/registry")


@router.get("/console/registry.csv")
def registry_csv(
    request: Request, _member: PageMember, lang: PageLang, registry: RecordRegistry
) -> Response:
    fields = _search_fields(request)
    try:
        query = RegistryQuery.from_form({**fields, "cursor": ""})
    except InvalidInput:
        return redirect(f"/console/registry?lang={lang}")
    return StreamingResponse(
        registry.csv_lines(query),
        media_type="text/csv; charset=utf-8",
        headers={
            **page_headers(),
            "Content-Disposition": 'attachment; filename="registry.csv"',
        },
    )


@router.post("/console/registry/actions", response_class=HTMLResponse)
def registry_actions(
    member: Registrar,
    lang: FormLang,
    statuses: StatusLists,
    issuance: Issuance,
    runtime: Runtime,
    record: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A registrar's action on the records selected on a registry page; each one's outcome."""
    ids = record or []
    try:
        wanted = bulk.checked(action, ids, reason)
    except InvalidInput as exc:
        body = cp.bulk(lang, member, session_csrf(member), action, [], problems=exc.problems)
        return html(lang, t(lang, "c.bulk"), body, status_code=422)
    outcomes = bulk.run(
        wanted,
        ids,
        reason,
        member.account_id,
        statuses=statuses,
        issuance=issuance,
        formats=runtime.staff_formats(),
    )
    body = cp.bulk(lang, member, session_csrf(member), wanted, outcomes)
    return html(lang, t(lang, "c.bulk"), body)
