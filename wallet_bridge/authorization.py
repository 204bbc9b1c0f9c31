"""The authorization code flow with PKCE (OpenID4VCI 1.0 §5, RFC 6749 §4.1, RFC 7636 S256
only, RFC 9207 ``iss``): parsing and checking the authorization and token requests, the
redirect back to the wallet, and offers carrying the ``authorization_code`` grant.

No web framework, no database: the node stores the state (``node/wallet/authorization.py``).
Errors before ``client_id`` and ``redirect_uri`` are known good are :class:`OAuthError` and
are never redirected (RFC 6749 §4.1.2.1: show them to the user); later ones are
:class:`RedirectError` and go back to the wallet's ``redirect_uri``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from wallet_bridge.errors import InvalidGrant, InvalidRequest, OAuthError
from wallet_bridge.metadata import CredentialConfiguration
from wallet_bridge.offer import CredentialOffer

__all__ = [
    "AUTHORIZATION_CODE_GRANT",
    "CODE_CHALLENGE_METHODS",
    "OPENID_CREDENTIAL",
    "AccessDenied",
    "AuthorizationCodeOffer",
    "AuthorizationCodeTokenRequest",
    "AuthorizationRequest",
    "InvalidAuthorizationDetails",
    "InvalidClient",
    "InvalidScope",
    "RedirectError",
    "UnsupportedResponseType",
    "check_client_id",
    "check_redirect_uri",
    "code_challenge",
    "error_redirect",
    "parse_authorization_code_token_request",
    "parse_authorization_request",
    "redirect_uri_with",
    "success_redirect",
    "token_authorization_details",
    "verify_pkce",
]

AUTHORIZATION_CODE_GRANT = "authorization_code"
CODE_CHALLENGE_METHODS = ("S256",)
OPENID_CREDENTIAL = "openid_credential"

# RFC 7636 §4.1: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")  # base64url(SHA-256), no padding
_MAX_CLIENT_ID = 400
_MAX_REDIRECT = 2000
_MAX_STATE = 1000
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_FORBIDDEN_SCHEMES = ("javascript", "data", "file", "vbscript", "blob", "about")


class InvalidClient(OAuthError):
    """RFC 6749 §5.2: the client is not identified (public clients send ``client_id``)."""

    code = "invalid_client"


class UnsupportedResponseType(OAuthError):
    """RFC 6749 §4.1.2.1."""

    code = "unsupported_response_type"


class AccessDenied(OAuthError):
    """RFC 6749 §4.1.2.1: the learner said no."""

    code = "access_denied"


class InvalidScope(OAuthError):
    """RFC 6749 §4.1.2.1: the scope names no credential configuration."""

    code = "invalid_scope"


class InvalidAuthorizationDetails(OAuthError):
    """RFC 9396 §5: malformed or unknown ``authorization_details``."""

    code = "invalid_authorization_details"


class RedirectError(Exception):
    """An authorization error answered by redirecting to the (checked) ``redirect_uri``."""

    def __init__(self, error: OAuthError, redirect_uri: str, state: str | None) -> None:
        super().__init__(error.description)
        self.error = error
        self.redirect_uri = redirect_uri
        self.state = state


def code_challenge(verifier: str) -> str:
    """RFC 7636 §4.2 S256: ``BASE64URL(SHA256(ASCII(code_verifier)))``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_pkce(verifier: str, challenge: str) -> None:
    """RFC 7636 §4.6; a malformed or wrong verifier is ``invalid_grant`` (§4.6)."""
    if not _VERIFIER.match(verifier):
        raise InvalidGrant("code_verifier must be 43–128 unreserved characters (RFC 7636)")
    if not hmac.compare_digest(code_challenge(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge")


def check_redirect_uri(redirect_uri: str | None) -> str:
    """An absolute URI without fragment (RFC 6749 §3.1.2); ``http`` only to a loopback host
    (RFC 8252 §7.3); private-use schemes (``eu.wallet://cb``) are fine (§7.1)."""
    if not redirect_uri:
        raise InvalidRequest("redirect_uri is required")
    if len(redirect_uri) > _MAX_REDIRECT or any(ord(c) < 0x21 for c in redirect_uri):
        raise InvalidRequest("redirect_uri is not a valid URI")
    parts = urlsplit(redirect_uri)
    scheme = parts.scheme.lower()
    if not scheme or parts.fragment or "#" in redirect_uri:
        raise InvalidRequest("redirect_uri must be an absolute URI without a fragment")
    if scheme in _FORBIDDEN_SCHEMES:
        raise InvalidRequest(f"redirect_uri scheme {scheme!r} is not allowed")
    if scheme == "http" and (parts.hostname or "") not in _LOOPBACK:
        raise InvalidRequest("an http redirect_uri must point to a loopback address")
    if scheme in ("http", "https") and not parts.hostname:
        raise InvalidRequest("redirect_uri has no host")
    return redirect_uri


def check_client_id(client_id: str | None) -> str:
    if not client_id:
        raise InvalidClient("client_id is required")
    if len(client_id) > _MAX_CLIENT_ID or any(ord(c) < 0x20 for c in client_id):
        raise InvalidClient("client_id is not valid")
    return client_id


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    configuration_ids: tuple[str, ...]
    # Normalised authorization_details (None: the wallet asked by scope).
    authorization_details: tuple[dict[str, Any], ...] | None
    issuer_state: str | None


def _details(
    raw: str, configurations: Sequence[CredentialConfiguration]
) -> tuple[dict[str, Any], ...]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise InvalidAuthorizationDetails("authorization_details must be a JSON array") from None
    if not isinstance(parsed, list) or not parsed:
        raise InvalidAuthorizationDetails("authorization_details must be a non-empty array")
    known = {c.id for c in configurations}
    out: list[dict[str, Any]] = []
    for entry in parsed:
        if not isinstance(entry, Mapping) or entry.get("type") != OPENID_CREDENTIAL:
            raise InvalidAuthorizationDetails(f"only type {OPENID_CREDENTIAL!r} is supported")
        configuration_id = entry.get("credential_configuration_id")
        if not isinstance(configuration_id, str) or configuration_id not in known:
            raise InvalidAuthorizationDetails(
                f"unknown credential_configuration_id {configuration_id!r}"
            )
        out.append({"type": OPENID_CREDENTIAL, "credential_configuration_id": configuration_id})
    return tuple(out)


def _scope(raw: str, configurations: Sequence[CredentialConfiguration]) -> tuple[str, ...]:
    by_scope = {c.scope: c.id for c in configurations if c.scope}
    # Other scopes (e.g. "openid") are ignored (RFC 6749 §3.3 lets the server narrow them).
    ids = tuple(dict.fromkeys(by_scope[s] for s in raw.split() if s in by_scope))
    if not ids:
        raise InvalidScope(
            f"the scope names no credential configuration (known: {sorted(by_scope)})"
        )
    return ids


def parse_authorization_request(
    params: Mapping[str, str], configurations: Sequence[CredentialConfiguration]
) -> AuthorizationRequest:
    """RFC 6749 §4.1.1 + RFC 7636 §4.3 + OpenID4VCI 1.0 §5.1 (``authorization_details`` of
    type ``openid_credential`` and/or ``scope``; ``issuer_state`` from the offer)."""
    client_id = check_client_id(params.get("client_id"))
    redirect_uri = check_redirect_uri(params.get("redirect_uri"))
    state = params.get("state") or None

    def fail(error: OAuthError) -> RedirectError:
        return RedirectError(error, redirect_uri, state)

    if state is not None and len(state) > _MAX_STATE:
        raise fail(InvalidRequest("state is too long"))
    if params.get("request") or params.get("request_uri"):
        raise fail(InvalidRequest("request objects are not supported; send plain parameters"))
    if params.get("response_type") != "code":
        raise fail(UnsupportedResponseType("response_type must be 'code'"))
    challenge = params.get("code_challenge")
    if not challenge:
        raise fail(InvalidRequest("code_challenge is required (PKCE, RFC 7636)"))
    if params.get("code_challenge_method") not in CODE_CHALLENGE_METHODS:
        raise fail(InvalidRequest("code_challenge_method must be S256"))
    if not _CHALLENGE.match(challenge):
        raise fail(InvalidRequest("code_challenge must be a base64url SHA-256 (43 characters)"))
    details: tuple[dict[str, Any], ...] | None = None
    ids: tuple[str, ...] = ()
    try:
        if params.get("authorization_details"):
            details = _details(params["authorization_details"], configurations)
            ids = tuple(dict.fromkeys(d["credential_configuration_id"] for d in details))
        if params.get("scope") and details is None:
            ids = _scope(params["scope"], configurations)
    except OAuthError as error:
        raise fail(error) from None
    if not ids:
        raise fail(InvalidRequest("name the credential: authorization_details or scope"))
    return AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=challenge,
        configuration_ids=ids,
        authorization_details=details,
        issuer_state=params.get("issuer_state") or None,
    )


def redirect_uri_with(redirect_uri: str, params: Mapping[str, str | None]) -> str:
    """The redirect back to the wallet: ``params`` added to the URI's query (RFC 6749 §4.1.2;
    the URI's own query is kept, §3.1.2)."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def success_redirect(redirect_uri: str, code: str, state: str | None, issuer: str) -> str:
    """RFC 6749 §4.1.2 with the RFC 9207 ``iss``."""
    return redirect_uri_with(redirect_uri, {"code": code, "state": state, "iss": issuer})


def error_redirect(error: RedirectError, issuer: str) -> str:
    """RFC 6749 §4.1.2.1 with the RFC 9207 ``iss``."""
    return redirect_uri_with(
        error.redirect_uri,
        {
            "error": error.error.code,
            "error_description": error.error.description,
            "state": error.state,
            "iss": issuer,
        },
    )


@dataclass(frozen=True)
class AuthorizationCodeTokenRequest:
    code: str
    code_verifier: str
    redirect_uri: str
    client_id: str


def parse_authorization_code_token_request(
    form: Mapping[str, str],
) -> AuthorizationCodeTokenRequest:
    """RFC 6749 §4.1.3 + RFC 7636 §4.5: ``code``, ``code_verifier``, ``redirect_uri`` and,
    for a public client, ``client_id``."""
    if form.get("grant_type") != AUTHORIZATION_CODE_GRANT:
        raise InvalidRequest("grant_type must be authorization_code")
    code = form.get("code")
    if not code:
        raise InvalidRequest("code is required")
    verifier = form.get("code_verifier")
    if not verifier:
        raise InvalidRequest("code_verifier is required (PKCE)")
    redirect_uri = form.get("redirect_uri")
    if not redirect_uri:
        raise InvalidRequest("redirect_uri is required")
    client_id = check_client_id(form.get("client_id"))
    return AuthorizationCodeTokenRequest(code, verifier, redirect_uri, client_id)


def token_authorization_details(
    details: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """OpenID4VCI 1.0 §6.2: each requested entry with its ``credential_identifiers``. One
    dataset per configuration here, so the identifier is the configuration id."""
    return [
        {**entry, "credential_identifiers": [entry["credential_configuration_id"]]}
        for entry in details
    ]


@dataclass(frozen=True)
class AuthorizationCodeOffer(CredentialOffer):
    """An offer with the ``authorization_code`` grant too (§4.1.1): the learner signs in to
    the node and approves; ``issuer_state`` ties the wallet's request to this offer."""

    issuer_state: str | None = None

    def as_json(self) -> dict[str, Any]:
        body = super().as_json()
        if self.issuer_state is not None:
            body["grants"][AUTHORIZATION_CODE_GRANT] = {"issuer_state": self.issuer_state}
        return body
