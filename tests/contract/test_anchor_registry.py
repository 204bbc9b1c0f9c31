"""AnchorRegistry: only an active member's anchoring account anchors; duplicates are rejected."""

from __future__ import annotations

from eth_utils.crypto import keccak

from contracts import ContractName
from tests.contract.helpers import ACTIVE, SUSPENDED, Chain, Network, deploy_network

ROOT = keccak(text="root-1")
GAS_LIMIT = 60_000


def test_anchor_root_stores_block_time_member_and_emits(net: Network) -> None:
    receipt = net.send(net.anchors.functions.anchorRoot(ROOT, 1000), net.a)
    block = net.chain.w3.eth.get_block(receipt["blockNumber"])

    info = net.anchors.functions.rootInfo(ROOT).call()
    assert info == (receipt["blockNumber"], block["timestamp"], 1, 1000)
    (event,) = net.chain.events(net.anchors, "RootAnchored", receipt)
    assert event == {
        "root": ROOT,
        "member": 1,
        "leafCount": 1000,
        "blockNumber": receipt["blockNumber"],
        "timestamp": block["timestamp"],
    }
    gas = receipt["gasUsed"]
    print(f"anchorRoot gas used: {gas}")
    assert gas <= GAS_LIMIT, f"anchorRoot used {gas} gas (limit {GAS_LIMIT})"


def test_anchor_by_second_member_and_unknown_root(net: Network) -> None:
    net.send(net.anchors.functions.anchorRoot(ROOT, 1), net.b)
    assert net.anchors.functions.rootInfo(ROOT).call()[2] == 2
    assert net.anchors.functions.rootInfo(keccak(text="other")).call() == (0, 0, 0, 0)
    assert net.anchors.functions.networkRegistry().call() == net.registry.address


def test_duplicate_root_is_rejected(net: Network) -> None:
    receipt = net.send(net.anchors.functions.anchorRoot(ROOT, 7), net.a)
    block = receipt["blockNumber"]
    net.expect_revert(
        net.anchors.functions.anchorRoot(ROOT, 7), net.a, "RootAlreadyAnchored", ROOT, block, 1
    )
    # Another member cannot re-anchor it either, and a mined duplicate fails on chain.
    net.expect_revert(net.anchors.functions.anchorRoot(ROOT, 9), net.b, "RootAlreadyAnchored")
    mined = net.chain.send_unchecked(net.anchors.functions.anchorRoot(ROOT, 7), net.b, 100_000)
    assert mined["status"] == 0
    assert net.anchors.functions.rootInfo(ROOT).call() == (block, *_time_member(net, block))


def _time_member(net: Network, block: int) -> tuple[int, int, int]:
    return net.chain.w3.eth.get_block(block)["timestamp"], 1, 7


def test_non_member_account_is_rejected(net: Network) -> None:
    stranger = net.chain.account("stranger")
    net.expect_revert(
        net.anchors.functions.anchorRoot(ROOT, 1), stranger, "NotMemberAccount", stranger.address
    )
    net.expect_revert(net.anchors.functions.anchorRoot(ROOT, 1), net.deployer, "NotMemberAccount")


def test_suspended_member_is_rejected_and_reinstated_member_anchors(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a", "uni-b", "uni-c"))
    # Member 1 proposes (and votes for) suspending 3; member 2's vote makes 2 of 2 eligible.
    pid = net.propose(net.registry.functions.proposeSuspension(3), net.a)
    net.send(net.registry.functions.vote(pid, True), net.b)
    assert net.status_of(3) == SUSPENDED
    c = net.members[2]
    net.expect_revert(net.anchors.functions.anchorRoot(ROOT, 1), c, "MemberNotActive", 3, SUSPENDED)
    pid = net.propose(net.registry.functions.proposeReinstatement(3), net.a)
    net.send(net.registry.functions.vote(pid, True), net.b)
    assert net.status_of(3) == ACTIVE
    net.send(net.anchors.functions.anchorRoot(ROOT, 1), c)


def test_removed_member_is_rejected(net: Network) -> None:
    net.propose(net.registry.functions.proposeRemoval(2), net.a)  # 1 of 1 eligible: passes
    net.expect_revert(net.anchors.functions.anchorRoot(ROOT, 1), net.b, "MemberNotActive", 2, 3)


def test_zero_root_and_zero_leaves_are_rejected(net: Network) -> None:
    net.expect_revert(net.anchors.functions.anchorRoot(b"\0" * 32, 1), net.a, "EmptyRoot")
    net.expect_revert(net.anchors.functions.anchorRoot(ROOT, 0), net.a, "EmptyRoot")


def test_constructor_needs_a_registry_contract(net: Network) -> None:
    names: tuple[ContractName, ...] = ("AnchorRegistry", "StatusRegistry")
    for name in names:
        error = net.chain.deploy_error(name, net.deployer, net.a.address)
        assert error == ("InvalidNetworkRegistry", ())
