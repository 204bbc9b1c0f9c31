"""Shared by the learner's pages and the authorization pages: the signed-in learner (session
cookie) and HTML responses with their headers. The learner services come from
``node.api.deps.LearnerAccounts``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from node.api.deps import LearnerAccounts
from node.learners import csrf
from node.learners.service import Learners
from node.learners.signin import Learner, SignedIn
from node.web import learner_pages as lp
from node.web import pages
from node.web.i18n import choose, t

SESSION_COOKIE = "credreg_learner"
COOKIE_PATH = "/learner"
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'{extra}; frame-ancestors 'none'; base-uri 'none'"
)


def signed_in(request: Request, learners: LearnerAccounts) -> Learner | None:
    return learners.sign_in.learner(request.cookies.get(SESSION_COOKIE))


CurrentLearner = Annotated[Learner | None, Depends(signed_in)]


def lang_of(request: Request, explicit: str | None = None) -> str:
    return choose(
        explicit or request.query_params.get("lang"), request.headers.get("accept-language")
    )


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def page_headers(form_action: str = "") -> dict[str, str]:
    return {
        "Content-Security-Policy": _CSP.format(extra=f" {form_action}" if form_action else ""),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def html(
    lang: str,
    title: str,
    body: str,
    *,
    status_code: int = 200,
    path: str | None = None,
    form_action: str = "",
    refresh: int | None = None,
) -> HTMLResponse:
    switch = pages.link_switch(lang, path) if path else ""
    return HTMLResponse(
        pages.page(lang, title, body, switch=switch, refresh=refresh),
        status_code=status_code,
        headers=page_headers(form_action),
    )


def redirect(url: str, *, form_action: str = "") -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=page_headers(form_action))


def safe_next(value: str | None) -> str:
    """Only our own learner pages: never an open redirect."""
    if value and value.startswith("/learner/") and "//" not in value and "\\" not in value:
        return value
    return "/learner/credentials"


def to_sign_in(lang: str, next_path: str) -> RedirectResponse:
    return redirect(f"/learner/sign-in?lang={lang}&next={next_path}")


def set_session(response: Response, learners: Learners, signed: SignedIn) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int((signed.expires_at - datetime.now(UTC)).total_seconds()),
        path=COOKIE_PATH,
        secure=learners.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(csrf.FORM_COOKIE, path=COOKIE_PATH)


def set_form_cookie(response: Response, learners: Learners, token: str) -> None:
    """The sign-in forms' signed double-submit cookie (node/learners/csrf.py)."""
    response.set_cookie(
        csrf.FORM_COOKIE,
        token,
        path=COOKIE_PATH,
        secure=learners.secure_cookies,
        httponly=True,
        samesite="strict",
    )


def form_csrf_ok(request: Request, learners: Learners, given: str) -> bool:
    return learners.forms.valid(
        given, request.cookies.get(csrf.FORM_COOKIE), request.headers.get("sec-fetch-site")
    )


def csrf_failed(lang: str) -> HTMLResponse:
    return html(
        lang,
        t(lang, "l.sign_in"),
        lp.message(lang, "l.sign_in", t(lang, "l.csrf")),
        status_code=403,
    )


def session_csrf_ok(learner: Learner, given: str) -> bool:
    return csrf.same(given, csrf.session_token(learner.session_token))
