"""Search over the network's catalogue: this institution's entries on offer and the other
members' kept copies, in full text (four languages) and by filters.

The index, one row per entry on offer with its words per language, is
node/catalogue/search_index.py.

Full text. A query's words (letters and digits; at most 10) must all match, each also as a
prefix ("sustain" finds "sustainable"), in any one language:

- PostgreSQL: ``tsv_<lang> @@ to_tsquery(<config>, 'w1:* & …')`` for each language with
  its own configuration (english, german, spanish, finnish: their stemmers and stop words);
  ``tsv_<lang>`` is a stored generated ``to_tsvector(<config>, text_<lang>)`` with a GIN
  index (migration 0024), so neither the recheck nor ``ts_rank`` computes a vector.
- SQLite: FTS5 over the four columns (``porter unicode61 remove_diacritics 2``), the words
  as prefix phrases ``"w1"* AND …``; ranked by bm25.

A result is read from the version's stored document, whose digest is recomputed first: a
copy changed in this database is left out (counted in ``refused``), never shown. The
index's columns only select and order.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from anchoring.merkle import MerkleTree
from node.catalogue.entries import Anchor, Version, VersionState, digest_of
from node.db.models import (
    SEARCH_CONFIGS,
    CatalogueSearch,
    CatalogueVersion,
    PeerCatalogueVersion,
)
from node.errors import InvalidInput, Problem

log = logging.getLogger(__name__)

MAX_WORDS = 10
MAX_LIMIT = 100
MAX_OFFSET = 10_000
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class CatalogueQuery:
    """What a search asks for; every part optional (none: every entry on offer)."""

    text: str = ""
    field: str | None = None  # ISCED-F code or its prefix: "06" broad, "061" narrow
    eqf: tuple[int, ...] = ()  # any of these levels
    ects_min: float | None = None
    ects_max: float | None = None
    language: str | None = None  # a language of instruction
    mode: str | None = None  # participation form: online | onsite | blended
    starts_from: date | None = None  # free-start entries match any dates
    starts_until: date | None = None
    institution: str | None = None  # a member's DID
    network: bool = True  # False: this institution's entries only
    limit: int = 20
    offset: int = 0

    def __post_init__(self) -> None:
        problems = []
        if self.field is not None and not re.fullmatch(r"\d{2,4}", self.field):
            problems.append(Problem("field", "an ISCED-F code or its first digits (2 to 4)"))
        if any(not 1 <= level <= 8 for level in self.eqf):
            problems.append(Problem("eqf", "EQF levels are 1 to 8"))
        low, high = self.ects_min, self.ects_max
        if low is not None and high is not None and low > high:
            problems.append(Problem("ectsMax", "below ectsMin"))
        if self.starts_from and self.starts_until and self.starts_from > self.starts_until:
            problems.append(Problem("startsUntil", "before startsFrom"))
        if not 1 <= self.limit <= MAX_LIMIT:
            problems.append(Problem("limit", f"1 to {MAX_LIMIT}"))
        if not 0 <= self.offset <= MAX_OFFSET:
            problems.append(Problem("offset", f"0 to {MAX_OFFSET}"))
        if problems:
            raise InvalidInput("catalogue search refused", problems)

    @property
    def words(self) -> list[str]:
        return [w.lower() for w in _WORD.findall(self.text)][:MAX_WORDS]


@dataclass(frozen=True)
class Hit:
    """An entry found: its newest version on offer, from its checked document."""

    document: dict[str, Any]
    digest: str
    anchor: Anchor
    member_id: int | None  # None: this institution's
    member_status: str  # own | active | suspended | unknown

    @property
    def content(self) -> dict[str, Any]:
        content: dict[str, Any] = self.document["content"]
        return content


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int  # matching rows, before the page and the refused copies
    refused: int = 0  # copies on this page whose document no longer hashes to its digest
    query: CatalogueQuery = field(default_factory=CatalogueQuery)

    @property
    def next_offset(self) -> int | None:
        after = self.query.offset + self.query.limit
        return after if after < self.total and after <= MAX_OFFSET else None


# -- searching --------------------------------------------------------------------------------


class CatalogueSearcher:
    def __init__(
        self, sessions: sessionmaker[Session], statuses: Callable[[], Mapping[int, str]]
    ) -> None:
        """``statuses``: each member's status as the chain has it now (``{}`` when it
        cannot be read: hits are then marked ``unknown``)."""
        self._sessions = sessions
        self._statuses = statuses

    def search(self, query: CatalogueQuery) -> Results:
        statuses = self._statuses()
        with self._sessions() as session:
            select_page, total = self.statements(session, query, statuses)
            page = [(url, member_id) for url, member_id in session.execute(select_page)]
            documents = _documents(session, page)
            hits, refused = [], 0
            for url, member_id in page:
                found = documents.get(url)
                if found is None:
                    refused += 1
                    continue
                status = "own" if member_id is None else statuses.get(member_id, "unknown")
                hits.append(Hit(found.document, found.digest, found.anchor, member_id, status))
            return Results(hits, session.scalar(total) or 0, refused, query)

    def bare(self, query: CatalogueQuery) -> list[str]:
        """The page's version URLs alone: the one statement a search cannot do without
        (no count, no documents read and hashed, no member statuses) — what
        bench/catalogue.py measures a search against."""
        with self._sessions() as session:
            select_page, _ = self.statements(session, query, {})
            return [url for url, _ in session.execute(select_page)]

    @staticmethod
    def statements(
        session: Session, query: CatalogueQuery, statuses: Mapping[int, str]
    ) -> tuple[Select[str, int | None], Select[int]]:
        """The page's statement and the count's (bench/catalogue.py explains them)."""
        where = _filters(query)
        removed = [m for m, s in statuses.items() if s == "removed"]
        if removed:  # no longer in the network: its offer is not the network's
            where.append(
                or_(CatalogueSearch.member_id.is_(None), ~CatalogueSearch.member_id.in_(removed))
            )
        source, rank, matched = _full_text(session, query.words)
        where += matched
        order: list[ColumnElement[Any]] = [
            CatalogueSearch.published_at.desc(),
            CatalogueSearch.id.desc(),
        ]
        page = (
            select(CatalogueSearch.version_url, CatalogueSearch.member_id)
            .select_from(source)
            .where(*where)
            .order_by(*([rank] if rank is not None else []), *order)
            .limit(query.limit)
            .offset(query.offset)
        )
        total = select(func.count()).select_from(source).where(*where)
        return page, total

    def institutions(self) -> list[tuple[str, str]]:
        """The institutions with entries on offer: (DID, name), by name."""
        with self._sessions() as session:
            s = CatalogueSearch
            rows = session.execute(
                select(s.institution_did, func.min(s.version_url), func.min(s.member_id)).group_by(
                    s.institution_did
                )
            ).all()
            names = []
            for did, url, member_id in rows:
                found = _document(session, url, member_id)
                if found is not None:
                    names.append((did, str(found.document["institution"].get("name") or did)))
        return sorted(names, key=lambda pair: pair[1].lower())


def _filters(query: CatalogueQuery) -> list[ColumnElement[bool]]:
    s = CatalogueSearch
    where: list[ColumnElement[bool]] = []
    if not query.network:
        where.append(s.member_id.is_(None))
    if query.field:
        where.append(s.field_of_study.startswith(query.field, autoescape=True))
    if query.eqf:
        where.append(s.eqf_level.in_(query.eqf))
    if query.ects_min is not None:
        where.append(s.ects >= query.ects_min)
    if query.ects_max is not None:
        where.append(s.ects <= query.ects_max)
    if query.language:
        where.append(s.languages.contains(f" {query.language} ", autoescape=True))
    if query.mode:
        where.append(s.participation == query.mode)
    if query.starts_from is not None:
        where.append(or_(s.free_start.is_(True), s.start_date >= query.starts_from))
    if query.starts_until is not None:
        where.append(or_(s.free_start.is_(True), s.start_date <= query.starts_until))
    if query.institution:
        where.append(s.institution_did == query.institution)
    return where


def _full_text(
    session: Session, words: list[str]
) -> tuple[FromClause, ColumnElement[Any] | None, list[ColumnElement[bool]]]:
    """What to select from, the rank to order by and the condition, for the dialect (the
    index alone, no rank and no condition without words)."""
    table = CatalogueSearch.__table__
    if not words:
        return table, None, []
    if session.get_bind().dialect.name == "postgresql":
        tsquery = " & ".join(f"{w}:*" for w in words)
        matches, ranks = [], []
        for lang, config in SEARCH_CONFIGS.items():
            vector: ColumnElement[Any] = literal_column(f"catalogue_search.tsv_{lang}")  # 0024
            asked = func.to_tsquery(text(f"'{config}'::regconfig"), tsquery)
            matches.append(vector.op("@@")(asked))
            ranks.append(func.ts_rank(vector, asked))
        return table, func.greatest(*ranks).desc(), [or_(*matches)]
    phrase = " AND ".join(f'"{w}"*' for w in words)
    fts = (
        text(
            "SELECT rowid AS rid, rank AS score FROM catalogue_search_fts"
            " WHERE catalogue_search_fts MATCH :phrase"
        )
        .bindparams(phrase=phrase)
        .columns(rid=Integer, score=Float)
        .subquery("fts")
    )
    return table.join(fts, fts.c.rid == CatalogueSearch.id), fts.c.score.asc(), []


def _documents(
    session: Session, page: Sequence[tuple[str, int | None]]
) -> dict[str, CheckedVersion]:
    """The page's versions read in two statements (this institution's, the members'), each
    kept only if it still hashes to its digest."""
    own_keys = {}
    for url, member_id in page:
        if member_id is None and (key := _own_key(url)) is not None:
            own_keys[key] = url
    found: dict[str, CheckedVersion] = {}
    if own_keys:
        rows = session.scalars(
            select(CatalogueVersion).where(
                CatalogueVersion.entry_id.in_({entry_id for entry_id, _ in own_keys})
            )
        )
        for own in rows:
            asked = own_keys.get((own.entry_id, own.number))
            if asked is not None and own.document is not None and own.digest is not None:
                anchor = _own_anchor(own)
                found[asked] = CheckedVersion(own.document, own.digest, anchor, own.state)
    kept_urls = [url for url, member_id in page if member_id is not None]
    if kept_urls:
        for kept in session.scalars(
            select(PeerCatalogueVersion).where(PeerCatalogueVersion.url.in_(kept_urls))
        ):
            anchor = _kept_anchor(kept)
            found[kept.url] = CheckedVersion(kept.document, kept.digest, anchor, kept.state)
    changed = [
        url for url, version in found.items() if digest_of(version.document) != version.digest
    ]
    for url in changed:
        log.warning("catalogue version %s changed here: not shown", url)
        del found[url]
    return found


def _own_key(version_url: str) -> tuple[str, int] | None:
    """(entry id, number) of one of this institution's version URLs."""
    entry_id, versions, number = version_url.rsplit("/", 3)[-3:]
    if versions != "versions" or not number.isdigit() or len(number) > 6:
        return None
    return entry_id, int(number)


def _own_anchor(own: CatalogueVersion) -> Anchor:
    return Anchor(
        own.anchor_state or "pending",
        own.anchor_root,
        own.anchor_tx,
        own.anchor_block,
        own.anchor_time,
        own.anchor_error,
    )


def _kept_anchor(kept: PeerCatalogueVersion) -> Anchor:
    root = MerkleTree([bytes.fromhex(kept.digest)]).root.hex()  # its one-leaf root
    return Anchor("confirmed", root, None, kept.anchor_block, kept.anchor_time, None)


def _document(session: Session, version_url: str, member_id: int | None) -> CheckedVersion | None:
    """One version's stored document, digest and anchor, if it still hashes to that digest."""
    return _documents(session, [(version_url, member_id)]).get(version_url)


@dataclass(frozen=True)
class CheckedVersion:
    """A published version's document as stored here, its digest recomputed and found."""

    document: dict[str, Any]
    digest: str
    anchor: Anchor
    state: str = "published"  # or withdrawn

    def version(self) -> Version:
        """As a :class:`Version` (what the version pages show)."""
        d = self.document
        entry_id = str(d["entry"]).rstrip("/").rsplit("/", 1)[-1]
        published = datetime.fromisoformat(d["publishedAt"])
        state = VersionState(self.state)
        return Version(
            entry_id, d["version"], state, d["content"], d["id"], published, d, self.digest,
            published, None, None, self.anchor,
        )  # fmt: skip


def checked_version(
    sessions: sessionmaker[Session], version_url: str, *, own: bool
) -> CheckedVersion | None:
    """This institution's version (``own``) or a member's kept copy at ``version_url``, if
    it is here and still hashes to its digest (None otherwise)."""
    with sessions() as session:
        if own:
            return _document(session, version_url, None)
        kept = session.get(PeerCatalogueVersion, version_url)
        return _document(session, version_url, kept.member_id) if kept is not None else None
