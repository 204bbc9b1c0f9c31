"""The application factory: nothing is built at import time."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from node import __version__
from node.api import (
    console_http,
    errors,
    routes_admin,
    routes_agreements,
    routes_anchor,
    routes_approvals,
    routes_authorize,
    routes_catalogue,
    routes_console,
    routes_console_catalogue,
    routes_console_learners,
    routes_console_network,
    routes_console_recognition,
    routes_console_records,
    routes_console_stacks,
    routes_console_tokens,
    routes_console_uploads,
    routes_docs,
    routes_institution,
    routes_learner_pages,
    routes_learner_recognition,
    routes_learner_stacks,
    routes_learners,
    routes_lookup,
    routes_network,
    routes_oid4vci,
    routes_oid4vp,
    routes_public,
    routes_recognition,
    routes_stacks,
    routes_status,
    routes_tokens,
    routes_verify,
    routes_web,
)
from node.api.audit_http import AuditTrail
from node.api.text_guard import reject_unstorable_text
from node.keys.keystore import KeyStore
from node.lookup.limits import RateLimiter, RequestLimits
from node.runtime import build_runtime
from node.settings import Settings

# py-evm raises the interpreter's recursion limit to 12,288 when it is imported (EVM call
# depth 1024). That is more than the C stack holds for C-recursive code such as json's
# decoder: a 600 kB request body nested 100,000 levels deep crashed the whole process
# (SIGSEGV) instead of failing with RecursionError. The node's contracts never nest calls
# that deep, so the app keeps a limit the stack holds: deeply nested input is then a clean
# error (400/422), and the verifier's own depth limit (24) refuses it before any work.
RECURSION_LIMIT = 2000


def create_app(
    settings: Settings,
    *,
    keystore_factory: Callable[[], KeyStore] | None = None,
    start_anchoring: bool = False,
) -> FastAPI:
    """Build the app. ``start_anchoring``: run the anchor worker and the mail delivery in
    this process while the app runs (``credreg serve`` does, per settings; tests drive the
    workers themselves)."""
    sys.setrecursionlimit(min(sys.getrecursionlimit(), RECURSION_LIMIT))
    runtime = build_runtime(settings, keystore_factory)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service = runtime.start_anchor_service() if start_anchoring else None
        mail = runtime.start_mail_service() if start_anchoring else None
        uploads = runtime.start_upload_service() if start_anchoring else None
        try:
            yield
        finally:
            if uploads is not None:
                uploads.stop()
            if service is not None:
                service.stop()
            if mail is not None:
                mail.stop()
            runtime.close()

    app = FastAPI(
        lifespan=lifespan,
        title="credreg node",
        version=__version__,
        summary="EU micro-credentials as W3C Verifiable Credentials, anchored on a ledger",
        description="Issue, sign and verify micro-credentials carrying every EU Council "
        "Recommendation element. Admin endpoints need a bearer token "
        "(`credreg token create --role issuer|admin`). Every error body is "
        "`{error, message, problems:[{element, reason}]}`.",
        docs_url=None,  # /docs comes from routes_docs, with its assets (no CDN)
        redoc_url=None,
        dependencies=[Depends(reject_unstorable_text)],  # no NUL or lone surrogate, anywhere
        responses=errors.COMMON_RESPONSES,
    )
    app.state.runtime = runtime  # read only by node/api/deps.py
    runtime.learners()  # reads (or makes) <data_dir>/forms.key now, as the node starts
    errors.install(app)
    console_http.install(app)
    app.include_router(routes_public.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_catalogue.admin)
    app.include_router(routes_catalogue.public)
    app.include_router(routes_agreements.admin)
    app.include_router(routes_agreements.public)
    app.include_router(routes_recognition.router)
    app.include_router(routes_stacks.public)
    app.include_router(routes_stacks.admin)
    app.include_router(routes_approvals.router)
    app.include_router(routes_institution.router)
    app.include_router(routes_verify.router)
    app.include_router(routes_anchor.router)
    app.include_router(routes_oid4vci.router)
    app.include_router(routes_oid4vp.router)
    app.include_router(routes_status.admin)
    app.include_router(routes_status.public)
    app.include_router(routes_lookup.public)
    app.include_router(routes_lookup.admin)
    app.include_router(routes_web.router)
    app.include_router(routes_docs.router)
    app.include_router(routes_learner_pages.router)
    app.include_router(routes_learner_recognition.router)
    app.include_router(routes_learner_stacks.router)
    app.include_router(routes_console.router)
    app.include_router(routes_console_records.router)
    app.include_router(routes_console_tokens.router)
    app.include_router(routes_console_catalogue.router)
    app.include_router(routes_console_uploads.router)
    app.include_router(routes_console_learners.router)
    app.include_router(routes_console_network.router)
    app.include_router(routes_console_recognition.router)
    app.include_router(routes_console_stacks.router)
    app.include_router(routes_authorize.router)
    app.include_router(routes_learners.router)
    app.include_router(routes_tokens.router)
    app.add_middleware(
        RequestLimits,
        limiter=RateLimiter(
            settings.public_rate_limit,
            settings.public_rate_window_seconds,
            counters=runtime.rate_counters(),
            name="public",
        ),
        max_body=settings.public_max_body_bytes,
        admin_max_body=settings.admin_max_body_bytes,
    )
    app.add_middleware(AuditTrail, audit=runtime.audit())
    app.include_router(routes_network.router)
    if settings.vc_api_enabled:
        from node.api import routes_vcapi  # the generic VC API is off unless enabled

        app.include_router(routes_vcapi.router)
    return app
