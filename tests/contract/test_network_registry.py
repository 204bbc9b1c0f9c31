"""NetworkRegistry: genesis members, views and strict-majority governance."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount

from tests.contract.helpers import (
    ACTIVE,
    EQF_6_7,
    K_ADMISSION,
    K_SUSPENSION,
    MULTIBASE,
    NONE,
    OPEN_ENDED,
    P_CANCELLED,
    P_EXECUTED,
    P_OPEN,
    P_REJECTED,
    REMOVED,
    SUSPENDED,
    VOTING_PERIOD,
    Chain,
    Network,
    deploy_network,
    key_input,
    member_input,
)

ZERO = "0x0000000000000000000000000000000000000000"


def proposal(net: Network, pid: int) -> Any:
    return net.registry.functions.getProposal(pid).call()


# ---------------------------------------------------------------- deployment and views


def test_genesis_members_and_views(net: Network) -> None:
    r = net.registry.functions
    assert r.memberCount().call() == 2
    assert r.activeCount().call() == 2
    assert r.memberIds().call() == [1, 2]
    assert r.votingPeriod().call() == VOTING_PERIOD
    assert r.proposalCount().call() == 0
    m = r.getMember(1).call()
    assert (m.id, m.status, m.did, m.serviceEndpoint) == (
        1,
        ACTIVE,
        "did:web:uni-a.example",
        "https://uni-a.example",
    )
    assert tuple(m.accreditation) == ("institutional", "deqar-uni-a", EQF_6_7)
    assert m.keyIds == ["key-1"]
    assert m.accounts == [net.a.address]
    assert m.admittedAt == m.statusChangedAt > 0
    assert r.memberOfDid("did:web:uni-b.example").call() == 2
    assert r.memberOfDid("did:web:nobody.example").call() == 0
    assert r.memberOfAccount(net.b.address).call() == 2
    assert r.memberOfAccount(net.deployer.address).call() == 0
    assert tuple(r.accountInfo(net.a.address).call()) == (1, ACTIVE)
    assert tuple(r.accountInfo(net.deployer.address).call()) == (0, NONE)
    assert r.isActive(1).call() is True
    assert r.isActive(3).call() is False
    assert r.statusOf(3).call() == NONE
    assert r.didOf(2).call() == "did:web:uni-b.example"
    assert r.serviceEndpointOf(2).call() == "https://uni-b.example"
    assert tuple(r.accreditationOf(2).call()) == ("institutional", "deqar-uni-b", EQF_6_7)
    assert r.accountsOf(2).call() == [net.b.address]
    assert r.keyIdsOf(2).call() == ["key-1"]
    assert tuple(r.getKey(1, "key-1").call()) == ("key-1", MULTIBASE, 0, OPEN_ENDED, False)
    assert r.keyValidAt(1, "key-1", 0).call() is True
    assert r.keyValidAt(1, "key-2", 0).call() is False
    for fn in (r.getMember, r.didOf, r.serviceEndpointOf, r.accreditationOf, r.accountsOf):
        net.expect_revert(fn(3), net.a, "UnknownMember", 3)
    net.expect_revert(r.keyIdsOf(0), net.a, "UnknownMember", 0)
    net.expect_revert(r.getKey(1, "key-2"), net.a, "UnknownKey", 1, "key-2")
    net.expect_revert(r.getProposal(1), net.a, "UnknownProposal", 1)


def test_constructor_reverts(chain: Chain) -> None:
    d = chain.account("deployer")
    a, b = chain.account("uni-a").address, chain.account("uni-b").address

    def error(genesis: list[Any], period: int = VOTING_PERIOD) -> tuple[Any, ...]:
        return chain.deploy_error("NetworkRegistry", d, genesis, period)

    ok = member_input("uni-a", [a])
    assert error([]) == ("InvalidConfiguration", ())
    assert error([ok], 0) == ("InvalidConfiguration", ())
    assert error([ok, member_input("uni-a", [b])]) == ("DidTaken", ("did:web:uni-a.example", 1))
    assert error([("", *ok[1:])]) == ("InvalidDid", ("",))
    assert error([(ok[0], "", *ok[2:])]) == ("InvalidServiceEndpoint", ())
    for bad in (1, 1 << 9, 0xFFFF):
        assert error([member_input("uni-a", [a], eqf=bad)]) == ("InvalidEqfLevels", (bad,))
    assert error([member_input("uni-a", [])]) == ("NoAccounts", ())
    assert error([member_input("uni-a", [ZERO])]) == ("InvalidAccount", (ZERO,))
    assert error([member_input("uni-a", [a, a])]) == ("InvalidAccount", (a,))
    assert error([ok, member_input("uni-b", [b, a])]) == ("AccountTaken", (a, 1))
    for key in (key_input(""), ("k", "", 0, 0), key_input("k", 10, 10), key_input("k", 10, 5)):
        assert error([member_input("uni-a", [a], [key])])[0] == "InvalidKey"
    twice = [key_input("k"), key_input("k")]
    assert error([member_input("uni-a", [a], twice)]) == ("KeyExists", (0, "k"))


# ---------------------------------------------------------------- admission


def test_admission_needs_a_strict_majority(net: Network) -> None:
    r = net.registry.functions
    applicant = net.chain.account("uni-c")
    application = member_input("uni-c", [applicant.address])
    receipt = net.send(r.proposeAdmission(application), applicant)
    pid = net.proposal_id(receipt)
    (created,) = net.chain.events(net.registry, "ProposalCreated", receipt)
    assert created["kind"] == K_ADMISSION
    assert (created["subject"], created["proposer"]) == (0, 0)
    assert created["expiresAt"] == net.chain.now() + VOTING_PERIOD
    p = proposal(net, pid)
    assert (p.state, p.votesFor, p.eligible, p.proposerAccount) == (
        P_OPEN,
        0,
        2,
        applicant.address,
    )

    net.send(r.vote(pid, True), net.a)  # 1 of 2 is no strict majority
    assert proposal(net, pid).state == P_OPEN
    assert r.memberCount().call() == 2
    net.expect_revert(r.vote(pid, True), net.a, "AlreadyVoted", pid, 1)
    net.expect_revert(r.execute(pid), net.a, "NoMajority", pid, 1, 2)
    net.expect_revert(r.vote(pid, True), applicant, "NotMemberAccount", applicant.address)

    receipt = net.send(r.vote(pid, True), net.b)  # 2 of 2
    assert net.chain.events(net.registry, "ProposalExecuted", receipt) == [{"proposalId": pid}]
    (admitted,) = net.chain.events(net.registry, "MemberAdmitted", receipt)
    assert admitted == {"member": 3, "did": "did:web:uni-c.example", "proposalId": pid}
    assert proposal(net, pid).state == P_EXECUTED
    assert r.memberCount().call() == 3
    assert r.activeCount().call() == 3
    assert r.memberOfAccount(applicant.address).call() == 3
    assert r.keyValidAt(3, "key-1", net.chain.now()).call() is True
    assert r.ballotOf(pid, 1).call() == 1
    assert r.ballotOf(pid, 3).call() == 0
    net.expect_revert(r.vote(pid, True), applicant, "ProposalNotOpen", pid, P_EXECUTED)
    net.expect_revert(r.execute(pid), net.a, "ProposalNotOpen", pid, P_EXECUTED)


def test_member_sponsors_an_admission_and_votes_for_it(net: Network) -> None:
    r = net.registry.functions
    applicant = net.chain.account("uni-c")
    pid = net.propose(r.proposeAdmission(member_input("uni-c", [applicant.address])), net.a)
    assert proposal(net, pid).votesFor == 1
    net.send(r.vote(pid, True), net.b)
    assert r.isActive(3).call() is True


def test_admission_proposal_reverts(net: Network) -> None:
    r = net.registry.functions
    applicant = net.chain.account("uni-c")
    stranger = net.chain.account("stranger")
    application = member_input("uni-c", [applicant.address])
    net.expect_revert(
        r.proposeAdmission(application), stranger, "NotAllowedToPropose", stranger.address
    )
    taken_did = ("did:web:uni-a.example", *application[1:])
    net.expect_revert(r.proposeAdmission(taken_did), applicant, "DidTaken")
    taken = member_input("uni-c", [applicant.address, net.b.address])
    net.expect_revert(r.proposeAdmission(taken), applicant, "AccountTaken", net.b.address, 2)
    net.expect_revert(r.proposeAdmission(member_input("uni-c", [])), applicant, "NoAccounts")
    # A suspended member sponsors no one.
    net.propose(r.proposeSuspension(2), net.a)
    net.expect_revert(r.proposeAdmission(application), net.b, "MemberNotActive", 2, SUSPENDED)


def test_execution_revalidates_the_proposal(net: Network) -> None:
    r = net.registry.functions
    c1, c2 = net.chain.account("uni-c-1"), net.chain.account("uni-c-2")
    first = net.propose(r.proposeAdmission(member_input("uni-c", [c1.address])), c1)
    second = net.propose(r.proposeAdmission(member_input("uni-c", [c2.address])), c2)
    for pid in (first, second):
        net.send(r.vote(pid, True), net.a)
    net.send(r.vote(first, True), net.b)
    net.expect_revert(r.vote(second, True), net.b, "DidTaken", "did:web:uni-c.example", 3)
    assert proposal(net, second).state == P_OPEN


# ---------------------------------------------------------------- suspension and own case


def test_member_does_not_vote_on_its_own_suspension(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a", "uni-b", "uni-c"))
    r = net.registry.functions
    c = net.members[2]
    receipt = net.send(r.proposeSuspension(2), net.a)
    pid = net.proposal_id(receipt)
    (created,) = chain.events(net.registry, "ProposalCreated", receipt)
    assert (created["kind"], created["subject"], created["proposer"]) == (K_SUSPENSION, 2, 1)
    p = proposal(net, pid)
    assert (p.votesFor, p.eligible) == (1, 2)  # member 2 is not in the denominator
    net.expect_revert(r.vote(pid, False), net.b, "OwnCase", pid, 2)
    assert net.status_of(2) == ACTIVE

    receipt = net.send(r.vote(pid, True), c)
    (changed,) = chain.events(net.registry, "MemberStatusChanged", receipt)
    assert changed == {"member": 2, "status": SUSPENDED, "proposalId": pid}
    assert r.activeCount().call() == 2
    assert tuple(r.accountInfo(net.b.address).call()) == (2, SUSPENDED)
    assert r.getMember(2).call().statusChangedAt == chain.now()


def test_with_two_members_either_one_can_suspend_the_other(net: Network) -> None:
    # The subject leaves the denominator: one eligible voter, whose vote is a strict majority.
    net.propose(net.registry.functions.proposeSuspension(1), net.b)
    assert net.status_of(1) == SUSPENDED


def test_status_proposal_rules(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a", "uni-b", "uni-c"))
    r = net.registry.functions
    c = net.members[2]
    net.expect_revert(r.proposeSuspension(9), net.a, "UnknownMember", 9)
    net.expect_revert(r.proposeReinstatement(2), net.a, "InvalidMemberStatus", 2, ACTIVE)
    stranger = chain.account("stranger")
    net.expect_revert(r.proposeSuspension(2), stranger, "NotMemberAccount", stranger.address)

    pid = net.propose(r.proposeSuspension(2), net.a)
    net.send(r.vote(pid, True), c)
    net.expect_revert(r.proposeSuspension(2), net.a, "InvalidMemberStatus", 2, SUSPENDED)
    # A suspended member may ask for its own reinstatement (without voting) but nothing else.
    net.expect_revert(r.proposeSuspension(3), net.b, "MemberNotActive", 2, SUSPENDED)
    net.expect_revert(r.proposeRemoval(1), net.b, "MemberNotActive", 2, SUSPENDED)
    reinstate = net.propose(r.proposeReinstatement(2), net.b)
    assert proposal(net, reinstate).votesFor == 0
    net.expect_revert(r.vote(reinstate, True), net.b, "MemberNotActive", 2, SUSPENDED)
    net.send(r.vote(reinstate, True), net.a)
    assert net.status_of(2) == SUSPENDED  # 1 of 2 eligible (members 1 and 3)
    net.send(r.vote(reinstate, True), c)
    assert net.status_of(2) == ACTIVE
    assert tuple(r.accountInfo(net.b.address).call()) == (2, ACTIVE)

    # Removal is final: no reinstatement, no proposals about or by the removed member.
    pid = net.propose(r.proposeRemoval(2), net.a)
    net.send(r.vote(pid, True), c)
    assert net.status_of(2) == REMOVED
    assert r.activeCount().call() == 2
    for fn in (r.proposeReinstatement(2), r.proposeSuspension(2), r.proposeRemoval(2)):
        net.expect_revert(fn, net.a, "InvalidMemberStatus", 2, REMOVED)
    net.expect_revert(r.proposeSuspension(1), net.b, "MemberNotActive", 2, REMOVED)
    net.expect_revert(r.proposeKeyAddition(2, key_input("k")), net.a, "InvalidMemberStatus")
    net.expect_revert(r.retireOwnKey("key-1", 0), net.b, "MemberNotActive", 2, REMOVED)
    net.expect_revert(r.removeOwnAccount(net.b.address), net.b, "MemberNotActive")


def test_stale_votes_do_not_count_and_execute_after_the_body_shrinks(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a", "uni-b", "uni-c"))
    r = net.registry.functions
    c = net.members[2]
    applicant = chain.account("uni-d")
    admission = net.propose(r.proposeAdmission(member_input("uni-d", [applicant.address])), net.a)
    net.send(r.vote(admission, False), net.b)
    assert tuple(proposal(net, admission)[9:12]) == (1, 1, 3)

    suspend_c = net.propose(r.proposeSuspension(3), net.a)
    net.send(r.vote(suspend_c, True), net.b)
    net.propose(r.proposeSuspension(2), net.a)  # eligible: member 1 only
    assert r.activeCount().call() == 1
    p = proposal(net, admission)
    assert (p.votesFor, p.votesAgainst, p.eligible) == (1, 0, 1)  # member 2's vote is stale
    net.send(r.execute(admission), c)  # anyone may execute
    assert r.isActive(4).call() is True


def test_a_strict_minority_against_rejects(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a", "uni-b", "uni-c", "uni-d"))
    r = net.registry.functions
    applicant = chain.account("uni-e")
    pid = net.propose(r.proposeAdmission(member_input("uni-e", [applicant.address])), applicant)
    net.send(r.vote(pid, False), net.a)
    assert proposal(net, pid).state == P_OPEN  # 1 of 4 against
    receipt = net.send(r.vote(pid, False), net.b)  # 2 of 4 against: it can no longer pass
    assert chain.events(net.registry, "ProposalRejected", receipt) == [{"proposalId": pid}]
    assert proposal(net, pid).state == P_REJECTED
    net.expect_revert(r.vote(pid, True), net.members[2], "ProposalNotOpen", pid, P_REJECTED)


def test_proposals_expire_and_can_be_cancelled(net: Network) -> None:
    r = net.registry.functions
    applicant = net.chain.account("uni-c")
    application = member_input("uni-c", [applicant.address])
    pid = net.propose(r.proposeAdmission(application), applicant)
    expires = proposal(net, pid).expiresAt
    # The vote's own block at the last second (not "a block at it, then the vote": a wall
    # clock second passing in between on a loaded machine would move the vote past it).
    net.chain.set_next_timestamp(expires)
    net.send(r.vote(pid, True), net.a)  # the last second still counts
    net.chain.mine(expires + 1)
    assert proposal(net, pid).expired is True
    net.expect_revert(r.vote(pid, True), net.b, "ProposalExpired", pid)
    net.expect_revert(r.execute(pid), net.b, "ProposalExpired", pid)
    net.expect_revert(r.cancel(pid), applicant, "ProposalExpired", pid)

    pid = net.propose(r.proposeAdmission(application), applicant)
    net.expect_revert(r.cancel(pid), net.a, "NotProposer", pid, net.a.address)
    receipt = net.send(r.cancel(pid), applicant)
    assert net.chain.events(net.registry, "ProposalCancelled", receipt) == [{"proposalId": pid}]
    assert proposal(net, pid).state == P_CANCELLED
    net.expect_revert(r.vote(pid, True), net.a, "ProposalNotOpen", pid, P_CANCELLED)
    net.expect_revert(r.cancel(pid), applicant, "ProposalNotOpen", pid, P_CANCELLED)
    for fn in (r.vote(99, True), r.execute(99), r.cancel(99)):
        net.expect_revert(fn, net.a, "UnknownProposal", 99)


# ---------------------------------------------------------------- keys


def _own_case(net: Network, fn: Any, proposer: LocalAccount, voter: LocalAccount) -> int:
    """Member ``proposer`` proposes about itself; ``voter`` (the only other member) passes it."""
    pid = net.propose(fn, proposer)
    assert proposal(net, pid).votesFor == 0
    net.expect_revert(net.registry.functions.vote(pid, True), proposer, "OwnCase")
    net.send(net.registry.functions.vote(pid, True), voter)
    assert proposal(net, pid).state == P_EXECUTED
    return pid


def test_key_addition_retirement_and_validity_windows(net: Network) -> None:
    r = net.registry.functions
    t = net.chain.now() + 1000
    _own_case(net, r.proposeKeyAddition(1, key_input("key-2", t, t + 500)), net.a, net.b)
    assert r.keyIdsOf(1).call() == ["key-1", "key-2"]
    assert tuple(r.getKey(1, "key-2").call()) == ("key-2", MULTIBASE, t, t + 500, False)
    for when, valid in ((t - 1, False), (t, True), (t + 499, True), (t + 500, False)):
        assert r.keyValidAt(1, "key-2", when).call() is valid, when
    assert r.keyValidAt(2, "key-2", t).call() is False  # keys are per member

    # Member 2 proposes retiring member 1's key-1 (and votes: 1 of 1 eligible).
    retired_at = t + 100
    receipt = net.send(r.proposeKeyRetirement(1, "key-1", retired_at), net.b)
    (event,) = net.chain.events(net.registry, "KeyRetired", receipt)
    assert event == {"member": 1, "keyId": "key-1", "retiredAt": retired_at}
    assert tuple(r.getKey(1, "key-1").call())[3:] == (retired_at, True)
    assert r.keyValidAt(1, "key-1", retired_at - 1).call() is True
    assert r.keyValidAt(1, "key-1", retired_at).call() is False
    net.expect_revert(
        r.proposeKeyRetirement(1, "key-1", t), net.b, "InvalidRetirement", 1, "key-1", t
    )

    # Self-service retirement only shortens a window, never before validFrom.
    net.expect_revert(r.retireOwnKey("key-2", t - 1), net.a, "InvalidRetirement")
    net.expect_revert(r.retireOwnKey("key-2", t + 500), net.a, "InvalidRetirement")
    net.expect_revert(r.retireOwnKey("key-9", t), net.a, "UnknownKey", 1, "key-9")
    stranger = net.chain.account("stranger")
    net.expect_revert(r.retireOwnKey("key-2", t), stranger, "NotMemberAccount")
    net.send(r.retireOwnKey("key-2", t + 200), net.a)
    assert r.keyValidAt(1, "key-2", t + 199).call() is True
    assert r.keyValidAt(1, "key-2", t + 200).call() is False


def test_key_proposal_reverts(net: Network) -> None:
    r = net.registry.functions
    net.expect_revert(r.proposeKeyAddition(1, key_input("key-1")), net.b, "KeyExists", 1, "key-1")
    for key in (key_input(""), ("k", "", 0, 0), key_input("k", 5, 5)):
        net.expect_revert(r.proposeKeyAddition(1, key), net.b, "InvalidKey")
    net.expect_revert(r.proposeKeyAddition(7, key_input("k")), net.b, "UnknownMember", 7)
    net.expect_revert(r.proposeKeyRetirement(1, "nope", 1), net.b, "UnknownKey", 1, "nope")
    # Two proposals adding the same key id: the second fails when it would execute.
    first = net.propose(r.proposeKeyAddition(1, key_input("key-2")), net.a)
    second = net.propose(r.proposeKeyAddition(1, key_input("key-2")), net.a)
    net.send(r.vote(first, True), net.b)
    net.expect_revert(r.vote(second, True), net.b, "KeyExists", 1, "key-2")


def test_single_member_network_decides_its_own_case(chain: Chain) -> None:
    net = deploy_network(chain, ("uni-a",))
    r = net.registry.functions
    pid = net.propose(r.proposeKeyAddition(1, key_input("key-2")), net.a)
    assert proposal(net, pid).state == P_EXECUTED
    assert r.keyIdsOf(1).call() == ["key-1", "key-2"]


# ---------------------------------------------------------------- accounts, endpoint, accreditation


def test_anchoring_account_changes(net: Network) -> None:
    r = net.registry.functions
    extra = net.chain.account("uni-a-hot")
    receipt = net.send(r.proposeAccountAddition(1, extra.address), net.b)
    assert net.chain.events(net.registry, "AccountAdded", receipt) == [
        {"member": 1, "account": extra.address}
    ]
    assert r.accountsOf(1).call() == [net.a.address, extra.address]
    assert tuple(r.accountInfo(extra.address).call()) == (1, ACTIVE)
    net.send(net.anchors.functions.anchorRoot(b"\1" * 32, 1), extra)

    net.expect_revert(r.proposeAccountAddition(2, extra.address), net.a, "AccountTaken")
    net.expect_revert(r.proposeAccountAddition(2, ZERO), net.a, "InvalidAccount", ZERO)
    net.expect_revert(
        r.proposeAccountRemoval(2, extra.address),
        net.a,
        "AccountNotOfMember",
        extra.address,
        2,
    )
    # Removal by vote ...
    receipt = net.send(r.proposeAccountRemoval(1, extra.address), net.b)
    assert net.chain.events(net.registry, "AccountRemoved", receipt) == [
        {"member": 1, "account": extra.address}
    ]
    assert r.memberOfAccount(extra.address).call() == 0
    assert r.accountsOf(1).call() == [net.a.address]
    net.expect_revert(net.anchors.functions.anchorRoot(b"\2" * 32, 1), extra, "NotMemberAccount")
    # ... or by the member itself, for its own accounts only.
    net.send(r.proposeAccountAddition(1, extra.address), net.b)
    net.expect_revert(r.removeOwnAccount(net.b.address), net.a, "AccountNotOfMember")
    net.send(r.removeOwnAccount(extra.address), net.a)
    assert r.accountsOf(1).call() == [net.a.address]
    # An account that left one member may join another.
    net.send(r.proposeAccountAddition(2, extra.address), net.a)
    assert r.memberOfAccount(extra.address).call() == 2


def test_endpoint_and_accreditation_updates(net: Network) -> None:
    r = net.registry.functions
    receipt = net.send(r.proposeServiceEndpoint(1, "https://new.uni-a.example"), net.b)
    assert net.chain.events(net.registry, "ServiceEndpointChanged", receipt) == [
        {"member": 1, "serviceEndpoint": "https://new.uni-a.example"}
    ]
    assert r.serviceEndpointOf(1).call() == "https://new.uni-a.example"
    accreditation = ("programme", "deqar-42", 1 << 5)
    receipt = net.send(r.proposeAccreditation(1, accreditation), net.b)
    (event,) = net.chain.events(net.registry, "AccreditationChanged", receipt)
    assert event == {"member": 1, "qaType": "programme", "deqarId": "deqar-42", "eqfLevels": 32}
    assert tuple(r.accreditationOf(1).call()) == accreditation

    net.expect_revert(r.proposeServiceEndpoint(1, ""), net.b, "InvalidServiceEndpoint")
    net.expect_revert(r.proposeAccreditation(1, ("x", "y", 1)), net.b, "InvalidEqfLevels", 1)
    # A member's own update needs the other members.
    _own_case(net, r.proposeServiceEndpoint(2, "https://b2.example"), net.b, net.a)
    assert r.serviceEndpointOf(2).call() == "https://b2.example"
