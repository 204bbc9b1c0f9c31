"""ES256 / EdDSA compact JWS credentials: jwt_vc_json and vc+jwt."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.unit._vc_helpers import load
from vc.did import StaticDidResolver, did_key_for
from vc.errors import MalformedError
from vc.jose import decode_jws, sign_jwt_vc_json, sign_vc_jwt, verify_jwt
from vc.signer import Ed25519Signer, P256Signer

RESOLVE = StaticDidResolver()
NBF = 1_700_000_000


def _p256_signer() -> tuple[P256Signer, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    did, vm_id = did_key_for(key.public_key())
    return P256Signer(vm_id, key), did


def _vc11(issuer: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential", "MicroCredential"],
        "issuer": issuer,
        "issuanceDate": "2023-11-14T22:13:20Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ada"},
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_p256_signer_raw_signature_verifies_with_cryptography() -> None:
    signer, _ = _p256_signer()
    signature = signer.sign(b"data")
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    signer.public_key.verify(der, b"data", ec.ECDSA(hashes.SHA256()))
    with pytest.raises(ValueError):
        P256Signer("k", ec.generate_private_key(ec.SECP384R1()))


def test_jwt_vc_json_round_trip() -> None:
    signer, did = _p256_signer()
    token = sign_jwt_vc_json(
        _vc11(did),
        signer,
        issuer=did,
        subject="did:example:learner",
        jti="urn:uuid:1",
        nbf=NBF,
        exp=NBF + 3600,
    )
    header, payload, _, _ = decode_jws(token)
    assert header == {"typ": "JWT", "alg": "ES256", "kid": signer.key_id}
    assert payload["iss"] == did and payload["sub"] == "did:example:learner"
    assert payload["jti"] == "urn:uuid:1" and payload["nbf"] == payload["iat"] == NBF
    assert payload["vc"]["type"] == ["VerifiableCredential", "MicroCredential"]
    result = verify_jwt(token, RESOLVE, now=NBF + 10)
    assert result.ok, result.problems
    assert result.key_id == signer.key_id and result.controller == did


def test_vc_jwt_round_trip_payload_is_the_credential() -> None:
    signer, did = _p256_signer()
    credential = {**load("unsigned.json"), "issuer": did}
    token = sign_vc_jwt(credential, signer)
    header, payload, _, _ = decode_jws(token)
    assert header["typ"] == "vc+jwt" and header["cty"] == "vc" and header["alg"] == "ES256"
    assert payload == credential
    assert verify_jwt(token, RESOLVE).ok


def test_eddsa_jwt_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    did, vm_id = did_key_for(key.public_key())
    token = sign_vc_jwt({**load("unsigned.json"), "issuer": {"id": did}}, Ed25519Signer(vm_id, key))
    assert decode_jws(token)[0]["alg"] == "EdDSA"
    assert verify_jwt(token, RESOLVE).ok


def _tamper_payload(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims.update(changes)
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def test_tampered_and_forged_tokens_fail() -> None:
    signer, did = _p256_signer()
    token = sign_jwt_vc_json(_vc11(did), signer, issuer=did, subject="s", jti="j", nbf=NBF)
    tampered = verify_jwt(_tamper_payload(token, sub="did:example:mallory"), RESOLVE, now=NBF)
    assert not tampered.ok and any("does not verify" in p for p in tampered.problems)
    header, payload, signature = token.split(".")
    bad_sig = base64.urlsafe_b64decode(signature + "==")
    flipped = bytes([bad_sig[0] ^ 1]) + bad_sig[1:]
    assert not verify_jwt(f"{header}.{payload}.{_b64(flipped)}", RESOLVE, now=NBF).ok
    assert not verify_jwt(f"{header}.{payload}.{_b64(bad_sig[:60])}", RESOLVE, now=NBF).ok


def test_other_key_claiming_the_issuer_fails() -> None:
    signer, did = _p256_signer()
    mallory, _ = _p256_signer()
    token = sign_jwt_vc_json(_vc11(did), mallory, issuer=did, subject="s", jti="j", nbf=NBF)
    result = verify_jwt(token, RESOLVE, now=NBF)
    assert not result.ok and any("not the issuer" in p for p in result.problems)
    assert signer.key_id != mallory.key_id


def test_alg_none_and_alg_key_mismatch_fail() -> None:
    signer, did = _p256_signer()
    token = sign_jwt_vc_json(_vc11(did), signer, issuer=did, subject="s", jti="j", nbf=NBF)
    _, payload, signature = token.split(".")
    none_header = _b64(json.dumps({"alg": "none", "kid": signer.key_id}).encode())
    assert not verify_jwt(f"{none_header}.{payload}.", RESOLVE, now=NBF).ok
    eddsa_header = _b64(json.dumps({"alg": "EdDSA", "kid": signer.key_id}).encode())
    assert not verify_jwt(f"{eddsa_header}.{payload}.{signature}", RESOLVE, now=NBF).ok
    no_kid = _b64(json.dumps({"alg": "ES256"}).encode())
    assert not verify_jwt(f"{no_kid}.{payload}.{signature}", RESOLVE, now=NBF).ok


def test_time_claims() -> None:
    signer, did = _p256_signer()
    token = sign_jwt_vc_json(
        _vc11(did), signer, issuer=did, subject="s", jti="j", nbf=NBF, exp=NBF + 100
    )
    assert verify_jwt(token, RESOLVE, now=NBF - 30).ok  # within the leeway
    assert not verify_jwt(token, RESOLVE, now=NBF - 3600).ok
    assert not verify_jwt(token, RESOLVE, now=NBF + 3600).ok


def test_unresolvable_kid_fails() -> None:
    signer, did = _p256_signer()
    signer.key_id = "did:web:nowhere.example#key-1"
    token = sign_vc_jwt({**load("unsigned.json"), "issuer": did}, signer)
    result = verify_jwt(token, RESOLVE)
    assert not result.ok and any("verification method" in p for p in result.problems)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "!!.e30.", "e30.bm90IGpzb24.", "W10.e30.", 42],
)
def test_malformed_tokens_raise(token: Any) -> None:
    with pytest.raises(MalformedError):
        verify_jwt(token, RESOLVE)
