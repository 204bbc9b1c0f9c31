"""The node's one settings class.

Values come, highest priority first, from constructor arguments, ``CREDREG_*`` environment
variables, and a TOML config file (``CREDREG_CONFIG`` or ``<data_dir>/config.toml``).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the config file named by ``CREDREG_CONFIG`` (or ``<data_dir>/config.toml``, the
    data directory given as an argument — ``--data-dir`` — else by ``CREDREG_DATA_DIR``)."""

    def __init__(self, settings_cls: type[BaseSettings], data_dir: object = None) -> None:
        super().__init__(settings_cls)
        self._data_dir = data_dir

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        explicit = os.environ.get("CREDREG_CONFIG")
        if explicit:
            path = Path(explicit)
        else:
            data_dir = self._data_dir or os.environ.get("CREDREG_DATA_DIR", "credreg-data")
            path = Path(str(data_dir)) / "config.toml"
        if not path.is_file():
            if explicit:
                raise FileNotFoundError(f"CREDREG_CONFIG names a missing file: {path}")
            return {}
        with path.open("rb") as handle:
            return tomllib.load(handle)


class Settings(BaseSettings):
    """Everything configurable about a node."""

    model_config = SettingsConfigDict(env_prefix="CREDREG_", extra="ignore")

    data_dir: Path = Field(
        default=Path("credreg-data"),
        description="Directory holding the SQLite database, the key store and the chain.",
    )
    min_free_disk_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="/readyz says not ready when the data folder's (or the SQLite "
        "database's) file system has less free space than this",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite (WAL) at <data_dir>/node.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    origin: str = Field(
        default="http://127.0.0.1:8000",
        description="Public web origin of the node; its did:web DID is derived from it.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    tls_cert_file: Path | None = Field(
        default=None,
        description="PEM certificate (chain) `credreg serve` answers HTTPS with; with "
        "tls_key_file. Unset: plain HTTP (behind a TLS-terminating proxy).",
    )
    tls_key_file: Path | None = Field(default=None, description="PEM private key of tls_cert_file.")
    key_passphrase: SecretStr | None = Field(
        default=None, description="Passphrase of the encrypted file key store."
    )
    vc_api_enabled: bool = Field(
        default=False,
        description="Serve the generic W3C VC API issuer (its own did:key) for interop suites.",
    )
    require_approval: bool = Field(
        default=False,
        description="Issuing needs an approved record (DP 4.2 approval chain) when true.",
    )
    approval_chain: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The stages a prepared record passes before it is signed (DP 4.2), in "
        "order: [[approval_chain]] tables with name, role, elements (the claims it signs "
        "off) and seals (the last stage signs); node.issuance.approvals checks it. Empty: "
        "require_approval decides",
    )
    staff_sign_formats: list[
        Literal["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"]
    ] = Field(
        default=["ldp_vc+eddsa-rdfc-2022"],
        min_length=1,
        description="The formats a record is signed in when staff sign it: the approval "
        "chain's sealing stage, a registrar's Sign in the console (one record or several). "
        "Wallets get their SD-JWT VC copies when they redeem an offer",
    )
    profile: dict[str, Any] = Field(
        default_factory=dict,
        description="The institution's requirement profile (extra required fields, ECTS range), "
        "as written (the [profile] table: requiredElements, ectsMin, ectsMax, allowedEqfLevels, "
        "primaryLanguage); node.credentials.profile.requirement_profile builds and checks it.",
    )
    chain: Literal["embedded", "rpc", "off"] = Field(
        default="embedded",
        description="embedded: py-evm in the data directory (one institution, demo-grade); "
        "rpc: the network's chain at chain_rpc_url; off: no anchoring",
    )
    chain_rpc_url: str | None = Field(default=None, description="JSON-RPC URL (chain=rpc)")
    chain_poa: bool = Field(
        default=False, description="Besu QBFT / Clique extraData (PoA middleware)"
    )
    network_name: str | None = Field(
        default=None,
        max_length=100,
        description="The network's name, shown with every verdict next to its chain id "
        "(e.g. 'MicroCredX network'); default: the chain id alone",
    )
    anchor_worker: bool = Field(
        default=True,
        description="Run the anchor worker inside `credreg serve` (always so on the embedded "
        "chain: one process owns it); false: run `credreg anchor-worker` separately",
    )
    anchor_window_seconds: float = Field(
        default=10.0, gt=0, description="A batch closes at the latest this long after a leaf"
    )
    anchor_max_batch: int = Field(default=100_000, gt=0, description="Leaves per batch at most")
    anchor_confirmations: int = Field(
        default=0, ge=0, description="Blocks on top before a batch counts (0 on QBFT)"
    )
    sign_workers: int = Field(
        default=0, description="Processes for bulk signing; 0 means one per CPU core."
    )
    public_rate_limit: int = Field(
        default=120,
        ge=0,
        description="Requests per client per window on the public verification endpoints "
        "(/api/verify, /api/lookup, /verify, /v/, print pages) and the catalogue's searches "
        "(/catalogue, /api/catalogue with a search parameter); 0: no limit (benchmarks)",
    )
    public_rate_window_seconds: float = Field(
        default=60.0, gt=0, description="The rate limit's window"
    )
    public_max_body_bytes: int = Field(
        default=1_000_000, gt=0, description="Largest request body the public endpoints take (413)"
    )
    learner_sign_in_window_seconds: float = Field(
        default=300.0, gt=0, description="The window of the learner sign-in limits below"
    )
    learner_sign_in_per_client: int = Field(
        default=100,
        ge=0,
        description="Learner sign-in attempts (passwords and link requests) per client address "
        "per window; 0: no limit",
    )
    learner_sign_in_per_account_client: int = Field(
        default=10,
        ge=0,
        description="Password attempts (and, apart, link requests) per client address and "
        "account per window: wrong passwords stop that address only",
    )
    learner_sign_in_per_account: int = Field(
        default=50,
        ge=0,
        description="Password attempts per account from all addresses per window; beyond, "
        "password sign-in pauses for that account (the mailed link keeps working)",
    )
    learner_sign_in_mails_per_account: int = Field(
        default=5,
        ge=0,
        description="Sign-in link mails per account per link lifetime (15 min); more requests "
        "get the same answer and no mail (the links sent still work)",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="The institution's OpenID Provider for staff single sign-on (its issuer "
        "URL; discovery at /.well-known/openid-configuration); unset: local accounts only",
    )
    oidc_client_id: str | None = Field(default=None, description="The node's client id there")
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="The node's client secret (client_secret_basic; from the environment)",
    )
    oidc_display_name: str = Field(
        default="the institution's sign-in",
        max_length=100,
        description='The provider on the sign-in button: "Sign in with …"',
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="Scopes asked for (space separated)"
    )
    oidc_roles_claim: str = Field(
        default="groups", description="The ID token claim with the user's groups"
    )
    oidc_role_map: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Group → console roles, e.g. {"staff-registry": ["registrar"]} (env: '
        "JSON); a user none of whose groups maps to a role is refused",
    )
    oidc_ca_file: Path | None = Field(
        default=None, description="PEM CA certificates to trust for the provider's TLS"
    )
    staff_session_hours: float = Field(
        default=8.0, gt=0, le=24 * 7, description="How long a console sign-in lasts"
    )
    admin_max_body_bytes: int = Field(
        default=10_000_000,
        gt=0,
        description="Largest request body the admin API and the console take (413, refused "
        "before it is "
        "read); larger CSV files: `credreg issue --csv` (streams) or several requests",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis holding the rate limit counters, shared by every worker process "
        "(`credreg serve --workers N`), e.g. redis://127.0.0.1:6379/0; unset: each process "
        "counts on its own. While Redis cannot be reached each process counts on its own "
        "(logged)",
    )
    redis_key_prefix: str | None = Field(
        default=None,
        description="Prefix of the node's keys in Redis (default credreg:<origin>:, so nodes "
        "can share one Redis)",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server the node sends its mail through (offers, sign-in links); "
        "unset: mail waits in the outbox (`credreg mail status`) until one is set",
    )
    smtp_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="SMTP port; default 25 (none), 587 (starttls), 465 (tls)",
    )
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="starttls",
        description="starttls: upgrade with STARTTLS (refused if the server does not offer "
        "it); tls: TLS from the first byte (SMTPS); none: plain text (a local relay only)",
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM certificates of the CA(s) to trust for the SMTP server's TLS (an "
        "internal CA); default: the system's. The server's name is always checked",
    )
    smtp_user: str | None = Field(default=None, description="SMTP AUTH user (with a password)")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP AUTH password (from the environment; never logged)"
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Time for one SMTP conversation"
    )
    mail_from: str | None = Field(
        default=None,
        description="From address of the node's mail (default: no-reply@ the origin's host)",
    )
    mail_max_attempts: int = Field(
        default=8,
        ge=1,
        description="Deliveries tried per mail (back-off doubling from 30 s up to 1 h); then "
        "it is marked failed, with the server's last answer",
    )
    verify_max_proofs: int = Field(
        default=4,
        ge=1,
        description="Data Integrity proofs per credential or presentation at most (the node "
        "issues one; proof sets and chains of a few are verified); more: 422",
    )
    verify_max_credentials: int = Field(
        default=10, ge=1, description="Credentials per presentation at most; more: 422"
    )
    verify_max_disclosures: int = Field(
        default=64, ge=1, description="Disclosures per SD-JWT at most; more: 422"
    )
    verify_max_depth: int = Field(
        default=24,
        ge=4,
        le=200,
        description="Nesting of JSON objects and arrays per document at most; deeper: 422",
    )
    verify_max_values: int = Field(
        default=2000,
        ge=100,
        description="JSON values (objects, arrays, strings, numbers) per verified input at "
        "most, presentations included; more: 422",
    )
    verify_deadline_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Time one verification may take, waiting included; later: 503",
    )
    presentation_request_seconds: int = Field(
        default=600, gt=0, description="Lifetime of an OpenID4VP presentation request"
    )
    peer_connect_timeout_seconds: float = Field(
        default=3.0,
        gt=0,
        description="Time to connect to another member's node (status list mirroring); only "
        "URLs under a member's endpoint registered on chain are ever fetched",
    )
    peer_read_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Time for a peer's whole answer once connected"
    )
    peer_max_response_bytes: int = Field(
        default=2_000_000, gt=0, description="Largest answer taken from a peer (decoded bytes)"
    )

    @field_validator("origin")
    @classmethod
    def _origin_has_no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("a Redis URL starts with redis://, rediss:// or unix://")
        return value or None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        data_dir = getattr(init_settings, "init_kwargs", {}).get("data_dir")
        return (init_settings, env_settings, _TomlFileSource(settings_cls, data_dir))

    @property
    def approval_required(self) -> bool:
        """Whether a record must be approved before it is signed."""
        return self.require_approval or bool(self.approval_chain)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'node.db').resolve()}"

    @property
    def rate_limit_prefix(self) -> str:
        return self.redis_key_prefix or f"credreg:{self.origin}:"

    @property
    def key_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def chain_dir(self) -> Path:
        return self.data_dir / "chain"
