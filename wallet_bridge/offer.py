"""Credential offers (OpenID4VCI 1.0 §4.1) with the pre-authorized code grant and ``tx_code``.

Secrets are random (``secrets``) and stored by the caller only as :func:`secret_hash`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from wallet_bridge.metadata import PRE_AUTHORIZED_GRANT

__all__ = [
    "OFFER_SCHEME",
    "CredentialOffer",
    "TxCode",
    "new_secret",
    "new_tx_code",
    "offer_uri_by_reference",
    "same_secret",
    "secret_hash",
    "tx_code_hash",
]

OFFER_SCHEME = "openid-credential-offer://"


def secret_hash(secret: str) -> str:
    """The stored form of a code, token or nonce: hex SHA-256 (they are high-entropy)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def tx_code_hash(offer_id: str, tx_code: str) -> str:
    """A PIN is low-entropy: keyed by the offer so equal PINs of two offers differ.

    The attempts counter (not this hash) is what protects a PIN against guessing.
    """
    return hmac.new(offer_id.encode(), tx_code.encode(), hashlib.sha256).hexdigest()


def new_secret() -> str:
    """A 256-bit URL-safe random string (codes, tokens, nonces, transaction ids)."""
    return secrets.token_urlsafe(32)


def new_tx_code(length: int) -> str:
    """A numeric PIN of ``length`` digits (``input_mode`` ``numeric``, §4.1.1)."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def same_secret(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class TxCode:
    """§4.1.1 ``tx_code``: tells the wallet a PIN is needed and what it looks like."""

    length: int
    description: str
    input_mode: str = "numeric"

    def as_json(self) -> dict[str, Any]:
        return {
            "input_mode": self.input_mode,
            "length": self.length,
            "description": self.description,
        }


@dataclass(frozen=True)
class CredentialOffer:
    credential_issuer: str
    configuration_ids: Sequence[str]
    pre_authorized_code: str
    tx_code: TxCode | None = None

    def as_json(self) -> dict[str, Any]:
        grant: dict[str, Any] = {"pre-authorized_code": self.pre_authorized_code}
        if self.tx_code is not None:
            grant["tx_code"] = self.tx_code.as_json()
        return {
            "credential_issuer": self.credential_issuer,
            "credential_configuration_ids": list(self.configuration_ids),
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    def uri(self) -> str:
        """``openid-credential-offer://?credential_offer=<urlencoded JSON>`` (§4.1)."""
        text = json.dumps(self.as_json(), separators=(",", ":"))
        return OFFER_SCHEME + "?" + urlencode({"credential_offer": text}, quote_via=quote)


def offer_uri_by_reference(offer_url: str) -> str:
    """``openid-credential-offer://?credential_offer_uri=<url>`` (§4.1.3)."""
    return OFFER_SCHEME + "?" + urlencode({"credential_offer_uri": offer_url}, quote_via=quote)
