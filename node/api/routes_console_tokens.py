"""The staff console's API tokens (/console/tokens): a token made here acts for its member
of staff; administrators see and revoke every token, others their own.

HTTP only: the service is node/tokens.py; the page is node/web/console_pages.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response

from node.api.console_http import (
    FormLang,
    FormMember,
    PageLang,
    PageMember,
    forbidden,
    session_csrf,
)
from node.api.deps import (
    Tokens,
)
from node.api.learner_http import html, redirect
from node.db.models import Role, StaffRole
from node.errors import InvalidInput, NotFound
from node.staff.signin import Staff
from node.tokens import ApiTokens, CreatedToken, parse_lifetime
from node.web import console_pages as cp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)


def _tokens_page(
    lang: str,
    member: Staff,
    tokens: ApiTokens,
    *,
    created: CreatedToken | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """Administrators see every token; everyone else their own."""
    shown = [
        i
        for i in tokens.all()
        if member.has(StaffRole.ADMINISTRATOR) or i.staff_account_id == member.account_id
    ]
    body = cp.tokens(lang, member, session_csrf(member), shown, created=created, message=message)
    return html(lang, t(lang, "c.tokens"), body, status_code=status_code, path="/console/tokens")


@router.get("/console/tokens", response_class=HTMLResponse)
def tokens_page(member: PageMember, lang: PageLang, tokens: Tokens) -> Response:
    return _tokens_page(lang, member, tokens)


@router.post("/console/tokens", response_class=HTMLResponse)
def create_token(
    member: FormMember,
    language: FormLang,
    tokens: Tokens,
    name: Annotated[str, Form(max_length=100)] = "",
    expires_in: Annotated[str, Form(max_length=20)] = "",
    role: Annotated[str, Form(max_length=20)] = "issuer",
) -> Response:
    """A token that acts for the member of staff; only administrators make admin tokens."""
    wanted = Role.ADMIN if role == "admin" else Role.ISSUER
    if wanted is Role.ADMIN and not member.has(StaffRole.ADMINISTRATOR):
        return forbidden(language)
    try:
        created = tokens.create(
            wanted, name, parse_lifetime(expires_in), staff_account_id=member.account_id
        )
    except InvalidInput as exc:
        reasons = "; ".join(f"{p.element}: {p.reason}" for p in exc.problems)
        message = f"{t(language, 'c.refused')} {reasons or exc.message}"
        return _tokens_page(language, member, tokens, message=message, status_code=422)
    return _tokens_page(language, member, tokens, created=created)


@router.post("/console/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    member: FormMember,
    language: FormLang,
    tokens: Tokens,
) -> Response:
    own = None if member.has(StaffRole.ADMINISTRATOR) else member.account_id
    try:
        tokens.revoke(token_id, staff_account_id=own)
    except NotFound:
        return _tokens_page(
            language, member, tokens, message=t(language, "c.forbidden"), status_code=404
        )
    return redirect(f"/console/tokens?lang={language}")
