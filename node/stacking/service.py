"""Stack rules, a learner's progress and the micro-degree (docs/stacking.md).

- **Rules** (:meth:`Stacks.define`, :meth:`Stacks.amend`): each stack of this (awarding)
  institution is a micro-degree entry of its catalogue with immutable, numbered rule
  versions; ``GET /api/stacks`` serves them, each version at its URL with its JCS digest.
- **Progress** (:meth:`Stacks.progress`, :meth:`Stacks.held`, :meth:`Stacks.ask_wallet` →
  :meth:`Stacks.presented`): the credentials a learner presents — files, those held at this
  node in their account, or from their wallet over OpenID4VP — run the full pipeline, then
  the rule's newest version (node/stacking/progress.py).
- **The micro-degree** (:meth:`Stacks.issue`): when the rule holds — judged again at
  issuance, with the parts verified again and under the version they were presented under,
  which must still be the newest — the awarding institution issues the composite credential
  through its approval chain (prepared for it where one is configured), carrying each part
  (digest, issuer, anchor) and the rule version (URL, digest). Idempotency key
  ``stack:{progress}``: a retry after a crash issues nothing twice.
- **The check** (:meth:`Stacks.check`): a micro-degree with its parts presented — its own
  pipeline, then a ``parts`` check: each part named is presented, verified as of the
  micro-degree's issuance (signature, anchor, status then), and the rule version (fetched
  from the issuer's registered endpoint and matched to the digest the micro-degree signs)
  holds for them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.catalogue.claims import CourseClaims
from node.db.models import (
    CredentialRecord,
    LearnerCredential,
    SignedCopy,
    StackProgress,
    StackRuleVersion,
)
from node.domain import CredentialFormat, RecordState
from node.errors import Conflict, InvalidInput, NodeError, NotFound, Problem
from node.issuance.service import IssuanceService, IssueRequest
from node.lookup.service import verdict_of
from node.recognition.decision import learner_claims
from node.recognition.service import (
    MAX_CREDENTIALS,
    AskWallet,
    Evidence,
    answered,
    evidence_json,
    learner_identity,
    parsed,
    presented_of,
    verified,
)
from node.stacking.peers import RuleUnavailable
from node.stacking.progress import Part, Progress, evaluate, recognition_of
from node.stacking.rules import DOCUMENT_TYPE, StackRule, StackRuleIn
from node.trust import TrustUnavailable
from node.verification.pipeline import Check, Verifier
from node.verification.presentation import PresentationReport
from node.verification.shapes import view_of
from vc.digest import digest_hex, leaf_digest

log = logging.getLogger(__name__)
_LDP = (CredentialFormat.LDP_RDFC.value, CredentialFormat.LDP_JCS.value)
RuleFetch = Callable[[str, str], Mapping[str, Any]]  # (issuer DID, rule URL) → document


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class FilesIn(_In):
    credentials: list[dict[str, Any] | str] = Field(min_length=1, max_length=MAX_CREDENTIALS)


class IssueIn(_In):
    claims: dict[str, Any] = Field(
        default_factory=dict,
        description="The institution's elements the entry cannot know: awarding bodies, "
        "quality assurance, a grade (the course and the learner come from the entry and "
        "the parts).",
    )


class CheckIn(_In):
    credential: dict[str, Any] | str
    parts: list[dict[str, Any] | str] = Field(default_factory=list, max_length=MAX_CREDENTIALS)


_Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _Named(BaseModel):
    """What a micro-degree's ``credentialSubject.stack`` names (node/credentials/render.py);
    other members are not read here."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class PartNamed(_Named):
    component: str = Field(min_length=1, max_length=500)
    credential_digest: _Digest


class StackNamed(_Named):
    stack_rule: str = Field(min_length=1, max_length=2000)
    stack_rule_digest: _Digest
    stack_part: list[PartNamed] = Field(min_length=1, max_length=50)


def rule_digest(document: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a rule version's RFC 8785 (JCS) form."""
    return hashlib.sha256(rfc8785.dumps(dict(document))).hexdigest()


class Stacks:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        did: str,
        origin: str,
        course_claims: Callable[[], CourseClaims],
        verifier: Callable[[], Verifier],
        issuance: Callable[[], IssuanceService],
        formats: Sequence[CredentialFormat],
        ask: AskWallet,
        fetch_rule: RuleFetch,
        rule_anchored: Callable[[str, str], tuple[bool | None, str]] | None = None,
        attach: Callable[[str, str], object] | None = None,
        institution: tuple[str, str, str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._sessions = sessions
        self._did, self._origin = did, origin.rstrip("/")
        self._course_claims, self._verifier, self._issuance = course_claims, verifier, issuance
        self._formats, self._ask, self._fetch_rule = list(formats), ask, fetch_rule
        self._rule_anchored = rule_anchored or (lambda _d, _i: (None, "no chain to read"))
        self._institution = institution  # (name, country, legal status)
        self._attach, self._clock = attach, clock

    # -- rules -----------------------------------------------------------------------------

    def define(self, raw: object, actor: str) -> dict[str, Any]:
        """A new stack: its rule's version 1."""
        return self._store(str(uuid.uuid4()), parsed(StackRuleIn, raw), actor, None)

    def amend(self, stack_id: str, raw: object, actor: str) -> dict[str, Any]:
        """A new version of a stack's rule (the earlier ones stay, immutable)."""
        body = parsed(StackRuleIn, raw)
        return self._store(stack_id, body, actor, self._newest(stack_id))

    def _store(
        self, stack_id: str, body: StackRuleIn, actor: str, previous: StackRuleVersion | None
    ) -> dict[str, Any]:
        try:
            self._course_claims().claims_for(body.entry, {})
        except InvalidInput:
            problem = Problem("entry", "a published version of this institution's catalogue")
            raise InvalidInput("stack rule refused", [problem]) from None
        stack = f"{self._origin}/api/stacks/{stack_id}"
        number = previous.version + 1 if previous is not None else 1
        rule = StackRule.model_validate(
            {
                **body.model_dump(by_alias=True, mode="json", exclude_none=True),
                "type": DOCUMENT_TYPE,
                "id": f"{stack}/versions/{number}",
                "stack": stack,
                "version": number,
                "awardingInstitution": self._did,
                **({"previousVersion": previous.url} if previous is not None else {}),
            }
        )
        document = rule.model_dump(by_alias=True, mode="json", exclude_none=True)
        try:
            with self._sessions() as session, session.begin():
                session.add(
                    StackRuleVersion(
                        url=rule.id,
                        stack_id=stack_id,
                        version=number,
                        entry=rule.entry,
                        document=document,
                        digest=rule_digest(document),
                        created_by=actor,
                        anchor_state="pending",  # the anchor rounds take it from here
                    )
                )
        except IntegrityError:  # two amendments at once: the other one took the number
            raise Conflict(f"version {number} of the stack was made meanwhile") from None
        return self.stack(stack_id)

    def stacks(self) -> list[dict[str, Any]]:
        """Every stack with its rule versions (newest first)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(StackRuleVersion).order_by(
                    StackRuleVersion.stack_id, StackRuleVersion.version.desc()
                )
            ).all()
        grouped: dict[str, list[StackRuleVersion]] = {}
        for row in rows:
            grouped.setdefault(row.stack_id, []).append(row)
        return [_stack_json(versions) for versions in grouped.values()]

    def stack(self, stack_id: str) -> dict[str, Any]:
        with self._sessions() as session:
            versions = session.scalars(
                select(StackRuleVersion)
                .where(StackRuleVersion.stack_id == stack_id)
                .order_by(StackRuleVersion.version.desc())
            ).all()
        if not versions:
            raise NotFound(f"no stack {stack_id}")
        return _stack_json(list(versions))

    def version(self, stack_id: str, number: int) -> dict[str, Any]:
        """A rule version's document, as published."""
        with self._sessions() as session:
            row = session.scalar(
                select(StackRuleVersion).where(
                    StackRuleVersion.stack_id == stack_id, StackRuleVersion.version == number
                )
            )
            if row is None:
                raise NotFound(f"no version {number} of stack {stack_id}")
            return dict(row.document)

    def _newest(self, stack_id: str) -> StackRuleVersion:
        with self._sessions() as session:
            row = session.scalar(
                select(StackRuleVersion)
                .where(StackRuleVersion.stack_id == stack_id)
                .order_by(StackRuleVersion.version.desc())
                .limit(1)
            )
            if row is None:
                raise NotFound(f"no stack {stack_id}")
            session.expunge(row)
            return row

    # -- progress --------------------------------------------------------------------------

    def progress(
        self, stack_id: str, raw: object, actor: str, *, learner: str | None = None
    ) -> dict[str, Any]:
        """Credentials handed over as files (JSON credentials or JWTs)."""
        body = parsed(FilesIn, raw)
        rule = self._newest(stack_id)
        verifier = self._verifier()
        evidence = [verified(verifier, i, item) for i, item in enumerate(body.credentials)]
        progress_id = self._new(rule, actor, presentation=None, learner=learner)
        return self._settle(progress_id, evidence)

    def held(self, stack_id: str, account_id: str) -> dict[str, Any]:
        """The credentials this node issued and holds in the learner's account (the newest
        twenty)."""
        rule = self._newest(stack_id)
        with self._sessions() as session:
            copies = session.execute(
                select(SignedCopy.record_id, SignedCopy.content)
                .join(CredentialRecord, CredentialRecord.id == SignedCopy.record_id)
                .join(LearnerCredential, LearnerCredential.record_id == CredentialRecord.id)
                .where(
                    LearnerCredential.account_id == account_id,
                    CredentialRecord.state == RecordState.ISSUED.value,
                    SignedCopy.format.in_(_LDP),
                )
                .order_by(CredentialRecord.issued_at.desc(), SignedCopy.id)
            ).all()
        first: dict[str, str] = {}
        for record_id, content in copies:
            first.setdefault(record_id, content)  # one copy per credential, newest first
        if not first:
            raise Conflict("this account holds no credential of this node yet")
        verifier = self._verifier()
        evidence = [
            verified(verifier, i, json.loads(content))
            for i, content in enumerate(list(first.values())[:MAX_CREDENTIALS])
        ]
        progress_id = self._new(rule, "learner", presentation=None, learner=account_id)
        return self._settle(progress_id, evidence)

    def ask_wallet(
        self, stack_id: str, actor: str, *, learner: str | None = None
    ) -> dict[str, Any]:
        """An OpenID4VP request for the learner's micro-credentials, and its progress."""
        rule = self._newest(stack_id)
        query = {
            "credentials": [
                {
                    "id": "parts",
                    "format": "jwt_vc_json",
                    "multiple": True,
                    "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
                    "claims": [{"path": ["credentialSubject", "achievement", "id"]}],
                }
            ]
        }
        request_id, links = self._ask(query)
        progress_id = self._new(rule, actor, presentation=request_id, learner=learner)
        return {**self.get(progress_id), "presentation": links}

    def presented(self, request_id: str, reports: Sequence[PresentationReport]) -> None:
        """The wallet's verified answer to a request :meth:`ask_wallet` made (the
        presentation service tells of every answer; others are not ours)."""
        with self._sessions() as session:
            progress_id = session.scalar(
                select(StackProgress.id).where(
                    StackProgress.presentation_request_id == request_id,
                    StackProgress.state == "awaiting",
                )
            )
        if progress_id is None:
            return
        evidence, held = answered(reports)
        if not held or not evidence:
            why = "the wallet's presentation was not verified (holder, nonce or audience)"
            self._record(progress_id, [], {"presentation": why}, False)
            return
        self._settle(progress_id, evidence)

    def get(self, progress_id: str, *, learner: str | None = None) -> dict[str, Any]:
        with self._sessions() as session:
            return _progress_json(self._row(session, progress_id, learner))

    def recent(self, limit: int = 200) -> list[dict[str, Any]]:
        """Every learner's progress, newest first (the console's list)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(StackProgress).order_by(StackProgress.created_at.desc()).limit(limit)
            )
            return [_progress_json(row) for row in rows]

    def institution_claims(self, locality: str, qa_types: Sequence[str]) -> dict[str, Any]:
        """The institution's own elements of a micro-degree — this institution as its
        awarding body (name, country and legal status as registered, ``locality``) and the
        quality assurance types — for staff who issue it from the console."""
        name, country, legal = self._institution or ("", "", "")
        body = {
            "id": self._origin,
            "name": {"en": name},
            "address": {"locality": locality.strip(), "country": country},
            "legalStatus": legal,
        }
        return {"awardingBodies": [body], "qualityAssurance": {"types": list(qa_types)}}

    def of_learner(self, account_id: str) -> list[dict[str, Any]]:
        with self._sessions() as session:
            rows = session.scalars(
                select(StackProgress)
                .where(StackProgress.learner_account_id == account_id)
                .order_by(StackProgress.created_at.desc())
                .limit(100)
            )
            return [_progress_json(row) for row in rows]

    def _settle(self, progress_id: str, evidence: Sequence[Evidence]) -> dict[str, Any]:
        with self._sessions() as session:
            rule_url = self._row(session, progress_id).rule_url
        rule = self._rule_at(rule_url)
        parts = [_part(e) for e in evidence]
        judged = evaluate(rule, parts, today=self._clock().date())
        stored = [evidence_json(e, p.presented) for e, p in zip(evidence, parts, strict=True)]
        self._record(progress_id, stored, judged.as_json(), judged.satisfied)
        return self.get(progress_id)

    # -- the micro-degree ------------------------------------------------------------------

    def issue(self, progress_id: str, raw: object, actor: str) -> dict[str, Any]:
        """Issue the micro-degree from a progress whose rule holds (judged again now);
        prepared for the approval chain where one is configured. Once the rule held, the
        request is staged on the progress: a retry, a concurrent call or one after a crash
        issues exactly it (the same record)."""
        body = parsed(IssueIn, raw)
        with self._sessions() as session:
            row = self._row(session, progress_id)
            record_id, state = row.record_id, row.state
            pending = dict(row.pending) if state == "issuing" and row.pending else None
        if state == "awaiting":
            raise Conflict("the learner's wallet has not presented yet")
        if record_id is not None:  # issued already (a retry): the same record
            with self._sessions() as session:
                record = session.get(CredentialRecord, record_id)
                record_state = record.state if record is not None else None
            return {**self.get(progress_id), "recordState": record_state}
        issuance = self._issuance()
        if pending is None:
            judged = self._judged_request(progress_id, body.claims)
            issuance.validated(judged["claims"])  # what is staged is issuable (else 422)
            pending = self._stage(progress_id, judged)
        request = IssueRequest(
            pending["claims"],
            subject_id=pending["subject"],
            idempotency_key=f"stack:{progress_id}",
        )
        record, _copies, _replayed = issuance.issue_one(
            request, self._formats, token_id=None, sign=not issuance.approval_required
        )
        account = pending.get("account")
        if account is not None and self._attach is not None and record.state == "issued":
            try:
                self._attach(account, record.id)
            except NodeError as exc:  # issued all the same: staff can attach it by hand
                log.warning("micro-degree %s not attached to %s: %s", record.id, account, exc)
        with self._sessions() as session, session.begin():
            done = self._row(session, progress_id)
            done.state, done.record_id = "issued", record.id
            done.issued_at = done.issued_at or datetime.now(UTC)
        return {**self.get(progress_id), "recordState": record.state}

    def _judged_request(self, progress_id: str, given: Mapping[str, Any]) -> dict[str, Any]:
        """The micro-degree's request, once the parts are verified and the rule judged
        again now, under the version they were presented under (Conflict otherwise)."""
        with self._sessions() as session:
            row = self._row(session, progress_id)
            rule_url, stack_id, stored = row.rule_url, row.stack_id, list(row.evidence)
            account = row.learner_account_id
        newest = self._newest(stack_id)
        if newest.url != rule_url:
            raise Conflict(
                f"the rule changed after the parts were presented: version {newest.version} "
                f"replaces {rule_url}; present the parts again"
            )
        if not stored:
            raise Conflict("nothing was presented")
        verifier = self._verifier()
        evidence = [verified(verifier, i, e["credential"]) for i, e in enumerate(stored)]
        rule = self._rule_at(rule_url)
        parts = [_part(e) for e in evidence]
        judged = evaluate(rule, parts, today=self._clock().date())
        if not judged.satisfied:
            self._record(progress_id, stored, judged.as_json(), False)
            raise Conflict("the rule does not hold now: " + " | ".join(judged.failures()))
        # newest is the version evaluated: a newer one refused the issue above
        claims = self._claims(rule, newest.digest, parts, judged, given, account)
        subject = parts[0].presented.facts.subject_id
        used = sorted(parts[c.part].key for c in judged.components if c.part is not None)
        parts_key = hashlib.sha256("\n".join([stack_id, *used]).encode()).hexdigest()
        return {"claims": dict(claims), "subject": subject, "account": account, "key": parts_key}

    def _stage(self, progress_id: str, pending: dict[str, Any]) -> dict[str, Any]:
        """Keep ``pending`` on the progress, unless a concurrent call staged its own first:
        the staged one is what is issued."""
        try:
            with self._sessions() as session, session.begin():
                moved = session.execute(
                    update(StackProgress)
                    .where(StackProgress.id == progress_id, StackProgress.state == "evaluated")
                    .values(pending=pending, state="issuing", parts_key=pending["key"])
                )
                if moved.rowcount == 1:  # type: ignore[attr-defined]
                    return pending
        except IntegrityError:  # the same parts of this stack: issued (or issuing) already
            with self._sessions() as session:
                earlier = session.scalar(
                    select(StackProgress.id).where(StackProgress.parts_key == pending["key"])
                )
            raise Conflict(
                f"these parts make this micro-degree already (progress {earlier})"
            ) from None
        with self._sessions() as session:
            staged = self._row(session, progress_id).pending
        assert staged is not None
        return dict(staged)

    def _claims(
        self,
        rule: StackRule,
        digest: str,
        parts: Sequence[Part],
        judged: Progress,
        given: Mapping[str, Any],
        account: str | None,
    ) -> Mapping[str, Any]:
        facts = parts[0].presented.facts
        identity = learner_identity(self._sessions, account) if account else None
        stacked = []
        for component in judged.components:
            if component.state != "met" or component.part is None:
                continue
            part = parts[component.part]
            anchored = self._anchor_of(part)
            part_facts = part.presented.facts
            stacked.append(
                {
                    key: value
                    for key, value in {
                        "component": component.component,
                        "credential": part_facts.credential_id,
                        "digest": part.presented.digest,
                        "issuer": part_facts.issuer,
                        "achievement": part_facts.achievement,
                        "ects": part_facts.ects,
                        "grade": part_facts.grade,
                        **anchored,
                    }.items()
                    if value is not None
                }
            )
        claims = {
            **dict(given),
            "learner": learner_claims(facts.learner, identity),
            "dateOfIssuing": self._clock().date().isoformat(),
            "stack": {"rule": rule.id, "ruleDigest": digest, "parts": stacked},
        }
        return self._course_claims().claims_for(rule.entry, claims, at="claims.")

    def _anchor_of(self, part: Part) -> dict[str, Any]:
        trust = self._verifier().trust
        if trust is None:
            return {}
        try:
            facts = trust.anchor(bytes.fromhex(part.presented.digest), part.presented.facts.issuer)
        except TrustUnavailable:
            return {}
        if facts.state != "confirmed" or facts.timestamp is None:
            return {}
        at = datetime.fromtimestamp(facts.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"anchoredAt": at, "anchorBlock": getattr(facts, "block_number", None)}

    # -- the check -------------------------------------------------------------------------

    def check(self, raw: object) -> dict[str, Any]:
        """A micro-degree's report with its ``parts`` check (the parts presented with it).
        Every verification of one check shares one deadline (the verifier's limits)."""
        body = parsed(CheckIn, raw)
        verifier = self._verifier()
        deadline = verifier.limits.deadline()
        composite = verified(verifier, 0, body.credential, deadline=deadline)
        stack = _stack_of(composite.body)
        if stack is None:
            problem = Problem("credential", "not a micro-degree: it names no valid stack")
            raise InvalidInput("check refused", [problem])
        report = composite.report
        signed = report.check("signature").ok is True
        issued_view = view_of(body.credential)
        when = issued_view.valid_from or self._clock()
        details: list[dict[str, Any]] = []
        if not signed:  # what it names is not the issuer's word: nothing to check it against
            check = Check("parts", None, "not checked: the micro-degree's signature is not valid")
        else:
            parts = [
                verified(verifier, i, item, when=when, deadline=deadline)
                for i, item in enumerate(body.parts, start=1)
            ]
            check, details = self._parts_check(issued_view.issuer, stack, parts, when)
        report.checks.append(check)
        return {
            "verdict": verdict_of(report),
            "verified": report.verified,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in report.checks],
            "parts": details,
        }

    def _parts_check(
        self,
        issuer: str | None,
        stack: StackNamed,
        parts: Sequence[Evidence],
        when: datetime,
    ) -> tuple[Check, list[dict[str, Any]]]:
        named = stack.stack_part
        by_digest = {digest_hex(leaf_digest(e.credential)): e for e in parts}
        details: list[dict[str, Any]] = [
            {
                "component": p.component,
                "digest": p.credential_digest,
                "presented": p.credential_digest in by_digest,
            }
            for p in named
        ]
        digests = [p.credential_digest for p in named]
        if len(set(digests)) != len(digests) or len({p.component for p in named}) != len(named):
            return Check("parts", False, "it names a part or a component twice"), details
        missing = [d["component"] for d in details if not d["presented"]]
        if missing:
            detail = "not presented with it: " + ", ".join(str(m) for m in missing)
            return Check("parts", None, detail), details
        try:
            rule = self._cited_rule(issuer, stack)
        except RuleUnavailable as exc:
            return Check("parts", None, f"the stack rule cannot be read now: {exc}"), details
        except InvalidInput as exc:
            return Check("parts", False, f"the stack rule: {exc.message}"), details
        anchored, where = self._rule_anchored(stack.stack_rule_digest, issuer or "")
        if anchored is not True:
            detail = f"the stack rule version {rule.id}: {where}"
            return Check("parts", anchored, detail), details
        chosen = [by_digest[p.credential_digest] for p in named]
        judged = evaluate(rule, [_part(e) for e in chosen], today=when.date())
        for item, component in zip(details, _named_components(named, judged), strict=True):
            item["state"], item["reasons"] = component
        if not judged.satisfied:
            failed = any(c.state == "failed" for c in judged.components)
            ok = None if judged.unchecked and not failed else False
            reasons = "; ".join(judged.failures())
            detail = f"the rule {rule.id} does not hold as of {when.date()}: {reasons}"
            return Check("parts", ok, detail), details
        astray = [d["component"] for d in details if d["state"] != "met" or d["reasons"]]
        if astray:
            detail = "parts do not meet the components it names them for: " + ", ".join(astray)
            return Check("parts", False, detail), details
        detail = (
            f"{len(named)} parts verified as of {when.date()} (signature, anchor, status); "
            f"the rule {rule.id} ({where}) holds ({judged.ects:g} ECTS)"
        )
        return Check("parts", True, detail), details

    def _cited_rule(self, issuer: str | None, stack: StackNamed) -> StackRule:
        """The rule version the micro-degree cites, matched to the digest it signs:
        InvalidInput when it is not that version or not the issuer's, RuleUnavailable when
        it cannot be read now."""
        url = stack.stack_rule
        if url.startswith(f"{self._origin}/api/stacks/") and issuer == self._did:
            with self._sessions() as session:
                row = session.get(StackRuleVersion, url)
                document = dict(row.document) if row is not None else None
            if document is None:
                raise InvalidInput(f"no rule version {url} here")
        else:
            if not issuer:
                raise InvalidInput("the micro-degree names no issuer")
            document = dict(self._fetch_rule(issuer, url))
        try:
            same = rule_digest(document) == stack.stack_rule_digest
            rule = StackRule.model_validate(document) if same else None
        except (ValueError, TypeError, RecursionError):  # no JCS form, or not a rule document
            raise InvalidInput(f"{url} is not a stack rule version") from None
        if rule is None:
            raise InvalidInput(f"{url} is not the version the micro-degree was issued under")
        if rule.awarding_institution != issuer or rule.id != url:
            raise InvalidInput(f"{url} is not a rule of the issuer {issuer}")
        return rule

    # -- helpers ---------------------------------------------------------------------------

    def _rule_at(self, url: str) -> StackRule:
        with self._sessions() as session:
            row = session.get(StackRuleVersion, url)
            if row is None:
                raise NotFound(f"no rule version {url}")
            return StackRule.model_validate(row.document)

    def _new(
        self,
        rule: StackRuleVersion,
        actor: str,
        *,
        presentation: str | None,
        learner: str | None,
    ) -> str:
        progress_id = str(uuid.uuid4())
        with self._sessions() as session, session.begin():
            session.add(
                StackProgress(
                    id=progress_id,
                    stack_id=rule.stack_id,
                    rule_url=rule.url,
                    state="awaiting" if presentation else "evaluated",
                    presentation_request_id=presentation,
                    learner_account_id=learner,
                    evidence=[],
                    satisfied=False,
                    created_by=actor,
                )
            )
        return progress_id

    def _record(
        self,
        progress_id: str,
        evidence: list[dict[str, Any]],
        progress: dict[str, Any],
        satisfied: bool,
    ) -> None:
        with self._sessions() as session, session.begin():
            row = self._row(session, progress_id)
            if row.state not in ("issuing", "issued"):  # a staged micro-degree stays staged
                row.state = "evaluated"
            row.evidence, row.progress, row.satisfied = evidence, progress, satisfied
            if evidence:
                row.learner_name = evidence[0].get("learner")

    @staticmethod
    def _row(session: Session, progress_id: str, learner: str | None = None) -> StackProgress:
        row = session.get(StackProgress, progress_id)
        if row is None or (learner is not None and row.learner_account_id != learner):
            raise NotFound(f"no progress {progress_id}")
        return row


def _part(evidence: Evidence) -> Part:
    programme, recognised = recognition_of(evidence.body)
    return Part(presented_of(evidence), programme, recognised)


def _stack_of(body: Mapping[str, Any]) -> StackNamed | None:
    """The stack a micro-degree names (None: none, or not in the shape the node issues)."""
    subject = body.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else None
    stack = subject.get("stack") if isinstance(subject, Mapping) else None
    try:
        return StackNamed.model_validate(stack) if isinstance(stack, Mapping) else None
    except ValidationError:
        return None


def _named_components(named: Sequence[PartNamed], judged: Progress) -> list[tuple[str, list[str]]]:
    """Per part the micro-degree names: the state of the component it meets, as judged."""
    by_part = {c.part: c for c in judged.components if c.part is not None}
    found = []
    for index, item in enumerate(named):
        component = by_part.get(index)
        if component is None:
            found.append(("unused", ["meets no component of the rule"]))
        elif component.component != item.component:
            found.append((component.state, [f"meets {component.component}, not the one named"]))
        else:
            found.append((component.state, component.reasons))
    return found


def _stack_json(versions: Sequence[StackRuleVersion]) -> dict[str, Any]:
    newest = versions[0]
    return {
        "id": newest.stack_id,
        "url": newest.document["stack"],
        "entry": newest.entry,
        "title": newest.document["title"],
        "versions": [
            {
                "version": v.version,
                "url": v.url,
                "digest": v.digest,
                "createdAt": v.created_at,
                "anchor": {
                    "state": v.anchor_state,
                    "tx": v.anchor_tx,
                    "block": v.anchor_block,
                    "at": v.anchor_time,
                },
                "document": v.document,
            }
            for v in versions
        ],
    }


def _progress_json(row: StackProgress) -> dict[str, Any]:
    return {
        "id": row.id,
        "stack": row.stack_id,
        "rule": row.rule_url,
        "state": row.state,
        "satisfied": row.satisfied,
        "learner": row.learner_name,
        "presentationRequest": row.presentation_request_id,
        "evidence": [{k: v for k, v in e.items() if k != "credential"} for e in row.evidence],
        "progress": row.progress,
        "record": row.record_id,
        "createdAt": row.created_at,
        "issuedAt": row.issued_at,
    }
