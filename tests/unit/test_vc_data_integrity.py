"""Data Integrity EdDSA: spec known-answer vectors, proof sets/chains and failure modes."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
import rfc8785

from tests.unit._vc_helpers import load, signer_from_secret, spec_signer
from vc import data_integrity as di
from vc.did import StaticDidResolver, did_key_for
from vc.errors import MalformedError, UndefinedTermError
from vc.signer import VerificationKey

CREATED = "2023-02-24T23:36:38Z"
RESOLVE = StaticDidResolver()
SUITES = ["eddsa-rdfc-2022", "eddsa-jcs-2022"]


def _sign(document: dict[str, Any], suite: str = "eddsa-rdfc-2022", **kw: Any) -> dict[str, Any]:
    return di.sign(document, spec_signer(), cryptosuite=suite, created=CREATED, **kw)  # type: ignore[arg-type]


# --- Known answers (VC DI EdDSA 1.0, Appendix A) -------------------------------------------


def test_rdfc_intermediates_match_spec() -> None:
    config = {k: v for k, v in load("eddsa-rdfc-2022/signedDataInt.json")["proof"].items()}
    del config["proofValue"]
    config["@context"] = load("unsigned.json")["@context"]
    canonical_config = di.canonize_proof_config(config)
    canonical_document = di.canonize_rdfc(load("unsigned.json"))
    assert canonical_config == load("eddsa-rdfc-2022/proofCanonDataInt.txt")
    assert canonical_document == load("eddsa-rdfc-2022/canonDocDataInt.txt")
    combined = (
        hashlib.sha256(canonical_config.encode()).digest()
        + hashlib.sha256(canonical_document.encode()).digest()
    )
    assert combined.hex() == load("eddsa-rdfc-2022/combinedHashDataInt.txt").strip()


def test_jcs_intermediates_match_spec() -> None:
    signed = load("eddsa-jcs-2022/signedJCS.json")
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert rfc8785.dumps(config).decode() == load("eddsa-jcs-2022/proofCanonJCS.txt")
    assert rfc8785.dumps(load("unsigned.json")).decode() == load("eddsa-jcs-2022/canonDocJCS.txt")


@pytest.mark.parametrize(
    ("suite", "signed_file", "sig_file"),
    [
        (
            "eddsa-rdfc-2022",
            "eddsa-rdfc-2022/signedDataInt.json",
            "eddsa-rdfc-2022/sigBTC58DataInt.txt",
        ),
        ("eddsa-jcs-2022", "eddsa-jcs-2022/signedJCS.json", "eddsa-jcs-2022/sigBTC58JCS.txt"),
    ],
)
def test_sign_reproduces_spec_proof(suite: str, signed_file: str, sig_file: str) -> None:
    signed = _sign(load("unsigned.json"), suite)
    assert signed["proof"]["proofValue"] == load(sig_file).strip()
    assert signed == load(signed_file)
    result = di.verify(load(signed_file), RESOLVE)
    assert result.ok, result.problems
    assert result.controllers == [spec_signer().key_id.split("#")[0]]


def _chain_signer(n: int) -> Any:
    return signer_from_secret(
        load("proof-set-chain/multiKeyPairs.json")[f"keyPair{n}"]["privateKeyMultibase"]
    )


def _sign_with_config(document: dict[str, Any], n: int, config_file: str) -> dict[str, Any]:
    config = load(config_file)
    return di.sign(
        document,
        _chain_signer(n),
        cryptosuite=config["cryptosuite"],
        created=config["created"],
        proof_id=config.get("id"),
        previous_proof=config.get("previousProof"),
    )


def test_proof_set_and_chain_vectors() -> None:
    proof_set = _sign_with_config(
        load("proof-set-chain/signedProofSet1.json"), 2, "proof-set-chain/proofSetConfig2.json"
    )
    assert proof_set == load("proof-set-chain/signedProofSet2.json")
    chain1 = _sign_with_config(proof_set, 3, "proof-set-chain/proofChainConfig1.json")
    assert chain1 == load("proof-set-chain/signedProofChain1.json")
    chain2 = _sign_with_config(chain1, 4, "proof-set-chain/proofChainConfig2.json")
    assert chain2 == load("proof-set-chain/signedProofChain2.json")
    for name in ("signedProofSet2", "signedProofChain1", "signedProofChain2"):
        result = di.verify(load(f"proof-set-chain/{name}.json"), RESOLVE)
        assert result.ok, (name, result.problems)
    assert len(di.verify(chain2, RESOLVE).key_ids) == 4


def test_chain_signature_covers_previous_proofs() -> None:
    chain = load("proof-set-chain/signedProofChain1.json")
    # Swapping a previous proof for a fresh one by the same key breaks the chained proof.
    chain["proof"][0]["created"] = "2024-01-01T00:00:00Z"
    result = di.verify(chain, RESOLVE)
    assert not result.ok
    assert any(p.startswith("proof 0:") for p in result.problems)
    assert any(p.startswith("proof 2:") for p in result.problems)


def test_chain_with_dangling_previous_proof_fails() -> None:
    chain = load("proof-set-chain/signedProofChain2.json")
    del chain["proof"][2]  # the proof the last one chains to
    result = di.verify(chain, RESOLVE)
    assert not result.ok
    assert any("previousProof" in p for p in result.problems)


def test_sign_with_unknown_previous_proof_raises() -> None:
    with pytest.raises(MalformedError):
        _sign(load("unsigned.json"), previous_proof="urn:uuid:nope")


# --- Round trips and proof sets -----------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_proof_set_of_both_suites(suite: str) -> None:
    first = _sign(load("unsigned.json"), suite)
    other = "eddsa-jcs-2022" if suite == "eddsa-rdfc-2022" else "eddsa-rdfc-2022"
    both = di.sign(first, _chain_signer(1), cryptosuite=other)  # type: ignore[arg-type]
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    result = di.verify(both, RESOLVE)
    assert result.ok, result.problems


def test_default_created_and_context_added_for_vcdm11() -> None:
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = di.sign(credential, spec_signer(), cryptosuite="eddsa-rdfc-2022")
    assert signed["@context"][-1] == "https://w3id.org/security/data-integrity/v2"
    assert signed["proof"]["created"].endswith("Z")
    assert di.verify(signed, RESOLVE).ok


# --- Failures: verify reports, never raises -----------------------------------------------


@pytest.fixture(params=SUITES)
def signed(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _sign(load("unsigned.json"), request.param)


def _fails(document: dict[str, Any], fragment: str, **kw: Any) -> None:
    result = di.verify(document, RESOLVE, **kw)
    assert not result.ok
    assert any(fragment in p for p in result.problems), result.problems


def test_tampered_document_fails(signed: dict[str, Any]) -> None:
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    _fails(tampered, "does not verify")


def test_tampered_proof_options_fail(signed: dict[str, Any]) -> None:
    tampered = copy.deepcopy(signed)
    tampered["proof"]["created"] = "2023-02-24T23:36:39Z"
    _fails(tampered, "does not verify")


def test_wrong_type_fails(signed: dict[str, Any]) -> None:
    signed["proof"]["type"] = "Ed25519Signature2020"
    _fails(signed, "unsupported proof type")


def test_wrong_cryptosuite_fails(signed: dict[str, Any]) -> None:
    signed["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    _fails(signed, "unsupported cryptosuite")


def test_swapped_cryptosuite_fails(signed: dict[str, Any]) -> None:
    suite = signed["proof"]["cryptosuite"]
    signed["proof"]["cryptosuite"] = SUITES[1 - SUITES.index(suite)]
    _fails(signed, "proof")


def test_wrong_purpose_fails(signed: dict[str, Any]) -> None:
    _fails(signed, "proofPurpose", expected_purpose="authentication")


def test_missing_proof_value_fails(signed: dict[str, Any]) -> None:
    del signed["proof"]["proofValue"]
    _fails(signed, "proofValue")


def test_bad_proof_value_fails(signed: dict[str, Any]) -> None:
    signed["proof"]["proofValue"] = "uAAAA"
    _fails(signed, "proofValue")
    signed["proof"]["proofValue"] = "z3sxJP"
    _fails(signed, "64-byte")


def test_missing_verification_method_and_bad_created_fail(signed: dict[str, Any]) -> None:
    broken = copy.deepcopy(signed)
    del broken["proof"]["verificationMethod"]
    _fails(broken, "verificationMethod")
    signed["proof"]["created"] = "yesterday"
    _fails(signed, "created")


def test_unresolvable_key_fails(signed: dict[str, Any]) -> None:
    signed["proof"]["verificationMethod"] = "did:web:nowhere.example#key-1"
    _fails(signed, "verification method")


def test_wrong_key_fails(signed: dict[str, Any]) -> None:
    signed["proof"]["verificationMethod"] = _chain_signer(1).key_id
    _fails(signed, "does not verify")


def test_key_not_authorized_for_purpose(signed: dict[str, Any]) -> None:
    genuine = RESOLVE(signed["proof"]["verificationMethod"])

    def resolve(vm_id: str) -> VerificationKey:
        return VerificationKey(
            genuine.id, genuine.controller, genuine.public_key, frozenset({"authentication"})
        )

    result = di.verify(signed, resolve)
    assert not result.ok and any("not authorized" in p for p in result.problems)


def test_no_proof_fails() -> None:
    _fails(load("unsigned.json"), "no proof")


def test_one_bad_proof_in_a_set_fails_the_set() -> None:
    proof_set = load("proof-set-chain/signedProofSet2.json")
    proof_set["proof"][1]["proofValue"] = proof_set["proof"][0]["proofValue"]
    result = di.verify(proof_set, RESOLVE)
    assert not result.ok and len(result.key_ids) == 1


def test_challenge_and_domain() -> None:
    signed = _sign(load("unsigned.json"), challenge="abc", domain="verifier.example")
    assert di.verify(signed, RESOLVE, challenge="abc", domain="verifier.example").ok
    _fails(signed, "challenge", challenge="xyz")
    _fails(signed, "domain", domain="evil.example")
    _fails(_sign(load("unsigned.json")), "challenge", challenge="abc")


def test_expired_proof_fails() -> None:
    signed = _sign(load("unsigned.json"))
    signed["proof"]["expires"] = "2000-01-01T00:00:00Z"
    _fails(signed, "expired")


def test_jcs_context_must_start_with_proof_context() -> None:
    signed = _sign(load("unsigned.json"), "eddsa-jcs-2022")
    reordered = copy.deepcopy(signed)
    reordered["@context"] = list(reversed(reordered["@context"]))
    _fails(reordered, "@context")
    # Appending a context after signing is allowed by EDDSA §3.3.2 step 4.
    extended = copy.deepcopy(signed)
    extended["@context"].append("https://w3id.org/security/data-integrity/v2")
    assert di.verify(extended, RESOLVE).ok


# --- Undefined terms and malformed input -------------------------------------------------


def _vcdm2_only() -> dict[str, Any]:
    # The examples context has an @vocab (every term defined); credentials v2 alone has none.
    credential: dict[str, Any] = load("unsigned.json")
    credential["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    credential["type"] = ["VerifiableCredential"]
    del credential["credentialSubject"]["alumniOf"]
    return credential


@pytest.mark.parametrize("suite", SUITES)
def test_sign_rejects_undefined_terms(suite: str) -> None:
    assert di.verify(_sign(_vcdm2_only(), suite), RESOLVE).ok
    credential = _vcdm2_only()
    credential["credentialSubject"]["undefinedTerm"] = "x"
    with pytest.raises(UndefinedTermError):
        _sign(credential, suite)
    credential = _vcdm2_only()
    credential["type"].append("UndefinedType")
    with pytest.raises(UndefinedTermError):
        _sign(credential, suite)


def test_jcs_without_strict_terms_signs_plain_json() -> None:
    signed = di.sign({"hello": "world"}, spec_signer(), cryptosuite="eddsa-jcs-2022")
    assert "@context" not in signed["proof"]
    assert di.verify(signed, RESOLVE).ok


@pytest.mark.parametrize("suite", SUITES)
def test_verify_reports_undefined_terms(suite: str) -> None:
    signed = _sign(_vcdm2_only(), suite)
    signed["credentialSubject"]["undefinedTerm"] = "x"
    _fails(signed, "undefined")


def test_verify_reports_unknown_context() -> None:
    signed = _sign(load("unsigned.json"))
    signed["@context"] = [*signed["@context"], "https://unknown.example/context"]
    _fails(signed, "unknown JSON-LD context")
    # eddsa-jcs-2022 verifies under the proof's @context (EDDSA §3.3.2 step 4): a context
    # appended after signing takes no part.
    signed = _sign(load("unsigned.json"), "eddsa-jcs-2022")
    signed["@context"] = [*signed["@context"], "https://unknown.example/context"]
    assert di.verify(signed, RESOLVE).ok


@pytest.mark.parametrize("bad", [None, "string", [1, 2], 42])
def test_malformed_documents_raise(bad: Any) -> None:
    with pytest.raises(MalformedError):
        di.verify(bad, RESOLVE)
    with pytest.raises(MalformedError):
        di.sign(bad, spec_signer(), cryptosuite="eddsa-rdfc-2022")


def test_non_object_proof_raises() -> None:
    with pytest.raises(MalformedError):
        di.verify({**load("unsigned.json"), "proof": "zabc"}, RESOLVE)
    with pytest.raises(MalformedError):
        di.verify({**load("unsigned.json"), "proof": [{}, 3]}, RESOLVE)


def test_sign_argument_errors() -> None:
    with pytest.raises(ValueError):
        di.sign(load("unsigned.json"), spec_signer(), cryptosuite="ecdsa-rdfc-2019")  # type: ignore[arg-type]
    with pytest.raises(MalformedError):
        di.sign(load("unsigned.json"), spec_signer(), cryptosuite="eddsa-rdfc-2022", created="no")


def test_did_key_for_matches_signer() -> None:
    assert did_key_for(spec_signer().public_key)[1] == spec_signer().key_id


@pytest.mark.parametrize("suite", SUITES)
def test_numbers_without_jcs_form_fail_or_raise_cleanly(suite: str) -> None:
    credential = load("unsigned.json")
    credential["credentialSubject"]["https://example.org/big"] = 2**60
    if suite == "eddsa-jcs-2022":
        with pytest.raises(MalformedError):
            _sign(credential, suite)
    signed = _sign(load("unsigned.json"), suite)
    signed["credentialSubject"]["https://example.org/big"] = 2**60
    assert not di.verify(signed, RESOLVE).ok
