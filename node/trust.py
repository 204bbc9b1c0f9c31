"""The trust interface: what the verifier asks the network's chain, below both.

The verification pipeline (:mod:`node.verification.pipeline`) asks a :class:`Trust`; the
ledger (:class:`node.ledger.trust.LedgerTrust`) and the peers' mirror answer it, raising
:class:`TrustUnavailable` when the chain cannot answer now. Neither side imports the other:
both import this module (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from vc.signer import VerificationKey

__all__ = ["AnchorFactsLike", "NetworkFacts", "Trust", "TrustUnavailable"]


class TrustUnavailable(Exception):
    """The trust source (the chain) cannot answer now; the check reports "cannot be checked"."""


@dataclass(frozen=True)
class NetworkFacts:
    """The trust anchor a verification relied on: which chain, how many institutions."""

    chain_id: int
    name: str | None  # as configured (CREDREG_NETWORK_NAME); None: by its chain id alone
    members: int  # active members of the network
    single_institution: bool  # one institution's own chain: nobody else vouches


class AnchorFactsLike(Protocol):
    @property
    def state(self) -> str:
        """confirmed | pending | unknown | unavailable | mismatch"""

    @property
    def detail(self) -> str: ...

    @property
    def timestamp(self) -> int | None:
        """The anchor's block time (confirmed anchors only)."""


class Trust(Protocol):
    """What the network's chain says (node.ledger.trust.LedgerTrust implements it)."""

    def anchor(self, leaf_digest: bytes, issuer: str | None) -> AnchorFactsLike: ...

    def key(self, vm_id: str, at: int | None) -> VerificationKey: ...

    def membership(self, did: str | None, at: int | None) -> tuple[bool, str]: ...

    def status(
        self, entries: Sequence[Mapping[str, Any]], issuer: str | None, at: int | None
    ) -> tuple[bool | None, str, bool]:
        """(ok, detail, pending): pending when the answer rests on list versions not
        anchored yet."""

    def network(self) -> NetworkFacts: ...
