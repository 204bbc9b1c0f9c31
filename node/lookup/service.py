"""Verify whatever an employer hands over, and answer hash lookups without personal data."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.db.models import AnchorBatch, CredentialRecord, RecordState, SignedCopy
from node.errors import InvalidInput, NotFound
from node.ledger.status_check import NO_STATUS
from node.lookup.summary import credential_summary, issuer_facts, vocabulary_of
from node.verification.limits import Deadline
from node.verification.pipeline import PENDING as PIPELINE_PENDING
from node.verification.pipeline import Check, Report, Verifier
from node.verification.presentation import PresentationReport, is_presentation, verify_presentation
from node.verification.shapes import view_of

HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")
SINGLE_INSTITUTION = (
    "the trust anchor is one institution's own chain: no other institution vouches for "
    "this credential"
)

# The verdict a person reads first (the web page words each in four languages).
VALID, PENDING, INVALID, REVOKED, SUSPENDED, UNCHECKABLE = (
    "valid",
    "pending",
    "invalid",
    "revoked",
    "suspended",
    "cannot_check",
)


@dataclass
class Outcome:
    report: Report
    kind: str  # Data Integrity | jwt_vc_json | vc+jwt
    credential: dict[str, Any]  # the credential body (for jwt_vc_json: the vc claim)
    presentation: bool = False
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    presentations: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A verified presentation: its checks (holder proof, nonce, audience) and one outcome per
    # credential in it (this outcome is the first).
    holder_proof: PresentationReport | None = None
    presented: list[Outcome] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        if self.holder_proof is not None:
            return self.holder_proof.verified
        return self.report.verified

    @property
    def verdict(self) -> str:
        verdict = verdict_of(self.report)
        return INVALID if verdict in (VALID, PENDING) and not self.verified else verdict

    def summary(self, lang: str = "en") -> dict[str, Any]:
        if lang not in self.summaries:
            self.summaries[lang] = credential_summary(self.credential, lang)
        return self.summaries[lang]

    def vocabulary(self) -> dict[str, list[str]]:
        """The codes behind the summary's vocabulary fields (pages name them)."""
        return vocabulary_of(self.credential)

    def trust(self, lang: str = "en") -> dict[str, Any]:
        """Whom the verdict relies on: the network (chain id and name, active members, one
        institution's own chain or not) and the issuer (DID, its domain, its name)."""
        network = self.report.network
        facts: dict[str, Any] = {"issuer": issuer_facts(self.credential, lang), "network": None}
        if network is not None:
            facts["network"] = {
                "chainId": network.chain_id,
                "name": network.name,
                "members": network.members,
                "singleInstitution": network.single_institution,
            }
            if network.single_institution:
                facts["note"] = SINGLE_INSTITUTION
        return facts

    def presentation_dict(self, lang: str = "en") -> dict[str, Any] | None:
        """The presentation's checks and one report per credential (None: no presentation)."""
        if self.holder_proof is None:
            return None
        if lang in self.presentations:
            return self.presentations[lang]
        self.presentations[lang] = {
            "kind": self.holder_proof.kind,
            "holder": self.holder_proof.holder,
            "checks": [
                {"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.holder_proof.checks
            ],
            "credentials": [
                {
                    **o.report.as_dict(),
                    "verdict": verdict_of(o.report),
                    "credential": o.summary(lang),
                }
                for o in self.presented
            ],
        }
        return self.presentations[lang]


def verdict_of(report: Report) -> str:
    """valid / pending / revoked / suspended / not valid / cannot be checked.

    "valid" is a promise that every check ran and passed — only a holder binding (a bare
    credential binds no holder) and the status of a credential without a status entry are
    not there to run. "pending": nothing failed, and what did not run yet is the ledger's
    record of it — its anchor batch, or the status list version it is read from, is not
    confirmed on the chain yet. "cannot be checked": nothing failed, but a check could not
    run now (the chain, a peer's node, a list), or found no record (no inclusion proof)."""
    if report.verified:
        waiting = [c for c in report.checks if _not_run(c) or c.state == PIPELINE_PENDING]
        if not waiting:
            return VALID
        if all(c.state == PIPELINE_PENDING for c in waiting):
            return PENDING
        return UNCHECKABLE
    status = next((c for c in report.checks if c.name == "status"), None)
    if status is not None and status.ok is False:
        if status.detail.startswith("revoked"):
            return REVOKED
        if status.detail.startswith("suspended"):
            return SUSPENDED
    if any(c.ok is False for c in report.checks):
        return INVALID
    return UNCHECKABLE  # nothing failed, but a core check could not run (chain down)


def _not_run(check: Check) -> bool:
    """A check that did not run although it applies (see :func:`verdict_of`)."""
    if check.ok is not None or check.name == "holder_binding":
        return False
    return not (check.name == "status" and check.detail == NO_STATUS)


def _b64url_json(segment: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _unwrap_presentation(item: Mapping[str, Any] | str) -> tuple[Mapping[str, Any] | str, bool]:
    """The one credential inside a verifiable presentation (JSON-LD or ``vp`` JWT claim);
    anything else is returned as it is."""
    inner: Any = None
    if isinstance(item, str):
        parts = item.strip().split(".")
        payload = _b64url_json(parts[1]) if len(parts) == 3 else None
        if isinstance(payload, dict) and isinstance(payload.get("vp"), Mapping):
            inner = payload["vp"].get("verifiableCredential")
        else:
            return item, False
    else:
        types = item.get("type")
        types = types if isinstance(types, list) else [types]
        if "VerifiablePresentation" not in types:
            return item, False
        inner = item.get("verifiableCredential")
    credentials = inner if isinstance(inner, list) else [inner] if inner else []
    if len(credentials) != 1:
        raise InvalidInput(
            f"a presentation must carry exactly one credential here, not {len(credentials)}"
        )
    credential = credentials[0]
    if (
        isinstance(credential, Mapping)
        and credential.get("type") == "EnvelopedVerifiableCredential"
    ):
        data = credential.get("id")
        if isinstance(data, str) and data.startswith("data:") and "," in data:
            credential = data.split(",", 1)[1]
    if not isinstance(credential, Mapping | str):
        raise InvalidInput("the presentation's credential is neither JSON nor a JWT")
    return credential, True


def parse_text(text: str) -> Mapping[str, Any] | str:
    """Pasted or uploaded text: a JSON credential / presentation, or a compact JWT."""
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise InvalidInput("nothing to verify: paste a credential or choose a file")
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except ValueError as exc:
            raise InvalidInput(f"not valid JSON: {exc}") from exc
        except RecursionError:
            raise InvalidInput("not a credential: its JSON is nested far too deeply") from None
        if not isinstance(value, dict):
            raise InvalidInput("a credential is a JSON object")
        return value
    if stripped.startswith('"') and stripped.endswith('"'):
        stripped = stripped[1:-1]
    return "".join(stripped.split())  # a JWT wrapped over lines


def verify_input(
    verifier: Verifier,
    item: Mapping[str, Any] | str,
    when: datetime | None = None,
    deadline: Deadline | None = None,
    *,
    checked: bool = False,
) -> Outcome:
    """Verify a credential or a presentation. Raises InvalidInput / MalformedError (both
    422) for input that is not a credential at all, LimitExceeded (422) for input over the
    verifier's limits — before anything costly; ``checked``: the caller did that —,
    VerificationTimeout (503) past the ``deadline`` (default: the limits' own, from now)."""
    if not checked:
        verifier.limits.check(item)
    deadline = deadline or verifier.limits.deadline()
    if not (isinstance(item, str) and "~" in item) and is_presentation(item):
        return _presentation(verifier, item, when, deadline)
    if isinstance(item, str) and "~" in item:
        # An SD-JWT VC (…~disclosure~…~[KB-JWT]): the credential itself, with what its
        # holder disclosed (node.verification.shapes).
        credential: Mapping[str, Any] | str = item
        presented = False
    else:
        credential, presented = _unwrap_presentation(item)
    if isinstance(credential, str) and "~" in credential and presented:
        raise InvalidInput("an SD-JWT VC is verified on its own, not inside a presentation")
    view = view_of(credential)  # MalformedError (422) for what is no credential at all
    report = verifier.verify_view(view, when, deadline)
    if presented:
        report.checks = [
            Check(
                "holder_binding",
                None,
                "not checked: the presentation's holder proof is not verified yet",
            )
            if c.name == "holder_binding"
            else c
            for c in report.checks
        ]
    return Outcome(report, view.kind, view.credential, presented)


def _presentation(
    verifier: Verifier, item: Mapping[str, Any] | str, when: datetime | None, deadline: Deadline
) -> Outcome:
    """A presentation (node.verification.presentation): no nonce or audience is expected
    here, so the holder's proof is checked and its freshness is reported as not checked."""
    report = verify_presentation(verifier, item, when=when, deadline=deadline, checked=True)
    outcomes = [Outcome(c.report, c.kind, c.body, presentation=True) for c in report.credentials]
    first = outcomes[0]
    first.holder_proof = report
    first.presented = outcomes
    return first


# ---- hash lookup --------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupResult:
    leaf_digest: str
    format: str
    issuer: str  # the issuing member's DID
    anchor_state: str  # pending | built | submitted | confirmed
    block_number: int | None
    block_time: datetime | None
    tx_hash: str | None
    chain_id: int | None
    revoked: bool
    suspended: bool


def normalise_digest(value: str) -> str:
    digest = value.strip().lower()
    if digest.startswith("0x"):
        digest = digest[2:]
    if not HEX_DIGEST.fullmatch(digest):
        raise InvalidInput("a credential hash is 64 hexadecimal digits (SHA-256)")
    return digest


def lookup_digest(sessions: sessionmaker[Session], digest: str, issuer_did: str) -> LookupResult:
    """Chain facts and status of one signed copy by its leaf digest — no personal data."""
    digest = normalise_digest(digest)
    with sessions() as session:
        row = session.execute(
            select(SignedCopy.format, CredentialRecord.state, AnchorBatch)
            .join(CredentialRecord, SignedCopy.record_id == CredentialRecord.id)
            .join(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id, isouter=True)
            .where(SignedCopy.leaf_digest == digest)
        ).first()
    if row is None:
        raise NotFound("no credential with this hash is known to this node")
    fmt, state, batch = row
    return LookupResult(
        leaf_digest=digest,
        format=fmt,
        issuer=issuer_did,
        anchor_state=batch.state if batch is not None else "pending",
        block_number=batch.block_number if batch is not None else None,
        block_time=batch.block_time if batch is not None else None,
        tx_hash=batch.tx_hash if batch is not None else None,
        chain_id=batch.chain_id if batch is not None else None,
        revoked=state == RecordState.REVOKED,
        suspended=state == RecordState.SUSPENDED,
    )
