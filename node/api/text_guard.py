"""Refuse text no database can store, in one place for every request (an app dependency).

PostgreSQL text and JSON cannot hold U+0000, and neither SQLite nor PostgreSQL can store a
lone UTF-16 surrogate (``"\\ud800"``: not encodable as UTF-8). Such characters have no place
in a micro-credential either, so they are refused wherever they come in — path, query,
JSON or form body — before any route sees them: 422 naming where (OAuth endpoints: the
OAuth ``invalid_request``). Uploaded files (multipart) and CSV bodies are not text fields:
the CSV import reads and checks its own bytes (``node.credentials.csv_import``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

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


def _unstorable(text: str) -> bool:
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _element(value: Any, path: str = "") -> str | None:
    """The JSON name (``a.b[0].c``) of the first key or string that cannot be stored."""
    if isinstance(value, str):
        return (path or "body") if _unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if _unstorable(str(key)):
                return name
            found = _element(item, name)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _element(item, f"{path}[{index}]")
            if found:
                return found
    return None


def _field(pairs: list[tuple[str, Any]], default: str) -> str:
    """The first form or query field whose name or text holds a NUL character."""
    for key, value in pairs:
        if "\x00" in key or (isinstance(value, str) and "\x00" in value):
            return key.replace("\x00", "") or default
    return default


def _problem(request: Request) -> Problem | None:
    if "\x00" in request.url.path or _encoded_nul(request.scope.get("raw_path") or b""):
        return Problem("path", _NUL_REASON)
    if _encoded_nul(request.scope.get("query_string") or b""):
        return Problem(_field(request.query_params.multi_items(), "query"), _NUL_REASON)
    return None


async def _body_problem(request: Request) -> Problem | None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "text/csv":
        return None
    if media_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Parsed once (FastAPI may have done so already; Starlette keeps the result): the
        # text fields, decoded. Uploaded files are data, not text.
        form = await request.form()
        pairs = list(form.multi_items())
        if any("\x00" in k or (isinstance(v, str) and "\x00" in v) for k, v in pairs):
            return Problem(_field(pairs, "body"), _NUL_REASON)
        return None
    body = await request.body()  # cached: the route reads the same bytes
    reason = json_text_problem(body) if body else None
    if reason is None:
        return None
    try:  # only for a body already refused: name the element, as validation does
        element = _element(json.loads(body)) or "body"
    except ValueError:
        element = "body"
    return Problem(element, reason)


async def reject_unstorable_text(request: Request) -> None:
    """The app-wide dependency: raise before the route runs."""
    problem = _problem(request) or await _body_problem(request)
    if problem is None:
        return
    path = request.url.path
    if path in _OAUTH_PATHS or path.startswith(_OAUTH_PREFIXES):
        raise InvalidRequest(f"the {problem.element} {problem.reason}")
    raise InvalidInput(f"{problem.element} {problem.reason}", [problem])
