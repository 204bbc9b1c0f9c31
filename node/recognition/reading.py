"""What a verified micro-credential says, read back from its Open Badges 3.0 shape
(node/credentials/render.py: VCDM 2.0, or the ``vc`` claim of a jwt_vc_json credential):
the facts recognition checks (issuer, course, ECTS, grade, date, supervision, learner) and
the elements a recognition decision carries over (awarding bodies, outcomes, level,
assessment, participation, quality assurance).

Reading never judges: a missing or unreadable element is None (or empty), and the
conditions (node/recognition/conditions.py) say what that means.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from node.credentials import vocab


@dataclass(frozen=True)
class Learner:
    given_name: str | None
    family_name: str | None
    date_of_birth: str | None
    identifier: str | None
    identifier_type: str  # student-number | national-id | other

    @property
    def key(self) -> tuple[str, str, str]:
        """The person, for comparing credentials: names case-folded, and the birth date."""
        return (
            (self.given_name or "").casefold().strip(),
            (self.family_name or "").casefold().strip(),
            self.date_of_birth or "",
        )


@dataclass(frozen=True)
class Facts:
    credential_id: str | None
    issuer: str | None
    achievement: str | None  # the course's URL (a catalogue version's, when issued from one)
    title: dict[str, str]
    ects: float | None
    grade: str | None
    issued: date | None
    supervision: vocab.SupervisionVerification | None
    learner: Learner
    subject_id: str | None
    eqf: int | None
    language: str
    awarding_bodies: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    assessment: list[str] = field(default_factory=list)
    participation: str | None = None
    quality_assurance: list[str] = field(default_factory=list)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _lang_map(value: Any) -> dict[str, str]:
    return {k: v for k, v in _dict(value).items() if isinstance(k, str) and isinstance(v, str)}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _codes(enum_class: type[StrEnum], values: Any) -> list[str]:
    found = (vocab.concept_of(enum_class, v) for v in _list(values))
    return [c.value for c in found if c is not None]


def facts_of(body: Mapping[str, Any]) -> Facts:
    """The facts of one credential body (the VC JSON, or a jwt_vc_json's ``vc`` claim)."""
    issuer = body.get("issuer")
    issuer_id = _text(_dict(issuer).get("id")) if isinstance(issuer, dict) else _text(issuer)
    subject_raw = body.get("credentialSubject")
    subject = _dict(
        subject_raw[0] if isinstance(subject_raw, list) and subject_raw else subject_raw
    )
    achievement = _dict(subject.get("achievement"))
    credits = subject.get("creditsEarned", achievement.get("creditsAvailable"))
    issued_raw = _text(subject.get("dateOfIssuing"))
    try:
        issued = date.fromisoformat(issued_raw) if issued_raw else None
    except ValueError:
        issued = None
    eqf_iri = _text(achievement.get("EQFLevel")) or ""
    eqf_text = eqf_iri.removeprefix(vocab.EQF_BASE)
    eqf = int(eqf_text) if eqf_iri.startswith(vocab.EQF_BASE) and eqf_text.isdigit() else None
    return Facts(
        credential_id=_text(body.get("id")),
        issuer=issuer_id,
        achievement=_text(achievement.get("id")),
        title=_lang_map(achievement.get("title")) or _plain(achievement.get("name"), body),
        ects=_number(credits),
        grade=_text(subject.get("grade")),
        issued=issued,
        supervision=vocab.concept_of(
            vocab.SupervisionVerification, achievement.get("supervisionVerification")
        ),
        learner=_learner(subject),
        subject_id=_text(subject.get("id")),
        eqf=eqf,
        language=_text(achievement.get("inLanguage")) or "en",
        awarding_bodies=[
            _body(b) for b in _list(subject.get("awardingBody")) if isinstance(b, dict)
        ],
        outcomes=[
            _outcome(o) for o in _list(achievement.get("learningOutcome")) if isinstance(o, dict)
        ],
        assessment=_codes(vocab.AssessmentType, achievement.get("assessmentType")),
        participation=next(iter(_codes(vocab.ParticipationForm, achievement.get("mode"))), None),
        quality_assurance=_codes(
            vocab.QualityAssuranceType, achievement.get("qualityAssuranceType")
        ),
    )


def _plain(name: Any, body: Mapping[str, Any]) -> dict[str, str]:
    text = _text(name) or _text(body.get("name"))
    return {"en": text} if text else {}


def _learner(subject: Mapping[str, Any]) -> Learner:
    identity = next((_dict(i) for i in _list(subject.get("identifier")) if isinstance(i, dict)), {})
    kind = "national-id" if identity.get("identityType") == "nationalIdentityNumber" else "other"
    return Learner(
        _text(subject.get("givenName")),
        _text(subject.get("familyName")),
        _text(subject.get("dateOfBirth")),
        _text(identity.get("identityHash")),
        kind,
    )


def _body(node: Mapping[str, Any]) -> dict[str, Any]:
    """An awarding body in the claims' shape (node/credentials/model.py AwardingBody)."""
    address = _dict(node.get("address"))
    legal = vocab.concept_of(vocab.LegalStatus, node.get("legalStatus"))
    claims: dict[str, Any] = {
        "name": _lang_map(node.get("legalName")) or _plain(node.get("name"), {}),
        "address": {
            key: value
            for key, value in {
                "streetAddress": _text(address.get("streetAddress")),
                "postalCode": _text(address.get("postalCode")),
                "locality": _text(address.get("addressLocality")),
                "region": _text(address.get("addressRegion")),
                "country": _text(address.get("addressCountryCode")),
            }.items()
            if value is not None
        },
        "legalStatus": legal.value if legal is not None else None,
    }
    if _text(node.get("id")):
        claims["id"] = node["id"]
    if _text(node.get("deqarId")):
        claims["deqarId"] = node["deqarId"]
    return claims


def _outcome(node: Mapping[str, Any]) -> dict[str, Any]:
    outcome: dict[str, Any] = {"text": _lang_map(node.get("title"))}
    skills = [s for s in _list(node.get("relatedESCOSkill")) if isinstance(s, str)]
    if skills:
        outcome["escoSkills"] = skills
    return outcome
