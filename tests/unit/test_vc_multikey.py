from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tests.unit._vc_helpers import load
from vc.errors import MalformedError
from vc.multikey import (
    multibase_decode,
    multibase_encode,
    private_key_from_multibase,
    public_key_from_jwk,
    public_key_from_multibase,
    public_key_to_jwk,
    public_key_to_multibase,
)


def test_multibase_round_trip_and_leading_zeros() -> None:
    for data in (b"", b"\x00\x00\x01", bytes(range(256))):
        assert multibase_decode(multibase_encode(data)) == data
    assert multibase_encode(b"\x00\x01") == "z12"


@pytest.mark.parametrize("bad", ["", "uAAAA", "z0OIl", 42])
def test_multibase_decode_rejects(bad: object) -> None:
    with pytest.raises(MalformedError):
        multibase_decode(bad)  # type: ignore[arg-type]


def test_spec_key_pair_known_answer() -> None:
    pair = load("keyPair.json")
    private_key = private_key_from_multibase(pair["privateKeyMultibase"])
    assert isinstance(private_key, Ed25519PrivateKey)
    assert public_key_to_multibase(private_key.public_key()) == pair["publicKeyMultibase"]
    assert pair["publicKeyMultibase"].startswith("z6Mk")


def test_ed25519_multikey_and_jwk_round_trip() -> None:
    public_key = Ed25519PrivateKey.generate().public_key()
    encoded = public_key_to_multibase(public_key)
    assert encoded.startswith("z6Mk")
    decoded = public_key_from_multibase(encoded)
    assert isinstance(decoded, Ed25519PublicKey)
    assert decoded.public_bytes_raw() == public_key.public_bytes_raw()
    jwk = public_key_to_jwk(public_key)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert public_key_to_jwk(public_key_from_jwk(jwk)) == jwk


def test_p256_multikey_and_jwk_round_trip() -> None:
    public_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    encoded = public_key_to_multibase(public_key)
    assert encoded.startswith("zDn")  # compressed P-256 Multikey prefix
    decoded = public_key_from_multibase(encoded)
    assert isinstance(decoded, ec.EllipticCurvePublicKey)
    assert decoded.public_numbers() == public_key.public_numbers()
    jwk = public_key_to_jwk(public_key)
    assert set(jwk) == {"kty", "crv", "x", "y"}
    assert public_key_to_jwk(public_key_from_jwk(jwk)) == jwk


def test_unsupported_keys_and_bad_jwks() -> None:
    with pytest.raises(MalformedError):
        public_key_to_multibase(ec.generate_private_key(ec.SECP384R1()).public_key())
    with pytest.raises(MalformedError):
        public_key_from_multibase(multibase_encode(b"\xed\x01" + b"\x00" * 31))
    with pytest.raises(MalformedError):
        public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"})
    with pytest.raises(MalformedError):
        public_key_from_jwk({"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43})
    with pytest.raises(MalformedError):
        public_key_from_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"})
    jwk = public_key_to_jwk(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(MalformedError):
        public_key_from_jwk({**jwk, "d": "AAAA"})
