"""A learner's progress towards a micro-degree: which of a stack rule's components the
credentials presented meet, which are missing, and why.

Pure: the credentials come verified (their pipeline checks by name, node/recognition/
conditions.py ``Presented``), and nothing here reads a database or the chain. Each part is
judged on its own — every check of the pipeline ran and passed (the issuer's membership is
judged at the part's anchor time: a member in good standing when it issued it), its EQF
level and age; presented once (two copies of one credential are one part); not itself
recognised by a decision also presented (it counts through the decision, not twice). Then
parts are matched to the components they meet (and their minimum grade) so that as many
components are met as can be, the required ones first, each part for one component. The
rule holds when every check ran and passed: a check that could not run leaves the
component ``unchecked``, never met.
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
class Recognised:
    """A credential a recognition decision recognises, as the decision names it."""

    achievement: str | None
    issuer: str | None
    digest: str | None = None
    credential: str | None = None


@dataclass(frozen=True)
class Part:
    """One credential as presented, verified, with what a recognition decision says in it
    (``recognised``: the partners' credentials it recognises)."""

    presented: Presented
    programme: str | None = None
    recognised: tuple[Recognised, ...] = ()

    @property
    def key(self) -> str:
        """The credential whatever copy of it is presented: its issuer and id, else the
        digest of the copy."""
        facts = self.presented.facts
        if facts.issuer and facts.credential_id:
            return f"{facts.issuer}\n{facts.credential_id}"
        return self.presented.digest

    def recognises(self, other: Part) -> bool:
        """Whether this decision recognises ``other`` (by digest, or by issuer and id)."""
        facts = other.presented.facts
        return any(
            r.digest == other.presented.digest
            or (
                r.credential is not None
                and (r.issuer, r.credential) == (facts.issuer, facts.credential_id)
            )
            for r in self.recognised
        )


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


def recognition_of(body: Mapping[str, Any]) -> tuple[str | None, tuple[Recognised, ...]]:
    """A recognition decision's programme and the credentials it recognises (from
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
        Recognised(
            _text(item.get("achievementUrl")),
            _text(item.get("issuerId")),
            _text(item.get("credentialDigest")),
            _text(item.get("credentialId")),
        )
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, Mapping)
    )
    return (programme if isinstance(programme, str) else None), found


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def evaluate(rule: StackRule, parts: Sequence[Part], *, today: date) -> Progress:
    """The progress of ``parts`` towards ``rule``'s micro-degree, judged on ``today`` (the
    age of each part: on the day the micro-degree is issued, when it is checked later)."""
    conditions: list[Condition] = []
    if parts:
        conditions.append(same_learner([p.presented for p in parts]))
    own = [_own_conditions(rule, index, part, parts, today) for index, part in enumerate(parts)]
    components = [(g.id, c) for g in rule.groups for c in g.components]
    judged = [
        [
            (i, _conditions(own[i], component, part, i))
            for i, part in enumerate(parts)
            if _matches(rule, component, part)
        ]
        for _, component in components
    ]
    eligible = [[i for i, found in pairs if all(c.ok is True for c in found)] for pairs in judged]
    chosen = _matching(eligible, [c.required for _, c in components])
    results = [
        _result(group, component, judged[n], eligible[n], chosen.get(n), parts)
        for n, (group, component) in enumerate(components)
    ]
    ects = sum(r.ects or 0 for r in results if r.state == MET)
    conditions += _totals(rule, results, ects)
    satisfied = all(c.ok is True for c in conditions) and all(
        r.state == MET for r in results if r.required
    )
    return Progress(rule.id, satisfied, results, conditions, ects)


def _own_conditions(
    rule: StackRule, index: int, part: Part, parts: Sequence[Part], today: date
) -> list[Condition]:
    """What a part must be whatever component it meets: verified, level, age; presented
    once; not recognised by a decision also presented (it counts through the decision)."""
    facts = part.presented.facts
    found = [verification_condition(index, part.presented)]
    first = next(i for i, other in enumerate(parts) if other.key == part.key)
    if first != index:
        found.append(Condition("once", False, f"the same credential as part {first}", index))
    through = [i for i, other in enumerate(parts) if i != index and other.recognises(part)]
    if through:
        detail = f"recognised by part {through[0]}: it counts through that decision"
        found.append(Condition("once", False, detail, index))
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
        of_entry(r.achievement, r.issuer) for r in part.recognised
    )


def _conditions(
    own: Sequence[Condition], component: Component, part: Part, index: int
) -> list[Condition]:
    """A part's conditions for a component it matches: its own and the component's grade."""
    found = list(own)
    if component.min_grade is not None:
        grade = part.presented.facts.grade
        detail = f"grade {grade or 'none'}, at least {component.min_grade.minimum}"
        found.append(Condition("minGrade", component.min_grade.holds(grade), detail, index))
    return found


def _matching(eligible: Sequence[Sequence[int]], required: Sequence[bool]) -> dict[int, int]:
    """Component → part, each part for one component at most, as many components met as
    can be (augmenting paths, Kuhn): the required components first, so an elective never
    takes the one part a required component could have."""
    owner: dict[int, int] = {}  # part → component

    def place(component: int, seen: set[int]) -> bool:
        for part in eligible[component]:
            if part in seen:
                continue
            seen.add(part)
            if part not in owner or place(owner[part], seen):
                owner[part] = component
                return True
        return False

    order = [n for n in range(len(eligible)) if required[n]]
    order += [n for n in range(len(eligible)) if not required[n]]
    for component in order:
        place(component, set())
    return {component: part for part, component in owner.items()}


def _result(
    group: str,
    component: Component,
    judged: Sequence[tuple[int, list[Condition]]],
    eligible: Sequence[int],
    chosen: int | None,
    parts: Sequence[Part],
) -> ComponentProgress:
    required = component.required
    if chosen is not None:
        ects = parts[chosen].presented.facts.ects
        return ComponentProgress(component.id, group, required, MET, [], chosen, ects)
    if eligible:  # met by parts that count for other components
        reasons = [f"its parts ({', '.join(map(str, eligible))}) count for other components"]
        return ComponentProgress(component.id, group, required, MISSING, reasons)
    if not judged:
        reasons = ["no credential presented meets it"]
        return ComponentProgress(component.id, group, required, MISSING, reasons)
    index, conditions = judged[0]
    failed = [c for c in conditions if c.ok is False]
    state = FAILED if failed else UNCHECKED
    reasons = [f"{c.name}: {c.detail}" for c in (failed or [c for c in conditions if c.ok is None])]
    return ComponentProgress(component.id, group, required, state, reasons, index)


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
