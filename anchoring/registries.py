"""Typed bindings of the network's contracts over any :class:`~anchoring.chain.ChainClient`.

ABI encoding runs offline (web3's contract codec without a provider); every call and
transaction goes through the chain client, so the bindings behave the same on the embedded
chain and on JSON-RPC. Custom errors are decoded into :class:`RegistryError` with their name.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_output_types
from web3 import Web3
from web3.contract import Contract

from anchoring.chain import ChainClient, Log, Receipt, checksum
from anchoring.errors import ChainError, ContractMissing, ContractReverted
from contracts import ContractName, load_artifact

__all__ = [
    "OPEN_ENDED",
    "AnchorRegistry",
    "Ballot",
    "Deployment",
    "Event",
    "KeyInfo",
    "MemberInfo",
    "MemberSpec",
    "MemberStatus",
    "NetworkRegistry",
    "ProposalInfo",
    "ProposalKind",
    "ProposalState",
    "RegistryError",
    "RootInfo",
    "StatusRegistry",
    "deploy_network",
]

OPEN_ENDED = 2**64 - 1  # a key's validUntil while it has no end


class MemberStatus(enum.IntEnum):
    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REMOVED = 3


class ProposalKind(enum.IntEnum):
    ADMISSION = 0
    SUSPENSION = 1
    REINSTATEMENT = 2
    REMOVAL = 3
    KEY_ADDITION = 4
    KEY_RETIREMENT = 5
    ACCOUNT_ADDITION = 6
    ACCOUNT_REMOVAL = 7
    SERVICE_ENDPOINT_UPDATE = 8
    ACCREDITATION_UPDATE = 9


class ProposalState(enum.IntEnum):
    NONE = 0
    OPEN = 1
    EXECUTED = 2
    REJECTED = 3
    CANCELLED = 4


class Ballot(enum.IntEnum):
    NONE = 0
    FOR = 1
    AGAINST = 2


class RegistryError(ChainError):
    """A contract refused: ``name`` is the Solidity custom error (e.g. ``RootAlreadyAnchored``)."""

    def __init__(self, name: str, args: tuple[Any, ...], reverted: ContractReverted) -> None:
        super().__init__(f"{name}{args}")
        self.name = name
        self.args_ = args
        self.reverted = reverted


@cache
def _codec(name: ContractName) -> type[Contract]:
    return Web3().eth.contract(abi=load_artifact(name).abi)


@cache
def _errors(name: ContractName) -> dict[bytes, tuple[str, list[str]]]:
    table: dict[bytes, tuple[str, list[str]]] = {}
    for entry in load_artifact(name).abi:
        if entry["type"] == "error":
            types = [_type(i) for i in entry["inputs"]]
            table[function_abi_to_4byte_selector(entry)] = (entry["name"], types)  # type: ignore[arg-type]
    return table


def _type(item: dict[str, Any]) -> str:
    if not item["type"].startswith("tuple"):
        return str(item["type"])
    inner = ",".join(_type(c) for c in item["components"])
    return f"({inner}){item['type'][5:]}"


class _Binding:
    NAME: ContractName

    def __init__(self, chain: ChainClient, address: str) -> None:
        self.chain = chain
        self.address = checksum(address)
        self._c = _codec(self.NAME)

    def _decode_error(self, exc: ContractReverted) -> ChainError:
        entry = _errors(self.NAME).get(exc.selector or b"")
        if entry is None:
            return exc
        name, types = entry
        return RegistryError(name, tuple(abi_decode(types, exc.data[4:])), exc)

    def _call(self, fn: str, *args: Any) -> Any:
        data = bytes.fromhex(self._c.encode_abi(fn, args=list(args))[2:])
        try:
            raw = self.chain.call(self.address, data)
        except ContractReverted as exc:
            raise self._decode_error(exc) from exc
        fn_abi = self._c.get_function_by_name(fn).abi
        try:
            values = abi_decode(get_abi_output_types(fn_abi), raw)
        except DecodingError as exc:  # e.g. empty: an address without code answers nothing
            raise ContractMissing(
                f"{self.NAME} at {self.address} gave no answer to {fn}: is it on this chain?"
            ) from exc
        return values[0] if len(values) == 1 else values

    def _send(self, account: LocalAccount, fn: str, *args: Any) -> bytes:
        data = bytes.fromhex(self._c.encode_abi(fn, args=list(args))[2:])
        try:
            return self.chain.send(account, self.address, data)
        except ContractReverted as exc:
            raise self._decode_error(exc) from exc


@dataclass(frozen=True)
class RootInfo:
    block_number: int
    timestamp: int
    member: int
    leaf_count: int


class AnchorRegistry(_Binding):
    NAME = "AnchorRegistry"

    def anchor_root(self, account: LocalAccount, root: bytes, leaf_count: int) -> bytes:
        """Send ``anchorRoot``; returns the tx hash (reverts surface as RegistryError)."""
        return self._send(account, "anchorRoot", root, leaf_count)

    def root_info(self, root: bytes) -> RootInfo | None:
        block_number, timestamp, member, leaf_count = self._call("rootInfo", root)
        if block_number == 0:
            return None
        return RootInfo(block_number, timestamp, member, leaf_count)


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    public_key_multibase: str
    valid_from: int
    valid_until: int
    retired: bool


@dataclass(frozen=True)
class MemberInfo:
    id: int
    status: MemberStatus
    admitted_at: int
    status_changed_at: int
    did: str
    service_endpoint: str
    qa_type: str
    deqar_id: str
    eqf_levels: frozenset[int]
    key_ids: tuple[str, ...]
    accounts: tuple[str, ...]


@dataclass(frozen=True)
class MemberSpec:
    """A member as submitted at genesis or in an admission proposal."""

    did: str
    service_endpoint: str
    qa_type: str
    deqar_id: str
    eqf_levels: frozenset[int]
    keys: Sequence[tuple[str, str, int, int]]  # (keyId, publicKeyMultibase, validFrom, until)
    accounts: Sequence[str]

    def as_abi(self) -> tuple[Any, ...]:
        mask = sum(1 << level for level in self.eqf_levels)
        return (
            self.did,
            self.service_endpoint,
            (self.qa_type, self.deqar_id, mask),
            [tuple(k) for k in self.keys],
            [checksum(a) for a in self.accounts],
        )


_MEMBER_INPUT = "(string,string,(string,string,uint16),(string,string,uint64,uint64)[],address[])"
_PAYLOAD_TYPES: dict[ProposalKind, list[str]] = {
    ProposalKind.ADMISSION: [_MEMBER_INPUT],
    ProposalKind.KEY_ADDITION: ["(string,string,uint64,uint64)"],
    ProposalKind.KEY_RETIREMENT: ["string", "uint64"],
    ProposalKind.ACCOUNT_ADDITION: ["address"],
    ProposalKind.ACCOUNT_REMOVAL: ["address"],
    ProposalKind.SERVICE_ENDPOINT_UPDATE: ["string"],
    ProposalKind.ACCREDITATION_UPDATE: ["(string,string,uint16)"],
}


def _eqf(mask: int) -> frozenset[int]:
    return frozenset(n for n in range(1, 9) if mask & (1 << n))


def _spec_from_abi(value: tuple[Any, ...]) -> MemberSpec:
    did, endpoint, (qa_type, deqar_id, mask), keys, accounts = value
    return MemberSpec(
        did=did,
        service_endpoint=endpoint,
        qa_type=qa_type,
        deqar_id=deqar_id,
        eqf_levels=_eqf(mask),
        keys=[(k[0], k[1], int(k[2]), int(k[3])) for k in keys],
        accounts=[checksum(a) for a in accounts],
    )


@dataclass(frozen=True)
class ProposalInfo:
    """A proposal with today's tally; ``details`` is its decoded payload (JSON-friendly)."""

    id: int
    kind: ProposalKind
    state: ProposalState
    expired: bool
    subject: int
    proposer: int
    proposer_account: str
    created_at: int
    expires_at: int
    votes_for: int
    votes_against: int
    eligible: int
    details: dict[str, Any]
    applicant: MemberSpec | None = None


def _details(kind: ProposalKind, payload: bytes) -> tuple[dict[str, Any], MemberSpec | None]:
    types = _PAYLOAD_TYPES.get(kind)
    if types is None or not payload:
        return {}, None
    values = abi_decode(types, payload)
    if kind is ProposalKind.ADMISSION:
        spec = _spec_from_abi(values[0])
        return {"did": spec.did, "serviceEndpoint": spec.service_endpoint}, spec
    if kind is ProposalKind.KEY_ADDITION:
        key_id, multibase, valid_from, valid_until = values[0]
        return {
            "keyId": key_id,
            "publicKeyMultibase": multibase,
            "validFrom": int(valid_from),
            "validUntil": int(valid_until),
        }, None
    if kind is ProposalKind.KEY_RETIREMENT:
        return {"keyId": values[0], "retiredAt": int(values[1])}, None
    if kind in (ProposalKind.ACCOUNT_ADDITION, ProposalKind.ACCOUNT_REMOVAL):
        return {"account": checksum(values[0])}, None
    if kind is ProposalKind.SERVICE_ENDPOINT_UPDATE:
        return {"serviceEndpoint": values[0]}, None
    qa_type, deqar_id, mask = values[0]
    return {"qaType": qa_type, "deqarId": deqar_id, "eqfLevels": sorted(_eqf(mask))}, None


@dataclass(frozen=True)
class Event:
    """A decoded contract event: its name, arguments by name, and where it was emitted."""

    name: str
    args: dict[str, Any]
    block_number: int
    log_index: int
    tx_hash: bytes


@cache
def _events(name: ContractName) -> dict[bytes, dict[str, Any]]:
    table: dict[bytes, dict[str, Any]] = {}
    for entry in load_artifact(name).abi:
        if entry["type"] == "event":
            signature = f"{entry['name']}({','.join(_type(i) for i in entry['inputs'])})"
            table[Web3.keccak(text=signature)] = entry
    return table


def _decode_event(entry: dict[str, Any], log: Log) -> Event:
    indexed = [i for i in entry["inputs"] if i["indexed"]]
    plain = [i for i in entry["inputs"] if not i["indexed"]]
    args: dict[str, Any] = {}
    for item, topic in zip(indexed, log.topics[1:], strict=False):
        args[item["name"]] = abi_decode([_type(item)], topic)[0]
    values = abi_decode([_type(i) for i in plain], log.data)
    for item, value in zip(plain, values, strict=True):
        args[item["name"]] = value
    for key, value in args.items():
        if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
            args[key] = checksum(value)
    return Event(entry["name"], args, log.block_number, log.log_index, log.tx_hash)


class NetworkRegistry(_Binding):
    NAME = "NetworkRegistry"

    # -- governance (each propose_* returns the transaction hash; see proposal_id_of) -----
    def propose_admission(self, account: LocalAccount, applicant: MemberSpec) -> bytes:
        return self._send(account, "proposeAdmission", applicant.as_abi())

    def propose_suspension(self, account: LocalAccount, member: int) -> bytes:
        return self._send(account, "proposeSuspension", member)

    def propose_reinstatement(self, account: LocalAccount, member: int) -> bytes:
        return self._send(account, "proposeReinstatement", member)

    def propose_removal(self, account: LocalAccount, member: int) -> bytes:
        return self._send(account, "proposeRemoval", member)

    def propose_key_addition(
        self,
        account: LocalAccount,
        member: int,
        key_id: str,
        public_key_multibase: str,
        valid_from: int,
        valid_until: int = 0,
    ) -> bytes:
        key = (key_id, public_key_multibase, valid_from, valid_until)
        return self._send(account, "proposeKeyAddition", member, key)

    def propose_key_retirement(
        self, account: LocalAccount, member: int, key_id: str, retired_at: int
    ) -> bytes:
        return self._send(account, "proposeKeyRetirement", member, key_id, retired_at)

    def propose_account_addition(self, account: LocalAccount, member: int, new: str) -> bytes:
        return self._send(account, "proposeAccountAddition", member, checksum(new))

    def propose_account_removal(self, account: LocalAccount, member: int, old: str) -> bytes:
        return self._send(account, "proposeAccountRemoval", member, checksum(old))

    def propose_service_endpoint(
        self, account: LocalAccount, member: int, service_endpoint: str
    ) -> bytes:
        return self._send(account, "proposeServiceEndpoint", member, service_endpoint)

    def propose_accreditation(
        self,
        account: LocalAccount,
        member: int,
        qa_type: str,
        deqar_id: str,
        eqf_levels: frozenset[int],
    ) -> bytes:
        mask = sum(1 << level for level in eqf_levels)
        return self._send(account, "proposeAccreditation", member, (qa_type, deqar_id, mask))

    def vote(self, account: LocalAccount, proposal_id: int, support: bool) -> bytes:
        return self._send(account, "vote", proposal_id, support)

    def execute(self, account: LocalAccount, proposal_id: int) -> bytes:
        return self._send(account, "execute", proposal_id)

    def cancel(self, account: LocalAccount, proposal_id: int) -> bytes:
        return self._send(account, "cancel", proposal_id)

    def retire_own_key(self, account: LocalAccount, key_id: str, retired_at: int) -> bytes:
        return self._send(account, "retireOwnKey", key_id, retired_at)

    def remove_own_account(self, account: LocalAccount, old: str) -> bytes:
        return self._send(account, "removeOwnAccount", checksum(old))

    def proposal_id_of(self, receipt: Receipt) -> int:
        """The id of the proposal a ``propose*`` transaction opened (its ProposalCreated)."""
        for event in self.decode_logs(receipt.logs):
            if event.name == "ProposalCreated":
                return int(event.args["proposalId"])
        raise ChainError(f"transaction 0x{receipt.tx_hash.hex()} opened no proposal")

    # -- governance reads -----------------------------------------------------------------
    def proposal_count(self) -> int:
        return int(self._call("proposalCount"))

    def proposal(self, proposal_id: int) -> ProposalInfo:
        view = self._call("getProposal", proposal_id)
        (
            pid,
            kind,
            state,
            expired,
            subject,
            proposer,
            proposer_account,
            created,
            expires,
            votes_for,
            votes_against,
            eligible,
            payload,
        ) = view
        details, applicant = _details(ProposalKind(kind), bytes(payload))
        return ProposalInfo(
            id=int(pid),
            kind=ProposalKind(kind),
            state=ProposalState(state),
            expired=bool(expired),
            subject=int(subject),
            proposer=int(proposer),
            proposer_account=checksum(proposer_account),
            created_at=int(created),
            expires_at=int(expires),
            votes_for=int(votes_for),
            votes_against=int(votes_against),
            eligible=int(eligible),
            details=details,
            applicant=applicant,
        )

    def ballot_of(self, proposal_id: int, member: int) -> Ballot:
        return Ballot(int(self._call("ballotOf", proposal_id, member)))

    def active_count(self) -> int:
        return int(self._call("activeCount"))

    def status_of(self, member: int) -> MemberStatus:
        return MemberStatus(int(self._call("statusOf", member)))

    def voting_period(self) -> int:
        return int(self._call("votingPeriod"))

    # -- events ---------------------------------------------------------------------------
    def decode_logs(self, logs: Sequence[Log]) -> list[Event]:
        """The NetworkRegistry events among ``logs`` (others are skipped)."""
        table = _events(self.NAME)
        found = []
        for log in logs:
            if checksum(log.address) != self.address or not log.topics:
                continue
            entry = table.get(bytes(log.topics[0]))
            if entry is not None:
                found.append(_decode_event(entry, log))
        return found

    def events(
        self, from_block: int, to_block: int | None = None, names: Sequence[str] = ()
    ) -> list[Event]:
        """The registry's events in a block range (optionally only those named)."""
        table = _events(self.NAME)
        topic: list[bytes | None] = [None]
        if len(names) == 1:
            topic = [next(t for t, e in table.items() if e["name"] == names[0])]
        events = self.decode_logs(self.chain.logs(self.address, topic, from_block, to_block))
        return [e for e in events if not names or e.name in names]

    def member_of_account(self, account: str) -> int:
        return int(self._call("memberOfAccount", checksum(account)))

    def member_of_did(self, did: str) -> int:
        return int(self._call("memberOfDid", did))

    def member(self, member: int) -> MemberInfo:
        view = self._call("getMember", member)
        mid, status, admitted, changed, did, endpoint, accreditation, key_ids, accounts = view
        qa_type, deqar_id, mask = accreditation
        return MemberInfo(
            id=mid,
            status=MemberStatus(status),
            admitted_at=admitted,
            status_changed_at=changed,
            did=did,
            service_endpoint=endpoint,
            qa_type=qa_type,
            deqar_id=deqar_id,
            eqf_levels=_eqf(mask),
            key_ids=tuple(key_ids),
            accounts=tuple(checksum(a) for a in accounts),
        )

    def member_ids(self) -> list[int]:
        return [int(m) for m in self._call("memberIds")]

    def key(self, member: int, key_id: str) -> KeyInfo:
        key_id_, multibase, valid_from, valid_until, retired = self._call("getKey", member, key_id)
        return KeyInfo(key_id_, multibase, valid_from, valid_until, retired)

    def key_valid_at(self, member: int, key_id: str, timestamp: int) -> bool:
        return bool(self._call("keyValidAt", member, key_id, timestamp))


class StatusRegistry(_Binding):
    NAME = "StatusRegistry"

    def publish_version(self, account: LocalAccount, list_id: bytes, digest: bytes) -> bytes:
        return self._send(account, "publishVersion", list_id, digest)

    def owner_of(self, list_id: bytes) -> int:
        return int(self._call("ownerOf", list_id))

    def latest_version(self, list_id: bytes) -> int:
        return int(self._call("latestVersion", list_id))

    def version(self, list_id: bytes, n: int) -> tuple[bytes, int]:
        """(SHA-256 of the signed list, block time) of version ``n``."""
        digest, timestamp = self._call("version", list_id, n)
        return bytes(digest), int(timestamp)

    def version_at(self, list_id: bytes, timestamp: int) -> tuple[int, bytes, int] | None:
        """The version in force at ``timestamp``: (n, SHA-256, published at); None before
        the first version (and so before the Unix epoch, the chain's time origin)."""
        if timestamp < 0:
            return None
        n, digest, published = self._call("versionAt", list_id, min(timestamp, 2**64 - 1))
        return None if n == 0 else (int(n), bytes(digest), int(published))


@dataclass(frozen=True)
class Deployment:
    """Addresses of one network's contracts (stored by the node, shared with members)."""

    chain_id: int
    network_registry: str
    anchor_registry: str
    status_registry: str
    block_number: int


def _deploy(
    chain: ChainClient, account: LocalAccount, name: ContractName, *args: Any
) -> tuple[str, int]:
    artifact = load_artifact(name)
    codec = Web3().eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    init = bytes.fromhex(codec.constructor(*args).data_in_transaction[2:])
    receipt = chain.wait_for_receipt(chain.send(account, None, init))
    if receipt.contract_address is None:
        raise ChainError(f"deploying {name} produced no contract")
    return receipt.contract_address, receipt.block_number


def deploy_network(
    chain: ChainClient,
    account: LocalAccount,
    genesis: Sequence[MemberSpec],
    *,
    voting_period: int = 7 * 24 * 3600,
) -> Deployment:
    """Deploy NetworkRegistry (with the genesis members), AnchorRegistry and StatusRegistry."""
    network, first_block = _deploy(
        chain, account, "NetworkRegistry", [m.as_abi() for m in genesis], voting_period
    )
    anchor, _ = _deploy(chain, account, "AnchorRegistry", network)
    status, _ = _deploy(chain, account, "StatusRegistry", network)
    return Deployment(chain.chain_id(), network, anchor, status, first_block)
