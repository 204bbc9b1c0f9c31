"""StatusRegistry: versions of a status list, published only by the owning member."""

from __future__ import annotations

import hashlib

from eth_utils.crypto import keccak

from tests.contract.helpers import REMOVED, SUSPENDED, Chain, Network, deploy_network

LIST = keccak(text="https://uni-a.example/status/1")
OTHER_LIST = keccak(text="https://uni-a.example/status/2")


def sha(n: int) -> bytes:
    return hashlib.sha256(f"signed list version {n}".encode()).digest()


def test_owner_publishes_numbered_versions(net: Network) -> None:
    fns = net.status.functions
    assert fns.latestVersion(LIST).call() == 0
    assert fns.ownerOf(LIST).call() == 0
    receipt = net.send(fns.publishVersion(LIST, sha(1)), net.a)
    (claimed,) = net.chain.events(net.status, "StatusListClaimed", receipt)
    assert claimed == {"listId": LIST, "member": 1}
    (published,) = net.chain.events(net.status, "StatusVersionPublished", receipt)
    t1 = net.chain.w3.eth.get_block(receipt["blockNumber"])["timestamp"]
    assert published == {
        "listId": LIST,
        "member": 1,
        "version": 1,
        "sha256Hash": sha(1),
        "timestamp": t1,
    }
    receipt = net.send(fns.publishVersion(LIST, sha(2)), net.a)
    assert not net.chain.events(net.status, "StatusListClaimed", receipt)
    assert fns.latestVersion(LIST).call() == 2
    assert fns.ownerOf(LIST).call() == 1
    assert fns.version(LIST, 1).call() == (sha(1), t1)
    assert fns.version(LIST, 2).call()[0] == sha(2)
    print(f"publishVersion gas used (2nd version): {receipt['gasUsed']}")


def test_other_member_and_non_member_cannot_publish(net: Network) -> None:
    fns = net.status.functions
    net.send(fns.publishVersion(LIST, sha(1)), net.a)
    net.expect_revert(fns.publishVersion(LIST, sha(2)), net.b, "NotListOwner", LIST, 1, 2)
    stranger = net.chain.account("stranger")
    net.expect_revert(
        fns.publishVersion(LIST, sha(2)), stranger, "NotMemberAccount", stranger.address
    )
    # The other member may own a different list.
    net.send(fns.publishVersion(OTHER_LIST, sha(1)), net.b)
    assert fns.ownerOf(OTHER_LIST).call() == 2


def test_suspended_owner_still_publishes_but_claims_no_new_list(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a", "uni-b", "uni-c"))
    fns = net.status.functions
    net.send(fns.publishVersion(LIST, sha(1)), net.a)
    pid = net.propose(net.registry.functions.proposeSuspension(1), net.b)
    net.send(net.registry.functions.vote(pid, True), net.members[2])
    assert net.status_of(1) == SUSPENDED

    net.send(fns.publishVersion(LIST, sha(2)), net.a)  # it can still revoke
    assert fns.latestVersion(LIST).call() == 2
    net.expect_revert(
        fns.publishVersion(OTHER_LIST, sha(1)), net.a, "MemberNotAllowed", 1, SUSPENDED
    )


def test_removed_owner_cannot_publish(net: Network) -> None:
    fns = net.status.functions
    net.send(fns.publishVersion(LIST, sha(1)), net.a)
    net.propose(net.registry.functions.proposeRemoval(1), net.b)  # 1 of 1 eligible
    assert net.status_of(1) == REMOVED
    net.expect_revert(fns.publishVersion(LIST, sha(2)), net.a, "MemberNotAllowed", 1, REMOVED)
    net.expect_revert(fns.publishVersion(OTHER_LIST, sha(1)), net.a, "MemberNotAllowed")
    # History stays readable.
    assert fns.version(LIST, 1).call()[0] == sha(1)


def test_invalid_arguments_and_unknown_versions(net: Network) -> None:
    fns = net.status.functions
    zero = b"\0" * 32
    net.expect_revert(fns.publishVersion(zero, sha(1)), net.a, "InvalidArgument")
    net.expect_revert(fns.publishVersion(LIST, zero), net.a, "InvalidArgument")
    net.expect_revert(fns.version(LIST, 1), net.a, "UnknownVersion", LIST, 1)
    net.send(fns.publishVersion(LIST, sha(1)), net.a)
    net.expect_revert(fns.version(LIST, 0), net.a, "UnknownVersion", LIST, 0)
    net.expect_revert(fns.version(LIST, 2), net.a, "UnknownVersion", LIST, 2)


def test_version_at_finds_the_version_in_force(net: Network) -> None:
    fns = net.status.functions
    chain = net.chain
    start = chain.now() + 100
    assert fns.versionAt(LIST, start).call() == (0, b"\0" * 32, 0)

    # Versions 1..5 at start, +10, +20, +30, +40; versions 6 and 7 in one block at +50.
    for n in range(1, 6):
        chain.set_next_timestamp(start + 10 * (n - 1))
        net.send(fns.publishVersion(LIST, sha(n)), net.a)
    chain.rpc("evm_setAutomine", [False])
    chain.set_next_timestamp(start + 50)
    for n in (6, 7):
        chain.submit(fns.publishVersion(LIST, sha(n)), net.a, 200_000)
    chain.rpc("evm_mine", [])
    chain.rpc("evm_setAutomine", [True])
    assert fns.latestVersion(LIST).call() == 7

    expected = {
        start - 1: 0,
        start: 1,
        start + 5: 1,
        start + 10: 2,
        start + 29: 3,
        start + 30: 4,
        start + 40: 5,
        start + 49: 5,
        start + 50: 7,  # the last version of the block wins
        start + 10**6: 7,
    }
    for timestamp, n in expected.items():
        got = fns.versionAt(LIST, timestamp).call()
        assert got[0] == n, (timestamp, got)
        if n:
            assert got[1:] == tuple(fns.version(LIST, n).call()), (timestamp, got)
    assert fns.versionAt(OTHER_LIST, start + 10**6).call()[0] == 0
