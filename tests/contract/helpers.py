"""Deploy and drive the contracts on a JSON-RPC dev chain with locally signed transactions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError
from web3.logs import DISCARD
from web3.types import TxParams, TxReceipt, Wei

from contracts import ContractName, load_artifact

CHAIN_ID = 31337
VOTING_PERIOD = 7 * 24 * 3600
OPEN_ENDED = 2**64 - 1  # validUntil of a key without an end

# INetworkRegistry.Status
NONE, ACTIVE, SUSPENDED, REMOVED = 0, 1, 2, 3
# NetworkRegistry.ProposalState
P_OPEN, P_EXECUTED, P_REJECTED, P_CANCELLED = 1, 2, 3, 4
# NetworkRegistry.ProposalKind
(
    K_ADMISSION,
    K_SUSPENSION,
    K_REINSTATEMENT,
    K_REMOVAL,
    K_KEY_ADDITION,
    K_KEY_RETIREMENT,
    K_ACCOUNT_ADDITION,
    K_ACCOUNT_REMOVAL,
    K_ENDPOINT,
    K_ACCREDITATION,
) = range(10)

EQF_6_7 = (1 << 6) | (1 << 7)
MULTIBASE = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"  # an Ed25519 Multikey


def key_input(key_id: str, valid_from: int = 0, valid_until: int = 0) -> tuple[Any, ...]:
    return (key_id, MULTIBASE, valid_from, valid_until)


def member_input(
    name: str,
    accounts: Sequence[str],
    keys: Sequence[tuple[Any, ...]] = (),
    eqf: int = EQF_6_7,
) -> tuple[Any, ...]:
    """A NetworkRegistry.MemberInput tuple for institution ``name``."""
    return (
        f"did:web:{name}.example",
        f"https://{name}.example",
        ("institutional", f"deqar-{name}", eqf),
        list(keys) or [key_input("key-1")],
        list(accounts),
    )


@dataclass
class Chain:
    """A web3 connection to a dev chain with helpers for signing, sending and reverts."""

    w3: Web3
    _errors: dict[bytes, tuple[str, list[str]]] = field(default_factory=dict)

    def account(self, label: str) -> LocalAccount:
        """A deterministic account for ``label``, funded (gas is free, but tidy anyway)."""
        acct: LocalAccount = Account.from_key(keccak(text=f"credreg-test:{label}"))
        self.rpc("anvil_setBalance", [acct.address, hex(10**21)])
        return acct

    def rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        assert "error" not in response, response
        return response["result"]

    def contract(self, name: ContractName, address: str) -> Contract:
        artifact = load_artifact(name)
        self._learn_errors(artifact.abi)
        return self.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=artifact.abi, decode_tuples=True
        )

    def deploy(self, name: ContractName, sender: LocalAccount, *args: Any) -> Contract:
        artifact = load_artifact(name)
        self._learn_errors(artifact.abi)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        tx = factory.constructor(*args).build_transaction(self._params(sender))
        receipt = self._send(tx, sender)
        assert receipt["status"] == 1, receipt
        address = receipt["contractAddress"]
        assert address is not None
        return self.contract(name, address)

    def _params(self, sender: LocalAccount, gas: int | None = None) -> TxParams:
        params: TxParams = {
            "from": sender.address,
            "nonce": self.w3.eth.get_transaction_count(sender.address, "pending"),
            "gasPrice": Wei(0),
            "chainId": CHAIN_ID,
        }
        if gas is not None:
            params["gas"] = gas
        return params

    def _send(self, tx: TxParams, sender: LocalAccount) -> TxReceipt:
        signed = sender.sign_transaction(tx)  # type: ignore[arg-type]
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)

    def submit(self, fn: ContractFunction, sender: LocalAccount, gas: int) -> None:
        """Send without waiting for a receipt (for blocks mined by hand)."""
        tx = fn.build_transaction(self._params(sender, gas))
        signed = sender.sign_transaction(tx)  # type: ignore[arg-type]
        self.w3.eth.send_raw_transaction(signed.raw_transaction)

    def send(self, fn: ContractFunction, sender: LocalAccount) -> TxReceipt:
        """Sign and send ``fn`` from ``sender``; asserts that it succeeded."""
        receipt = self._send(fn.build_transaction(self._params(sender)), sender)
        assert receipt["status"] == 1, receipt
        return receipt

    def send_unchecked(self, fn: ContractFunction, sender: LocalAccount, gas: int) -> TxReceipt:
        """Send with a fixed gas limit (no estimate, which would refuse a reverting call)."""
        return self._send(fn.build_transaction(self._params(sender, gas)), sender)

    def revert_error(
        self, fn: ContractFunction, sender: LocalAccount
    ) -> tuple[str, tuple[Any, ...]]:
        """Simulate ``fn`` from ``sender``; return the custom error it reverts with."""
        with pytest.raises(ContractCustomError) as excinfo:
            fn.call({"from": sender.address})
        return self._decode_error(excinfo.value)

    def deploy_error(
        self, name: ContractName, sender: LocalAccount, *args: Any
    ) -> tuple[str, tuple[Any, ...]]:
        """Simulate deploying ``name``; return the custom error its constructor reverts with."""
        artifact = load_artifact(name)
        self._learn_errors(artifact.abi)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        with pytest.raises(ContractCustomError) as excinfo:
            factory.constructor(*args).estimate_gas({"from": sender.address})
        return self._decode_error(excinfo.value)

    def _decode_error(self, error: ContractCustomError) -> tuple[str, tuple[Any, ...]]:
        data = error.data
        assert isinstance(data, str), data
        raw = bytes.fromhex(data.removeprefix("0x"))
        name, types = self._errors[raw[:4]]
        values = abi_decode(types, raw[4:])
        return name, tuple(
            Web3.to_checksum_address(v) if t == "address" else v
            for t, v in zip(types, values, strict=True)
        )

    def expect_revert(
        self, fn: ContractFunction, sender: LocalAccount, error: str, *args: Any
    ) -> None:
        """Assert that ``fn`` reverts with custom error ``error`` (and ``args`` when given)."""
        name, decoded = self.revert_error(fn, sender)
        assert name == error, (name, decoded)
        if args:
            assert decoded == args, decoded

    def events(self, contract: Contract, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        """The arguments of every ``name`` event that ``contract`` emitted in ``receipt``."""
        logs = contract.events[name]().process_receipt(receipt, DISCARD)
        return [dict(log["args"]) for log in logs]

    def now(self) -> int:
        timestamp: int = self.w3.eth.get_block("latest")["timestamp"]
        return timestamp

    def set_next_timestamp(self, timestamp: int) -> None:
        self.rpc("evm_setNextBlockTimestamp", [timestamp])

    def mine(self, timestamp: int | None = None) -> None:
        if timestamp is not None:
            self.set_next_timestamp(timestamp)
        self.rpc("evm_mine", [])

    def _learn_errors(self, abi: list[dict[str, Any]]) -> None:
        for entry in abi:
            if entry["type"] != "error":
                continue
            types = [_abi_type(i) for i in entry["inputs"]]
            selector = function_signature_to_4byte_selector(f"{entry['name']}({','.join(types)})")
            self._errors[selector] = (entry["name"], types)


def _abi_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){kind.removeprefix('tuple')}"
    return kind


@dataclass
class Network:
    """The three registries deployed with genesis members 1, 2, … (one account each)."""

    chain: Chain
    deployer: LocalAccount
    members: list[LocalAccount]
    registry: Contract
    anchors: Contract
    status: Contract

    @property
    def a(self) -> LocalAccount:
        return self.members[0]

    @property
    def b(self) -> LocalAccount:
        return self.members[1]

    def send(self, fn: ContractFunction, sender: LocalAccount) -> TxReceipt:
        return self.chain.send(fn, sender)

    def expect_revert(
        self, fn: ContractFunction, sender: LocalAccount, error: str, *args: Any
    ) -> None:
        self.chain.expect_revert(fn, sender, error, *args)

    def proposal_id(self, receipt: TxReceipt) -> int:
        (event,) = self.chain.events(self.registry, "ProposalCreated", receipt)
        proposal_id: int = event["proposalId"]
        return proposal_id

    def propose(self, fn: ContractFunction, sender: LocalAccount) -> int:
        return self.proposal_id(self.send(fn, sender))

    def status_of(self, member: int) -> int:
        status: int = self.registry.functions.statusOf(member).call()
        return status


def deploy_network(chain: Chain, names: Sequence[str] = ("uni-a", "uni-b")) -> Network:
    deployer = chain.account("deployer")
    accounts = [chain.account(name) for name in names]
    genesis = [member_input(n, [a.address]) for n, a in zip(names, accounts, strict=True)]
    registry = chain.deploy("NetworkRegistry", deployer, genesis, VOTING_PERIOD)
    anchors = chain.deploy("AnchorRegistry", deployer, registry.address)
    status = chain.deploy("StatusRegistry", deployer, registry.address)
    return Network(chain, deployer, accounts, registry, anchors, status)
