"""Token and credential requests and responses (OpenID4VCI 1.0 §6, §8, §9; draft 15 compatible).

Parsing is strict about what the spec requires and tolerant of what it does not use, and
raises the spec's error codes (:mod:`wallet_bridge.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wallet_bridge.errors import (
    InvalidCredentialRequest,
    InvalidProof,
    InvalidRequest,
    UnknownCredentialConfiguration,
    UnsupportedCredentialFormat,
    UnsupportedGrantType,
)
from wallet_bridge.metadata import (
    DC_SD_JWT,
    LEGACY_SD_JWT_FORMATS,
    PRE_AUTHORIZED_GRANT,
    CredentialConfiguration,
)

__all__ = [
    "CredentialRequest",
    "PreAuthorizedTokenRequest",
    "credential_response",
    "deferred_response",
    "nonce_response",
    "parse_credential_request",
    "parse_deferred_request",
    "parse_token_request",
    "token_response",
]


@dataclass(frozen=True)
class PreAuthorizedTokenRequest:
    code: str
    tx_code: str | None


def parse_token_request(form: Mapping[str, str]) -> PreAuthorizedTokenRequest:
    """§6.1: ``grant_type`` = pre-authorized code, ``pre-authorized_code``, ``tx_code``."""
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported")
    code = form.get("pre-authorized_code")
    if not code:
        raise InvalidRequest("pre-authorized_code is required")
    tx_code = form.get("tx_code") or None
    return PreAuthorizedTokenRequest(code=code, tx_code=tx_code)


def token_response(
    access_token: str, expires_in: int, c_nonce: str | None, c_nonce_expires_in: int
) -> dict[str, Any]:
    """§6.2; ``c_nonce`` too, for draft-15 wallets that do not call the nonce endpoint."""
    body: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
    }
    if c_nonce is not None:
        body["c_nonce"] = c_nonce
        body["c_nonce_expires_in"] = c_nonce_expires_in
    return body


def nonce_response(c_nonce: str) -> dict[str, Any]:
    """§7.2."""
    return {"c_nonce": c_nonce}


@dataclass(frozen=True)
class CredentialRequest:
    configuration: CredentialConfiguration
    proof_jwts: tuple[str, ...]
    legacy_proof: bool  # the single draft-15 ``proof``


def _configuration_for_format(
    body: Mapping[str, Any], configurations: Sequence[CredentialConfiguration]
) -> CredentialConfiguration:
    # Draft 15 §8.2 (and older) name the credential by format + credential_definition.type.
    fmt = body.get("format")
    if fmt in LEGACY_SD_JWT_FORMATS:
        fmt = DC_SD_JWT  # older wallets' name of the same format
    matching = [c for c in configurations if c.format == fmt]
    if not matching:
        raise UnsupportedCredentialFormat(f"format {fmt!r} is not offered")
    if fmt == DC_SD_JWT:  # SD-JWT VC requests name the type by vct
        vct = body.get("vct")
        matching = [c for c in matching if vct is None or c.vct == vct]
        if not matching:
            raise UnknownCredentialConfiguration(f"no {fmt} credential of vct {vct!r}")
        return matching[0]
    definition = body.get("credential_definition")
    wanted = definition.get("type") if isinstance(definition, Mapping) else None
    if isinstance(wanted, list):
        matching = [c for c in matching if set(wanted) <= set(c.types)] or []
        if not matching:
            raise UnknownCredentialConfiguration(f"no {fmt} credential of type {wanted}")
    return matching[0]


def _proof_jwts(body: Mapping[str, Any], batch_size: int) -> tuple[tuple[str, ...], bool]:
    proofs, proof = body.get("proofs"), body.get("proof")
    if proofs is not None and proof is not None:
        raise InvalidCredentialRequest("give either 'proofs' or 'proof', not both")
    if proofs is not None:
        # 1.0 §8.2: "proofs" has exactly one member, the proof type, with an array.
        if not isinstance(proofs, Mapping) or len(proofs) != 1:
            raise InvalidCredentialRequest("'proofs' must be an object with one proof type")
        jwts = proofs.get("jwt")
        if jwts is None:
            raise InvalidProof(f"proof type {next(iter(proofs))!r} is not supported; use 'jwt'")
        if not isinstance(jwts, list) or not jwts or not all(isinstance(j, str) for j in jwts):
            raise InvalidCredentialRequest("'proofs.jwt' must be a non-empty array of strings")
        if len(jwts) > batch_size:
            raise InvalidCredentialRequest(f"at most {batch_size} proofs per request")
        return tuple(jwts), False
    if proof is not None:
        if not isinstance(proof, Mapping) or proof.get("proof_type") != "jwt":
            raise InvalidProof("'proof' must be {'proof_type': 'jwt', 'jwt': …}")
        jwt = proof.get("jwt")
        if not isinstance(jwt, str):
            raise InvalidProof("'proof.jwt' must be a string")
        return (jwt,), True
    raise InvalidProof("a key proof ('proofs' or 'proof') is required for holder binding")


def parse_credential_request(
    body: Any, configurations: Sequence[CredentialConfiguration], *, batch_size: int
) -> CredentialRequest:
    """§8.2 (1.0) or draft 15: which configuration, and the key proofs."""
    if not isinstance(body, Mapping):
        raise InvalidCredentialRequest("the credential request must be a JSON object")
    if body.get("credential_response_encryption") is not None:
        raise InvalidCredentialRequest("credential response encryption is not supported")
    identifier = body.get("credential_identifier")
    if identifier is not None and body.get("credential_configuration_id") is not None:
        raise InvalidCredentialRequest(
            "give credential_identifier or credential_configuration_id, not both"
        )
    # The token response's credential_identifiers (authorization code flow with
    # authorization_details) are the configuration ids: one dataset per configuration.
    configuration_id = body.get("credential_configuration_id", identifier)
    if configuration_id is not None:
        found = next((c for c in configurations if c.id == configuration_id), None)
        if found is None:
            raise UnknownCredentialConfiguration(f"unknown configuration {configuration_id!r}")
        configuration = found
    elif body.get("format") is not None:
        configuration = _configuration_for_format(body, configurations)
    else:
        raise InvalidCredentialRequest("credential_configuration_id is required")
    jwts, legacy = _proof_jwts(body, batch_size)
    return CredentialRequest(configuration=configuration, proof_jwts=jwts, legacy_proof=legacy)


def credential_response(credentials: Sequence[str | Mapping[str, Any]]) -> dict[str, Any]:
    """§8.3: ``{"credentials": [{"credential": …}, …]}``."""
    return {"credentials": [{"credential": c} for c in credentials]}


def deferred_response(transaction_id: str, interval: int) -> dict[str, Any]:
    """§8.3 / §9.2: HTTP 202 with ``transaction_id`` and ``interval`` (seconds)."""
    return {"transaction_id": transaction_id, "interval": interval}


def parse_deferred_request(body: Any) -> str:
    """§9.1: ``{"transaction_id": …}``."""
    if not isinstance(body, Mapping) or not isinstance(body.get("transaction_id"), str):
        raise InvalidCredentialRequest("transaction_id is required")
    return str(body["transaction_id"])
