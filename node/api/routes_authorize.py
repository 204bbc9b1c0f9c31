"""The OpenID4VCI authorization endpoint (code flow with PKCE) with the learner's consent
page, and the offer page the institution mails.

HTTP only: the services are node/wallet/authorization.py and node/wallet/offer_page.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from node.api.deps import Authorizations, Offers
from node.api.learner_http import (
    CurrentLearner,
    csrf_failed,
    html,
    lang_of,
    redirect,
    session_csrf_ok,
    to_sign_in,
)
from node.errors import NotFound
from node.learners import csrf
from node.wallet.authorization import AuthorizationExpired
from node.wallet.offer_page import OFFER_PAGE_PATH
from node.web import learner_pages as lp
from node.web.i18n import t
from wallet_bridge.authorization import RedirectError
from wallet_bridge.errors import OAuthError

router = APIRouter(include_in_schema=False)

# --- OpenID4VCI authorization endpoint and the consent page --------------------------------


@router.get("/authorize", response_class=HTMLResponse)
def authorize(request: Request, authorizations: Authorizations) -> Response:
    """OpenID4VCI 1.0 §5.1 / RFC 6749 §4.1.1: the learner signs in and approves next."""
    lang = lang_of(request)
    params = dict(request.query_params)
    try:
        if len(params) != len(request.query_params.multi_items()):
            raise OAuthError("a parameter is repeated (RFC 6749 §3.1)")
        authorization_id = authorizations.start(params)
    except RedirectError as error:
        return redirect(authorizations.error_redirect(error))
    except OAuthError as error:
        # No redirect to an unchecked redirect_uri (RFC 6749 §4.1.2.1): tell the learner.
        text = f"{t(lang, 'a.bad_request')}: {error.code}: {error.description}"
        body = lp.message(lang, "a.title", text)
        return html(lang, t(lang, "a.title"), body, status_code=400)
    return redirect(f"/learner/authorize/{authorization_id}?lang={lang}")


def _expired(lang: str) -> HTMLResponse:
    body = lp.message(lang, "a.title", t(lang, "a.expired"))
    return html(lang, t(lang, "a.title"), body, status_code=410)


@router.get("/learner/authorize/{authorization_id}", response_class=HTMLResponse)
def consent(
    authorization_id: str,
    request: Request,
    authorizations: Authorizations,
    learner: CurrentLearner,
) -> Response:
    lang = lang_of(request)
    if learner is None:
        return to_sign_in(lang, f"/learner/authorize/{authorization_id}")
    try:
        pending = authorizations.pending(authorization_id, learner.account_id, lang)
    except AuthorizationExpired:
        return _expired(lang)
    body = lp.consent(lang, learner, pending, csrf.session_token(learner.session_token))
    return html(
        lang,
        t(lang, "a.title"),
        body,
        path=f"/learner/authorize/{authorization_id}",
        form_action=pending.redirect_origin,
    )


@router.post("/learner/authorize/{authorization_id}")
def decide(
    authorization_id: str,
    request: Request,
    authorizations: Authorizations,
    learner: CurrentLearner,
    decision: Annotated[str, Form()] = "",
    record_id: Annotated[str, Form(max_length=36)] = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    language = lang_of(request, lang)
    if learner is None:
        return to_sign_in(language, f"/learner/authorize/{authorization_id}")
    if not session_csrf_ok(learner, csrf_token):
        return csrf_failed(language)
    service = authorizations
    try:
        pending = service.pending(authorization_id, learner.account_id, language)
        if decision == "approve":
            target = service.approve(authorization_id, learner.account_id, record_id)
        elif decision == "deny":
            target = service.deny(authorization_id, learner.account_id)
        else:
            return consent(authorization_id, request, authorizations, learner)
    except AuthorizationExpired:
        return _expired(language)
    except NotFound:
        return consent(authorization_id, request, authorizations, learner)
    return redirect(target, form_action=pending.redirect_origin)


# --- the offer page the institution mails ---------------------------------------------------


@router.get(OFFER_PAGE_PATH + "/{offer_id}", response_class=HTMLResponse)
def offer(offer_id: str, request: Request, offers: Offers, code: str = "") -> Response:
    lang = lang_of(request)
    try:
        found = offers.offer_page(offer_id, code, lang)
    except NotFound:
        body = lp.message(lang, "o.title", t(lang, "o.unknown"))
        return html(lang, t(lang, "o.title"), body, status_code=404)
    status_code = 200 if found.state == "open" else 410
    return html(lang, t(lang, "o.title"), lp.offer(lang, found), status_code=status_code)
