"""The HTTP form of a status list version: body, ETag, Cache-Control, 304 (both issuers)."""

from __future__ import annotations

from typing import Any

from fastapi import Response

from node.api.errors import ErrorOut
from node.status.service import PublishedList

MEDIA_TYPE = "application/vc+ld+json"

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {}}},
    304: {"description": "Not modified (If-None-Match)"},
    404: {"model": ErrorOut, "description": "No such list or version"},
}


def status_list_response(
    published: PublishedList, fixed_version: bool, if_none_match: str | None
) -> Response:
    """``fixed_version``: the client asked for ``?version=N``, which never changes."""
    etag = f'"{published.sha256}"'
    headers = {
        # The ETag is the SHA-256 of the exact bytes: the value anchored in StatusRegistry.
        "ETag": etag,
        "Cache-Control": "public, max-age=31536000, immutable"
        if fixed_version
        else "public, max-age=30",
        "X-Status-List-Version": str(published.version),
    }
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(published.content, media_type=MEDIA_TYPE, headers=headers)
