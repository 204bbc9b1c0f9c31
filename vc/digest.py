"""Leaf digests of issued credentials for anchoring (docs/architecture.md, "Anchoring").

The digest must survive a wallet re-serialising JSON, so it is defined per format:
- Data Integrity credential: SHA-256 of its JCS form (RFC 8785), proof included;
- JWT (``jwt_vc_json``, ``vc+jwt``): SHA-256 of the compact JWS (ASCII bytes);
- SD-JWT VC: SHA-256 of the issuer-signed JWT, i.e. the part before the first ``~``
  (draft-ietf-oauth-selective-disclosure-jwt §4), without disclosures or key binding.
The public lookup and QR links use the same digest (lowercase hex).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from vc import jcs
from vc.errors import MalformedError

__all__ = ["data_integrity_digest", "digest_hex", "jwt_digest", "leaf_digest", "sd_jwt_digest"]


def data_integrity_digest(credential: Mapping[str, Any]) -> bytes:
    """SHA-256 of the JCS (RFC 8785) serialization of the secured credential."""
    if not isinstance(credential, Mapping):
        raise MalformedError("a Data Integrity credential must be a JSON object")
    try:
        canonical = jcs.dumps(dict(credential))
    except (jcs.CanonicalizationError, TypeError, ValueError) as exc:
        raise MalformedError(f"credential cannot be canonicalised (RFC 8785): {exc}") from exc
    return hashlib.sha256(canonical).digest()


def jwt_digest(token: str) -> bytes:
    """SHA-256 of a compact JWS exactly as issued (ASCII)."""
    try:
        data = token.strip().encode("ascii")
    except (AttributeError, UnicodeEncodeError) as exc:
        raise MalformedError("a compact JWS is an ASCII string") from exc
    if data.count(b".") != 2:
        raise MalformedError("not a compact JWS")
    return hashlib.sha256(data).digest()


def sd_jwt_digest(sd_jwt: str) -> bytes:
    """SHA-256 of the issuer-signed JWT of an SD-JWT (disclosures and KB-JWT dropped)."""
    if not isinstance(sd_jwt, str):
        raise MalformedError("an SD-JWT is a string")
    return jwt_digest(sd_jwt.split("~", 1)[0])


def leaf_digest(credential: Mapping[str, Any] | str) -> bytes:
    """Digest of a credential: a JSON object (Data Integrity) or a compact JWS / SD-JWT."""
    if isinstance(credential, str):
        return sd_jwt_digest(credential) if "~" in credential else jwt_digest(credential)
    return data_integrity_digest(credential)


def digest_hex(digest: bytes) -> str:
    """Lowercase hex of a 32-byte digest, as used in lookups and QR links."""
    if len(digest) != 32:
        raise ValueError("a leaf digest is 32 bytes")
    return digest.hex()
