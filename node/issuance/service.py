"""Issuing: idempotent requests validated, signed and stored as records with their signed
copies (the records themselves belong to node/issuance/records.py).

Batches are written in chunks; each chunk is one transaction holding its records *and* their
signed copies, so a process that dies mid-batch leaves only whole records behind, and running
the same batch again skips them by their idempotency keys.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.credentials import csv_import
from node.credentials.csv_import import CsvRow
from node.credentials.model import MicroCredentialClaims
from node.credentials.profile import ClaimsInvalid, RequirementProfile
from node.db.models import CredentialFormat, CredentialRecord, RecordState, SignedCopy
from node.errors import Conflict, InvalidInput, Problem
from node.issuance.records import CredentialRecords, Existing, IssuedRecord, stored_claims
from node.issuance.signing import (
    SignedCopyData,
    SigningJob,
    SigningPool,
    Validated,
    ValidationJob,
    subject_problems,
    validate_request,
)

CHUNK = 500
_POOL_THRESHOLD = 200  # below this many credentials, signing in-process is faster


@dataclass(frozen=True)
class IssueRequest:
    claims: Mapping[str, Any] | MicroCredentialClaims
    subject_id: str | None = None
    idempotency_key: str | None = None
    line: int | None = None  # CSV line or array index, for reports
    problems: Sequence[Problem] = ()  # found while reading the input (e.g. a bad CSV cell)

    @classmethod
    def from_csv_row(cls, row: CsvRow) -> IssueRequest:
        return cls(
            claims=row.claims if row.claims is not None else {},
            subject_id=row.claims.learner.did if row.claims is not None else None,
            idempotency_key=row.idempotency_key,
            line=row.line,
            problems=row.problems,
        )


@dataclass
class IssueOutcome:
    position: int
    status: Literal["issued", "prepared", "skipped", "rejected"]
    record_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    copies: list[SignedCopyData] = field(default_factory=list)


_Pending = tuple[IssueOutcome, IssueRequest, Existing | None]  # a request sent to validation


def _validate(
    request: IssueRequest, profile: RequirementProfile, formats: Sequence[CredentialFormat] = ()
) -> MicroCredentialClaims:
    """The request's claims, validated against the model and the institution's profile, and
    its subject against the formats it is to be signed in."""
    claims = validate_request(request.claims, request.problems, profile)
    problems = subject_problems(request.subject_id, formats)
    if problems:
        raise ClaimsInvalid(problems)
    return claims


def _chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class IssuanceService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        signing: SigningPool,
        profile: RequirementProfile,
        records: CredentialRecords,
        *,
        require_approval: bool = False,
        chain: bool = False,
    ) -> None:
        """``chain``: an approval chain is configured (node/issuance/approvals.py): records
        are approved stage by stage by staff, never by :meth:`approve` or in a batch."""
        self._sessions = sessions
        self._signing = signing
        self._profile = profile
        self._records = records
        self._require_approval = require_approval or chain
        self._chain = chain

    @property
    def approval_required(self) -> bool:
        """Records wait for approval (one admin's, or the chain's stages) before signing."""
        return self._require_approval

    # -- single records -------------------------------------------------------------------

    def issue_one(
        self,
        request: IssueRequest,
        formats: Sequence[CredentialFormat],
        token_id: int | None,
        *,
        sign: bool = True,
        prepared_by: int | None = None,
    ) -> tuple[CredentialRecord, list[SignedCopy] | list[SignedCopyData], bool]:
        """Store (``sign``: and sign) one record; (record, copies, replayed).

        The same idempotency key with the same claims and subject is a replay: the original
        record comes back (``replayed``) and nothing new is stored; other claims → 409.
        """
        # Stored as ``prepared`` first (DP 4.2: approval may come later), then signed.
        record, replayed = self._prepare(request, token_id, formats if sign else (), prepared_by)
        if replayed:
            return (*self.get(record.id), True)
        if not sign:
            return record, [], False
        record, copies = self.issue_record(record.id, formats)
        return record, copies, False

    def prepare_cells(self, cells: dict[str, str], prepared_by: int | None) -> CredentialRecord:
        """A record prepared from cells named like the CSV import's columns (the console's
        form): InvalidInput naming each element or column that is wrong."""
        row = csv_import.row_from_cells(cells, self._profile)
        if row.problems or row.claims is None:
            raise InvalidInput("the micro-credential is incomplete or invalid", row.problems)
        record, _copies, _replayed = self.issue_one(
            IssueRequest.from_csv_row(row), (), None, sign=False, prepared_by=prepared_by
        )
        return record

    def validated(self, claims: dict[str, Any]) -> dict[str, Any]:
        """Claims checked as issuing checks them (InvalidInput naming each element), in
        the form records store them."""
        return self._checked(IssueRequest(claims), ())

    def _checked(
        self, request: IssueRequest, formats: Sequence[CredentialFormat]
    ) -> dict[str, Any]:
        try:
            return stored_claims(_validate(request, self._profile, formats))
        except ClaimsInvalid as exc:
            raise InvalidInput(
                "the micro-credential is incomplete or invalid", exc.problems
            ) from None

    def _prepare(
        self,
        request: IssueRequest,
        token_id: int | None,
        formats: Sequence[CredentialFormat],
        prepared_by: int | None,
    ) -> tuple[CredentialRecord, bool]:
        claims = self._checked(request, formats)
        replay = self._replay(request, claims)
        if replay is not None:
            return replay, True
        try:
            record = self._records.prepare(
                claims, request.subject_id, request.idempotency_key, token_id, prepared_by
            )
        except IntegrityError:  # a concurrent request with the key stored it first
            replay = self._replay(request, claims)
            if replay is None:
                raise
            return replay, True
        return record, False

    def _replay(self, request: IssueRequest, claims: dict[str, Any]) -> CredentialRecord | None:
        """The record already stored under the request's idempotency key (None: none);
        Conflict when it was stored with other claims."""
        with self._sessions() as session:
            existing = self._records.existing(session, [request.idempotency_key])
            if request.idempotency_key not in existing:
                return None
            found = existing[request.idempotency_key]
            if not found.same(claims, request.subject_id):
                raise Conflict(f"idempotency key {request.idempotency_key!r} {found.conflict()}")
            return self._records.get(session, found.record_id)

    def approve(self, record_id: str) -> CredentialRecord:
        """The one admin approval (``require_approval`` without a chain)."""
        if self._chain:
            raise Conflict(
                "this node approves through its approval chain: staff decide each stage "
                "(POST /admin/credentials/{id}/decisions)"
            )
        return self._records.approve(record_id)

    def issue_record(
        self, record_id: str, formats: Sequence[CredentialFormat]
    ) -> tuple[CredentialRecord, list[SignedCopyData]]:
        """Sign a prepared (or approved) record; refuse if approval is required and missing."""
        with self._sessions() as session:
            record = self._records.get(session, record_id, lock=True)
            allowed = {RecordState.APPROVED.value}
            if not self._require_approval:
                allowed.add(RecordState.PREPARED.value)
            if record.state not in allowed:
                raise Conflict(
                    f"record {record_id} is {record.state}; issuing needs one of {sorted(allowed)}"
                )
            problems = subject_problems(record.subject_id, formats)
            if problems:
                raise InvalidInput("the record cannot be signed in these formats", problems)
            issued_at = datetime.now(UTC).replace(microsecond=0)
            (status,) = self._records.reserve_status(1)
            job = SigningJob(
                record.id, record.claims, record.subject_id, issued_at, tuple(formats), status
            )
            copies = self._signing.sign_one(job)
            self._records.mark_issued(record, issued_at, status)
            self._records.add_copies(session, record.id, copies)
            session.commit()
            return record, copies

    def get(self, record_id: str) -> tuple[CredentialRecord, list[SignedCopy]]:
        return self._records.with_copies(record_id)

    # -- batches ---------------------------------------------------------------------------

    def issue_batch(
        self,
        requests: Iterable[IssueRequest],
        formats: Sequence[CredentialFormat],
        token_id: int | None,
        *,
        positions: str = "item",
        on_progress: Callable[[IssueOutcome], None] | None = None,
    ) -> Iterator[IssueOutcome]:
        """Issue every valid request, skip replays of issued keys, report bad ones.

        Streams: requests are read, validated, signed and stored chunk by chunk. A key seen
        twice in the batch rejects the later request, naming the first (``positions`` says
        what a position is: ``item`` of a JSON array, ``line`` of a CSV file). A key already
        issued is a replay ("skipped") when its claims and subject are the same, else
        rejected: one key is one credential.
        """
        if self._require_approval:
            raise Conflict(
                "issuing on this node needs approved records (require_approval or an approval "
                "chain): a batch cannot sign directly; prepare each record (issue: false)"
            )
        position = 0
        first_seen: dict[str, int] = {}
        profile = self._profile

        # Validation and signing run in the workers; here, in order: the in-batch duplicates
        # and the idempotency check against the database (per chunk, when it is read).
        # Replays are validated (to compare) but signed in no format.
        def staged(chunk: list[IssueRequest]) -> tuple[Any, list[ValidationJob]]:
            nonlocal position
            outcomes: list[IssueOutcome] = []
            pending: list[_Pending] = []
            items: list[ValidationJob] = []
            keys = [r.idempotency_key for r in chunk if r.idempotency_key]
            with self._sessions() as session:
                existing = self._records.existing(session, keys)
            issued_at = datetime.now(UTC).replace(microsecond=0)
            for request in chunk:
                outcome = IssueOutcome(
                    position=request.line if request.line is not None else position,
                    status="rejected",
                )
                position += 1
                outcomes.append(outcome)
                key = request.idempotency_key
                if key and first_seen.setdefault(key, outcome.position) != outcome.position:
                    reason = f"the same key as {positions} {first_seen[key]} of this batch"
                    outcome.problems = [Problem("idempotencyKey", reason)]
                    continue
                replay_of = existing.get(key) if key else None
                outcome.record_id = replay_of.record_id if replay_of else str(uuid.uuid4())
                pending.append((outcome, request, replay_of))
                items.append(
                    ValidationJob(
                        outcome.record_id,
                        request.claims,
                        request.problems,
                        request.subject_id,
                        issued_at,
                        () if replay_of else tuple(formats),
                    )
                )
            # Status indexes are reserved (committed) before signing: the credentials embed
            # them. An index of a request that turns out invalid is simply never used.
            fresh = [i for i, (_, _, replay_of) in enumerate(pending) if replay_of is None]
            for i, st in zip(fresh, self._records.reserve_status(len(fresh)), strict=True):
                items[i] = replace(items[i], status=st)
            return (outcomes, pending), items

        def settle(
            pending: list[_Pending], results: list[Validated]
        ) -> tuple[list[SigningJob], list[list[SignedCopyData]]]:
            """Outcomes of a chunk from its results, in order; what is to be stored."""
            jobs: list[SigningJob] = []
            copies: list[list[SignedCopyData]] = []
            for (outcome, _, replay_of), result in zip(pending, results, strict=True):
                if result.job is None:
                    outcome.record_id = None
                    outcome.problems = result.problems
                elif replay_of is not None:
                    if replay_of.same(result.job.claims, result.job.subject_id):
                        outcome.status = "skipped"
                        outcome.problems = [Problem("idempotencyKey", "already issued")]
                    else:
                        outcome.record_id = None
                        outcome.problems = [Problem("idempotencyKey", replay_of.conflict())]
                else:
                    outcome.status = "issued"
                    jobs.append(result.job)
                    copies.append(result.copies)
            return jobs, copies

        stream = (staged(chunk) for chunk in _chunked(requests, CHUNK))
        first = next(stream, None)
        if first is None:
            return
        second = next(stream, None)
        ahead = [first] if second is None else [first, second]
        validated: Iterator[tuple[Any, list[Validated]]]
        if second is None and len(first[1]) < _POOL_THRESHOLD:
            validated = (
                (meta, [self._signing.validate_and_sign_one(item, profile) for item in items])
                for meta, items in ahead
            )
        else:
            validated = self._signing.validate_and_sign_chunks(
                profile, itertools.chain(ahead, stream)
            )
        for (outcomes, pending), results in validated:
            jobs, copies = settle(pending, results)
            requests_by_record = {
                outcome.record_id: request
                for outcome, request, _ in pending
                if outcome.record_id and outcome.status == "issued"
            }
            self._store_chunk(jobs, copies, requests_by_record, outcomes, token_id)
            for outcome in outcomes:
                if on_progress:
                    on_progress(outcome)
                yield outcome

    def _store_chunk(
        self,
        jobs: Sequence[SigningJob],
        copies: list[list[SignedCopyData]],
        requests: dict[str, IssueRequest],
        outcomes: list[IssueOutcome],
        token_id: int | None,
    ) -> None:
        by_record = {o.record_id: o for o in outcomes if o.status == "issued"}
        for job, job_copies in zip(jobs, copies, strict=True):
            by_record[job.record_id].copies = job_copies
        remaining = list(zip(jobs, copies, strict=True))
        while remaining:
            try:
                issued = [
                    IssuedRecord(
                        job.record_id,
                        requests[job.record_id].idempotency_key,
                        job.claims,
                        job.subject_id,
                        job.issued_at,
                        job.status,
                        job_copies,
                    )
                    for job, job_copies in remaining
                ]
                with self._sessions() as session, session.begin():
                    self._records.insert_issued(session, issued, token_id)
                return
            except IntegrityError:
                # Another process issued some of these keys meanwhile: skip those, retry rest.
                keys = [requests[job.record_id].idempotency_key for job, _ in remaining]
                with self._sessions() as session:
                    existing = self._records.existing(session, keys)
                if not existing:
                    raise
                kept = []
                for job, job_copies in remaining:
                    key = requests[job.record_id].idempotency_key
                    if key in existing:
                        outcome = by_record[job.record_id]
                        outcome.status = "skipped"
                        outcome.record_id = existing[key].record_id
                        outcome.copies = []
                        outcome.problems = [Problem("idempotencyKey", "already issued")]
                    else:
                        kept.append((job, job_copies))
                remaining = kept
