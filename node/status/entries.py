"""The ``credentialStatus`` entries of a record (Bitstring Status List v1.0 §2.1)."""

from __future__ import annotations

from typing import Any

from node.status.allocation import StatusAssignment


def status_list_url(origin: str, list_id: int) -> str:
    """The stable URL a status list credential is served at (``?version=N`` for history)."""
    return f"{origin}/status/{list_id}"


def status_entries(origin: str, assignment: StatusAssignment) -> list[dict[str, Any]]:
    entries = []
    for purpose, (list_id, index) in (
        ("revocation", assignment.revocation),
        ("suspension", assignment.suspension),
    ):
        url = status_list_url(origin, list_id)
        entries.append(
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                # A base-10 string, as the specification and its test suite require.
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
        )
    return entries
