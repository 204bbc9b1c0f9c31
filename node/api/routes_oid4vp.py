"""OpenID4VP 1.0 verifier endpoints: the wallet's (public) and the relying party's (token).

Wallet-facing errors are :class:`wallet_bridge.errors.OAuthError` (``{"error",
"error_description"}``); nothing here logs a nonce or a presentation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from node.api.deps import IssuerToken, Presentations
from node.api.errors import ERROR_RESPONSES, OAUTH_RESPONSES, ErrorOut, OAuthErrorOut
from node.db.models import Role
from node.wallet.qr import data_url, qr_images
from wallet_bridge.errors import InvalidRequest
from wallet_bridge.presentation import REQUEST_OBJECT_MEDIA_TYPE

_NO_STORE = {"Cache-Control": "no-store"}

wallet = APIRouter(
    prefix="/oid4vp",
    tags=["wallet (OpenID4VP)"],
    responses={
        **OAUTH_RESPONSES,
        404: {"model": OAuthErrorOut, "description": "No such presentation request"},
    },
)


@wallet.get(
    "/requests/{request_id}",
    summary="The signed request object (request_uri)",
    response_class=Response,
    responses={200: {"content": {REQUEST_OBJECT_MEDIA_TYPE: {}}}},
)
def request_object(request_id: str, service: Presentations) -> Response:
    jwt = service.request_object(request_id)
    return Response(jwt, media_type=REQUEST_OBJECT_MEDIA_TYPE, headers=_NO_STORE)


@wallet.post("/responses/{request_id}", summary="The wallet's answer (response_mode direct_post)")
async def response(request_id: str, request: Request, service: Presentations) -> JSONResponse:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        raise InvalidRequest("the response must be application/x-www-form-urlencoded")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return JSONResponse(service.respond(request_id, fields), headers=_NO_STORE)


relying_party = APIRouter(
    prefix="/api", tags=["presentations (OpenID4VP)"], responses=ERROR_RESPONSES
)


class PresentationRequestIn(BaseModel):
    dcql_query: dict[str, Any] = Field(description="OpenID4VP 1.0 §6 DCQL query")
    summary: bool = Field(
        default=False, description="Also keep each credential's human-readable summary"
    )
    expires_in: int | None = Field(default=None, gt=0, le=86_400, description="Seconds")


class PresentationRequestOut(BaseModel):
    id: str
    client_id: str
    request_uri: str
    authorization_request: str = Field(description="openid4vp://?client_id=…&request_uri=…")
    haip_authorization_request: str = Field(description="The same link as haip-vp://")
    qr_png: str = Field(description="QR code of authorization_request, PNG as a data: URL")
    qr_svg: str
    expires_at: str


class PresentationStateOut(BaseModel):
    id: str
    status: str = Field(description="created | fetched | answered | expired")
    expires_at: str
    answered_at: str | None
    result: dict[str, Any] | None = Field(
        description="{verified, error, checks, presentations:[{credential_query_id, kind, "
        "holder, verified, checks, credentials:[{format, verified, verdict, checks, claims, "
        "summary?}]}]}"
    )


@relying_party.post(
    "/presentations",
    status_code=status.HTTP_201_CREATED,
    summary="Ask a wallet for a presentation (OpenID4VP request with a DCQL query)",
    responses={400: {"model": OAuthErrorOut, "description": "Not a valid DCQL query"}},
)
def create_request(
    body: PresentationRequestIn, service: Presentations, token: IssuerToken
) -> PresentationRequestOut:
    created = service.create(
        body.dcql_query,
        token_id=token.id,
        with_summary=body.summary,
        expires_in=timedelta(seconds=body.expires_in) if body.expires_in else None,
    )
    png, svg = qr_images(created.link)
    return PresentationRequestOut(
        id=created.id,
        client_id=created.client_id,
        request_uri=created.request_uri,
        authorization_request=created.link,
        haip_authorization_request=created.haip_link,
        qr_png=data_url(png),
        qr_svg=svg,
        expires_at=created.expires_at.isoformat(),
    )


@relying_party.get(
    "/presentations/{request_id}",
    summary="A presentation request's result",
    responses={404: {"model": ErrorOut, "description": "No such presentation request"}},
)
def get_result(request_id: str, service: Presentations, token: IssuerToken) -> PresentationStateOut:
    state = service.state(request_id, token_id=token.id, admin=token.role == Role.ADMIN)
    return PresentationStateOut(
        id=state.id,
        status=state.status,
        expires_at=state.expires_at.isoformat(),
        answered_at=state.answered_at.isoformat() if state.answered_at else None,
        result=state.result,
    )


router = APIRouter()
router.include_router(wallet)
router.include_router(relying_party)
