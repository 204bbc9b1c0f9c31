"""OpenID4VCI issuer state: offers, pre-authorized codes, access tokens, nonces, deferred
requests; holder-bound copies signed and stored as ``signed_copy`` rows of the record.

Every secret is stored as a hash; single use is enforced with conditional UPDATEs (``… WHERE
redeemed_at IS NULL``), which are atomic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.render import (
    CREDENTIAL_TYPES,
    MICROCREDENTIAL_CONTEXT,
    OB3_CONTEXT,
    SD_JWT_VCT_PATH,
    VCDM2_CONTEXT,
)
from node.db.models import (
    CredentialFormat,
    CredentialRecord,
    RecordState,
    SignedCopy,
    WalletAccessToken,
    WalletDeferred,
    WalletNonce,
    WalletOffer,
)
from node.errors import InvalidInput, NotFound, Problem
from node.issuance.signing import CredentialSigner, SignedCopyData, SigningJob
from node.mail import messages
from node.mail.outbox import Outbox
from node.status.allocation import StatusAllocator, StatusAssignment
from node.wallet.authorization import (
    AuthorizationService,
    AuthorizationSettings,
    granted_configurations,
    offer_with_grants,
)
from node.wallet.offer_page import (
    OFFER_PAGE_PATH,
    OfferPage,
    offer_by_reference,
    offer_by_reference_url,
    offer_page,
)
from node.wallet.qr import qr_images
from wallet_bridge import catalogue
from wallet_bridge.authorization import AUTHORIZATION_CODE_GRANT
from wallet_bridge.errors import (
    CredentialRequestDenied,
    InvalidGrant,
    InvalidRequest,
    InvalidToken,
    InvalidTransactionId,
)
from wallet_bridge.metadata import (
    CredentialConfiguration,
    IssuerEndpoints,
    authorization_server_metadata,
    issuer_metadata,
)
from wallet_bridge.offer import (
    new_secret,
    new_tx_code,
    offer_uri_by_reference,
    same_secret,
    secret_hash,
    tx_code_hash,
)
from wallet_bridge.proof import HolderKey, verify_proofs
from wallet_bridge.requests import (
    credential_response,
    deferred_response,
    nonce_response,
    parse_credential_request,
    parse_deferred_request,
    parse_token_request,
    token_response,
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
class OfferCreated:
    offer_id: str
    record_id: str
    uri: str  # openid-credential-offer://?credential_offer=… (by value)
    by_reference: str  # openid-credential-offer://?credential_offer_uri=… (OpenID4VCI §4.1.3)
    page_url: str  # the offer page (node/wallet/offer_page.py)
    tx_code: str | None  # the PIN: shown to whoever made the offer, never mailed
    expires_at: datetime
    deferred: bool
    qr_png: bytes  # of the by-reference URI: small enough to scan from a screen
    qr_svg: str
    outbox_id: int | None  # the mail to the learner, when an address was given


@dataclass(frozen=True)
class Answer:
    """A protocol response: HTTP status and JSON body."""

    status: int
    body: dict[str, Any]


def _now() -> datetime:
    return datetime.now(UTC)


class WalletService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        signer: CredentialSigner,
        outbox: Outbox,
        *,
        origin: str,
        institution_name: str,
        require_approval: bool,
        settings: WalletSettings | None = None,
        allocator: StatusAllocator | None = None,
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._outbox = outbox
        self._allocator = allocator
        self._published: dict[str, bytes] = {}
        self._require_approval = require_approval
        self.settings = settings or WalletSettings()
        self.endpoints = IssuerEndpoints(origin)
        self.logo_uri = origin + LOGO_PATH
        self.vct = origin + SD_JWT_VCT_PATH
        self.configurations: tuple[CredentialConfiguration, ...] = (
            catalogue.micro_credential_configurations(
                ldp_contexts=[VCDM2_CONTEXT, OB3_CONTEXT, MICROCREDENTIAL_CONTEXT],
                ldp_types=CREDENTIAL_TYPES,
                jwt_types=CREDENTIAL_TYPES,
                logo_uri=self.logo_uri,
                vct=self.vct,
            )
        )
        self._institution_name = institution_name
        # Each configuration can be asked for by scope (authorization code flow): its id.
        self.configurations = tuple(replace(c, scope=c.scope or c.id) for c in self.configurations)
        self.authorizations = AuthorizationService(
            sessions,
            self.endpoints,
            self.configurations,
            AuthorizationSettings(
                access_token_ttl=self.settings.access_token_ttl, nonce_ttl=self.settings.nonce_ttl
            ),
        )

    # -- metadata --------------------------------------------------------------------------

    def issuer_metadata(self) -> dict[str, Any]:
        display = catalogue.issuer_display(self._institution_name, self.logo_uri)
        return issuer_metadata(
            self.endpoints, display, self.configurations, batch_size=self.settings.batch_size
        )

    def vct_metadata(self) -> dict[str, Any]:
        """SD-JWT VC Type Metadata of the micro-credential, served at its ``vct`` URL."""
        return catalogue.sd_jwt_type_metadata(self.vct, self.logo_uri)

    def authorization_server_metadata(self) -> dict[str, Any]:
        return authorization_server_metadata(self.endpoints)

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

    # -- offers (admin) --------------------------------------------------------------------

    def create_offer(
        self,
        record_id: str,
        configuration_ids: Sequence[str] | None,
        *,
        email: str | None,
        with_tx_code: bool,
        expires_in: timedelta | None,
        token_id: int | None,
    ) -> OfferCreated:
        ids = list(configuration_ids or FORMATS)
        unknown = [i for i in ids if i not in FORMATS]
        if unknown or not ids:
            raise InvalidInput(
                "unknown credential configuration",
                [Problem("configuration_ids", f"known: {', '.join(FORMATS)}")],
            )
        ttl = expires_in or self.settings.offer_ttl
        if ttl <= timedelta(0) or ttl > self.settings.max_offer_ttl:
            raise InvalidInput(
                "offer lifetime out of range",
                [
                    Problem(
                        "expires_in", f"1 s … {int(self.settings.max_offer_ttl.total_seconds())} s"
                    )
                ],
            )
        code = new_secret()
        offer_id = str(uuid.uuid4())
        pin = new_tx_code(self.settings.tx_code_length) if with_tx_code else None
        pin_length = self.settings.tx_code_length if pin is not None else None
        expires_at = _now() + ttl
        page_url = self.offer_page_url(offer_id, code)
        by_reference = offer_uri_by_reference(
            offer_by_reference_url(self.endpoints.credential_issuer, code)
        )
        with self._sessions() as session:
            record = session.get(CredentialRecord, record_id)
            if record is None or "vcapi" in record.claims:  # VC API status records: not ours
                raise NotFound(f"no credential record {record_id}")
            uri = offer_with_grants(
                session,
                self.endpoints.credential_issuer,
                offer_id,
                record_id,
                ids,
                code,
                pin_length,
            ).uri()
            session.add(
                WalletOffer(
                    id=offer_id,
                    record_id=record_id,
                    configuration_ids=ids,
                    code_hash=secret_hash(code),
                    tx_code_hash=tx_code_hash(offer_id, pin) if pin is not None else None,
                    expires_at=expires_at,
                    created_by=token_id,
                )
            )
            session.flush()  # the outbox row refers to the offer (PostgreSQL checks at once)
            mail = None
            if email:
                # The PIN is not in the mail: whoever holds the mailbox would hold both
                # factors. The learner gets it from the staff member or their portal.
                subject, body = messages.wallet_offer(
                    "en", page_url, by_reference, pin is not None, expires_at
                )
                mail = self._outbox.add(
                    session,
                    email,
                    subject,
                    body,
                    expires_at=expires_at,
                    offer_id=offer_id,
                )
            session.commit()
            deferred = not self._deliverable(record)
            outbox_id = mail.id if mail is not None else None
        png, svg = qr_images(by_reference)
        return OfferCreated(
            offer_id,
            record_id,
            uri,
            by_reference,
            page_url,
            pin,
            expires_at,
            deferred,
            png,
            svg,
            outbox_id,
        )

    def offer_page_url(self, offer_id: str, code: str) -> str:
        """The page the institution mails: title, QR code, wallet link (node/wallet/offer_page)."""
        return f"{self.endpoints.credential_issuer}{OFFER_PAGE_PATH}/{offer_id}?code={code}"

    def offer_page(self, offer_id: str, code: str, lang: str) -> OfferPage:
        return offer_page(
            self._sessions,
            self.endpoints.credential_issuer,
            offer_id,
            code,
            pin_length=self.settings.tx_code_length,
            lang=lang,
        )

    def offer_by_reference(self, code: str) -> dict[str, Any]:
        """The Credential Offer a ``credential_offer_uri`` points at (OpenID4VCI §4.1.3)."""
        return offer_by_reference(
            self._sessions,
            self.endpoints.credential_issuer,
            code,
            pin_length=self.settings.tx_code_length,
        )

    # -- token endpoint --------------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> Answer:
        if form.get("grant_type") == AUTHORIZATION_CODE_GRANT:
            return Answer(200, self.authorizations.token(form))
        request = parse_token_request(form)
        now = _now()
        with self._sessions() as session:
            offer = session.scalar(
                select(WalletOffer).where(WalletOffer.code_hash == secret_hash(request.code))
            )
            if offer is None or offer.redeemed_at is not None or offer.expires_at < now:
                # One answer for unknown, used and expired codes (RFC 6749 §5.2).
                raise InvalidGrant("the pre-authorized code is invalid, expired or already used")
            if offer.tx_code_hash is not None:
                if request.tx_code is None:
                    raise InvalidRequest("this offer needs its tx_code")
                # Count the attempt first and commit it, so parallel guesses all count.
                counted = session.execute(
                    update(WalletOffer)
                    .where(
                        WalletOffer.id == offer.id,
                        WalletOffer.tx_code_attempts < self.settings.tx_code_attempts,
                    )
                    .values(tx_code_attempts=WalletOffer.tx_code_attempts + 1)
                )
                session.commit()
                if counted.rowcount != 1:  # type: ignore[attr-defined]
                    raise InvalidGrant("too many wrong tx_code attempts; ask for a new offer")
                if not same_secret(tx_code_hash(offer.id, request.tx_code), offer.tx_code_hash):
                    raise InvalidGrant("the tx_code is wrong")
            elif request.tx_code is not None:
                raise InvalidRequest("this offer has no tx_code")
            redeemed = session.execute(
                update(WalletOffer)
                .where(WalletOffer.id == offer.id, WalletOffer.redeemed_at.is_(None))
                .values(redeemed_at=now)
            )
            if redeemed.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise InvalidGrant("the pre-authorized code is invalid, expired or already used")
            access_token = new_secret()
            session.add(
                WalletAccessToken(
                    offer_id=offer.id,
                    record_id=offer.record_id,
                    token_hash=secret_hash(access_token),
                    expires_at=now + self.settings.access_token_ttl,
                )
            )
            c_nonce = self._new_nonce(session, now)
            session.commit()
        return Answer(
            200,
            token_response(
                access_token,
                int(self.settings.access_token_ttl.total_seconds()),
                c_nonce,
                int(self.settings.nonce_ttl.total_seconds()),
            ),
        )

    # -- nonce endpoint --------------------------------------------------------------------

    def nonce(self) -> Answer:
        with self._sessions() as session:
            value = self._new_nonce(session, _now())
            session.commit()
        return Answer(200, nonce_response(value))

    def _new_nonce(self, session: Session, now: datetime) -> str:
        value = new_secret()
        session.add(
            WalletNonce(nonce_hash=secret_hash(value), expires_at=now + self.settings.nonce_ttl)
        )
        return value

    # -- credential endpoint ---------------------------------------------------------------

    def credential(self, access_token: str | None, body: Any) -> Answer:
        now = _now()
        with self._sessions() as session:
            token = self._token(session, access_token)
            if token.expires_at < now:
                raise InvalidToken("the access token has expired")
            request = parse_credential_request(
                body, self.configurations, batch_size=self.settings.batch_size
            )
            if request.configuration.id not in granted_configurations(session, token):
                raise CredentialRequestDenied(
                    f"{request.configuration.id} was not offered with this access token"
                )
            holders = verify_proofs(
                request.proof_jwts,
                audience=self.endpoints.credential_issuer,
                now=int(now.timestamp()),
                max_age_seconds=int(self.settings.proof_max_age.total_seconds()),
                nonces=_DbNonces(session, now),
            )
            session.commit()  # the nonce is spent, whatever happens next
            record = session.get(CredentialRecord, token.record_id, with_for_update=True)
            assert record is not None
            if not self._deliverable(record):
                transaction_id = new_secret()
                session.add(
                    WalletDeferred(
                        transaction_hash=secret_hash(transaction_id),
                        token_id=token.id,
                        record_id=record.id,
                        configuration_id=request.configuration.id,
                        holder_ids=[h.did for h in holders],
                        expires_at=now + self.settings.deferred_ttl,
                    )
                )
                session.commit()
                return Answer(
                    202, deferred_response(transaction_id, self.settings.deferred_interval_seconds)
                )
            self._give_status(session, record)  # before this transaction writes (SQLite)
            credentials = self._issue(session, record, request.configuration.id, holders, now)
            session.commit()
        return Answer(200, credential_response(credentials))

    def deferred_credential(self, access_token: str | None, body: Any) -> Answer:
        now = _now()
        with self._sessions() as session:
            # The wallet keeps its access token for the deferred endpoint (§9.1); it stays
            # good here as long as the transaction does, whatever its own lifetime.
            token = self._token(session, access_token)
            transaction_id = parse_deferred_request(body)
            deferred = session.scalar(
                select(WalletDeferred).where(
                    WalletDeferred.transaction_hash == secret_hash(transaction_id),
                    WalletDeferred.token_id == token.id,
                )
            )
            if deferred is None or deferred.delivered_at is not None or deferred.expires_at < now:
                raise InvalidTransactionId("unknown, expired or already answered transaction_id")
            record = session.get(CredentialRecord, deferred.record_id, with_for_update=True)
            assert record is not None
            if not self._deliverable(record):
                return Answer(
                    202, deferred_response(transaction_id, self.settings.deferred_interval_seconds)
                )
            self._give_status(session, record)  # before this transaction writes (SQLite)
            claimed = session.execute(
                update(WalletDeferred)
                .where(WalletDeferred.id == deferred.id, WalletDeferred.delivered_at.is_(None))
                .values(delivered_at=now)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                raise InvalidTransactionId("unknown, expired or already answered transaction_id")
            holders = [HolderKey(did=did, key_id="", nonce="") for did in deferred.holder_ids]
            credentials = self._issue(session, record, deferred.configuration_id, holders, now)
            session.commit()
        return Answer(200, credential_response(credentials))

    # -- internals -------------------------------------------------------------------------

    def _give_status(self, session: Session, record: CredentialRecord) -> None:
        """Status bits for a record signed first through the wallet (approved, never issued
        by the admin API). They are reserved in their own committed transaction, as bulk
        issuance does, and set only if no concurrent request set them first (the row is
        locked on PostgreSQL; the conditional UPDATE covers SQLite). A lost race leaves the
        reserved indexes unused, never reused."""
        if self._allocator is None or _status_of(record) is not None:
            return
        (status,) = self._allocator.allocate(1)
        session.execute(
            update(CredentialRecord)
            .where(CredentialRecord.id == record.id, CredentialRecord.revocation_list_id.is_(None))
            .values(
                revocation_list_id=status.revocation[0],
                revocation_index=status.revocation[1],
                suspension_list_id=status.suspension[0],
                suspension_index=status.suspension[1],
                message_list_id=status.message[0] if status.message else None,
                message_index=status.message[1] if status.message else None,
            )
        )
        session.refresh(record)

    def _token(self, session: Session, access_token: str | None) -> WalletAccessToken:
        if not access_token:
            raise InvalidToken("a bearer access token from the token endpoint is required")
        token = session.scalar(
            select(WalletAccessToken).where(
                WalletAccessToken.token_hash == secret_hash(access_token)
            )
        )
        if token is None:
            raise InvalidToken("unknown access token")
        return token

    def _deliverable(self, record: CredentialRecord) -> bool:
        """Issued or approved records are signed at once; a record still waiting for
        approval is deferred (DESIGN.md "Wallet bridge": deferred issuance)."""
        if record.state in (RecordState.ISSUED, RecordState.APPROVED):
            return True
        return record.state == RecordState.PREPARED and not self._require_approval

    def _issue(
        self,
        session: Session,
        record: CredentialRecord,
        configuration_id: str,
        holders: Sequence[HolderKey],
        now: datetime,
    ) -> list[str | dict[str, Any]]:
        """One holder-bound copy per key, stored as ``signed_copy`` rows of the record (so
        the anchor worker picks them up, DESIGN.md "Anchoring"). Every copy carries the
        record's one revocation and one suspension entry (SD-JWT VC: the Token Status List
        view of the same bits)."""
        fmt = FORMATS[configuration_id]
        if record.state != RecordState.ISSUED:
            record.state = RecordState.ISSUED.value
            record.issued_at = now.replace(microsecond=0)
        issued_at = record.issued_at or now.replace(microsecond=0)
        status = _status_of(record)
        out: list[str | dict[str, Any]] = []
        for holder in holders:
            job = SigningJob(record.id, record.claims, holder.did, issued_at, (fmt,), status)
            (copy,) = self._signer.sign(job)
            self._store(session, record.id, copy)
            out.append(copy.content if fmt in _COMPACT_FORMATS else json.loads(copy.content))
        return out

    @staticmethod
    def _store(session: Session, record_id: str, copy: SignedCopyData) -> None:
        # The same holder asking twice for the same record gets the same bytes: one row.
        exists = session.scalar(
            select(SignedCopy.id).where(SignedCopy.leaf_digest == copy.leaf_digest)
        )
        if exists is None:
            session.add(
                SignedCopy(
                    record_id=record_id,
                    format=copy.format.value,
                    content=copy.content,
                    leaf_digest=copy.leaf_digest,
                )
            )
            session.flush()


class _DbNonces:
    """:class:`wallet_bridge.proof.NonceStore` over ``wallet_nonce``: one conditional UPDATE."""

    def __init__(self, session: Session, now: datetime) -> None:
        self._session = session
        self._now = now

    def consume(self, nonce: str) -> bool:
        result = self._session.execute(
            update(WalletNonce)
            .where(
                WalletNonce.nonce_hash == secret_hash(nonce),
                WalletNonce.used_at.is_(None),
                WalletNonce.expires_at >= self._now,
            )
            .values(used_at=self._now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


_COMPACT_FORMATS = (CredentialFormat.JWT_VC_JSON, CredentialFormat.SD_JWT_VC)


def _status_of(record: CredentialRecord) -> StatusAssignment | None:
    """The record's revocation and suspension bits (None: no status lists assigned)."""
    if (
        record.revocation_list_id is None
        or record.revocation_index is None
        or record.suspension_list_id is None
        or record.suspension_index is None
    ):
        return None
    message = None
    if record.message_list_id is not None and record.message_index is not None:
        message = (record.message_list_id, record.message_index)
    return StatusAssignment(
        (record.revocation_list_id, record.revocation_index),
        (record.suspension_list_id, record.suspension_index),
        message,
    )


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
