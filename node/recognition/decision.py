"""The recognition decision as a credential's claims: a micro-credential of this (home)
institution that carries the recognised learning's EU elements — learner, awarding bodies,
learning outcomes, level, assessment, participation, quality assurance, read from the
credentials presented — the ECTS recognised and the converted grade, and a ``recognition``
element naming the agreement (URL and anchored digest), the programme and each recognised
credential by digest and issuer. Issued, anchored and revocable like any other credential.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from node.agreements.terms import AgreementTerms
from node.recognition.reading import Facts, Learner


def learner_claims(learner: Learner, identity: tuple[str, str] | None) -> dict[str, Any]:
    """The learner element of a credential built from another's: the names and birth date
    it states, the identifier ``identity`` (type, identifier) gives at this institution, if
    one, else its own."""
    return {
        "givenName": learner.given_name,
        "familyName": learner.family_name,
        "dateOfBirth": learner.date_of_birth,
        "identifier": identity[1] if identity else learner.identifier,
        "identifierType": identity[0] if identity else learner.identifier_type,
    }


def decision_claims(
    facts: Sequence[Facts],
    digests: Sequence[str],
    *,
    agreement: tuple[str, str | None, AgreementTerms] | None,
    programme: str,
    home: str,
    country: str,
    ects: float | None,
    grade: str | None,
    decided: str,
    identity: tuple[str, str] | None = None,
    route: str = "agreement",
) -> dict[str, Any]:
    """The claims (node/credentials/model.py, camelCase JSON) of the decision credential;
    ``identity``: the learner's (identifier type, identifier) at this institution, when the
    learner asked from their account here (else the recognised credential's)."""
    first = facts[0]
    url, digest, terms = agreement if agreement is not None else (None, None, None)
    programmes = terms.programmes if terms is not None else []
    title_of = next(
        (p.title for p in programmes if p.id == programme and p.institution == home), None
    )
    title = {lang: f"Recognition: {text}" for lang, text in first.title.items()} or {
        "en": "Recognition of prior learning"
    }
    claims: dict[str, Any] = {
        "learner": learner_claims(first.learner, identity),
        "title": title,
        "issuerCountries": [country],
        "awardingBodies": [b for f in facts for b in f.awarding_bodies][:10],
        "dateOfIssuing": datetime.now(UTC).date().isoformat(),
        "learningOutcomes": [o for f in facts for o in f.outcomes][:100],
        "workload": {"ects": ects} if ects else {},
        "level": {"eqf": max((f.eqf for f in facts if f.eqf is not None), default=None)},
        "assessmentTypes": sorted({a for f in facts for a in f.assessment}),
        "participationForm": first.participation,
        "qualityAssurance": {"types": sorted({q for f in facts for q in f.quality_assurance})},
        "primaryLanguage": first.language,
        "recognition": {
            "route": route,
            **({"agreement": url, "agreementDigest": digest} if url else {}),
            "programme": programme,
            "recognised": [
                {
                    key: value
                    for key, value in {
                        "credential": f.credential_id,
                        "digest": d,
                        "issuer": f.issuer,
                        "achievement": f.achievement,
                        "ects": f.ects,
                        "grade": f.grade,
                    }.items()
                    if value is not None
                }
                for f, d in zip(facts, digests, strict=True)
            ],
            "decided": decided,
        },
    }
    if title_of:
        claims["recognition"]["programmeTitle"] = dict(title_of)
    if grade:
        claims["grade"] = {"value": grade}
        claims["recognition"]["convertedGrade"] = grade
    if claims["level"]["eqf"] is None:
        claims["level"] = {}
    return claims
