"""Recognition requests: a learner asks this (home) institution to recognise credentials
earned at a partner, under an agreement, towards one of its programmes.

The credentials arrive from the learner's wallet over OpenID4VP (:meth:`ask_wallet` makes
the request; the presentation service hands the verified answer to :meth:`presented`) or as
files (:meth:`request`). Each runs the full verification pipeline, then the agreement's
conditions (node/recognition/conditions.py):

- every check ran and passed → an **automatic decision**: the decision credential is issued
  at once (idempotency key ``recognition:{case}``, so a retry after a crash issues nothing
  twice);
- a condition does not hold, or a check could not run → a case for a person (``open``),
  decided with reasons (:meth:`decide`);
- a credential failed a check (revoked, tampered) → ``refused``.

The learner may appeal a decision (:meth:`appeal`); the appeal and its outcome stay with the
case (:meth:`settle_appeal`: upheld reopens the case for a new decision).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from node.agreements.documents import parsed_terms, recognition_terms
from node.agreements.service import Agreements, AgreementView
from node.agreements.terms import AgreementTerms, LearningAgreementTerms, agreement_of
from node.credentials.model import element_error
from node.credentials.profile import problems_from_validation_error
from node.db.models import LearnerAccount, RecognisedPart, RecognitionCase
from node.domain import CredentialFormat
from node.errors import Conflict, InvalidInput, NodeError, NotFound, Problem
from node.issuance.service import IssuanceService, IssueRequest
from node.presentations.service import bound
from node.recognition.conditions import (
    Condition,
    Presented,
    judge,
    judge_by_person,
    learning_condition,
)
from node.recognition.decision import decision_claims
from node.recognition.reading import facts_of
from node.verification.limits import Deadline
from node.verification.pipeline import PENDING, Report, Verifier
from node.verification.presentation import PresentationReport
from node.verification.shapes import view_of
from vc.digest import digest_hex, leaf_digest
from vc.errors import MalformedError, VCError

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound=BaseModel)
MAX_CREDENTIALS = 20
STALE_DECISION = timedelta(minutes=2)  # a decision still "deciding" after this: a dead process


class _In(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


Route = Literal["agreement", "elective", "prior-learning", "ad-hoc"]


class RequestIn(_In):
    route: Route = Field(
        "agreement",
        description="Under an agreement (decided automatically when its conditions hold), or "
        "as elective credits, prior learning or ad hoc (a person decides).",
    )
    agreement: str | None = Field(
        None, max_length=1000, description="The agreed agreement's URL (route agreement)."
    )
    programme: str = Field(min_length=1, max_length=200, description="The home programme.")
    learning_agreement: str | None = Field(
        None,
        max_length=1000,
        description="The learning agreement (a version's URL) of the mobility, if there was one: "
        "its modules, learner and dates must then cover the credentials.",
    )

    @model_validator(mode="after")
    def _agreement_for_its_route(self) -> RequestIn:
        if (self.route == "agreement") != (self.agreement is not None):
            raise element_error("agreement", "given for the route agreement, and only for it")
        return self


class FilesIn(RequestIn):
    credentials: list[dict[str, Any] | str] = Field(min_length=1, max_length=MAX_CREDENTIALS)


@dataclass(frozen=True)
class Evidence:
    """One credential as presented, verified."""

    credential: Mapping[str, Any] | str
    body: Mapping[str, Any]
    report: Report
    format: str


AskWallet = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]  # DCQL → (id, links)


class Recognitions:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        did: str,
        country: Callable[[], str],
        agreements: Callable[[], Agreements],
        verifier: Callable[[], Verifier],
        issuance: Callable[[], IssuanceService],
        formats: Sequence[CredentialFormat],
        ask: AskWallet,
        attach: Callable[[str, str], object] | None = None,
        revoke: Callable[[str, str], object] | None = None,
    ) -> None:
        """``attach(account id, record id)``: the decision given to the learner's account
        here, when they asked from it."""
        self._sessions = sessions
        self._did, self._country = did, country
        self._agreements, self._verifier = agreements, verifier
        self._issuance, self._formats, self._ask = issuance, list(formats), ask
        self._attach, self._revoke = attach, revoke

    # -- requests --------------------------------------------------------------------------

    def request(self, raw: object, actor: str, *, learner: str | None = None) -> dict[str, Any]:
        """Credentials handed over as files (JSON credentials or JWTs); ``learner``: the
        account that asked (the learner portal)."""
        body = parsed(FilesIn, raw)
        if body.agreement is not None:
            self._terms(body.agreement)  # an agreement we are the home of, before verifying
        verifier = self._verifier()
        evidence = [verified(verifier, i, item) for i, item in enumerate(body.credentials)]
        case_id = self._new_case(body, actor, presentation=None, learner=learner)
        return self._settle(case_id, evidence)

    def ask_wallet(self, raw: object, actor: str, *, learner: str | None = None) -> dict[str, Any]:
        """An OpenID4VP request for the credentials the agreement covers, and its case."""
        body = parsed(RequestIn, raw)
        if body.agreement is not None:
            self._terms(body.agreement)
        query = {
            "credentials": [
                {
                    "id": "recognised",
                    "format": "jwt_vc_json",
                    "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
                    "claims": [{"path": ["credentialSubject", "achievement", "id"]}],
                }
            ]
        }
        request_id, links = self._ask(query)
        case_id = self._new_case(body, actor, presentation=request_id, learner=learner)
        log.info("recognition %s asks a wallet", case_id)
        return {**self.case(case_id), "presentation": links}

    def presented(self, request_id: str, reports: Sequence[PresentationReport]) -> None:
        """The wallet's verified answer to a request :meth:`ask_wallet` made (called by the
        presentation service for every answer; others are not ours)."""
        credentials, held = answered(reports)
        with self._sessions() as session:
            case_id = session.scalar(
                select(RecognitionCase.id).where(
                    RecognitionCase.presentation_request_id == request_id,
                    RecognitionCase.state == "awaiting",
                )
            )
        if case_id is None:
            return
        if not held or not credentials:
            why = "the wallet's presentation was not verified (holder, nonce or audience)"
            self._finish(
                case_id, "refused", [], [{"name": "presentation", "ok": False, "detail": why}]
            )
            return
        self._settle(case_id, list(credentials))

    # -- a person's decisions --------------------------------------------------------------

    def decide(self, case_id: str, raw: object, actor: str) -> dict[str, Any]:
        """A person decides an open case: recognise (with the ECTS and converted grade) or
        not, always with a reason."""
        decision = parsed(DecisionIn, raw)
        with self._sessions() as session:
            row = self._row(session, case_id)
            evidence, conditions = list(row.evidence), list(row.conditions)
            earlier = row.decision_record_id
        if decision.recognise and not evidence:
            raise Conflict("nothing was presented to recognise in this case")
        self._claim_decision(case_id)  # one decision at a time: open → deciding
        try:
            record_id = None
            ects = decision.ects or sum(float(e.get("ects") or 0) for e in evidence) or None
            if decision.recognise:
                finish = {
                    "outcome": "recognised",
                    "reason": decision.reason,
                    "actor": actor,
                    "ects": ects,
                    "grade": decision.converted_grade,
                }
                record_id = self._decision(
                    case_id, evidence, ects, decision.converted_grade, "staff", finish=finish
                )
        except Exception:
            self._set_state(case_id, "open")
            raise
        if earlier is not None and earlier != record_id and self._revoke is not None:
            # decided anew after an upheld appeal: the earlier decision no longer holds
            self._revoke(earlier, "superseded by a new decision after an appeal")
        self._finish(
            case_id,
            "decided",
            evidence,
            conditions,
            outcome="recognised" if decision.recognise else "not-recognised",
            reason=decision.reason,
            actor=actor,
            record=record_id,
            ects=ects if decision.recognise else None,
            grade=decision.converted_grade if decision.recognise else None,
        )
        return self.case(case_id)

    def _claim_decision(self, case_id: str) -> None:
        with self._sessions() as session, session.begin():
            moved = session.execute(
                update(RecognitionCase)
                .where(RecognitionCase.id == case_id, RecognitionCase.state == "open")
                .values(state="deciding", deciding_since=datetime.now(UTC))
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                state = self._row(session, case_id).state
                raise Conflict(f"a {state} case cannot be decided")

    def _set_state(self, case_id: str, state: str) -> None:
        with self._sessions() as session, session.begin():
            row = self._row(session, case_id)
            row.state = state
            if state != "deciding":
                row.deciding_since, row.pending_decision = None, None

    def appeal(self, case_id: str, text: str, *, learner: str | None = None) -> dict[str, Any]:
        """The learner appeals a decision (or a refusal); ``learner``: only their own case."""
        text = text.strip()
        if not text:
            raise InvalidInput("appeal refused", [Problem("text", "required")])
        with self._sessions() as session, session.begin():
            row = self._row(session, case_id, learner)
            if row.state not in ("decided", "refused"):
                raise Conflict(f"a {row.state} case cannot be appealed now")
            if row.appeal_outcome is not None:
                raise Conflict("this case was appealed already: one appeal per case")
            row.appeal_text, row.appealed_at = text[:5000], datetime.now(UTC)
            row.appeal_outcome, row.appeal_reason = "open", None
        return self.case(case_id)

    def settle_appeal(self, case_id: str, upheld: bool, reason: str, actor: str) -> dict[str, Any]:
        """Upheld: the case is open again for a new decision; dismissed: it stands."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput("appeal decision refused", [Problem("reason", "required")])
        with self._sessions() as session, session.begin():
            row = self._row(session, case_id)
            if row.appeal_outcome != "open":
                raise Conflict("no open appeal on this case")
            row.appeal_outcome = "upheld" if upheld else "dismissed"
            row.appeal_reason, row.appeal_decided_by = reason[:5000], actor
            row.appeal_decided_at = datetime.now(UTC)
            if upheld:
                row.state = "open"
        return self.case(case_id)

    # -- reading ---------------------------------------------------------------------------

    def case(self, case_id: str, *, learner: str | None = None) -> dict[str, Any]:
        """One case (``learner``: only if it is that account's)."""
        with self._sessions() as session:
            return _json(self._row(session, case_id, learner))

    def cases(
        self, state: str | None = None, *, learner: str | None = None
    ) -> list[dict[str, Any]]:
        with self._sessions() as session:
            query = select(RecognitionCase).order_by(RecognitionCase.created_at.desc())
            if state is not None:
                query = query.where(RecognitionCase.state == state)
            if learner is not None:
                query = query.where(RecognitionCase.learner_account_id == learner)
            return [_json(row) for row in session.scalars(query.limit(500))]

    # -- the decision ----------------------------------------------------------------------

    def _settle(self, case_id: str, evidence: Sequence[Evidence]) -> dict[str, Any]:
        with self._sessions() as session:
            row = self._row(session, case_id)
            agreement_url, programme, route = row.agreement_url, row.programme, row.route
            learning = row.learning_agreement_url
            from_files_by_learner = (
                row.learner_account_id is not None and row.presentation_request_id is None
            )
        presented = [presented_of(e) for e in evidence]
        claimed = self._recognised(
            _base(agreement_url, route), programme, [part_key(p) for p in presented]
        )
        earlier = {p.digest: claimed[part_key(p)] for p in presented if part_key(p) in claimed}
        stored = [evidence_json(e, p) for e, p in zip(evidence, presented, strict=True)]
        if agreement_url is None:
            outcome = judge_by_person(presented, route, recognised=earlier)
            conditions = [c.as_json() for c in outcome.conditions]
            self._finish(case_id, outcome.state, stored, conditions)
            return self.case(case_id)
        view = self._agreements().get(agreement_url)
        terms = recognition_terms(view.document)
        cited = (
            []
            if learning is None
            else [self._learning(learning, presented, agreement_url, programme)]
        )
        if from_files_by_learner:
            cited.append(
                Condition(
                    "holder",
                    None,
                    "sent as a file, not presented from the learner's wallet: a person checks "
                    "that the credentials are the learner's",
                )
            )
        newest = self._agreements().newest_agreed(agreement_url)
        if newest is not None and newest.version > view_version(agreement_url):
            cited.append(
                Condition(
                    "current", False, f"version {newest.version} of the agreement replaces it"
                )
            )
        outcome = judge(
            presented,
            terms,
            self._agreements().check(view.document),
            recognised=earlier,
            home=self._did,
            programme=programme,
            today=datetime.now(UTC).date(),
            extra=cited,
        )
        conditions = [c.as_json() for c in outcome.conditions]
        if outcome.state != "decided":
            self._finish(case_id, outcome.state, stored, conditions, digest=view.digest)
            return self.case(case_id)
        self._finish(case_id, "deciding", stored, conditions, digest=view.digest)
        finish = {
            "outcome": "recognised",
            "actor": "automatic",
            "ects": outcome.ects,
            "grade": outcome.converted_grade,
        }
        try:
            record_id = self._decision(
                case_id,
                stored,
                outcome.ects,
                outcome.converted_grade,
                "automatic",
                finish=finish,
                agreement=(view.url, view.digest, terms),
                facts=presented,
            )
        except (InvalidInput, Conflict) as exc:  # the profile asks for more, or a race: a person
            conditions.append(
                {"name": "decision", "ok": False, "detail": f"cannot be issued: {exc.message}"}
            )
            self._finish(case_id, "open", stored, conditions, digest=view.digest)
            return self.case(case_id)
        self._finish(
            case_id,
            "decided",
            stored,
            conditions,
            outcome="recognised",
            actor="automatic",
            record=record_id,
            ects=outcome.ects,
            grade=outcome.converted_grade,
            digest=view.digest,
        )
        return self.case(case_id)

    def _decision(
        self,
        case_id: str,
        evidence: Sequence[Mapping[str, Any]],
        ects: float | None,
        grade: str | None,
        decided: str,
        *,
        finish: dict[str, Any],
        agreement: tuple[str, str | None, AgreementTerms] | None = None,
        facts: Sequence[Presented] | None = None,
    ) -> str:
        """Issue the decision credential (parts claimed first, released if it fails);
        ``finish``: the outcome to record, kept with the staged credential."""
        if facts is None:
            with self._sessions() as session:
                url = self._row(session, case_id).agreement_url
            if url is not None:
                view = self._agreements().get(url)
                agreement = (view.url, view.digest, recognition_terms(view.document))
            facts = [
                Presented(facts_of(_body(e["credential"])), {}, str(e["digest"])) for e in evidence
            ]
        with self._sessions() as session:
            programme = self._row(session, case_id).programme
        self._reserve(case_id, [part_key(p) for p in facts])
        try:
            return self._issue_decision(
                case_id, facts, agreement, programme, ects, grade, decided, finish
            )
        except Exception:  # refused (not a crash: that leaves it staged for the round)
            self._release(case_id)
            self._set_state(case_id, "open")
            raise

    def _issue_decision(
        self,
        case_id: str,
        facts: Sequence[Presented],
        agreement: tuple[str, str | None, AgreementTerms] | None,
        programme: str,
        ects: float | None,
        grade: str | None,
        decided: str,
        finish: dict[str, Any],
    ) -> str:
        with self._sessions() as session:
            row = self._row(session, case_id)
            account_id, route = row.learner_account_id, row.route
            appealed = row.appeal_outcome == "upheld"
        identity = self._identity(account_id) if account_id else None
        claims = decision_claims(
            [p.facts for p in facts],
            [p.digest for p in facts],
            agreement=agreement,
            programme=programme,
            home=self._did,
            country=self._country(),
            ects=ects,
            grade=grade,
            decided=decided,
            identity=identity,
            route=route,
        )
        # One key per decision: automatic, or a person's (again after an upheld appeal).
        key = f"recognition:{case_id}:{decided}" + (":appeal" if appealed else "")
        pending = {
            "claims": claims,
            "subject": facts[0].facts.subject_id,
            "key": key,
            "account": account_id,
            "finish": finish,
        }
        with self._sessions() as session, session.begin():  # staged before it is issued
            staged = self._row(session, case_id)
            staged.state, staged.pending_decision = "deciding", pending
            staged.deciding_since = staged.deciding_since or datetime.now(UTC)
        return self._issue_staged(pending)

    def _issue_staged(self, pending: Mapping[str, Any]) -> str:
        """Issue a staged decision credential (again: the same key answers the record
        issued before) and give it to the learner's account."""
        request = IssueRequest(
            pending["claims"], subject_id=pending["subject"], idempotency_key=pending["key"]
        )
        record, _copies, _replayed = self._issuance().issue_one(
            request, self._formats, token_id=None
        )
        account_id = pending.get("account")
        if account_id is not None and self._attach is not None:
            try:
                self._attach(account_id, record.id)  # the learner sees it in their portal
            except NodeError as exc:  # issued all the same: staff can attach it by hand
                log.warning("decision %s not attached to %s: %s", record.id, account_id, exc)
        return record.id

    # -- the round: decisions a process left half-way ------------------------------------

    def run_once(self) -> int:
        """Finish what a dead process left ``deciding`` for over two minutes: a staged
        decision is issued (or found issued) and recorded; one not staged yet goes back to
        ``open`` with its parts released. The number of cases finished."""
        cutoff = datetime.now(UTC) - STALE_DECISION
        with self._sessions() as session:
            stuck = list(
                session.scalars(
                    select(RecognitionCase.id).where(
                        RecognitionCase.state == "deciding",
                        RecognitionCase.deciding_since < cutoff,
                    )
                )
            )
        done = 0
        for case_id in stuck:
            with self._sessions() as session:
                row = self._row(session, case_id)
                pending, evidence, conditions = row.pending_decision, row.evidence, row.conditions
                digest = row.agreement_digest
            if pending is None:
                self._release(case_id)
                self._set_state(case_id, "open")
                continue
            try:
                record_id = self._issue_staged(pending)
            except NodeError as exc:
                log.warning("recognition %s: its staged decision failed: %s", case_id, exc)
                continue
            finish = dict(pending["finish"])
            self._finish(
                case_id,
                "decided",
                list(evidence),
                list(conditions),
                record=record_id,
                digest=digest,
                **finish,
            )
            done += 1
        return done

    # -- helpers ---------------------------------------------------------------------------

    def _learning(
        self, url: str, presented: Sequence[Presented], agreement: str, programme: str
    ) -> Condition:
        """The condition a cited learning agreement sets (one this node holds)."""
        try:
            view = self._agreements().get(url)
        except NotFound:
            return Condition("learningAgreement", False, "no such learning agreement here")
        terms = parsed_terms(view.document)
        if not isinstance(terms, LearningAgreementTerms):
            return Condition("learningAgreement", False, "not a learning agreement")
        if terms.ended or terms.programme.id != programme:
            detail = "it has ended" if terms.ended else f"it is for {terms.programme.id}"
            return Condition("learningAgreement", False, detail)
        return learning_condition(
            presented,
            terms,
            agreed=view.state == "agreed",
            accepted=view.learner_accepted_at is not None,
            agreement=agreement,
        )

    def _reserve(self, case_id: str, digests: Sequence[str]) -> None:
        """Claim each credential for this case before its decision is issued: a credential
        is recognised towards a programme under an agreement once (Conflict otherwise)."""
        try:
            self._claim(case_id, digests)
        except IntegrityError:  # claimed by a concurrent case between the read and the write
            raise Conflict("a credential of this case was recognised meanwhile") from None

    def _claim(self, case_id: str, digests: Sequence[str]) -> None:
        with self._sessions() as session, session.begin():
            row = self._row(session, case_id)
            base = _base(row.agreement_url, row.route)
            for digest in digests:
                held = session.get(RecognisedPart, (digest, row.programme, base))
                if held is not None and held.case_id != case_id:
                    raise Conflict(
                        f"{digest} was recognised towards {row.programme} already "
                        f"(case {held.case_id})"
                    )
                if held is None:
                    session.add(
                        RecognisedPart(
                            digest=digest,
                            programme=row.programme,
                            agreement_url=base,
                            case_id=case_id,
                        )
                    )
                    session.flush()  # a concurrent claim fails here, before issuing

    def _release(self, case_id: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(RecognisedPart).where(RecognisedPart.case_id == case_id))

    def _recognised(self, agreement: str, programme: str, digests: Sequence[str]) -> dict[str, str]:
        """Which of ``digests`` were recognised towards ``programme`` under this agreement
        (any version) already → their case."""
        with self._sessions() as session:
            rows = session.execute(
                select(RecognisedPart.digest, RecognisedPart.case_id).where(
                    RecognisedPart.digest.in_(list(digests)),
                    RecognisedPart.programme == programme,
                    RecognisedPart.agreement_url == agreement,
                )
            )
            return {digest: case_id for digest, case_id in rows}

    def _terms(self, agreement: str) -> AgreementTerms:
        view = self._agreements().get(agreement)
        if view.state != "agreed":
            raise Conflict(f"the agreement is {view.state}, not agreed")
        terms = recognition_terms(view.document)
        if not any(p.institution == self._did for p in terms.programmes):
            raise InvalidInput(
                "request refused",
                [Problem("agreement", "names no programme of this institution")],
            )
        return terms

    def _new_case(
        self, body: RequestIn, actor: str, *, presentation: str | None, learner: str | None
    ) -> str:
        case_id = str(uuid.uuid4())
        with self._sessions() as session, session.begin():
            session.add(
                RecognitionCase(
                    id=case_id,
                    state="awaiting" if presentation else "open",
                    route=body.route,
                    agreement_url=body.agreement,
                    programme=body.programme,
                    presentation_request_id=presentation,
                    learner_account_id=learner,
                    learning_agreement_url=body.learning_agreement,
                    evidence=[],
                    conditions=[],
                    created_by=actor,
                )
            )
        return case_id

    def _finish(
        self,
        case_id: str,
        state: str,
        evidence: list[dict[str, Any]],
        conditions: list[dict[str, Any]],
        *,
        outcome: str | None = None,
        reason: str | None = None,
        actor: str | None = None,
        record: str | None = None,
        ects: float | None = None,
        grade: str | None = None,
        digest: str | None = None,
    ) -> None:
        with self._sessions() as session, session.begin():
            row = self._row(session, case_id)
            row.state, row.evidence, row.conditions = state, evidence, conditions
            if state == "deciding":
                row.deciding_since = row.deciding_since or datetime.now(UTC)
            else:
                row.deciding_since, row.pending_decision = None, None
            if evidence:
                row.learner_name = evidence[0].get("learner")
            if digest is not None:
                row.agreement_digest = digest
            if state in ("decided", "refused"):
                row.outcome = outcome
                row.reason = reason
                row.decided_at, row.decided_by = datetime.now(UTC), actor or "automatic"
                row.decision_record_id = record
                row.ects, row.converted_grade = ects, grade

    @staticmethod
    def _row(session: Session, case_id: str, learner: str | None = None) -> RecognitionCase:
        row = session.get(RecognitionCase, case_id)
        if row is None or (learner is not None and row.learner_account_id != learner):
            raise NotFound(f"no recognition case {case_id}")
        return row

    def learning_agreements(self, account_id: str) -> list[AgreementView]:
        """The learning agreements that name this learner account's learner (the home's)."""
        identity = self._identity(account_id)
        return [] if identity is None else self._agreements().learning_agreements(identity)

    def accept_learning_agreement(self, url: str, account_id: str) -> AgreementView:
        identity = self._identity(account_id)
        if identity is None:
            raise NotFound("this account names no learner yet")
        return self._agreements().accept_as_learner(url, account_id, identity)

    def _identity(self, account_id: str) -> tuple[str, str] | None:
        return learner_identity(self._sessions, account_id)

    def offered(self) -> list[dict[str, Any]]:
        """What a learner may ask for here: each agreed agreement (its newest version) with
        this institution's programmes in it."""
        found: dict[str, dict[str, Any]] = {}
        for view in self._agreements().versions(agreed_only=True):
            terms = parsed_terms(view.document)
            if not isinstance(terms, AgreementTerms) or terms.ended or view.agreement in found:
                continue  # versions come newest first: the newest one counts
            programmes = [p for p in terms.programmes if p.institution == self._did]
            if programmes:
                found[view.agreement] = {
                    "agreement": view.url,
                    "title": dict(terms.title),
                    "programmes": [(p.id, dict(p.title)) for p in programmes],
                }
        return list(found.values())


class DecisionIn(_In):
    recognise: bool
    reason: str = Field(min_length=1, max_length=5000)
    ects: float | None = Field(None, gt=0, le=240)
    converted_grade: str | None = Field(None, min_length=1, max_length=100)


def verified(
    verifier: Verifier,
    index: int,
    item: Mapping[str, Any] | str,
    *,
    when: datetime | None = None,
    deadline: Deadline | None = None,
) -> Evidence:
    """One credential handed over (``credentials[index]``), through the full pipeline (as of
    ``when``: validity and status then; within ``deadline``, else the verifier's own);
    InvalidInput for what is no credential at all."""
    try:
        view = view_of(item)
        report = verifier.verify(item, when, deadline)
    except (MalformedError, VCError) as exc:
        raise InvalidInput(
            "request refused", [Problem(f"credentials[{index}]", f"not a credential: {exc}")]
        ) from None
    return Evidence(item, view.credential, report, view.kind)


def learner_identity(sessions: sessionmaker[Session], account_id: str) -> tuple[str, str] | None:
    """The learner a learner account names here: (identifier type, identifier), if any."""
    with sessions() as session:
        account = session.get(LearnerAccount, account_id)
        if account is None or not account.identifier_type or not account.identifier:
            return None
        return account.identifier_type, account.identifier


def parsed(model: type[_M], raw: object) -> _M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput("request refused", problems_from_validation_error(exc)) from None


def view_version(url: str) -> int:
    """The version number in a version's URL (``…/versions/{n}``)."""
    tail = url.rsplit("/versions/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def part_key(part: Presented) -> str:
    """What is recognised once: the credential — its issuer and id, the same in every
    format it was issued in — else the digest of the copy presented."""
    facts = part.facts
    if facts.issuer and facts.credential_id:
        return hashlib.sha256(f"{facts.issuer}\n{facts.credential_id}".encode()).hexdigest()
    return part.digest


def _base(agreement: str | None, route: str) -> str:
    """What a part is recognised under once: the agreement (its URL, from one of its
    versions' ``…/versions/{n}``), or the route without one (``route:elective`` …)."""
    return agreement_of(agreement) if agreement else f"route:{route}"


def _body(credential: Any) -> Mapping[str, Any]:
    return view_of(credential).credential


def answered(reports: Sequence[PresentationReport]) -> tuple[list[Evidence], bool]:
    """The credentials of a wallet's verified answer, and whether its holder proof held."""
    evidence = [
        Evidence(c.credential, c.body, c.report, c.format) for r in reports for c in r.credentials
    ]
    return evidence, bool(reports) and all(bound(r) for r in reports)


def presented_of(evidence: Evidence) -> Presented:
    """A verified credential as the conditions judge it: its facts, checks, digest. A check
    that passed on ledger records not anchored yet (``pending``: a status list version still
    to be anchored) has not passed yet: it counts as not checked."""
    return Presented(
        facts_of(evidence.body),
        {
            c.name: (None, f"{c.detail} (pending: not anchored yet)")
            if c.state == PENDING and c.ok is True
            else (c.ok, c.detail)
            for c in evidence.report.checks
        },
        digest_hex(leaf_digest(evidence.credential)),
    )


def evidence_json(evidence: Evidence, presented: Presented) -> dict[str, Any]:
    """A verified credential as a case keeps it (with the credential itself)."""
    facts = presented.facts
    learner = " ".join(n for n in (facts.learner.given_name, facts.learner.family_name) if n)
    return {
        "format": evidence.format,
        "credential": evidence.credential,
        "digest": presented.digest,
        "issuer": facts.issuer,
        "achievement": facts.achievement,
        "title": facts.title,
        "ects": facts.ects,
        "grade": facts.grade,
        "learner": learner or None,
        "verified": evidence.report.verified,
        "checks": [
            {"name": c.name, "ok": c.ok, "detail": c.detail} for c in evidence.report.checks
        ],
    }


def _json(row: RecognitionCase) -> dict[str, Any]:
    return {
        "id": row.id,
        "state": row.state,
        "route": row.route,
        "agreement": row.agreement_url,
        "agreementDigest": row.agreement_digest,
        "programme": row.programme,
        "learningAgreement": row.learning_agreement_url,
        "presentationRequest": row.presentation_request_id,
        "learner": row.learner_name,
        "evidence": [{k: v for k, v in e.items() if k != "credential"} for e in row.evidence],
        "conditions": row.conditions,
        "outcome": row.outcome,
        "ects": row.ects,
        "convertedGrade": row.converted_grade,
        "reason": row.reason,
        "decisionRecord": row.decision_record_id,
        "createdAt": row.created_at,
        "decidedAt": row.decided_at,
        "decidedBy": row.decided_by,
        "appeal": None
        if row.appealed_at is None
        else {
            "text": row.appeal_text,
            "at": row.appealed_at,
            "outcome": row.appeal_outcome,
            "reason": row.appeal_reason,
            "decidedAt": row.appeal_decided_at,
            "decidedBy": row.appeal_decided_by,
        },
    }
