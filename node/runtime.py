"""Everything a running node holds, built once by :func:`build_runtime`.

The app factory and the CLI both build a runtime; tests swap implementations (key store,
settings) through its arguments, never by patching module globals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.errors import ChainError
from anchoring.registries import MemberInfo, RootInfo
from node.agreements.documents import ChainView
from node.agreements.service import Agreements
from node.audit.log import AuditLog
from node.catalogue.claims import CourseClaims
from node.catalogue.entries import Catalogue, publisher_of
from node.catalogue.listing import Listings
from node.catalogue.search import CatalogueSearcher, CheckedVersion, checked_version
from node.credentials.elements import missing_elements
from node.credentials.profile import requirement_profile
from node.db.engine import make_engine, migrate, session_factory
from node.db.models import Institution
from node.domain import CredentialFormat
from node.errors import NodeError, NotInitialised
from node.identity import (
    ANCHORING_KEY_NAME,
    P256_KEY_NAME,
    VCAPI_ED25519_KEY_NAME,
    VCAPI_P256_KEY_NAME,
    InstitutionIdentity,
)
from node.issuance.approvals import Approvals, approval_chain
from node.issuance.records import CredentialRecords
from node.issuance.registry import Registry
from node.issuance.service import IssuanceService
from node.issuance.signing import CredentialSigner, IssuerKeys, SigningPool, issuer_keys
from node.issuance.uploads import Resumer, Uploads
from node.keys.keystore import FileKeyStore, KeyStore, KeyStoreError
from node.learners.service import Learners
from node.learners.transcript import Transcripts
from node.ledger.audit_anchor import AuditAnchorer
from node.ledger.connection import Ledger, open_ledger
from node.ledger.document_anchors import anchored_by, document_anchorer
from node.ledger.network import anchoring_account
from node.ledger.row_anchor import RowAnchorer
from node.ledger.service import AnchorService, Round, Rounds
from node.ledger.status_anchor import StatusAnchorer
from node.ledger.trust import LedgerTrust, NetworkName, UnreachableTrust
from node.ledger.worker import AnchorWorker, WorkerSettings
from node.lookup.course import CourseMatcher
from node.lookup.lanes import VerificationLanes
from node.lookup.limits import Counters, counters
from node.mail.delivery import DeliveryLoop, MailDelivery, SmtpConfig, SmtpTransport
from node.mail.outbox import OUTBOX_KEY_NAME, Outbox
from node.network.catalogue_sync import (
    CatalogueSync,
    PeerVersion,
    kept_versions,
    member_statuses,
)
from node.network.discovery import MemberDirectory
from node.network.fetch import PeerLimits
from node.network.governance import ChainDown, Governance
from node.network.keys import key_name, signing_keys
from node.network.mirror import StatusMirror
from node.network.proofs import PeerAnchors, SuppliedProofs
from node.network.rotation import KeyRotation
from node.presentations.service import PresentationService
from node.recognition.service import Recognitions
from node.settings import Settings
from node.setup import update_institution
from node.stacking.peers import PeerRules
from node.stacking.service import Stacks
from node.staff.accounts import TOTP_KEY_NAME
from node.staff.overview import NetworkState, network_state
from node.staff.service import StaffServices
from node.status.allocation import StatusAllocator
from node.status.service import StatusService
from node.storage import prepare_data_dir
from node.tokens import ApiTokens
from node.verification.limits import VerifyLimits
from node.verification.pipeline import Verifier
from node.verification.presentation import PresentationReport
from node.wallet.authorization import AuthorizationService, AuthorizationSettings
from node.wallet.credential import WalletCredentials
from node.wallet.issuer import IssuerMetadata, WalletIssuer
from node.wallet.offers import WalletOffers
from node.wallet.tokens import WalletTokens
from vc.did import StaticDidResolver
from vc.signer import Ed25519Signer, P256Signer

if TYPE_CHECKING:
    from node.vcapi.service import VcApiService


class OriginMismatch(NodeError):
    """The configured origin is not the institution's: its did:web DID (from the stored
    origin) and what the node serves from the configured one (OpenID4VCI metadata, status
    list URLs, links) would disagree."""

    status_code = 503
    code = "origin_mismatch"


@dataclass
class NodeRuntime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keystore_factory: Callable[[], KeyStore]
    _keystore: KeyStore | None = field(default=None, init=False)
    _identity: InstitutionIdentity | None = field(default=None, init=False)
    _issuance: IssuanceService | None = field(default=None, init=False)
    _pool: SigningPool | None = field(default=None, init=False)
    _vcapi: VcApiService | None = field(default=None, init=False)
    _verifier: Verifier | None = field(default=None, init=False)
    _lanes: VerificationLanes | None = field(default=None, init=False)
    _ledger: Ledger | None = field(default=None, init=False)
    _status: StatusService | None = field(default=None, init=False)
    _wallet_issuer: WalletIssuer | None = field(default=None, init=False)
    _wallet_metadata: IssuerMetadata | None = field(default=None, init=False)
    _wallet_credentials: WalletCredentials | None = field(default=None, init=False)
    _wallet_offers: WalletOffers | None = field(default=None, init=False)
    _wallet_tokens: WalletTokens | None = field(default=None, init=False)
    _authorizations: AuthorizationService | None = field(default=None, init=False)
    _presentations: PresentationService | None = field(default=None, init=False)
    _outbox: Outbox | None = field(default=None, init=False)
    _staff: StaffServices | None = field(default=None, init=False)
    _records: CredentialRecords | None = field(default=None, init=False)
    _learners: Learners | None = field(default=None, init=False)
    _tokens: ApiTokens | None = field(default=None, init=False)
    _proofs: SuppliedProofs | None = field(default=None, init=False)
    _members: MemberDirectory | None = field(default=None, init=False)
    _listings: Listings = field(default_factory=Listings, init=False)
    _governance: Governance | None = field(default=None, init=False)
    _rotation: KeyRotation | None = field(default=None, init=False)
    _agreements: Agreements | None = field(default=None, init=False)
    _signers_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _ledger_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _counters: Counters | None = field(default=None, init=False)
    anchor_service: AnchorService | None = field(default=None, init=False)
    mail_service: DeliveryLoop | None = field(default=None, init=False)
    upload_service: Resumer | None = field(default=None, init=False)

    @property
    def keystore(self) -> KeyStore:
        # Opened on first use: the health endpoints must answer even before `credreg init`.
        if self._keystore is None:
            self._keystore = self.keystore_factory()
        return self._keystore

    def identity(self) -> InstitutionIdentity:
        if self._identity is None:
            with self.sessions() as session:
                row = session.scalar(select(Institution))
            if row is None:
                raise NotInitialised("no institution yet: run `credreg init` first")
            keys = signing_keys(self.settings.data_dir, self.keystore)
            self._identity = InstitutionIdentity(
                did=row.did,
                name=row.name,
                country=row.country,
                legal_status=row.legal_status,
                origin=row.origin,
                ed25519=keys.current,
                p256=self.keystore.public_key(P256_KEY_NAME),
                ed25519_key_id=keys.current_id,
                previous_ed25519=keys.previous,
            )
        return self._identity

    def check_origin(self) -> None:
        """Raise :class:`OriginMismatch` unless the configured origin is the institution's
        (nothing to compare before `credreg init`)."""
        with self.sessions() as session:
            row = session.scalar(select(Institution))
        configured = self.settings.origin.rstrip("/")
        if row is not None and row.origin.rstrip("/") != configured:
            raise OriginMismatch(
                f"the configured origin {configured} is not the institution's origin "
                f"{row.origin} (its DID {row.did}): set CREDREG_ORIGIN (or origin in "
                f"config.toml) to {row.origin}"
            )

    def _ed25519_private(self) -> ed25519.Ed25519PrivateKey:
        key = self.keystore.private_key(key_name(self.identity().ed25519_key_id))
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key

    def _p256_private(self) -> ec.EllipticCurvePrivateKey:
        key = self.keystore.private_key(P256_KEY_NAME)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def _issuer_keys(self) -> IssuerKeys:
        """The keys every credential signer of the institution uses: the Ed25519 key in
        use (after a rotation, the new one) and the P-256 key. Built only here."""
        return issuer_keys(self.identity(), self._ed25519_private(), self._p256_private())

    def jose_signer(self) -> P256Signer:
        """ES256 with the institution's P-256 key (e.g. Token Status Lists)."""
        return P256Signer(self.identity().p256_vm, self._p256_private())

    def reload_identity(self) -> None:
        """Forget the identity and everything that signs with it (after a key rotation
        switched keys): each is rebuilt with the new key on next use."""
        if self._pool is not None:
            self._pool.close()
        self._pool = None
        self._issuance = None
        self._status = None
        self._verifier = None
        self._wallet_metadata = None  # names the institution
        self._wallet_credentials = None
        self._presentations = None
        self._agreements = None
        self._identity = None

    def storage_paths(self) -> list[Path]:
        """Where the node writes: the data folder, and the SQLite database's folder."""
        paths = [self.settings.data_dir]
        database = (
            self.engine.url.database if self.engine.url.get_backend_name() == "sqlite" else None
        )
        if database and database != ":memory:":
            paths.append(Path(database).parent)
        return paths

    def update_institution(self, changes: Mapping[str, str]) -> Institution:
        """Correct the institution's name, country or legal status; what signs with them
        is rebuilt, so the next credential carries the new details."""
        row = update_institution(self.sessions, changes)
        self.reload_identity()
        return row

    def records(self) -> CredentialRecords:
        """The institution's credential records: states, status indexes, signed copies."""
        if self._records is None:
            self._records = CredentialRecords(self.sessions, StatusAllocator(self.sessions))
        return self._records

    def registry(self) -> Registry:
        """Lists and searches the institution's records (admin API, console)."""
        return Registry(self.sessions)

    def catalogue(self) -> Catalogue:
        """The institution's catalogue of learning opportunities (entries, versions)."""
        return Catalogue(self.sessions, publisher_of(self.sessions))

    def course_claims(self) -> CourseClaims:
        """Claims for a credential issued from one of the catalogue's versions."""
        return CourseClaims(self.catalogue(), self.identity().country)

    def course_matcher(self) -> CourseMatcher:
        """Whether a credential matches the catalogue version it names."""
        return CourseMatcher(self.sessions, self.catalogue().entry_url_prefix)

    def uploads(self) -> Uploads:
        """The console's CSV uploads: previews, and runs that prepare their rows."""
        return Uploads(self.sessions, self.records(), requirement_profile(self.settings.profile))

    def start_upload_service(self) -> Resumer:
        """Take over the uploads a dead process left half done (one loop per process; the
        uploads' leases keep two processes off one upload)."""
        self.upload_service = Resumer(self.uploads())
        self.upload_service.start()
        return self.upload_service

    def issuance(self) -> IssuanceService:
        if self._issuance is None:
            self._pool = SigningPool(self._issuer_keys(), self.settings.sign_workers)
            self._issuance = IssuanceService(
                self.sessions,
                self._pool,
                requirement_profile(self.settings.profile),
                self.records(),
                require_approval=self.settings.approval_required,
                chain=bool(self.settings.approval_chain),
            )
        return self._issuance

    def staff_formats(self) -> list[CredentialFormat]:
        """The formats staff sign records in (settings.staff_sign_formats)."""
        return [CredentialFormat(f) for f in self.settings.staff_sign_formats]

    def approvals(self) -> Approvals:
        """The approval chain; its sealing stage signs through :meth:`issuance`."""
        issuance = self.issuance()

        def seal(record_id: str) -> None:
            self.issuance().issue_record(record_id, self.staff_formats())

        return Approvals(
            self.sessions,
            approval_chain(self.settings.approval_chain),
            seal,
            issuance.validated,
            required=self.settings.approval_required,
        )

    def verifier(self) -> Verifier:
        """The micro-credential verification pipeline.

        With a chain, issuer keys, membership and anchors come from the network's contracts
        (LedgerTrust); without one (``chain = off``) only this node's own DID document
        resolves, and did:key/did:jwk are never institutions. While the chain cannot be
        reached, the chain's checks say "cannot be checked now" instead of passing.
        """
        if self._verifier is not None:
            return self._verifier
        identity = self.identity()
        resolver = StaticDidResolver(
            {identity.did: identity.did_document()}, allow_did_key=False, allow_did_jwk=False
        )
        limits = VerifyLimits.from_settings(self.settings)
        if self.settings.chain == "off":
            self._verifier = Verifier(resolver, missing_elements=missing_elements, limits=limits)
            return self._verifier
        try:
            ledger = self.ledger()
        except (ChainError, NodeError) as exc:
            unreachable = UnreachableTrust(str(exc))
            return Verifier(
                resolver, missing_elements=missing_elements, trust=unreachable, limits=limits
            )
        # peers' anchor proofs (kept, or fetched from the issuing member's node)
        peers = PeerAnchors(
            self.supplied_proofs(),
            ledger,
            limits=PeerLimits.from_settings(self.settings),
            directory=self.members(),
        )
        # peers' status lists
        mirror = StatusMirror.from_settings(self.settings, ledger, directory=self.members())
        trust = LedgerTrust(
            self.sessions,
            ledger,
            identity.origin,
            peer_anchor=peers.lookup,
            foreign_status=mirror.get,
            network_name=NetworkName(
                self.settings.network_name, embedded=self.settings.chain == "embedded"
            ),
            own_did=identity.did,
        )
        self._verifier = Verifier(
            resolver, missing_elements=missing_elements, trust=trust, limits=limits
        )
        return self._verifier

    def verifications(self) -> VerificationLanes:
        """The public verifications' worker threads, in lanes by input size."""
        if self._lanes is None:
            self._lanes = VerificationLanes(self.verifier)
        return self._lanes

    def status(self) -> StatusService:
        """Revocation, suspension and the status lists (signed with the institution's key)."""
        if self._status is None:
            identity = self.identity()
            signer = Ed25519Signer(identity.ed25519_vm, self._ed25519_private())
            self._status = StatusService(self.sessions, signer, identity.did, identity.origin)
        return self._status

    def outbox(self) -> Outbox:
        """The mail outbox, its bodies sealed with the key store's outbox key."""
        if self._outbox is None:
            self._outbox = Outbox(self.sessions, lambda: self.keystore.secret_key(OUTBOX_KEY_NAME))
        return self._outbox

    # -- OpenID4VCI: the issuer's endpoints, configurations and settings are shared -------

    def wallet_issuer(self) -> WalletIssuer:
        """The OpenID4VCI credential issuer at the configured origin (after `credreg init`)."""
        if self._wallet_issuer is None:
            self.identity()  # no issuer before the institution exists
            self._wallet_issuer = WalletIssuer.at(
                self.settings.origin, require_approval=self.settings.approval_required
            )
        return self._wallet_issuer

    def wallet_metadata(self) -> IssuerMetadata:
        """The metadata wallets fetch (naming the institution: rebuilt when it changes)."""
        service = self._wallet_metadata
        if service is None:
            service = IssuerMetadata(self.wallet_issuer(), self.identity().name)
            self._wallet_metadata = service
        return service

    def authorizations(self) -> AuthorizationService:
        """The authorization code flow: pending requests, the learner's consent, codes."""
        if self._authorizations is None:
            issuer = self.wallet_issuer()
            self._authorizations = AuthorizationService(
                self.sessions,
                issuer.endpoints,
                issuer.configurations,
                AuthorizationSettings(
                    access_token_ttl=issuer.settings.access_token_ttl,
                    nonce_ttl=issuer.settings.nonce_ttl,
                ),
            )
        return self._authorizations

    def wallet_offers(self) -> WalletOffers:
        """Credential offers: codes, PINs, offer pages, the mail to the learner."""
        if self._wallet_offers is None:
            self._wallet_offers = WalletOffers(
                self.sessions, self.wallet_issuer(), self.records(), self.outbox()
            )
        return self._wallet_offers

    def wallet_tokens(self) -> WalletTokens:
        """The token and nonce endpoints."""
        if self._wallet_tokens is None:
            self._wallet_tokens = WalletTokens(
                self.sessions, self.wallet_issuer(), self.authorizations()
            )
        return self._wallet_tokens

    def wallet_credentials(self) -> WalletCredentials:
        """The credential endpoints: holder-bound copies signed with the key in use."""
        service = self._wallet_credentials
        if service is None:
            with self._signers_lock:  # concurrent first requests build it once
                service = self._wallet_credentials
                if service is None:
                    service = WalletCredentials(
                        self.sessions,
                        self.wallet_issuer(),
                        CredentialSigner(self._issuer_keys()),
                        self.records(),
                    )
                    self._wallet_credentials = service
        return service

    def presentations(self) -> PresentationService:
        """The OpenID4VP verifier (its request objects are signed with the P-256 key)."""
        service = self._presentations
        if service is None:
            with self._signers_lock:
                service = self._presentations
                if service is None:
                    identity = self.identity()
                    service = PresentationService(
                        self.sessions,
                        self.jose_signer(),  # ES256: what every wallet verifies
                        did=identity.did,
                        origin=self.settings.origin,
                        verifier=self.verifier,
                        lifetime=timedelta(seconds=self.settings.presentation_request_seconds),
                        answered=self._answered,
                    )
                    self._presentations = service
        return service

    def learners(self) -> Learners:
        """Learner accounts, sign-in (its limits counted in :meth:`rate_counters`) and the
        sign-in forms' CSRF tokens."""
        service = self._learners
        if service is None:
            with self._signers_lock:
                service = self._learners
                if service is None:
                    service = Learners.build(
                        self.sessions,
                        self.settings,
                        outbox=self.outbox(),
                        counters=self.rate_counters(),
                    )
                    self._learners = service
        return service

    def staff(self) -> StaffServices:
        """Staff accounts and the console's sign-in (its limits in :meth:`rate_counters`)."""
        service = self._staff
        if service is None:
            with self._signers_lock:
                service = self._staff
                if service is None:
                    service = StaffServices.build(
                        self.sessions,
                        self.settings,
                        lambda: self.keystore.secret_key(TOTP_KEY_NAME),
                        counters=self.rate_counters(),
                    )
                    self._staff = service
        return service

    def api_tokens(self) -> ApiTokens:
        """The hashed API tokens with their roles."""
        if self._tokens is None:
            self._tokens = ApiTokens(self.sessions)
        return self._tokens

    def supplied_proofs(self) -> SuppliedProofs:
        """Anchor proofs of other members' credentials, handed over by their holders."""
        if self._proofs is None:
            self._proofs = SuppliedProofs(self.settings.data_dir, self.ledger)
        return self._proofs

    def members(self) -> MemberDirectory:
        """The network's members from the chain (cached until a block changes them)."""
        if self._members is None:
            self._members = MemberDirectory(self.ledger())
        return self._members

    def governance(self) -> Governance:
        """This node's voice in the network: proposals, votes, executions."""
        if self._governance is None:
            confirmations = self.settings.anchor_confirmations
            self._governance = Governance(self.ledger, confirmations=confirmations)
        return self._governance

    def key_rotation(self) -> KeyRotation:
        """The signing key's rotation; switching keys rebuilds what signs (reload_identity)."""
        if self._rotation is None:
            self._rotation = KeyRotation(
                keystore=lambda: self.keystore,
                data_dir=self.settings.data_dir,
                ledger=self.ledger,
                governance=self.governance(),
                sessions=self.sessions,
                status=self.status,
                switched=self.reload_identity,
            )
        return self._rotation

    def anchoring_account(self) -> LocalAccount:
        return anchoring_account(self.keystore.private_key(ANCHORING_KEY_NAME))

    def ledger(self) -> Ledger:
        """The chain connection (opened on first use; embedded: contracts deployed then)."""
        with self._ledger_lock:  # request threads and the anchor worker race to open it
            if self._ledger is None:
                self._ledger = open_ledger(
                    self.settings, self.sessions, self.identity(), self.anchoring_account()
                )
            return self._ledger

    def anchor_worker(self) -> AnchorWorker:
        ledger = self.ledger()
        settings = WorkerSettings(
            max_batch=self.settings.anchor_max_batch,
            window=timedelta(seconds=self.settings.anchor_window_seconds),
            confirmations=self.settings.anchor_confirmations,
        )
        return AnchorWorker(self.sessions, ledger.chain, ledger.anchors, ledger.account, settings)

    def ledger_rounds(self) -> Rounds:
        """One round of ledger work: publish changed status lists, anchor credential
        batches, status list versions, the audit trail's head, the catalogue's versions,
        agreed agreements and stack rule versions; hand agreements over to partners; finish
        recognition decisions a dead process left half-way; mirror peers' lists; sync the
        other members' catalogues."""
        mirror = StatusMirror.from_settings(self.settings, self.ledger(), directory=self.members())
        parts: list[Round] = [_Publisher(self.status), self.anchor_worker()]
        parts += [self.status_anchorer(), self.audit_anchorer(), self.catalogue_anchorer()]
        parts += [self.agreement_anchorer(), self.stack_rule_anchorer()]
        parts += [self.agreements(), self.recognitions()]
        sync = self.catalogue_sync()
        parts += [mirror, *([sync] if sync is not None else [])]
        return Rounds(parts)

    def audit(self) -> AuditLog:
        """The hash-chained audit trail of staff and API actions."""
        return AuditLog(self.sessions)

    def audit_anchorer(self) -> AuditAnchorer:
        ledger = self.ledger()
        window = timedelta(seconds=self.settings.anchor_window_seconds)
        return AuditAnchorer(self.sessions, ledger.chain, ledger.anchors, ledger.account, window)

    def catalogue_sync(self) -> CatalogueSync | None:
        """The other members' catalogues, synced from their endpoints (None: no chain)."""
        if self.settings.chain == "off":
            return None
        return CatalogueSync(
            self.sessions,
            self.members().members,
            self.ledger().anchors,
            self.identity().did,
            PeerLimits.from_settings(self.settings),
        )

    def peer_catalogue(self) -> list[PeerVersion]:
        """The other members' catalogue versions kept here, checked again, with their
        members' statuses (read from the chain now, if it can be)."""
        return kept_versions(self.sessions, self._member_list())

    def kept_version(self, url: str) -> CheckedVersion | None:
        """Another member's catalogue version as kept here, if its digest still holds."""
        return checked_version(self.sessions, url, own=False)

    def catalogue_listings(self) -> Listings:
        """The public catalogue list as last built, per fingerprint (one per process)."""
        return self._listings

    def catalogue_search(self) -> CatalogueSearcher:
        """Search over this institution's entries and the other members' kept ones."""
        members = self._member_list()
        return CatalogueSearcher(self.sessions, lambda: member_statuses(members))

    def _member_list(self) -> Callable[[], tuple[MemberInfo, ...]] | None:
        if self.settings.chain == "off":
            return None
        return lambda: self.members().members()

    def catalogue_anchorer(self) -> RowAnchorer:
        ledger = self.ledger()
        return document_anchorer(
            "catalogue version", self.sessions, ledger.chain, ledger.anchors, ledger.account
        )

    def agreements(self) -> Agreements:
        """Recognition agreements with other members (signed with the institution's key)."""
        if self._agreements is None:
            identity = self.identity()
            self._agreements = Agreements(
                self.sessions,
                did=identity.did,
                origin=identity.origin,
                signer=Ed25519Signer(identity.ed25519_vm, self._ed25519_private()),
                chain=self._agreement_chain,
                limits=PeerLimits.from_settings(self.settings),
            )
        return self._agreements

    def recognitions(self) -> Recognitions:
        """Recognition requests, decisions and appeals (this institution as the home)."""
        identity = self.identity()

        def country() -> str:
            with self.sessions() as session:
                return session.scalars(select(Institution.country)).one()

        return Recognitions(
            self.sessions,
            did=identity.did,
            country=country,
            agreements=self.agreements,
            verifier=self.verifier,
            issuance=self.issuance,
            formats=self.staff_formats(),
            ask=self._ask_wallet,
            attach=self._attach_to_learner,
            revoke=lambda record, reason: self.status().change([record], "revoke", reason, None),
        )

    def stacks(self) -> Stacks:
        """Stack rules, learners' progress and micro-degrees (this institution awarding)."""
        identity = self.identity()

        def endpoint_of(did: str) -> str | None:
            if self.settings.chain == "off":
                raise ChainDown("this node has no chain: the issuer's endpoint is unknown")
            return self.members().endpoint_of(did)

        def rule_anchored(digest: str, issuer: str) -> tuple[bool | None, str]:
            if self.settings.chain == "off":
                return None, "this node has no chain to read it from"
            try:
                members = self.members().members()
                return anchored_by(self.ledger().anchors.root_info, members, digest, issuer)
            except (ChainError, NodeError) as exc:
                return None, f"cannot be read now: {exc}"

        return Stacks(
            self.sessions,
            did=identity.did,
            origin=identity.origin,
            course_claims=self.course_claims,
            verifier=self.verifier,
            issuance=self.issuance,
            formats=self.staff_formats(),
            ask=self._ask_wallet,
            fetch_rule=PeerRules(endpoint_of, PeerLimits.from_settings(self.settings)),
            rule_anchored=rule_anchored,
            attach=self._attach_to_learner,
            institution=(identity.name, identity.country, identity.legal_status),
        )

    def transcripts(self) -> Transcripts:
        """Learners' transcripts of records (credentials of this institution)."""
        return Transcripts(
            self.sessions,
            did=self.identity().did,
            issuance=self.issuance,
            formats=self.staff_formats(),
            attach=self._attach_to_learner,
        )

    def _ask_wallet(self, query: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """An OpenID4VP request for a DCQL query: its id and links (recognition, stacks)."""
        created = self.presentations().create(query, token_id=None)
        links = {
            "id": created.id,
            "link": created.link,
            "requestUri": created.request_uri,
            "clientId": created.client_id,
            "expiresAt": created.expires_at,
        }
        return created.id, links

    def _attach_to_learner(self, account_id: str, record_id: str) -> None:
        self.learners().accounts.attach(account_id, [record_id])

    def _answered(self, request_id: str, reports: Sequence[PresentationReport]) -> None:
        """A verified OpenID4VP answer: recognition and stacks each take theirs."""
        self.recognitions().presented(request_id, reports)
        self.stacks().presented(request_id, reports)

    def _agreement_chain(self) -> ChainView | None:
        """What agreements are checked against (None: no chain)."""
        if self.settings.chain == "off":
            return None
        trust = self.verifier().trust
        assert trust is not None  # a chain is configured

        def root_info(root: bytes) -> RootInfo | None:
            try:
                return self.ledger().anchors.root_info(root)
            except NodeError as exc:
                raise ChainError(str(exc)) from exc

        return ChainView(trust, lambda: self.members().members(), root_info)

    def agreement_anchorer(self) -> RowAnchorer:
        ledger = self.ledger()
        return document_anchorer(
            "agreement version", self.sessions, ledger.chain, ledger.anchors, ledger.account
        )

    def stack_rule_anchorer(self) -> RowAnchorer:
        ledger = self.ledger()
        return document_anchorer(
            "stack rule version", self.sessions, ledger.chain, ledger.anchors, ledger.account
        )

    def status_anchorer(self) -> StatusAnchorer:
        ledger = self.ledger()
        return StatusAnchorer(
            self.sessions, ledger.chain, ledger.statuses, ledger.account, self.identity().origin
        )

    def network_state(self) -> NetworkState | None:
        """The network's name and members as the chain has them now (None: no chain)."""
        if self.settings.chain == "off":
            return None
        embedded = self.settings.chain == "embedded"
        return network_state(
            self.settings.network_name, embedded, lambda: self.members().directory()
        )

    def chain_state(self) -> str:
        """How anchoring goes, in one phrase: ``off``, ``ok``, ``degraded: why``, ``starting…``
        or, when another process anchors, that it does."""
        if self.settings.chain == "off":
            return "off"
        if self.anchor_service is None:
            return "anchoring runs in a separate process"
        health = self.anchor_service.health
        return "ok" if health.state == "ok" else f"{health.state}: {health.detail}"

    def start_anchor_service(self) -> AnchorService | None:
        """Anchor in the background of this process (the embedded chain's only owner)."""
        if self.settings.chain == "off":
            return None
        if self.settings.chain == "rpc" and not self.settings.anchor_worker:
            return None
        self.anchor_service = AnchorService(self.ledger_rounds)
        self.anchor_service.start()
        return self.anchor_service

    def mail_delivery(self) -> MailDelivery | None:
        """Delivery of the outbox over SMTP; None when no SMTP host is set (mail waits)."""
        config = SmtpConfig.from_settings(self.settings)
        if config is None:
            return None
        return MailDelivery(
            self.outbox(),
            SmtpTransport(config).connect,
            config.sender,
            max_attempts=self.settings.mail_max_attempts,
        )

    def start_mail_service(self) -> DeliveryLoop | None:
        """Deliver mail in the background of this process (one loop per node)."""
        delivery = self.mail_delivery()
        if delivery is None:
            return None
        self.mail_service = DeliveryLoop(delivery)
        self.mail_service.start()
        return self.mail_service

    def vcapi(self) -> VcApiService:
        """The generic W3C VC API issuer/verifier (its own did:key keys)."""
        if self._vcapi is None:
            from node.vcapi.service import VcApiService  # only nodes that enable the VC API

            ed = self.keystore.private_key(VCAPI_ED25519_KEY_NAME)
            p256 = self.keystore.private_key(VCAPI_P256_KEY_NAME)
            assert isinstance(ed, ed25519.Ed25519PrivateKey)
            assert isinstance(p256, ec.EllipticCurvePrivateKey)
            # Its status lists (owner "vcapi") are served under {origin}/vc-api/status/.
            self._vcapi = VcApiService(
                ed, p256, sessions=self.sessions, origin=self.identity().origin
            )
        return self._vcapi

    def rate_counters(self) -> Counters:
        """The rate limits' counters: in Redis when configured (shared by every worker
        process), else in this process. One store for the public limit and any other."""
        if self._counters is None:
            self._counters = counters(self.settings.redis_url, self.settings.rate_limit_prefix)
        return self._counters

    def close(self) -> None:
        if self._counters is not None:
            self._counters.close()
        if self._lanes is not None:
            self._lanes.close()
            self._lanes = None
        if self._pool is not None:
            self._pool.close()
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        self.engine.dispose()


def file_keystore_factory(settings: Settings) -> Callable[[], KeyStore]:
    def open_store() -> KeyStore:
        if settings.key_passphrase is None:
            raise KeyStoreError("set CREDREG_KEY_PASSPHRASE to open the key store")
        return FileKeyStore(settings.key_dir, settings.key_passphrase.get_secret_value())

    return open_store


def build_runtime(
    settings: Settings, keystore_factory: Callable[[], KeyStore] | None = None
) -> NodeRuntime:
    prepare_data_dir(settings.data_dir)  # private, writable: else one clear error, at once
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    return NodeRuntime(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        keystore_factory=keystore_factory or file_keystore_factory(settings),
    )


def open_runtime(settings: Settings, passphrase: str) -> NodeRuntime:
    """A runtime for CLI commands, with the key store opened by ``passphrase``."""
    return build_runtime(settings, lambda: FileKeyStore(settings.key_dir, passphrase))


@dataclass(frozen=True)
class _Publisher:
    """Publishes new versions of changed lists (e.g. the first version of a new list).

    It asks the runtime for the status service each round: after a key rotation
    (``reload_identity``) the next round signs with the key now in use, not the one the
    anchor service started with."""

    status: Callable[[], StatusService]

    def run_once(self) -> int:
        return len(self.status().publish_changed())
