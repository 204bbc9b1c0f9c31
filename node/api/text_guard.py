"""Refuse text no database can store, in one place for every request (an app dependency).

PostgreSQL text and JSON cannot hold U+0000, and neither SQLite nor PostgreSQL can store a
lone UTF-16 surrogate (``"\\ud800"``: not encodable as UTF-8). Such characters have no place
in a micro-credential either, so they are refused wherever they come in — path, query,
JSON or form body — before any route sees them: 422 naming where (OAuth endpoints: the
OAuth ``invalid_request``). Uploaded files (multipart) and CSV bodies are not text fields:
the CSV import reads and checks its own bytes (``node.credentials.csv_import``).
"""

from __future__ import annotations

import re
from typing import Final

from fastapi import Request

from node.errors import InvalidInput, Problem
from wallet_bridge.errors import InvalidRequest

# Endpoints that answer in the OAuth error format (wallet protocol, wallet_bridge.errors).
_OAUTH_PATHS: Final = frozenset({"/token", "/credential", "/deferred_credential", "/nonce"})
_OAUTH_PREFIXES: Final = ("/oid4vp/",)

_NUL_REASON: Final = "contains a NUL character (U+0000), which cannot be stored"
_SURROGATE_REASON: Final = "contains a lone UTF-16 surrogate, which is not a character"

# A run of backslashes before "uXXXX": an escape only when the run's length is odd.
_ESCAPE: Final = re.compile(rb"(\\+)u([0-9a-fA-F]{4})")


def json_text_problem(body: bytes) -> str | None:
    """Why a JSON text holds a string no database stores (``\\u0000``, a lone surrogate
    escape), or None. Exact on the bytes, without parsing: JSON has no other spelling."""
    if b"\x00" in body:
        return _NUL_REASON
    if b"\\u" not in body:
        return None
    low_expected_at: int | None = None  # where the low half of a surrogate pair must be
    for match in _ESCAPE.finditer(body):
        if len(match.group(1)) % 2 == 0:
            continue  # an escaped backslash followed by a plain "u"
        start, code = match.end() - 6, int(match.group(2), 16)
        if low_expected_at is not None:
            if start != low_expected_at or not 0xDC00 <= code <= 0xDFFF:
                return _SURROGATE_REASON
            low_expected_at = None
        elif code == 0:
            return _NUL_REASON
        elif 0xD800 <= code <= 0xDBFF:
            low_expected_at = match.end()
        elif 0xDC00 <= code <= 0xDFFF:
            return _SURROGATE_REASON
    return _SURROGATE_REASON if low_expected_at is not None else None


def _encoded_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


def _problem(request: Request) -> Problem | None:
    if "\x00" in request.url.path or _encoded_nul(request.scope.get("raw_path") or b""):
        return Problem("path", _NUL_REASON)
    if _encoded_nul(request.scope.get("query_string") or b""):
        return Problem("query", _NUL_REASON)
    return None


async def _body_problem(request: Request) -> Problem | None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "text/csv":
        return None
    if media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Parsed once (FastAPI may have done so already; Starlette keeps the result): the
        # text fields, decoded. Uploaded files are data, not text.
        form = await request.form()
        for key, value in form.multi_items():
            if "\x00" in key or (isinstance(value, str) and "\x00" in value):
                return Problem("body", _NUL_REASON)
        return None
    body = await request.body()  # cached: the route reads the same bytes
    reason = json_text_problem(body) if body else None
    return Problem("body", reason) if reason else None


async def reject_unstorable_text(request: Request) -> None:
    """The app-wide dependency: raise before the route runs."""
    problem = _problem(request) or await _body_problem(request)
    if problem is None:
        return
    path = request.url.path
    if path in _OAUTH_PATHS or path.startswith(_OAUTH_PREFIXES):
        raise InvalidRequest(f"the {problem.element} {problem.reason}")
    raise InvalidInput(f"the request's {problem.element} {problem.reason}", [problem])
