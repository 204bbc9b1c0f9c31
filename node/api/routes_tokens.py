"""API tokens, the admin API (admin role): list, create with an expiry, revoke.

HTTP only: the service is node/tokens.py (``ApiTokens``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field

from node.api.deps import AdminToken, Tokens
from node.api.errors import ERROR_RESPONSES, ErrorOut
from node.db.models import Role
from node.tokens import MAX_LIFETIME, MIN_LIFETIME, TokenInfo, lifetime

router = APIRouter(prefix="/admin/tokens", tags=["API tokens"], responses=ERROR_RESPONSES)


class TokenIn(BaseModel):
    role: Role = Field(description="issuer, admin or vcapi")
    name: str = Field(max_length=100, description="What the token is for")
    expires_in: int | None = Field(
        default=None,
        ge=int(MIN_LIFETIME.total_seconds()),
        le=int(MAX_LIFETIME.total_seconds()),
        description="Lifetime in seconds (at most 10 years); none: until revoked",
    )
    staff: str | None = Field(
        default=None,
        max_length=100,
        description="The staff account (user name) the token acts for; approvals need one",
    )


class TokenOut(BaseModel):
    """A token as listed: never its secret."""

    id: int
    name: str
    role: str
    state: str = Field(description="active, expired or revoked")
    created_at: datetime
    last_used_at: datetime | None = Field(description="To the minute; none: never used")
    expires_at: datetime | None = Field(description="None: until revoked")
    revoked_at: datetime | None
    staff_account_id: int | None = Field(
        default=None, description="The staff account it acts for; none: a named service"
    )


class CreatedTokenOut(TokenOut):
    token: str = Field(description="The bearer token: shown only in this answer")


def _out(info: TokenInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "role": info.role,
        "state": info.state(datetime.now(UTC)),
        "created_at": info.created_at,
        "last_used_at": info.last_used_at,
        "expires_at": info.expires_at,
        "revoked_at": info.revoked_at,
        "staff_account_id": info.staff_account_id,
    }


TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such token"}
}


@router.get("", summary="The API tokens (never their secrets)")
def list_tokens(tokens: Tokens, _token: AdminToken) -> list[TokenOut]:
    return [TokenOut(**_out(info)) for info in tokens.all()]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create an API token")
def create_token(body: TokenIn, tokens: Tokens, _token: AdminToken) -> CreatedTokenOut:
    expires_in = lifetime(body.expires_in) if body.expires_in is not None else None
    created = tokens.create(body.role, body.name, expires_in, staff_username=body.staff)
    return CreatedTokenOut(**_out(created.info), token=created.token)


@router.post("/{token_id}/revoke", summary="Revoke an API token (at once)", responses=_NOT_FOUND)
def revoke_token(token_id: TokenId, tokens: Tokens, _token: AdminToken) -> TokenOut:
    return TokenOut(**_out(tokens.revoke(token_id)))
