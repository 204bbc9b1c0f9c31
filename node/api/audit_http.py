"""Every staff and API action into the audit trail (node/audit/log.py), as an ASGI
middleware: a request with an authenticated actor (an API token, a console session), and
every state-changing request under /admin or /console (failed sign-ins included), becomes
one entry — who, which endpoint (the route's template), its subject (the path's ids), the
answer's status — committed before the answer's status line is sent: a client that saw an
outcome finds it in the trail. (The action's own transaction commits before that: a process
that dies between the two leaves the action unaudited, but its client saw no answer.)
Bodies are never logged: they carry passwords and personal data; what changed is in the
record's own history.

The actor is put into the request's state by the authentication dependencies
(``node.api.deps``, ``node.api.console_http``) with :func:`set_actor`.
"""

from __future__ import annotations

import logging
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from node.audit.log import AuditLog

log = logging.getLogger(__name__)
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}
_STAFF_PATHS = ("/admin", "/console")
_ACTOR = "audit_actor"


def set_actor(request: Request, actor: str) -> None:
    request.state.audit_actor = actor


class AuditTrail:
    def __init__(self, app: ASGIApp, audit: AuditLog) -> None:
        self._app = app
        self._audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        recorded = False

        async def sending(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start":
                # before the client learns the outcome: an answer it saw is in the trail
                recorded = True
                await self._record(scope, message["status"])
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            if not recorded:  # no answer began: the app failed first (a 500 outside)
                await self._record(scope, 500)

    async def _record(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.get("state") or {}
        actor = state.get(_ACTOR)
        method, path = scope["method"], scope["path"]
        staff_write = method in _WRITES and path.startswith(_STAFF_PATHS)
        if actor is None and not staff_write:
            return
        route = scope.get("route")
        template = getattr(route, "path", None) or path
        params = {k: str(v)[:100] for k, v in (scope.get("path_params") or {}).items()}
        subject = ",".join(params.values())
        try:
            await to_thread.run_sync(
                lambda: self._audit.append(
                    str(actor or "anonymous"),
                    f"{method} {template}",
                    subject,
                    str(status),
                    {"path_params": params} if params else {},
                )
            )
        except Exception:  # the answer is sent: never fail it; the operator sees the log
            log.exception("could not append to the audit trail: %s %s", method, path)
