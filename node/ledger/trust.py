"""What the chain says about a credential: its anchor, its issuer's keys and membership.

The verification pipeline asks these questions through :class:`LedgerTrust`; the answers
come from the network's contracts (and, for the inclusion proof, from this node's records),
never from an issuer's web server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Literal, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from anchoring.errors import ChainError
from anchoring.merkle import verify_inclusion
from anchoring.registries import KeyInfo, MemberInfo, MemberStatus, RegistryError, RootInfo
from node.db.models import AnchorBatch, BatchState, SignedCopy
from node.ledger.connection import Ledger
from node.ledger.status_check import StatusChecker, engine_of
from node.trust import NetworkFacts, TrustUnavailable
from vc.errors import KeyResolutionError, VCError
from vc.multikey import public_key_from_multibase
from vc.signer import PublicKey, VerificationKey

T = TypeVar("T")
# An inclusion proof of another member's credential: (leaf index, tree size, path, root).
SuppliedProof = tuple[int, int, bytes, bytes]
AnchorState = Literal["confirmed", "pending", "unknown", "unavailable", "mismatch"]


@dataclass(frozen=True)
class AnchorFacts:
    state: AnchorState
    detail: str
    block_number: int | None = None
    timestamp: int | None = None  # the anchor's block time: "when" for key validity


@dataclass(frozen=True)
class PeerAnchor:
    """What is known of another member's credential's anchor (node.network.proofs): a
    proof to check against the chain, or why there is none."""

    state: Literal["confirmed", "pending", "unknown", "unavailable"]
    detail: str
    proof: SuppliedProof | None = None


@dataclass(frozen=True)
class NetworkName:
    """How the verdict names the network: its name (None: by its chain id alone) and
    whether the chain is this node's own embedded one (one institution's trust anchor,
    whatever its member list says)."""

    name: str | None
    embedded: bool


# A credential's anchor: columns through a plain connection (entity loading cost ~0.5 ms,
# bench/verify.py), the statement built once.
_ANCHOR_OF = (
    select(
        SignedCopy.leaf_index,
        SignedCopy.proof,
        AnchorBatch.state,
        AnchorBatch.root,
        AnchorBatch.leaf_count,
    )
    .join(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id, isouter=True)
    .where(SignedCopy.leaf_digest == bindparam("digest"))
)


@lru_cache(maxsize=1024)
def _public_key(multibase: str) -> PublicKey:
    """Registered keys are immutable strings: each is decoded once."""
    return public_key_from_multibase(multibase)


@contextmanager
def _chain_errors() -> Iterator[None]:
    try:
        yield
    except ChainError as exc:
        raise TrustUnavailable(
            f"the network's chain did not answer ({type(exc).__name__})"
        ) from exc


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


class LedgerTrust:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        ledger: Ledger,
        origin: str,
        *,
        clock: Callable[[], float] = time.time,
        peer_anchor: Callable[[bytes, str | None], PeerAnchor] | None = None,
        foreign_status: Callable[[str, str, int], str | None] | None = None,
        network_name: NetworkName | None = None,
        own_did: str | None = None,
    ) -> None:
        self._own_did = own_did
        self._peer_anchor = peer_anchor
        self._network_name = network_name or NetworkName(None, embedded=False)
        self._sessions = sessions
        self._engine = engine_of(sessions)
        self._ledger = ledger
        self._origin = origin
        self._clock = clock
        # Registry facts by question, with the registry epoch they were read at: they hold
        # until a block changes NetworkRegistry (a vote, a key retired, …).
        # These caches (and StatusChecker's) are shared by the verification threads without
        # a lock on purpose: each is a dict read and written one key at a time (atomic in
        # CPython), never iterated, its values immutable facts; two threads missing the same
        # key at once both ask the chain and store the same answer.
        self._cache: dict[tuple[object, ...], tuple[int, object]] = {}
        self._roots: dict[bytes, RootInfo] = {}
        self._status = StatusChecker(
            sessions, ledger, origin, self._key_at, self._member_id, foreign_status
        )

    def _cached(self, key: tuple[object, ...], load: Callable[[], T]) -> T:
        epoch = self._ledger.registry.epoch()  # no chain call while the head is < 1 s old
        hit = self._cache.get(key)
        if hit is not None and hit[0] == epoch:
            return hit[1]  # type: ignore[return-value]
        value = load()
        self._cache[key] = (epoch, value)
        return value

    def _member_id(self, did: str) -> int:
        return self._cached(("did", did), lambda: self._ledger.network.member_of_did(did))

    def root_info(self, root: bytes) -> RootInfo | None:
        """A root's anchor facts; once found they never change (the batch is confirmed to
        the node's depth), so they are kept — an absent root is asked again next time."""
        info = self._roots.get(root)
        if info is None:
            info = self._ledger.anchors.root_info(root)
            if info is not None:
                self._roots[root] = info
        return info

    def _member(self, member_id: int) -> MemberInfo:
        return self._cached(("member", member_id), lambda: self._ledger.network.member(member_id))

    def _key(self, member_id: int, key_id: str) -> KeyInfo | None:
        def load() -> KeyInfo | None:
            try:
                return self._ledger.network.key(member_id, key_id)
            except RegistryError:
                return None

        return self._cached(("key", member_id, key_id), load)

    # -- the three questions --------------------------------------------------------------

    def anchor(self, leaf_digest: bytes, issuer: str | None) -> AnchorFacts:
        """Is this credential's digest in a batch whose root the issuer anchored?"""
        with _chain_errors():
            return self._anchor(leaf_digest, issuer)

    def key(self, vm_id: str, at: int | None) -> VerificationKey:
        """The key the NetworkRegistry lists for the issuer, if valid at ``at`` (else now)."""
        with _chain_errors():
            return self._key_at(vm_id, at)

    def membership(self, did: str | None, at: int | None) -> tuple[bool, str]:
        """Is the issuer an accredited member (now, or at least when it anchored)?"""
        with _chain_errors():
            return self._membership(did, at)

    def status(
        self, entries: Sequence[Mapping[str, Any]], issuer: str | None, at: int | None
    ) -> tuple[bool | None, str, bool]:
        """Revoked or suspended — now, or at ``at`` (from the anchored version history)?
        (ok, detail, pending: the answer rests on versions not anchored yet)"""
        with _chain_errors():
            return self._status.check(entries, issuer, at)

    def network(self) -> NetworkFacts:
        """The chain the answers come from, and how many institutions vouch through it."""
        with _chain_errors():
            active = self._cached(("active",), self._active_members)
        name = self._network_name
        return NetworkFacts(
            chain_id=self._ledger.deployment.chain_id,
            name=name.name,
            members=active,
            single_institution=name.embedded or active <= 1,
        )

    def _active_members(self) -> int:
        network = self._ledger.network
        return sum(network.member(m).status is MemberStatus.ACTIVE for m in network.member_ids())

    def _anchor(self, leaf_digest: bytes, issuer: str | None) -> AnchorFacts:
        with self._engine.connect() as connection:
            row = connection.execute(_ANCHOR_OF, {"digest": leaf_digest.hex()}).first()
        if row is None and issuer is not None and issuer == self._own_did:
            # this node issues its credentials: what it does not know, it did not issue
            return AnchorFacts(
                "unknown", "this node, its issuer, knows no credential with this hash"
            )
        if row is None:
            # Another member's credential: a proof its holder supplied, or one fetched from
            # the issuing member's node (node.network.proofs) — checked here all the same.
            peer = (
                self._peer_anchor(leaf_digest, issuer)
                if self._peer_anchor is not None
                else PeerAnchor("unknown", "no inclusion proof known to this node")
            )
            if peer.proof is None:
                return AnchorFacts(peer.state, peer.detail)
            index, leaf_count, proof, root = peer.proof
        else:
            stored_index, stored_proof, batch_state, batch_root, batch_leaves = row
            if (
                batch_state != BatchState.CONFIRMED
                or stored_proof is None
                or stored_index is None
                or batch_root is None
                or batch_leaves is None
            ):
                return AnchorFacts(
                    "pending", "pending: the batch is not confirmed on the chain yet"
                )
            index, proof = stored_index, stored_proof
            root, leaf_count = bytes.fromhex(batch_root), batch_leaves
        if not verify_inclusion(leaf_digest, index, leaf_count, proof, root):
            return AnchorFacts("mismatch", "the inclusion proof does not lead to the batch root")
        info = self.root_info(root)
        if info is None:
            return AnchorFacts("mismatch", f"root {root.hex()} is not on the chain")
        if issuer is not None and info.member != self._member_id(issuer):
            return AnchorFacts("mismatch", f"anchored by member {info.member}, not by the issuer")
        return AnchorFacts(
            "confirmed",
            f"anchored in block {info.block_number} at {_when(info.timestamp)}, "
            f"batch of {info.leaf_count}",
            info.block_number,
            info.timestamp,
        )

    def _key_at(self, vm_id: str, at: int | None) -> VerificationKey:
        did, _, fragment = vm_id.partition("#")
        if not fragment:
            raise KeyResolutionError(f"verification method {vm_id!r} has no fragment")
        member_id = self._member_id(did)
        if member_id == 0:
            raise KeyResolutionError(f"{did} is not a member of the network")
        key = self._key(member_id, fragment)
        if key is None:
            raise KeyResolutionError(f"the network registry lists no key {fragment} for {did}")
        # "Now" is the chain's time when it runs ahead of this clock: a dev chain mining
        # several blocks a second (embedded, anvil) gives each its own later second, and a
        # key the chain made valid in its latest block is valid now.
        moment = max(int(self._clock()), self._ledger.head.timestamp()) if at is None else at
        if at is None and moment < key.valid_from:  # the head read may be a second old:
            moment = max(moment, self._ledger.head.timestamp(fresh=True))  # a new key's block
        if not key.valid_from <= moment < key.valid_until:
            raise KeyResolutionError(
                f"key {fragment} of {did} was not valid at {_when(moment)}"
                + (" (retired)" if key.retired else "")
            )
        try:
            public_key = _public_key(key.public_key_multibase)
        except (VCError, ValueError) as exc:
            raise KeyResolutionError(f"key {fragment} of {did} is unreadable: {exc}") from exc
        return VerificationKey(vm_id, did, public_key, frozenset({"assertionMethod"}))

    def _membership(self, did: str | None, at: int | None) -> tuple[bool, str]:
        if not did:
            return False, "the credential names no issuer"
        member_id = self._member_id(did)
        if member_id == 0:
            return False, f"{did} is not a member of the network"
        member = self._member(member_id)
        accreditation = f"{member.qa_type} quality assurance" + (
            f", DEQAR {member.deqar_id}" if member.deqar_id else ""
        )
        since = _when(member.admitted_at)
        if member.status is MemberStatus.ACTIVE:
            return True, f"active member since {since} ({accreditation})"
        changed = _when(member.status_changed_at)
        if (
            member.status is MemberStatus.SUSPENDED
            and at is not None
            and at < member.status_changed_at
        ):
            return True, f"issued while an active member; suspended since {changed}"
        return False, f"member is {member.status.name.lower()} since {changed}"


class UnreachableTrust:
    """Stands in while the chain cannot be opened: every question is "cannot be checked"."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def anchor(self, leaf_digest: bytes, issuer: str | None) -> AnchorFacts:
        raise TrustUnavailable(self._reason)

    def key(self, vm_id: str, at: int | None) -> VerificationKey:
        raise TrustUnavailable(self._reason)

    def membership(self, did: str | None, at: int | None) -> tuple[bool, str]:
        raise TrustUnavailable(self._reason)

    def status(
        self, entries: Sequence[Mapping[str, Any]], issuer: str | None, at: int | None
    ) -> tuple[bool | None, str, bool]:
        raise TrustUnavailable(self._reason)

    def network(self) -> NetworkFacts:
        raise TrustUnavailable(self._reason)
