"""The registry: list and search the institution's credential records (admin API, console).

Search words. Each record's words — the learner's names and identifier, the title in each
of its languages, the record id — are stored case-folded and without accents in
``record_search_term`` (node/credentials/search.py, written with the record). Every word of a
query must begin one of a record's words: ``anna mül`` finds "Anna-Maria Müller". A prefix
match is a range over the term index (``term >= w AND term < w + U+10FFFF``), which SQLite
and PostgreSQL answer from the index alike; the column compares by code point on both
(BINARY, collation "C").

Pages are keyset pages, newest first (node/keyset.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, cast, func, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session, aliased, sessionmaker

from node.credentials.search import words
from node.db.models import (
    INSTITUTION_OWNER,
    AnchorBatch,
    CredentialRecord,
    RecordSearchTerm,
    RecordState,
    SignedCopy,
    StatusEvent,
)
from node.errors import InvalidInput, NotFound, Problem
from node.keyset import decode, encode

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_QUERY = 200
MAX_WORDS = 8
_LAST = "\U0010ffff"  # after every character: the end of a prefix range
COMMON = 2000  # when every query word begins this many search terms, walk the newest
WINDOW = 5000  # records walked (newest first) before the rarest word drives after all
# PostgreSQL: with a word in fewer records the walk is skipped for the GIN index (at
# 1,000,000 records, its share is below the 1 % a walk needs to fill a page).
GIN_CAP = 10_000
PRECISE = 100_000  # elsewhere the common words are counted up to this, to find the rarest
# PostgreSQL's GIN index of the records' words, as migration 0021 made it (the same
# expression, the space a literal, for the planner to match it).
_GIN_WORDS = func.array_to_tsvector(
    func.string_to_array(func.ltrim(CredentialRecord.search_text), literal_column("' '"))
)
_NEWEST = (CredentialRecord.created_at.desc(), CredentialRecord.id.desc())
# The records matching every word are read as ids first (then their page, sorted), up to
# this many: a plan the database cannot get wrong by walking the whole registry for a few.
MAX_CANDIDATES = 10_000


@dataclass(frozen=True)
class RegistryQuery:
    """What to list: every filter is optional; ``cursor`` continues a previous page."""

    q: str = ""
    state: RecordState | None = None
    issued_from: date | None = None
    issued_to: date | None = None  # inclusive
    created_by: int | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None

    @classmethod
    def from_form(cls, fields: dict[str, str], limit: int = DEFAULT_LIMIT) -> RegistryQuery:
        """A query from a search form's text fields (empty: no filter); InvalidInput names
        each field that does not parse."""
        problems = []
        state = issued_from = issued_to = None
        if fields.get("state"):
            try:
                state = RecordState(fields["state"])
            except ValueError:
                problems.append(Problem("state", "not a record state"))
        dates: dict[str, date | None] = {}
        for name in ("issued_from", "issued_to"):
            text = fields.get(name, "")
            try:
                dates[name] = date.fromisoformat(text) if text else None
            except ValueError:
                problems.append(Problem(name, "a date YYYY-MM-DD"))
        issued_from, issued_to = dates.get("issued_from"), dates.get("issued_to")
        if problems:
            raise InvalidInput("registry query refused", problems)
        query = cls(
            fields.get("q", ""),
            state,
            issued_from,
            issued_to,
            None,
            limit,
            fields.get("cursor") or None,
        )
        return query.checked()

    def checked(self) -> RegistryQuery:
        problems = []
        if len(self.q) > MAX_QUERY:
            problems.append(Problem("q", f"at most {MAX_QUERY} characters"))
        elif len(words(self.q)) > MAX_WORDS:
            problems.append(Problem("q", f"at most {MAX_WORDS} words"))
        if not 1 <= self.limit <= MAX_LIMIT:
            problems.append(Problem("limit", f"1 to {MAX_LIMIT}"))
        if self.issued_from and self.issued_to and self.issued_from > self.issued_to:
            problems.append(Problem("issued_to", "before issued_from"))
        if self.cursor is not None and decode(self.cursor) is None:
            problems.append(Problem("cursor", "not a cursor this node gave out"))
        if problems:
            raise InvalidInput("registry query refused", problems)
        return self


@dataclass(frozen=True)
class RegistryItem:
    """One row of the registry list: what a registrar needs to recognise a record."""

    id: str
    state: str
    learner_name: str
    learner_identifier: str
    title: dict[str, str]
    ects: float | None
    created_at: datetime
    issued_at: datetime | None
    created_by: int | None

    @classmethod
    def of(cls, record: CredentialRecord) -> RegistryItem:
        claims = record.claims
        learner = claims.get("learner") or {}
        workload = claims.get("workload") or {}
        ects = workload.get("ects")
        return cls(
            id=record.id,
            state=record.state,
            learner_name=" ".join(
                str(learner[k]) for k in ("givenName", "familyName") if learner.get(k)
            ),
            learner_identifier=str(learner.get("identifier", "")),
            title=dict(claims.get("title") or {}),
            ects=float(ects) if isinstance(ects, int | float) else None,
            created_at=record.created_at,
            issued_at=record.issued_at,
            created_by=record.created_by,
        )


@dataclass(frozen=True)
class RegistryPage:
    items: list[RegistryItem]
    next: str | None  # the cursor of the next page; None: this was the last


@dataclass(frozen=True)
class CopyView:
    """A signed copy and where its anchoring stands."""

    format: str
    leaf_digest: str
    created_at: datetime
    anchor_state: str  # pending (no batch yet) | built | submitted | confirmed
    tx_hash: str | None
    block_number: int | None


@dataclass(frozen=True)
class EventView:
    action: str
    reason: str
    at: datetime
    token_id: int | None


@dataclass(frozen=True)
class RecordView:
    """Everything the console's record page shows of one record."""

    item: RegistryItem
    claims: dict[str, Any]
    subject_id: str | None
    copies: list[CopyView]
    events: list[EventView]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


class Registry:
    """Reads the registry; never writes (records are written by CredentialRecords)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def page(self, query: RegistryQuery) -> RegistryPage:
        query = query.checked()
        with self._sessions() as session:
            rows = self._rows(session, query)
            items = [RegistryItem.of(r) for r in rows[: query.limit]]
        more = len(rows) > query.limit
        last = items[-1] if items and more else None
        return RegistryPage(items, encode(last.created_at, last.id) if last else None)

    def statement(self, query: RegistryQuery) -> Select[Any]:
        """The first statement :meth:`page` runs for ``query`` after counting its words: the
        rarest word's candidates, or the walk (bench/registry_search.py explains it)."""
        query = query.checked()
        with self._sessions() as session:
            found = _matches(session, _distinct(words(query.q)))
        if found and min(found.values()) < COMMON:
            rarest = min(found, key=found.__getitem__)
            return _with_every_word(found, rarest).limit(MAX_CANDIDATES + 1)
        return self._select(query, found, walk=bool(found)).limit(query.limit + 1)

    def _rows(self, session: Session, query: RegistryQuery) -> list[CredentialRecord]:
        """The page's records (and one more, if there is a next page)."""
        found = _matches(session, _distinct(words(query.q)))
        if found and min(found.values()) >= COMMON:  # every word common
            postgresql = session.get_bind().dialect.name == "postgresql"
            if postgresql:  # a word in fewer than GIN_CAP records: no walk
                found = _matches(session, found, GIN_CAP)
            if not postgresql or min(found.values()) >= GIN_CAP:  # walk the newest
                walked = self._select(query, found, walk=True).limit(query.limit + 1)
                rows = list(session.scalars(walked))
                if len(rows) > query.limit:
                    return rows
            if postgresql:
                return list(session.scalars(self._intersected(query, found)))
            # which common word is rarest: count further
            found = _matches(session, found, PRECISE)
        if found:  # the records with every word, by id; then the page of them, sorted
            rarest = min(found, key=found.__getitem__)
            candidates = _with_every_word(found, rarest).limit(MAX_CANDIDATES + 1)
            ids = list(session.scalars(candidates))
            if len(ids) <= MAX_CANDIDATES:
                chosen = select(CredentialRecord).where(
                    CredentialRecord.id.in_(ids), *_filters(query)
                )
                return list(session.scalars(chosen.order_by(*_NEWEST).limit(query.limit + 1)))
        statement = self._select(query, found).limit(query.limit + 1)
        return list(session.scalars(statement))

    @staticmethod
    def _intersected(query: RegistryQuery, found: Iterable[str]) -> Select[CredentialRecord]:
        """PostgreSQL, every word common: the page of the records with every word, found in
        the GIN index of the records' words (one pass over each word's entries, about
        0.4 µs each, with the query's filters), then sorted."""
        record = CredentialRecord
        every = cast(" & ".join(f"'{w}':*" for w in found), TSQUERY)
        hits = (
            select(record.id, record.created_at)
            .where(_GIN_WORDS.op("@@")(every), *_filters(query))
            .offset(0)  # a fence: no walk by date that checks each record's words
            .subquery("hits")
        )
        page = (
            select(hits.c.id)
            .order_by(hits.c.created_at.desc(), hits.c.id.desc())
            .limit(query.limit + 1)
        )
        return select(record).where(record.id.in_(page)).order_by(*_NEWEST)

    def counts(self) -> dict[str, int]:
        """How many of the institution's records are in each state."""
        counts = dict.fromkeys((s.value for s in RecordState), 0)
        with self._sessions() as session:
            rows = session.execute(
                select(CredentialRecord.state, func.count())
                .where(CredentialRecord.owner == INSTITUTION_OWNER)
                .group_by(CredentialRecord.state)
            )
            for state, n in rows:
                counts[state] = n
        return counts

    def issued_since(self, since: datetime) -> int:
        """How many of the institution's records were issued at or after ``since``."""
        with self._sessions() as session:
            found = session.scalar(
                select(func.count())
                .select_from(CredentialRecord)
                .where(
                    CredentialRecord.owner == INSTITUTION_OWNER,
                    CredentialRecord.issued_at >= since,
                )
            )
            return found or 0

    def record(self, record_id: str) -> RecordView:
        with self._sessions() as session:
            record = session.get(CredentialRecord, record_id)
            if record is None or record.owner != INSTITUTION_OWNER:
                raise NotFound(f"no credential record {record_id}")
            copies = session.execute(
                select(SignedCopy, AnchorBatch)
                .outerjoin(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id)
                .where(SignedCopy.record_id == record_id)
                .order_by(SignedCopy.id)
            )
            events = session.scalars(
                select(StatusEvent)
                .where(StatusEvent.record_id == record_id)
                .order_by(StatusEvent.id)
            )
            return RecordView(
                RegistryItem.of(record),
                record.claims,
                record.subject_id,
                [
                    CopyView(
                        c.format,
                        c.leaf_digest,
                        c.created_at,
                        b.state if b is not None else "pending",
                        b.tx_hash if b is not None else None,
                        b.block_number if b is not None else None,
                    )
                    for c, b in copies
                ],
                [EventView(e.action, e.reason, e.at, e.token_id) for e in events],
            )

    def every(self, query: RegistryQuery, chunk: int = MAX_LIMIT) -> Iterator[RegistryItem]:
        """Every matching record (a CSV export), read page by page."""
        query = RegistryQuery(
            query.q, query.state, query.issued_from, query.issued_to, query.created_by, chunk
        )
        while True:
            page = self.page(query)
            yield from page.items
            if page.next is None:
                return
            query = RegistryQuery(**{**query.__dict__, "cursor": page.next})

    def csv_lines(self, query: RegistryQuery) -> Iterator[str]:
        """The matching records as CSV (UTF-8, a header first), written as they are read."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def line(values: Iterable[object]) -> str:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_cell(v) for v in values])
            return buffer.getvalue()

        yield line(CSV_COLUMNS)
        for item in self.every(query):
            yield line(
                (
                    item.id,
                    item.state,
                    item.learner_name,
                    item.learner_identifier,
                    _title(item.title),
                    "" if item.ects is None else f"{item.ects:g}",
                    item.created_at.isoformat(timespec="seconds"),
                    item.issued_at.isoformat(timespec="seconds") if item.issued_at else "",
                    "" if item.created_by is None else item.created_by,
                )
            )

    @staticmethod
    def _select(
        query: RegistryQuery, found: dict[str, int], *, walk: bool = False
    ) -> Select[CredentialRecord]:
        """``found``: each query word, with how many search terms begin with it (at most
        COMMON, :func:`_matches`). Two plans, the same answer:

        - the rarest word drives (``walk`` false): its records are fetched and sorted, each
          checked for the other words — cheap while it is rare;
        - ``walk``: the newest WINDOW records are read newest first, each record's
          ``search_text`` checked for every word, and the first page of hits is taken —
          cheap when the words are common. A page it cannot fill is no answer (older
          records may match): :meth:`_rows` then looks for the records with every word.
        """
        record = CredentialRecord
        where = _filters(query)
        newest = (record.created_at.desc(), record.id.desc())
        if not walk:
            rarest = min(found, key=found.__getitem__, default=None)
            if rarest is not None:
                where.append(record.id.in_(_with_every_word(found, rarest)))
            return select(record).where(*where).order_by(*newest)
        window = (
            select(record.id, record.created_at, record.search_text)
            .where(*where)
            .order_by(*newest)
            .limit(WINDOW)
            .subquery("newest")
        )
        hits = (
            select(window.c.id)
            .where(*(_in_text(window.c.search_text, w) for w in found))
            .order_by(window.c.created_at.desc(), window.c.id.desc())
            .limit(query.limit + 1)
        )
        return select(record).where(record.id.in_(hits)).order_by(*newest)


def _filters(query: RegistryQuery) -> list[Any]:
    """The query's conditions on the record itself (owner, state, dates, token, cursor)."""
    record = CredentialRecord
    where: list[Any] = [record.owner == INSTITUTION_OWNER]
    if query.state is not None:
        where.append(record.state == query.state.value)
    if query.issued_from is not None:
        where.append(record.issued_at >= _start_of(query.issued_from))
    if query.issued_to is not None and query.issued_to < date.max:
        where.append(record.issued_at < _start_of(query.issued_to + timedelta(days=1)))
    if query.created_by is not None:
        where.append(record.created_by == query.created_by)
    if query.cursor is not None:
        decoded = decode(query.cursor)
        assert decoded is not None  # checked()
        at, record_id = decoded
        # a row comparison: one index range on (owner, created_at, id), not a filter
        where.append(tuple_(record.created_at, record.id) < tuple_(at, record_id))
    return where


CSV_COLUMNS = (
    "id",
    "state",
    "learner_name",
    "learner_identifier",
    "title",
    "ects",
    "created_at",
    "issued_at",
    "created_by",
)


def _title(title: dict[str, str]) -> str:
    return title.get("en") or next(iter(title.values()), "")


def _cell(value: object) -> str:
    """A spreadsheet opens a cell that starts with = + - @ (or a tab, CR) as a formula:
    such text is written with a leading apostrophe (OWASP, CSV injection)."""
    text = str(value)
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _with_prefix(word: str) -> Select[str]:
    """The records with a search word that begins with ``word`` (a range of the index)."""
    return select(RecordSearchTerm.record_id).where(
        RecordSearchTerm.term >= word, RecordSearchTerm.term < word + _LAST
    )


def _with_every_word(found: dict[str, int], rarest: str) -> Select[str]:
    """The records with every word: those of the rarest, each checked for the others."""
    return (
        _with_prefix(rarest)
        .where(*(_has_word(RecordSearchTerm.record_id, w) for w in found if w != rarest))
        .distinct()
    )


def _in_text(search_text: Any, word: str) -> Any:
    """Whether a record's ``search_text`` has a word that begins with ``word``."""
    return search_text.like(f"% {word}%")


def _has_word(record_id: Any, word: str) -> Any:
    """Whether the record ``record_id`` has a search word that begins with ``word``: one
    seek of ix_record_search_term_record_term per record. OFFSET 0 keeps PostgreSQL from
    turning the check into a join that hashes every record with such a word (tens of
    thousands for a common prefix) before the first page can be cut."""
    term = aliased(RecordSearchTerm)  # the caller may be reading the same table
    return (
        select(term.term)
        .where(term.record_id == record_id, term.term >= word, term.term < word + _LAST)
        .offset(0)
        .exists()
    )


def _matches(session: Session, found: Iterable[str], cap: int | None = None) -> dict[str, int]:
    """Each word, with how many search terms begin with it, counted up to ``cap`` (COMMON:
    an index range of at most COMMON entries, cheap for any word); one statement."""
    found = list(found)
    if not found:
        return {}
    counts = [
        select(func.count())
        .select_from(
            select(RecordSearchTerm.term)
            .where(RecordSearchTerm.term >= w, RecordSearchTerm.term < w + _LAST)
            .limit(cap or COMMON)
            .subquery()
        )
        .scalar_subquery()
        for w in found
    ]
    row = session.execute(select(*counts)).one()
    return dict(zip(found, (n or 0 for n in row), strict=True))


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
