"""The approval chain (DOMAIN.md, DP 4.2): the stages a prepared record passes before it is
signed, configured per institution (``approval_chain`` in the settings), e.g.::

    [[approval_chain]]
    name = "Programme committee"
    role = "committee"
    elements = ["learningOutcomes", "level"]
    [[approval_chain]]
    name = "Study department"
    role = "study_department"
    elements = ["learner"]
    [[approval_chain]]
    name = "Management"
    role = "management"
    seals = true          # its approval signs the credential

A record waits for one stage at a time (``approval_stage``), in order. Separation of duties:
whoever prepared a record approves none of its stages, and nobody approves two stages of
one round. Every decision is an :class:`~node.db.models.ApprovalStep` — who, when, which
stage, the elements it signed off, the SHA-256 of the claims as they were, a comment. A
rejection needs a reason and sends the record back (``returned``); resubmitting it (with
corrected claims or not) starts a new round from the first stage. With no chain configured,
``require_approval`` keeps the one admin approval of before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.model import MicroCredentialClaims
from node.db.models import (
    INSTITUTION_OWNER,
    ApprovalStep,
    CredentialRecord,
    RecordState,
    StaffAccount,
    StaffRole,
)
from node.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from node.issuance.registry import RegistryItem

APPROVED = "approved"
REJECTED = "rejected"
MAX_COMMENT = 2000
_ELEMENTS = frozenset(
    (field.alias or name) for name, field in MicroCredentialClaims.model_fields.items()
)


class ChainInvalid(ValueError):
    """The configured approval chain does not make sense (says why)."""


@dataclass(frozen=True)
class ApprovalStage:
    name: str
    role: StaffRole
    elements: tuple[str, ...] = ()  # the claims' JSON names this stage signs off
    seals: bool = False  # its approval signs the credential (the last stage only)


def approval_chain(written: Sequence[Mapping[str, Any]]) -> tuple[ApprovalStage, ...]:
    """The chain as the settings write it (``approval_chain``), checked."""
    stages = []
    for n, entry in enumerate(written, 1):
        unknown = set(entry) - {"name", "role", "elements", "seals"}
        if unknown:
            raise ChainInvalid(f"approval stage {n}: unknown keys {sorted(unknown)}")
        name = str(entry.get("name") or "").strip()
        if not 1 <= len(name) <= 100:
            raise ChainInvalid(f"approval stage {n}: a name of 1 to 100 characters")
        try:
            role = StaffRole(str(entry.get("role")))
        except ValueError:
            known = ", ".join(StaffRole)
            raise ChainInvalid(f"approval stage {name!r}: role one of {known}") from None
        elements = tuple(entry.get("elements") or ())
        bad = [e for e in elements if e not in _ELEMENTS]
        if bad:
            raise ChainInvalid(f"approval stage {name!r}: no such elements {bad}")
        seals = entry.get("seals", False)
        if not isinstance(seals, bool):
            raise ChainInvalid(f"approval stage {name!r}: seals is true or false")
        stages.append(ApprovalStage(name, role, elements, seals))
    if any(s.seals for s in stages[:-1]):
        raise ChainInvalid("only the last approval stage may seal")
    if len({s.name for s in stages}) != len(stages):
        raise ChainInvalid("approval stages need different names")
    return tuple(stages)


def claims_digest(claims: Mapping[str, Any]) -> str:
    canonical = json.dumps(claims, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who decides: a member of staff (console session, or an API token acting for one)."""

    account_id: int
    roles: frozenset[StaffRole]


@dataclass(frozen=True)
class Refusal:
    """Why someone may not decide a stage: ``key`` names the reason for the pages (each
    language has its text, node/web/texts.py ``c.refusal.<key>``), ``message`` is it in
    English (the API), ``params`` fill the texts."""

    key: str
    message: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StepView:
    round: int
    stage: int
    stage_name: str
    account_id: int
    account_name: str
    decision: str
    elements: list[str]
    claims_sha256: str
    comment: str
    at: datetime


@dataclass(frozen=True)
class ChainState:
    """Where a record stands in the chain, and what ``viewer`` may do with it."""

    stages: tuple[ApprovalStage, ...]
    approval_required: bool  # a chain, or require_approval
    state: str
    round: int
    waiting_for: int | None  # the stage index it waits for; None: not waiting
    steps: list[StepView]
    may_decide: bool
    refusal: str  # why the viewer may not decide ("" when they may, or nothing waits)
    may_resubmit: bool
    refusal_reason: Refusal | None = None  # the same, for the pages' languages


@dataclass(frozen=True)
class QueueItem:
    item: RegistryItem
    stage: ApprovalStage


class Approvals:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        stages: tuple[ApprovalStage, ...],
        seal: Callable[[str], Any],
        validate: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        required: bool = False,
    ) -> None:
        """``seal(record_id)`` signs an approved record (the sealing stage); ``validate``
        checks resubmitted claims as issuing does and returns them as stored."""
        self._sessions = sessions
        self.stages = stages
        self._seal = seal
        self._validate = validate
        self._required = required or bool(stages)

    @property
    def configured(self) -> bool:
        return bool(self.stages)

    @property
    def required(self) -> bool:
        """Records need an approval before they are signed (a chain, or require_approval)."""
        return self._required

    # -- reading ---------------------------------------------------------------------------

    def queue(self, actor: Actor, limit: int = 200) -> list[QueueItem]:
        """Prepared records waiting for a stage of one of ``actor``'s roles that they may
        decide (not their own preparation, no second stage of theirs), oldest first."""
        indexes = [i for i, s in enumerate(self.stages) if s.role in actor.roles]
        if not indexes:
            return []
        decided = (
            select(ApprovalStep.record_id)
            .where(
                ApprovalStep.account_id == actor.account_id,
                ApprovalStep.round == CredentialRecord.approval_round,
                ApprovalStep.record_id == CredentialRecord.id,
            )
            .exists()
        )
        statement = (
            select(CredentialRecord)
            .where(
                CredentialRecord.owner == INSTITUTION_OWNER,
                CredentialRecord.state == RecordState.PREPARED.value,
                CredentialRecord.approval_stage.in_(indexes),
                (CredentialRecord.prepared_by.is_(None))
                | (CredentialRecord.prepared_by != actor.account_id),
                ~decided,
            )
            .order_by(CredentialRecord.created_at, CredentialRecord.id)
            .limit(limit)
        )
        with self._sessions() as session:
            return [
                QueueItem(RegistryItem.of(r), self.stages[r.approval_stage])
                for r in session.scalars(statement)
            ]

    def state(self, record_id: str, viewer: Actor | None = None) -> ChainState:
        with self._sessions() as session:
            record = _record(session, record_id)
            steps = self._steps(session, record_id)
            why = self.refusal_of(session, record, viewer) if viewer else None
            refusal = why.message if why else ("" if viewer else "not signed in")
            waiting = (
                record.approval_stage
                if record.state == RecordState.PREPARED and record.approval_stage < len(self.stages)
                else None
            )
            return ChainState(
                self.stages,
                self._required,
                record.state,
                record.approval_round,
                waiting,
                steps,
                waiting is not None and refusal == "",
                refusal if waiting is not None else "",
                viewer is not None
                and record.state == RecordState.RETURNED
                and self._may_resubmit(record, viewer),
                why if waiting is not None else None,
            )

    @staticmethod
    def _steps(session: Session, record_id: str) -> list[StepView]:
        rows = session.execute(
            select(ApprovalStep, StaffAccount.name)
            .join(StaffAccount, StaffAccount.id == ApprovalStep.account_id)
            .where(ApprovalStep.record_id == record_id)
            .order_by(ApprovalStep.id)
        )
        return [
            StepView(
                s.round,
                s.stage,
                s.stage_name,
                s.account_id,
                name,
                s.decision,
                list(s.elements),
                s.claims_sha256,
                s.comment,
                s.at,
            )
            for s, name in rows
        ]

    def _refusal(self, session: Session, record: CredentialRecord, actor: Actor) -> str:
        """Why ``actor`` may not decide the stage ``record`` waits for ("" if they may)."""
        why = self.refusal_of(session, record, actor)
        return why.message if why else ""

    def refusal_of(
        self, session: Session, record: CredentialRecord, actor: Actor
    ) -> Refusal | None:
        if not self.stages:
            return Refusal("no_chain", "this node has no approval chain")
        if record.state != RecordState.PREPARED or record.approval_stage >= len(self.stages):
            return Refusal(
                "not_waiting",
                f"the record is {record.state}, not waiting for an approval",
                {"state": record.state},
            )
        stage = self.stages[record.approval_stage]
        if stage.role not in actor.roles:
            return Refusal(
                "role",
                f"the stage \u201c{stage.name}\u201d needs the role {stage.role.value}",
                {"stage": stage.name, "role": stage.role.value},
            )
        if record.prepared_by == actor.account_id:
            return Refusal("prepared", "separation of duties: you prepared this record")
        decided = session.scalar(
            select(ApprovalStep.stage).where(
                ApprovalStep.record_id == record.id,
                ApprovalStep.round == record.approval_round,
                ApprovalStep.account_id == actor.account_id,
            )
        )
        if decided is not None:
            name = self.stages[decided].name
            return Refusal(
                "decided",
                f"separation of duties: you decided the stage \u201c{name}\u201d of this record",
                {"stage": name},
            )
        return None

    @staticmethod
    def _may_resubmit(record: CredentialRecord, actor: Actor) -> bool:
        return record.prepared_by == actor.account_id or StaffRole.REGISTRAR in actor.roles

    # -- deciding --------------------------------------------------------------------------

    def decide(self, record_id: str, actor: Actor, decision: str, comment: str = "") -> str:
        """Approve or reject the stage the record waits for; returns the record's state
        afterwards (``issued`` when the sealing stage approved it and it was signed)."""
        comment = comment.strip()
        if decision not in (APPROVED, REJECTED):
            raise InvalidInput("decision refused", [Problem("decision", "approved or rejected")])
        if len(comment) > MAX_COMMENT:
            raise InvalidInput(
                "comment refused", [Problem("comment", f"at most {MAX_COMMENT} characters")]
            )
        if decision == REJECTED and not comment:
            raise InvalidInput(
                "a rejection needs its reason",
                [Problem("comment", "say what is wrong: the preparer reads it")],
            )
        with self._sessions() as session:
            record = _record(session, record_id, lock=True)
            refusal = self._refusal(session, record, actor)
            if refusal:
                waiting = record.state == RecordState.PREPARED and self.stages
                raise (Forbidden if waiting else Conflict)(refusal)
            index = record.approval_stage
            stage = self.stages[index]
            session.add(
                ApprovalStep(
                    record_id=record.id,
                    round=record.approval_round,
                    stage=index,
                    stage_name=stage.name,
                    account_id=actor.account_id,
                    decision=decision,
                    elements=list(stage.elements),
                    claims_sha256=claims_digest(record.claims),
                    comment=comment,
                )
            )
            if decision == REJECTED:
                record.state = RecordState.RETURNED.value
            elif index + 1 < len(self.stages):
                record.approval_stage = index + 1
            else:
                record.approval_stage = index + 1
                record.state = RecordState.APPROVED.value
            session.commit()
            final = record.state
        if final == RecordState.APPROVED and stage.seals:
            self._seal(record_id)
            return RecordState.ISSUED.value
        return final

    def resubmit(self, record_id: str, actor: Actor, claims: dict[str, Any] | None = None) -> None:
        """A returned record back to the first stage (a new round), its claims corrected."""
        stored = self._validate(claims) if claims is not None else None
        with self._sessions() as session:
            record = _record(session, record_id, lock=True)
            if record.state != RecordState.RETURNED:
                raise Conflict(f"record {record_id} is {record.state}, not returned")
            if not self._may_resubmit(record, actor):
                raise Forbidden("only whoever prepared it, or a registrar, resubmits a record")
            if stored is not None:
                record.claims = stored
            record.state = RecordState.PREPARED.value
            record.approval_round += 1
            record.approval_stage = 0
            session.commit()


def _record(session: Session, record_id: str, *, lock: bool = False) -> CredentialRecord:
    query = select(CredentialRecord).where(CredentialRecord.id == record_id)
    if lock:
        query = query.with_for_update()
    record = session.scalar(query)
    if record is None or record.owner != INSTITUTION_OWNER:
        raise NotFound(f"no credential record {record_id}")
    return record


def actor_of(session: Session, account_id: int | None) -> Actor:
    """The staff account an API token acts for, as an :class:`Actor`."""
    if account_id is None:
        raise Forbidden(
            "this API token belongs to no staff account: approvals are a person's act "
            "(credreg token create --staff USERNAME)"
        )
    account = session.get(StaffAccount, account_id)
    if account is None or account.disabled_at is not None:
        raise Forbidden("the staff account of this token is disabled")
    known = {r.value for r in StaffRole}
    return Actor(account.id, frozenset(StaffRole(r) for r in account.roles if r in known))
