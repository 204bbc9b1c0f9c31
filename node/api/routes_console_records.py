"""The staff console's record work (/console/records, /approvals, /prepare): a record's
page and what staff do there — decide an approval stage, resubmit, sign, offer to the
wallet, suspend / revoke / reinstate — the approval queue and the prepare form.

HTTP only: the services are node/issuance/* (registry, approvals, issuance), the status
lists and the wallet offers; the pages are node/web/console_pages.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from node.api.console_http import (
    FormLang,
    FormMember,
    PageLang,
    PageMember,
    Registrar,
    preparer,
    refusal,
    session_csrf,
)
from node.api.deps import ApprovalChain, Issuance, Offers, RecordRegistry, Runtime, StatusLists
from node.api.learner_http import html, redirect
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


@dataclass(frozen=True)
class _RecordPage:
    """A record's page for one member of staff, and the actions that come back to it."""

    lang: str
    member: Staff
    registry: Registry
    approvals: Approvals

    def show(
        self, record_id: str, *, message: str = "", alert: bool = False, status_code: int = 200
    ) -> HTMLResponse:
        lang, member = self.lang, self.member
        try:
            view = self.registry.record(record_id)
        except NotFound:
            body = lp.message(lang, "c.record", t(lang, "c.not_found"))
            return html(lang, t(lang, "c.record"), body, status_code=404)
        chain = self.approvals.state(record_id, _actor(member))
        body = cp.record(
            lang, member, session_csrf(member), view, chain, message=message, alert=alert
        )
        path = f"/console/records/{record_id}"
        return html(lang, t(lang, "c.record"), body, status_code=status_code, path=path)

    def after(self, record_id: str, act: Callable[[], object]) -> Response:
        """Run an action on the record: back to its page (303) when it worked, else the
        page with the reason (403 / 409 / 422)."""
        try:
            act()
        except NotFound:
            return self.show(record_id)
        except NodeError as exc:
            message = refusal(self.lang, exc)
            return self.show(record_id, message=message, alert=True, status_code=exc.status_code)
        return redirect(f"/console/records/{record_id}?lang={self.lang}")


def _viewing(
    member: PageMember, lang: PageLang, registry: RecordRegistry, approvals: ApprovalChain
) -> _RecordPage:
    return _RecordPage(lang, member, registry, approvals)


def _acting(
    member: FormMember, lang: FormLang, registry: RecordRegistry, approvals: ApprovalChain
) -> _RecordPage:
    return _RecordPage(lang, member, registry, approvals)


def _registrar_acting(
    member: Registrar, lang: FormLang, registry: RecordRegistry, approvals: ApprovalChain
) -> _RecordPage:
    return _RecordPage(lang, member, registry, approvals)


Viewing = Annotated[_RecordPage, Depends(_viewing)]
Acting = Annotated[_RecordPage, Depends(_acting)]
RegistrarActing = Annotated[_RecordPage, Depends(_registrar_acting)]
Comment = Annotated[str, Form(max_length=2000)]


@router.get("/console/records/{record_id}", response_class=HTMLResponse)
def record_page(record_id: str, page: Viewing) -> Response:
    return page.show(record_id)


@router.post("/console/records/{record_id}/decision")
def record_decision(
    record_id: str,
    page: Acting,
    decision: Annotated[str, Form(max_length=20)] = "",
    comment: Comment = "",
) -> Response:
    actor = _actor(page.member)
    return page.after(record_id, lambda: page.approvals.decide(record_id, actor, decision, comment))


@router.post("/console/records/{record_id}/resubmit")
def record_resubmit(record_id: str, page: Acting) -> Response:
    actor = _actor(page.member)
    return page.after(record_id, lambda: page.approvals.resubmit(record_id, actor))


@router.post("/console/records/{record_id}/sign")
def record_sign(
    record_id: str, page: RegistrarActing, issuance: Issuance, runtime: Runtime
) -> Response:
    formats = runtime.staff_formats()
    return page.after(record_id, lambda: issuance.issue_record(record_id, formats))


@router.post("/console/records/{record_id}/status")
def record_status(
    record_id: str,
    page: RegistrarActing,
    statuses: StatusLists,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
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
            staff_account_id=page.member.account_id,
        )

    return page.after(record_id, change)


@router.post("/console/records/{record_id}/offer", response_class=HTMLResponse)
def record_offer(
    record_id: str,
    page: RegistrarActing,
    offers: Offers,
    email: Annotated[str, Form(max_length=320)] = "",
    mail_lang: Annotated[str, Form(max_length=5)] = "en",
) -> Response:
    """A wallet offer (QR, link, the PIN shown here, never mailed); again: a fresh one."""
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

    refused = page.after(record_id, create)
    if not made:
        return refused
    body = cp.offer(page.lang, page.member, session_csrf(page.member), made[0])
    return html(page.lang, t(page.lang, "c.offer"), body)


@router.get("/console/approvals", response_class=HTMLResponse)
def approvals_page(member: PageMember, lang: PageLang, approvals: ApprovalChain) -> Response:
    body = cp.approvals(
        lang,
        member,
        session_csrf(member),
        approvals.queue(_actor(member)),
        configured=approvals.configured,
    )
    return html(lang, t(lang, "c.approvals"), body, path="/console/approvals")


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
def prepare_form(member: PageMember, lang: PageLang, runtime: Runtime) -> Response:
    preparer(member, lang)
    return _prepare_page(lang, member, cp.prepare_defaults(runtime.identity()))


@router.post("/console/prepare", response_class=HTMLResponse)
async def prepare(
    request: Request, member: FormMember, lang: FormLang, issuance: Issuance
) -> Response:
    preparer(member, lang)
    form = await request.form()  # parsed once (the dependencies read csrf and lang from it)
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
