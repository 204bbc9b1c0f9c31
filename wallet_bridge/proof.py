"""Key proofs of possession (OpenID4VCI 1.0 §8.2.1, Appendix F.1): the ``jwt`` proof type.

Checked: ``typ`` is ``openid4vci-proof+jwt``; ``alg`` is an asymmetric algorithm we verify
(ES256, EdDSA; never ``none`` or a MAC); exactly one of ``jwk`` (a public key, no ``d``) or
``kid`` (a did:key / did:jwk DID URL) names the key; the signature verifies with that key;
``aud`` is the credential issuer; ``iat`` is recent (not in the future beyond a small leeway);
``nonce`` is present. Whether the nonce was handed out and is still unused is the caller's
state (:class:`NonceStore`), checked once per credential request.

The holder is identified by a DID: the ``kid``'s DID, or the did:jwk of a bare ``jwk``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from vc.did import did_jwk_for, resolve_did_jwk_vm, resolve_did_key_vm
from vc.errors import KeyResolutionError, MalformedError
from vc.jose import decode_jws, signature_ok
from vc.multikey import public_key_from_jwk
from wallet_bridge.errors import InvalidNonce, InvalidProof

__all__ = [
    "ALGS",
    "LEEWAY_SECONDS",
    "PROOF_TYP",
    "HolderKey",
    "MemoryNonceStore",
    "NonceStore",
    "verify_proof_jwt",
    "verify_proofs",
]

PROOF_TYP = "openid4vci-proof+jwt"
ALGS = ("ES256", "EdDSA")
LEEWAY_SECONDS = 60
_PUBLIC_JWK_MEMBERS = ("kty", "crv", "x", "y")


class NonceStore(Protocol):
    def consume(self, nonce: str) -> bool:
        """Mark ``nonce`` used; True only if it was handed out, is unexpired and unused."""
        ...


@dataclass(frozen=True)
class HolderKey:
    """The key a proof was signed with, and the DID the credential is bound to."""

    did: str
    key_id: str  # DID URL of the verification method
    nonce: str


def _holder_from_header(header: Mapping[str, Any]) -> tuple[Any, str, str]:
    jwk, kid = header.get("jwk"), header.get("kid")
    if (jwk is None) == (kid is None):
        raise InvalidProof("the proof header must carry exactly one of 'jwk' and 'kid'")
    if header.get("x5c") is not None or header.get("trust_chain") is not None:
        raise InvalidProof("x5c and trust_chain key proofs are not supported")
    if jwk is not None:
        if not isinstance(jwk, Mapping) or "d" in jwk:
            raise InvalidProof("'jwk' must be a public JWK (no private members)")
        public = {k: jwk[k] for k in _PUBLIC_JWK_MEMBERS if k in jwk}
        try:
            key = public_key_from_jwk(public)
        except (MalformedError, ValueError, TypeError) as exc:
            raise InvalidProof(f"unusable 'jwk': {exc}") from None
        did = did_jwk_for(public)
        return key, did, f"{did}#0"
    if not isinstance(kid, str):
        raise InvalidProof("'kid' must be a string")
    try:
        if kid.startswith("did:key:"):
            vm = resolve_did_key_vm(kid)
        elif kid.startswith("did:jwk:"):
            vm = resolve_did_jwk_vm(kid)
        else:
            raise InvalidProof("'kid' must be a did:key or did:jwk DID URL")
    except KeyResolutionError as exc:
        raise InvalidProof(f"'kid' does not resolve: {exc}") from None
    return vm.public_key, vm.controller, vm.id


def verify_proof_jwt(token: str, *, audience: str, now: int, max_age_seconds: int) -> HolderKey:
    """Verify one ``jwt`` key proof (all but the nonce's state); raise :class:`InvalidProof`."""
    try:
        header, payload, signing_input, signature = decode_jws(token)
    except MalformedError as exc:
        raise InvalidProof(f"the proof is not a compact JWS: {exc}") from None
    if header.get("typ") != PROOF_TYP:
        raise InvalidProof(f"the proof's 'typ' must be {PROOF_TYP!r}")
    alg = header.get("alg")
    if alg not in ALGS:
        raise InvalidProof(f"unsupported proof 'alg' {alg!r}; supported: {', '.join(ALGS)}")
    key, did, key_id = _holder_from_header(header)
    if not signature_ok(key, str(alg), signature, signing_input):
        raise InvalidProof("the proof's signature does not verify with the key in its header")
    aud = payload.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise InvalidProof("the proof's 'aud' is not this credential issuer")
    iat = payload.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise InvalidProof("the proof has no numeric 'iat'")
    if iat > now + LEEWAY_SECONDS:
        raise InvalidProof("the proof's 'iat' is in the future")
    if iat < now - max_age_seconds:
        raise InvalidProof("the proof is too old ('iat')")
    nonce = payload.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise InvalidNonce("the proof carries no 'nonce'; get one from the nonce endpoint")
    return HolderKey(did=did, key_id=key_id, nonce=nonce)


def verify_proofs(
    tokens: Sequence[str],
    *,
    audience: str,
    now: int,
    max_age_seconds: int,
    nonces: NonceStore,
) -> list[HolderKey]:
    """Verify the proofs of one credential request and consume their one nonce.

    All proofs of a batch answer the same ``c_nonce`` (§8.2: the nonce endpoint hands out
    one per request); it is consumed once, so a replayed request or proof fails. Two proofs
    by the same key would yield two copies bound to one key: refused.
    """
    if not tokens:
        raise InvalidProof("no key proof given")
    holders = [
        verify_proof_jwt(t, audience=audience, now=now, max_age_seconds=max_age_seconds)
        for t in tokens
    ]
    nonce_values = {h.nonce for h in holders}
    if len(nonce_values) != 1:
        raise InvalidNonce("all proofs of one request must carry the same nonce")
    if len({h.key_id for h in holders}) != len(holders):
        raise InvalidProof("two proofs by the same key")
    if not nonces.consume(holders[0].nonce):
        raise InvalidNonce("the nonce is unknown, expired or already used")
    return holders


class MemoryNonceStore:
    """A :class:`NonceStore` in memory (tests, single-process tools)."""

    def __init__(self) -> None:
        self._fresh: dict[str, float] = {}

    def issue(self, nonce: str, expires_at: float) -> None:
        self._fresh[nonce] = expires_at

    def consume(self, nonce: str, *, now: float | None = None) -> bool:
        expires = self._fresh.pop(nonce, None)
        moment = time.time() if now is None else now
        return expires is not None and expires >= moment
