"""A learner's progress towards a micro-degree: which of a stack rule's components the
credentials presented meet, which are missing, and why.

Pure: the credentials come verified (their pipeline checks by name, node/recognition/
conditions.py ``Presented``), and nothing here reads a database or the chain. Each part is
judged on its own — every check of the pipeline ran and passed (the issuer's membership is
judged at the part's anchor time: a member in good standing when it issued it), its EQF
level, age and grade — then each component takes the first part that meets it and is not
taken by an earlier component. The rule holds when every check ran and passed: a check that
could not run leaves the component ``unchecked``, never met.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from node.recognition.conditions import (
    Condition,
    Presented,
    age_condition,
    same_learner,
    verification_condition,
)
from node.stacking.rules import Component, StackRule, stack_of

MET, MISSING, FAILED, UNCHECKED = "met", "missing", "failed", "unchecked"


@dataclass(frozen=True)
class Part:
    """One credential as presented, verified, with what a recognition decision says in it
    (``recognised``: the achievements — catalogue versions — and issuers it recognises)."""

    presented: Presented
    programme: str | None = None
    recognised: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ComponentProgress:
    component: str
    group: str
    required: bool
    state: str  # met | missing | failed | unchecked
    reasons: list[str]
    part: int | None = None  # the index of the part that meets it (or was judged)
    ects: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "group": self.group,
            "required": self.required,
            "state": self.state,
            "reasons": self.reasons,
            "part": self.part,
            "ects": self.ects,
        }


@dataclass(frozen=True)
class Progress:
    rule: str
    satisfied: bool
    components: list[ComponentProgress]
    conditions: list[Condition] = field(default_factory=list)
    ects: float = 0.0

    @property
    def unchecked(self) -> bool:
        """Nothing failed, but a check could not run (the rule is not known to hold)."""
        return not self.satisfied and any(c.state == UNCHECKED for c in self.components)

    def failures(self) -> list[str]:
        """Why the rule does not hold: each required component not met, each total short."""
        missing = [c for c in self.components if c.required and c.state != MET]
        return [f"{c.component}: {'; '.join(c.reasons)}" for c in missing] + [
            f"{c.name}: {c.detail}" for c in self.conditions if c.ok is not True
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "satisfied": self.satisfied,
            "ects": self.ects,
            "components": [c.as_json() for c in self.components],
            "conditions": [c.as_json() for c in self.conditions],
        }


def recognition_of(body: Mapping[str, Any]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """A recognition decision's programme and the (achievement, issuer) it recognises (from
    ``credentialSubject.recognition``, node/credentials/render.py); (None, ()) otherwise."""
    subject = body.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if subject else {}
    node = subject.get("recognition") if isinstance(subject, Mapping) else None
    if not isinstance(node, Mapping):
        return None, ()
    programme = node.get("programme")
    items = node.get("recognised")
    found = tuple(
        (str(item["achievementUrl"]), str(item["issuerId"]))
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, Mapping)
        and isinstance(item.get("achievementUrl"), str)
        and isinstance(item.get("issuerId"), str)
    )
    return (programme if isinstance(programme, str) else None), found


def evaluate(rule: StackRule, parts: Sequence[Part], *, today: date) -> Progress:
    """The progress of ``parts`` towards ``rule``'s micro-degree, judged on ``today`` (the
    age of each part: on the day the micro-degree is issued, when it is checked later)."""
    conditions: list[Condition] = []
    if parts:
        conditions.append(same_learner([p.presented for p in parts]))
    own = [_own_conditions(rule, index, part, today) for index, part in enumerate(parts)]
    taken: set[int] = set()
    results: list[ComponentProgress] = []
    for group in rule.groups:
        for component in group.components:
            results.append(_component(rule, group.id, component, parts, own, taken))
    ects = sum(r.ects or 0 for r in results if r.state == MET)
    conditions += _totals(rule, results, ects)
    satisfied = all(c.ok is True for c in conditions) and all(
        r.state == MET for r in results if r.required
    )
    return Progress(rule.id, satisfied, results, conditions, ects)


def _own_conditions(rule: StackRule, index: int, part: Part, today: date) -> list[Condition]:
    """What a part must be whatever component it meets: verified, level, age."""
    facts = part.presented.facts
    found = [verification_condition(index, part.presented)]
    if rule.min_eqf is not None:
        ok = facts.eqf is not None and facts.eqf >= rule.min_eqf
        level = f"EQF {facts.eqf}" if facts.eqf is not None else "no EQF level"
        found.append(Condition("minEqf", ok, f"{level}, at least {rule.min_eqf}", index))
    if rule.max_age_months is not None:
        found.append(age_condition(facts, rule.max_age_months, index, today))
    return found


def _matches(rule: StackRule, component: Component, part: Part) -> bool:
    facts = part.presented.facts
    if component.recognition is not None:
        return (
            facts.issuer == rule.awarding_institution
            and part.programme == component.recognition.programme
        )

    def of_entry(achievement: str | None, issuer: str | None) -> bool:
        return (
            achievement is not None
            and "/versions/" in achievement
            and stack_of(achievement) == component.entry
            and issuer == component.issuer
        )

    if of_entry(facts.achievement, facts.issuer):
        return True
    return facts.issuer == rule.awarding_institution and any(
        of_entry(achievement, issuer) for achievement, issuer in part.recognised
    )


def _component(
    rule: StackRule,
    group: str,
    component: Component,
    parts: Sequence[Part],
    own: Sequence[list[Condition]],
    taken: set[int],
) -> ComponentProgress:
    judged: list[tuple[int, list[Condition]]] = []
    for index, part in enumerate(parts):
        if index in taken or not _matches(rule, component, part):
            continue
        conditions = list(own[index])
        if component.min_grade is not None:
            grade = part.presented.facts.grade
            ok = component.min_grade.holds(grade)
            detail = f"grade {grade or 'none'}, at least {component.min_grade.minimum}"
            conditions.append(Condition("minGrade", ok, detail, index))
        if all(c.ok is True for c in conditions):
            taken.add(index)
            ects = part.presented.facts.ects
            return ComponentProgress(component.id, group, component.required, MET, [], index, ects)
        judged.append((index, conditions))
    if not judged:
        return ComponentProgress(
            component.id, group, component.required, MISSING, ["no credential presented meets it"]
        )
    index, conditions = judged[0]
    failed = [c for c in conditions if c.ok is False]
    state = FAILED if failed else UNCHECKED
    reasons = [f"{c.name}: {c.detail}" for c in (failed or [c for c in conditions if c.ok is None])]
    return ComponentProgress(component.id, group, component.required, state, reasons, index)


def _totals(rule: StackRule, results: Sequence[ComponentProgress], ects: float) -> list[Condition]:
    found: list[Condition] = []
    for group in rule.groups:
        met = [r for r in results if r.group == group.id and r.state == MET]
        if group.min_ects is not None:
            total = sum(r.ects or 0 for r in met)
            ok = total >= group.min_ects
            detail = f"{group.id}: {total:g} ECTS, at least {group.min_ects:g}"
            found.append(Condition("groupEcts", ok, detail))
        if group.min_components is not None:
            ok = len(met) >= group.min_components
            detail = f"{group.id}: {len(met)} components met, at least {group.min_components}"
            found.append(Condition("groupComponents", ok, detail))
    detail = f"{ects:g} ECTS met, at least {rule.min_ects:g}"
    found.append(Condition("minEcts", ects >= rule.min_ects, detail))
    return found
