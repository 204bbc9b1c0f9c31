"""The IETF Token Status List view of the status lists (``statuslist+jwt``) for SD-JWT VCs.

docs/architecture.md "Status": one set of per-record states, several views. Every W3C
Bitstring Status List (one purpose each, see node/status/service.py) also has a Token
Status List at ``{origin}/status/{id}/token`` (also ``/status/{id}`` with ``Accept:
application/statuslist+jwt``; ``?version=N`` for history). Each token is an exact
re-encoding of one published W3C version — the anchored one, or a newer signed one,
exactly as the W3C list is served — never read from the records directly:

- message list → ``bits: 2``: 0x00 VALID, 0x01 INVALID (revoked), 0x02 SUSPENDED — the
  status types of draft-ietf-oauth-status-list §7.1, which the W3C list's 2-bit values
  already are (node/status/entries.py);
- revocation list → ``bits: 1`` (0x01 INVALID); suspension list → ``bits: 2`` (0x02
  SUSPENDED): the two lists SD-JWT VCs issued before the message lists pointed at.

The token names its source in the claim ``w3c_status_list`` ``{uri, version, sha256}``:
the SHA-256 of that version's exact bytes is what StatusRegistry holds on the chain, so a
verifier can fetch ``uri?version=N``, check the hash against the chain and compare bits.

An SD-JWT VC's ``status`` has one reference, ``status_list`` {``idx``, ``uri``}: the
record's entry in its message list's token, which any Token Status List verifier reads
(revoked and suspended alike). SD-JWT VCs issued earlier carry ``status_list`` (the
revocation list's token) and ``suspension_status_list`` (the suspension list's, a member
other verifiers ignore); both forms stay readable. The node's own verifier maps each
reference back to its W3C entry (:func:`w3c_entries`) and checks it like any credential's
status: signature, anchored hash, latest version.

Token Status List encoding (§4.1): entry ``i`` of ``bits`` width sits at bit offset
``i * bits`` counted from the least significant bit of byte 0; ``lst`` is
base64url(ZLIB(bytes)) without padding. W3C lists count from the most significant bit.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from node.status.bitstring import Bitstring
from node.status.entries import MESSAGE_SIZE, StatusAssignment, status_list_url
from vc import jose
from vc.signer import Signer

TYP: Final = "statuslist+jwt"
MEDIA_TYPE: Final = "application/statuslist+jwt"
TTL_SECONDS: Final = 300
TOKEN_SUFFIX: Final = "/token"
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02
# The earlier form's SD-JWT `status` members → the W3C purpose each views.
LEGACY_MEMBERS: Final = {"status_list": "revocation", "suspension_status_list": "suspension"}
WIDTH: Final = {"revocation": 1, "suspension": 2, "message": MESSAGE_SIZE}

# One W3C byte (entry 0 = most significant bit) → its token list bytes (entry 0 = least
# significant bit): 1 byte at 1 bit per entry, 2 bytes at 2 bits per entry.
_ONE_BIT: Final = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
_TWO_BITS: Final = tuple(
    sum(SUSPENDED << (2 * i) for i in range(8) if b >> (7 - i) & 1).to_bytes(2, "little")
    for b in range(256)
)
# One W3C byte of a 2-bit list (entry 0 = its two most significant bits) → the same four
# values from the least significant bits on.
_MESSAGE: Final = bytes(
    sum((b >> (6 - 2 * i) & 0b11) << (2 * i) for i in range(4)) for b in range(256)
)


def token_list_url(w3c_url: str) -> str:
    """The Token Status List of the W3C list served at ``w3c_url``."""
    return w3c_url + TOKEN_SUFFIX


def status_claim(assignment: StatusAssignment, url: Callable[[int], str]) -> dict[str, Any]:
    """An SD-JWT VC's ``status`` claim for a record's status lists (``url``: list id → its
    W3C URL): its message list entry; the earlier two-member form for a record without one
    (none of the institution's, after migration 0012)."""

    def reference(entry: tuple[int, int]) -> dict[str, Any]:
        return {"idx": entry[1], "uri": token_list_url(url(entry[0]))}

    if assignment.message is not None:
        return {"status_list": reference(assignment.message)}
    return {
        "status_list": reference(assignment.revocation),
        "suspension_status_list": reference(assignment.suspension),
    }


def w3c_entries(status: Any) -> list[dict[str, Any]]:
    """The BitstringStatusListEntry objects an SD-JWT VC's ``status`` claim stands for (the
    verifier checks these): the message entry, or in the earlier form (a
    ``suspension_status_list`` member) one entry per purpose. A reference that is no token
    view of a W3C list is kept with its own URI, so the status check reports it as not
    checkable here."""
    if not isinstance(status, Mapping):
        return []
    legacy = "suspension_status_list" in status
    members = LEGACY_MEMBERS if legacy else {"status_list": "message"}
    entries = []
    for member, purpose in members.items():
        reference = status.get(member)
        if not isinstance(reference, Mapping):
            continue
        uri, idx = reference.get("uri"), reference.get("idx")
        if not isinstance(uri, str) or not isinstance(idx, int) or isinstance(idx, bool):
            entries.append({"type": "TokenStatusListEntry", "statusPurpose": purpose})
            continue
        url = uri.removesuffix(TOKEN_SUFFIX)
        entry: dict[str, Any] = {
            "id": f"{url}#{idx}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(idx),
            "statusListCredential": url,
        }
        if purpose == "message":
            entry["statusSize"] = MESSAGE_SIZE
        entries.append(entry)
    return entries


def w3c_bytes(encoded_list: str) -> bytes:
    """The raw bitstring of a W3C ``encodedList`` (validated by :class:`Bitstring`)."""
    text = encoded_list.removeprefix("u")
    raw = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    Bitstring(len(raw) * 8, raw)  # same checks as the W3C reader: a whole, non-empty list
    return raw


def encode_lst(raw: bytes, purpose: str) -> str:
    """``status_list.lst`` of the W3C bitstring ``raw`` of ``purpose`` (module docstring)."""
    if purpose == "message":
        packed = raw.translate(_MESSAGE)
    elif purpose == "revocation":
        packed = raw.translate(_ONE_BIT)
    else:
        packed = b"".join(_TWO_BITS[b] for b in raw)
    compressed = zlib.compress(packed, 9)
    return base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def read_status(lst: str, bits: int, index: int) -> int:
    """The status value of entry ``index`` of a ``status_list`` (tests, tools)."""
    data = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    offset = index * bits
    if offset // 8 >= len(data):
        raise IndexError(f"status index {index} outside the list")
    return data[offset // 8] >> (offset % 8) & ((1 << bits) - 1)


def token_from_version(
    w3c_url: str,
    version: int,
    content: str,
    sha256: str,
    signer: Signer,
    *,
    now: int | None = None,
) -> str:
    """The signed ``statuslist+jwt`` of one published W3C list version (its exact bits)."""
    document = json.loads(content)
    subject = document.get("credentialSubject", {})
    purpose = subject.get("statusPurpose")
    if purpose not in WIDTH:
        raise ValueError(f"no token view for a {purpose!r} list")
    raw = w3c_bytes(str(subject.get("encodedList", "")))
    payload = {
        "sub": token_list_url(w3c_url),
        "iss": document.get("issuer"),
        "iat": int(time.time()) if now is None else now,
        "ttl": TTL_SECONDS,
        "status_list": {"bits": WIDTH[purpose], "lst": encode_lst(raw, purpose)},
        "w3c_status_list": {"uri": w3c_url, "version": version, "sha256": sha256},
    }
    return jose.sign_jws({"typ": TYP}, payload, signer)


class PublishedVersion(Protocol):
    @property
    def version(self) -> int: ...

    @property
    def content(self) -> str: ...

    @property
    def sha256(self) -> str: ...


class ListVersions(Protocol):
    """Where published W3C list versions come from (node.status.service.StatusService)."""

    def version(self, list_id: int, version: int | None = None) -> PublishedVersion: ...


@dataclass(frozen=True)
class TokenList:
    token: str  # the statuslist+jwt
    version: int  # of the W3C list it re-encodes
    sha256: str  # of that W3C version's bytes (anchored)


def token_list(
    lists: ListVersions, origin: str, signer: Signer, list_id: int, version: int | None = None
) -> TokenList:
    """The Token Status List of list ``list_id`` (latest version, or ``version``)."""
    published = lists.version(list_id, version)
    token = token_from_version(
        status_list_url(origin, list_id),
        published.version,
        published.content,
        published.sha256,
        signer,
    )
    return TokenList(token, published.version, published.sha256)
