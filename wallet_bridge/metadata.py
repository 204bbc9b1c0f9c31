"""Credential issuer metadata (OpenID4VCI 1.0 §12.2) and authorization server metadata
(RFC 8414, with OpenID4VCI 1.0 §12.3 additions).

Per configuration, 1.0 puts ``display`` and ``claims`` under ``credential_metadata``
(§12.2.4); wallets detect 1.0 from that member, so it is always present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "BINDING_METHODS",
    "DC_SD_JWT",
    "JWT_VC_JSON",
    "LDP_VC",
    "LEGACY_SD_JWT_FORMATS",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_ALGS",
    "Claim",
    "CredentialConfiguration",
    "Display",
    "IssuerEndpoints",
    "Localized",
    "authorization_server_metadata",
    "find_configuration",
    "issuer_metadata",
]

LDP_VC: Literal["ldp_vc"] = "ldp_vc"
JWT_VC_JSON: Literal["jwt_vc_json"] = "jwt_vc_json"
DC_SD_JWT: Literal["dc+sd-jwt"] = "dc+sd-jwt"  # SD-JWT VC (Appendix A.3)
LEGACY_SD_JWT_FORMATS = ("vc+sd-jwt",)  # what draft wallets call dc+sd-jwt

# OpenID4VCI 1.0 Appendix F.1: the binding methods a wallet key may use.
BINDING_METHODS = ("did:key", "did:jwk", "jwk")
PROOF_ALGS = ("ES256", "EdDSA")

Localized = Mapping[str, str]  # BCP 47 locale → text


@dataclass(frozen=True)
class Display:
    """One display entry per locale: name, optional description, logo and colours."""

    name: Localized
    description: Localized = field(default_factory=dict)
    logo_uri: str | None = None
    logo_alt: Localized = field(default_factory=dict)
    background_color: str | None = None
    text_color: str | None = None

    def entries(self, *, with_colours: bool) -> list[dict[str, Any]]:
        out = []
        for locale, name in self.name.items():
            entry: dict[str, Any] = {"name": name, "locale": locale}
            if locale in self.description:
                entry["description"] = self.description[locale]
            if self.logo_uri is not None:
                entry["logo"] = {"uri": self.logo_uri}
                if locale in self.logo_alt:
                    entry["logo"]["alt_text"] = self.logo_alt[locale]
            if with_colours and self.background_color:
                entry["background_color"] = self.background_color
            if with_colours and self.text_color:
                entry["text_color"] = self.text_color
            out.append(entry)
        return out


@dataclass(frozen=True)
class Claim:
    """A claim description (OpenID4VCI 1.0 Appendix B.2): a path and labels per locale."""

    path: tuple[str | int | None, ...]
    labels: Localized
    mandatory: bool = False

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": list(self.path),
            "display": [{"name": name, "locale": locale} for locale, name in self.labels.items()],
        }
        if self.mandatory:
            out["mandatory"] = True
        return out


@dataclass(frozen=True)
class CredentialConfiguration:
    """One entry of ``credential_configurations_supported`` (Appendix A.1.1 / A.1.2)."""

    id: str
    format: Literal["ldp_vc", "jwt_vc_json", "dc+sd-jwt"]
    types: tuple[str, ...]  # dc+sd-jwt: empty (the type is ``vct``)
    signing_algs: tuple[str, ...]  # JOSE algs (jwt_vc_json) or cryptosuites (ldp_vc)
    display: Display
    claims: tuple[Claim, ...] = ()
    contexts: tuple[str, ...] = ()  # ldp_vc only
    scope: str | None = None
    vct: str | None = None  # dc+sd-jwt only (Appendix A.3.1)

    def as_json(self) -> dict[str, Any]:
        definition: dict[str, Any] = {"type": list(self.types)}
        if self.format == LDP_VC:
            definition = {"@context": list(self.contexts), **definition}
        kind: dict[str, Any] = (
            {"vct": self.vct} if self.format == DC_SD_JWT else {"credential_definition": definition}
        )
        out: dict[str, Any] = {
            "format": self.format,
            **kind,
            "cryptographic_binding_methods_supported": list(BINDING_METHODS),
            "credential_signing_alg_values_supported": list(self.signing_algs),
            "proof_types_supported": {
                "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
            },
            "credential_metadata": {
                "display": self.display.entries(with_colours=True),
                "claims": [claim.as_json() for claim in self.claims],
            },
        }
        if self.scope is not None:
            out["scope"] = self.scope
        return out


@dataclass(frozen=True)
class IssuerEndpoints:
    """The issuer's URLs, all under ``credential_issuer`` (§12.2.4)."""

    credential_issuer: str

    def _url(self, path: str) -> str:
        return self.credential_issuer + path

    @property
    def token(self) -> str:
        return self._url("/token")

    @property
    def credential(self) -> str:
        return self._url("/credential")

    @property
    def nonce(self) -> str:
        return self._url("/nonce")

    @property
    def deferred_credential(self) -> str:
        return self._url("/deferred_credential")

    @property
    def authorization(self) -> str:
        return self._url("/authorize")


def issuer_metadata(
    endpoints: IssuerEndpoints,
    display: Display,
    configurations: Sequence[CredentialConfiguration],
    *,
    batch_size: int,
) -> dict[str, Any]:
    """The document served at ``/.well-known/openid-credential-issuer`` (§12.2.4)."""
    return {
        "credential_issuer": endpoints.credential_issuer,
        "authorization_servers": [endpoints.credential_issuer],
        "credential_endpoint": endpoints.credential,
        "nonce_endpoint": endpoints.nonce,
        "deferred_credential_endpoint": endpoints.deferred_credential,
        "batch_credential_issuance": {"batch_size": batch_size},
        "display": display.entries(with_colours=False),
        "credential_configurations_supported": {c.id: c.as_json() for c in configurations},
    }


def authorization_server_metadata(endpoints: IssuerEndpoints) -> dict[str, Any]:
    """RFC 8414 §2 metadata; the pre-authorized grant needs no client authentication
    (OpenID4VCI 1.0 §12.3: ``pre-authorized_grant_anonymous_access_supported``); the
    authorization code grant is for public clients with PKCE S256 (RFC 7636) and answers
    with ``iss`` (RFC 9207)."""
    return {
        "issuer": endpoints.credential_issuer,
        "authorization_endpoint": endpoints.authorization,
        "token_endpoint": endpoints.token,
        "grant_types_supported": ["authorization_code", PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "authorization_details_types_supported": ["openid_credential"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def find_configuration(
    configurations: Sequence[CredentialConfiguration], configuration_id: str
) -> CredentialConfiguration | None:
    return next((c for c in configurations if c.id == configuration_id), None)
