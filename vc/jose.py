"""Compact JWS credentials: OpenID4VCI ``jwt_vc_json`` and VC-JOSE-COSE ``vc+jwt``.

- ``jwt_vc_json`` (OpenID4VCI 1.0 Appendix A.1; VCDM 1.1 §6.3.1 "JWT encoding"): registered
  claims ``iss``/``sub``/``jti``/``nbf``/``iat`` (``exp`` optional) and the VCDM 1.1
  credential in the ``vc`` claim; header ``typ: JWT``.
- ``vc+jwt`` (VC-JOSE-COSE 1.0 §3.1.1): the VCDM 2.0 credential *is* the JWS payload;
  header ``typ: vc+jwt``, ``cty: vc``.
Signatures are RFC 7515 compact serialization; ES256 signatures are raw ``r || s``
(RFC 7518 §3.4), EdDSA per RFC 8037. Built on ``cryptography`` directly (no JOSE library in
the hot path).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from vc.errors import KeyResolutionError, MalformedError
from vc.signer import KeyResolver, Signer

__all__ = [
    "LEEWAY_SECONDS",
    "JwtVerifyResult",
    "decode_jws",
    "jose_algorithm",
    "sign_compact",
    "sign_jws",
    "sign_jwt_vc_json",
    "sign_vc_jwt",
    "signature_ok",
    "verify_jwt",
]

_JOSE_ALG = {"ES256": "ES256", "Ed25519": "EdDSA"}
LEEWAY_SECONDS = 60


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def _b64u_decode(value: str) -> bytes:
    # RFC 7515 §2: base64url without padding; anything else is not a JWS.
    if not _B64URL.fullmatch(value) or len(value) % 4 == 1:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def jose_algorithm(signer_algorithm: str) -> str:
    """The JOSE ``alg`` (RFC 7518, RFC 8037) of a :class:`Signer`'s ``algorithm``."""
    return _JOSE_ALG[signer_algorithm]


def sign_compact(header: Mapping[str, Any], payload: Mapping[str, Any], signer: Signer) -> str:
    """Compact JWS of ``payload`` under exactly ``header`` (which names the ``alg``)."""
    signing_input = _b64u(_json(header)) + "." + _b64u(_json(payload))
    signature = signer.sign(signing_input.encode("ascii"))
    return signing_input + "." + _b64u(signature)


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any], signer: Signer) -> str:
    """Compact JWS of ``payload``; ``alg`` and ``kid`` come from the signer (RFC 7515 §7.1)."""
    protected = {**header, "alg": jose_algorithm(signer.algorithm), "kid": signer.key_id}
    return sign_compact(protected, payload, signer)


def sign_jwt_vc_json(
    vc11_claims: Mapping[str, Any],
    signer: Signer,
    *,
    issuer: str,
    subject: str | None,
    jti: str,
    nbf: int,
    exp: int | None = None,
    iat: int | None = None,
) -> str:
    """An OpenID4VCI ``jwt_vc_json`` credential (VCDM 1.1 credential in the ``vc`` claim).

    ``iat`` defaults to ``nbf`` (the issuance time); times are NumericDate seconds.
    """
    claims: dict[str, Any] = {"iss": issuer}
    if subject is not None:  # no learner DID yet: the credential is not holder-bound
        claims["sub"] = subject
    claims.update({"jti": jti, "nbf": nbf, "iat": nbf if iat is None else iat})
    if exp is not None:
        claims["exp"] = exp
    claims["vc"] = dict(vc11_claims)
    return sign_jws({"typ": "JWT"}, claims, signer)


def sign_vc_jwt(vcdm2_credential: Mapping[str, Any], signer: Signer) -> str:
    """A VC-JOSE-COSE ``vc+jwt``: the VCDM 2.0 credential is the payload (§3.1.1)."""
    return sign_jws({"typ": "vc+jwt", "cty": "vc"}, vcdm2_credential, signer)


@dataclass
class JwtVerifyResult:
    ok: bool
    problems: list[str] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)
    key_id: str | None = None
    controller: str | None = None


def decode_jws(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Split and decode a compact JWS: (header, payload, signing input, signature).

    Raises :class:`MalformedError` if ``token`` is not a compact JWS with JSON objects.
    """
    if not isinstance(token, str):
        raise MalformedError("a JWT must be a string")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedError("a compact JWS has three dot-separated parts")
    try:
        header = json.loads(_b64u_decode(parts[0]))
        payload = json.loads(_b64u_decode(parts[1]))
        signature = _b64u_decode(parts[2])
        signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    except (ValueError, binascii.Error, UnicodeError, RecursionError) as exc:
        raise MalformedError(f"not a decodable JWT: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise MalformedError("JWT header and payload must be JSON objects")
    return header, payload, signing_input, signature


def _issuer_of(payload: Mapping[str, Any]) -> str | None:
    # jwt_vc_json: `iss`; vc+jwt: the credential's `issuer` (string or object with `id`).
    if isinstance(payload.get("iss"), str):
        return str(payload["iss"])
    issuer = payload.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def signature_ok(key: Any, alg: str, signature: bytes, signing_input: bytes) -> bool:
    """Whether ``signature`` over ``signing_input`` verifies with ``key`` under ``alg``.

    RFC 7518 §3.4 (ES256: raw ``r || s`` over P-256) and RFC 8037 (EdDSA: Ed25519); False
    for any other algorithm or a key of the wrong type.
    """
    try:
        if alg == "ES256" and isinstance(key, ec.EllipticCurvePublicKey):
            if len(signature) != 64 or not isinstance(key.curve, ec.SECP256R1):
                return False
            r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            return True
        if alg in ("EdDSA", "Ed25519") and isinstance(key, Ed25519PublicKey):
            key.verify(signature, signing_input)
            return True
    except InvalidSignature:
        return False
    return False


def verify_jwt(token: str, resolve: KeyResolver, *, now: int | None = None) -> JwtVerifyResult:
    """Verify a compact JWS credential signed with ES256 or EdDSA.

    The key is ``resolve(kid)`` (a relative ``#frag`` kid is taken relative to the issuer).
    Checked: ``alg`` is allowed and fits the key, the signature, the key's controller is the
    issuer (``iss`` or the credential's ``issuer``) when one is given, and ``exp``/``nbf``
    (RFC 7519 §4.1.4/§4.1.5, with a leeway of :data:`LEEWAY_SECONDS`).
    """
    header, payload, signing_input, signature = decode_jws(token)
    result = JwtVerifyResult(ok=False, header=header, payload=payload)
    alg, kid = header.get("alg"), header.get("kid")
    issuer = _issuer_of(payload)
    if alg not in ("ES256", "EdDSA", "Ed25519"):
        result.problems.append(f"unsupported alg {alg!r}")
    if not isinstance(kid, str) or not kid:
        result.problems.append("header has no kid")
    if result.problems:
        return result
    assert isinstance(kid, str) and isinstance(alg, str)
    if kid.startswith("#") and issuer is not None:
        kid = issuer + kid
    try:
        key = resolve(kid)
    except KeyResolutionError as exc:
        result.problems.append(f"verification method: {exc}")
        return result
    result.key_id, result.controller = key.id, key.controller
    if not signature_ok(key.public_key, alg, signature, signing_input):
        result.problems.append(f"signature by {key.id} does not verify with {alg}")
    if issuer is not None and key.controller != issuer:
        result.problems.append(f"key controller {key.controller} is not the issuer {issuer}")
    moment = int(time.time()) if now is None else now
    exp, nbf = payload.get("exp"), payload.get("nbf")
    if isinstance(exp, int | float) and moment > exp + LEEWAY_SECONDS:
        result.problems.append("token has expired (exp)")
    if isinstance(nbf, int | float) and moment < nbf - LEEWAY_SECONDS:
        result.problems.append("token is not yet valid (nbf)")
    result.ok = not result.problems
    return result
