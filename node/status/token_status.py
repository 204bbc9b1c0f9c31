"""The IETF Token Status List view of the status lists (``statuslist+jwt``) for SD-JWT VCs.

DESIGN.md "Status": one set of per-record bits, two views. Every W3C Bitstring Status List
(one purpose each, see node/status/service.py) also has a Token Status List at
``{origin}/status/{id}/token`` (also ``/status/{id}`` with ``Accept:
application/statuslist+jwt``; ``?version=N`` for history). Each token is an exact
re-encoding of one published W3C version — the anchored one, or a newer signed one,
exactly as the W3C list is served — never read from the records directly:

- revocation list → ``bits: 1``: 0x00 VALID, 0x01 INVALID (revoked);
- suspension list → ``bits: 2``: 0x00 VALID, 0x02 SUSPENDED (Token Status List §7.1).

The token names its source in the claim ``w3c_status_list`` ``{uri, version, sha256}``:
the SHA-256 of that version's exact bytes is what StatusRegistry holds on the chain, so a
verifier can fetch ``uri?version=N``, check the hash against the chain and compare bits.

An SD-JWT VC's ``status`` carries one reference per purpose: ``status_list`` (the
revocation list; the standard mechanism any wallet or verifier reads) and
``suspension_status_list`` (the suspension list, same structure; a member of this network's
credentials, ignored by verifiers that do not know it). The node's own verifier maps both
back to the W3C entries (:func:`w3c_entries`) and checks them like any credential's status:
signature, anchored hash, latest version.

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from node.status.bitstring import Bitstring
from node.status.entries import status_list_url
from node.vc import jose
from node.vc.signer import Signer

TYP: Final = "statuslist+jwt"
MEDIA_TYPE: Final = "application/statuslist+jwt"
TTL_SECONDS: Final = 300
TOKEN_SUFFIX: Final = "/token"
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02
# SD-JWT `status` member → the W3C purpose it views, and the token list's width.
MEMBERS: Final = {"status_list": "revocation", "suspension_status_list": "suspension"}
WIDTH: Final = {"revocation": 1, "suspension": 2}
_SET_VALUE: Final = {"revocation": INVALID, "suspension": SUSPENDED}

# One W3C byte (entry 0 = most significant bit) → its token list bytes (entry 0 = least
# significant bit): 1 byte at 1 bit per entry, 2 bytes at 2 bits per entry.
_ONE_BIT: Final = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))
_TWO_BITS: Final = tuple(
    sum(SUSPENDED << (2 * i) for i in range(8) if b >> (7 - i) & 1).to_bytes(2, "little")
    for b in range(256)
)


def token_list_url(w3c_url: str) -> str:
    """The Token Status List of the W3C list served at ``w3c_url``."""
    return w3c_url + TOKEN_SUFFIX


def status_claim(revocation: tuple[str, int], suspension: tuple[str, int]) -> dict[str, Any]:
    """An SD-JWT VC's ``status`` claim from the record's (W3C list URL, index) per purpose."""
    return {
        "status_list": {"idx": revocation[1], "uri": token_list_url(revocation[0])},
        "suspension_status_list": {"idx": suspension[1], "uri": token_list_url(suspension[0])},
    }


def w3c_entries(status: Any) -> list[dict[str, Any]]:
    """The BitstringStatusListEntry objects an SD-JWT VC's ``status`` claim stands for (the
    verifier checks these); a reference that is no token view of a W3C list is kept with
    its own URI, so the status check reports it as not checkable here."""
    if not isinstance(status, Mapping):
        return []
    entries = []
    for member, purpose in MEMBERS.items():
        reference = status.get(member)
        if not isinstance(reference, Mapping):
            continue
        uri, idx = reference.get("uri"), reference.get("idx")
        if not isinstance(uri, str) or not isinstance(idx, int) or isinstance(idx, bool):
            entries.append({"type": "TokenStatusListEntry", "statusPurpose": purpose})
            continue
        url = uri.removesuffix(TOKEN_SUFFIX)
        entries.append(
            {
                "id": f"{url}#{idx}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(idx),
                "statusListCredential": url,
            }
        )
    return entries


def w3c_bytes(encoded_list: str) -> bytes:
    """The raw bitstring of a W3C ``encodedList`` (validated by :class:`Bitstring`)."""
    text = encoded_list.removeprefix("u")
    raw = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    Bitstring(len(raw) * 8, raw)  # same checks as the W3C reader: a whole, non-empty list
    return raw


def encode_lst(raw: bytes, purpose: str) -> str:
    """``status_list.lst`` of the W3C bitstring ``raw`` of ``purpose`` (module docstring)."""
    one_bit = WIDTH[purpose] == 1
    packed = raw.translate(_ONE_BIT) if one_bit else b"".join(_TWO_BITS[b] for b in raw)
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


def set_value(purpose: str) -> int:
    """The value a set W3C bit of ``purpose`` has in the token view."""
    return _SET_VALUE[purpose]


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
