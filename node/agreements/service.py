"""Recognition agreements between two members, agreed node to node.

1. **Propose.** Staff at A write the terms (:class:`~node.agreements.terms.ProposalIn`); A
   gives the version its URL (``{A}/agreements/{uuid}/versions/{n}``), signs it and hands it
   to the partner's node: ``POST {B's registered endpoint}/api/agreements/inbox``.
2. **Receive.** B keeps it (``received``) once the terms are valid, B is a party, the
   agreement's URL lies under the other party's registered endpoint and its one proof
   verifies with a key the chain lists for that party.
3. **Accept or decline.** B's staff accept: B adds its proof, the version is ``agreed``, B
   anchors its digest (the anchor rounds) and hands the document back to A's inbox — where
   A checks that both proofs verify and that its own is the one it made, and watches for
   the anchor. Or they decline with a reason, signed and handed back the same way.
4. **Amend or end**: a new version of the same agreement (proposed by A, whose URL names it),
   naming its previous version's URL and digest, agreed the same way.

Hand-overs are kept until the other node took them (``delivery_*``): tried at once, then by
the anchor rounds with back-off, so a node that is down gets them later and a process that
dies loses nothing (a second hand-over of the same document is answered as the first).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from anchoring.errors import ChainError
from anchoring.registries import MemberInfo, MemberStatus, RootInfo
from node.agreements.documents import (
    AgreementReport,
    ChainView,
    Signatures,
    add_proof,
    check_document,
    digest_of,
    parsed_terms,
    proofs_of,
    signed,
)
from node.agreements.terms import (
    DOCUMENT_TYPE,
    LEARNING_SCHEMA_ID,
    LEARNING_TYPE,
    SCHEMA_ID,
    LearningAgreementTerms,
    LearningProposalIn,
    ProposalIn,
    Terms,
    agreement_of,
)
from node.credentials.profile import problems_from_validation_error
from node.db.models import AgreementVersion
from node.errors import Conflict, Forbidden, InvalidInput, NotFound, Problem
from node.network.fetch import AGREEMENT_INBOX, PeerFetchError, PeerLimits, post_json, refusal
from node.network.governance import ChainDown
from node.trust import TrustUnavailable
from vc.signer import Signer

log = logging.getLogger(__name__)
DECLINE_TYPE = "RecognitionAgreementDecline"
_FIRST_RETRY = timedelta(seconds=30)
_LAST_RETRY = timedelta(hours=1)
_PER_ROUND = 50


@dataclass(frozen=True)
class AgreementView:
    """One version as this node holds it."""

    url: str
    agreement: str
    version: int
    role: str  # this node's: proposer | partner
    partner: str  # the other party's DID
    state: str  # proposed | received | agreed | declined
    document: dict[str, Any]  # the terms with the proofs so far
    digest: str | None
    reason: str | None
    created_at: datetime
    decided_at: datetime | None
    delivery: dict[str, Any] | None
    anchor: dict[str, Any] | None
    kind: str = "recognition"  # or learning
    learner_accepted_at: datetime | None = None


def _kind(terms: Terms) -> str:
    return "learning" if isinstance(terms, LearningAgreementTerms) else "recognition"


def _names(terms: dict[str, Any], identity: tuple[str, str], home: str) -> bool:
    """Whether a learning agreement of ``home`` names the learner with ``identity``."""
    learner, programme = terms.get("learner") or {}, terms.get("programme") or {}
    return (
        programme.get("institution") == home
        and (
            learner.get("identifierType"),
            learner.get("identifier"),
        )
        == identity
    )


class Agreements:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        did: str,
        origin: str,
        signer: Signer,
        chain: Callable[[], ChainView | None],
        limits: PeerLimits,
    ) -> None:
        self._sessions = sessions
        self._did, self._origin, self._signer = did, origin.rstrip("/"), signer
        self._chain, self._limits = chain, limits
        self._roots: dict[bytes, RootInfo] = {}

    # -- staff -------------------------------------------------------------------------------

    def propose(self, raw: object, actor: str) -> AgreementView:
        """A new agreement (``partner``) or a new version of one of ours (``amends``),
        signed here and handed to the partner's node."""
        learning = isinstance(raw, dict) and raw.get("type") == LEARNING_TYPE
        model: type[ProposalIn | LearningProposalIn] = (
            LearningProposalIn if learning else ProposalIn
        )
        try:
            proposal = model.model_validate(raw)
        except ValidationError as exc:
            raise InvalidInput("proposal refused", problems_from_validation_error(exc)) from None
        body = proposal.model_dump(mode="json", by_alias=True, exclude_none=True)
        body = {k: v for k, v in body.items() if k not in ("partner", "amends", "type")}
        with self._sessions() as session:
            if proposal.amends is not None:
                previous = self._latest_agreed(session, proposal.amends)
                if previous.role != "proposer":
                    raise Conflict("only the institution that proposed an agreement amends it")
                partner, agreement = previous.partner_did, previous.agreement_url
                number = previous.number + 1
                earlier = {"id": previous.url, "digest": previous.digest}
            else:
                assert proposal.partner is not None
                partner, number, earlier = proposal.partner, 1, None
                agreement = f"{self._origin}/agreements/{uuid.uuid4()}"
        self._endpoint(partner, "partner")  # a member with an endpoint, now
        url = f"{agreement}/versions/{number}"
        terms: dict[str, Any] = {
            "$schema": LEARNING_SCHEMA_ID if learning else SCHEMA_ID,
            "type": LEARNING_TYPE if learning else DOCUMENT_TYPE,
            "id": url,
            "agreement": agreement,
            "version": number,
            **({"previousVersion": earlier} if earlier else {}),
            "parties": [{"id": self._did}, {"id": partner}],
            **body,
        }
        parsed = parsed_terms(terms)  # the document's own rules (parties of each module …)
        terms = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
        document = add_proof(terms, self._signer)
        row = AgreementVersion(
            url=url,
            agreement_url=agreement,
            number=number,
            kind=_kind(parsed),
            role="proposer",
            partner_did=partner,
            terms=terms,
            proofs=document["proof"],
            state="proposed",
            created_by=actor,
            delivery_state="pending",
            next_delivery_at=datetime.now(UTC),
        )
        with self._sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise Conflict(f"version {number} of {agreement} exists already") from None
        self._deliver(url)
        return self.get(url)

    def accept(self, url: str, actor: str) -> AgreementView:
        """Sign a received proposal: agreed, to be anchored here and handed back."""
        with self._sessions() as session, session.begin():
            row = self._row(session, url)
            if row.state == "agreed":
                return self._view(row)
            if row.role != "partner" or row.state != "received":
                raise Conflict(f"a {row.state} agreement cannot be accepted here")
            document = add_proof(signed(row.terms, row.proofs), self._signer)
            row.proofs = document["proof"]
            row.state, row.digest = "agreed", digest_of(document)
            row.decided_at, row.decided_by = datetime.now(UTC), actor
            row.anchor_state = "pending"
            row.delivery_state, row.next_delivery_at = "pending", datetime.now(UTC)
        self._deliver(url)
        return self.get(url)

    def decline(self, url: str, actor: str, reason: str) -> AgreementView:
        """Refuse a received proposal with a reason, handed back to the proposer."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput("decline refused", [Problem("reason", "required")])
        with self._sessions() as session, session.begin():
            row = self._row(session, url)
            if row.role != "partner" or row.state != "received":
                raise Conflict(f"a {row.state} agreement cannot be declined here")
            row.state, row.reason = "declined", reason[:2000]
            row.decided_at, row.decided_by = datetime.now(UTC), actor
            row.delivery_state, row.next_delivery_at = "pending", datetime.now(UTC)
        self._deliver(url)
        return self.get(url)

    # -- reading ---------------------------------------------------------------------------

    def get(self, url: str) -> AgreementView:
        with self._sessions() as session:
            return self._view(self._row(session, url))

    def agreed(self, url: str) -> AgreementView:
        """An agreed recognition agreement version this node holds (NotFound for any
        other: nothing else is public — a learning agreement names its learner)."""
        view = self.get(url)
        if view.state != "agreed" or view.kind != "recognition":
            raise NotFound(f"no agreed agreement version {url} here")
        return view

    # -- learning agreements: the learner's part (at the home institution) -----------------

    def learning_agreements(self, identity: tuple[str, str]) -> list[AgreementView]:
        """The learning agreements this node (the home) made that name the learner with
        this (identifier type, identifier), newest first."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AgreementVersion)
                .where(AgreementVersion.kind == "learning")
                .order_by(AgreementVersion.created_at.desc())
            )
            return [self._view(row) for row in rows if _names(row.terms, identity, self._did)]

    def accept_as_learner(
        self, url: str, account_id: str, identity: tuple[str, str]
    ) -> AgreementView:
        """The learner accepts a learning agreement that names them (in the portal)."""
        with self._sessions() as session, session.begin():
            row = self._row(session, url)
            if row.kind != "learning" or not _names(row.terms, identity, self._did):
                raise NotFound(f"no learning agreement {url} for this learner")
            if row.learner_accepted_at is None:
                row.learner_account_id, row.learner_accepted_at = account_id, datetime.now(UTC)
        return self.get(url)

    def newest_agreed(self, version_url: str) -> AgreementView | None:
        """The newest agreed version of the agreement ``version_url`` is a version of."""
        base = agreement_of(version_url)
        with self._sessions() as session:
            row = session.scalars(
                select(AgreementVersion)
                .where(AgreementVersion.agreement_url == base, AgreementVersion.state == "agreed")
                .order_by(AgreementVersion.number.desc())
                .limit(1)
            ).first()
            return None if row is None else self._view(row)

    def own_url(self, agreement_id: str, number: int) -> str:
        """The URL of a version of an agreement this node proposed."""
        return f"{self._origin}/agreements/{agreement_id}/versions/{number}"

    def versions(self, *, agreed_only: bool, kind: str | None = None) -> list[AgreementView]:
        """Every version this node is a party to (newest agreement first), or the agreed;
        ``kind``: only recognition (or learning) agreements."""
        with self._sessions() as session:
            query = select(AgreementVersion).order_by(
                AgreementVersion.created_at.desc(), AgreementVersion.number.desc()
            )
            if agreed_only:
                query = query.where(AgreementVersion.state == "agreed")
            if kind is not None:
                query = query.where(AgreementVersion.kind == kind)
            return [self._view(row) for row in session.scalars(query)]

    def check(self, document: object) -> AgreementReport:
        """The verdict on any agreement document, against the chain. Roots found anchored
        are remembered (an anchor never goes away): a check reads the chain for the
        others, and for the members, keys and statuses (cached per block by the trust)."""
        chain = self._chain()
        if chain is not None:
            chain = replace(chain, root_info=self._remembered(chain.root_info))
        return check_document(document, chain)

    def _remembered(
        self, root_info: Callable[[bytes], RootInfo | None]
    ) -> Callable[[bytes], RootInfo | None]:
        def cached(root: bytes) -> RootInfo | None:
            found = self._roots.get(root)
            if found is None:
                found = root_info(root)
                if found is not None:
                    self._roots[root] = found
            return found

        return cached

    # -- the inbox -------------------------------------------------------------------------

    def receive(self, document: object) -> AgreementView:
        """A document another member's node hands over: a proposal, a signed return of one
        of ours, or a decline of one of ours. The same hand-over twice is answered alike."""
        if not isinstance(document, dict):
            raise InvalidInput("refused", [Problem("body", "a JSON object")])
        if document.get("type") == DECLINE_TYPE:
            return self._declined(document)
        terms = parsed_terms(document)
        if self._did not in terms.dids:
            raise Forbidden(f"{self._did} is not a party to this agreement")
        proposer = self._proposer(terms.agreement, terms.dids)
        signers = self._signers(document)
        bare = {k: v for k, v in document.items() if k != "proof"}
        canonical = terms.model_dump(mode="json", by_alias=True, exclude_none=True)
        if bare != canonical:
            raise InvalidInput("agreement refused", [Problem("agreement", "not in canonical form")])
        if proposer == self._did:
            return self._returned(document, canonical, signers)
        if signers != [proposer]:
            raise InvalidInput(
                "agreement refused", [Problem("proof", f"one proof by {proposer} expected")]
            )
        with contextlib.suppress(IntegrityError):  # the same hand-over, taken meanwhile
            self._keep_received(terms, canonical, document, proposer)
        with self._sessions() as session:
            held = session.get(AgreementVersion, terms.id)
            if held is None or held.terms != canonical or held.proofs[:1] != proofs_of(document):
                raise Conflict(f"{terms.id} is held here with other terms or proofs")
        log.info("agreement %s received from %s", terms.id, proposer)
        return self.get(terms.id)

    def _keep_received(
        self, terms: Terms, canonical: dict[str, Any], document: dict[str, Any], proposer: str
    ) -> None:
        with self._sessions() as session, session.begin():
            held = session.get(AgreementVersion, terms.id)
            if held is not None:
                return  # answered as the first (or refused) by the caller
            if terms.previous_version is not None:
                previous = self._latest_agreed(session, terms.agreement)
                if (previous.url, previous.digest) != (
                    terms.previous_version.id,
                    terms.previous_version.digest,
                ):
                    raise Conflict("the previous version named is not the one agreed here")
            session.add(
                AgreementVersion(
                    url=terms.id,
                    agreement_url=terms.agreement,
                    number=terms.version,
                    kind=_kind(terms),
                    role="partner",
                    partner_did=proposer,
                    terms=canonical,
                    proofs=proofs_of(document),
                    state="received",
                )
            )

    def _returned(
        self, document: dict[str, Any], terms: dict[str, Any], signers: list[str]
    ) -> AgreementView:
        with self._sessions() as session, session.begin():
            row = self._row(session, str(terms["id"]))
            if signers != [self._did, row.partner_did]:
                raise InvalidInput(
                    "agreement refused",
                    [Problem("proof", f"proofs by {self._did} and {row.partner_did} expected")],
                )
            digest = digest_of(document)
            if row.state == "agreed" and row.digest == digest:
                return self._view(row)
            if row.state != "proposed" or row.role != "proposer":
                raise Conflict(f"this agreement is {row.state} here")
            proofs = proofs_of(document)
            if row.terms != terms or proofs[0] != row.proofs[0]:
                raise InvalidInput(
                    "agreement refused", [Problem("agreement", "not the version proposed")]
                )
            row.proofs, row.state, row.digest = proofs, "agreed", digest
            row.decided_at = datetime.now(UTC)
            row.anchor_state = "awaiting"  # the partner anchors it
            row.delivery_state = None
            log.info("agreement %s agreed by %s", row.url, row.partner_did)
            return self._view(row)

    def _declined(self, notice: dict[str, Any]) -> AgreementView:
        url, reason = notice.get("agreementVersion"), notice.get("reason")
        if not isinstance(url, str) or not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(
                "decline refused",
                [Problem("agreementVersion", "required"), Problem("reason", "required")],
            )
        with self._sessions() as session, session.begin():
            row = self._row(session, url)
            if self._signers(notice) != [row.partner_did] or notice.get("by") != row.partner_did:
                raise InvalidInput("decline refused", [Problem("proof", "not by the partner")])
            if row.state == "declined":
                return self._view(row)
            if row.state != "proposed" or row.role != "proposer":
                raise Conflict(f"this agreement is {row.state} here")
            row.state, row.reason, row.decided_at = "declined", reason[:2000], datetime.now(UTC)
            row.delivery_state = None
            return self._view(row)

    # -- hand-overs ------------------------------------------------------------------------

    def run_once(self) -> int:
        """Hand over what is due (a round of the ledger work); the number handed over."""
        now = datetime.now(UTC)
        with self._sessions() as session:
            urls = list(
                session.scalars(
                    select(AgreementVersion.url)
                    .where(AgreementVersion.delivery_state == "pending")
                    .where(
                        or_(
                            AgreementVersion.next_delivery_at.is_(None),
                            AgreementVersion.next_delivery_at <= now,
                        )
                    )
                    .limit(_PER_ROUND)
                )
            )
        return sum(self._deliver(url) for url in urls)

    def _deliver(self, url: str) -> int:
        with self._sessions() as session:
            row = self._row(session, url)
            if row.delivery_state != "pending":
                return 0
            partner, attempts = row.partner_did, row.delivery_attempts
            body = self._handover(row)
        try:
            endpoint = self._endpoint(partner, "partner")
            if (why := refusal(endpoint + AGREEMENT_INBOX, endpoint + "/api/")) is not None:
                raise PeerFetchError(why)
            post_json(endpoint + AGREEMENT_INBOX, body, self._limits)
        except (PeerFetchError, InvalidInput, ChainDown) as exc:
            wait = min(_FIRST_RETRY * 2**attempts, _LAST_RETRY)
            self._note(url, error=str(exc), retry=datetime.now(UTC) + wait)
            log.info("agreement %s not handed to %s: %s", url, partner, exc)
            return 0
        self._note(url, error=None, retry=None)
        return 1

    def _handover(self, row: AgreementVersion) -> dict[str, Any]:
        if row.state == "declined":
            notice = {
                "type": DECLINE_TYPE,
                "agreementVersion": row.url,
                "by": self._did,
                "reason": row.reason,
            }
            return add_proof(notice, self._signer)
        return signed(row.terms, row.proofs)

    def _note(self, url: str, *, error: str | None, retry: datetime | None) -> None:
        with self._sessions() as session, session.begin():
            row = self._row(session, url)
            row.delivery_attempts += 1
            row.delivery_error = error[:2000] if error else None
            if error is None:
                row.delivery_state, row.next_delivery_at = "delivered", None
            else:
                row.next_delivery_at = retry

    # -- helpers ---------------------------------------------------------------------------

    def _row(self, session: Session, url: str) -> AgreementVersion:
        row = session.get(AgreementVersion, url)
        if row is None:
            raise NotFound(f"no agreement version {url} here")
        return row

    def _latest_agreed(self, session: Session, agreement: str) -> AgreementVersion:
        row = session.scalars(
            select(AgreementVersion)
            .where(AgreementVersion.agreement_url == agreement)
            .order_by(AgreementVersion.number.desc())
            .limit(1)
        ).first()
        if row is None:
            raise NotFound(f"no agreement {agreement} here")
        if row.state != "agreed":
            raise Conflict(f"version {row.number} of {agreement} is {row.state}, not agreed")
        return row

    def _view_chain(self) -> ChainView:
        chain = self._chain()
        if chain is None:
            raise Conflict("agreements need the network's chain (CREDREG_CHAIN is off)")
        return chain

    def _members(self) -> dict[str, MemberInfo]:
        try:
            return {m.did: m for m in self._view_chain().members()}
        except ChainError as exc:
            raise ChainDown(f"the chain cannot be read: {exc}") from exc

    def _endpoint(self, did: str, element: str) -> str:
        member = self._members().get(did)
        if member is None or member.status is not MemberStatus.ACTIVE:
            reason = "not an active member of the network"
            raise InvalidInput("refused", [Problem(element, f"{did} is {reason}")])
        if not member.service_endpoint:
            raise InvalidInput("refused", [Problem(element, f"{did} lists no endpoint")])
        return member.service_endpoint.rstrip("/")

    def _proposer(self, agreement: str, parties: tuple[str, str]) -> str:
        """The party whose registered endpoint the agreement's URL lies under."""
        if agreement.startswith(self._origin + "/agreements/"):
            return self._did
        for did in parties:
            if did != self._did:
                endpoint = self._endpoint(did, "parties")
                if refusal(agreement, endpoint + "/agreements/") is None:
                    return did
        raise InvalidInput(
            "agreement refused",
            [Problem("agreement", "not under the other party's registered endpoint")],
        )

    def _signers(self, document: dict[str, Any]) -> list[str]:
        chain = self._view_chain()
        try:
            return Signatures(chain.trust).signers(document)
        except TrustUnavailable as exc:
            raise ChainDown(f"the chain cannot be read: {exc}") from exc

    @staticmethod
    def _view(row: AgreementVersion) -> AgreementView:
        anchor = None
        if row.anchor_state is not None:
            anchor = {
                "state": "confirmed" if row.anchor_state == "confirmed" else "pending",
                "root": row.anchor_root,
                "transaction": row.anchor_tx,
                "block": row.anchor_block,
                "time": row.anchor_time,
                "error": row.anchor_error,
            }
        delivery = None
        if row.delivery_state is not None:
            delivery = {
                "state": row.delivery_state,
                "attempts": row.delivery_attempts,
                "error": row.delivery_error,
                "nextAttempt": row.next_delivery_at,
            }
        return AgreementView(
            row.url,
            row.agreement_url,
            row.number,
            row.role,
            row.partner_did,
            row.state,
            signed(row.terms, row.proofs),
            row.digest,
            row.reason,
            row.created_at,
            row.decided_at,
            delivery,
            anchor,
            row.kind,
            row.learner_accepted_at,
        )
