"""Learner accounts, the admin API: provision, attach credentials, list, send a sign-in link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from node.api.deps import IssuerToken, LearnerAccounts, LearnerTranscripts
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.credentials.vocab import LearnerIdType
from node.learners.accounts import Account

MAX_SEARCH = 200
MAX_PAGE = 200
DEFAULT_PAGE = 50
router = APIRouter(prefix="/admin/learners", tags=["learner accounts"], responses=ERROR_RESPONSES)


class LearnerIn(BaseModel):
    email: str = Field(max_length=320, description="The learner's address (their sign-in name)")
    name: str = Field(max_length=300)
    password: str | None = Field(
        default=None, max_length=1024, description="Initial password (at least 10 characters)"
    )
    send_sign_in_link: bool = Field(
        default=False, description="Mail a one-time sign-in link (mail outbox)"
    )
    record_ids: list[str] = Field(
        default_factory=list,
        description="Credential records to attach: each must name this learner and belong to "
        "no other account",
    )
    learner_identifier: str | None = Field(
        default=None,
        max_length=500,
        description="The learner's identifier as the credentials name it (`learner.identifier`, "
        "e.g. the student number); omitted: taken from the records attached",
    )
    learner_identifier_type: LearnerIdType = Field(
        default=LearnerIdType.STUDENT_NUMBER, description="As `learner.identifierType`"
    )
    lang: str = Field(
        default="en", max_length=5, description="The language of the mails sent to the learner"
    )


class LearnerOut(BaseModel):
    id: str
    email: str
    name: str
    has_password: bool
    disabled: bool
    created_at: datetime
    record_ids: list[str]
    learner_identifier: str | None = Field(description="None until a record names the learner")
    learner_identifier_type: str | None
    outbox_id: int | None = Field(default=None, description="The sign-in mail, when one was sent")
    lang: str = Field(description="The language of the mails sent to the learner")


class LearnerPageOut(BaseModel):
    """``{"items": [...], "next": ...}``: ``next`` is the cursor of the next page (null: none)."""

    items: list[LearnerOut]
    next: str | None


class AttachIn(BaseModel):
    record_ids: list[str] = Field(min_length=1, max_length=1000)


class SignInLinkOut(BaseModel):
    outbox_id: int


def _out(account: Account, outbox_id: int | None = None) -> LearnerOut:
    return LearnerOut(
        id=account.id,
        email=account.email,
        name=account.name,
        has_password=account.has_password,
        disabled=account.disabled,
        created_at=account.created_at,
        record_ids=list(account.record_ids),
        learner_identifier=account.learner[1] if account.learner else None,
        learner_identifier_type=account.learner[0] if account.learner else None,
        outbox_id=outbox_id,
        lang=account.lang,
    )


_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorOut,
        "description": "An account with this e-mail or learner exists, or a record belongs to "
        "another account",
    }
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such account or record"}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Provision a learner account",
    responses=_CONFLICT | _NOT_FOUND,
)
def provision(body: LearnerIn, learners: LearnerAccounts, token: IssuerToken) -> LearnerOut:
    account = learners.accounts.provision(
        body.email,
        body.name,
        body.password,
        token.id,
        body.record_ids,
        body.learner_identifier,
        body.learner_identifier_type.value,
        body.lang,
    )
    outbox_id = learners.sign_in.send_link_to(account.id) if body.send_sign_in_link else None
    return _out(account, outbox_id)


@router.get(
    "",
    summary="List and search the learner accounts, newest first",
    description="Keyset pages: pass `next` as `cursor` for the following page.",
)
def list_learners(
    learners: LearnerAccounts,
    token: IssuerToken,
    q: Annotated[
        str,
        Query(
            max_length=MAX_SEARCH,
            description="The start of the e-mail address or student number, or a part of "
            "the name (any case)",
        ),
    ] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=200, description="`next` of a page")] = None,
) -> LearnerPageOut:
    page = learners.accounts.page(q, limit, cursor)
    return LearnerPageOut(items=[_out(a) for a in page.accounts], next=page.next)


@router.get("/{account_id}", summary="One learner account", responses=_NOT_FOUND)
def get_learner(account_id: str, learners: LearnerAccounts, token: IssuerToken) -> LearnerOut:
    return _out(learners.accounts.get(account_id))


@router.post(
    "/{account_id}/credentials",
    summary="Attach credential records to a learner account (each naming its learner)",
    responses=_NOT_FOUND | _CONFLICT,
)
def attach(
    account_id: str, body: AttachIn, learners: LearnerAccounts, token: IssuerToken
) -> LearnerOut:
    return _out(learners.accounts.attach(account_id, body.record_ids))


@router.post(
    "/{account_id}/sign-in-links",
    status_code=status.HTTP_201_CREATED,
    summary="Mail the learner a one-time sign-in link (15 minutes)",
    responses=_NOT_FOUND,
)
def send_link(account_id: str, learners: LearnerAccounts, token: IssuerToken) -> SignInLinkOut:
    return SignInLinkOut(outbox_id=learners.sign_in.send_link_to(account_id))


@router.post(
    "/{account_id}/disable",
    summary="Disable a learner account (no sign-in; open sessions end)",
    responses=_NOT_FOUND,
)
def disable(account_id: str, learners: LearnerAccounts, token: IssuerToken) -> LearnerOut:
    return _out(learners.accounts.set_disabled(account_id, True))


@router.post(
    "/{account_id}/enable", summary="Enable a disabled learner account", responses=_NOT_FOUND
)
def enable(account_id: str, learners: LearnerAccounts, token: IssuerToken) -> LearnerOut:
    return _out(learners.accounts.set_disabled(account_id, False))


class TranscriptOut(BaseModel):
    record_id: str = Field(description="The transcript's credential record.")
    state: str = Field(description="issued, or prepared for the approval chain")


@router.post(
    "/{account_id}/transcript",
    summary="Issue the learner's transcript of records (every credential they hold here)",
    description="One credential listing each issued credential of the account (by id and "
    "digest, with title, ECTS, grade, date) and the partners' credentials a recognition "
    "decision among them recognises. The same credentials on the same day: the same "
    "transcript.",
    responses=_NOT_FOUND | _CONFLICT,
)
def transcript(
    account_id: str, token: IssuerToken, learners: LearnerAccounts, transcripts: LearnerTranscripts
) -> TranscriptOut:
    learners.accounts.get(account_id)  # 404 for an unknown account
    record_id, state = transcripts.issue(account_id)
    return TranscriptOut(record_id=record_id, state=state)
