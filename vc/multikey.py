"""Multibase, Multikey and JWK encodings of Ed25519 and P-256 keys.

- Multibase base58btc: the ``z`` prefix (Controlled Identifiers 1.0 §2.4, "Multibase").
- Multikey ``publicKeyMultibase``: multicodec varint header + key bytes (CID 1.0 §2.2.2):
  Ed25519 public ``0xed`` (``ed 01``), P-256 compressed public ``0x1200`` (``80 24``).
  Secret keys (used by the spec test vectors): Ed25519 ``0x1300`` (``80 26``), P-256
  ``0x1306`` (``86 26``).
- JWK (RFC 7517 / RFC 8037): ``OKP``/``Ed25519`` and ``EC``/``P-256``.
"""

from __future__ import annotations

import base64
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from vc.errors import MalformedError
from vc.signer import PublicKey

__all__ = [
    "ED25519_PRIV",
    "ED25519_PUB",
    "P256_PRIV",
    "P256_PUB",
    "PrivateKey",
    "multibase_decode",
    "multibase_encode",
    "private_key_from_multibase",
    "public_key_from_jwk",
    "public_key_from_multibase",
    "public_key_to_jwk",
    "public_key_to_multibase",
]

ED25519_PUB = b"\xed\x01"
P256_PUB = b"\x80\x24"
ED25519_PRIV = b"\x80\x26"
P256_PRIV = b"\x86\x26"

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def multibase_encode(data: bytes) -> str:
    """base58btc multibase (``z`` + base58 with the Bitcoin alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def multibase_decode(value: str) -> bytes:
    """Decode a base58btc multibase string; other bases are not used by these suites."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise MalformedError("expected a base58btc multibase value starting with 'z'")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise MalformedError(f"invalid base58btc value: {exc}") from exc


def public_key_to_multibase(key: PublicKey) -> str:
    """Multikey ``publicKeyMultibase`` of an Ed25519 or P-256 public key."""
    if isinstance(key, Ed25519PublicKey):
        return multibase_encode(ED25519_PUB + key.public_bytes(Encoding.Raw, PublicFormat.Raw))
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        point = key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        return multibase_encode(P256_PUB + point)
    raise MalformedError(f"unsupported public key type: {type(key).__name__}")


def public_key_from_multibase(value: str) -> PublicKey:
    """Parse a Multikey ``publicKeyMultibase`` (Ed25519 or compressed P-256)."""
    raw = multibase_decode(value)
    header, body = raw[:2], raw[2:]
    try:
        if header == ED25519_PUB and len(body) == 32:
            return Ed25519PublicKey.from_public_bytes(body)
        if header == P256_PUB and len(body) == 33:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), body)
    except ValueError as exc:
        raise MalformedError(f"invalid public key bytes: {exc}") from exc
    raise MalformedError("unsupported or malformed Multikey public key")


def private_key_from_multibase(value: str) -> PrivateKey:
    """Parse a Multikey ``secretKeyMultibase`` (as in the vc-di-eddsa test vectors)."""
    raw = multibase_decode(value)
    header, body = raw[:2], raw[2:]
    if header == ED25519_PRIV and len(body) == 32:
        return Ed25519PrivateKey.from_private_bytes(body)
    if header == P256_PRIV and len(body) == 32:
        return ec.derive_private_key(int.from_bytes(body, "big"), ec.SECP256R1())
    raise MalformedError("unsupported or malformed Multikey secret key")


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64u_decode(value: Any) -> bytes:
    if not isinstance(value, str):
        raise MalformedError("JWK member is not a string")
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError as exc:
        raise MalformedError(f"invalid base64url in JWK: {exc}") from exc


def public_key_to_jwk(key: PublicKey) -> dict[str, str]:
    """Public JWK: ``OKP``/``Ed25519`` (RFC 8037 §2) or ``EC``/``P-256`` (RFC 7518 §6.2)."""
    if isinstance(key, Ed25519PublicKey):
        raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(raw)}
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        numbers = key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64u(numbers.x.to_bytes(32, "big")),
            "y": _b64u(numbers.y.to_bytes(32, "big")),
        }
    raise MalformedError(f"unsupported public key type: {type(key).__name__}")


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """Parse a public JWK (Ed25519 or P-256). A JWK carrying ``d`` is refused."""
    if not isinstance(jwk, dict):
        raise MalformedError("JWK is not a JSON object")
    if "d" in jwk:
        raise MalformedError("JWK contains private key material")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    try:
        if kty == "OKP" and crv == "Ed25519":
            x = _b64u_decode(jwk.get("x"))
            if len(x) != 32:
                raise MalformedError("Ed25519 JWK 'x' must be 32 bytes")
            return Ed25519PublicKey.from_public_bytes(x)
        if kty == "EC" and crv == "P-256":
            x, y = _b64u_decode(jwk.get("x")), _b64u_decode(jwk.get("y"))
            if len(x) != 32 or len(y) != 32:
                raise MalformedError("P-256 JWK coordinates must be 32 bytes")
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
            )
            return numbers.public_key()
    except ValueError as exc:
        raise MalformedError(f"invalid JWK key material: {exc}") from exc
    raise MalformedError(f"unsupported JWK: kty={kty!r} crv={crv!r}")
