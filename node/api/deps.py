"""FastAPI dependencies (``Annotated`` aliases): the node context, DB sessions, auth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from node.db.models import ApiToken, Role
from node.errors import Unauthorized
from node.lookup.lanes import VerificationLanes
from node.presentations.service import PresentationService
from node.runtime import NodeRuntime
from node.tokens import ApiTokens, authenticate
from node.wallet.service import WalletService


async def _runtime(request: Request) -> NodeRuntime:  # async: no thread hop per request
    runtime: NodeRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[NodeRuntime, Depends(_runtime)]


# The runtime builds what signs, and rebuilds it after a key rotation (reload_identity):
# routes ask for it on every request and never keep one.
async def _wallet(runtime: Runtime) -> WalletService:
    return runtime.wallet()


async def _presentations(runtime: Runtime) -> PresentationService:
    return runtime.presentations()


Wallet = Annotated[WalletService, Depends(_wallet)]
Presentations = Annotated[PresentationService, Depends(_presentations)]


async def _verifications(runtime: Runtime) -> VerificationLanes:
    return runtime.verifications()


Verifications = Annotated[VerificationLanes, Depends(_verifications)]


def _session(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(_session)]


async def _tokens(runtime: Runtime) -> ApiTokens:
    return ApiTokens(runtime.sessions)


Tokens = Annotated[ApiTokens, Depends(_tokens)]

_bearer = HTTPBearer(
    auto_error=False, description="API token from `credreg token create` or `/admin/tokens`"
)


def _require(*roles: Role) -> object:
    allowed = set(roles)

    def dependency(
        session: DbSession,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiToken:
        if credentials is None:
            raise Unauthorized("a bearer token is required (Authorization: Bearer …)")
        token = authenticate(session, credentials.credentials, allowed)
        session.commit()
        return token

    return Depends(dependency)


IssuerToken = Annotated[ApiToken, _require(Role.ISSUER)]
AdminToken = Annotated[ApiToken, _require(Role.ADMIN)]
VcApiToken = Annotated[ApiToken, _require(Role.VC_API)]
