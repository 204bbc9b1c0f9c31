"""The status check of the verifier: is a credential revoked or suspended — now, or at a date?

A list version counts when its signature verifies with the issuer's key from the chain and
the SHA-256 of its exact bytes is the version StatusRegistry holds for that list, published
by the issuing member. A list whose bytes do not match the anchored hash is reported as
tampered. Lists of other members come from a mirror (``foreign``: node.network.mirror),
hash-checked against the chain the same way; without one they "cannot be checked".
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import StatusListVersion
from node.ledger.connection import Ledger
from node.ledger.status_anchor import chain_list_id
from node.status.bitstring import Bitstring
from node.status.entries import REVOKED_VALUE, SUSPENDED_VALUE
from node.trust import TrustUnavailable
from vc import data_integrity
from vc.signer import VerificationKey

_LATEST_SECONDS = 5.0


NO_STATUS = "the credential has no credentialStatus"
_NO_ANCHORED_VERSION = "the list has no anchored version yet"
_NOT_PUBLISHED = "the list is not published yet"
_AWAITING_ANCHOR = frozenset({_NO_ANCHORED_VERSION, _NOT_PUBLISHED})
_MAX_SIZE = 8  # bits per entry (statusSize) read here
_LIST_NAME = {"message": "status"}  # how a list of each purpose is named in the details


def _state(purpose: Any, values: Sequence[int], entry: Mapping[str, Any]) -> str:
    """What the (non-zero) values of the versions read say, the gravest first: a revocation
    counts before it is anchored, and outranks a suspension."""
    if purpose == "revocation":
        return "revoked"
    if purpose == "suspension":
        return "suspended"
    if purpose == "message":
        if REVOKED_VALUE in values:
            return "revoked"
        if SUSPENDED_VALUE in values:
            return "suspended"
    value = next(v for v in values if v)
    named = {
        m.get("status"): m.get("message")
        for m in entry.get("statusMessage") or ()
        if isinstance(m, Mapping)
    }
    message = named.get(f"0x{value:x}")
    return f"status 0x{value:x}" + (f" ({message})" if isinstance(message, str) else "")


class _Tampered(Exception):
    pass


@dataclass(frozen=True)
class _Version:
    number: int
    content: str
    anchored: bool
    sha256: bytes  # of the exact bytes: what the chain holds for an anchored version


def _version(number: int, content: str, anchored: bool) -> _Version:
    return _Version(number, content, anchored, hashlib.sha256(content.encode("utf-8")).digest())


_TABLE = StatusListVersion.__table__
_NEWEST = (
    select(func.max(_TABLE.c.version))
    .where(_TABLE.c.list_id == bindparam("list_id"))
    .scalar_subquery()
)
# One statement per entry (the hot path of every verification): the given version (the
# latest anchored one, or the one in force at a date) and the newest version of the list.
_READ = select(_TABLE.c.version, _TABLE.c.content).where(
    _TABLE.c.list_id == bindparam("list_id"),
    or_(_TABLE.c.version == bindparam("number"), _TABLE.c.version == _NEWEST),
)


def engine_of(sessions: sessionmaker[Session]) -> Engine:
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the session factory must be bound to an engine")
    return bind


class StatusChecker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: Ledger,
        origin: str,
        key: Callable[[str, int | None], VerificationKey],
        member_of_did: Callable[[str], int],
        foreign: Callable[[str, str, int], str | None] | None = None,
    ) -> None:
        self._foreign = foreign  # (list URL, issuer DID, version) → its bytes, if mirrored
        self._engine = engine_of(sessions)
        self._ledger = ledger
        self._prefix = f"{origin}/status/"
        self._key = key
        self._member_of_did = member_of_did
        self._owners: dict[bytes, int] = {}
        self._latest: dict[bytes, tuple[float, int]] = {}
        self._hashes: dict[tuple[bytes, int], bytes] = {}
        self._lists: dict[tuple[bytes, Any, str | None], Bitstring | str] = {}

    def check(
        self, entries: Sequence[Mapping[str, Any]], issuer: str | None, at: int | None
    ) -> tuple[bool | None, str, bool]:
        """(ok, detail, pending). ``ok`` None: an entry could not be read; ``pending``: the
        answer rests on list versions no anchor confirms yet (a list just published)."""
        if not entries:
            return None, NO_STATUS, False
        findings: list[str] = []
        unknown: list[tuple[str, bool]] = []
        pending = False
        for entry in entries:
            verdict, detail, waiting = self._entry(entry, issuer, at)
            if verdict is False:
                return False, detail, False
            if verdict is None:
                unknown.append((detail, waiting))
            else:
                findings.append(detail)
                pending = pending or waiting
        if unknown:
            # pending only when every entry that could not be read waits for its anchor
            details = "; ".join(detail for detail, _ in unknown)
            return None, details, all(waiting for _, waiting in unknown)
        when = "now" if at is None else "at that date"
        return True, f"neither revoked nor suspended {when} ({'; '.join(findings)})", pending

    def _entry(
        self, entry: Mapping[str, Any], issuer: str | None, at: int | None
    ) -> tuple[bool | None, str, bool]:
        """(ok, detail, pending) of one status entry."""
        purpose = entry.get("statusPurpose")
        if not isinstance(purpose, str):
            return False, "a credentialStatus entry has no statusPurpose", False
        url = entry.get("statusListCredential")
        raw_index = entry.get("statusListIndex")
        size = entry.get("statusSize", 1)
        if not isinstance(url, str) or not isinstance(raw_index, str) or not raw_index.isdigit():
            return False, "malformed credentialStatus entry", False
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= _MAX_SIZE:
            return False, f"malformed credentialStatus entry: statusSize {size!r}", False
        index = int(raw_index)
        key = chain_list_id(url)
        own = url.startswith(self._prefix) and url[len(self._prefix) :].isdigit()
        if not own and self._foreign is None:
            return None, f"the {purpose} list of another node cannot be checked here yet", False
        owner = self._owner(key)
        if not own and owner == 0:
            return None, f"the {purpose} list has no anchored version yet", True
        if issuer is None or owner not in (0, self._member_of_did(issuer)):
            return False, f"the {purpose} list is anchored by another member than the issuer", False
        try:
            if own:
                versions = self._versions(int(url[len(self._prefix) :]), key, at)
            else:
                versions = self._foreign_versions(url, issuer, key, at)
        except _Tampered as exc:
            return False, str(exc), False
        if isinstance(versions, str):
            # a list that no anchor confirms yet: published with the next round of anchoring
            return (
                None,
                f"{versions} ({_LIST_NAME.get(purpose, purpose)} list)",
                versions in _AWAITING_ANCHOR,
            )
        states = []
        for version in versions:
            value = self._value(version, purpose, index, size, issuer, at)
            if isinstance(value, str):
                return False, value, False
            states.append(value)
        return self._reading(purpose, entry, versions, states)

    @staticmethod
    def _reading(
        purpose: str, entry: Mapping[str, Any], versions: list[_Version], states: list[int]
    ) -> tuple[bool | None, str, bool]:
        """What the versions read say: the latest anchored one, and a newer one signed but
        not anchored yet (at most one of each, in that order)."""
        name = _LIST_NAME.get(purpose, purpose)

        def verb(value: int) -> str:
            return _state(purpose, [value], entry)

        anchored = [(v, s) for v, s in zip(versions, states, strict=True) if v.anchored]
        newer = [(v, s) for v, s in zip(versions, states, strict=True) if not v.anchored]
        if newer and newer[0][1]:  # a newer version sets the bits: it counts at once
            version, value = newer[0]
            return False, f"{verb(value)} ({name} list v{version.number}, not yet anchored)", False
        if anchored and anchored[0][1]:
            version, value = anchored[0]
            if newer:  # the anchored version sets them, a newer one clears them
                return (
                    False,
                    f"{verb(value)} ({name} list v{version.number}); reinstated in "
                    f"v{newer[0][0].number}, not yet anchored",
                    False,
                )
            return False, f"{verb(value)} ({name} list v{version.number})", False
        if anchored:
            return True, f"{name} list v{anchored[0][0].number}", False
        # only a version no anchor confirms yet: read, and pending
        return True, f"{name} list v{newer[0][0].number}, not yet anchored", True

    def _foreign_versions(
        self, url: str, issuer: str, key: bytes, at: int | None
    ) -> list[_Version] | str:
        """Another member's list: the anchored version (latest, or in force at ``at``) from
        a mirrored copy (node.network.mirror) whose bytes must hash to the chain's value."""
        assert self._foreign is not None
        if at is not None:
            found = self._ledger.statuses.version_at(key, at)
            if found is None:
                return "no version of the list was anchored before that date"
            number = found[0]
        else:
            number = self._latest_anchored(key)
            if number == 0:
                return _NO_ANCHORED_VERSION
        try:
            content = self._foreign(url, issuer, number)
        except TrustUnavailable as exc:  # e.g. a URL off the issuer's endpoint: not fetched
            return f"cannot be checked now: {exc}"  # this entry only; the others are read
        if content is None:
            return f"no copy of version {number} of the list (its node is unreachable)"
        return [self._checked(key, number, content)]

    def _versions(self, list_id: int, key: bytes, at: int | None) -> list[_Version] | str:
        """The versions to read: at a date, the anchored one in force; now, the latest
        anchored one and any newer signed one (a revocation counts before it is anchored).

        The bytes are read from the database on every check (one statement), so a store
        changed after an earlier check is still caught by the hash comparison."""
        if at is not None:
            found = self._ledger.statuses.version_at(key, at)
            if found is None:
                return "no version of the list was anchored before that date"
            number = found[0]
            rows = self._read(list_id, number)
            if number not in rows:
                return f"version {number} of the list is not available"
            return [self._checked(key, number, rows[number])]
        anchored = self._latest_anchored(key)
        rows = self._read(list_id, anchored)
        if rows and max(rows) > anchored:
            # a newer version than the anchored one known: it may have been anchored since
            fresh = self._latest_anchored(key, fresh=True)
            if fresh != anchored:
                anchored, rows = fresh, self._read(list_id, fresh)
        if not rows:
            return _NOT_PUBLISHED
        chosen = [self._checked(key, anchored, rows[anchored])] if anchored in rows else []
        latest = max(rows)
        if latest > anchored:
            chosen.append(_version(latest, rows[latest], anchored=False))
        if not chosen:
            return f"version {anchored} of the list is not available"
        return chosen

    def _read(self, list_id: int, number: int) -> dict[int, str]:
        """Version ``number`` and the newest version of a list: {version: content}."""
        with self._engine.connect() as connection:
            result = connection.execute(_READ, {"list_id": list_id, "number": number})
            return {version: content for version, content in result}

    # -- chain facts, cached: a version's hash never changes, an owner neither; only the
    # latest anchored version moves (briefly cached; newer versions are read from the DB).

    def _owner(self, key: bytes) -> int:
        owner = self._owners.get(key)
        if owner is None:
            owner = self._ledger.statuses.owner_of(key)
            if owner:
                self._owners[key] = owner
        return owner

    def _latest_anchored(self, key: bytes, *, fresh: bool = False) -> int:
        now = time.monotonic()
        hit = self._latest.get(key)
        if hit is not None and now - hit[0] < _LATEST_SECONDS and not fresh:
            return hit[1]
        latest = self._ledger.statuses.latest_version(key)
        if latest:  # none yet: asked again next time, so a first anchor counts at once
            self._latest[key] = (now, latest)
        return latest

    def _anchored_hash(self, key: bytes, number: int) -> bytes:
        digest = self._hashes.get((key, number))
        if digest is None:
            digest = self._ledger.statuses.version(key, number)[0]
            self._hashes[(key, number)] = digest
        return digest

    def _checked(self, key: bytes, number: int, content: str) -> _Version:
        """An anchored version whose bytes must hash to what the chain holds."""
        on_chain = self._anchored_hash(key, number)
        version = _version(number, content, anchored=True)
        if version.sha256 != on_chain:
            raise _Tampered(f"status list v{number} does not match its anchored hash: tampered")
        return version

    def _value(
        self,
        version: _Version,
        purpose: Any,
        index: int,
        size: int,
        issuer: str | None,
        at: int | None,
    ) -> int | str:
        # A verified list is cached by the hash of its exact bytes: changed bytes (a newer
        # version, or tampering) are verified afresh.
        cache_key = (version.sha256, purpose, issuer)
        bits = self._lists.get(cache_key)
        if bits is None:
            bits = self._verified_bits(version, purpose, issuer, at)
            if isinstance(bits, Bitstring):
                self._lists[cache_key] = bits
        if isinstance(bits, str):
            return bits
        try:
            return bits.value(index, size)
        except IndexError as exc:
            return f"status list v{version.number}: {exc}"

    def _verified_bits(
        self, version: _Version, purpose: Any, issuer: str | None, at: int | None
    ) -> Bitstring | str:
        try:
            document = json.loads(version.content)
        except ValueError:
            return f"status list v{version.number} is not JSON: tampered"
        result = data_integrity.verify(document, lambda vm: self._key(vm, at))
        if not result.ok or document.get("issuer") != issuer:
            return f"status list v{version.number} is not signed by the issuer: tampered"
        subject = document.get("credentialSubject", {})
        if subject.get("statusPurpose") != purpose:
            return f"status list v{version.number} is for another purpose"
        try:
            return Bitstring.decode(str(subject.get("encodedList", "")))
        except ValueError as exc:
            return f"status list v{version.number} is unreadable: {exc}"
