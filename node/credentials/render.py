"""Render micro-credential claims as unsigned W3C Verifiable Credentials.

* :func:`to_vcdm2` — VCDM 2.0 + Open Badges 3.0 ``OpenBadgeCredential`` (``ldp_vc`` and the
  W3C VC API); the EU elements travel through the project's context
  (:data:`MICROCREDENTIAL_CONTEXT`), with ELM property IRIs where ELM has one.
* :func:`to_vcdm11_claims` — the same content as VCDM 1.1 (``issuanceDate``) for OpenID4VCI
  ``jwt_vc_json``, whose claims are VCDM 1.1. The OB 3.0.3 context defines no term of the VC
  data model itself, so it works under ``credentials/v1`` as well as under ``v2``.
* :func:`summary` — a flat, human-readable view in one language.

OB3 readers see the plain ``name``/``description`` (primary language), ``achievementType``
``MicroCredential``, ``creditsAvailable``/``creditsEarned`` and ``result``; multilingual text
is in JSON-LD language maps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Final

from node.credentials import vocab
from node.credentials.model import (
    AwardingBody,
    LearningOutcome,
    MicroCredentialClaims,
    RecognisedPart,
    Recognition,
    Stack,
    Transcript,
    pick,
)

VCDM2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
VCDM11_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MICROCREDENTIAL_CONTEXT: Final = "https://w3id.org/credreg/contexts/microcredential/v1"
STATUS_CONTEXT: Final = "https://www.w3.org/ns/credentials/status/v1"
CREDENTIAL_TYPES: Final = ("VerifiableCredential", "OpenBadgeCredential")
ACHIEVEMENT_TYPE: Final = "MicroCredential"
# Open Badges 3.0 has no achievement type for a transcript: an extension value (``ext:``).
TRANSCRIPT_TYPE: Final = "ext:TranscriptOfRecords"

_IDENTITY_TYPES: Final = {
    vocab.LearnerIdType.NATIONAL_ID: "nationalIdentityNumber",
    vocab.LearnerIdType.STUDENT_NUMBER: "identifier",
    vocab.LearnerIdType.OTHER: "identifier",
}


@dataclass(frozen=True, slots=True)
class IssuerInfo:
    """The issuing institution as it appears in ``issuer`` (an OB3 ``Profile``)."""

    id: str
    """The institution's DID (``did:web:…``)."""
    name: str
    country: str
    """ISO 3166-1 alpha-2."""
    legal_status: vocab.LegalStatus
    url: str | None = None


def to_vcdm2(
    claims: MicroCredentialClaims,
    *,
    credential_id: str,
    issuer: IssuerInfo,
    valid_from: datetime,
    subject_id: str | None = None,
    credential_status: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The unsigned VCDM 2.0 credential (Open Badges 3.0 ``OpenBadgeCredential``).

    ``credential_status``: BitstringStatusListEntry objects (the v2 context defines them).
    """
    credential = _credential(claims, credential_id, issuer, subject_id)
    credential["validFrom"] = _timestamp(valid_from)
    if credential_status:
        credential["credentialStatus"] = [dict(entry) for entry in credential_status]
    return {"@context": [VCDM2_CONTEXT, OB3_CONTEXT, MICROCREDENTIAL_CONTEXT], **credential}


def to_vcdm11_claims(
    claims: MicroCredentialClaims,
    *,
    credential_id: str,
    issuer: IssuerInfo,
    valid_from: datetime,
    subject_id: str | None = None,
    credential_status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The same credential as VCDM 1.1 (the ``vc`` claim of a ``jwt_vc_json`` credential).

    VCDM 1.1 §4.9: ``credentialStatus`` is one object (node.status.entries.vcdm11_status:
    the 2-bit entry of both states); its type comes from the Bitstring Status List context.
    """
    credential = _credential(claims, credential_id, issuer, subject_id)
    credential["issuanceDate"] = _timestamp(valid_from)
    contexts = [VCDM11_CONTEXT, OB3_CONTEXT, MICROCREDENTIAL_CONTEXT]
    if credential_status:
        credential["credentialStatus"] = dict(credential_status)
        contexts.insert(1, STATUS_CONTEXT)
    return {"@context": contexts, **credential}


def _credential(
    claims: MicroCredentialClaims, credential_id: str, issuer: IssuerInfo, subject_id: str | None
) -> dict[str, Any]:
    lang = claims.primary()
    achievement = _achievement(claims, credential_id, lang)
    return {
        "id": credential_id,
        "type": list(CREDENTIAL_TYPES),
        "name": achievement["name"],
        "description": achievement["description"],
        "issuer": _issuer(issuer),
        "credentialSubject": _subject(claims, achievement, subject_id),
    }


def _issuer(issuer: IssuerInfo) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url:
        profile["url"] = issuer.url
    profile["address"] = {
        "type": ["Address"],
        "addressCountryCode": vocab.normalise_country(issuer.country),
    }
    profile["legalStatus"] = vocab.concept_iri(issuer.legal_status)
    return profile


def _subject(
    claims: MicroCredentialClaims, achievement: dict[str, Any], subject_id: str | None
) -> dict[str, Any]:
    learner = claims.learner
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if subject_id or learner.did:
        subject["id"] = subject_id or learner.did
    subject["identifier"] = [
        {
            "type": ["IdentityObject"],
            "identityType": _IDENTITY_TYPES[learner.identifier_type],
            "hashed": False,
            "identityHash": learner.identifier,
        }
    ]
    subject["givenName"] = learner.given_name
    subject["familyName"] = learner.family_name
    subject["dateOfBirth"] = learner.date_of_birth.isoformat()
    subject["achievement"] = achievement
    if claims.workload.ects is not None:
        subject["creditsEarned"] = claims.workload.ects
    if claims.grade is not None:
        subject["result"] = [{"type": ["Result"], "value": claims.grade.value}]
        subject["grade"] = claims.grade.value
        _put(subject, "gradeDescription", claims.grade.description)
    lang = claims.primary()
    subject["awardingBody"] = [_awarding_body(body, lang) for body in claims.awarding_bodies]
    subject["issuerCountry"] = [vocab.country_iri(code) for code in claims.issuer_countries]
    subject["dateOfIssuing"] = claims.date_of_issuing.isoformat()
    _put(subject, "placeOfIssue", claims.place_of_issue)
    if claims.achieved_competences:
        subject["achievedCompetence"] = [_outcome(c) for c in claims.achieved_competences]
    if claims.recognition is not None:
        subject["recognition"] = _recognition(claims.recognition)
    if claims.stack is not None:
        subject["stack"] = _stack(claims.stack)
    if claims.transcript is not None:
        subject["transcript"] = _transcript(claims.transcript)
    return subject


def _recognition(recognition: Recognition) -> dict[str, Any]:
    """A recognition decision (issue 15), every name defined by the microcredential
    context: the agreement and the parts recognised, by digest and issuer."""
    node: dict[str, Any] = {"type": "RecognitionDecision", "recognitionRoute": recognition.route}
    _put(node, "agreement", recognition.agreement)
    _put(node, "agreementDigest", recognition.agreement_digest)
    node["programme"] = recognition.programme
    _put(node, "programmeTitle", recognition.programme_title)
    node["recognised"] = [_part(part, "RecognisedCredential") for part in recognition.recognised]
    _put(node, "convertedGrade", recognition.converted_grade)
    node["decided"] = recognition.decided
    return node


def _stack(stack: Stack) -> dict[str, Any]:
    """A micro-degree's parts (issue 16), every name defined by the microcredential
    context: the rule version and each part by digest, issuer and anchor."""
    return {
        "type": "StackedCredential",
        "stackRule": stack.rule,
        "stackRuleDigest": stack.rule_digest,
        "stackPart": [
            _part(
                part,
                "StackPart",
                component=part.component,
                anchoredAt=part.anchored_at,
                anchorBlock=part.anchor_block,
            )
            for part in stack.parts
        ],
    }


def _transcript(transcript: Transcript) -> dict[str, Any]:
    """A transcript of records (issue 16), in the shape of a CLR 2.0 subject's achievements:
    each credential by id and digest, its title, credits, grade and date, and what a
    recognition decision among them recognises."""
    return {
        "type": "TranscriptOfRecords",
        "asOf": transcript.as_of.isoformat(),
        "transcriptEntry": [
            _part(
                entry,
                "TranscriptEntry",
                title=dict(entry.title),
                dateOfIssuing=entry.date_of_issuing.isoformat(),
                recognised=[_part(r, "RecognisedCredential") for r in entry.recognised] or None,
            )
            for entry in transcript.entries
        ],
    }


def _part(part: RecognisedPart, kind: str, **more: object) -> dict[str, Any]:
    """A credential another one builds on, by digest and issuer (its members given)."""
    node = {
        "type": kind,
        **more,
        "credentialId": part.credential,
        "credentialDigest": part.digest,
        "issuerId": part.issuer,
        "achievementUrl": part.achievement,
        "credits": part.ects,
        "grade": part.grade,
    }
    return {key: value for key, value in node.items() if value is not None}


def _awarding_body(body: AwardingBody, lang: str) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if body.id:
        node["id"] = body.id
    node["type"] = ["Profile"]
    node["name"] = pick(body.name, lang)
    node["legalName"] = dict(body.name)
    address: dict[str, Any] = {"type": ["Address"]}
    _put(address, "streetAddress", body.address.street_address)
    _put(address, "postalCode", body.address.postal_code)
    address["addressLocality"] = body.address.locality
    _put(address, "addressRegion", body.address.region)
    address["addressCountryCode"] = body.address.country
    node["address"] = address
    node["legalStatus"] = vocab.concept_iri(body.legal_status)
    _put(node, "deqarId", body.deqar_id)
    return node


def _achievement(claims: MicroCredentialClaims, credential_id: str, lang: str) -> dict[str, Any]:
    outcomes = [pick(o.text, lang) for o in claims.learning_outcomes]
    description = (
        pick(claims.course_description, lang) if claims.course_description else "\n".join(outcomes)
    )
    node: dict[str, Any] = {
        "id": claims.achievement_id or f"{credential_id}#achievement",
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPE if claims.transcript is None else TRANSCRIPT_TYPE,
        "name": pick(claims.title, lang),
        "description": description,
        "criteria": {"narrative": "\n".join(f"- {text}" for text in outcomes)},
        "inLanguage": lang,
    }
    workload, level, qa = claims.workload, claims.level, claims.quality_assurance
    _put(node, "creditsAvailable", workload.ects)
    node["title"] = dict(claims.title)
    _put(node, "courseDescription", claims.course_description)
    node["learningOutcome"] = [_outcome(o) for o in claims.learning_outcomes]
    if workload.ects is not None:
        node["creditPoint"] = {
            "type": "CreditPoint",
            "framework": vocab.ECTS_FRAMEWORK,
            "point": f"{workload.ects:g}",
        }
    if workload.certified_hours is not None:
        node["volumeOfLearning"] = _hours(workload.certified_hours)
    if level.eqf is not None:
        node["EQFLevel"] = vocab.eqf_iri(level.eqf)
    _put_concept(node, "qfEheaCycle", level.qf_ehea)
    _put(node, "nqfLevel", level.nqf)
    if level.isced_f is not None:
        node["ISCEDFCode"] = vocab.isced_f_iri(level.isced_f)
    node["assessmentType"] = [vocab.concept_iri(a) for a in claims.assessment_types]
    node["mode"] = vocab.concept_iri(claims.participation_form)
    node["qualityAssuranceType"] = [vocab.concept_iri(t) for t in qa.types]
    _put(node, "qualityAssuranceDescription", qa.description)
    _put(node, "qualityAssuranceReport", qa.deqar_report)
    _put(node, "targetGroup", [vocab.concept_iri(t) for t in claims.target_groups])
    _put(node, "entryRequirement", claims.prerequisites)
    _put_concept(node, "supervisionVerification", claims.supervision_verification)
    if claims.integration is not None:
        node["integrationOption"] = [vocab.concept_iri(o) for o in claims.integration.options]
        _put(node, "stackableTowards", list(claims.integration.stackable_towards))
    _put(node, "furtherInformation", claims.further_information)
    _put_concept(node, "gradingStandard", claims.grading_standard)
    _put_concept(node, "providerAccreditationStatus", claims.provider_accreditation_status)
    _put(node, "language", [vocab.language_iri(c) for c in claims.languages_of_instruction])
    _put(node, "modality", [vocab.concept_iri(m) for m in claims.modality])
    _put_concept(node, "learningSetting", claims.learning_setting)
    prerequisites = claims.prerequisites_description
    if prerequisites is not None:
        _put(node, "admissionRequirements", prerequisites.admission_requirements)
        _put(node, "priorKnowledge", prerequisites.prior_knowledge)
        _put(node, "priorExperience", prerequisites.prior_experience)
    _put(node, "monitoring", claims.monitoring)
    if claims.costs is not None:
        node["costAmount"] = _decimal(claims.costs.amount)
        node["costCurrency"] = claims.costs.currency
        _put(node, "costDescription", claims.costs.description)
    _put(node, "faculty", claims.faculty)
    _put(node, "teacher", list(claims.teachers))
    if claims.academic_hours is not None:
        node["academicHours"] = _decimal(claims.academic_hours)
    _put(node, "estimatedDuration", claims.estimated_duration)
    return node


def _outcome(outcome: LearningOutcome) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "LearningOutcome", "title": dict(outcome.text)}
    _put(node, "relatedESCOSkill", list(outcome.esco_skills))
    return node


# ---- SD-JWT VC (dc+sd-jwt) -------------------------------------------------------------------

SD_JWT_VCT_PATH: Final = "/vct/microcredential/v1"
# Flat claim names (docs/credential-model.md, "SD-JWT VC"), aligned with the EUDI learning
# credential (issuing_authority, issuing_country, date_of_issuance) and PID (given_name,
# family_name, birthdate) where they overlap.
SD_JWT_SELECTIVE: Final = (
    "given_name",
    "family_name",
    "birthdate",
    "learner_identifier",
    "learner_identifier_type",
    "grade",
    "grade_description",
    "grading_standard",
    "supervision_verification",
)


def to_sd_jwt_vc(
    claims: MicroCredentialClaims,
    *,
    credential_id: str,
    issuer: IssuerInfo,
    valid_from: datetime,
    vct: str,
    holder_jwk: Mapping[str, Any] | None = None,
    status: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SD-JWT VC payload as (always disclosed, selectively disclosable) claims.

    Always disclosed: the issuer, title, awarding body, dates, learning outcomes, workload,
    EQF level, assessment type, participation form, quality assurance and ``status``;
    selectively disclosable (:data:`SD_JWT_SELECTIVE`): the learner's names, date of birth
    and identifier, the grade and the assessment details.
    """
    if valid_from.tzinfo is None:
        raise ValueError("valid_from must be timezone-aware")
    lang = claims.primary()
    seconds = int(valid_from.timestamp())
    always: dict[str, Any] = {
        "iss": issuer.id,
        "jti": credential_id,
        "iat": seconds,
        "nbf": seconds,
        "vct": vct,
    }
    if holder_jwk is not None:
        always["cnf"] = {"jwk": dict(holder_jwk)}
    if status is not None:
        always["status"] = dict(status)
    always["issuing_authority"] = issuer.name
    always["issuing_country"] = claims.issuer_countries[0]
    always["issuing_countries"] = list(claims.issuer_countries)
    always["date_of_issuance"] = claims.date_of_issuing.isoformat()
    always["achievement_title"] = pick(claims.title, lang)
    always["language"] = lang
    always["awarding_body"] = [
        _put_all(
            {
                "name": pick(body.name, lang),
                "country": body.address.country,
                "locality": body.address.locality,
                "legal_status": vocab.concept_iri(body.legal_status),
            },
            id=body.id,
            deqar_id=body.deqar_id,
        )
        for body in claims.awarding_bodies
    ]
    always["learning_outcomes"] = [pick(o.text, lang) for o in claims.learning_outcomes]
    _put(always, "ects_points", claims.workload.ects)
    _put(always, "certified_hours", claims.workload.certified_hours)
    _put(always, "eqf_level", claims.level.eqf)
    if claims.level.qf_ehea is not None:
        always["qf_ehea_cycle"] = vocab.concept_iri(claims.level.qf_ehea)
    _put(always, "nqf_level", claims.level.nqf)
    always["assessment_type"] = [vocab.concept_iri(a) for a in claims.assessment_types]
    always["participation_form"] = vocab.concept_iri(claims.participation_form)
    always["quality_assurance"] = [vocab.concept_iri(t) for t in claims.quality_assurance.types]
    if claims.recognition is not None:  # the same object as in the VCDM shapes
        always["recognition"] = _recognition(claims.recognition)
    if claims.stack is not None:
        always["stack"] = _stack(claims.stack)
    if claims.transcript is not None:
        always["transcript"] = _transcript(claims.transcript)
    learner = claims.learner
    selective: dict[str, Any] = {
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "birthdate": learner.date_of_birth.isoformat(),
        "learner_identifier": learner.identifier,
        "learner_identifier_type": _IDENTITY_TYPES[learner.identifier_type],
    }
    if claims.grade is not None:
        selective["grade"] = claims.grade.value
        if claims.grade.description:
            selective["grade_description"] = pick(claims.grade.description, lang)
    if claims.grading_standard is not None:
        selective["grading_standard"] = vocab.concept_iri(claims.grading_standard)
    if claims.supervision_verification is not None:
        selective["supervision_verification"] = vocab.concept_iri(claims.supervision_verification)
    return always, selective


def sd_jwt_vc_as_vcdm(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The disclosed claims of an SD-JWT VC in the subject shape of the other renderings, so
    the elements check and the human-readable summary read every format alike. Only what
    is disclosed appears; nothing here is trusted (the caller checks the signature)."""
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    for source, target in (
        ("given_name", "givenName"),
        ("family_name", "familyName"),
        ("birthdate", "dateOfBirth"),
        ("grade", "grade"),
        ("grade_description", "gradeDescription"),
        ("date_of_issuance", "dateOfIssuing"),
    ):
        if source in claims:
            subject[target] = claims[source]
    bodies = claims.get("awarding_body")
    if isinstance(bodies, list):
        subject["awardingBody"] = [
            {
                "type": ["Profile"],
                "name": body.get("name"),
                "address": {"type": ["Address"], "addressCountryCode": body.get("country")},
                "legalStatus": body.get("legal_status"),
            }
            for body in bodies
            if isinstance(body, Mapping)
        ]
    countries = claims.get("issuing_countries", claims.get("issuing_country"))
    if countries:
        subject["issuerCountry"] = countries if isinstance(countries, list) else [countries]
    for element in ("recognition", "stack", "transcript"):  # the same objects, always disclosed
        if isinstance(claims.get(element), Mapping):
            subject[element] = claims[element]
    kind = ACHIEVEMENT_TYPE if claims.get("transcript") is None else TRANSCRIPT_TYPE
    achievement: dict[str, Any] = {"type": ["Achievement"], "achievementType": kind}
    if "achievement_title" in claims:
        achievement["title"] = claims["achievement_title"]
    outcomes = claims.get("learning_outcomes")
    if isinstance(outcomes, list):
        achievement["learningOutcome"] = [
            {"type": "LearningOutcome", "title": text} for text in outcomes
        ]
    ects = claims.get("ects_points")
    if isinstance(ects, int | float) and not isinstance(ects, bool):
        subject["creditsEarned"] = ects
        achievement["creditPoint"] = {
            "type": "CreditPoint",
            "framework": vocab.ECTS_FRAMEWORK,
            "point": f"{ects:g}",
        }
    hours = claims.get("certified_hours")
    if isinstance(hours, int | float) and not isinstance(hours, bool):
        achievement["volumeOfLearning"] = _hours(float(hours))
    eqf = claims.get("eqf_level")
    if isinstance(eqf, int) and eqf in vocab.EQF_LEVELS:
        achievement["EQFLevel"] = vocab.eqf_iri(eqf)
    for source, target in (("qf_ehea_cycle", "qfEheaCycle"), ("nqf_level", "nqfLevel")):
        if isinstance(claims.get(source), str):
            achievement[target] = claims[source]
    for source, target in (
        ("assessment_type", "assessmentType"),
        ("participation_form", "mode"),
        ("quality_assurance", "qualityAssuranceType"),
        ("grading_standard", "gradingStandard"),
        ("supervision_verification", "supervisionVerification"),
    ):
        if source in claims:
            achievement[target] = claims[source]
    subject["achievement"] = achievement
    issuer: dict[str, Any] = {"id": claims.get("iss"), "type": ["Profile"]}
    if "issuing_authority" in claims:
        issuer["name"] = claims["issuing_authority"]
    return {
        "id": claims.get("jti"),
        "type": ["VerifiableCredential", "MicroCredential"],
        "issuer": issuer,
        "credentialSubject": subject,
    }


def _put_all(node: dict[str, Any], **optional: Any) -> dict[str, Any]:
    for key, value in optional.items():
        _put(node, key, value)
    return node


# ---- summary -------------------------------------------------------------------------------


def summary(claims: MicroCredentialClaims, lang: str) -> dict[str, Any]:
    """A flat human-readable summary in ``lang`` (falling back to English / first text)."""
    learner = claims.learner
    result: dict[str, Any] = {
        "learner": f"{learner.given_name} {learner.family_name}",
        "dateOfBirth": learner.date_of_birth.isoformat(),
        "learnerId": learner.identifier,
        "title": pick(claims.title, lang),
        "awardingBody": "; ".join(pick(b.name, lang) for b in claims.awarding_bodies),
        "country": ", ".join(claims.issuer_countries),
        "dateOfIssuing": claims.date_of_issuing.isoformat(),
        "learningOutcomes": [pick(o.text, lang) for o in claims.learning_outcomes],
        "ects": _number(claims.workload.ects),
        "certifiedHours": _number(claims.workload.certified_hours),
        "eqf": f"EQF {claims.level.eqf}" if claims.level.eqf is not None else None,
        "assessment": ", ".join(vocab.label(a) for a in claims.assessment_types),
        "participation": vocab.label(claims.participation_form),
        "qualityAssurance": ", ".join(vocab.label(t) for t in claims.quality_assurance.types),
        "grade": _grade(claims),
    }
    return {key: value for key, value in result.items() if value is not None}


def _grade(claims: MicroCredentialClaims) -> str | None:
    if claims.grade is None:
        return None
    if claims.grading_standard is None:
        return claims.grade.value
    return f"{claims.grade.value} ({vocab.label(claims.grading_standard)})"


# ---- helpers -------------------------------------------------------------------------------


def _put(node: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless ``value`` is None or empty; language maps are copied."""
    if value is None or (isinstance(value, (list, dict, str)) and not value):
        return
    node[key] = dict(value) if isinstance(value, dict) else value


def _put_concept(node: dict[str, Any], key: str, member: Any) -> None:
    if member is not None:
        node[key] = vocab.concept_iri(member)


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("valid_from must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _hours(hours: float) -> str:
    """``xsd:duration`` of a number of hours (only seconds may be fractional in xsd)."""
    minutes = round(hours * 60)
    whole, rest = divmod(minutes, 60)
    return f"PT{whole}H{rest}M" if rest else f"PT{whole}H"


def _decimal(value: float) -> str:
    """An ``xsd:decimal`` lexical form (a JSON number would canonicalise as a double)."""
    return format(Decimal(repr(value)).normalize(), "f")


def _number(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"
