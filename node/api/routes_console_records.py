"""The staff console's record work (/console/records, /approvals, /prepare): a record's
page and what staff do there — decide an approval stage, resubmit, sign, offer to the
wallet, suspend / revoke / reinstate — the approval queue and the prepare form.

HTTP only: the services are node/issuance/* (registry, approvals, issuance), the status
lists and the wallet offers; the pages are node/web/console_pages.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from node.api.console_http import (
    CurrentStaff,
    Lang,
    forbidden,
    session_csrf,
    session_csrf_ok,
    to_sign_in,
)
from node.api.deps import (
    ApprovalChain,
    Issuance,
    Offers,
    RecordRegistry,
    Runtime,
    StatusLists,
)
from node.api.learner_http import html, lang_of, redirect
from node.db.models import CredentialFormat, StaffRole
from node.errors import Conflict, InvalidInput, NodeError, NotFound, Problem
from node.i18n.catalogues import LANGUAGES
from node.issuance.approvals import Actor, Approvals
from node.issuance.registry import Registry
from node.learners.accounts import normalise_email
from node.staff.signin import Staff
from node.wallet.offers import OfferCreated
from node.web import console_pages as cp
from node.web import learner_pages as lp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)


def _actor(member: Staff) -> Actor:
    return Actor(member.account_id, member.roles)


def _record_response(
    lang: str,
    member: Staff,
    registry: Registry,
    approvals: Approvals,
    record_id: str,
    *,
    message: str = "",
    alert: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        view = registry.record(record_id)
    except NotFound:
        body = lp.message(lang, "c.record", t(lang, "c.not_found"))
        return html(lang, t(lang, "c.record"), body, status_code=404)
    chain = approvals.state(record_id, _actor(member))
    body = cp.record(lang, member, session_csrf(member), view, chain, message=message, alert=alert)
    return html(
        lang,
        t(lang, "c.record"),
        body,
        status_code=status_code,
        path=f"/console/records/{record_id}",
    )


@router.get("/console/records/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    record_id: str,
    member: CurrentStaff,
    registry: RecordRegistry,
    approvals: ApprovalChain,
) -> Response:
    lang = lang_of(request)
    if member is None:
        return to_sign_in(lang, f"/console/records/{record_id}")
    return _record_response(lang, member, registry, approvals, record_id)


def _after_action(
    lang: str,
    member: Staff,
    registry: Registry,
    approvals: Approvals,
    record_id: str,
    act: Callable[[], object],
) -> Response:
    """Run a console action on a record: back to its page (303) when it worked, else the
    page with the reason (403 / 409 / 422)."""
    try:
        act()
    except NotFound:
        return _record_response(lang, member, registry, approvals, record_id)
    except NodeError as exc:
        reasons = "; ".join(f"{p.element}: {p.reason}" for p in exc.problems)
        message = f"{t(lang, 'c.refused')} {exc.message}{f' ({reasons})' if reasons else ''}"
        return _record_response(
            lang,
            member,
            registry,
            approvals,
            record_id,
            message=message,
            alert=True,
            status_code=exc.status_code,
        )
    return redirect(f"/console/records/{record_id}?lang={lang}")


Comment = Annotated[str, Form(max_length=2000)]


@router.post("/console/records/{record_id}/decision")
def record_decision(
    request: Request,
    record_id: str,
    member: CurrentStaff,
    registry: RecordRegistry,
    approvals: ApprovalChain,
    decision: Annotated[str, Form(max_length=20)] = "",
    comment: Comment = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if member is None or not session_csrf_ok(member, csrf_token):
        return to_sign_in(language, f"/console/records/{record_id}")
    return _after_action(
        language,
        member,
        registry,
        approvals,
        record_id,
        lambda: approvals.decide(record_id, _actor(member), decision, comment),
    )


@router.post("/console/records/{record_id}/resubmit")
def record_resubmit(
    request: Request,
    record_id: str,
    member: CurrentStaff,
    registry: RecordRegistry,
    approvals: ApprovalChain,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if member is None or not session_csrf_ok(member, csrf_token):
        return to_sign_in(language, f"/console/records/{record_id}")
    return _after_action(
        language,
        member,
        registry,
        approvals,
        record_id,
        lambda: approvals.resubmit(record_id, _actor(member)),
    )


@router.post("/console/records/{record_id}/sign")
def record_sign(
    request: Request,
    record_id: str,
    member: CurrentStaff,
    registry: RecordRegistry,
    approvals: ApprovalChain,
    issuance: Issuance,
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if member is None or not session_csrf_ok(member, csrf_token):
        return to_sign_in(language, f"/console/records/{record_id}")
    if not member.has(StaffRole.REGISTRAR):
        return forbidden(language)
    return _after_action(
        language,
        member,
        registry,
        approvals,
        record_id,
        lambda: issuance.issue_record(record_id, [CredentialFormat.LDP_RDFC]),
    )


@router.post("/console/records/{record_id}/status")
def record_status(
    request: Request,
    record_id: str,
    member: CurrentStaff,
    registry: RecordRegistry,
    approvals: ApprovalChain,
    statuses: StatusLists,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Lang = None,
) -> Response:
    language = lang_of(request, lang)
    if member is None or not session_csrf_ok(member, csrf_token):
        return to_sign_in(language, f"/console/records/{record_id}")
    if not member.has(StaffRole.REGISTRAR):
        return forbidden(language)

    def change() -> None:
        if action not in ("revoke", "suspend", "reinstate"):
            raise InvalidInput(
                "action refused", [Problem("action", "revoke, suspend or reinstate")]
            )
        statuses.change(
            [record_id],
            action,  # type: ignore[arg-type]
            reason,
            None,
            staff_account_id=member.account_id,
        )

    return _after_action(language, member, registry, approvals, record_id, change)


@router.post("/console/records/{record_id}/offer", response_class=HTMLResponse)
def record_offer(
    request: Request,
    record_id: str,
    member: CurrentStaff,
    registry: RecordRegistry,
    approvals: ApprovalChain,
    offers: Offers,
    email: Annotated[str, Form(max_length=320)] = "",
    mail_lang: Annotated[str, Form(max_length=5)] = "en",
    csrf_token: Annotated[str, Form(alias="csrf")] = "",
    lang: Lang = None,
) -> Response:
    """A wallet offer (QR, link, the PIN shown here, never mailed); again: a fresh one."""
    language = lang_of(request, lang)
    if member is None or not session_csrf_ok(member, csrf_token):
        return to_sign_in(language, f"/console/records/{record_id}")
    if not member.has(StaffRole.REGISTRAR):
        return forbidden(language)
    made: list[OfferCreated] = []

    def create() -> None:
        address = normalise_email(email) if email.strip() else None
        made.append(
            offers.create_offer(
                record_id,
                None,
                email=address,
                with_tx_code=True,
                expires_in=None,
                token_id=None,
                lang=mail_lang if mail_lang in LANGUAGES else "en",
            )
        )

    refused = _after_action(language, member, registry, approvals, record_id, create)
    if not made:
        return refused
    body = cp.offer(language, member, session_csrf(member), made[0])
    return html(language, t(language, "c.offer"), body)


@router.get("/console/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, member: CurrentStaff, approvals: ApprovalChain) -> Response:
    lang = lang_of(request)
    if member is None:
        return to_sign_in(lang, "/console/approvals")
    body = cp.approvals(
        lang,
        member,
        session_csrf(member),
        approvals.queue(_actor(member)),
        configured=approvals.configured,
    )
    return html(lang, t(lang, "c.approvals"), body, path="/console/approvals")


_PREPARERS = (StaffRole.TEACHER, StaffRole.REGISTRAR)


def _prepare_page(
    lang: str,
    member: Staff,
    values: dict[str, str],
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    body = cp.prepare(lang, member, session_csrf(member), values, problems or [])
    return html(lang, t(lang, "c.prepare"), body, status_code=status_code, path="/console/prepare")


@router.get("/console/prepare", response_class=HTMLResponse)
def prepare_form(request: Request, member: CurrentStaff, runtime: Runtime) -> Response:
    lang = lang_of(request)
    if member is None:
        return to_sign_in(lang, "/console/prepare")
    if not member.has(*_PREPARERS):
        return forbidden(lang)
    return _prepare_page(lang, member, cp.prepare_defaults(runtime.identity()))


@router.post("/console/prepare", response_class=HTMLResponse)
async def prepare(request: Request, member: CurrentStaff, issuance: Issuance) -> Response:
    form = await request.form()
    lang = lang_of(request, str(form.get("lang") or "") or None)
    if member is None or not session_csrf_ok(member, str(form.get("csrf", ""))):
        return to_sign_in(lang, "/console/prepare")
    if not member.has(*_PREPARERS):
        return forbidden(lang)
    lists = {
        name: [str(v) for v in form.getlist(name)] for name in ("assessment_types", "qa_types")
    }
    values = cp.form_values({k: v for k, v in form.items() if isinstance(v, str)}, lists)
    cells = {k: v for k, v in values.items() if k != "outcomes"}
    try:
        record = await run_in_threadpool(issuance.prepare_cells, cells, member.account_id)
    except InvalidInput as exc:
        return _prepare_page(lang, member, values, exc.problems, status_code=422)
    except Conflict as exc:
        return _prepare_page(
            lang, member, values, [Problem("idempotency_key", exc.message)], status_code=409
        )
    return redirect(f"/console/records/{record.id}?lang={lang}")
