from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.unit._vc_helpers import load
from vc.did import (
    StaticDidResolver,
    did_jwk_for,
    did_key_for,
    resolve_did_jwk,
    resolve_did_jwk_vm,
    resolve_did_key,
    resolve_did_key_vm,
)
from vc.errors import KeyResolutionError
from vc.multikey import public_key_to_jwk, public_key_to_multibase


def test_did_key_ed25519_from_spec_key() -> None:
    mb = load("keyPair.json")["publicKeyMultibase"]
    vm_id = f"did:key:{mb}#{mb}"
    key = resolve_did_key_vm(vm_id)
    assert key.id == vm_id and key.controller == f"did:key:{mb}"
    assert key.purposes is not None and "assertionMethod" in key.purposes
    assert public_key_to_multibase(key.public_key) == mb
    assert did_key_for(key.public_key) == (f"did:key:{mb}", vm_id)


def test_did_key_document_shape() -> None:
    did, vm_id = did_key_for(Ed25519PrivateKey.generate().public_key())
    document = resolve_did_key(did)
    assert document["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert document["verificationMethod"][0]["type"] == "Multikey"
    assert document["assertionMethod"] == [vm_id]
    assert document["authentication"] == [vm_id]


def test_did_key_p256() -> None:
    public_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    did, vm_id = did_key_for(public_key)
    assert did.startswith("did:key:zDn")
    resolved = resolve_did_key_vm(vm_id)
    assert isinstance(resolved.public_key, ec.EllipticCurvePublicKey)
    assert resolved.public_key.public_numbers() == public_key.public_numbers()


@pytest.mark.parametrize(
    "vm_id",
    [
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#other",
        "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "did:key:zNotAKey#zNotAKey",
        "did:web:example.com#key-1",
    ],
)
def test_did_key_vm_rejects(vm_id: str) -> None:
    with pytest.raises(KeyResolutionError):
        resolve_did_key_vm(vm_id)


def test_did_jwk_round_trip_and_use() -> None:
    jwk = public_key_to_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
    did = did_jwk_for(jwk)
    document = resolve_did_jwk(did)
    assert document["verificationMethod"][0]["publicKeyJwk"] == jwk
    assert "keyAgreement" in document and "assertionMethod" in document
    key = resolve_did_jwk_vm(did + "#0")
    assert key.controller == did
    signing_only = resolve_did_jwk(did_jwk_for({**jwk, "use": "sig"}))
    assert "keyAgreement" not in signing_only and "assertionMethod" in signing_only
    encryption_only = resolve_did_jwk(did_jwk_for({**jwk, "use": "enc"}))
    assert "assertionMethod" not in encryption_only and "keyAgreement" in encryption_only
    with pytest.raises(KeyResolutionError):
        resolve_did_jwk("did:jwk:bm90LWpzb24")


def _did_web_document(public_key: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": "did:web:uni.example",
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Multikey",
                "controller": "did:web:uni.example",
                "publicKeyMultibase": public_key_to_multibase(public_key),
            }
        ],
        "assertionMethod": ["#key-1"],
        "authentication": [
            {
                "id": "did:web:uni.example#auth",
                "type": "JsonWebKey2020",
                "controller": "did:web:uni.example",
                "publicKeyJwk": public_key_to_jwk(public_key),
            }
        ],
    }


def test_static_resolver_with_did_web_document_and_did_methods() -> None:
    public_key = Ed25519PrivateKey.generate().public_key()
    resolver = StaticDidResolver({"did:web:uni.example": _did_web_document(public_key)})
    key = resolver("did:web:uni.example#key-1")
    assert key.purposes == frozenset({"assertionMethod"})
    embedded = resolver("did:web:uni.example#auth")
    assert embedded.purposes == frozenset({"authentication"})
    did, vm_id = did_key_for(public_key)
    assert resolver(vm_id).controller == did
    jwk_did = did_jwk_for(public_key_to_jwk(public_key))
    assert resolver(jwk_did + "#0").controller == jwk_did
    with pytest.raises(KeyResolutionError):
        resolver("did:web:uni.example#missing")
    with pytest.raises(KeyResolutionError):
        resolver("did:web:other.example#key-1")
    with pytest.raises(KeyResolutionError):
        StaticDidResolver(allow_did_key=False)(vm_id)
