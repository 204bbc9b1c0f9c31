"""The ``credentialStatus`` entries of a record (Bitstring Status List v1.0 §2.1).

VCDM 2.0 credentials carry one entry per purpose (a set of entries is allowed there):
``revocation`` and ``suspension``, 1 bit each. A VCDM 1.1 credential (``jwt_vc_json``) has
exactly one ``credentialStatus`` object, so it carries the record's entry of purpose
``message``: 2 bits (``statusSize``) whose ``statusMessage`` names every value — 0x0 valid,
0x1 revoked, 0x2 suspended (the status types of the IETF Token Status List, which the
SD-JWT VC of the same record reads from the same list), 0x3 undefined. A verifier that
follows §3.2 (Validate) fails the credential for any value but 0 and reports its message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class StatusAssignment:
    """Where one record's bits live: (list id, index) for each purpose; ``message`` is the
    2-bit entry of both states (None for the VC API issuer, whose credentials are VCDM 2.0
    with one entry per purpose)."""

    revocation: tuple[int, int]
    suspension: tuple[int, int]
    message: tuple[int, int] | None = None


MESSAGE_SIZE: Final = 2  # bits per entry of a message list
VALID_VALUE, REVOKED_VALUE, SUSPENDED_VALUE = 0x0, 0x1, 0x2
# status value → message (Bitstring Status List §2.1 statusMessage), as the entries say.
MESSAGES: Final = {
    VALID_VALUE: "valid",
    REVOKED_VALUE: "revoked",
    SUSPENDED_VALUE: "suspended",
    0x3: "undefined",
}
# The status values are the IETF Token Status List's (§7.1 there): what statusReference names.
MESSAGE_REFERENCE: Final = "https://datatracker.ietf.org/doc/draft-ietf-oauth-status-list/"
# Defines statusSize and statusMessage on a BitstringStatusList (the Recommendation requires
# both on a message list, but its own context defines them on the entry only).
MESSAGE_LIST_CONTEXT: Final = "https://w3id.org/credreg/contexts/status-message/v1"


def status_list_url(origin: str, list_id: int) -> str:
    """The stable URL a status list credential is served at (``?version=N`` for history)."""
    return f"{origin}/status/{list_id}"


def status_messages() -> list[dict[str, str]]:
    """``statusMessage``: every value of a 2-bit entry with its message."""
    return [{"status": f"0x{value:x}", "message": text} for value, text in MESSAGES.items()]


def _entry(origin: str, purpose: str, list_id: int, index: int) -> dict[str, Any]:
    url = status_list_url(origin, list_id)
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        # A base-10 string, as the specification and its test suite require.
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def status_entries(origin: str, assignment: StatusAssignment) -> list[dict[str, Any]]:
    """The VCDM 2.0 entries: one per purpose."""
    return [
        _entry(origin, "revocation", *assignment.revocation),
        _entry(origin, "suspension", *assignment.suspension),
    ]


def message_entry(origin: str, list_id: int, index: int) -> dict[str, Any]:
    """The single 2-bit entry of both states (module docstring)."""
    return {
        **_entry(origin, "message", list_id, index),
        "statusSize": MESSAGE_SIZE,
        "statusMessage": status_messages(),
        "statusReference": MESSAGE_REFERENCE,
    }


def vcdm11_status(origin: str, assignment: StatusAssignment) -> dict[str, Any]:
    """The one ``credentialStatus`` of a VCDM 1.1 credential: the message entry (a record
    without one — none of the institution's after migration 0012 — keeps revocation)."""
    if assignment.message is None:
        return _entry(origin, "revocation", *assignment.revocation)
    return message_entry(origin, *assignment.message)
