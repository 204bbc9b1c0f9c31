"""OpenID4VCI 1.0 issuer endpoints (public) and credential offers (admin).

Protocol errors are :class:`wallet_bridge.errors.OAuthError` (``{"error",
"error_description"}``, mapped in :mod:`node.api.errors`); bodies are parsed by hand so a
malformed request gets the spec's error, not the node's validation shape. Nothing here logs
a code, token, nonce or credential.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from node.api.deps import CredentialEndpoint, IssuerToken, Offers, TokenEndpoint, WalletMetadata
from node.api.errors import ERROR_RESPONSES, OAUTH_RESPONSES, ErrorOut
from node.credentials.render import SD_JWT_VCT_PATH
from node.wallet.issuer import LOGO_PATH, Answer, WalletSettings
from node.wallet.offer_page import BY_REFERENCE_PATH
from node.wallet.qr import data_url
from wallet_bridge.errors import InvalidCredentialRequest, InvalidRequest

_NO_STORE = {"Cache-Control": "no-store"}


def _answer(answer: Answer) -> JSONResponse:
    return JSONResponse(answer.body, status_code=answer.status, headers=_NO_STORE)


def _json(content: bytes) -> Response:
    return Response(content, media_type="application/json")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise InvalidCredentialRequest("the body must be JSON") from None


public = APIRouter(
    tags=["wallet (OpenID4VCI)"],
    responses={**OAUTH_RESPONSES, 404: {"model": ErrorOut, "description": "No such offer"}},
)


@public.get("/.well-known/openid-credential-issuer", summary="Credential issuer metadata")
async def credential_issuer_metadata(metadata: WalletMetadata) -> Response:
    return _json(metadata.published("issuer"))


@public.get("/.well-known/oauth-authorization-server", summary="Authorization server metadata")
async def authorization_server_metadata(metadata: WalletMetadata) -> Response:
    return _json(metadata.published("authorization_server"))


@public.get(SD_JWT_VCT_PATH, summary="SD-JWT VC Type Metadata of the micro-credential (vct)")
async def vct_metadata(metadata: WalletMetadata) -> Response:
    return _json(metadata.published("vct"))


@public.get(
    BY_REFERENCE_PATH + "/{code}",
    summary="A credential offer by reference (the credential_offer_uri of OpenID4VCI §4.1.3)",
    description="The Credential Offer object of an open offer, for a wallet that scanned "
    "`openid-credential-offer://?credential_offer_uri=…`. Unknown, used or expired: 404.",
)
async def credential_offer(code: str, offers: Offers) -> JSONResponse:
    return JSONResponse(offers.offer_by_reference(code), headers=_NO_STORE)


@public.post("/token", summary="Token endpoint: pre-authorized code (+ tx_code)")
async def token(request: Request, tokens: TokenEndpoint) -> JSONResponse:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        raise InvalidRequest("the token request must be application/x-www-form-urlencoded")
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return _answer(tokens.token(fields))


# The wallet endpoints run on the event loop, like /token and /credential: their database
# work is short, and on SQLite writers from pool threads would only wait on each other
# (SQLite's busy handler sleeps).
@public.post("/nonce", summary="Nonce endpoint: a fresh c_nonce")
async def nonce(tokens: TokenEndpoint) -> JSONResponse:
    return _answer(tokens.nonce())


@public.post("/credential", summary="Credential endpoint (proofs.jwt[] or draft-15 proof)")
async def credential(request: Request, credentials: CredentialEndpoint) -> JSONResponse:
    access_token = _bearer(request)
    body = await _json_body(request)
    return _answer(credentials.credential(access_token, body))


@public.post("/deferred_credential", summary="Deferred credential endpoint")
async def deferred_credential(request: Request, credentials: CredentialEndpoint) -> JSONResponse:
    access_token = _bearer(request)
    body = await _json_body(request)
    return _answer(credentials.deferred_credential(access_token, body))


_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
    '<rect width="64" height="64" rx="12" fill="#003399"/>'
    '<path d="M16 34l10 10 22-24" stroke="#FFCC00" stroke-width="6" fill="none"/></svg>'
)


@public.get(LOGO_PATH, summary="The logo named in the issuer metadata", include_in_schema=False)
def logo() -> Response:
    return Response(_LOGO, media_type="image/svg+xml")


admin = APIRouter(prefix="/admin", tags=["wallet (OpenID4VCI)"], responses=ERROR_RESPONSES)


class OfferIn(BaseModel):
    configuration_ids: list[str] | None = Field(
        default=None, description="Credential configurations offered; default: all"
    )
    email: str | None = Field(default=None, max_length=320, description="Learner's address")
    tx_code: bool = Field(default=True, description="Protect the offer with a numeric PIN")
    lang: Literal["en", "de", "es", "fi"] = Field(
        default="en", description="Language of the mail to the learner"
    )
    expires_in: int | None = Field(
        default=None,
        gt=0,
        le=int(WalletSettings.max_offer_ttl.total_seconds()),
        description="Lifetime in seconds",
    )


class OfferOut(BaseModel):
    offer_id: str
    record_id: str
    credential_offer_uri: str = Field(description="openid-credential-offer://… (by value)")
    credential_offer_by_reference: str = Field(
        description="openid-credential-offer://?credential_offer_uri=… (OpenID4VCI §4.1.3): "
        "the same offer, fetched by the wallet; what the QR codes hold"
    )
    offer_page_url: str = Field(
        description="The offer page (QR code and wallet link) the learner's mail points to"
    )
    tx_code: str | None = Field(
        description="The PIN, shown once and never mailed: hand it to the learner yourself "
        "(a learner with an account can also get a fresh offer and PIN in the portal)"
    )
    expires_at: str
    deferred: bool = Field(description="The record awaits approval: the wallet will wait")
    qr_png: str = Field(
        description="QR code of the by-reference offer, PNG (8 px per module, quiet zone) "
        "as a data: URL"
    )
    qr_svg: str = Field(description="The same QR code as SVG (with a viewBox: it scales)")
    outbox_id: int | None = Field(
        description="The mail to the learner (sealed in the outbox), when an e-mail was given"
    )


@admin.post(
    "/credentials/{record_id}/offers",
    status_code=status.HTTP_201_CREATED,
    summary="Offer a record to the learner's wallet (OpenID4VCI pre-authorized code)",
    responses={404: {"model": ErrorOut, "description": "No such record"}},
)
def create_offer(record_id: str, body: OfferIn, token: IssuerToken, offers: Offers) -> OfferOut:
    created = offers.create_offer(
        record_id,
        body.configuration_ids,
        email=body.email,
        with_tx_code=body.tx_code,
        expires_in=timedelta(seconds=body.expires_in) if body.expires_in else None,
        token_id=token.id,
        lang=body.lang,
    )
    return OfferOut(
        offer_id=created.offer_id,
        record_id=created.record_id,
        credential_offer_uri=created.uri,
        credential_offer_by_reference=created.by_reference,
        offer_page_url=created.page_url,
        tx_code=created.tx_code,
        expires_at=created.expires_at.isoformat(),
        deferred=created.deferred,
        qr_png=data_url(created.qr_png),
        qr_svg=created.qr_svg,
        outbox_id=created.outbox_id,
    )


router = APIRouter()
router.include_router(public)
router.include_router(admin)
