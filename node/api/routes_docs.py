"""The API documentation page ``/docs`` (Swagger UI), its assets served by the node from the
pinned ``fastapi-offline`` package: no CDN, so it works offline and loads nothing from outside.
(No ``/redoc``: ReDoc shows its vendor's logo from that vendor's CDN.)"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from node.errors import NotFound
from node.web.templating import render

router = APIRouter(include_in_schema=False)

_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@cache
def _asset(name: str) -> bytes:
    return resources.files("fastapi_offline").joinpath("static", name).read_bytes()


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    page = render("en", "api_docs.html", title=f"{request.app.title} — API")
    return HTMLResponse(page, headers=_HEADERS)


@router.get("/docs/init.js")
def swagger_ui_init(request: Request) -> Response:
    """Swagger UI's start (a file, not an inline script: the page's CSP allows 'self' only);
    no online validator badge (it would call out to validator.swagger.io); no deep links
    (a link nested in each operation's button: axe "nested-interactive", serious)."""
    options = {
        "url": request.app.openapi_url,
        "dom_id": "#swagger-ui",
        "layout": "BaseLayout",
        "deepLinking": False,  # its links inside the operations' buttons fail axe
        "showExtensions": True,
        "showCommonExtensions": True,
        "validatorUrl": None,
    }
    script = (
        f"const options = {json.dumps(options)};\n"
        "options.presets = "
        "[SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];\n"
        "window.ui = SwaggerUIBundle(options);\n"
    )
    return Response(script, media_type="text/javascript", headers=_HEADERS)


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    media_type = _TYPES.get(name)
    if media_type is None:
        raise NotFound(f"no documentation asset {name}")
    return Response(
        _asset(name),
        media_type=media_type,
        headers={**_HEADERS, "Cache-Control": "public, max-age=86400"},
    )
