"""Recognition agreements over HTTP: the public list of this node's agreed versions
(``GET /api/agreements``), the schema, the check of any agreement document against the
chain, the inbox other members' nodes hand documents to, and the admin API (propose,
accept, decline).

HTTP only: the service is node/agreements/service.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, status
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from node.agreements.service import Agreements, AgreementView
from node.agreements.terms import (
    LEARNING_SCHEMA_ID,
    LEARNING_SCHEMA_PATH,
    SCHEMA_ID,
    agreement_json_schema,
    learning_agreement_json_schema,
)
from node.api.deps import AdminToken, RecognitionAgreements
from node.api.errors import COMMON_RESPONSES, ERROR_RESPONSES, ErrorOut
from node.api.learner_http import html
from node.api.schemas import Wire
from node.web.agreement_pages import agreement_page
from node.web.i18n import choose

_REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorOut, "description": "This node is not a party to it"},
    404: {"model": ErrorOut, "description": "No such agreement version here"},
    409: {"model": ErrorOut, "description": "Its state forbids this, or no chain is configured"},
    503: {"model": ErrorOut, "description": "The chain cannot be read"},
}
public = APIRouter(tags=["agreements"], responses={**COMMON_RESPONSES, **_REFUSED})
admin = APIRouter(
    prefix="/admin/agreements", tags=["agreements"], responses={**ERROR_RESPONSES, **_REFUSED}
)


class AgreementOut(Wire):
    url: str = Field(description="This version's URL (the document's `id`).")
    kind: str = Field(description="recognition (between institutions) or learning (a mobility)")
    agreement: str
    version: int
    role: str = Field(description="This node's: proposer or partner.")
    partner: str = Field(description="The other party's DID.")
    state: str = Field(description="proposed | received | agreed | declined")
    document: dict[str, Any] = Field(description="The terms with the parties' proofs so far.")
    signatures: list[dict[str, Any]] = Field(description="The proofs (one per party once agreed).")
    digest: str | None = Field(description="SHA-256 of the signed document's JCS (agreed).")
    anchor: dict[str, Any] | None = Field(description="Its digest's one-leaf root on chain.")
    reason: str | None = None
    created_at: datetime
    decided_at: datetime | None = None
    delivery: dict[str, Any] | None = Field(
        None, description="Handing it to the other party's node (admin API only)."
    )
    learner_accepted_at: datetime | None = Field(
        None, description="A learning agreement: when its learner accepted it here."
    )

    @classmethod
    def of(cls, view: AgreementView, *, admin: bool) -> AgreementOut:
        return cls(
            url=view.url,
            kind=view.kind,
            agreement=view.agreement,
            version=view.version,
            role=view.role,
            partner=view.partner,
            state=view.state,
            document=view.document,
            signatures=list(view.document["proof"]),
            digest=view.digest,
            anchor=view.anchor,
            reason=view.reason,
            created_at=view.created_at,
            decided_at=view.decided_at,
            delivery=view.delivery if admin else None,
            learner_accepted_at=view.learner_accepted_at,
        )


class AgreementsOut(Wire):
    items: list[AgreementOut]


class CheckOut(Wire):
    verdict: str = Field(description="valid | invalid | pending (anchor to come) | unchecked")
    digest: str | None
    network: str | None = Field(description="The network checked against, and its size.")
    checks: list[dict[str, Any]]


class DecisionIn(Wire):
    url: str = Field(max_length=1000, description="The version's URL.")


class DeclineIn(DecisionIn):
    reason: str = Field(min_length=1, max_length=2000)


Document = Annotated[Any, Body(description="An agreement document (JSON), with its proofs.")]
Proposal = Annotated[Any, Body(description="The terms, with `partner` or `amends`.")]


@public.get(
    "/api/agreements",
    summary="This node's agreed recognition agreements",
    description="Each agreed version this institution is a party to, once anchored: its "
    "document URL and "
    "document, both parties' proofs, its digest and the facts of its anchor on chain. "
    "`POST /api/agreements/check` checks any of them against the chain.",
)
def list_agreements(agreements: RecognitionAgreements) -> AgreementsOut:
    agreed = agreements.versions(agreed_only=True, kind="recognition")
    # Listed once anchored by a party: a digest published earlier could be anchored first
    # by another member, and the agreement would never check valid.
    anchored = [v for v in agreed if v.anchor and v.anchor["state"] == "confirmed"]
    items = [AgreementOut.of(v, admin=False) for v in anchored]
    return AgreementsOut(items=items)


@public.get(
    "/schemas/agreement/v1.json",
    tags=["vocabulary"],
    summary=f"JSON Schema of a recognition agreement ({SCHEMA_ID})",
)
def agreement_schema() -> dict[str, Any]:
    return agreement_json_schema()


@public.get(
    LEARNING_SCHEMA_PATH,
    tags=["vocabulary"],
    summary=f"JSON Schema of a learning agreement ({LEARNING_SCHEMA_ID})",
)
def learning_agreement_schema() -> dict[str, Any]:
    return learning_agreement_json_schema()


@public.post(
    "/api/agreements/check",
    summary="Check an agreement document against the chain",
    description="The terms against the schema, the validity dates, both parties active "
    "members, one proof per party by a key the network registry lists, and the digest "
    "anchored by a party. `valid` only when every check ran and passed.",
)
def check_agreement(agreements: RecognitionAgreements, document: Document) -> CheckOut:
    report = agreements.check(document)
    return CheckOut(
        verdict=report.verdict,
        digest=report.digest,
        network=report.network,
        checks=report.as_json()["checks"],
    )


@public.post(
    "/api/agreements/inbox",
    summary="Hand an agreement document to this node (node to node)",
    description="A member's node hands over a proposal signed by it, the return of one of "
    "this node's proposals signed by both, or a signed decline. Checked against the chain "
    "before it is kept; the same hand-over twice is answered alike.",
)
def inbox(agreements: RecognitionAgreements, document: Document) -> AgreementOut:
    return AgreementOut.of(agreements.receive(document), admin=False)


AgreementId = Annotated[str, PathParam(min_length=36, max_length=36, pattern=r"^[0-9a-f-]{36}$")]
Number = Annotated[int, PathParam(ge=1, le=100_000)]
_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}, "application/json": {}}}
}


@public.get(
    "/agreements/{agreement_id}/versions/{number}",
    summary="An agreed version this node proposed: its page, or the signed document",
    description="HTML (the terms, both signatures, the anchor and a check against the chain "
    "made for the page) unless `Accept: application/json` or `?format=json`: the document.",
    responses=_PAGE,
)
def agreement_version(
    agreement_id: AgreementId,
    number: Number,
    request: Request,
    agreements: RecognitionAgreements,
    format: Literal["html", "json"] | None = None,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    view = agreements.agreed(agreements.own_url(agreement_id, number))
    return _served(request, agreements, view, format, lang)


@public.get(
    "/agreements/held",
    summary="An agreed version this node is a party to, wherever it was proposed",
    responses=_PAGE,
)
def held_agreement(
    url: Annotated[str, Query(max_length=1000, description="The version's URL")],
    request: Request,
    agreements: RecognitionAgreements,
    format: Literal["html", "json"] | None = None,
    lang: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    return _served(request, agreements, agreements.agreed(url), format, lang)


def _served(
    request: Request,
    agreements: Agreements,
    view: AgreementView,
    format: str | None,
    lang: str | None,
) -> Response:
    accept = request.headers.get("accept", "")
    if format == "json" or (format is None and "application/json" in accept):
        return JSONResponse(view.document, headers={"Vary": "Accept"})
    page_lang = choose(lang, request.headers.get("accept-language"))
    body = agreement_page(page_lang, view, agreements.check(view.document))
    title = str(view.document.get("title", {}).get(page_lang) or view.url)
    page = html(page_lang, title, body, path=request.url.path)
    page.headers["Vary"] = "Accept"
    return page


@admin.get("", summary="Every agreement version, in every state")
def admin_list(agreements: RecognitionAgreements, _token: AdminToken) -> AgreementsOut:
    items = [AgreementOut.of(v, admin=True) for v in agreements.versions(agreed_only=False)]
    return AgreementsOut(items=items)


@admin.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Propose an agreement (or a new version of one) to a partner",
    description="The terms (schema at /schemas/agreement/v1.json, without the document's "
    "identity) with `partner` (a member's DID) or `amends` (an agreed agreement's URL). "
    "Signed here and handed to the partner's node; retried until it takes it.",
)
def propose(token: AdminToken, agreements: RecognitionAgreements, body: Proposal) -> AgreementOut:
    return AgreementOut.of(agreements.propose(body, f"token {token.name}"), admin=True)


@admin.post("/accept", summary="Accept a received proposal: sign, anchor, hand back")
def accept(token: AdminToken, agreements: RecognitionAgreements, body: DecisionIn) -> AgreementOut:
    return AgreementOut.of(agreements.accept(body.url, f"token {token.name}"), admin=True)


@admin.post("/decline", summary="Decline a received proposal, with a reason")
def decline(token: AdminToken, agreements: RecognitionAgreements, body: DeclineIn) -> AgreementOut:
    view = agreements.decline(body.url, f"token {token.name}", body.reason)
    return AgreementOut.of(view, admin=True)
