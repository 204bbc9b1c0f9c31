"""A learner's transcript of records: one credential listing every credential they hold from
this institution (issued, neither revoked nor suspended) and, for a recognition decision
among them, the partners' credentials it recognises — for an employer who wants one
document. Each entry names its credential by id and the digest of its first signed copy,
so every one can still be verified on its own (the public lookup by hash).

The transcript is a credential of this institution like any other (claims element
``transcript``, node/credentials/model.py; OB3 ``achievementType`` ``ext:TranscriptOfRecords``):
its EU elements summarise the entries (outcomes, total ECTS, highest EQF level), the
institution's elements come from the newest entry. Issued through the approval chain where
one is configured; the same credentials on the same day give the same transcript
(idempotency key ``transcript:{account}:{day}:{digest of the record ids}``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import CredentialRecord, LearnerCredential, SignedCopy
from node.domain import CredentialFormat, RecordState
from node.errors import Conflict
from node.issuance.service import IssuanceService, IssueRequest

TITLE = {
    "en": "Transcript of records",
    "de": "Leistungsübersicht",
    "es": "Expediente académico",
    "fi": "Opintosuoritusote",
}
_CARRIED = ("awardingBodies", "qualityAssurance", "issuerCountries", "participationForm")


class Transcripts:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        did: str,
        issuance: Callable[[], IssuanceService],
        formats: Sequence[CredentialFormat],
        attach: Callable[[str, str], object],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions, self._did = sessions, did
        self._issuance, self._formats, self._attach = issuance, list(formats), attach
        self._clock = clock

    def issue(self, account_id: str) -> tuple[str, str]:
        """The learner's transcript as of today: (record id, its state: issued, or prepared
        for the approval chain). Conflict when they hold no credential here."""
        held = self._held(account_id)
        if not held:
            raise Conflict("this account holds no credential of this institution to list")
        today = self._clock().date()
        claims = transcript_claims(held, self._did, today)
        ids = hashlib.sha256("\n".join(sorted(r for r, _, _ in held)).encode()).hexdigest()
        request = IssueRequest(
            claims, idempotency_key=f"transcript:{account_id}:{today.isoformat()}:{ids[:32]}"
        )
        issuance = self._issuance()
        record, _copies, _replayed = issuance.issue_one(
            request, self._formats, token_id=None, sign=not issuance.approval_required
        )
        if record.state == RecordState.ISSUED.value:  # (a replay attaches it again: a no-op)
            self._attach(account_id, record.id)
        return record.id, record.state

    def _held(self, account_id: str) -> list[tuple[str, dict[str, Any], str]]:
        """(record id, claims, digest of its first signed copy), oldest first: the issued
        credentials of the account, transcripts excluded."""
        with self._sessions() as session:
            rows = session.execute(
                select(CredentialRecord.id, CredentialRecord.claims, SignedCopy.leaf_digest)
                .join(LearnerCredential, LearnerCredential.record_id == CredentialRecord.id)
                .join(SignedCopy, SignedCopy.record_id == CredentialRecord.id)
                .where(
                    LearnerCredential.account_id == account_id,
                    CredentialRecord.state == RecordState.ISSUED.value,
                )
                .order_by(CredentialRecord.issued_at, CredentialRecord.id, SignedCopy.id)
            ).all()
        first: dict[str, tuple[str, dict[str, Any], str]] = {}
        for record_id, claims, digest in rows:
            if "transcript" not in claims:
                first.setdefault(record_id, (record_id, dict(claims), digest))
        return list(first.values())


def transcript_claims(
    held: Sequence[tuple[str, Mapping[str, Any], str]], did: str, today: Any
) -> dict[str, Any]:
    """The transcript's claims (camelCase JSON) from the held records, oldest first."""
    newest = held[-1][1]
    entries = [_entry(record_id, claims, digest, did) for record_id, claims, digest in held]
    outcomes = [o for _, claims, _ in held for o in claims.get("learningOutcomes", [])]
    # The language of the transcript: the one of its title's most outcomes are written in;
    # the outcomes summarised are those written in it (each credential keeps its own).
    language = max(TITLE, key=lambda lang: sum(lang in o.get("text", {}) for o in outcomes))
    outcomes = [o for o in outcomes if language in o.get("text", {})]
    levels = [c.get("level", {}).get("eqf") for _, c, _ in held]
    # A micro-degree listed with its parts: its ECTS are theirs, counted once.
    stacked = {
        key
        for _, c, _ in held
        for p in (c.get("stack") or {}).get("parts", [])
        for key in (p.get("digest"), p.get("credential"))
        if key
    }
    counted = [
        c for record_id, c, digest in held if not {digest, f"urn:uuid:{record_id}"} & stacked
    ]
    total = sum(float(c.get("workload", {}).get("ects") or 0) for c in counted)
    hours = sum(float(c.get("workload", {}).get("certifiedHours") or 0) for c in counted)
    claims: dict[str, Any] = {
        key: newest[key] for key in _CARRIED if newest.get(key) not in (None, [], {})
    }
    claims |= {
        "learner": newest["learner"],
        "title": dict(TITLE),
        "dateOfIssuing": today.isoformat(),
        "learningOutcomes": outcomes[:100],
        "workload": {
            key: value for key, value in (("ects", total), ("certifiedHours", hours)) if value
        },
        "level": {"eqf": max(x for x in levels if x)} if any(levels) else {},
        "assessmentTypes": sorted({a for _, c, _ in held for a in c.get("assessmentTypes", [])}),
        "primaryLanguage": language,
        "transcript": {"asOf": today.isoformat(), "entries": entries},
    }
    return claims


def _entry(record_id: str, claims: Mapping[str, Any], digest: str, did: str) -> dict[str, Any]:
    grade = claims.get("grade") or {}
    recognition = claims.get("recognition") or {}
    entry = {
        "credential": f"urn:uuid:{record_id}",
        "digest": digest,
        "issuer": did,
        "achievement": claims.get("achievementId"),
        "ects": (claims.get("workload") or {}).get("ects"),
        "grade": grade.get("value"),
        "title": claims["title"],
        "dateOfIssuing": claims["dateOfIssuing"],
        "recognised": list(recognition.get("recognised", [])),
    }
    return {key: value for key, value in entry.items() if value not in (None, [])}
