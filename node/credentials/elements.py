"""Which EU Council mandatory elements a rendered credential carries (verification side).

Element names are the claims' JSON names, so an issuing error and a verification report
name the same thing the same way. Works on both renderings (VCDM 2.0 and the VCDM 1.1 body
of ``jwt_vc_json``): they share the subject shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

_Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

# element → where it lives: (credentialSubject, achievement) → value
_MANDATORY: dict[str, _Getter] = {
    "learner": lambda s, _a: s.get("familyName") and s.get("givenName"),
    "title": lambda _s, a: a.get("title") or a.get("name"),
    "issuerCountries": lambda s, _a: s.get("issuerCountry"),
    "awardingBodies": lambda s, _a: s.get("awardingBody"),
    "dateOfIssuing": lambda s, _a: s.get("dateOfIssuing"),
    "learningOutcomes": lambda _s, a: a.get("learningOutcome"),
    "workload": lambda _s, a: a.get("creditPoint") or a.get("volumeOfLearning"),
    # EQF level, QF-EHEA cycle or national level (node.credentials.model.Level)
    "level": lambda _s, a: a.get("EQFLevel") or a.get("qfEheaCycle") or a.get("nqfLevel"),
    "assessmentTypes": lambda _s, a: a.get("assessmentType"),
    "participationForm": lambda _s, a: a.get("mode"),
    "qualityAssurance": lambda _s, a: a.get("qualityAssuranceType"),
}


def missing_elements(credential: Mapping[str, Any]) -> list[str]:
    """The mandatory elements absent from ``credential`` (empty list: all present)."""
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping):
        return list(_MANDATORY)
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
        achievement = {}
    return [name for name, get in _MANDATORY.items() if not get(subject, achievement)]
