"""An agreement's terms and document without a chain: the rules of the terms, the published
schema (checked by an independent validator, jsonschema-rs), the proof set of two parties,
the digest, and the verdicts that need no chain (validity; "unchecked" without one)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.agreements.documents import add_proof, check_document, digest_of, parsed_terms
from node.agreements.terms import SCHEMA_ID, agreement_json_schema
from node.errors import InvalidInput
from vc import data_integrity
from vc.signer import Ed25519Signer, VerificationKey

A, B = "did:web:uni-a.example", "did:web:uni-b.example"
URL = "https://uni-a.example/agreements/0b0e2c38-5d0b-4a7e-9d1c-0a6f1c6a0e11"


def document(**changes: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_ID,
        "type": "RecognitionAgreement",
        "id": f"{URL}/versions/1",
        "agreement": URL,
        "version": 1,
        "parties": [{"id": A}, {"id": B}],
        "title": {"en": "Exchange"},
        "scope": {"level": "institution"},
        "modules": [
            {
                "offeredBy": B,
                "entry": "https://uni-b.example/catalogue/e/versions/1",
                "digest": "0" * 64,
                "ects": 5,
            }
        ],
        "programmes": [{"institution": A, "id": "BSC-CS", "title": {"en": "BSc CS"}}],
        "conditions": {"passingGrade": True, "minEcts": 3},
        "pathway": "open",
        "gradeConversion": {
            "method": "ects-grading-table",
            "tables": {
                A: [{"grade": "5", "percentage": 10}],
                B: [{"grade": "A", "percentage": 12}],
            },
        },
        "validFrom": "2026-01-01",
        "validUntil": "2029-12-31",
    } | changes


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parsed_terms(raw)
    return [f"{p.element}: {p.reason}" for p in caught.value.problems]


def test_the_terms_rules() -> None:
    assert parsed_terms(document()).dids == (A, B)
    assert problems(document(parties=[{"id": A}, {"id": A}])) == [
        "parties: the two parties must differ"
    ]
    assert problems(document(id=f"{URL}/versions/2")) == [
        "id: must be {agreement}/versions/{version}"
    ]
    assert (
        "a later version names its previous version"
        in problems(document(id=f"{URL}/versions/2", version=2))[0]
    )
    outsider = document(
        programmes=[{"institution": "did:web:c.example", "id": "X", "title": {"en": "X"}}]
    )
    assert problems(outsider) == ["parties: did:web:c.example is not a party"]
    assert problems(document(validUntil="2025-12-31")) == ["validUntil: must be after validFrom"]
    assert problems(document(scope={"level": "faculty"})) == [
        "scope: a faculty or programme scope needs its name"
    ]
    assert problems(document(pathway="sideways"))[0].startswith("pathway:")
    assert problems(document(extra=1)) == ["extra: unknown element"]
    assert problems(document(gradeConversion={"method": "mapping"})) == [
        "gradeConversion: a mapping conversion needs its mapping"
    ]


def test_the_published_schema_accepts_the_documents_the_node_accepts() -> None:
    schema = agreement_json_schema()
    assert schema["$id"] == SCHEMA_ID and schema["$schema"].endswith("2020-12/schema")
    validator = jsonschema_rs.Draft202012Validator(schema)
    assert validator.is_valid(document())
    assert not validator.is_valid(document(pathway="sideways"))
    assert not validator.is_valid({k: v for k, v in document().items() if k != "parties"})
    assert not validator.is_valid(document(version=0))


def test_two_parties_sign_one_document_as_a_proof_set() -> None:
    keys = {did: Ed25519PrivateKey.generate() for did in (A, B)}
    signers = {did: Ed25519Signer(f"{did}#key-1", key) for did, key in keys.items()}
    signed = add_proof(add_proof(document(), signers[A]), signers[B])
    assert [p["cryptosuite"] for p in signed["proof"]] == ["eddsa-jcs-2022"] * 2

    def resolve(vm_id: str) -> VerificationKey:
        did = vm_id.split("#")[0]
        return VerificationKey(vm_id, did, keys[did].public_key(), frozenset({"assertionMethod"}))

    result = data_integrity.verify(signed, resolve)
    assert result.ok and result.controllers == [A, B]
    # Each proof signs the terms alone: either verifies without the other.
    assert data_integrity.verify({**signed, "proof": signed["proof"][1:]}, resolve).ok
    assert not data_integrity.verify({**signed, "pathway": "rigid"}, resolve).ok
    # The digest anchored: SHA-256 of the signed document's JCS (RFC 8785) form.
    canonical = json.dumps(signed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert digest_of(signed) == hashlib.sha256(canonical.encode()).hexdigest()


def test_verdicts_that_need_no_chain() -> None:
    report = check_document(document(), None, today=date(2027, 5, 1))
    checks = {c.name: c for c in report.checks}
    assert report.verdict == "unchecked"  # never "valid" without the chain's checks
    assert checks["validity"].ok is True and checks["signatures"].ok is None
    expired = check_document(document(), None, today=date(2030, 1, 1))
    assert expired.verdict == "invalid"
    assert [c.detail for c in expired.checks if c.name == "validity"] == [
        "expired: valid 2026-01-01 to 2029-12-31"
    ]
    early = check_document(document(), None, today=date(2025, 1, 1))
    assert "not in force yet" in {c.name: c for c in early.checks}["validity"].detail
    ended = check_document(document(ended=True), None, today=date(2027, 1, 1))
    assert ended.verdict == "invalid"
    assert check_document([1], None).verdict == "invalid"
    broken = check_document(document(version="one"), None)
    assert broken.verdict == "invalid" and broken.checks[0].detail.startswith("version:")


def learning(**changes: Any) -> dict[str, Any]:
    return {
        "$schema": "https://w3id.org/credreg/schemas/learning-agreement/v1.json",
        "type": "LearningAgreement",
        "id": f"{URL}/versions/1",
        "agreement": URL,
        "version": 1,
        "parties": [{"id": A}, {"id": B}],
        "title": {"en": "Exchange semester"},
        "learner": {
            "givenName": "Lea",
            "familyName": "Lahti",
            "identifier": "A-90",
            "identifierType": "student-number",
        },
        "programme": {"institution": A, "id": "MSC-DS", "title": {"en": "MSc DS"}},
        "modules": [
            {
                "offeredBy": B,
                "entry": "https://uni-b.example/catalogue/e/versions/1",
                "digest": "0" * 64,
            }
        ],
        "mobility": {"start": "2026-02-01", "end": "2026-06-30"},
        "validFrom": "2026-01-01",
        "validUntil": "2027-06-30",
    } | changes


def test_a_learning_agreements_rules_and_schema() -> None:
    from node.agreements.terms import LearningAgreementTerms, learning_agreement_json_schema

    terms = parsed_terms(learning())
    assert isinstance(terms, LearningAgreementTerms) and terms.dids == (A, B)
    assert problems(learning(validUntil="2026-05-01")) == [
        "validUntil: must not end before the mobility"
    ]
    assert problems(learning(mobility={"start": "2026-06-30", "end": "2026-02-01"})) == [
        "mobility.end: must not be before its start"
    ]
    assert problems(
        learning(programme={"institution": "did:web:c.example", "id": "X", "title": {"en": "X"}})
    ) == ["parties: did:web:c.example is not a party"]
    validator = jsonschema_rs.Draft202012Validator(learning_agreement_json_schema())
    assert validator.is_valid(learning())
    assert not validator.is_valid({k: v for k, v in learning().items() if k != "learner"})
    # Its checks are those of any agreement: without a chain, never "valid".
    assert check_document(learning(), None, today=date(2026, 3, 1)).verdict == "unchecked"


def test_a_document_without_a_jcs_form_is_invalid_not_an_error() -> None:
    odd = document(proof={"x": float("inf")})  # JSON parsers may accept 1e999
    report = check_document(odd, None)
    assert report.verdict == "invalid" and "no JCS form" in report.checks[0].detail
