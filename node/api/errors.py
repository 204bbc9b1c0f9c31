"""The one place where errors become HTTP responses.

Body shape for every error: ``{"error": code, "message": text, "problems": [{element, reason}]}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from node.errors import NodeError, StorageFull
from node.storage import is_storage_full
from vc.errors import LimitExceeded, VCError
from wallet_bridge.errors import OAuthError

log = logging.getLogger(__name__)


class ProblemOut(BaseModel):
    element: str
    reason: str


class ErrorOut(BaseModel):
    """Every 4xx/5xx body the node sends (but to wallets: :class:`OAuthErrorOut`)."""

    error: str
    message: str
    problems: list[ProblemOut] = []


class OAuthErrorOut(BaseModel):
    """The wallet protocol endpoints' error body (RFC 6749 §5.2, OpenID4VCI 1.0 §8.3.1)."""

    error: str = Field(description="The spec's error code, e.g. invalid_request")
    error_description: str


def _body(code: str, message: str, problems: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "problems": problems or []}


def _element(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(NodeError)
    async def _node_error(_request: Request, exc: NodeError) -> JSONResponse:
        problems = [{"element": p.element, "reason": p.reason} for p in exc.problems]
        return JSONResponse(_body(exc.code, exc.message, problems), status_code=exc.status_code)

    @app.exception_handler(OAuthError)
    async def _oauth_error(_request: Request, exc: OAuthError) -> JSONResponse:
        # Wallet protocol errors keep the OAuth format (RFC 6749 §5.2, OpenID4VCI 1.0 §8.3.1).
        return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers())

    @app.exception_handler(VCError)
    async def _vc_error(_request: Request, exc: VCError) -> JSONResponse:
        if isinstance(exc, LimitExceeded):  # the verifier's work limits: which one, and why
            problems = [{"element": exc.element, "reason": exc.reason}]
            return JSONResponse(_body("limit_exceeded", str(exc), problems), status_code=422)
        return JSONResponse(_body("invalid_credential", str(exc)), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"element": _element(tuple(e.get("loc", ()))), "reason": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        body = _body("invalid_input", "the request does not match the documented shape", problems)
        return JSONResponse(jsonable_encoder(body), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI's answer to a JSON body that is no text: input like any other, 422.
            reason = f"not UTF-8 text: {exc.__cause__.reason} at byte {exc.__cause__.start}"
            problems = [{"element": "body", "reason": reason}]
            body = _body("invalid_input", "the request body is not JSON text", problems)
            return JSONResponse(body, status_code=422)
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "http_error"
        )
        message = str(exc.detail)
        if isinstance(exc.__cause__, RecursionError):  # FastAPI's body parsing gave up
            message = "the request body's JSON is nested far too deeply"
        return JSONResponse(_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if is_storage_full(exc):  # from the database driver, SQLite or the file system
            log.error("a write failed for lack of disk space: %s", exc)
            full = StorageFull(
                "the node's storage is full, the request could not be stored: free disk space "
                "(or grow the volume) and try again (a batch may be re-run: issued keys are "
                "skipped)"
            )
            return JSONResponse(_body(full.code, full.message), status_code=full.status_code)
        # Never a traceback to the client; the log has it (without request bodies).
        log.exception("unexpected error")
        return JSONResponse(_body("internal_error", "unexpected server error"), status_code=500)


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "The request body is larger than the limit"},
    422: {"model": ErrorOut, "description": "Input refused; `problems` names each element"},
    503: {"model": ErrorOut, "description": "Storage full, or the institution not set up yet"},
}
"""What any operation may answer (the app's default): bad input of any kind (NUL characters
are refused everywhere), a full disk."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, unknown, revoked or expired bearer token"},
    403: {"model": ErrorOut, "description": "The token's role does not allow this"},
    **COMMON_RESPONSES,
}

OAUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorOut, "description": "Malformed or refused request (OAuth error)"},
    401: {"model": OAuthErrorOut, "description": "Missing, unknown or expired access token"},
}
"""The wallet protocol endpoints (OpenID4VCI, OpenID4VP): errors in the OAuth format."""
