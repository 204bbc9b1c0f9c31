"""CSV uploads of the staff console: a file is previewed first (every row read and checked,
nothing written but the upload), then, once its member of staff confirms, each valid row is
*prepared* as a record (``prepared_by`` them), so it enters the approval chain or waits to be
signed like a record of the prepare form.

A run goes chunk by chunk. Each chunk's records, the upload's counts (``done`` rows among
them) and its problems commit in one transaction: a process that dies mid-way leaves whole
chunks, and the next run starts at the first row not done — nothing lost, nothing twice. A
runner holds the upload with a lease it renews per chunk; a run whose process died is taken
over once its lease has run out (:meth:`Uploads.interrupted`, :class:`Resumer`).

What a row becomes, in the preview as in the run: ``prepare`` (valid, its key new),
``skip`` (its key names a record with the same claims: an earlier row of the file, or a record
already stored) or ``reject`` (invalid, or its key already names other claims)."""

from __future__ import annotations

import csv
import io
import itertools
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from node import faults
from node.background import Loop
from node.credentials import csv_import
from node.credentials.csv_import import CsvRow
from node.credentials.profile import RequirementProfile
from node.db.models import CsvUpload, CsvUploadProblem
from node.errors import Conflict, InvalidInput, NodeError, NotFound, Problem
from node.issuance.records import CredentialRecords, Existing, PreparedRecord, stored_claims

log = logging.getLogger(__name__)

CHUNK = 100  # rows per transaction of a run
LEASE = timedelta(seconds=60)
PREVIEW_ROWS = 20  # rows shown in the preview's table
Outcome = Literal["prepare", "skip", "reject"]


class UploadState(StrEnum):
    PREVIEWED = "previewed"  # read and checked; waits for its member of staff to confirm
    QUEUED = "queued"  # confirmed; a runner will take it
    RUNNING = "running"
    DONE = "done"
    DISCARDED = "discarded"  # not wanted after the preview (the file is dropped)


@dataclass(frozen=True)
class Upload:
    id: str
    staff_account_id: int
    filename: str
    created_at: datetime
    state: UploadState
    rows: int
    to_prepare: int
    to_skip: int
    to_reject: int
    done: int
    prepared: int
    skipped: int
    rejected: int
    finished_at: datetime | None

    @classmethod
    def of(cls, row: CsvUpload) -> Upload:
        return cls(
            row.id,
            row.staff_account_id,
            row.filename,
            row.created_at,
            UploadState(row.state),
            row.rows,
            row.to_prepare,
            row.to_skip,
            row.to_reject,
            row.done,
            row.prepared,
            row.skipped,
            row.rejected,
            row.finished_at,
        )

    @property
    def percent(self) -> int:
        return 100 if not self.rows else min(100, self.done * 100 // self.rows)

    @property
    def phase(self) -> Literal["preview", "run"]:
        """Whose problems tell about the rows: the run's once it started."""
        started = self.state in (UploadState.RUNNING, UploadState.DONE) or self.done
        return "run" if started else "preview"


@dataclass(frozen=True)
class RowView:
    """A row as the preview shows it."""

    line: int
    key: str | None
    learner: str
    title: dict[str, str]
    ects: float | None
    outcome: Outcome
    problems: Sequence[Problem]


@dataclass(frozen=True)
class _Checked:
    row: CsvRow
    outcome: Outcome
    problems: list[Problem]
    prepared: PreparedRecord | None  # the record to store (outcome "prepare")


def _check(
    row: CsvRow, existing: dict[str, Existing], seen: dict[str, tuple[int, PreparedRecord]]
) -> _Checked:
    if row.claims is None or row.problems or row.idempotency_key is None:
        return _Checked(row, "reject", list(row.problems), None)
    key = row.idempotency_key
    record = PreparedRecord(stored_claims(row.claims), row.claims.learner.did, key)
    earlier = seen.get(key)
    if earlier is not None:
        line, first = earlier
        if first.claims == record.claims and first.subject_id == record.subject_id:
            return _Checked(
                row, "skip", [Problem(csv_import.KEY_COLUMN, f"same as line {line}")], None
            )
        reason = f"the same key as line {line}, with other claims"
        return _Checked(row, "reject", [Problem(csv_import.KEY_COLUMN, reason)], None)
    seen[key] = (row.line, record)
    found = existing.get(key)
    if found is not None:
        if found.same(record.claims, record.subject_id):
            reason = f"already stored as record {found.record_id}"
            return _Checked(row, "skip", [Problem(csv_import.KEY_COLUMN, reason)], None)
        return _Checked(row, "reject", [Problem(csv_import.KEY_COLUMN, found.conflict())], None)
    return _Checked(row, "prepare", [], record)


def _chunks(rows: Iterator[CsvRow], size: int) -> Iterator[list[CsvRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _learner(row: CsvRow) -> str:
    if row.claims is None:
        return ""
    return f"{row.claims.learner.given_name} {row.claims.learner.family_name}"


class Uploads:
    """Uploads of the console's members of staff, and the runs that prepare their rows."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        records: CredentialRecords,
        profile: RequirementProfile,
        *,
        chunk: int = CHUNK,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._records = records
        self._profile = profile
        self._chunk = chunk
        self._lease = lease
        self._clock = clock

    # -- the preview -----------------------------------------------------------------------

    def _rows(self, content: bytes) -> Iterator[CsvRow]:
        return csv_import.read_bytes(content, self._profile)  # CsvFormatError: the header

    def upload(self, staff_account_id: int, filename: str, content: bytes) -> Upload:
        """Read and check every row of ``content`` (:class:`csv_import.CsvFormatError` for a
        file that is no CSV export) and store the upload with what its rows would become."""
        rows = self._rows(content)
        upload = CsvUpload(
            id=str(uuid.uuid4()),
            staff_account_id=staff_account_id,
            filename=(filename or "upload.csv")[:200],
            content=content,
            state=UploadState.PREVIEWED.value,
        )
        counts = {"prepare": 0, "skip": 0, "reject": 0}
        problems: list[dict[str, object]] = []
        seen: dict[str, tuple[int, PreparedRecord]] = {}
        with self._sessions() as session:
            for chunk in _chunks(rows, 500):
                existing = self._records.existing(session, [r.idempotency_key for r in chunk])
                for checked in (_check(row, existing, seen) for row in chunk):
                    counts[checked.outcome] += 1
                    problems.extend(_problem_rows(upload.id, "preview", checked))
            upload.rows = sum(counts.values())
            upload.to_prepare, upload.to_skip, upload.to_reject = (
                counts["prepare"],
                counts["skip"],
                counts["reject"],
            )
            session.add(upload)
            session.flush()
            if problems:
                session.execute(insert(CsvUploadProblem), problems)
            session.commit()
            return Upload.of(upload)

    def preview(self, upload_id: str, limit: int = PREVIEW_ROWS) -> list[RowView]:
        """The first ``limit`` rows, as the preview (or a run) would handle them now."""
        with self._sessions() as session:
            content = session.scalar(select(CsvUpload.content).where(CsvUpload.id == upload_id))
            if content is None:
                raise NotFound(f"no upload {upload_id}")
            rows = list(itertools.islice(self._rows(content), limit))
            existing = self._records.existing(session, [r.idempotency_key for r in rows])
        seen: dict[str, tuple[int, PreparedRecord]] = {}
        shown = []
        for checked in (_check(row, existing, seen) for row in rows):
            row = checked.row
            shown.append(
                RowView(
                    row.line,
                    row.idempotency_key,
                    _learner(row),
                    dict(row.claims.title) if row.claims else {},
                    row.claims.workload.ects if row.claims else None,
                    checked.outcome,
                    checked.problems,
                )
            )
        return shown

    # -- reading ---------------------------------------------------------------------------

    def get(self, upload_id: str) -> Upload:
        with self._sessions() as session:
            row = session.get(CsvUpload, upload_id)
            if row is None:
                raise NotFound(f"no upload {upload_id}")
            return Upload.of(row)

    def of_member(self, staff_account_id: int, limit: int = 20) -> list[Upload]:
        with self._sessions() as session:
            rows = session.scalars(
                select(CsvUpload)
                .where(CsvUpload.staff_account_id == staff_account_id)
                .order_by(CsvUpload.created_at.desc(), CsvUpload.id)
                .limit(limit)
            )
            return [Upload.of(r) for r in rows]

    def problems_csv(self, upload_id: str) -> Iterator[str]:
        """The rows not prepared (of the run once it started, else of the preview), as CSV:
        line, idempotency_key, outcome, element, reason — one line per problem."""
        upload = self.get(upload_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["line", csv_import.KEY_COLUMN, "outcome", "element", "reason"])
        yield _drain(buffer)
        last = 0
        while True:  # keyset pages: the file may have many bad rows
            with self._sessions() as session:
                page = list(
                    session.scalars(
                        select(CsvUploadProblem)
                        .where(
                            CsvUploadProblem.upload_id == upload_id,
                            CsvUploadProblem.phase == upload.phase,
                            CsvUploadProblem.id > last,
                        )
                        .order_by(CsvUploadProblem.id)
                        .limit(1000)
                    )
                )
            if not page:
                return
            for p in page:
                writer.writerow(
                    [p.line, p.idempotency_key or "", p.outcome, p.element, _safe(p.reason)]
                )
            last = page[-1].id
            yield _drain(buffer)

    # -- the run ---------------------------------------------------------------------------

    def confirm(self, upload_id: str, staff_account_id: int) -> Upload:
        """The member of staff who uploaded it wants its rows prepared: queued for a run."""
        with self._sessions() as session:
            left = _leave_preview(session, upload_id, staff_account_id, UploadState.QUEUED)
            session.commit()
        if not left:
            self._refuse(upload_id, staff_account_id, "not waiting to be confirmed")
        return self.get(upload_id)

    def discard(self, upload_id: str, staff_account_id: int) -> None:
        """Not wanted after its preview: the file and its problems are dropped."""
        with self._sessions() as session:
            left = _leave_preview(
                session, upload_id, staff_account_id, UploadState.DISCARDED, content=b""
            )
            if left:
                session.execute(
                    delete(CsvUploadProblem).where(CsvUploadProblem.upload_id == upload_id)
                )
            session.commit()
        if not left:
            self._refuse(upload_id, staff_account_id, "only a preview is discarded")

    def _refuse(self, upload_id: str, staff_account_id: int, why: str) -> None:
        upload = self.get(upload_id)
        if upload.staff_account_id != staff_account_id:
            raise NotFound(f"no upload {upload_id}")  # another member's: not theirs to see
        raise Conflict(f"upload {upload_id} is {upload.state}: {why}")

    def _claim(self, upload_id: str) -> bool:
        """Hold the upload's lease: queued, or running under a lease that ran out."""
        now = self._clock()
        with self._sessions() as session:
            claimed = session.execute(
                update(CsvUpload)
                .where(
                    CsvUpload.id == upload_id,
                    or_(
                        CsvUpload.state == UploadState.QUEUED.value,
                        (CsvUpload.state == UploadState.RUNNING.value)
                        & (CsvUpload.lease_until < now),
                    ),
                )
                .values(state=UploadState.RUNNING.value, lease_until=now + self._lease)
            )
            session.commit()
        return claimed.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    def run(self, upload_id: str) -> Upload | None:
        """Prepare the upload's rows (``prepared_by`` its member of staff) from the first one
        not done; None when another runner holds it (or it is not queued)."""
        if not self._claim(upload_id):
            return None
        with self._sessions() as session:
            row = session.get(CsvUpload, upload_id)
            assert row is not None
            content, start, member = row.content, row.done, row.staff_account_id
        seen: dict[str, tuple[int, PreparedRecord]] = {}
        rows = self._rows(content)
        for early in itertools.islice(rows, start):  # done: only their keys are needed
            if early.claims is not None and early.idempotency_key and not early.problems:
                key = early.idempotency_key
                record = PreparedRecord(stored_claims(early.claims), early.claims.learner.did, key)
                seen.setdefault(key, (early.line, record))
        for chunk in _chunks(rows, self._chunk):
            self._run_chunk(upload_id, chunk, seen, member)
            faults.point("upload_after_chunk")
        with self._sessions() as session:
            session.execute(
                update(CsvUpload)
                .where(CsvUpload.id == upload_id)
                .values(state=UploadState.DONE.value, lease_until=None, finished_at=self._clock())
            )
            session.commit()
        return self.get(upload_id)

    def _run_chunk(
        self,
        upload_id: str,
        chunk: list[CsvRow],
        seen: dict[str, tuple[int, PreparedRecord]],
        prepared_by: int,
    ) -> None:
        for attempt in (1, 2):
            before = dict(seen)
            try:
                with self._sessions() as session, session.begin():
                    existing = self._records.existing(session, [r.idempotency_key for r in chunk])
                    checked = [_check(row, existing, seen) for row in chunk]
                    records = [c.prepared for c in checked if c.prepared is not None]
                    self._records.insert_prepared(session, records, None, prepared_by)
                    problems = [p for c in checked for p in _problem_rows(upload_id, "run", c)]
                    if problems:
                        session.execute(insert(CsvUploadProblem), problems)
                    counts = {o: sum(c.outcome == o for c in checked) for o in ("skip", "reject")}
                    session.execute(
                        update(CsvUpload)
                        .where(CsvUpload.id == upload_id)
                        .values(
                            done=CsvUpload.done + len(chunk),
                            prepared=CsvUpload.prepared + len(records),
                            skipped=CsvUpload.skipped + counts["skip"],
                            rejected=CsvUpload.rejected + counts["reject"],
                            lease_until=self._clock() + self._lease,
                        )
                    )
                return
            except IntegrityError:
                # Another process stored one of these keys meanwhile: check the chunk again.
                seen.clear()
                seen.update(before)
                if attempt == 2:
                    raise

    def interrupted(self) -> list[tuple[str, datetime | None]]:
        """Uploads confirmed but not done (their process died, or none ran them yet), with
        the end of their lease."""
        with self._sessions() as session:
            return [
                (i, lease)
                for i, lease in session.execute(
                    select(CsvUpload.id, CsvUpload.lease_until)
                    .where(
                        CsvUpload.state.in_([UploadState.QUEUED.value, UploadState.RUNNING.value])
                    )
                    .order_by(CsvUpload.created_at)
                )
            ]


def _leave_preview(
    session: Session,
    upload_id: str,
    staff_account_id: int,
    state: UploadState,
    **values: object,
) -> bool:
    """The uploader's previewed upload moved to ``state``; False if it is none such."""
    done = session.execute(
        update(CsvUpload)
        .where(
            CsvUpload.id == upload_id,
            CsvUpload.staff_account_id == staff_account_id,
            CsvUpload.state == UploadState.PREVIEWED.value,
        )
        .values(state=state.value, **values)
    )
    return done.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _problem_rows(upload_id: str, phase: str, checked: _Checked) -> list[dict[str, object]]:
    if checked.outcome == "prepare":
        return []
    return [
        {
            "upload_id": upload_id,
            "phase": phase,
            "line": checked.row.line,
            "outcome": checked.outcome,
            "idempotency_key": (checked.row.idempotency_key or "")[:200] or None,
            "element": p.element[:200],
            "reason": p.reason,
        }
        for p in checked.problems or [Problem("(row)", "not prepared")]
    ]


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _safe(text: str) -> str:
    """No spreadsheet formula out of a reason that quotes a cell (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class Resumer(Loop):
    """Runs the uploads a dead process left (and queued ones nobody ran), each once its
    lease has run out, in a background thread until stopped."""

    name = "csv-uploads"

    def __init__(self, uploads: Uploads, poll: float = 5.0) -> None:
        super().__init__(poll)
        self._uploads = uploads

    def tick(self) -> None:
        try:
            self.round()
        except (NodeError, SQLAlchemyError) as exc:
            log.error("csv uploads: %s", exc)

    def round(self) -> int:
        """Run every upload whose lease is free now; how many ran."""
        ran = 0
        now = datetime.now(UTC)
        for upload_id, lease in self._uploads.interrupted():
            if self.stopping:
                break
            if lease is None or lease < now:
                try:
                    ran += self._uploads.run(upload_id) is not None
                except InvalidInput as exc:  # cannot happen for a previewed file; logged
                    log.error("csv upload %s: %s", upload_id, exc.message)
        return ran
