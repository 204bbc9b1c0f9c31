"""The staff console's learner accounts (/console/learners): registrars find accounts,
provision one (its sign-in link mailed), mail a sign-in link again, disable or enable one.

HTTP only: the service is node/learners/accounts.py; the page is node/web/console_pages.py."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query
from fastapi.responses import HTMLResponse, Response

from node.api.console_http import (
    ConsoleAnswer,
    FormLang,
    PageLang,
    PageMember,
    Registrar,
    forbidden,
    refusal,
    session_csrf,
)
from node.api.deps import LearnerAccounts
from node.api.learner_http import html, redirect
from node.db.models import StaffRole
from node.errors import NodeError
from node.learners.service import Learners
from node.staff.signin import Staff
from node.web import console_pages as cp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)

AccountId = Annotated[str, Path(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
_LIMIT = 100


def _page(
    lang: str,
    member: Staff,
    learners: Learners,
    *,
    q: str = "",
    message: str = "",
    alert: bool = False,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    accounts = learners.accounts.search(q, _LIMIT)
    body = cp.learners(
        lang,
        member,
        session_csrf(member),
        accounts,
        q=q,
        limit=_LIMIT,
        message=message,
        alert=alert,
        values=values or {},
    )
    return html(
        lang, t(lang, "c.learners"), body, status_code=status_code, path="/console/learners"
    )


def _refused(
    lang: str, member: Staff, learners: Learners, exc: NodeError, values: dict[str, str]
) -> HTMLResponse:
    message = refusal(lang, exc)
    return _page(
        lang, member, learners, message=message, alert=True, values=values,
        status_code=exc.status_code,
    )  # fmt: skip


@router.get("/console/learners", response_class=HTMLResponse)
def learners_page(
    member: PageMember,
    lang: PageLang,
    learners: LearnerAccounts,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    if not member.has(StaffRole.REGISTRAR):
        raise ConsoleAnswer(forbidden(lang))
    return _page(lang, member, learners, q=q)


@router.post("/console/learners", response_class=HTMLResponse)
def provision(
    member: Registrar,
    lang: FormLang,
    learners: LearnerAccounts,
    email: Annotated[str, Form(max_length=320)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    send_link: Annotated[str, Form(max_length=3)] = "",
    mail_lang: Annotated[str, Form(max_length=5)] = "en",
) -> Response:
    """A new account; with ``send_link`` its sign-in link is mailed at once (in the
    learner's language)."""
    values = {"email": email, "name": name, "mail_lang": mail_lang}
    try:
        account = learners.accounts.provision(email, name, None, None, lang=mail_lang)
        if send_link:
            learners.sign_in.send_link_to(account.id)
    except NodeError as exc:
        return _refused(lang, member, learners, exc, values)
    note = t(lang, "c.learner_made_mailed" if send_link else "c.learner_made")
    return _page(lang, member, learners, q=account.email, message=note)


@router.post("/console/learners/{account_id}/{action}", response_class=HTMLResponse)
def account_action(
    account_id: AccountId,
    action: Annotated[str, Path(pattern="^(disable|enable|sign-in-link)$")],
    member: Registrar,
    lang: FormLang,
    learners: LearnerAccounts,
) -> Response:
    try:
        if action == "sign-in-link":
            learners.sign_in.send_link_to(account_id)
        else:
            learners.accounts.set_disabled(account_id, action == "disable")
    except NodeError as exc:
        return _refused(lang, member, learners, exc, {})
    account = learners.accounts.get(account_id)
    if action == "sign-in-link":
        return _page(lang, member, learners, q=account.email, message=t(lang, "c.link_mailed"))
    return redirect("/console/learners?" + urlencode({"lang": lang, "q": account.email}))
