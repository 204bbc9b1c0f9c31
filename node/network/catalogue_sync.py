"""The network's catalogue: every other member's published versions, fetched from its
registered endpoint and kept only when the chain vouches for them.

A round (:meth:`CatalogueSync.run_once`, with the anchor rounds) asks each active or
suspended member for its list, ``{endpoint}/api/catalogue?view=index``, with the ETag of the
last complete answer (unchanged: a 304, nothing else is read). A version this node has not
kept yet is fetched once, ``{version URL}?format=json`` (only URLs under
``{endpoint}/catalogue/``: node/network/fetch.py), and kept only if

- the SHA-256 of its document's JCS form (without ``status``) is the digest listed,
- the document names itself (``id``) and the member's DID (``institution.id``), and
- that digest's one-leaf root is anchored on chain **by that member** (``rootInfo``).

A version is immutable, so a kept one is never fetched again: later rounds only follow its
state (published → withdrawn). A version not anchored yet, or one whose fetch failed, is
tried again next round (the ETag is kept only once every version was settled). A member
that cannot be reached keeps its versions served from here (its failure recorded); a
suspended member's are served marked so. Before serving, each kept document's digest is
recomputed: a copy changed in this database is refused, not served.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.errors import ChainError
from anchoring.registries import AnchorRegistry, MemberInfo, MemberStatus
from node.catalogue.entries import digest_of
from node.catalogue.search_index import reindex_peer
from node.db.models import PeerCatalogue, PeerCatalogueVersion
from node.errors import NodeError
from node.ledger.single_root import single_root
from node.network.fetch import (
    CATALOGUE_LIST,
    CATALOGUE_PAGES,
    PeerFetchError,
    PeerLimits,
    fetch_reply,
    refusal,
)

log = logging.getLogger(__name__)
_SERVED = (MemberStatus.ACTIVE, MemberStatus.SUSPENDED)


class Refused(Exception):
    """A peer's version that is not kept; the message says why."""


@dataclass(frozen=True)
class PeerVersion:
    """A member's version as this node serves it, checked again when read."""

    member_id: int
    member_did: str
    member_status: str  # active | suspended | removed | unknown
    url: str
    entry_url: str
    number: int
    state: str
    document: dict[str, Any]
    digest: str
    anchor_block: int
    anchor_time: datetime


class CatalogueSync:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        members: Callable[[], tuple[MemberInfo, ...]],
        anchors: AnchorRegistry,
        own_did: str,
        limits: PeerLimits,
    ) -> None:
        self._sessions = sessions
        self._members = members
        self._anchors = anchors
        self._own = own_did
        self._limits = limits

    def run_once(self) -> int:
        """Sync every other member's catalogue; the number of versions kept or changed."""
        changed = 0
        for member in self._members():
            if member.did != self._own and member.status in _SERVED and member.service_endpoint:
                changed += self._sync(member)
        return changed

    # -- one member --------------------------------------------------------------------------

    def _sync(self, member: MemberInfo) -> int:
        endpoint = member.service_endpoint.rstrip("/")
        with self._sessions() as session:
            state = session.get(PeerCatalogue, member.id)
            etag = state.etag if state is not None else None
        try:
            reply = fetch_reply(
                endpoint + CATALOGUE_LIST, {"view": "index"}, self._limits, if_none_match=etag
            )
            if reply.status == 304:
                self._note(member, etag, error=None)
                return 0
            listed = _listed(json.loads(reply.body))
        except (PeerFetchError, ValueError, KeyError, TypeError) as exc:
            self._note(member, etag, error=f"the list: {exc}")
            log.info("catalogue of member %s not synced: %s", member.id, exc)
            return 0
        changed, unsettled = 0, []
        for url, (digest, state_now) in listed.items():
            try:
                changed += self._keep(member, endpoint, url, digest, state_now)
            except (Refused, PeerFetchError, ChainError) as exc:
                unsettled.append(f"{url}: {exc}")
        error = "; ".join(unsettled)[:2000] or None
        self._note(member, None if unsettled else reply.etag, error=error)
        return changed

    def _keep(self, member: MemberInfo, endpoint: str, url: str, digest: str, state: str) -> int:
        with self._sessions() as session, session.begin():
            kept = session.get(PeerCatalogueVersion, url)
            if kept is not None:
                if kept.digest != digest:
                    raise Refused("listed with another digest than the one kept")
                if kept.state == state:
                    return 0
                kept.state = state  # a published version may be withdrawn, nothing else
                session.flush()
                reindex_peer(session, kept.entry_url)
                return 1
        if (why := refusal(url, endpoint + CATALOGUE_PAGES)) is not None:
            raise Refused(why)
        answer = json.loads(fetch_reply(url, {"format": "json"}, self._limits).body)
        if not isinstance(answer, dict):
            raise Refused("the version is not a JSON object")
        document = {k: v for k, v in answer.items() if k != "status"}
        if digest_of(document) != digest:
            raise Refused("its document does not hash to the digest listed")
        institution = document.get("institution")
        if document.get("id") != url or not isinstance(institution, dict):
            raise Refused("the document does not name itself")
        if institution.get("id") != member.did:
            raise Refused(f"the document names {institution.get('id')!r}, not {member.did}")
        info = self._anchors.root_info(bytes.fromhex(single_root(digest)))
        if info is None:
            raise Refused("not anchored on chain yet")
        if info.member != member.id:
            raise Refused(f"anchored by member {info.member}, not by {member.id}")
        number = document.get("version")
        entry_url = document.get("entry")
        if not isinstance(number, int) or not isinstance(entry_url, str):
            raise Refused("the document has no version number or entry")
        if url != f"{entry_url}/versions/{number}":
            raise Refused("its URL is not that of its entry's version")
        with self._sessions() as session, session.begin():
            if session.get(PeerCatalogueVersion, url) is None:  # another round kept it
                session.add(
                    PeerCatalogueVersion(
                        url=url,
                        member_id=member.id,
                        entry_url=entry_url,
                        number=number,
                        state=state,
                        document=document,
                        digest=digest,
                        anchor_block=info.block_number,
                        anchor_time=datetime.fromtimestamp(info.timestamp, UTC),
                    )
                )
                session.flush()
                reindex_peer(session, entry_url)
        return 1

    def _note(self, member: MemberInfo, etag: str | None, *, error: str | None) -> None:
        now = datetime.now(UTC)
        with self._sessions() as session, session.begin():
            state = session.get(PeerCatalogue, member.id)
            if state is None:
                state = PeerCatalogue(member_id=member.id, did=member.did)
                session.add(state)
            state.attempted_at = now
            state.last_error = error
            if error is None:
                state.synced_at = now
            state.etag = etag


def kept_versions(
    sessions: sessionmaker[Session], members: Callable[[], tuple[MemberInfo, ...]] | None
) -> list[PeerVersion]:
    """Every kept version of the members, each digest recomputed (a changed copy is left
    out and logged), with the member's status as the chain has it now ("unknown" when the
    chain cannot be read, or without one)."""
    status = member_statuses(members)
    with sessions() as session:
        rows = session.scalars(
            select(PeerCatalogueVersion).order_by(
                PeerCatalogueVersion.member_id,
                PeerCatalogueVersion.entry_url,
                PeerCatalogueVersion.number,
            )
        )
        kept = []
        for row in rows:
            if digest_of(row.document) != row.digest:
                log.warning("catalogue copy of %s changed here: not served", row.url)
                continue
            kept.append(
                PeerVersion(
                    row.member_id,
                    str(row.document["institution"]["id"]),
                    status.get(row.member_id, "unknown"),
                    row.url,
                    row.entry_url,
                    row.number,
                    row.state,
                    row.document,
                    row.digest,
                    row.anchor_block,
                    row.anchor_time,
                )
            )
    return kept


def member_statuses(members: Callable[[], tuple[MemberInfo, ...]] | None) -> dict[int, str]:
    """Each member's status as the chain has it now (active, suspended, removed, …); ``{}``
    without a chain or when it cannot be read."""
    if members is None:
        return {}
    try:
        return {m.id: m.status.name.lower() for m in members()}
    except (ChainError, NodeError):
        log.info("member statuses unknown: the chain cannot be read")
        return {}


def by_entry(versions: list[PeerVersion]) -> list[list[PeerVersion]]:
    """Versions grouped by their entry, in the order given (member, entry, number)."""
    groups: dict[str, list[PeerVersion]] = {}
    for version in versions:
        groups.setdefault(version.entry_url, []).append(version)
    return list(groups.values())


def _listed(body: Any) -> dict[str, tuple[str, str]]:
    """A member's list: each published version's URL → (digest, state)."""
    found: dict[str, tuple[str, str]] = {}
    for item in body["items"]:
        for version in item["versions"]:
            digest, state, url = version["digest"], version["state"], version["url"]
            if not (isinstance(url, str) and isinstance(digest, str) and len(digest) == 64):
                raise ValueError("a version without URL or digest")
            if state not in ("published", "withdrawn"):
                raise ValueError(f"a version in state {state!r}")
            found[url] = (digest.lower(), state)
    return found
