"""Keyset page cursors: the ``(created_at, id)`` of the last row shown, as an opaque token.

A list ordered newest first — ``(created_at, id)`` descending — continues after the row
the cursor names, so a page costs the same at any depth and a row stored meanwhile never
shifts another into the next page twice (the registry, the learner accounts).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

MAX_ID = 36
_MAX_CURSOR = 200


def encode(created_at: datetime, row_id: str) -> str:
    raw = f"{created_at.astimezone(UTC).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(cursor: str) -> tuple[datetime, str] | None:
    """The cursor's ``(created_at, id)``; None if this node did not give it out."""
    if len(cursor) > _MAX_CURSOR:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("utf-8")
        stamp, row_id = raw.split("|", 1)
        at = datetime.fromisoformat(stamp)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if at.tzinfo is None or not 1 <= len(row_id) <= MAX_ID:
        return None
    return at, row_id
