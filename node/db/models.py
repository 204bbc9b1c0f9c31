"""The node's tables (SQLAlchemy 2, typed). Every change ships an Alembic migration."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The domain's enums live in node.domain (no ORM there); named here too, beside their columns.
from node.domain import BatchState as BatchState
from node.domain import CredentialFormat as CredentialFormat
from node.domain import RecordState as RecordState
from node.domain import Role as Role
from node.domain import StaffRole as StaffRole

INSTITUTION_OWNER = "institution"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        # in UTC: SQLite keeps the wall-clock text and would drop any other offset
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: UTCDateTime(),
    }


class Institution(Base):
    """The one institution this node speaks for (created by ``credreg init``)."""

    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    legal_status: Mapped[str] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(String(300))
    did: Mapped[str] = mapped_column(String(400))
    qa_type: Mapped[str] = mapped_column(String(60), default="institutional")
    deqar_id: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChainDeployment(Base):
    """The network contracts this node anchors to (one row: the network it belongs to)."""

    __tablename__ = "chain_deployment"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    network_registry: Mapped[str] = mapped_column(String(42))
    anchor_registry: Mapped[str] = mapped_column(String(42))
    status_registry: Mapped[str] = mapped_column(String(42))
    block_number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)  # None: never
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)  # to the minute
    # The member of staff the token acts for (approvals, audit); None: a named service.
    staff_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_account.id", name="fk_token_staff_account"), default=None
    )


class CredentialRecord(Base):
    """One micro-credential awarded to one learner; may yield several signed copies."""

    __tablename__ = "credential_record"
    __table_args__ = (
        UniqueConstraint("revocation_list_id", "revocation_index", name="uq_record_revocation"),
        UniqueConstraint("suspension_list_id", "suspension_index", name="uq_record_suspension"),
        Index("uq_record_message", "message_list_id", "message_index", unique=True),
        # The registry's pages (node/issuance/registry.py): newest first, per state.
        Index("ix_record_owner_created", "owner", "created_at", "id"),
        Index("ix_record_owner_state_created", "owner", "state", "created_at", "id"),
        # PostgreSQL only (migration 0021; created on no other database): the search words
        Index(
            "ix_record_search_words",
            text("array_to_tsvector(string_to_array(ltrim(search_text), ' '::text))"),
            postgresql_using="gin",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    claims: Mapped[dict[str, Any]]
    subject_id: Mapped[str | None] = mapped_column(String(500))
    # The registry's search words, each after a space (node/credentials/search.py); None for
    # records the registry does not list. PostgreSQL indexes them with GIN (migration 0021).
    search_text: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"))
    # The approval chain (node/issuance/approvals.py): who prepared it, which round (a
    # returned record starts a new one) and the index of the stage it waits for.
    prepared_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_account.id", name="fk_record_prepared_by"), default=None
    )
    approval_round: Mapped[int] = mapped_column(default=0, server_default="0")
    approval_stage: Mapped[int] = mapped_column(default=0, server_default="0")
    # The institution's micro-credentials, or the VC API issuer's status records ("vcapi").
    owner: Mapped[str] = mapped_column(
        String(20), default=INSTITUTION_OWNER, server_default=INSTITUTION_OWNER
    )
    # One revocation and one suspension bit, shared by every signed copy
    # (docs/architecture.md, "Status").
    revocation_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_list.id", name="fk_record_revocation_list"), default=None
    )
    revocation_index: Mapped[int | None] = mapped_column(default=None)
    suspension_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_list.id", name="fk_record_suspension_list"), default=None
    )
    suspension_index: Mapped[int | None] = mapped_column(default=None)
    # Both states again as one 2-bit value (0 valid, 1 revoked, 2 suspended): the single
    # status entry of VCDM 1.1 and the IETF Token Status List of SD-JWT VCs (node/status).
    message_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_list.id", name="fk_record_message_list"), default=None
    )
    message_index: Mapped[int | None] = mapped_column(default=None)

    copies: Mapped[list[SignedCopy]] = relationship(back_populates="record")


# Code points order the search terms on every database (SQLite BINARY, PostgreSQL "C"), so
# a prefix is one index range (node/issuance/registry.py).
_TERM = String(100).with_variant(String(100, collation="C"), "postgresql")


class RecordSearchTerm(Base):
    """A word a record is found by in the registry search (registry.record_terms)."""

    __tablename__ = "record_search_term"
    # A record's words by record: the registry checks "does this record have a word that
    # begins with w" with one seek (node/issuance/registry.py).
    __table_args__ = (Index("ix_record_search_term_record_term", "record_id", "term"),)

    term: Mapped[str] = mapped_column(_TERM, primary_key=True)
    record_id: Mapped[str] = mapped_column(
        ForeignKey("credential_record.id", ondelete="CASCADE"), primary_key=True
    )


class SignedCopy(Base):
    """One signed credential; ``leaf_digest`` is its anchoring leaf (docs/architecture.md).

    A copy with no ``batch_id`` is pending anchoring: it is written in the same transaction
    as the credential, so nothing issued can escape the anchor worker.
    """

    __tablename__ = "signed_copy"
    __table_args__ = (
        UniqueConstraint("leaf_digest"),
        Index("ix_signed_copy_record", "record_id"),
        Index("ix_signed_copy_batch", "batch_id", "leaf_index"),
        Index(
            "ix_signed_copy_pending",
            "id",
            sqlite_where=text("batch_id IS NULL"),
            postgresql_where=text("batch_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"))
    format: Mapped[str] = mapped_column(String(40))
    content: Mapped[str] = mapped_column(Text)
    leaf_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("anchor_batch.id", name="fk_signed_copy_batch"), default=None
    )
    leaf_index: Mapped[int | None] = mapped_column(default=None)
    proof: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)

    record: Mapped[CredentialRecord] = relationship(back_populates="copies")


class AnchorBatch(Base):
    """One Merkle batch of leaves and the chain transaction that anchors its root."""

    __tablename__ = "anchor_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    root: Mapped[str] = mapped_column(String(64), unique=True)
    leaf_count: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), index=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    block_number: Mapped[int | None] = mapped_column(default=None)
    block_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    block_time: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)


# --- wallet bridge (OpenID4VCI; docs/architecture.md "Wallet bridge") --------------------
# Secrets (pre-authorized codes, tx_codes, access tokens, nonces, transaction ids) are stored
# only as SHA-256 hex digests: a copy of the database hands out nothing.


class WalletOffer(Base):
    """A credential offer for one record: a pre-authorized code, single use, short-lived."""

    __tablename__ = "wallet_offer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"), index=True)
    configuration_ids: Mapped[list[str]] = mapped_column(JSON)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    tx_code_attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), default=None)


class WalletAccessToken(Base):
    """An access token from ``POST /token`` for one offer (and so one record)."""

    __tablename__ = "wallet_access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one of offer_id (pre-authorized code) and authorization_id (authorization code).
    offer_id: Mapped[str | None] = mapped_column(
        ForeignKey("wallet_offer.id"), index=True, default=None
    )
    authorization_id: Mapped[str | None] = mapped_column(
        ForeignKey("wallet_authorization.id", name="fk_wallet_access_token_authorization"),
        index=True,
        default=None,
    )
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WalletNonce(Base):
    """A ``c_nonce`` handed out; ``used_at`` set by the one request that consumed it."""

    __tablename__ = "wallet_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WalletDeferred(Base):
    """A deferred credential request (record not yet approved): ``transaction_id`` → copies."""

    __tablename__ = "wallet_deferred"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("wallet_access_token.id"))
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"), index=True)
    configuration_id: Mapped[str] = mapped_column(String(100))
    holder_ids: Mapped[list[str]] = mapped_column(JSON)
    expires_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MailOutbox(Base):
    """Mail for the institution's mailer to send (an offer page link, a sign-in link).

    The body carries one-time secrets, so it is stored only sealed (AES-256-GCM under the key
    store's outbox key, node/mail/outbox.py) and only until it is delivered or the secret it
    carries expires; then ``sealed_body`` is erased (NULL) and the row stays as a record.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    sealed_body: Mapped[str | None] = mapped_column(Text, default=None)
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("wallet_offer.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)  # of the secret it carries
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # Delivery (node/mail/delivery.py): tries so far, when the next may start, the server's
    # last answer; ``failed_at`` once it gave up (the body is erased then too).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(default=None)


# --- status lists (W3C Bitstring Status List; docs/architecture.md "Status") -------------


class StatusList(Base):
    """One status list (revocation, suspension or message) of 131,072+ entries, served at
    ``/status/{id}``; its bits are the states of the records whose index it holds. A
    message list has 2-bit entries (0 valid, 1 revoked, 2 suspended) and holds each record
    of its ``source_list_id`` revocation list at the same index."""

    __tablename__ = "status_list"
    __table_args__ = (Index("uq_status_list_source_list_id", "source_list_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose lists: the institution's, or the generic W3C VC API issuer's (its own did:key).
    owner: Mapped[str] = mapped_column(String(20), default="institution")
    purpose: Mapped[str] = mapped_column(String(20))  # revocation | suspension | message
    source_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_list.id", name="fk_status_list_source"), default=None
    )
    size: Mapped[int]
    allocated: Mapped[int] = mapped_column(default=0)
    changed: Mapped[bool] = mapped_column(default=True)  # bits differ from the last version
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusAllocation(Base):
    """An index handed out (at random, never twice) in a list; the key makes it unique."""

    __tablename__ = "status_allocation"

    list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id"), primary_key=True)
    index: Mapped[int] = mapped_column(primary_key=True)


class StatusListVersion(Base):
    """A published, signed version of a list; its SHA-256 is anchored in StatusRegistry and
    the anchor's block time is the version's time."""

    __tablename__ = "status_list_version"

    list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), index=True)  # built|submitted|confirmed
    tx_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    block_number: Mapped[int | None] = mapped_column(default=None)
    block_time: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusEvent(Base):
    """The audit trail: who revoked, suspended or reinstated what, when and why."""

    __tablename__ = "status_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # revoke | suspend | reinstate
    reason: Mapped[str] = mapped_column(Text)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), default=None)
    staff_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_account.id", name="fk_status_event_staff"), default=None
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --- share links


class ShareLink(Base):
    """A verification link a learner hands to an employer: ``/v/{token}`` shows the
    credential's content and its verification. Only the token's SHA-256 is stored."""

    __tablename__ = "share_link"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), default=None)
    # Set when the learner created the link from their account (created_by is then None).
    learner_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner_account.id", name="fk_share_link_learner"), index=True, default=None
    )


# --- learner accounts (authorization code flow, learner-created share links)


class LearnerAccount(Base):
    """A learner the institution provisioned; signs in with a password or a one-time link.

    The account names its learner as the credential claims do (``learner.identifierType``
    and ``learner.identifier``): only records naming that learner can be attached."""

    __tablename__ = "learner_account"
    __table_args__ = (
        # An index, not a table constraint: SQLite adds it without rebuilding a referenced table.
        Index("uq_learner_account_identifier", "identifier_type", "identifier", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(300))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), default=None)
    # None until set at provisioning or by the first records attached.
    identifier_type: Mapped[str | None] = mapped_column(String(20), default=None)
    identifier: Mapped[str | None] = mapped_column(String(500), default=None)
    # The language of the mails the node sends the learner (node/i18n/catalogues.LANGUAGES).
    lang: Mapped[str] = mapped_column(String(5), default="en", server_default="en")


class LearnerCredential(Base):
    """Which credential records belong to which learner account: each to one account only."""

    __tablename__ = "learner_credential"

    account_id: Mapped[str] = mapped_column(ForeignKey("learner_account.id"), primary_key=True)
    record_id: Mapped[str] = mapped_column(
        ForeignKey("credential_record.id"), primary_key=True, index=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearnerLoginLink(Base):
    """A single-use sign-in link mailed to the learner; only the token's SHA-256 is stored."""

    __tablename__ = "learner_login_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("learner_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LearnerSession(Base):
    """A signed-in learner's browser session (cookie); only the token's SHA-256 is stored."""

    __tablename__ = "learner_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("learner_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WalletAuthorization(Base):
    """An OpenID4VCI authorization request (code flow with PKCE, S256 only): pending until
    the learner signs in and approves one of their credentials, then a single-use code."""

    __tablename__ = "wallet_authorization"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(400))
    redirect_uri: Mapped[str] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text, default=None)  # the wallet's, echoed back
    code_challenge: Mapped[str] = mapped_column(String(128))
    configuration_ids: Mapped[list[str]] = mapped_column(JSON)
    # The request's authorization_details (normalised), echoed with credential_identifiers in
    # the token response; None when the wallet asked by scope.
    authorization_details: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    # The offer named by issuer_state: the learner then chooses only that offer's record.
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("wallet_offer.id"), default=None)
    account_id: Mapped[str | None] = mapped_column(
        ForeignKey("learner_account.id"), index=True, default=None
    )
    record_id: Mapped[str | None] = mapped_column(ForeignKey("credential_record.id"), default=None)
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    expires_at: Mapped[datetime]
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- OpenID4VP


class PresentationRequest(Base):
    """A relying party's OpenID4VP request (DCQL query); the wallet fetches the signed request
    object by request_uri and answers by direct_post; only the verification result is kept."""

    __tablename__ = "presentation_request"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    dcql_query: Mapped[dict[str, Any]]
    # The relying party also wants each credential's human-readable summary kept.
    with_summary: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    expires_at: Mapped[datetime]
    fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), default=None)


class StaffAccount(Base):
    """A member of staff: signs in to the console with a password and a TOTP code, or at
    the institution's OpenID Provider (``oidc_issuer`` + ``oidc_subject``)."""

    __tablename__ = "staff_account"
    __table_args__ = (Index("uq_staff_account_oidc", "oidc_issuer", "oidc_subject", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)  # lower-cased
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    roles: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    # The TOTP secret (RFC 6238), sealed with the key store's staff key; None: not set up.
    totp_sealed: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_pending: Mapped[str | None] = mapped_column(String(200), default=None)  # enrolling
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)  # no replay
    oidc_issuer: Mapped[str | None] = mapped_column(String(300), default=None)
    oidc_subject: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(default=None)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)


class StaffSession(Base):
    """A console session (cookie), or the short step between password and TOTP set-up
    (``purpose`` "enrol"); only the token's SHA-256 is stored."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(10), default="console")
    method: Mapped[str] = mapped_column(String(20))  # password+totp | oidc
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffSsoLogin(Base):
    """A single sign-on in progress: the browser went to the OpenID Provider with this
    ``state`` (its SHA-256 here, the value in the browser's cookie); used once."""

    __tablename__ = "staff_sso_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(100))
    next_path: Mapped[str] = mapped_column(String(2000))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApprovalStep(Base):
    """One decision of the approval chain (DP 4.2): who, when, which stage, what (the
    elements the stage signs off and the SHA-256 of the claims as they were), a comment."""

    __tablename__ = "approval_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(ForeignKey("credential_record.id"), index=True)
    round: Mapped[int]
    stage: Mapped[int]
    stage_name: Mapped[str] = mapped_column(String(100))
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_account.id"))
    decision: Mapped[str] = mapped_column(String(10))  # approved | rejected
    elements: Mapped[list[str]] = mapped_column(JSON)
    claims_sha256: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One line of the tamper-evident audit trail (node/audit/log.py): each entry's hash
    covers its content and the previous entry's hash, so changing or removing one breaks
    every later link; the heads are anchored on chain (AuditAnchor)."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="")
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(Base):
    """An audit head (entry ``seq`` and its hash) anchored as a one-leaf Merkle root."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    head: Mapped[str] = mapped_column(String(64))
    root: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # built|submitted|confirmed
    tx_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    block_number: Mapped[int | None] = mapped_column(default=None)
    block_time: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CsvUpload(Base):
    """A CSV file uploaded in the console (node/issuance/uploads.py): previewed, then its rows
    prepared as records chunk by chunk. ``done`` counts the rows handled; each chunk's
    records, counts and problems commit together, so a run that dies resumes exactly."""

    __tablename__ = "csv_upload"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    staff_account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_account.id", name="fk_upload_staff")
    )
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(20), index=True)  # previewed|queued|running|done
    rows: Mapped[int] = mapped_column(default=0)
    to_prepare: Mapped[int] = mapped_column(default=0)  # the preview's counts
    to_skip: Mapped[int] = mapped_column(default=0)
    to_reject: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)  # the run's counts
    prepared: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)  # a runner holds it
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class CsvUploadProblem(Base):
    """A row of an upload that is (preview) or was (run) not prepared, and why."""

    __tablename__ = "csv_upload_problem"
    __table_args__ = (Index("ix_upload_problem", "upload_id", "phase", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[str] = mapped_column(
        ForeignKey("csv_upload.id", name="fk_upload_problem_upload", ondelete="CASCADE")
    )
    phase: Mapped[str] = mapped_column(String(10))  # preview | run
    line: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(10))  # skip | reject
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    element: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)


class CatalogueEntry(Base):
    """A learning opportunity of the institution's catalogue (node/catalogue/entries.py): a
    stable id and URL whose versions describe it cycle by cycle (DP 6.2)."""

    __tablename__ = "catalogue_entry"
    __table_args__ = (Index("uq_catalogue_entry_import_key", "import_key", unique=True),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("api_token.id"), default=None)
    # The institution's own code of the course when the entry came from an import
    # (node/catalogue/csv_import.py): importing the file again skips it.
    import_key: Mapped[str | None] = mapped_column(String(200), default=None)


class SingleRootAnchor:
    """A row whose ``digest`` is anchored on chain on its own, as a one-leaf root
    (node/ledger/row_anchor.py): ``pending`` (or ``awaiting`` another party's anchor), then
    ``submitted`` and ``confirmed`` by the anchor rounds."""

    anchor_root: Mapped[str | None] = mapped_column(String(64), default=None)
    anchor_state: Mapped[str | None] = mapped_column(String(20), default=None)
    anchor_tx: Mapped[str | None] = mapped_column(String(66), default=None)
    anchor_block: Mapped[int | None] = mapped_column(default=None)
    anchor_time: Mapped[datetime | None] = mapped_column(default=None)
    anchor_error: Mapped[str | None] = mapped_column(Text, default=None)


class CatalogueVersion(SingleRootAnchor, Base):
    """One version of an entry: ``draft`` (editable; at most one per entry), ``published``
    (immutable: ``document`` is what its URL serves, ``digest`` the SHA-256 of its JCS) or
    ``withdrawn`` (published once, no longer offered; still served, marked so)."""

    __tablename__ = "catalogue_version"
    __table_args__ = (
        Index(
            "uq_catalogue_draft",
            "entry_id",
            unique=True,
            sqlite_where=text("state = 'draft'"),
            postgresql_where=text("state = 'draft'"),
        ),
        Index("ix_catalogue_version_state", "state", "published_at"),
        Index("ix_catalogue_version_anchor", "anchor_state"),
    )

    entry_id: Mapped[str] = mapped_column(
        ForeignKey("catalogue_entry.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    digest: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, default=None)


class PeerCatalogue(Base):
    """Where this node's copy of a member's catalogue stands (node/network/catalogue_sync.py):
    the list's ETag, the last complete sync (the next asks for what changed since), the
    last failure."""

    __tablename__ = "peer_catalogue"

    member_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    did: Mapped[str] = mapped_column(String(400))
    etag: Mapped[str | None] = mapped_column(String(200), default=None)
    synced_at: Mapped[datetime | None] = mapped_column(default=None)
    attempted_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class PeerCatalogueVersion(Base):
    """A member's published catalogue version, kept only after its digest was recomputed
    from the document and found anchored on chain by that member. ``state`` is as the
    member last listed it (published, withdrawn)."""

    __tablename__ = "peer_catalogue_version"

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    member_id: Mapped[int] = mapped_column(index=True)
    entry_url: Mapped[str] = mapped_column(String(1000), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    anchor_block: Mapped[int]
    anchor_time: Mapped[datetime]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)


# The search index's languages and their PostgreSQL text-search configurations.
SEARCH_CONFIGS: dict[str, str] = {
    "en": "english",
    "de": "german",
    "es": "spanish",
    "fi": "finnish",
}


class CatalogueSearch(Base):
    """The search index of the network's catalogue (node/catalogue/search.py): one row per
    entry on offer — this institution's (``member_id`` None) or a member's kept copy — for
    its newest version on offer, with the filters' values and its words per language.

    Derived: rewritten whenever a version is published, withdrawn or kept. Full text
    (migration 0024, beside these columns): on PostgreSQL a stored generated column per
    language, ``tsv_<lang> = to_tsvector(<its configuration>, text_<lang>)``, each with a
    GIN index (declared there only: SQLite has no tsvector); on SQLite an FTS5 table over
    the four text columns, kept by triggers.
    Search results are read from the versions' documents, never from these columns."""

    __tablename__ = "catalogue_search"
    __table_args__ = (Index("ix_catalogue_search_published", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # FTS5's rowid on SQLite
    entry_url: Mapped[str] = mapped_column(String(1000), unique=True)
    version_url: Mapped[str] = mapped_column(String(1000))
    member_id: Mapped[int | None] = mapped_column(default=None)  # None: this institution
    institution_did: Mapped[str] = mapped_column(String(400), index=True)
    field_of_study: Mapped[str] = mapped_column(String(4))
    eqf_level: Mapped[int]
    ects: Mapped[float | None] = mapped_column(default=None)
    languages: Mapped[str] = mapped_column(String(200))  # " en de ": each after a space
    participation: Mapped[str] = mapped_column(String(20))
    free_start: Mapped[bool]
    start_date: Mapped[date | None] = mapped_column(default=None)
    end_date: Mapped[date | None] = mapped_column(default=None)
    published_at: Mapped[datetime]
    text_en: Mapped[str] = mapped_column(Text)
    text_de: Mapped[str] = mapped_column(Text)
    text_es: Mapped[str] = mapped_column(Text)
    text_fi: Mapped[str] = mapped_column(Text)


class AgreementVersion(SingleRootAnchor, Base):
    """One version of a recognition agreement this node is a party to
    (node/agreements/service.py). ``terms`` is the document both sign (without proofs),
    ``proofs`` the parties' eddsa-jcs-2022 proofs so far; ``role`` is this node's: the
    ``proposer`` (its origin names the agreement) or the ``partner``.

    States: ``proposed`` (signed here, for the partner), ``received`` (signed by the
    proposer, for staff here to accept or decline), ``agreed`` (both signed: ``digest`` is
    the SHA-256 of the signed document's JCS, anchored as a one-leaf root by the partner,
    who signs last — the proposer only looks it up), ``declined``. ``delivery_*``: the
    document (or the decline) still to be handed to the other party's node."""

    __tablename__ = "agreement_version"
    __table_args__ = (
        UniqueConstraint("agreement_url", "number", name="uq_agreement_version_number"),
        Index("ix_agreement_version_delivery", "delivery_state", "next_delivery_at"),
        Index("ix_agreement_version_anchor", "anchor_state"),
    )

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    agreement_url: Mapped[str] = mapped_column(String(1000))
    number: Mapped[int]
    # recognition (between institutions: public) | learning (one learner's mobility: not)
    kind: Mapped[str] = mapped_column(String(20), default="recognition")
    role: Mapped[str] = mapped_column(String(10))
    partner_did: Mapped[str] = mapped_column(String(400), index=True)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    proofs: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    delivery_state: Mapped[str | None] = mapped_column(String(20), default=None)
    delivery_attempts: Mapped[int] = mapped_column(default=0)
    next_delivery_at: Mapped[datetime | None] = mapped_column(default=None)
    delivery_error: Mapped[str | None] = mapped_column(Text, default=None)
    # A learning agreement accepted by its learner in this (home) node's portal.
    learner_account_id: Mapped[str | None] = mapped_column(String(36), default=None)
    learner_accepted_at: Mapped[datetime | None] = mapped_column(default=None)


class RecognitionCase(Base):
    """A learner's request to have partners' credentials recognised (node/recognition/):
    the evidence as presented and its verification, the agreement's conditions as judged,
    the decision — automatic, or a person's with reasons — and its credential, and an
    appeal with its outcome (Lisbon Recognition Convention).

    States: ``awaiting`` (a wallet is asked to present), ``open`` (a person decides),
    ``deciding`` (a decision being issued), ``decided`` (recognised or not: ``outcome``),
    ``refused`` (nothing genuine to recognise: a credential failed verification)."""

    __tablename__ = "recognition_case"
    __table_args__ = (Index("ix_recognition_case_state", "state", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    route: Mapped[str] = mapped_column(String(20))
    agreement_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    agreement_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # The learning agreement the request cites (a version's URL), if it cites one.
    learning_agreement_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    programme: Mapped[str] = mapped_column(String(200))
    presentation_request_id: Mapped[str | None] = mapped_column(
        String(36), default=None, unique=True
    )
    # The learner's account when they asked from the portal (the decision is attached to it).
    learner_account_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    learner_name: Mapped[str | None] = mapped_column(String(400), default=None)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    ects: Mapped[float | None] = mapped_column(default=None)
    converted_grade: Mapped[str | None] = mapped_column(String(100), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    decision_record_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # While ``deciding``: since when, and the decision credential to issue (its claims,
    # subject and idempotency key) with the outcome to record — so a process that dies
    # mid-way is finished by the next round, issuing nothing twice.
    deciding_since: Mapped[datetime | None] = mapped_column(default=None)
    pending_decision: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    appeal_text: Mapped[str | None] = mapped_column(Text, default=None)
    appealed_at: Mapped[datetime | None] = mapped_column(default=None)
    appeal_outcome: Mapped[str | None] = mapped_column(String(20), default=None)
    appeal_reason: Mapped[str | None] = mapped_column(Text, default=None)
    appeal_decided_at: Mapped[datetime | None] = mapped_column(default=None)
    appeal_decided_by: Mapped[str | None] = mapped_column(String(200), default=None)


class RecognisedPart(Base):
    """A credential (its digest) recognised towards a programme under an agreement (any of
    its versions): at most once (the primary key), written with the decision."""

    __tablename__ = "recognised_part"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    programme: Mapped[str] = mapped_column(String(200), primary_key=True)
    agreement_url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("recognition_case.id", ondelete="CASCADE"))


class StackRuleVersion(SingleRootAnchor, Base):
    """A version of a stack rule (node/stacking/): the document as published, immutable, and
    the SHA-256 of its JCS form (what a micro-degree cites), anchored as a one-leaf root by
    the anchor rounds (``pending`` from publication): when the version was set is on chain."""

    __tablename__ = "stack_rule_version"
    __table_args__ = (
        UniqueConstraint("stack_id", "version", name="uq_stack_rule_version"),
        Index("ix_stack_rule_version_anchor", "anchor_state"),
    )

    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    stack_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column()
    entry: Mapped[str] = mapped_column(String(1000))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)


class StackProgress(Base):
    """A learner's credentials judged against a stack rule version: the evidence as
    presented and verified, the progress per component, and the micro-degree issued from it.

    States: ``awaiting`` (a wallet is asked to present), ``evaluated``, ``issuing`` (the
    micro-degree staged in ``pending``), ``issued`` (``record_id``: the micro-degree's
    record, idempotency key ``stack:{id}``)."""

    __tablename__ = "stack_progress"
    __table_args__ = (Index("ix_stack_progress_stack", "stack_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stack_id: Mapped[str] = mapped_column(String(36))
    rule_url: Mapped[str] = mapped_column(String(1000))
    state: Mapped[str] = mapped_column(String(20))
    presentation_request_id: Mapped[str | None] = mapped_column(
        String(36), default=None, unique=True
    )
    learner_account_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    learner_name: Mapped[str | None] = mapped_column(String(400), default=None)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    satisfied: Mapped[bool] = mapped_column(default=False)
    # The micro-degree's request (claims, subject), staged once the rule held before it is
    # issued: a retry, a concurrent call or a call after a crash issues exactly this.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # SHA-256 of the stack and the parts it stacks (their keys, sorted): one micro-degree
    # of a stack from the same parts, however often they are presented.
    parts_key: Mapped[str | None] = mapped_column(String(64), default=None, unique=True)
    record_id: Mapped[str | None] = mapped_column(String(36), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200), default=None)
    issued_at: Mapped[datetime | None] = mapped_column(default=None)
