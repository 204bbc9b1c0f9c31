"""Rendering a record's claims into signed credentials, in-process or in worker processes.

Bulk issuance signs in a process pool (one worker per core): canonicalisation and signing are
CPU-bound, and the main process meanwhile writes the previous chunk to the database.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from node.credentials.model import DID_PATTERN, MicroCredentialClaims
from node.credentials.profile import ClaimsInvalid, RequirementProfile, validate_claims
from node.credentials.render import (
    SD_JWT_VCT_PATH,
    IssuerInfo,
    to_sd_jwt_vc,
    to_vcdm2,
    to_vcdm11_claims,
)
from node.credentials.vocab import LegalStatus
from node.domain import CredentialFormat
from node.errors import Problem
from node.identity import InstitutionIdentity
from node.status.entries import StatusAssignment, status_entries, status_list_url, vcdm11_status
from node.status.token_status import status_claim
from vc import data_integrity, jose, sdjwt
from vc.digest import jwt_digest, sd_jwt_digest
from vc.errors import KeyResolutionError, VCError
from vc.signer import Ed25519Signer, P256Signer
from vc.terms import expand_strict_memoised


@dataclass(frozen=True)
class SignedCopyData:
    format: CredentialFormat
    content: str  # JSON text (Data Integrity), compact JWS (JWT) or SD-JWT (dc+sd-jwt)
    leaf_digest: str  # hex SHA-256, docs/architecture.md "Anchoring"


@dataclass(frozen=True)
class SigningJob:
    record_id: str
    claims: dict[str, Any]  # validated claims, JSON form (picklable, cheap to ship)
    subject_id: str | None
    issued_at: datetime
    formats: tuple[CredentialFormat, ...]
    status: StatusAssignment | None = None  # reserved before signing: the credential embeds it


@dataclass(frozen=True)
class ValidationJob:
    """A request to validate and, when valid, sign — validation runs in the workers too."""

    record_id: str
    claims: Mapping[str, Any] | MicroCredentialClaims  # as received
    problems: Sequence[Problem]  # found while reading the input
    subject_id: str | None
    issued_at: datetime
    formats: tuple[CredentialFormat, ...]
    status: StatusAssignment | None = None


@dataclass(frozen=True)
class Validated:
    """A :class:`ValidationJob` done: the signing job and its copies, or the problems."""

    job: SigningJob | None
    copies: list[SignedCopyData]
    problems: list[Problem]


SUBJECT_ELEMENT: Final = "subjectId"
_DID = re.compile(DID_PATTERN)


def subject_problems(subject_id: str | None, formats: Sequence[CredentialFormat]) -> list[Problem]:
    """Why the learner's DID cannot be the subject of ``formats`` (none when it can).

    Every copy names the DID as its subject; an SD-JWT VC also binds the holder's key
    (``cnf.jwk``), which only a did:key or did:jwk carries.
    """
    if subject_id is None:
        return []
    if not _DID.fullmatch(subject_id) or len(subject_id) > 2000:
        return [Problem(SUBJECT_ELEMENT, "not a DID (did:key:…, did:jwk:…)")]
    if CredentialFormat.SD_JWT_VC in formats:
        try:
            sdjwt.holder_jwk(subject_id)
        except KeyResolutionError as exc:
            reason = f"no holder key for {CredentialFormat.SD_JWT_VC.value}: {exc}"
            return [Problem(SUBJECT_ELEMENT, reason)]
    return []


def validate_request(
    claims: Mapping[str, Any] | MicroCredentialClaims,
    problems: Sequence[Problem],
    profile: RequirementProfile,
) -> MicroCredentialClaims:
    """The request's claims, validated against the model and the institution's profile."""
    if problems:
        raise ClaimsInvalid(list(problems))
    if isinstance(claims, MicroCredentialClaims):
        found = profile.check(claims)
        if found:
            raise ClaimsInvalid(found)
        return claims
    return validate_claims(claims, profile)


@dataclass(frozen=True)
class IssuerKeys:
    """What a worker needs to sign: public identity facts and the raw private keys."""

    did: str
    name: str
    country: str
    legal_status: str
    origin: str
    ed25519_vm: str
    ed25519_raw: bytes
    p256_vm: str
    p256_der: bytes


class CredentialSigner:
    def __init__(self, keys: IssuerKeys) -> None:
        self._issuer = IssuerInfo(
            id=keys.did,
            name=keys.name,
            country=keys.country,
            legal_status=LegalStatus(keys.legal_status),
            url=keys.origin,
        )
        self._did = keys.did
        self._origin = keys.origin
        self._ed = Ed25519Signer(
            keys.ed25519_vm, ed25519.Ed25519PrivateKey.from_private_bytes(keys.ed25519_raw)
        )
        p256 = serialization.load_der_private_key(keys.p256_der, password=None)
        assert isinstance(p256, ec.EllipticCurvePrivateKey)
        self._p256 = P256Signer(keys.p256_vm, p256)

    def sign(self, job: SigningJob) -> list[SignedCopyData]:
        return self._sign(job, MicroCredentialClaims.model_validate(job.claims))

    def validate_and_sign(self, item: ValidationJob, profile: RequirementProfile) -> Validated:
        """Validate like the issuance service does, then sign what is valid."""
        try:
            claims = validate_request(item.claims, item.problems, profile)
        except ClaimsInvalid as exc:
            return Validated(None, [], exc.problems)
        problems = subject_problems(item.subject_id, item.formats)
        if problems:
            return Validated(None, [], problems)
        job = SigningJob(
            item.record_id,
            claims.model_dump(mode="json", by_alias=True, exclude_none=True),
            item.subject_id,
            item.issued_at,
            item.formats,
            item.status,
        )
        # Rendering reads the validated model: the same claims model_validate(job.claims)
        # would rebuild (model_dump is lossless for the model), without validating again.
        try:
            copies = self._sign(job, claims)
        except VCError as exc:  # one item that cannot be signed never stops a batch
            return Validated(None, [], [Problem("(credential)", f"cannot be signed: {exc}")])
        return Validated(job, copies, [])

    def _sign(self, job: SigningJob, claims: MicroCredentialClaims) -> list[SignedCopyData]:
        credential_id = f"urn:uuid:{job.record_id}"
        status = status_entries(self._origin, job.status) if job.status else []
        vcdm11_entry = vcdm11_status(self._origin, job.status) if job.status else None
        copies = []
        for fmt in job.formats:
            if fmt is CredentialFormat.SD_JWT_VC:
                token = self._sd_jwt_vc(job, claims, credential_id)
                copies.append(SignedCopyData(fmt, token, sd_jwt_digest(token).hex()))
                continue
            if fmt is CredentialFormat.JWT_VC_JSON:
                vc11 = to_vcdm11_claims(
                    claims,
                    credential_id=credential_id,
                    issuer=self._issuer,
                    valid_from=job.issued_at,
                    subject_id=job.subject_id,
                    credential_status=vcdm11_entry,
                )
                token = jose.sign_jwt_vc_json(
                    vc11,
                    self._p256,
                    issuer=self._did,
                    subject=job.subject_id,
                    jti=credential_id,
                    nbf=int(job.issued_at.timestamp()),
                )
                copies.append(SignedCopyData(fmt, token, jwt_digest(token).hex()))
                continue
            unsigned = to_vcdm2(
                claims,
                credential_id=credential_id,
                issuer=self._issuer,
                valid_from=job.issued_at,
                subject_id=job.subject_id,
                credential_status=status,
            )
            suite = data_integrity.RDFC if fmt is CredentialFormat.LDP_RDFC else data_integrity.JCS
            created = job.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            if suite == data_integrity.JCS:
                # data_integrity.sign(strict_terms=True) would run a full RDFC-1.0 just to
                # reject undefined terms; expand_strict is that check (see _check_terms).
                _check_terms(unsigned)
            signed, digest = data_integrity.sign_with_digest(
                unsigned, self._ed, cryptosuite=suite, created=created, strict_terms=False
            )
            content = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
            copies.append(SignedCopyData(fmt, content, digest.hex()))
        return copies

    def _sd_jwt_vc(self, job: SigningJob, claims: MicroCredentialClaims, credential_id: str) -> str:
        """An SD-JWT VC (ES256, the same P-256 key as jwt_vc_json): the holder's key from
        its DID in ``cnf.jwk``, the record's Token Status List entry in ``status`` (its
        message list: revoked and suspended alike)."""
        status = None
        if job.status is not None:
            status = status_claim(
                job.status, lambda list_id: status_list_url(self._origin, list_id)
            )
        always, selective = to_sd_jwt_vc(
            claims,
            credential_id=credential_id,
            issuer=self._issuer,
            valid_from=job.issued_at,
            vct=self._origin + SD_JWT_VCT_PATH,
            holder_jwk=sdjwt.holder_jwk(job.subject_id) if job.subject_id else None,
            status=status,
        )
        return sdjwt.issue(always, selective, self._p256, decoys=_SD_DECOYS)


# Decoy digests in every SD-JWT VC: the number of withholdable claims varies with the record
# (grade or not, …); a few decoys keep it from showing (RFC 9901 §4.2.5).
_SD_DECOYS = 3


def _check_terms(document: Mapping[str, Any]) -> None:
    """Raise what ``expand_strict`` raises on the document eddsa-jcs-2022 signs."""
    unsecured = data_integrity.with_proof_context(
        {k: v for k, v in document.items() if k != "proof"}
    )
    if "@context" not in unsecured:
        return
    expand_strict_memoised(unsecured)


def issuer_keys(identity: InstitutionIdentity, ed_private: Any, p256_private: Any) -> IssuerKeys:
    return IssuerKeys(
        did=identity.did,
        name=identity.name,
        country=identity.country,
        legal_status=identity.legal_status,
        origin=identity.origin,
        ed25519_vm=identity.ed25519_vm,
        ed25519_raw=ed_private.private_bytes_raw(),
        p256_vm=identity.p256_vm,
        p256_der=p256_private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


M = TypeVar("M")

# --- worker processes -------------------------------------------------------------------------

_worker_signer: CredentialSigner | None = None


def _init_worker(keys: IssuerKeys) -> None:
    global _worker_signer
    _worker_signer = CredentialSigner(keys)
    parent = os.getppid()
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    """A worker whose parent was killed (kill -9 mid-batch) exits instead of lingering:
    forked workers hold their own queue's write end, so they never see it close."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _sign_chunk(jobs: Sequence[SigningJob]) -> list[list[SignedCopyData]]:
    assert _worker_signer is not None, "worker not initialised"
    return [_worker_signer.sign(job) for job in jobs]


def _validate_and_sign_chunk(
    profile: RequirementProfile, items: Sequence[ValidationJob]
) -> list[Validated]:
    assert _worker_signer is not None, "worker not initialised"
    return [_worker_signer.validate_and_sign(item, profile) for item in items]


class SigningPool:
    """Signs chunks of jobs in worker processes, in order, keeping at most a few in flight."""

    def __init__(self, keys: IssuerKeys, workers: int = 0) -> None:
        self._keys = keys
        self._workers = workers or os.cpu_count() or 1
        self._local = CredentialSigner(keys)
        self._executor: Executor | None = None

    def _pool(self) -> Executor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self._workers, initializer=_init_worker, initargs=(self._keys,)
            )
        return self._executor

    def sign_one(self, job: SigningJob) -> list[SignedCopyData]:
        return self._local.sign(job)

    def sign_chunks(
        self, chunks: Iterable[tuple[M, Sequence[SigningJob]]]
    ) -> Iterator[tuple[M, Sequence[SigningJob], list[list[SignedCopyData]]]]:
        """Sign chunks in the pool, yielding (meta, jobs, copies per job) in input order.

        A few chunks stay in flight so the workers sign while the caller stores results.
        """
        pool = self._pool()
        in_flight: deque[tuple[M, Sequence[SigningJob], Future[list[list[SignedCopyData]]]]]
        in_flight = deque()
        depth = self._workers * 2
        for meta, jobs in chunks:
            in_flight.append((meta, jobs, pool.submit(_sign_chunk, jobs)))
            if len(in_flight) >= depth:
                done_meta, done_jobs, future = in_flight.popleft()
                yield done_meta, done_jobs, future.result()
        while in_flight:
            done_meta, done_jobs, future = in_flight.popleft()
            yield done_meta, done_jobs, future.result()

    def validate_and_sign_one(self, item: ValidationJob, profile: RequirementProfile) -> Validated:
        return self._local.validate_and_sign(item, profile)

    def validate_and_sign_chunks(
        self, profile: RequirementProfile, chunks: Iterable[tuple[M, Sequence[ValidationJob]]]
    ) -> Iterator[tuple[M, list[Validated]]]:
        """Validate and sign chunks in the pool, yielding (meta, results) in input order."""
        pool = self._pool()
        in_flight: deque[tuple[M, Future[list[Validated]]]] = deque()
        depth = self._workers * 2
        for meta, items in chunks:
            in_flight.append((meta, pool.submit(_validate_and_sign_chunk, profile, items)))
            if len(in_flight) >= depth:
                done_meta, future = in_flight.popleft()
                yield done_meta, future.result()
        while in_flight:
            done_meta, future = in_flight.popleft()
            yield done_meta, future.result()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
