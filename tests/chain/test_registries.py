"""The contract bindings behave the same on the embedded chain and on anvil."""

from __future__ import annotations

import hashlib

import pytest
from eth_account import Account

from anchoring.registries import (
    OPEN_ENDED,
    AnchorRegistry,
    Deployment,
    MemberSpec,
    MemberStatus,
    NetworkRegistry,
    RegistryError,
    StatusRegistry,
    deploy_network,
)
from tests.chain.conftest import Backend

MULTIBASE = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def _deploy(chain: Backend) -> Deployment:
    spec = MemberSpec(
        did="did:web:uni-a.example",
        service_endpoint="https://uni-a.example",
        qa_type="institutional",
        deqar_id="DEQARINST0001",
        eqf_levels=frozenset({6, 7}),
        keys=[("ed25519-1", MULTIBASE, 0, 0)],
        accounts=[chain.account.address],
    )
    return deploy_network(chain.client, chain.account, [spec])


def test_deploy_and_read_the_genesis_member(chain: Backend) -> None:
    deployment = _deploy(chain)
    assert deployment.chain_id == chain.chain_id
    network = NetworkRegistry(chain.client, deployment.network_registry)
    member_id = network.member_of_account(chain.account.address)
    assert member_id == 1
    assert network.member_of_did("did:web:uni-a.example") == 1
    member = network.member(member_id)
    assert member.status is MemberStatus.ACTIVE
    assert member.eqf_levels == frozenset({6, 7})
    assert member.key_ids == ("ed25519-1",)
    assert member.accounts == (chain.account.address,)
    key = network.key(1, "ed25519-1")
    assert key.public_key_multibase == MULTIBASE
    assert key.valid_until == OPEN_ENDED
    assert network.key_valid_at(1, "ed25519-1", chain.client.block().timestamp)
    assert network.member_ids() == [1]
    with pytest.raises(RegistryError) as unknown:
        network.key(1, "nope")
    assert unknown.value.name == "UnknownKey"


def test_anchor_root_once_only_by_a_member(chain: Backend) -> None:
    deployment = _deploy(chain)
    anchors = AnchorRegistry(chain.client, deployment.anchor_registry)
    root = hashlib.sha256(b"batch-1").digest()
    assert anchors.root_info(root) is None

    receipt = chain.client.wait_for_receipt(anchors.anchor_root(chain.account, root, 1000))
    assert receipt.status == 1
    assert receipt.gas_used < 60_000 + 21_000
    info = anchors.root_info(root)
    assert info is not None
    assert (info.member, info.leaf_count, info.block_number) == (1, 1000, receipt.block_number)

    with pytest.raises(RegistryError) as duplicate:
        anchors.anchor_root(chain.account, root, 1000)
    assert duplicate.value.name == "RootAlreadyAnchored"

    outsider = Account.create()
    if chain.name == "anvil":
        from tests.anvil import rpc

        assert chain.url is not None
        rpc(chain.url, "anvil_setBalance", [outsider.address, hex(10**18)])
    with pytest.raises(RegistryError) as refused:
        anchors.anchor_root(outsider, hashlib.sha256(b"other").digest(), 1)
    assert refused.value.name == "NotMemberAccount"


def test_status_versions(chain: Backend) -> None:
    deployment = _deploy(chain)
    status = StatusRegistry(chain.client, deployment.status_registry)
    list_id = hashlib.sha256(b"https://uni-a.example/status/1").digest()
    for n in (1, 2):
        digest = hashlib.sha256(f"version {n}".encode()).digest()
        chain.client.wait_for_receipt(status.publish_version(chain.account, list_id, digest))
        assert status.latest_version(list_id) == n
        assert status.version(list_id, n)[0] == digest
    assert status.owner_of(list_id) == 1
