"""Signing keys and the verification keys they are checked against.

A :class:`Signer` hides where the private key lives (file key store, PKCS#11 HSM); the VC
code only needs its verification method id, its algorithm and a ``sign`` call. Verifiers get
public keys through a :data:`KeyResolver` (DID resolution, the chain registry, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

__all__ = [
    "Algorithm",
    "Ed25519Signer",
    "KeyResolver",
    "P256Signer",
    "PublicKey",
    "Signer",
    "VerificationKey",
]

Algorithm = Literal["Ed25519", "ES256"]
PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey

_P256_SIZE = 32  # bytes per coordinate / per r and s (RFC 7518 §3.4)


class Signer(Protocol):
    """Anything that signs bytes with the key named by ``key_id`` (a DID URL)."""

    @property
    def key_id(self) -> str: ...

    @property
    def algorithm(self) -> Algorithm: ...

    def sign(self, data: bytes) -> bytes:
        """Ed25519: the 64-byte signature; ES256: raw ``r || s`` (64 bytes, RFC 7518 §3.4)."""
        ...


class Ed25519Signer:
    """Pure Ed25519 (RFC 8032) over a ``cryptography`` private key."""

    algorithm: Literal["Ed25519"] = "Ed25519"

    def __init__(self, key_id: str, private_key: Ed25519PrivateKey) -> None:
        self.key_id = key_id
        self._private_key = private_key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)


class P256Signer:
    """ECDSA P-256 with SHA-256 (JOSE ``ES256``), returning the raw ``r || s`` form."""

    algorithm: Literal["ES256"] = "ES256"

    def __init__(self, key_id: str, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("P256Signer needs a P-256 (secp256r1) key")
        self.key_id = key_id
        self._private_key = private_key

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        der = self._private_key.sign(data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(_P256_SIZE, "big") + s.to_bytes(_P256_SIZE, "big")


@dataclass(frozen=True)
class VerificationKey:
    """A resolved verification method.

    ``purposes`` lists the verification relationships (``assertionMethod``,
    ``authentication``, ...) under which the controller document lists the method; ``None``
    means the resolver does not know, and the caller must not check it.
    """

    id: str
    controller: str
    public_key: PublicKey
    purposes: frozenset[str] | None = None


# Raises vc.errors.KeyResolutionError when the id cannot be resolved.
KeyResolver = Callable[[str], VerificationKey]
