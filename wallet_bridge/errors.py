"""Protocol errors in the OAuth 2.0 error format (RFC 6749 §5.2; OpenID4VCI 1.0 §6.3, §8.3.1).

The body is ``{"error": code, "error_description": text}``; the codes are the specs' own.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "CredentialRequestDenied",
    "InvalidCredentialRequest",
    "InvalidGrant",
    "InvalidNonce",
    "InvalidProof",
    "InvalidRequest",
    "InvalidToken",
    "InvalidTransactionId",
    "OAuthError",
    "UnknownCredentialConfiguration",
    "UnknownPresentationRequest",
    "UnsupportedCredentialFormat",
    "UnsupportedGrantType",
]


class OAuthError(Exception):
    """A protocol error answered to a wallet; ``code`` is the spec's error code."""

    code: ClassVar[str] = "invalid_request"
    status_code: ClassVar[int] = 400

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "error_description": self.description}

    def headers(self) -> dict[str, str]:
        return {"Cache-Control": "no-store"}


class InvalidRequest(OAuthError):
    """RFC 6749 §5.2: missing or malformed parameter."""

    code = "invalid_request"


class InvalidGrant(OAuthError):
    """RFC 6749 §5.2 / OpenID4VCI 1.0 §6.3: unknown, expired or used code, wrong tx_code."""

    code = "invalid_grant"


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: the access token is missing, unknown or expired."""

    code = "invalid_token"
    status_code = 401

    def headers(self) -> dict[str, str]:
        return {
            **super().headers(),
            "WWW-Authenticate": f'Bearer error="{self.code}"',
        }


class InvalidCredentialRequest(OAuthError):
    """OpenID4VCI 1.0 §8.3.1.2: the credential request is malformed."""

    code = "invalid_credential_request"


class UnknownCredentialConfiguration(OAuthError):
    """OpenID4VCI 1.0 §8.3.1.2 (draft 15: ``unsupported_credential_type``)."""

    code = "unknown_credential_configuration"


class UnsupportedCredentialFormat(OAuthError):
    """Draft 15 §8.3.1.2: a ``format`` the issuer does not offer (legacy requests only)."""

    code = "unsupported_credential_format"


class InvalidProof(OAuthError):
    """OpenID4VCI 1.0 §8.3.1.2: a key proof is missing or invalid."""

    code = "invalid_proof"


class InvalidNonce(OAuthError):
    """OpenID4VCI 1.0 §8.3.1.2: the proof's nonce is unknown, expired or used."""

    code = "invalid_nonce"


class CredentialRequestDenied(OAuthError):
    """OpenID4VCI 1.0 §8.3.1.2: the credential will not be issued (e.g. not offered)."""

    code = "credential_request_denied"


class InvalidTransactionId(OAuthError):
    """OpenID4VCI 1.0 §9.3: unknown or already answered ``transaction_id``."""

    code = "invalid_transaction_id"


class UnknownPresentationRequest(OAuthError):
    """OpenID4VP: the request_uri / response_uri names no presentation request."""

    code = "invalid_request"
    status_code = 404
