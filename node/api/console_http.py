"""Shared by the console's routes: the signed-in member of staff (session cookie), the
cookies, CSRF checks and HTML responses (the learner pages' headers: strict CSP, no
script). The staff services come from ``node.api.deps.StaffAccess``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from node.api.audit_http import set_actor
from node.api.deps import StaffAccess
from node.api.learner_http import html, lang_of, redirect
from node.db.models import StaffRole
from node.errors import NodeError
from node.learners import csrf
from node.staff.service import StaffServices
from node.staff.signin import Opened, Staff
from node.web import learner_pages as lp
from node.web.i18n import t

SESSION_COOKIE = "credreg_staff"
SSO_COOKIE = "credreg_sso"  # the state of a single sign-on in progress (node/staff/oidc.py)
COOKIE_PATH = "/console"
Lang = Annotated[str | None, Form()]  # the page's language, as the forms send it


def signed_in(request: Request, staff: StaffAccess) -> Staff | None:
    member = staff.sign_in.staff(request.cookies.get(SESSION_COOKIE))
    if member is not None:
        set_actor(request, f"staff:{member.account_id}:{member.username}")
    return member


CurrentStaff = Annotated[Staff | None, Depends(signed_in)]


class ConsoleAnswer(Exception):
    """Raised by a console dependency to answer at once (to sign-in, 403); ``install``
    turns it into its response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def install(app: FastAPI) -> None:
    async def answer(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ConsoleAnswer)
        return exc.response

    app.add_exception_handler(ConsoleAnswer, answer)


def _page_lang(request: Request) -> str:
    return lang_of(request)


def _form_lang(request: Request, lang: Annotated[str | None, Form()] = None) -> str:
    return lang_of(request, lang)


PageLang = Annotated[str, Depends(_page_lang)]
FormLang = Annotated[str, Depends(_form_lang)]
_RECORD_PAGE = re.compile(r"^/console/records/[0-9a-f-]{1,36}")


def _page_member(request: Request, member: CurrentStaff, lang: PageLang) -> Staff:
    """The signed-in member of staff of a GET page, else to sign-in and back here."""
    if member is None:
        raise ConsoleAnswer(to_sign_in(lang, request.url.path))
    return member


def _form_member(
    request: Request,
    member: CurrentStaff,
    lang: FormLang,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
) -> Staff:
    """The member of staff who sent a form, its CSRF token checked; else to sign-in (and
    back to the record page the form was on)."""
    if member is None or not session_csrf_ok(member, csrf_token):
        found = _RECORD_PAGE.match(request.url.path)
        raise ConsoleAnswer(to_sign_in(lang, found.group(0) if found else "/console/dashboard"))
    return member


PageMember = Annotated[Staff, Depends(_page_member)]
FormMember = Annotated[Staff, Depends(_form_member)]


def _registrar(member: FormMember, lang: FormLang) -> Staff:
    if not member.has(StaffRole.REGISTRAR):
        raise ConsoleAnswer(forbidden(lang))
    return member


Registrar = Annotated[Staff, Depends(_registrar)]  # a form of a registrar's
PREPARERS = (StaffRole.TEACHER, StaffRole.REGISTRAR)  # who prepares records (form, upload)


def preparer(member: Staff, lang: str) -> Staff:
    """``member``, if their roles let them prepare records; else a 403 page."""
    if not member.has(*PREPARERS):
        raise ConsoleAnswer(forbidden(lang))
    return member


def safe_next(value: str | None) -> str:
    """Only our own console pages: never an open redirect."""
    if value and value.startswith("/console/") and "//" not in value and "\\" not in value:
        return value
    return "/console/dashboard"


def to_sign_in(lang: str, next_path: str) -> RedirectResponse:
    return redirect(f"/console/sign-in?lang={lang}&next={next_path}")


def set_session(response: Response, staff: StaffServices, opened: Opened) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        max_age=int((opened.expires_at - datetime.now(UTC)).total_seconds()),
        path=COOKIE_PATH,
        secure=staff.secure_cookies,
        httponly=True,
        samesite="lax",  # "strict" would drop it on the redirect back from the IdP
    )
    response.delete_cookie(csrf.FORM_COOKIE, path=COOKIE_PATH)


def set_form_cookie(response: Response, staff: StaffServices, token: str) -> None:
    response.set_cookie(
        csrf.FORM_COOKIE,
        token,
        path=COOKIE_PATH,
        secure=staff.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def set_sso_cookie(response: Response, staff: StaffServices, state: str) -> None:
    response.set_cookie(
        SSO_COOKIE,
        state,
        max_age=600,
        path=COOKIE_PATH,
        secure=staff.secure_cookies,
        httponly=True,
        samesite="lax",  # sent on the provider's redirect back (a top-level GET)
    )


def form_csrf_ok(request: Request, staff: StaffServices, given: str) -> bool:
    return staff.forms.valid(
        given, request.cookies.get(csrf.FORM_COOKIE), request.headers.get("sec-fetch-site")
    )


def session_csrf(member: Staff) -> str:
    return csrf.session_token(member.session_token)


def session_csrf_ok(member: Staff, given: str) -> bool:
    return csrf.same(given, session_csrf(member))


def refusal(lang: str, exc: NodeError) -> str:
    """Why an action was refused, for the page: the message and each element's reason."""
    reasons = "; ".join(f"{p.element}: {p.reason}" for p in exc.problems)
    return f"{t(lang, 'c.refused')} {exc.message}" + (f" ({reasons})" if reasons else "")


def forbidden(lang: str) -> HTMLResponse:
    body = lp.message(lang, "c.record", t(lang, "c.forbidden"))
    return html(lang, t(lang, "c.record"), body, status_code=403)
