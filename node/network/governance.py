"""Membership governance through NetworkRegistry: proposals, votes, execution, key changes.

Every operation is a transaction from this node's anchoring account (the account that acts
for its member on chain). The contract decides; its refusals come back as
:class:`ChainRefused` carrying the Solidity error's name (HTTP 409), an unreachable chain as
:class:`ChainDown` (503), and input this node can reject before sending as
:class:`~node.errors.InvalidInput` (422).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from anchoring.errors import ChainError, ChainUnavailable, ContractReverted
from anchoring.registries import (
    MemberSpec,
    MemberStatus,
    ProposalInfo,
    ProposalKind,
    ProposalState,
    RegistryError,
)
from node.errors import Conflict, InvalidInput, NodeError, Problem
from node.ledger.connection import Ledger
from vc.errors import VCError
from vc.multikey import public_key_from_multibase

RECEIPT_TIMEOUT = 60.0


class ChainRefused(Conflict):
    """The contract refused: ``code`` is the custom error's name (e.g. ``AlreadyVoted``)."""

    def __init__(self, error: RegistryError) -> None:
        args = ", ".join(_show(a) for a in error.args_)
        super().__init__(f"the NetworkRegistry refused: {error.name}({args})")
        self.code = error.name
        self.name = error.name


class ChainDown(NodeError):
    status_code = 503
    code = "chain_unavailable"


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return repr(value)


@contextmanager
def refusals() -> Iterator[None]:
    try:
        yield
    except RegistryError as exc:
        raise ChainRefused(exc) from exc
    except ContractReverted as exc:
        raise Conflict(f"the NetworkRegistry refused: {exc}") from exc
    except ChainUnavailable as exc:
        raise ChainDown(f"the chain cannot be reached: {exc}") from exc
    except ChainError as exc:
        raise ChainDown(f"the chain failed: {exc}") from exc


@dataclass(frozen=True)
class Outcome:
    """What one governance transaction did."""

    tx_hash: str
    block_number: int
    events: list[str]
    proposal: ProposalInfo | None = None


@dataclass(frozen=True)
class Applicant:
    """An institution applying for membership (the CLI / API input)."""

    did: str
    service_endpoint: str
    keys: Sequence[tuple[str, str]]  # (keyId, publicKeyMultibase)
    accounts: Sequence[str]
    qa_type: str = "institutional"
    deqar_id: str = ""
    eqf_levels: frozenset[int] = field(default_factory=lambda: frozenset({5, 6, 7, 8}))

    def spec(self) -> MemberSpec:
        problems = []
        if not self.did.startswith("did:"):
            problems.append(Problem("did", "must be a DID (did:web:…)"))
        if not self.service_endpoint.startswith(("https://", "http://")):
            problems.append(Problem("serviceEndpoint", "must be an http(s) URL"))
        if not self.keys:
            problems.append(Problem("keys", "at least one signing key is needed"))
        for i, (key_id, multibase) in enumerate(self.keys):
            if not key_id or "#" in key_id:
                problems.append(Problem(f"keys.{i}.keyId", "a DID URL fragment without '#'"))
            try:
                public_key_from_multibase(multibase)
            except (VCError, ValueError) as exc:
                problems.append(Problem(f"keys.{i}.publicKeyMultibase", str(exc)))
        if not self.accounts:
            problems.append(Problem("accounts", "at least one anchoring account is needed"))
        for i, account in enumerate(self.accounts):
            if not _is_address(account):
                problems.append(Problem(f"accounts.{i}", "not a 20-byte hex address"))
        bad = sorted(level for level in self.eqf_levels if not 1 <= level <= 8)
        if bad:
            problems.append(Problem("eqfLevels", f"EQF levels are 1–8, not {bad}"))
        if problems:
            raise InvalidInput("the application is incomplete or malformed", problems)
        return MemberSpec(
            did=self.did,
            service_endpoint=self.service_endpoint,
            qa_type=self.qa_type,
            deqar_id=self.deqar_id,
            eqf_levels=self.eqf_levels,
            keys=[(key_id, multibase, 0, 0) for key_id, multibase in self.keys],
            accounts=list(self.accounts),
        )


def _is_address(text: str) -> bool:
    body = text[2:] if text.startswith("0x") else ""
    return len(body) == 40 and all(c in "0123456789abcdefABCDEF" for c in body)


class Governance:
    """This node's voice in the network: it proposes, votes and executes as its member."""

    def __init__(self, ledger: Callable[[], Ledger], *, confirmations: int = 0) -> None:
        self._ledger = ledger  # opens the chain on first use (NodeRuntime.ledger)
        self._confirmations = confirmations

    def own_member(self) -> int:
        with refusals():
            return int(self._ledger().network.member_of_account(self._ledger().account.address))

    def _require_member(self) -> int:
        member = self.own_member()
        if member == 0:
            address = self._ledger().account.address
            raise Conflict(f"this node's account {address} acts for no member")
        return member

    def _member_id(self, member: int | str) -> int:
        """A member given by number or DID."""
        if isinstance(member, int):
            return member
        text = member.strip()
        if text.isdigit():
            return int(text)
        with refusals():
            found = int(self._ledger().network.member_of_did(text))
        if found == 0:
            raise InvalidInput(
                f"{text} is not a member", [Problem("member", "no member has this DID")]
            )
        return found

    def _transact(self, send: Callable[[], bytes]) -> Outcome:
        with refusals():
            tx_hash = send()
            receipt = self._ledger().chain.wait_for_receipt(
                tx_hash, timeout=RECEIPT_TIMEOUT, confirmations=self._confirmations
            )
            events = self._ledger().network.decode_logs(receipt.logs)
            proposal = None
            ids = [int(e.args["proposalId"]) for e in events if "proposalId" in e.args]
            ids = [i for i in ids if i]
            if ids:
                proposal = self._ledger().network.proposal(ids[0])
        return Outcome(
            "0x" + tx_hash.hex(), receipt.block_number, [e.name for e in events], proposal
        )

    # -- proposals ------------------------------------------------------------------------
    def propose_admission(self, applicant: Applicant) -> Outcome:
        spec = applicant.spec()
        account = self._ledger().account
        return self._transact(lambda: self._ledger().network.propose_admission(account, spec))

    def propose_status(self, action: str, member: int | str) -> Outcome:
        """``action``: suspend, reinstate or remove."""
        member_id = self._member_id(member)
        network, account = self._ledger().network, self._ledger().account
        senders: dict[str, Callable[[], bytes]] = {
            "suspend": lambda: network.propose_suspension(account, member_id),
            "reinstate": lambda: network.propose_reinstatement(account, member_id),
            "remove": lambda: network.propose_removal(account, member_id),
        }
        if action not in senders:
            raise InvalidInput(f"unknown action {action!r}", [Problem("action", "unknown")])
        return self._transact(senders[action])

    def propose_key_addition(
        self, key_id: str, public_key_multibase: str, valid_from: int | None = None
    ) -> Outcome:
        """Propose a new signing key for this node's own member (valid from now)."""
        member = self._require_member()
        try:
            public_key_from_multibase(public_key_multibase)
        except (VCError, ValueError) as exc:
            raise InvalidInput(
                "not a Multikey public key", [Problem("publicKeyMultibase", str(exc))]
            ) from exc
        with refusals():
            start = self._ledger().chain.block().timestamp if valid_from is None else valid_from
        network, account = self._ledger().network, self._ledger().account
        return self._transact(
            lambda: network.propose_key_addition(
                account, member, key_id, public_key_multibase, start
            )
        )

    def retire_own_key(self, key_id: str, retired_at: int | None = None) -> Outcome:
        """Retire one of this member's keys (self-service, no vote): invalid from
        ``retired_at`` on (default: the latest block's time)."""
        self._require_member()
        with refusals():
            when = self._ledger().chain.block().timestamp if retired_at is None else retired_at
        network, account = self._ledger().network, self._ledger().account
        return self._transact(lambda: network.retire_own_key(account, key_id, when))

    def vote(self, proposal_id: int, support: bool) -> Outcome:
        network, account = self._ledger().network, self._ledger().account
        return self._transact(lambda: network.vote(account, proposal_id, support))

    def execute(self, proposal_id: int) -> Outcome:
        network, account = self._ledger().network, self._ledger().account
        return self._transact(lambda: network.execute(account, proposal_id))

    def cancel(self, proposal_id: int) -> Outcome:
        network, account = self._ledger().network, self._ledger().account
        return self._transact(lambda: network.cancel(account, proposal_id))

    # -- reads ----------------------------------------------------------------------------
    def proposal(self, proposal_id: int) -> ProposalInfo:
        with refusals():
            return self._ledger().network.proposal(proposal_id)

    def proposals(self, *, open_only: bool = False, limit: int = 100) -> list[ProposalInfo]:
        """The newest proposals first."""
        with refusals():
            count = self._ledger().network.proposal_count()
            found = []
            for proposal_id in range(count, max(count - limit, 0), -1):
                info = self._ledger().network.proposal(proposal_id)
                if open_only and (info.state is not ProposalState.OPEN or info.expired):
                    continue
                found.append(info)
        return found

    def member_status(self, member: int | str) -> MemberStatus:
        member_id = self._member_id(member)
        with refusals():
            return self._ledger().network.status_of(member_id)


def proposal_json(info: ProposalInfo) -> dict[str, Any]:
    """A proposal for people (CLI and API)."""
    return {
        "id": info.id,
        "kind": _kind_name(info.kind),
        "state": "expired" if info.expired else info.state.name.lower(),
        "subject": info.subject,
        "proposer": info.proposer,
        "proposerAccount": info.proposer_account,
        "createdAt": info.created_at,
        "expiresAt": info.expires_at,
        "votesFor": info.votes_for,
        "votesAgainst": info.votes_against,
        "eligible": info.eligible,
        "details": info.details,
    }


def _kind_name(kind: ProposalKind) -> str:
    return "".join(
        part if i == 0 else part.capitalize() for i, part in enumerate(kind.name.lower().split("_"))
    )


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    return {
        "txHash": outcome.tx_hash,
        "blockNumber": outcome.block_number,
        "events": outcome.events,
        "proposal": None if outcome.proposal is None else proposal_json(outcome.proposal),
    }
