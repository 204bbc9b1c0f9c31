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
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_output_types
from web3 import Web3
from web3.contract import Contract

from anchoring.chain import ChainClient, checksum
from anchoring.errors import ChainError, ContractReverted
from contracts import ContractName, load_artifact

OPEN_ENDED = 2**64 - 1  # a key's validUntil while it has no end


class MemberStatus(enum.IntEnum):
    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2
    REMOVED = 3


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
        values = abi_decode(get_abi_output_types(fn_abi), raw)
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


class NetworkRegistry(_Binding):
    NAME = "NetworkRegistry"

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
            eqf_levels=frozenset(n for n in range(1, 9) if mask & (1 << n)),
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
        the first version."""
        n, digest, published = self._call("versionAt", list_id, timestamp)
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
