"""FastAPI dependencies (``Annotated`` aliases): the node context, DB sessions, auth, and
every service a route uses.

The runtime (node/runtime.py) builds each service; this module is the only place that reads
it from ``app.state``. Routes declare what they need (``offers: Offers``) and never build a
service themselves (tests/unit/test_composition.py holds this).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from node.agreements.service import Agreements
from node.api.audit_http import set_actor
from node.catalogue.claims import CourseClaims
from node.catalogue.entries import Catalogue
from node.catalogue.listing import Listings
from node.catalogue.search import CatalogueSearcher, CheckedVersion
from node.db.models import ApiToken, Role
from node.errors import Unauthorized
from node.issuance.approvals import Actor, Approvals, actor_of
from node.issuance.registry import Registry
from node.issuance.service import IssuanceService
from node.issuance.uploads import Uploads
from node.learners.service import Learners
from node.learners.transcript import Transcripts
from node.lookup.course import CourseMatcher
from node.lookup.lanes import VerificationLanes
from node.mail.outbox import Outbox
from node.network.catalogue_sync import PeerVersion
from node.network.discovery import Directory, MemberDirectory
from node.network.governance import Governance
from node.network.proofs import SuppliedProofs
from node.network.rotation import KeyRotation
from node.presentations.service import PresentationService
from node.recognition.service import Recognitions
from node.runtime import NodeRuntime
from node.stacking.service import Stacks
from node.staff.service import StaffServices
from node.status.service import StatusService
from node.tokens import ApiTokens, authenticate
from node.vcapi.service import VcApiService
from node.verification.pipeline import Verifier
from node.wallet.authorization import AuthorizationService
from node.wallet.credential import WalletCredentials
from node.wallet.issuer import IssuerMetadata
from node.wallet.offers import WalletOffers
from node.wallet.tokens import WalletTokens


async def _runtime(request: Request) -> NodeRuntime:  # async: no thread hop per request
    runtime: NodeRuntime = request.app.state.runtime
    return runtime


Runtime = Annotated[NodeRuntime, Depends(_runtime)]


# The runtime builds what signs, and rebuilds it after a key rotation (reload_identity):
# routes ask for it on every request and never keep one.
async def _wallet_credentials(runtime: Runtime) -> WalletCredentials:
    return runtime.wallet_credentials()


async def _wallet_metadata(runtime: Runtime) -> IssuerMetadata:
    return runtime.wallet_metadata()


async def _presentations(runtime: Runtime) -> PresentationService:
    return runtime.presentations()


async def _issuance(runtime: Runtime) -> IssuanceService:
    return runtime.issuance()


async def _uploads(runtime: Runtime) -> Uploads:
    return runtime.uploads()


def _catalogue(runtime: Runtime) -> Catalogue:  # reads the institution: off the event loop
    return runtime.catalogue()


def _network_catalogue(runtime: Runtime) -> Callable[[], list[PeerVersion]]:
    """The other members' versions kept here, read when called (scope=network only)."""
    return runtime.peer_catalogue


def _course_claims(runtime: Runtime) -> CourseClaims:  # reads the institution
    return runtime.course_claims()


def _course_matcher(runtime: Runtime) -> CourseMatcher:  # reads the institution
    return runtime.course_matcher()


async def _kept_version(runtime: Runtime) -> Callable[[str], CheckedVersion | None]:
    return runtime.kept_version


async def _catalogue_listings(runtime: Runtime) -> Listings:
    return runtime.catalogue_listings()


async def _catalogue_search(runtime: Runtime) -> CatalogueSearcher:
    return runtime.catalogue_search()


async def _registry(runtime: Runtime) -> Registry:
    return runtime.registry()


async def _approvals(runtime: Runtime) -> Approvals:
    return runtime.approvals()


async def _status(runtime: Runtime) -> StatusService:
    return runtime.status()


async def _verifier(runtime: Runtime) -> Verifier:
    return runtime.verifier()


def _agreements(runtime: Runtime) -> Agreements:  # reads the keys: off the event loop
    return runtime.agreements()


def _recognitions(runtime: Runtime) -> Recognitions:  # reads the institution
    return runtime.recognitions()


def _stacks(runtime: Runtime) -> Stacks:  # reads the institution
    return runtime.stacks()


def _transcripts(runtime: Runtime) -> Transcripts:  # reads the keys: off the event loop
    return runtime.transcripts()


async def _vcapi(runtime: Runtime) -> VcApiService:
    return runtime.vcapi()


CredentialEndpoint = Annotated[WalletCredentials, Depends(_wallet_credentials)]
WalletMetadata = Annotated[IssuerMetadata, Depends(_wallet_metadata)]
Presentations = Annotated[PresentationService, Depends(_presentations)]
Issuance = Annotated[IssuanceService, Depends(_issuance)]
RecordRegistry = Annotated[Registry, Depends(_registry)]
LearningCatalogue = Annotated[Catalogue, Depends(_catalogue)]
NetworkCatalogue = Annotated[Callable[[], list[PeerVersion]], Depends(_network_catalogue)]
NetworkSearch = Annotated[CatalogueSearcher, Depends(_catalogue_search)]
CatalogueLists = Annotated[Listings, Depends(_catalogue_listings)]
KeptVersion = Annotated[Callable[[str], CheckedVersion | None], Depends(_kept_version)]
FromCatalogue = Annotated[CourseClaims, Depends(_course_claims)]
CourseMatches = Annotated[CourseMatcher, Depends(_course_matcher)]


async def _network_name(runtime: Runtime) -> str | None:
    return runtime.settings.network_name


NetworkName = Annotated[str | None, Depends(_network_name)]
CsvUploads = Annotated[Uploads, Depends(_uploads)]
ApprovalChain = Annotated[Approvals, Depends(_approvals)]
StatusLists = Annotated[StatusService, Depends(_status)]
CredentialVerifier = Annotated[Verifier, Depends(_verifier)]
VcApi = Annotated[VcApiService, Depends(_vcapi)]
RecognitionAgreements = Annotated[Agreements, Depends(_agreements)]
RecognitionRequests = Annotated[Recognitions, Depends(_recognitions)]
StackRules = Annotated[Stacks, Depends(_stacks)]
LearnerTranscripts = Annotated[Transcripts, Depends(_transcripts)]


# OpenID4VCI services that sign nothing (the runtime keeps them across key rotations).
async def _wallet_offers(runtime: Runtime) -> WalletOffers:
    return runtime.wallet_offers()


async def _wallet_tokens(runtime: Runtime) -> WalletTokens:
    return runtime.wallet_tokens()


async def _authorizations(runtime: Runtime) -> AuthorizationService:
    return runtime.authorizations()


Offers = Annotated[WalletOffers, Depends(_wallet_offers)]
TokenEndpoint = Annotated[WalletTokens, Depends(_wallet_tokens)]
Authorizations = Annotated[AuthorizationService, Depends(_authorizations)]


async def _verifications(runtime: Runtime) -> VerificationLanes:
    return runtime.verifications()


Verifications = Annotated[VerificationLanes, Depends(_verifications)]


async def _learners(runtime: Runtime) -> Learners:
    return runtime.learners()


LearnerAccounts = Annotated[Learners, Depends(_learners)]


async def _staff(runtime: Runtime) -> StaffServices:
    return runtime.staff()


async def _outbox(runtime: Runtime) -> Outbox:
    return runtime.outbox()


StaffAccess = Annotated[StaffServices, Depends(_staff)]
MailQueue = Annotated[Outbox, Depends(_outbox)]


# The network: governance, key rotation and proofs open the chain on first use, so a request
# is authenticated and validated before the chain is asked (a 503 while it cannot be).
def _members(runtime: Runtime) -> MemberDirectory:
    return runtime.members()


def _member_list(runtime: Runtime) -> Callable[[], Directory]:
    """The members, read when called (a page that shows them also when the chain is off or
    cannot be reached: ChainError, NodeError)."""
    return lambda: runtime.members().directory()


async def _governance(runtime: Runtime) -> Governance:
    return runtime.governance()


async def _key_rotation(runtime: Runtime) -> KeyRotation:
    return runtime.key_rotation()


async def _supplied_proofs(runtime: Runtime) -> SuppliedProofs:
    return runtime.supplied_proofs()


Members = Annotated[MemberDirectory, Depends(_members)]
MemberList = Annotated[Callable[[], Directory], Depends(_member_list)]
NetworkGovernance = Annotated[Governance, Depends(_governance)]
KeyRotations = Annotated[KeyRotation, Depends(_key_rotation)]
AnchorProofs = Annotated[SuppliedProofs, Depends(_supplied_proofs)]


def _session(runtime: Runtime) -> Iterator[Session]:
    with runtime.sessions() as session:
        yield session


DbSession = Annotated[Session, Depends(_session)]


async def _tokens(runtime: Runtime) -> ApiTokens:
    return runtime.api_tokens()


Tokens = Annotated[ApiTokens, Depends(_tokens)]

_bearer = HTTPBearer(
    auto_error=False, description="API token from `credreg token create` or `/admin/tokens`"
)


def _require(*roles: Role) -> object:
    allowed = set(roles)

    def dependency(
        request: Request,
        session: DbSession,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiToken:
        if credentials is None:
            raise Unauthorized("a bearer token is required (Authorization: Bearer …)")
        token = authenticate(session, credentials.credentials, allowed)
        session.commit()
        staff = f" staff:{token.staff_account_id}" if token.staff_account_id else ""
        set_actor(request, f"token:{token.id}:{token.name}{staff}")
        return token

    return Depends(dependency)


IssuerToken = Annotated[ApiToken, _require(Role.ISSUER)]
AdminToken = Annotated[ApiToken, _require(Role.ADMIN)]
VcApiToken = Annotated[ApiToken, _require(Role.VC_API)]


def _token_actor(session: DbSession, token: IssuerToken) -> Actor:
    """The member of staff an issuer (or admin) token acts for; 403 for a service's."""
    return actor_of(session, token.staff_account_id)


TokenActor = Annotated[Actor, Depends(_token_actor)]
