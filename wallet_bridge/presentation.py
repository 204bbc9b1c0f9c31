"""OpenID4VP 1.0 (final) verifier messages: the signed authorization request object, the
request link a wallet opens, and the ``direct_post`` authorization response.

- Request object (§5, RFC 9101 JAR): JWT ``typ`` ``oauth-authz-req+jwt`` signed by the
  verifier's DID key (``kid`` a DID URL); ``client_id`` is ``decentralized_identifier:`` +
  the DID (§5.9.3, the wallet checks that the ``kid``'s DID is the client id); claims
  ``response_type=vp_token``, ``response_mode=direct_post``, ``response_uri``, ``nonce``,
  ``state``, ``dcql_query``, ``client_metadata.vp_formats_supported`` (Appendix B), ``aud``
  ``https://self-issued.me/v2`` (§5.8, static discovery), ``iat``/``exp``.
- Request link (§5.7 ``request_uri``): ``openid4vp://?client_id=…&request_uri=…``; the
  wallet fetches the request object with GET (media type ``application/oauth-authz-req+jwt``).
- Response (§8.2 direct_post): form-encoded ``vp_token`` (a JSON object keyed by DCQL
  credential query id, each value a non-empty array of presentations: strings or JSON
  objects, §8.1) and ``state``; or a wallet error (``error``, ``error_description``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from vc.jose import sign_jws
from vc.signer import Signer
from wallet_bridge.errors import InvalidRequest

__all__ = [
    "CLIENT_ID_PREFIX",
    "LINK_SCHEMES",
    "REQUEST_OBJECT_MEDIA_TYPE",
    "REQUEST_OBJECT_TYP",
    "SELF_ISSUED_AUDIENCE",
    "VP_FORMATS_SUPPORTED",
    "AuthorizationResponse",
    "client_id_for",
    "new_nonce",
    "parse_authorization_response",
    "request_link",
    "request_object_claims",
    "sign_request_object",
]

REQUEST_OBJECT_TYP = "oauth-authz-req+jwt"
REQUEST_OBJECT_MEDIA_TYPE = "application/oauth-authz-req+jwt"
CLIENT_ID_PREFIX = "decentralized_identifier:"
SELF_ISSUED_AUDIENCE = "https://self-issued.me/v2"
LINK_SCHEMES = ("openid4vp", "haip-vp")

# Appendix B: the formats and algorithms this verifier checks.
VP_FORMATS_SUPPORTED: dict[str, Any] = {
    "jwt_vc_json": {"alg_values": ["ES256", "EdDSA"]},
    "ldp_vc": {
        "proof_type_values": ["DataIntegrityProof"],
        "cryptosuite_values": ["eddsa-rdfc-2022", "eddsa-jcs-2022"],
    },
    "dc+sd-jwt": {"sd-jwt_alg_values": ["ES256", "EdDSA"], "kb-jwt_alg_values": ["ES256", "EdDSA"]},
}


def client_id_for(did: str) -> str:
    """§5.9.3: the client identifier of a verifier known by its DID."""
    return CLIENT_ID_PREFIX + did


def new_nonce() -> str:
    """A fresh nonce with 256 bits of entropy (§14.1: unpredictable, single use)."""
    return secrets.token_urlsafe(32)


def request_object_claims(
    *,
    client_id: str,
    response_uri: str,
    nonce: str,
    state: str,
    dcql_query: Mapping[str, Any],
    issued_at: int,
    expires_at: int,
) -> dict[str, Any]:
    """The authorization request parameters carried in the request object (§5.1)."""
    return {
        "aud": SELF_ISSUED_AUDIENCE,
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dict(dcql_query),
        "client_metadata": {"vp_formats_supported": VP_FORMATS_SUPPORTED},
        "iat": issued_at,
        "exp": expires_at,
    }


def sign_request_object(claims: Mapping[str, Any], signer: Signer) -> str:
    """The compact JWS the wallet fetches; ``kid`` is the signer's DID URL."""
    return sign_jws({"typ": REQUEST_OBJECT_TYP}, claims, signer)


def request_link(client_id: str, request_uri: str, scheme: str = "openid4vp") -> str:
    """§5.7: what the relying party shows (as a link or QR code) to start the wallet."""
    if scheme not in LINK_SCHEMES:
        raise ValueError(f"unknown request link scheme {scheme!r}")
    query = urlencode({"client_id": client_id, "request_uri": request_uri})
    return f"{scheme}://?{query}"


@dataclass(frozen=True)
class AuthorizationResponse:
    """A parsed direct_post body: presentations per credential query id, or an error."""

    vp_token: dict[str, list[str | dict[str, Any]]]
    state: str | None
    error: str | None = None
    error_description: str | None = None


def _presentations(query_id: str, value: Any) -> list[str | dict[str, Any]]:
    items = value if isinstance(value, list) else None
    if not items:
        raise InvalidRequest(f"vp_token[{query_id!r}] must be a non-empty array of presentations")
    for item in items:
        if not (isinstance(item, str) and item) and not isinstance(item, dict):
            raise InvalidRequest(f"vp_token[{query_id!r}] holds something not a presentation")
    return list(items)


def parse_authorization_response(form: Mapping[str, str]) -> AuthorizationResponse:
    """Parse a direct_post body (§8.2); raise :class:`InvalidRequest` if it is malformed."""
    state = form.get("state")
    error = form.get("error")
    if error is not None:
        return AuthorizationResponse({}, state, error, form.get("error_description"))
    raw = form.get("vp_token")
    if not raw:
        raise InvalidRequest("the response has no vp_token")
    try:
        token = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested far too deeply
        raise InvalidRequest("vp_token is not JSON") from None
    if not isinstance(token, dict) or not token:
        raise InvalidRequest("vp_token must be a JSON object keyed by credential query id")
    return AuthorizationResponse({k: _presentations(k, v) for k, v in token.items()}, state)
