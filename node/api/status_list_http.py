"""The HTTP form of a status list version: body, ETag, Cache-Control, 304 (both issuers)."""

from __future__ import annotations

from fastapi import Response

from node.status.service import PublishedList

MEDIA_TYPE = "application/vc+ld+json"


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
