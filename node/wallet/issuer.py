"""What the node's OpenID4VCI services share: the issuer's endpoints, its credential
configurations and settings (:class:`WalletIssuer`), and the metadata documents every wallet
fetches first (:class:`IssuerMetadata`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from node.credentials.render import (
    CREDENTIAL_TYPES,
    MICROCREDENTIAL_CONTEXT,
    OB3_CONTEXT,
    SD_JWT_VCT_PATH,
    VCDM2_CONTEXT,
)
from node.db.models import CredentialFormat, CredentialRecord, RecordState
from wallet_bridge import catalogue
from wallet_bridge.metadata import (
    CredentialConfiguration,
    IssuerEndpoints,
    authorization_server_metadata,
    issuer_metadata,
)

FORMATS: dict[str, CredentialFormat] = {
    catalogue.LDP_RDFC_ID: CredentialFormat.LDP_RDFC,
    catalogue.LDP_JCS_ID: CredentialFormat.LDP_JCS,
    catalogue.JWT_VC_JSON_ID: CredentialFormat.JWT_VC_JSON,
    catalogue.SD_JWT_ID: CredentialFormat.SD_JWT_VC,
}
LOGO_PATH = "/oid4vci/logo.svg"


@dataclass(frozen=True)
class WalletSettings:
    offer_ttl: timedelta = timedelta(minutes=30)
    max_offer_ttl: timedelta = timedelta(days=7)
    access_token_ttl: timedelta = timedelta(minutes=10)
    nonce_ttl: timedelta = timedelta(minutes=5)
    proof_max_age: timedelta = timedelta(minutes=5)
    deferred_ttl: timedelta = timedelta(days=30)
    deferred_interval_seconds: int = 5
    tx_code_length: int = 6
    tx_code_attempts: int = 5
    batch_size: int = 10


@dataclass(frozen=True)
class Answer:
    """A protocol response: HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class WalletIssuer:
    """The credential issuer at ``origin``: endpoints, configurations, settings."""

    endpoints: IssuerEndpoints
    logo_uri: str
    vct: str
    configurations: tuple[CredentialConfiguration, ...]
    settings: WalletSettings
    require_approval: bool

    @classmethod
    def at(
        cls, origin: str, *, require_approval: bool, settings: WalletSettings | None = None
    ) -> WalletIssuer:
        logo_uri = origin + LOGO_PATH
        vct = origin + SD_JWT_VCT_PATH
        configurations = catalogue.micro_credential_configurations(
            ldp_contexts=[VCDM2_CONTEXT, OB3_CONTEXT, MICROCREDENTIAL_CONTEXT],
            ldp_types=CREDENTIAL_TYPES,
            jwt_types=CREDENTIAL_TYPES,
            logo_uri=logo_uri,
            vct=vct,
        )
        return cls(
            IssuerEndpoints(origin),
            logo_uri,
            vct,
            # Each configuration can be asked for by scope (authorization code flow): its id.
            tuple(replace(c, scope=c.scope or c.id) for c in configurations),
            settings or WalletSettings(),
            require_approval,
        )

    def deliverable(self, record: CredentialRecord) -> bool:
        """Issued or approved records are signed at once; a record still waiting for
        approval is deferred (docs/architecture.md, "Wallet bridge")."""
        if record.state in (RecordState.ISSUED, RecordState.APPROVED):
            return True
        return record.state == RecordState.PREPARED and not self.require_approval


class IssuerMetadata:
    """Credential issuer, authorization server and SD-JWT VC type metadata, as served."""

    def __init__(self, issuer: WalletIssuer, institution_name: str) -> None:
        self._issuer = issuer
        self._institution_name = institution_name
        self._published: dict[str, bytes] = {}

    def issuer_metadata(self) -> dict[str, Any]:
        issuer = self._issuer
        display = catalogue.issuer_display(self._institution_name, issuer.logo_uri)
        return issuer_metadata(
            issuer.endpoints,
            display,
            issuer.configurations,
            batch_size=issuer.settings.batch_size,
        )

    def vct_metadata(self) -> dict[str, Any]:
        """SD-JWT VC Type Metadata of the micro-credential, served at its ``vct`` URL."""
        return catalogue.sd_jwt_type_metadata(self._issuer.vct, self._issuer.logo_uri)

    def authorization_server_metadata(self) -> dict[str, Any]:
        return authorization_server_metadata(self._issuer.endpoints)

    def published(self, document: str) -> bytes:
        """A metadata document (``issuer``, ``authorization_server``, ``vct``) as served:
        they do not change while the process runs, so each is encoded once (every wallet
        fetches them at the start of every flow)."""
        encoded = self._published.get(document)
        if encoded is None:
            build = {
                "issuer": self.issuer_metadata,
                "authorization_server": self.authorization_server_metadata,
                "vct": self.vct_metadata,
            }[document]
            encoded = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
            self._published[document] = encoded
        return encoded
