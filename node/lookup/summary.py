"""A human-readable summary parsed from a credential's own body (not from this node's DB).

Works on the VCDM 2.0 rendering and on the VCDM 1.1 ``vc`` claim of ``jwt_vc_json``: both
share the subject shape (node.credentials.render). Every value is a plain string or a list
of strings; absent elements are left out. Nothing here is trusted: it is what the
credential *says*, shown next to the checks that say whether to believe it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from node.credentials import vocab

_ALPHA3_TO_2 = {alpha3: alpha2 for alpha2, alpha3 in vocab.COUNTRIES.items()}
_ALPHA3_TO_LANGUAGE = {alpha3: alpha2 for alpha2, alpha3 in vocab.LANGUAGES.items()}

# The order a person reads them in; the web page labels each key.
FIELDS = (
    "learner",
    "title",
    "awardingBody",
    "country",
    "dateOfIssuing",
    "learningOutcomes",
    "ects",
    "eqf",
    "assessment",
    "participation",
    "qualityAssurance",
    "grade",
    "transcript",  # a transcript of records: the credentials it lists
    "stackParts",  # a micro-degree: the parts it stacks
)


def _text(value: Any, lang: str) -> str | None:
    """A plain string, or the best entry of a JSON-LD language map / value objects."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        if "@value" in value:
            return _text(value["@value"], lang)
        texts = {str(k): v for k, v in value.items() if isinstance(v, str) and v}
        if not texts:
            return None
        if lang in texts:
            return texts[lang]
        base = lang.split("-")[0].lower()
        for tag, text in texts.items():
            if tag.split("-")[0].lower() == base:
                return text
        return texts.get("en") or next(iter(texts.values()))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return None


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _code(iri: Any) -> str | None:
    """``…/assessment-type/written-onsite`` → ``written-onsite``."""
    if not isinstance(iri, str) or not iri:
        return None
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _concept(iri: Any) -> str | None:
    """``…/assessment-type/written-onsite`` → ``written onsite``."""
    code = _code(iri)
    return code.replace("-", " ") if code else None


def _country(iri: Any) -> str | None:
    code = _concept(iri)
    if code is None:
        return None
    return _ALPHA3_TO_2.get(code.upper(), code.upper())


def _join(values: list[str | None], sep: str = ", ") -> str | None:
    present = [v for v in values if v]
    return sep.join(present) if present else None


def _eqf(value: Any) -> str | None:
    level = _concept(value) if isinstance(value, str) else _text(value, "en")
    return f"EQF {level}" if level else None


def _ects(subject: Mapping[str, Any], achievement: Mapping[str, Any]) -> str | None:
    earned = subject.get("creditsEarned")
    if isinstance(earned, int | float) and not isinstance(earned, bool):
        return f"{earned:g}"
    credit = achievement.get("creditPoint")
    if isinstance(credit, Mapping):
        return _text(credit.get("point"), "en")
    return _text(achievement.get("creditsAvailable"), "en")


def _grade(subject: Mapping[str, Any], achievement: Mapping[str, Any], lang: str) -> str | None:
    grade = _text(subject.get("grade"), lang)
    if grade is None:
        for result in _list(subject.get("result")):
            if isinstance(result, Mapping):
                grade = _text(result.get("value"), lang)
                if grade:
                    break
    if grade is None:
        return None
    standard = _concept(achievement.get("gradingStandard"))
    return f"{grade} ({standard})" if standard else grade


def subject_of(credential: Mapping[str, Any]) -> Mapping[str, Any] | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    return subject if isinstance(subject, Mapping) else None


def credential_summary(credential: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """The summary of a credential body in ``lang`` (language maps fall back to English)."""
    subject = subject_of(credential) or {}
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
        achievement = {}
    issuer = credential.get("issuer")
    issuer_name = _text(issuer.get("name"), lang) if isinstance(issuer, Mapping) else None
    bodies = [
        _text(b.get("legalName"), lang) or _text(b.get("name"), lang)
        for b in _list(subject.get("awardingBody"))
        if isinstance(b, Mapping)
    ]
    outcomes = [
        _text(o.get("title"), lang) or _text(o.get("name"), lang)
        for o in _list(achievement.get("learningOutcome"))
        if isinstance(o, Mapping)
    ]
    learner = _join(
        [_text(subject.get("givenName"), lang), _text(subject.get("familyName"), lang)], " "
    )
    result: dict[str, Any] = {
        "learner": learner,
        "title": _text(achievement.get("title"), lang)
        or _text(achievement.get("name"), lang)
        or _text(credential.get("name"), lang),
        "awardingBody": _join(bodies, "; ") or issuer_name,
        "country": _join([_country(c) for c in _list(subject.get("issuerCountry"))]),
        "dateOfIssuing": _text(subject.get("dateOfIssuing"), lang),
        "learningOutcomes": [o for o in outcomes if o],
        "ects": _ects(subject, achievement),
        "eqf": _eqf(achievement.get("EQFLevel")),
        "assessment": _join([_concept(a) for a in _list(achievement.get("assessmentType"))]),
        "participation": _concept(achievement.get("mode")),
        "qualityAssurance": _join(
            [_concept(t) for t in _list(achievement.get("qualityAssuranceType"))]
        ),
        "grade": _grade(subject, achievement, lang),
        "transcript": _listed(subject.get("transcript"), "transcriptEntry", lang),
        "stackParts": _listed(subject.get("stack"), "stackPart", lang),
        "issuer": issuer.get("id") if isinstance(issuer, Mapping) else issuer,
    }
    return {k: v for k, v in result.items() if v not in (None, [], "")}


def _listed(node: Any, member: str, lang: str) -> list[str]:
    """One line per credential a transcript lists or a micro-degree stacks: its title (or
    component), credits, grade, date and issuer."""
    if not isinstance(node, Mapping):
        return []
    lines = []
    for item in _list(node.get(member)):
        if not isinstance(item, Mapping):
            continue
        credits = item.get("credits")
        parts = [
            _text(item.get("title"), lang) or _text(item.get("component"), lang),
            f"{credits:g} ECTS" if isinstance(credits, int | float) else None,
            _text(item.get("grade"), lang),
            _text(item.get("dateOfIssuing"), lang),
            did_web_domain(_text(item.get("issuerId"), lang)) or _text(item.get("issuerId"), lang),
        ]
        lines.append(" · ".join(p for p in parts if p))
    return lines


def _language(iri: Any) -> str | None:
    code = _code(iri)
    return _ALPHA3_TO_LANGUAGE.get(code.upper()) if code else None


def vocabulary_of(credential: Mapping[str, Any]) -> dict[str, list[str]]:
    """The coded values behind the summary's vocabulary fields, for pages to name them in
    their language: ``country`` (ISO 3166-1 alpha-2), ``eqf`` (the level), ``assessment``,
    ``participation`` and ``qualityAssurance`` (codes of node.credentials.vocab's schemes),
    ``language`` (ISO 639-1: the languages of instruction, not in the summary),
    ``gradingStandard`` (named in brackets after the grade)."""
    subject = subject_of(credential) or {}
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
        achievement = {}
    eqf = achievement.get("EQFLevel")
    codes = {
        "country": [_country(c) for c in _list(subject.get("issuerCountry"))],
        "eqf": [_code(eqf) if isinstance(eqf, str) else None],
        "assessment": [_code(a) for a in _list(achievement.get("assessmentType"))],
        "participation": [_code(achievement.get("mode"))],
        "qualityAssurance": [_code(t) for t in _list(achievement.get("qualityAssuranceType"))],
        "language": [_language(c) for c in _list(achievement.get("language"))],
        "gradingStandard": [_code(achievement.get("gradingStandard"))],
    }
    return {k: [c for c in v if c] for k, v in codes.items() if any(v)}


def did_web_domain(did: str | None) -> str | None:
    """``did:web:uni-a.example`` → ``uni-a.example``; a port (``%3A``) and a path (further
    ``:`` segments) as in a URL (did:web method, §3.2); None for any other DID."""
    if not isinstance(did, str) or not did.startswith("did:web:"):
        return None
    host, *path = did.removeprefix("did:web:").split(":")
    return "/".join([unquote(host), *path]) or None


def issuer_facts(credential: Mapping[str, Any], lang: str = "en") -> dict[str, str]:
    """Who the credential says issued it: its DID, the DID's domain (did:web) and the name
    it gives — parsed from the credential (its signature says whether to believe it)."""
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    name = _text(issuer.get("name"), lang) if isinstance(issuer, Mapping) else None
    facts = {"did": did, "domain": did_web_domain(did), "name": name}
    return {k: v for k, v in facts.items() if isinstance(v, str) and v}
