"""wallet_bridge: OpenID4VCI messages, metadata, offers and key proofs (no web, no DB)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from vc.did import did_key_for
from vc.multikey import public_key_to_jwk
from vc.signer import Ed25519Signer, P256Signer
from wallet_bridge import catalogue
from wallet_bridge.errors import (
    InvalidCredentialRequest,
    InvalidNonce,
    InvalidProof,
    InvalidRequest,
    OAuthError,
    UnknownCredentialConfiguration,
    UnsupportedCredentialFormat,
    UnsupportedGrantType,
)
from wallet_bridge.metadata import (
    PRE_AUTHORIZED_GRANT,
    IssuerEndpoints,
    authorization_server_metadata,
    issuer_metadata,
)
from wallet_bridge.offer import (
    CredentialOffer,
    TxCode,
    new_tx_code,
    offer_uri_by_reference,
    secret_hash,
    tx_code_hash,
)
from wallet_bridge.proof import MemoryNonceStore, verify_proof_jwt, verify_proofs
from wallet_bridge.requests import parse_credential_request, parse_token_request

ISSUER = "https://node.example"
NOW = 1_800_000_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jws(header: dict[str, Any], payload: dict[str, Any], key: Any) -> str:
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signature = Ed25519Signer("k", key).sign(signing_input.encode())
    else:
        signature = P256Signer("k", key).sign(signing_input.encode())
    return signing_input + "." + _b64(signature)


def _proof(
    key: Any,
    *,
    nonce: str = "n1",
    aud: str = ISSUER,
    iat: int = NOW,
    header: dict[str, Any] | None = None,
) -> str:
    alg = "EdDSA" if isinstance(key, ed25519.Ed25519PrivateKey) else "ES256"
    h = header or {"jwk": public_key_to_jwk(key.public_key())}
    return _jws(
        {"typ": "openid4vci-proof+jwt", "alg": alg, **h},
        {"aud": aud, "iat": iat, "nonce": nonce},
        key,
    )


def _configs() -> tuple[catalogue.CredentialConfiguration, ...]:
    return catalogue.micro_credential_configurations(
        ldp_contexts=["https://www.w3.org/ns/credentials/v2"],
        ldp_types=["VerifiableCredential", "OpenBadgeCredential"],
        jwt_types=["VerifiableCredential", "OpenBadgeCredential"],
        logo_uri=ISSUER + "/logo.svg",
    )


def test_issuer_metadata_has_every_locale_and_both_formats() -> None:
    endpoints = IssuerEndpoints(ISSUER)
    metadata = issuer_metadata(
        endpoints, catalogue.issuer_display("Uni", ISSUER + "/logo.svg"), _configs(), batch_size=5
    )
    assert metadata["credential_endpoint"] == ISSUER + "/credential"
    assert metadata["nonce_endpoint"] == ISSUER + "/nonce"
    configs = metadata["credential_configurations_supported"]
    assert {c["format"] for c in configs.values()} == {"ldp_vc", "jwt_vc_json"}
    ldp = configs[catalogue.LDP_RDFC_ID]
    assert "@context" in ldp["credential_definition"]
    assert "@context" not in configs[catalogue.JWT_VC_JSON_ID]["credential_definition"]
    display = ldp["credential_metadata"]["display"]
    assert {d["locale"] for d in display} == {"en", "de", "es", "fi"}
    assert all(d["logo"]["uri"].endswith("logo.svg") for d in display)
    for claim in ldp["credential_metadata"]["claims"]:
        assert claim["path"][0] == "credentialSubject"
        assert {d["locale"] for d in claim["display"]} == {"en", "de", "es", "fi"}
    server = authorization_server_metadata(endpoints)
    assert server["token_endpoint"] == ISSUER + "/token"
    assert server["pre-authorized_grant_anonymous_access_supported"] is True


def test_offer_by_value_and_by_reference() -> None:
    offer = CredentialOffer(ISSUER, ["a"], "code-1", TxCode(6, "PIN from the e-mail"))
    uri = offer.uri()
    assert uri.startswith("openid-credential-offer://?credential_offer=")
    parsed = json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])
    grant = parsed["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["pre-authorized_code"] == "code-1"
    assert grant["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "PIN from the e-mail",
    }
    ref = offer_uri_by_reference(ISSUER + "/offers/x")
    assert parse_qs(urlsplit(ref).query)["credential_offer_uri"] == [ISSUER + "/offers/x"]


def test_secrets() -> None:
    pin = new_tx_code(6)
    assert len(pin) == 6 and pin.isdigit()
    assert len(secret_hash("x")) == 64
    assert tx_code_hash("offer-a", "123456") != tx_code_hash("offer-b", "123456")


def test_token_request() -> None:
    parsed = parse_token_request(
        {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "c", "tx_code": "1"}
    )
    assert (parsed.code, parsed.tx_code) == ("c", "1")
    with pytest.raises(UnsupportedGrantType):
        parse_token_request({"grant_type": "authorization_code"})
    with pytest.raises(InvalidRequest):
        parse_token_request({"grant_type": PRE_AUTHORIZED_GRANT})


@pytest.mark.parametrize(
    "make", [ed25519.Ed25519PrivateKey.generate, lambda: ec.generate_private_key(ec.SECP256R1())]
)
def test_proof_with_jwk_binds_did_jwk(make: Any) -> None:
    key = make()
    holder = verify_proof_jwt(_proof(key), audience=ISSUER, now=NOW, max_age_seconds=300)
    assert holder.did.startswith("did:jwk:")
    assert holder.key_id == holder.did + "#0"
    assert holder.nonce == "n1"


def test_proof_with_did_key_kid() -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    did, vm = did_key_for(key.public_key())
    holder = verify_proof_jwt(
        _proof(key, header={"kid": vm}), audience=ISSUER, now=NOW, max_age_seconds=300
    )
    assert holder.did == did


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda k: _proof(k, aud="https://other.example"), InvalidProof),
        (lambda k: _proof(k, iat=NOW - 10_000), InvalidProof),
        (lambda k: _proof(k, iat=NOW + 10_000), InvalidProof),
        (lambda k: _proof(k, nonce=""), InvalidNonce),
        # signed by k, header names another key
        (
            lambda k: _proof(
                k,
                header={
                    "jwk": public_key_to_jwk(ed25519.Ed25519PrivateKey.generate().public_key())
                },
            ),
            InvalidProof,
        ),
        (
            lambda k: _jws(
                {"typ": "JWT", "alg": "EdDSA", "jwk": public_key_to_jwk(k.public_key())},
                {"aud": ISSUER, "iat": NOW, "nonce": "n1"},
                k,
            ),
            InvalidProof,
        ),
        (lambda k: _proof(k, header={"kid": "did:web:evil.example#k"}), InvalidProof),
        (lambda k: "not-a-jws", InvalidProof),
    ],
)
def test_bad_proofs(mutate: Any, error: type[OAuthError]) -> None:
    key = ed25519.Ed25519PrivateKey.generate()
    with pytest.raises(error):
        verify_proof_jwt(mutate(key), audience=ISSUER, now=NOW, max_age_seconds=300)


def test_proof_with_private_jwk_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = {**public_key_to_jwk(key.public_key()), "d": "AAAA"}
    with pytest.raises(InvalidProof):
        verify_proof_jwt(
            _proof(key, header={"jwk": jwk}), audience=ISSUER, now=NOW, max_age_seconds=300
        )


def test_nonce_consumed_once_and_batch() -> None:
    store = MemoryNonceStore()
    store.issue("n1", time.time() + 60)
    keys = [ed25519.Ed25519PrivateKey.generate() for _ in range(3)]
    proofs = [_proof(k) for k in keys]
    holders = verify_proofs(proofs, audience=ISSUER, now=NOW, max_age_seconds=300, nonces=store)
    assert len({h.did for h in holders}) == 3
    with pytest.raises(InvalidNonce):  # replay
        verify_proofs(proofs, audience=ISSUER, now=NOW, max_age_seconds=300, nonces=store)
    store.issue("n2", time.time() + 60)
    with pytest.raises(InvalidNonce):  # mixed nonces
        verify_proofs(
            [_proof(keys[0], nonce="n2"), _proof(keys[1])],
            audience=ISSUER,
            now=NOW,
            max_age_seconds=300,
            nonces=store,
        )
    with pytest.raises(InvalidProof):  # same key twice
        verify_proofs(
            [_proof(keys[0], nonce="n2")] * 2,
            audience=ISSUER,
            now=NOW,
            max_age_seconds=300,
            nonces=store,
        )
    store.issue("old", time.time() - 1)
    with pytest.raises(InvalidNonce):  # expired
        verify_proofs(
            [_proof(keys[0], nonce="old")],
            audience=ISSUER,
            now=NOW,
            max_age_seconds=300,
            nonces=store,
        )


def test_credential_requests_v1_and_draft15() -> None:
    configs = _configs()
    v1 = parse_credential_request(
        {"credential_configuration_id": catalogue.JWT_VC_JSON_ID, "proofs": {"jwt": ["a", "b"]}},
        configs,
        batch_size=5,
    )
    assert v1.configuration.format == "jwt_vc_json" and v1.proof_jwts == ("a", "b")
    assert not v1.legacy_proof
    d15 = parse_credential_request(
        {"format": "ldp_vc", "proof": {"proof_type": "jwt", "jwt": "a"}}, configs, batch_size=5
    )
    assert d15.configuration.id == catalogue.LDP_RDFC_ID and d15.legacy_proof
    with pytest.raises(UnknownCredentialConfiguration):
        parse_credential_request(
            {"credential_configuration_id": "nope", "proofs": {"jwt": ["a"]}}, configs, batch_size=5
        )
    with pytest.raises(UnsupportedCredentialFormat):
        parse_credential_request(
            {"format": "mso_mdoc", "proof": {"proof_type": "jwt", "jwt": "a"}},
            configs,
            batch_size=5,
        )
    with pytest.raises(InvalidCredentialRequest):
        parse_credential_request(
            {
                "credential_configuration_id": catalogue.JWT_VC_JSON_ID,
                "proofs": {"jwt": ["a"]},
                "proof": {"proof_type": "jwt", "jwt": "a"},
            },
            configs,
            batch_size=5,
        )
    with pytest.raises(InvalidCredentialRequest):
        parse_credential_request(
            {"credential_configuration_id": catalogue.JWT_VC_JSON_ID, "proofs": {"jwt": ["a"] * 6}},
            configs,
            batch_size=5,
        )
    with pytest.raises(InvalidProof):
        parse_credential_request(
            {"credential_configuration_id": catalogue.JWT_VC_JSON_ID}, configs, batch_size=5
        )
