"""The staff console's institution and network pages: /console/institution (the requirement
profile and the approval chain, as configured: read only) and /console/network (the members
from the chain, the proposals with their tallies; management and administrators vote for
the institution).

HTTP only: the services are node/network/governance.py and node/staff/overview.py; the pages
are node/web/console_pages.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response

from anchoring.errors import ChainError
from node.api.console_http import (
    ConsoleAnswer,
    FormLang,
    FormMember,
    PageLang,
    PageMember,
    forbidden,
    session_csrf,
)
from node.api.deps import ApprovalChain, MemberList, NetworkGovernance, Runtime
from node.api.learner_http import html
from node.credentials.profile import requirement_profile
from node.db.models import StaffRole
from node.errors import NodeError
from node.network.discovery import Directory
from node.network.governance import Governance, proposal_json
from node.runtime import NodeRuntime
from node.staff.signin import Staff
from node.web import console_pages as cp
from node.web.i18n import t

router = APIRouter(include_in_schema=False)

VOTERS = (StaffRole.MANAGEMENT, StaffRole.ADMINISTRATOR)  # who speaks for the institution
_PROPOSALS = 20


@router.get("/console/institution", response_class=HTMLResponse)
def institution_page(
    member: PageMember, lang: PageLang, runtime: Runtime, approvals: ApprovalChain
) -> Response:
    body = cp.institution(
        lang,
        member,
        session_csrf(member),
        runtime.identity(),
        requirement_profile(runtime.settings.profile),
        approvals.stages,
        required=approvals.required,
    )
    return html(lang, t(lang, "c.institution"), body, path="/console/institution")


def _network_page(
    lang: str,
    member: Staff,
    runtime: NodeRuntime,
    governance: Governance,
    directory: Callable[[], Directory],
    *,
    message: str = "",
    alert: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    state = runtime.network_state()
    members, proposals, own, problem = [], [], None, None
    if state is not None and state.error is None:
        try:
            members = list(directory().members)
            proposals = [proposal_json(p) for p in governance.proposals(limit=_PROPOSALS)]
            own = governance.own_member()
        except (ChainError, NodeError) as exc:
            problem = str(exc)
    body = cp.network(
        lang,
        member,
        session_csrf(member),
        state,
        members,
        proposals,
        own_member=own,
        can_vote=member.has(*VOTERS),
        problem=problem or (state.error if state else None),
        message=message,
        alert=alert,
    )
    return html(lang, t(lang, "c.network"), body, status_code=status_code, path="/console/network")


@router.get("/console/network", response_class=HTMLResponse)
def network_page(
    member: PageMember,
    lang: PageLang,
    runtime: Runtime,
    governance: NetworkGovernance,
    directory: MemberList,
) -> Response:
    return _network_page(lang, member, runtime, governance, directory)


@router.post("/console/network/proposals/{proposal_id}/vote", response_class=HTMLResponse)
def vote(
    proposal_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    member: FormMember,
    lang: FormLang,
    runtime: Runtime,
    governance: NetworkGovernance,
    directory: MemberList,
    support: Annotated[str, Form()] = "",
) -> Response:
    """The institution's vote, cast by a member of its management (or an administrator)."""
    if not member.has(*VOTERS):
        raise ConsoleAnswer(forbidden(lang))
    if support not in ("yes", "no"):  # a missing choice is no "no"
        message = f"{t(lang, 'c.refused')} {t(lang, 'c.vote_choice')}"
        return _network_page(
            lang, member, runtime, governance, directory, message=message, alert=True,
            status_code=422,
        )  # fmt: skip
    try:
        outcome = governance.vote(proposal_id, support == "yes")
    except (ChainError, NodeError) as exc:
        code = exc.status_code if isinstance(exc, NodeError) else 503
        message = f"{t(lang, 'c.refused')} {exc}"
        return _network_page(
            lang,
            member,
            runtime,
            governance,
            directory,
            message=message,
            alert=True,
            status_code=code,
        )
    message = t(lang, "c.voted").format(proposal=proposal_id, block=outcome.block_number)
    return _network_page(lang, member, runtime, governance, directory, message=message)
