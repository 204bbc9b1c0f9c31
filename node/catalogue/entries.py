"""Catalogue entries and their versions: create, edit the draft, publish, withdraw, read.

An entry is a stable id; its versions are numbered from 1. At most one version is a
``draft`` (edited in place); publishing freezes it: its *document* — what the version's URL
serves as JSON — is built once and stored, with ``digest`` = SHA-256 of the document's
RFC 8785 (JCS) canonical form, the hash anchored on chain. A published version never
changes; withdrawing one marks it no longer offered (it stays readable, marked so, because
learners enrolled on it). Editing an entry whose last version is published starts a new
draft from the content given.

The document::

    {"id": <version URL>, "entry": <entry URL>, "version": n, "publishedAt": …,
     "institution": {"id": DID, "name": …, "country": …, "homepage": origin},
     "content": CatalogueContent (JSON names, no nulls)}
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import rfc8785
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.catalogue.model import CatalogueContent
from node.catalogue.search_index import reindex_own
from node.credentials.profile import problems_from_validation_error
from node.db.models import CatalogueEntry, CatalogueVersion, Institution, utcnow
from node.errors import Conflict, InvalidInput, NotFound, NotInitialised, Problem

MAX_REASON = 1000


class VersionState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Publisher:
    """Who publishes: the institution as the documents name it."""

    origin: str
    did: str
    name: str
    country: str

    def entry_url(self, entry_id: str) -> str:
        return f"{self.origin}/catalogue/{entry_id}"

    def version_url(self, entry_id: str, number: int) -> str:
        return f"{self.entry_url(entry_id)}/versions/{number}"


@dataclass(frozen=True)
class Anchor:
    """Where the version's digest stands on chain: ``pending`` (not sent yet),
    ``submitted`` (sent, not seen yet) or ``confirmed`` (in ``block`` at ``at``)."""

    state: str
    root: str | None
    tx_hash: str | None
    block: int | None
    at: datetime | None
    error: str | None


@dataclass(frozen=True)
class Version:
    entry_id: str
    number: int
    state: VersionState
    content: dict[str, Any]
    url: str
    updated_at: datetime
    document: dict[str, Any] | None  # None while a draft
    digest: str | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    anchor: Anchor | None  # None while a draft

    def title(self, lang: str) -> str:
        title: dict[str, str] = self.content.get("title") or {}
        return title.get(lang) or title.get("en") or next(iter(title.values()), "")


@dataclass(frozen=True)
class Entry:
    id: str
    url: str
    created_at: datetime
    versions: list[Version]  # by number

    @property
    def draft(self) -> Version | None:
        return next((v for v in self.versions if v.state == VersionState.DRAFT), None)

    @property
    def published(self) -> list[Version]:
        """The versions published once (withdrawn ones included), by number."""
        return [v for v in self.versions if v.state != VersionState.DRAFT]

    @property
    def current(self) -> Version | None:
        """The newest version on offer (published, not withdrawn)."""
        offered = [v for v in self.versions if v.state == VersionState.PUBLISHED]
        return offered[-1] if offered else None


def publisher_of(sessions: sessionmaker[Session]) -> Publisher:
    """The institution as its catalogue names it (no keys needed: the CLI's way)."""
    with sessions() as session:
        row = session.scalar(select(Institution))
    if row is None:
        raise NotInitialised("no institution yet: run `credreg init` first")
    return Publisher(row.origin, row.did, row.name, row.country)


def digest_of(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the document's RFC 8785 canonical JSON: the hash anchored."""
    return hashlib.sha256(rfc8785.dumps(dict(document))).hexdigest()


def checked_content(raw: object) -> dict[str, Any]:
    """The content in its JSON form, validated; InvalidInput names each element refused."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("catalogue entry refused", [Problem("content", "a JSON object")])
    try:
        content = CatalogueContent.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("catalogue entry refused", problems_from_validation_error(exc)) from None
    dumped: dict[str, Any] = content.model_dump(mode="json", exclude_none=True)
    return dumped


class Catalogue:
    def __init__(self, sessions: sessionmaker[Session], publisher: Publisher) -> None:
        self._sessions = sessions
        self._publisher = publisher

    @property
    def entry_url_prefix(self) -> str:
        """What every entry's URL starts with: ``{origin}/catalogue/``."""
        return self._publisher.entry_url("")

    def create(
        self, raw: object, token_id: int | None = None, *, import_key: str | None = None
    ) -> Entry:
        """A new entry whose version 1 is a draft of ``raw``; ``import_key``: the code it
        was imported with (one entry per code: another is a Conflict)."""
        content = checked_content(raw)
        entry_id = str(uuid.uuid4())
        with self._sessions() as session:
            session.add(CatalogueEntry(id=entry_id, created_by=token_id, import_key=import_key))
            session.add(_draft(entry_id, 1, content))
            try:
                session.commit()
            except IntegrityError:
                raise Conflict(f"an entry was imported with the key {import_key!r}") from None
            return self._entry(session, entry_id)

    def imported(self, import_key: str) -> Entry | None:
        """The entry imported with ``import_key``, if there is one."""
        with self._sessions() as session:
            entry_id = session.scalar(
                select(CatalogueEntry.id).where(CatalogueEntry.import_key == import_key)
            )
            return self._entry(session, entry_id) if entry_id is not None else None

    def edit(self, entry_id: str, raw: object) -> Entry:
        """Replace the entry's draft with ``raw``, or start the next version's draft.

        Each write is conditional on the row being as it was read (a draft, with the same
        ``updated_at``): an edit or a publication that came in between is a Conflict,
        never an overwrite of a published version."""
        content = checked_content(raw)
        with self._sessions() as session:
            self._get(session, entry_id)
            draft = self._draft_of(session, entry_id)
            if draft is not None:
                self._update_draft(session, draft, content=content, updated_at=utcnow())
            else:
                last = session.scalar(
                    select(func.max(CatalogueVersion.number)).where(
                        CatalogueVersion.entry_id == entry_id
                    )
                )
                session.add(_draft(entry_id, (last or 0) + 1, content))
            try:
                session.commit()
            except IntegrityError:  # another edit started the draft meanwhile
                raise Conflict(f"catalogue entry {entry_id} was edited meanwhile") from None
            return self._entry(session, entry_id)

    def publish(self, entry_id: str) -> Version:
        """Freeze the entry's draft: its document and digest are built, then never change."""
        with self._sessions() as session:
            self._get(session, entry_id)
            draft = self._draft_of(session, entry_id)
            if draft is None:
                raise Conflict(f"catalogue entry {entry_id} has no draft to publish")
            now = utcnow()
            content = checked_content(draft.content)  # the model may be stricter by now
            document = self._document(entry_id, draft.number, now, content)
            number = draft.number
            self._update_draft(
                session,
                draft,
                state=VersionState.PUBLISHED.value,
                content=content,
                document=document,
                digest=digest_of(document),
                published_at=now,
                anchor_state="pending",  # the anchor rounds take it from here
            )
            reindex_own(session, entry_id, self._publisher.entry_url(entry_id))
            session.commit()
            published = session.get_one(CatalogueVersion, (entry_id, number))
            session.refresh(published)
            return self._version(published)

    def withdraw(self, entry_id: str, number: int, reason: str) -> Version:
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise InvalidInput(
                "withdrawal refused", [Problem("reason", f"1 to {MAX_REASON} characters")]
            )
        with self._sessions() as session:
            version = session.get(CatalogueVersion, (entry_id, number))
            if version is None:
                raise NotFound(f"no version {number} of catalogue entry {entry_id}")
            changed = session.execute(
                update(CatalogueVersion)
                .where(
                    CatalogueVersion.entry_id == entry_id,
                    CatalogueVersion.number == number,
                    CatalogueVersion.state == VersionState.PUBLISHED.value,
                )
                .values(
                    state=VersionState.WITHDRAWN.value,
                    withdrawn_at=utcnow(),
                    withdrawn_reason=reason,
                )
            )
            if changed.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict(f"version {number} of {entry_id} is {version.state}, not published")
            reindex_own(session, entry_id, self._publisher.entry_url(entry_id))
            session.commit()
            session.refresh(version)
            return self._version(version)

    @staticmethod
    def _update_draft(session: Session, draft: CatalogueVersion, **values: Any) -> None:
        """Write ``values`` to the draft if it is still the draft read (else Conflict)."""
        changed = session.execute(
            update(CatalogueVersion)
            .where(
                CatalogueVersion.entry_id == draft.entry_id,
                CatalogueVersion.number == draft.number,
                CatalogueVersion.state == VersionState.DRAFT.value,
                CatalogueVersion.updated_at == draft.updated_at,
            )
            .values(**values)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise Conflict(f"catalogue entry {draft.entry_id} was edited or published meanwhile")

    def fingerprint(self) -> str:
        """What the public list shows, summed up in one aggregate query (node/catalogue/
        listing.py): per state and anchor state, how many versions and the latest times."""
        v = CatalogueVersion
        with self._sessions() as session:
            rows = session.execute(
                select(
                    v.state,
                    v.anchor_state,
                    func.count(),
                    func.max(v.published_at),
                    func.max(v.withdrawn_at),
                    func.max(v.anchor_time),
                )
                .where(v.state != VersionState.DRAFT.value)
                .group_by(v.state, v.anchor_state)
                .order_by(v.state, v.anchor_state)
            ).all()
        return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()

    def entry(self, entry_id: str) -> Entry:
        with self._sessions() as session:
            return self._entry(session, entry_id)

    def published_version(self, entry_id: str, number: int) -> Version:
        """A version anyone may read: published or withdrawn (a draft is not found)."""
        with self._sessions() as session:
            version = session.get(CatalogueVersion, (entry_id, number))
            if version is None or version.state == VersionState.DRAFT:
                raise NotFound(f"no published version {number} of catalogue entry {entry_id}")
            return self._version(version)

    def entries(
        self, *, offered_only: bool = True, changed_since: datetime | None = None
    ) -> list[Entry]:
        """Every entry (newest first); ``offered_only``: those with a version on offer;
        ``changed_since``: instead, those with a version published or withdrawn after it
        (on offer or not: a peer's sync learns of withdrawals)."""
        query = select(CatalogueEntry.id).order_by(
            CatalogueEntry.created_at.desc(), CatalogueEntry.id.desc()
        )
        if changed_since is not None:
            version = CatalogueVersion
            changed = select(version.entry_id).where(
                (version.published_at > changed_since) | (version.withdrawn_at > changed_since)
            )
            query = query.where(CatalogueEntry.id.in_(changed))
        with self._sessions() as session:
            found = [self._entry(session, i) for i in session.scalars(query)]
        if changed_since is not None:
            return found
        return [e for e in found if e.current is not None] if offered_only else found

    # -- internals -------------------------------------------------------------------------

    def _document(
        self, entry_id: str, number: int, at: datetime, content: dict[str, Any]
    ) -> dict[str, Any]:
        p = self._publisher
        return {
            "id": p.version_url(entry_id, number),
            "entry": p.entry_url(entry_id),
            "version": number,
            "publishedAt": at.isoformat(timespec="microseconds"),  # as the column has it
            "institution": {
                "id": p.did,
                "name": p.name,
                "country": p.country,
                "homepage": p.origin,
            },
            "content": content,
        }

    def _get(self, session: Session, entry_id: str) -> CatalogueEntry:
        entry = session.get(CatalogueEntry, entry_id)
        if entry is None:
            raise NotFound(f"no catalogue entry {entry_id}")
        return entry

    @staticmethod
    def _draft_of(session: Session, entry_id: str) -> CatalogueVersion | None:
        return session.scalar(
            select(CatalogueVersion).where(
                CatalogueVersion.entry_id == entry_id,
                CatalogueVersion.state == VersionState.DRAFT.value,
            )
        )

    def _entry(self, session: Session, entry_id: str) -> Entry:
        entry = self._get(session, entry_id)
        versions = session.scalars(
            select(CatalogueVersion)
            .where(CatalogueVersion.entry_id == entry_id)
            .order_by(CatalogueVersion.number)
        )
        return Entry(
            entry.id,
            self._publisher.entry_url(entry.id),
            entry.created_at,
            [self._version(v) for v in versions],
        )

    def _version(self, v: CatalogueVersion) -> Version:
        return Version(
            v.entry_id,
            v.number,
            VersionState(v.state),
            v.document["content"] if v.document is not None else v.content,
            self._publisher.version_url(v.entry_id, v.number),
            v.updated_at,
            v.document,
            v.digest,
            v.published_at,
            v.withdrawn_at,
            v.withdrawn_reason,
            Anchor(
                v.anchor_state,
                v.anchor_root,
                v.anchor_tx,
                v.anchor_block,
                v.anchor_time,
                v.anchor_error,
            )
            if v.anchor_state is not None
            else None,
        )


def _draft(entry_id: str, number: int, content: dict[str, Any]) -> CatalogueVersion:
    return CatalogueVersion(
        entry_id=entry_id, number=number, state=VersionState.DRAFT.value, content=content
    )
