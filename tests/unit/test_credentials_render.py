"""Rendering: VCDM 2.0 / VCDM 1.1 shapes expand with no undefined term; summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from node.credentials import vocab
from node.credentials.examples import example_claims, maximal_claims, minimal_claims
from node.credentials.model import MicroCredentialClaims
from node.credentials.profile import RequirementProfile, validate_claims
from node.credentials.render import (
    MICROCREDENTIAL_CONTEXT,
    OB3_CONTEXT,
    VCDM2_CONTEXT,
    VCDM11_CONTEXT,
    IssuerInfo,
    summary,
    to_vcdm2,
    to_vcdm11_claims,
)
from vc.errors import UndefinedTermError
from vc.jsonld import bundled_contexts, canonize, expand_strict

ISSUER = IssuerInfo(
    id="did:web:node.uv.example.edu",
    name="University of Valencia",
    country="ES",
    legal_status=vocab.LegalStatus.PUBLIC_INSTITUTION,
    url="https://www.uv.example.edu",
)
WHEN = datetime(2025, 7, 1, 9, 30, tzinfo=UTC)
CRED_ID = "urn:uuid:3b5e2a64-8f6d-4c1e-9a0b-2d7c5e1f4a93"
RENDERERS = [to_vcdm2, to_vcdm11_claims]


def claims(raw: dict[str, Any]) -> MicroCredentialClaims:
    return validate_claims(raw, RequirementProfile())


def render(renderer: Any, raw: dict[str, Any], subject_id: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = renderer(
        claims(raw), credential_id=CRED_ID, issuer=ISSUER, valid_from=WHEN, subject_id=subject_id
    )
    return result


def expanded_iris(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, list):
        for item in node:
            expanded_iris(item, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not key.startswith("@"):
                found.add(key)
            expanded_iris(value, found)
    return found


def test_context_is_bundled() -> None:
    context = bundled_contexts()[MICROCREDENTIAL_CONTEXT]["@context"]
    assert context["@protected"] is True
    assert context["EQFLevel"]["@id"] == "http://data.europa.eu/snb/model/elm/EQFLevel"
    assert context["title"]["@container"] == "@language"


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("raw", [maximal_claims(), minimal_claims()], ids=["maximal", "minimal"])
def test_rendered_credential_has_no_undefined_terms(renderer: Any, raw: dict[str, Any]) -> None:
    credential = render(renderer, raw)
    expanded = expand_strict(credential)
    iris = expanded_iris(expanded, set())
    assert "http://data.europa.eu/snb/model/elm/learningOutcome" in iris
    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievement" in iris
    assert canonize(credential)  # signable with eddsa-rdfc-2022


@pytest.mark.parametrize("renderer", RENDERERS)
def test_every_example_expands(renderer: Any) -> None:
    for n in range(8):
        expand_strict(render(renderer, example_claims(n)))


RECOGNITION = {  # a recognition decision's element, every member given (issue 15)
    "route": "agreement",
    "agreement": "https://uni-a.example/agreements/x/versions/1",
    "agreementDigest": "a" * 64,
    "programme": "MSC-DS",
    "programmeTitle": {"en": "MSc Data Science"},
    "recognised": [
        {
            "credential": "urn:uuid:8f1c3c6e-5a57-4d0c-9a53-0f6f3c4c1f2e",
            "digest": "b" * 64,
            "issuer": "did:web:uni-b.example",
            "achievement": "https://uni-b.example/catalogue/y/versions/1",
            "ects": 5,
            "grade": "A",
        }
    ],
    "convertedGrade": "5",
    "decided": "automatic",
}
STACK = {  # a micro-degree's element, every member given (issue 16)
    "rule": "https://uni-a.example/api/stacks/s/versions/1",
    "ruleDigest": "c" * 64,
    "parts": [
        {
            "component": "ethics",
            "credential": "urn:uuid:9f1c3c6e-5a57-4d0c-9a53-0f6f3c4c1f2e",
            "digest": "d" * 64,
            "issuer": "did:web:uni-b.example",
            "achievement": "https://uni-b.example/catalogue/y/versions/1",
            "ects": 5,
            "grade": "A",
            "anchoredAt": "2026-12-01T10:00:00Z",
            "anchorBlock": 12,
        }
    ],
}

TRANSCRIPT = {  # a transcript's element, every member given (issue 16)
    "asOf": "2026-12-06",
    "entries": [
        {
            "credential": "urn:uuid:af1c3c6e-5a57-4d0c-9a53-0f6f3c4c1f2e",
            "digest": "e" * 64,
            "issuer": "did:web:uni-a.example",
            "achievement": "https://uni-a.example/catalogue/z/versions/1",
            "ects": 5,
            "grade": "A",
            "title": {"en": "Recognition: Supply chains"},
            "dateOfIssuing": "2026-12-01",
            "recognised": RECOGNITION["recognised"],
        }
    ],
}


def test_maximal_renders_every_element() -> None:
    claims = maximal_claims() | {
        "recognition": RECOGNITION,
        "stack": STACK,
        "transcript": TRANSCRIPT,
    }
    expanded = expand_strict(render(to_vcdm2, claims))
    text = json.dumps(expanded)
    for term, definition in bundled_contexts()[MICROCREDENTIAL_CONTEXT]["@context"].items():
        if isinstance(definition, dict) and term not in ("givenName", "familyName"):
            assert definition["@id"] in text, term


def test_strict_expansion_would_catch_an_undefined_term() -> None:
    credential = render(to_vcdm2, minimal_claims())
    credential["credentialSubject"]["achievement"]["notInAnyContext"] = "x"
    with pytest.raises(UndefinedTermError):
        expand_strict(credential)


def test_vcdm2_shape() -> None:
    vc = render(to_vcdm2, maximal_claims())
    assert vc["@context"] == [VCDM2_CONTEXT, OB3_CONTEXT, MICROCREDENTIAL_CONTEXT]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["validFrom"] == "2025-07-01T09:30:00Z" and "issuanceDate" not in vc
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["id"] == ISSUER.id
    assert "proof" not in vc
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["id"].startswith("did:key:")  # the learner's DID from the claims
    assert subject["identifier"][0]["identityType"] == "nationalIdentityNumber"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert achievement["name"] == "Sustainable Supply Chains"
    assert achievement["description"] == "A course on sustainable logistics."
    assert achievement["criteria"]["narrative"]
    assert achievement["title"]["es"] == "Cadenas de suministro sostenibles"
    assert achievement["EQFLevel"] == "http://data.europa.eu/snb/eqf/7"
    assert achievement["ISCEDFCode"] == "http://data.europa.eu/snb/isced-f/0413"
    assert achievement["language"] == [
        "http://publications.europa.eu/resource/authority/language/ENG",
        "http://publications.europa.eu/resource/authority/language/SPA",
    ]
    assert achievement["volumeOfLearning"] == "PT137H30M"
    assert achievement["costAmount"] == "450.5"
    assert (
        subject["issuerCountry"][1]
        == "http://publications.europa.eu/resource/authority/country/DEU"
    )
    assert subject["result"] == [{"type": ["Result"], "value": "B"}]
    assert [b["name"] for b in subject["awardingBody"]] == [
        "University of Valencia",
        "Example University of Applied Sciences",
    ]


def test_vcdm11_shape() -> None:
    vc = render(to_vcdm11_claims, minimal_claims(), subject_id="did:jwk:abc")
    assert vc["@context"] == [VCDM11_CONTEXT, OB3_CONTEXT, MICROCREDENTIAL_CONTEXT]
    assert vc["issuanceDate"] == "2025-07-01T09:30:00Z" and "validFrom" not in vc
    assert vc["credentialSubject"]["id"] == "did:jwk:abc"
    assert vc["credentialSubject"]["achievement"]["id"] == (f"{CRED_ID}#achievement")


def test_subject_without_did_has_no_id() -> None:
    vc = render(to_vcdm2, minimal_claims())
    assert "id" not in vc["credentialSubject"]
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "S200001"


def test_valid_from_is_normalised_to_utc_and_must_be_aware() -> None:
    cet = timezone(timedelta(hours=2))
    vc = to_vcdm2(
        claims(minimal_claims()),
        credential_id=CRED_ID,
        issuer=ISSUER,
        valid_from=datetime(2025, 7, 1, 11, 30, 15, 999, tzinfo=cet),
    )
    assert vc["validFrom"] == "2025-07-01T09:30:15Z"
    with pytest.raises(ValueError):
        to_vcdm2(
            claims(minimal_claims()),
            credential_id=CRED_ID,
            issuer=ISSUER,
            valid_from=datetime(2025, 7, 1),
        )


def test_primary_language_drives_the_plain_name() -> None:
    raw = maximal_claims()
    raw["primaryLanguage"] = "es"
    raw["learningOutcomes"][1]["text"]["es"] = "Diseñar una estrategia de compra circular."
    vc = render(to_vcdm2, raw)
    assert vc["name"] == "Cadenas de suministro sostenibles"
    assert vc["credentialSubject"]["achievement"]["inLanguage"] == "es"


def test_summary() -> None:
    flat = summary(claims(maximal_claims()), "es")
    assert flat["learner"] == "Lucía García López"
    assert flat["title"] == "Cadenas de suministro sostenibles"
    assert flat["awardingBody"].startswith("Universitat de València; ")
    assert flat["country"] == "ES, DE"
    assert flat["dateOfIssuing"] == "2025-06-30"
    assert flat["learningOutcomes"][1] == "Design a circular procurement strategy."
    assert (flat["ects"], flat["eqf"]) == ("5", "EQF 7")
    assert flat["assessment"] == "portfolio, oral"
    assert flat["participation"] == "blended"
    assert flat["qualityAssurance"] == "internal, external programme"
    assert flat["grade"] == "B (ects grading scale)"
    assert "grade" not in summary(claims(minimal_claims()), "en")
