"""Whether an agreement's conditions hold for the credentials a learner presents, and what
follows: an automatic decision, a case for a person, or a refusal.

Each credential first runs the full verification pipeline. A check that *failed* (a revoked
or tampered credential, an issuer that is not a member) refuses the request: there is
nothing genuine to recognise. A check that could not run (the chain cannot be read, the
anchor is still to come) sends it to a person, as does any condition of the agreement that
does not hold: every automatic decision rests on every check having run and passed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from node.agreements.documents import AgreementReport
from node.agreements.terms import (
    AgreementTerms,
    ConversionMethod,
    GradeConversion,
    LearningAgreementTerms,
    Module,
    agreement_of,
)
from node.credentials import vocab
from node.recognition.reading import Facts
from node.verification.pipeline import CHECK_NAMES

# The pipeline's checks that must all pass for a credential to count (holder binding is
# judged by the presentation, when there is one).
REQUIRED_CHECKS = tuple(name for name in CHECK_NAMES if name != "holder_binding")
_SUPERVISED = {
    vocab.SupervisionVerification.SUPERVISED_NO_ID,
    vocab.SupervisionVerification.SUPERVISED_ONLINE,
    vocab.SupervisionVerification.ONSITE_WITH_ID,
}
_ID_CHECKED = {vocab.SupervisionVerification.ONSITE_WITH_ID}


@dataclass(frozen=True)
class Condition:
    name: str
    ok: bool | None  # None: could not be judged
    detail: str
    credential: int | None = None  # which presented credential (index), if one

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "ok": self.ok,
            "detail": self.detail,
            **({"credential": self.credential} if self.credential is not None else {}),
        }


@dataclass(frozen=True)
class Presented:
    """One credential as presented: its facts and its pipeline checks by name."""

    facts: Facts
    checks: dict[str, tuple[bool | None, str]]
    digest: str


@dataclass(frozen=True)
class Outcome:
    state: str  # decided (automatic) | open (a person decides) | refused
    conditions: list[Condition]
    ects: float | None
    converted_grade: str | None


def judge(
    presented: Sequence[Presented],
    terms: AgreementTerms,
    report: AgreementReport,
    *,
    home: str,
    programme: str,
    today: date,
    recognised: Mapping[str, str] | None = None,
    extra: Sequence[Condition] = (),
) -> Outcome:
    """The conditions for ``presented`` under the agreement, and the outcome;
    ``recognised``: the digests already recognised towards this programme → their case."""
    conditions = [verification_condition(i, p) for i, p in enumerate(presented)]
    if any(c.ok is False for c in conditions):
        return Outcome("refused", conditions, None, None)
    conditions.append(_agreement(report))
    conditions += extra  # e.g. the learning agreement the request cites
    conditions.append(_programme(terms, home, programme))
    conditions.append(same_learner(presented))
    converted: list[str | None] = []
    for index, item in enumerate(presented):
        earlier = (recognised or {}).get(item.digest)
        if earlier is not None:
            detail = f"already recognised towards {programme} (case {earlier})"
            conditions.append(Condition("once", False, detail, index))
        module = _module(terms, item.facts)
        conditions.append(
            Condition(
                "module",
                module is not None,
                f"{item.facts.achievement} is a module of the agreement"
                if module is not None
                else f"{item.facts.achievement or 'its course'} by {item.facts.issuer} is not a "
                "module the agreement covers",
                index,
            )
        )
        conditions += _course_conditions(terms, item.facts, index, today)
        grade = convert(terms.grade_conversion, item.facts.issuer, item.facts.grade, home)
        converted.append(grade)
        if terms.conditions.passing_grade:
            conditions.append(_passing(item.facts, grade, index))
    ects = sum(p.facts.ects or 0 for p in presented) or None
    if terms.conditions.min_ects is not None:
        enough = ects is not None and ects >= terms.conditions.min_ects
        conditions.append(
            Condition(
                "minEcts",
                enough,
                f"{ects or 0:g} ECTS presented, at least {terms.conditions.min_ects:g} needed",
            )
        )
    automatic = all(c.ok is True for c in conditions)
    grade_out = converted[0] if len(converted) == 1 else None
    return Outcome("decided" if automatic else "open", conditions, ects, grade_out)


def learning_condition(
    presented: Sequence[Presented],
    terms: LearningAgreementTerms,
    *,
    agreed: bool,
    accepted: bool,
    agreement: str | None,
) -> Condition:
    """Whether the learning agreement a request cites covers its credentials: agreed by
    both institutions, accepted by its learner, under the same recognition agreement, for
    these modules, this learner, and earned from the mobility's start on."""
    if not agreed:
        return Condition("learningAgreement", False, "not agreed by both institutions")
    if not accepted:
        return Condition("learningAgreement", False, "not accepted by the learner")
    framework = terms.framework
    if framework and agreement and agreement_of(framework) != agreement_of(agreement):
        return Condition("learningAgreement", False, "made under another agreement")
    modules = {m.entry for m in terms.modules}
    person = (terms.learner.given_name.casefold(), terms.learner.family_name.casefold())
    for index, item in enumerate(presented):
        facts = item.facts
        if facts.achievement not in modules:
            detail = f"{facts.achievement} is not one of its modules"
            return Condition("learningAgreement", False, detail, index)
        if facts.learner.key[:2] != person:
            return Condition("learningAgreement", False, "names another learner", index)
        if facts.issued is None or not (terms.mobility.start <= facts.issued <= terms.valid_until):
            detail = f"earned outside {terms.mobility.start} – {terms.valid_until}"
            return Condition("learningAgreement", False, detail, index)
    span = f"{terms.mobility.start.isoformat()} – {terms.mobility.end.isoformat()}"
    return Condition("learningAgreement", True, f"the mobility {span} covers these credentials")


def judge_by_person(
    presented: Sequence[Presented],
    route: str,
    *,
    recognised: Mapping[str, str] | None = None,
) -> Outcome:
    """A route without an agreement (elective credits, prior learning, ad hoc): the
    credentials are verified (a failed check refuses) and a person always decides."""
    conditions = [verification_condition(i, p) for i, p in enumerate(presented)]
    if any(c.ok is False for c in conditions):
        return Outcome("refused", conditions, None, None)
    conditions.append(same_learner(presented))
    for index, item in enumerate(presented):
        earlier = (recognised or {}).get(item.digest)
        if earlier is not None:
            detail = f"already recognised by this route (case {earlier})"
            conditions.append(Condition("once", False, detail, index))
    conditions.append(Condition("route", None, f"{route}: no agreement, a person decides"))
    ects = sum(p.facts.ects or 0 for p in presented) or None
    return Outcome("open", conditions, ects, None)


def verification_condition(index: int, item: Presented) -> Condition:
    for name in REQUIRED_CHECKS:
        ok, detail = item.checks.get(name, (None, "not checked"))
        if ok is False:
            return Condition("verification", False, f"{name}: {detail}", index)
    for name in REQUIRED_CHECKS:
        ok, detail = item.checks.get(name, (None, "not checked"))
        if ok is None:
            return Condition("verification", None, f"{name} could not be checked: {detail}", index)
    return Condition("verification", True, "every check of the pipeline passed", index)


def _agreement(report: AgreementReport) -> Condition:
    if report.verdict == "valid":
        return Condition("agreement", True, "in force, signed by both parties, anchored")
    failed = [c for c in report.checks if c.ok is not True]
    detail = "; ".join(f"{c.name}: {c.detail}" for c in failed) or report.verdict
    return Condition("agreement", False if report.verdict == "invalid" else None, detail)


def _programme(terms: AgreementTerms, home: str, programme: str) -> Condition:
    for item in terms.programmes:
        if item.institution == home and item.id == programme:
            return Condition("programme", True, f"{programme} is a programme of the agreement")
    return Condition("programme", False, f"{programme} is not a home programme of the agreement")


def same_learner(presented: Sequence[Presented]) -> Condition:
    people = {p.facts.learner.key for p in presented}
    if len(people) == 1 and all(all(key) for key in people):
        return Condition("learner", True, "every credential names the same learner")
    return Condition("learner", False, "the credentials do not name one and the same learner")


def _module(terms: AgreementTerms, facts: Facts) -> Module | None:
    for module in terms.modules:
        if module.entry == facts.achievement and module.offered_by == facts.issuer:
            return module
    return None


def _course_conditions(
    terms: AgreementTerms, facts: Facts, index: int, today: date
) -> list[Condition]:
    wanted = terms.conditions
    found: list[Condition] = []
    if wanted.max_age_months is not None:
        found.append(age_condition(facts, wanted.max_age_months, index, today))
    if wanted.supervised_assessment:
        ok = facts.supervision in _SUPERVISED
        found.append(Condition("supervisedAssessment", ok, _supervision(facts), index))
    if wanted.identity_checked:
        ok = facts.supervision in _ID_CHECKED
        found.append(Condition("identityChecked", ok, _supervision(facts), index))
    return found


def age_condition(facts: Facts, max_months: int, index: int, today: date) -> Condition:
    """Issued at most ``max_months`` months before ``today``."""
    if facts.issued is None:
        return Condition("maxAge", False, "the credential has no date of issuing", index)
    months = (today.year - facts.issued.year) * 12 + today.month - facts.issued.month
    ok = months < max_months or (months == max_months and today.day <= facts.issued.day)
    detail = f"issued {facts.issued.isoformat()}, at most {max_months} months before {today}"
    return Condition("maxAge", ok, detail, index)


def _supervision(facts: Facts) -> str:
    value = facts.supervision.value if facts.supervision is not None else "not stated"
    return f"supervision and identity verification: {value}"


def _passing(facts: Facts, converted: str | None, index: int) -> Condition:
    if facts.grade is None:
        return Condition("passingGrade", False, "the credential records no grade", index)
    if converted is None:
        reason = f"grade {facts.grade} is not a passing grade under the agreement's conversion"
        return Condition("passingGrade", False, reason, index)
    return Condition("passingGrade", True, f"grade {facts.grade} → {converted}", index)


def convert(
    conversion: GradeConversion, issuer: str | None, grade: str | None, home: str
) -> str | None:
    """The home grade for ``grade`` given by ``issuer``; None when it does not convert (a
    grade not in the mapping, or not a passing grade of the issuer's table)."""
    if grade is None:
        return None
    if conversion.method is ConversionMethod.MAPPING:
        return (conversion.mapping or {}).get(grade)
    tables = conversion.tables or {}
    theirs, ours = tables.get(issuer or ""), tables.get(home)
    if not theirs or not ours:
        return None
    rows = [row.grade for row in theirs]
    if grade not in rows:
        return None
    # ECTS grading tables: the share of passing learners with this grade or a better one,
    # then the home grade whose band contains that cumulative share.
    share = sum(row.percentage for row in theirs[: rows.index(grade) + 1])
    cumulative = 0.0
    for row in ours:
        cumulative += row.percentage
        if cumulative + 1e-9 >= share:
            return row.grade
    return ours[-1].grade
