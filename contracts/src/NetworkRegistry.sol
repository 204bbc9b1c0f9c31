// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {INetworkRegistry} from "./INetworkRegistry.sol";

/// @title The network's trust registry: member institutions and their governance
/// @notice A simplified EBSI Trusted Issuers + DID registry. Each member institution has a DID,
/// signing keys (Multikey `publicKeyMultibase`, identified by their DID URL fragment, each with a
/// validity window so that rotation keeps old credentials verifiable), the accounts that act for
/// it on chain (anchoring, status lists, proposals, votes), a service endpoint, accreditation
/// attributes and a status. Genesis members are set at deployment; every later change passes by
/// a strict majority of active members (votes for > eligible / 2), the member concerned not
/// voting on its own case and leaving the denominator - unless it is the only active member,
/// which then decides alone (a one-institution network must still rotate its keys).
/// @dev Members are numbered 1, 2, … in order of admission. Tallies are recomputed from the
/// recorded voters whenever a proposal is decided, so votes of members that were suspended or
/// removed meanwhile no longer count and the denominator is always today's active members.
contract NetworkRegistry is INetworkRegistry {
    // ------------------------------------------------------------------ types

    /// @notice Accreditation attributes. `eqfLevels` has bit n set when EQF level n (1–8) is
    /// allowed, so bit 0 and bits above 8 must be clear.
    struct Accreditation {
        string qaType;
        string deqarId;
        uint16 eqfLevels;
    }

    /// @notice A signing key as submitted. `validUntil` 0 means "until retired".
    struct KeyInput {
        string keyId;
        string publicKeyMultibase;
        uint64 validFrom;
        uint64 validUntil;
    }

    /// @notice Everything an applicant (or a genesis member) brings.
    struct MemberInput {
        string did;
        string serviceEndpoint;
        Accreditation accreditation;
        KeyInput[] keys;
        address[] accounts;
    }

    /// @notice A stored key. `validUntil` is `type(uint64).max` while open-ended; retiring a key
    /// sets it to the retirement time and `retired` to true. A key is valid at t when
    /// validFrom <= t < validUntil.
    struct Key {
        string keyId;
        string publicKeyMultibase;
        uint64 validFrom;
        uint64 validUntil;
        bool retired;
    }

    /// @notice A member as returned by `getMember`.
    struct MemberView {
        uint32 id;
        Status status;
        uint64 admittedAt;
        uint64 statusChangedAt;
        string did;
        string serviceEndpoint;
        Accreditation accreditation;
        string[] keyIds;
        address[] accounts;
    }

    /// @notice What a proposal would do.
    enum ProposalKind {
        Admission,
        Suspension,
        Reinstatement,
        Removal,
        KeyAddition,
        KeyRetirement,
        AccountAddition,
        AccountRemoval,
        ServiceEndpointUpdate,
        AccreditationUpdate
    }

    /// @notice A proposal's stored state. `Open` proposals past `expiresAt` are expired.
    enum ProposalState {
        None,
        Open,
        Executed,
        Rejected,
        Cancelled
    }

    /// @notice A member's vote on one proposal.
    enum Ballot {
        None,
        For,
        Against
    }

    struct Proposal {
        ProposalKind kind;
        ProposalState state;
        uint32 subject; // 0 for an admission: the applicant is not a member yet
        uint32 proposer; // 0 when an applicant proposed its own admission
        uint64 createdAt;
        uint64 expiresAt;
        address proposerAccount;
        bytes payload; // abi-encoded arguments, decoded when executed
    }

    /// @notice A proposal as returned by `getProposal`, with today's tally.
    struct ProposalView {
        uint256 id;
        ProposalKind kind;
        ProposalState state;
        bool expired;
        uint32 subject;
        uint32 proposer;
        address proposerAccount;
        uint64 createdAt;
        uint64 expiresAt;
        uint256 votesFor;
        uint256 votesAgainst;
        uint256 eligible;
        bytes payload;
    }

    struct AccountEntry {
        uint32 member;
        Status status;
    }

    struct Member {
        Status status;
        uint64 admittedAt;
        uint64 statusChangedAt;
        string did;
        string serviceEndpoint;
        Accreditation accreditation;
        string[] keyIds;
        address[] accounts;
    }

    // ------------------------------------------------------------------ state

    /// @notice How long a proposal stays open, in seconds.
    uint64 public immutable votingPeriod;

    uint32 private _memberCount;
    uint32 private _activeCount;
    mapping(uint32 member => Member) private _members;
    mapping(uint32 member => mapping(bytes32 keyIdHash => Key)) private _keys;
    mapping(bytes32 didHash => uint32 member) private _memberOfDid;
    /// @dev Each account's member with a copy of that member's status, kept in sync by
    /// `_setStatus`, so `accountInfo` (called by every `anchorRoot`) reads one storage slot.
    mapping(address account => AccountEntry) private _accounts;

    uint256 private _proposalCount;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => uint32[] voters) private _voters;
    mapping(uint256 proposalId => mapping(uint32 member => Ballot)) private _ballots;

    // ------------------------------------------------------------------ events

    /// @notice A member was admitted (`proposalId` 0 for genesis members).
    event MemberAdmitted(uint32 indexed member, string did, uint256 indexed proposalId);
    /// @notice A member's status changed (suspended, reinstated or removed).
    event MemberStatusChanged(uint32 indexed member, Status status, uint256 indexed proposalId);
    /// @notice A signing key was added.
    event KeyAdded(
        uint32 indexed member,
        string keyId,
        string publicKeyMultibase,
        uint64 validFrom,
        uint64 validUntil
    );
    /// @notice A signing key was retired: not valid at or after `retiredAt`.
    event KeyRetired(uint32 indexed member, string keyId, uint64 retiredAt);
    /// @notice An account now acts for `member`.
    event AccountAdded(uint32 indexed member, address indexed account);
    /// @notice An account no longer acts for `member`.
    event AccountRemoved(uint32 indexed member, address indexed account);
    /// @notice A member's service endpoint changed.
    event ServiceEndpointChanged(uint32 indexed member, string serviceEndpoint);
    /// @notice A member's accreditation attributes changed.
    event AccreditationChanged(
        uint32 indexed member,
        string qaType,
        string deqarId,
        uint16 eqfLevels
    );
    /// @notice A proposal was opened.
    event ProposalCreated(
        uint256 indexed proposalId,
        ProposalKind kind,
        uint32 indexed subject,
        uint32 indexed proposer,
        uint64 expiresAt
    );
    /// @notice A member voted.
    event VoteCast(uint256 indexed proposalId, uint32 indexed voter, bool support);
    /// @notice A proposal passed and took effect.
    event ProposalExecuted(uint256 indexed proposalId);
    /// @notice A proposal can no longer pass: at least half of the eligible members voted against.
    event ProposalRejected(uint256 indexed proposalId);
    /// @notice The proposer withdrew a proposal.
    event ProposalCancelled(uint256 indexed proposalId);

    // ------------------------------------------------------------------ errors

    /// @notice No genesis members or a zero voting period.
    error InvalidConfiguration();
    /// @notice The sender is not an account of any member.
    error NotMemberAccount(address account);
    /// @notice The sender's member may not do this in its current status.
    error MemberNotActive(uint32 member, Status status);
    /// @notice No member has this id.
    error UnknownMember(uint32 member);
    /// @notice The member's status does not allow this change.
    error InvalidMemberStatus(uint32 member, Status status);
    /// @notice An empty DID or one already registered.
    error InvalidDid(string did);
    /// @notice The DID is registered already.
    error DidTaken(string did, uint32 member);
    /// @notice The zero address or an address that already acts for a member.
    error InvalidAccount(address account);
    /// @notice The account acts for a member already.
    error AccountTaken(address account, uint32 member);
    /// @notice The account does not act for this member.
    error AccountNotOfMember(address account, uint32 member);
    /// @notice An application or genesis member without any account.
    error NoAccounts();
    /// @notice Empty key id or key material, or `validUntil` not after `validFrom`.
    error InvalidKey(string keyId);
    /// @notice The member has a key with this id already (retired keys keep their id).
    error KeyExists(uint32 member, string keyId);
    /// @notice The member has no key with this id.
    error UnknownKey(uint32 member, string keyId);
    /// @notice The key is retired already, or `retiredAt` would not shorten its window or
    /// would precede its `validFrom`.
    error InvalidRetirement(uint32 member, string keyId, uint64 retiredAt);
    /// @notice `eqfLevels` has bits outside 1–8 set.
    error InvalidEqfLevels(uint16 eqfLevels);
    /// @notice An empty service endpoint.
    error InvalidServiceEndpoint();
    /// @notice The sender may not open this proposal.
    error NotAllowedToPropose(address account);
    /// @notice No proposal has this id.
    error UnknownProposal(uint256 proposalId);
    /// @notice The proposal is executed, rejected or cancelled.
    error ProposalNotOpen(uint256 proposalId, ProposalState state);
    /// @notice The proposal's voting period is over.
    error ProposalExpired(uint256 proposalId);
    /// @notice The member concerned does not vote on its own case.
    error OwnCase(uint256 proposalId, uint32 member);
    /// @notice One vote per member per proposal.
    error AlreadyVoted(uint256 proposalId, uint32 member);
    /// @notice `execute` before a strict majority of eligible members voted for it.
    error NoMajority(uint256 proposalId, uint256 votesFor, uint256 eligible);
    /// @notice Only the proposing account may cancel.
    error NotProposer(uint256 proposalId, address account);

    // ------------------------------------------------------------------ construction

    /// @param genesis The founding members, all active, numbered 1, 2, … in this order.
    /// @param votingPeriod_ Seconds a proposal stays open.
    constructor(MemberInput[] memory genesis, uint64 votingPeriod_) {
        if (genesis.length == 0 || votingPeriod_ == 0) revert InvalidConfiguration();
        votingPeriod = votingPeriod_;
        for (uint256 i = 0; i < genesis.length; ++i) {
            _admit(genesis[i], 0);
        }
    }

    // ------------------------------------------------------------------ proposals

    /// @notice Apply for membership (from one of the applicant's own accounts) or propose an
    /// applicant (from an active member's account, which then votes for it).
    function proposeAdmission(MemberInput calldata applicant) external returns (uint256) {
        MemberInput memory m = applicant;
        _validateNewMember(m);
        uint32 proposer = memberOfAccount(msg.sender);
        if (proposer == 0) {
            bool own = false;
            for (uint256 i = 0; i < m.accounts.length; ++i) {
                if (m.accounts[i] == msg.sender) own = true;
            }
            if (!own) revert NotAllowedToPropose(msg.sender);
        } else if (_members[proposer].status != Status.Active) {
            revert MemberNotActive(proposer, _members[proposer].status);
        }
        return _open(ProposalKind.Admission, 0, proposer, abi.encode(m));
    }

    /// @notice Propose suspending an active member.
    function proposeSuspension(uint32 member) external returns (uint256) {
        _requireStatus(member, Status.Active, Status.Active);
        return _open(ProposalKind.Suspension, member, _proposer(member), "");
    }

    /// @notice Propose reinstating a suspended member (the member itself may propose this).
    function proposeReinstatement(uint32 member) external returns (uint256) {
        _requireStatus(member, Status.Suspended, Status.Suspended);
        return _open(ProposalKind.Reinstatement, member, _proposer(member), "");
    }

    /// @notice Propose removing an active or suspended member for good.
    function proposeRemoval(uint32 member) external returns (uint256) {
        _requireStatus(member, Status.Active, Status.Suspended);
        return _open(ProposalKind.Removal, member, _proposer(member), "");
    }

    /// @notice Propose adding a signing key to a member.
    function proposeKeyAddition(uint32 member, KeyInput calldata key) external returns (uint256) {
        _requireStatus(member, Status.Active, Status.Suspended);
        KeyInput memory k = key;
        _validateKey(member, k);
        return _open(ProposalKind.KeyAddition, member, _proposer(member), abi.encode(k));
    }

    /// @notice Propose retiring a member's key: not valid at or after `retiredAt`.
    function proposeKeyRetirement(uint32 member, string calldata keyId, uint64 retiredAt)
        external
        returns (uint256)
    {
        _requireStatus(member, Status.Active, Status.Suspended);
        _validateRetirement(member, keyId, retiredAt);
        bytes memory payload = abi.encode(keyId, retiredAt);
        return _open(ProposalKind.KeyRetirement, member, _proposer(member), payload);
    }

    /// @notice Propose letting `account` act for a member.
    function proposeAccountAddition(uint32 member, address account) external returns (uint256) {
        _requireStatus(member, Status.Active, Status.Suspended);
        _validateNewAccount(account);
        return _open(ProposalKind.AccountAddition, member, _proposer(member), abi.encode(account));
    }

    /// @notice Propose that `account` no longer acts for a member.
    function proposeAccountRemoval(uint32 member, address account) external returns (uint256) {
        _requireStatus(member, Status.Active, Status.Suspended);
        if (memberOfAccount(account) != member) revert AccountNotOfMember(account, member);
        return _open(ProposalKind.AccountRemoval, member, _proposer(member), abi.encode(account));
    }

    /// @notice Propose a new service endpoint URL for a member.
    function proposeServiceEndpoint(uint32 member, string calldata serviceEndpoint)
        external
        returns (uint256)
    {
        _requireStatus(member, Status.Active, Status.Suspended);
        if (bytes(serviceEndpoint).length == 0) revert InvalidServiceEndpoint();
        bytes memory payload = abi.encode(serviceEndpoint);
        return _open(ProposalKind.ServiceEndpointUpdate, member, _proposer(member), payload);
    }

    /// @notice Propose new accreditation attributes for a member.
    function proposeAccreditation(uint32 member, Accreditation calldata accreditation)
        external
        returns (uint256)
    {
        _requireStatus(member, Status.Active, Status.Suspended);
        _validateEqf(accreditation.eqfLevels);
        Accreditation memory a = accreditation;
        return _open(ProposalKind.AccreditationUpdate, member, _proposer(member), abi.encode(a));
    }

    /// @notice Vote on an open proposal; the vote that makes a strict majority executes it.
    /// @dev Only active members vote, one vote each, never on their own case (unless the sole
    /// active member). Against votes from at least half of the eligible members reject it.
    function vote(uint256 proposalId, bool support) external {
        Proposal storage p = _openProposal(proposalId);
        uint32 voter = memberOfAccount(msg.sender);
        if (voter == 0) revert NotMemberAccount(msg.sender);
        if (_members[voter].status != Status.Active) {
            revert MemberNotActive(voter, _members[voter].status);
        }
        if (voter == p.subject && !_decidesAlone(voter)) revert OwnCase(proposalId, voter);
        if (_ballots[proposalId][voter] != Ballot.None) revert AlreadyVoted(proposalId, voter);
        _ballots[proposalId][voter] = support ? Ballot.For : Ballot.Against;
        _voters[proposalId].push(voter);
        emit VoteCast(proposalId, voter, support);
        _decide(proposalId, p);
    }

    /// @notice Execute an open proposal that has a strict majority today, e.g. after the
    /// number of active members shrank. Anyone may call.
    function execute(uint256 proposalId) external {
        Proposal storage p = _openProposal(proposalId);
        (uint256 votesFor,, uint256 eligible) = _tally(proposalId, p.subject);
        if (votesFor * 2 <= eligible) revert NoMajority(proposalId, votesFor, eligible);
        _execute(proposalId, p);
    }

    /// @notice Withdraw an open proposal (only the account that opened it).
    function cancel(uint256 proposalId) external {
        Proposal storage p = _openProposal(proposalId);
        if (p.proposerAccount != msg.sender) revert NotProposer(proposalId, msg.sender);
        p.state = ProposalState.Cancelled;
        emit ProposalCancelled(proposalId);
    }

    // ------------------------------------------------------------------ self-service

    /// @notice Retire one of the sender's member's own keys without a vote (e.g. after a
    /// compromise): giving up a key can only reduce what the member can do.
    function retireOwnKey(string calldata keyId, uint64 retiredAt) external {
        uint32 member = _selfNotRemoved();
        _validateRetirement(member, keyId, retiredAt);
        _retireKey(member, keyId, retiredAt);
    }

    /// @notice Stop `account` acting for the sender's member, without a vote.
    function removeOwnAccount(address account) external {
        uint32 member = _selfNotRemoved();
        if (memberOfAccount(account) != member) revert AccountNotOfMember(account, member);
        _removeAccount(member, account);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc INetworkRegistry
    function accountInfo(address account) external view returns (uint32 member, Status status) {
        AccountEntry memory entry = _accounts[account];
        return (entry.member, entry.status);
    }

    /// @inheritdoc INetworkRegistry
    function memberOfAccount(address account) public view returns (uint32) {
        return _accounts[account].member;
    }

    /// @inheritdoc INetworkRegistry
    function isActive(uint32 member) external view returns (bool) {
        return _members[member].status == Status.Active;
    }

    /// @inheritdoc INetworkRegistry
    function statusOf(uint32 member) external view returns (Status) {
        return _members[member].status;
    }

    /// @notice Number of members ever admitted (ids run from 1 to this number).
    function memberCount() external view returns (uint32) {
        return _memberCount;
    }

    /// @notice Number of active members (the voting body).
    function activeCount() external view returns (uint32) {
        return _activeCount;
    }

    /// @notice Ids of all members ever admitted, in order (removed members included).
    function memberIds() external view returns (uint32[] memory ids) {
        ids = new uint32[](_memberCount);
        for (uint32 i = 0; i < _memberCount; ++i) {
            ids[i] = i + 1;
        }
    }

    /// @notice The member whose DID is `did` (0 when none).
    function memberOfDid(string calldata did) external view returns (uint32) {
        return _memberOfDid[keccak256(bytes(did))];
    }

    /// @notice Everything about a member; reverts for an unknown id.
    function getMember(uint32 member) external view returns (MemberView memory) {
        Member storage m = _known(member);
        return MemberView(
            member,
            m.status,
            m.admittedAt,
            m.statusChangedAt,
            m.did,
            m.serviceEndpoint,
            m.accreditation,
            m.keyIds,
            m.accounts
        );
    }

    /// @notice A member's DID.
    function didOf(uint32 member) external view returns (string memory) {
        return _known(member).did;
    }

    /// @notice A member's service endpoint URL.
    function serviceEndpointOf(uint32 member) external view returns (string memory) {
        return _known(member).serviceEndpoint;
    }

    /// @notice A member's accreditation attributes.
    function accreditationOf(uint32 member) external view returns (Accreditation memory) {
        return _known(member).accreditation;
    }

    /// @notice The accounts acting for a member.
    function accountsOf(uint32 member) external view returns (address[] memory) {
        return _known(member).accounts;
    }

    /// @notice Ids (DID URL fragments) of all keys a member ever had, retired ones included.
    function keyIdsOf(uint32 member) external view returns (string[] memory) {
        return _known(member).keyIds;
    }

    /// @notice One key of a member; reverts when the member has no such key.
    function getKey(uint32 member, string calldata keyId) external view returns (Key memory) {
        Key storage k = _keys[member][keccak256(bytes(keyId))];
        if (bytes(k.keyId).length == 0) revert UnknownKey(member, keyId);
        return k;
    }

    /// @notice True when the member has key `keyId` and validFrom <= timestamp < validUntil.
    /// @dev Says nothing about the member's status: check `statusOf` / `isActive` as well.
    function keyValidAt(uint32 member, string calldata keyId, uint64 timestamp)
        external
        view
        returns (bool)
    {
        Key storage k = _keys[member][keccak256(bytes(keyId))];
        return k.validFrom <= timestamp && timestamp < k.validUntil;
    }

    /// @notice Number of proposals ever opened (ids run from 1 to this number).
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    /// @notice A proposal with today's tally; reverts for an unknown id.
    function getProposal(uint256 proposalId) external view returns (ProposalView memory v) {
        Proposal storage p = _proposals[proposalId];
        if (p.state == ProposalState.None) revert UnknownProposal(proposalId);
        (uint256 votesFor, uint256 votesAgainst, uint256 eligible) = _tally(proposalId, p.subject);
        v = ProposalView(
            proposalId,
            p.kind,
            p.state,
            p.state == ProposalState.Open && block.timestamp > p.expiresAt,
            p.subject,
            p.proposer,
            p.proposerAccount,
            p.createdAt,
            p.expiresAt,
            votesFor,
            votesAgainst,
            eligible,
            p.payload
        );
    }

    /// @notice How `member` voted on a proposal.
    function ballotOf(uint256 proposalId, uint32 member) external view returns (Ballot) {
        return _ballots[proposalId][member];
    }

    // ------------------------------------------------------------------ internals

    function _known(uint32 member) private view returns (Member storage m) {
        m = _members[member];
        if (m.status == Status.None) revert UnknownMember(member);
    }

    function _requireStatus(uint32 member, Status a, Status b) private view {
        Status s = _known(member).status;
        if (s != a && s != b) revert InvalidMemberStatus(member, s);
    }

    /// The proposing member: an active member, or the subject itself while not removed
    /// (a suspended member may ask for reinstatement or a key change).
    function _proposer(uint32 subject) private view returns (uint32 proposer) {
        proposer = memberOfAccount(msg.sender);
        if (proposer == 0) revert NotMemberAccount(msg.sender);
        Status s = _members[proposer].status;
        if (s == Status.Active) return proposer;
        if (proposer == subject && s == Status.Suspended) return proposer;
        revert MemberNotActive(proposer, s);
    }

    function _selfNotRemoved() private view returns (uint32 member) {
        member = memberOfAccount(msg.sender);
        if (member == 0) revert NotMemberAccount(msg.sender);
        Status s = _members[member].status;
        if (s == Status.Removed) revert MemberNotActive(member, s);
    }

    function _open(ProposalKind kind, uint32 subject, uint32 proposer, bytes memory payload)
        private
        returns (uint256 id)
    {
        id = ++_proposalCount;
        uint64 expiresAt = uint64(block.timestamp) + votingPeriod;
        _proposals[id] = Proposal(
            kind,
            ProposalState.Open,
            subject,
            proposer,
            uint64(block.timestamp),
            expiresAt,
            msg.sender,
            payload
        );
        emit ProposalCreated(id, kind, subject, proposer, expiresAt);
        // The proposer votes for its proposal unless it is its own case (or an applicant).
        if (
            proposer != 0 && _members[proposer].status == Status.Active
                && (proposer != subject || _decidesAlone(subject))
        ) {
            _ballots[id][proposer] = Ballot.For;
            _voters[id].push(proposer);
            emit VoteCast(id, proposer, true);
            _decide(id, _proposals[id]);
        }
    }

    /// A member is the judge of its own case only when it is the sole active member (a
    /// one-institution network must still be able to rotate its keys).
    function _decidesAlone(uint32 subject) private view returns (bool) {
        return subject != 0 && _activeCount == 1 && _members[subject].status == Status.Active;
    }

    function _openProposal(uint256 proposalId) private view returns (Proposal storage p) {
        p = _proposals[proposalId];
        if (p.state == ProposalState.None) revert UnknownProposal(proposalId);
        if (p.state != ProposalState.Open) revert ProposalNotOpen(proposalId, p.state);
        if (block.timestamp > p.expiresAt) revert ProposalExpired(proposalId);
    }

    /// Counts the recorded votes of members that are active today and not the subject; the
    /// eligible body is today's active members without the subject.
    function _tally(uint256 proposalId, uint32 subject)
        private
        view
        returns (uint256 votesFor, uint256 votesAgainst, uint256 eligible)
    {
        bool alone = _decidesAlone(subject);
        eligible = _activeCount;
        if (subject != 0 && _members[subject].status == Status.Active && !alone) eligible -= 1;
        uint32[] storage voters = _voters[proposalId];
        for (uint256 i = 0; i < voters.length; ++i) {
            uint32 voter = voters[i];
            if ((voter == subject && !alone) || _members[voter].status != Status.Active) continue;
            if (_ballots[proposalId][voter] == Ballot.For) ++votesFor;
            else ++votesAgainst;
        }
    }

    function _decide(uint256 proposalId, Proposal storage p) private {
        (uint256 votesFor, uint256 votesAgainst, uint256 eligible) = _tally(proposalId, p.subject);
        if (votesFor * 2 > eligible) {
            _execute(proposalId, p);
        } else if (eligible != 0 && votesAgainst * 2 >= eligible) {
            p.state = ProposalState.Rejected;
            emit ProposalRejected(proposalId);
        }
    }

    function _execute(uint256 proposalId, Proposal storage p) private {
        p.state = ProposalState.Executed;
        uint32 subject = p.subject;
        ProposalKind kind = p.kind;
        if (kind == ProposalKind.Admission) {
            MemberInput memory m = abi.decode(p.payload, (MemberInput));
            _validateNewMember(m);
            _admit(m, proposalId);
        } else if (kind == ProposalKind.Suspension) {
            _requireStatus(subject, Status.Active, Status.Active);
            _setStatus(subject, Status.Suspended, proposalId);
        } else if (kind == ProposalKind.Reinstatement) {
            _requireStatus(subject, Status.Suspended, Status.Suspended);
            _setStatus(subject, Status.Active, proposalId);
        } else if (kind == ProposalKind.Removal) {
            _requireStatus(subject, Status.Active, Status.Suspended);
            _setStatus(subject, Status.Removed, proposalId);
        } else {
            _requireStatus(subject, Status.Active, Status.Suspended);
            if (kind == ProposalKind.KeyAddition) {
                KeyInput memory k = abi.decode(p.payload, (KeyInput));
                _validateKey(subject, k);
                _addKey(subject, k);
            } else if (kind == ProposalKind.KeyRetirement) {
                (string memory keyId, uint64 retiredAt) = abi.decode(p.payload, (string, uint64));
                _validateRetirement(subject, keyId, retiredAt);
                _retireKey(subject, keyId, retiredAt);
            } else if (kind == ProposalKind.AccountAddition) {
                address account = abi.decode(p.payload, (address));
                _validateNewAccount(account);
                _addAccount(subject, account);
            } else if (kind == ProposalKind.AccountRemoval) {
                address account = abi.decode(p.payload, (address));
                if (memberOfAccount(account) != subject) {
                    revert AccountNotOfMember(account, subject);
                }
                _removeAccount(subject, account);
            } else if (kind == ProposalKind.ServiceEndpointUpdate) {
                string memory endpoint = abi.decode(p.payload, (string));
                _members[subject].serviceEndpoint = endpoint;
                emit ServiceEndpointChanged(subject, endpoint);
            } else {
                Accreditation memory a = abi.decode(p.payload, (Accreditation));
                _setAccreditation(subject, a);
            }
        }
        emit ProposalExecuted(proposalId);
    }

    function _validateNewMember(MemberInput memory m) private view {
        if (bytes(m.did).length == 0) revert InvalidDid(m.did);
        uint32 holder = _memberOfDid[keccak256(bytes(m.did))];
        if (holder != 0) revert DidTaken(m.did, holder);
        if (bytes(m.serviceEndpoint).length == 0) revert InvalidServiceEndpoint();
        _validateEqf(m.accreditation.eqfLevels);
        if (m.accounts.length == 0) revert NoAccounts();
        for (uint256 i = 0; i < m.accounts.length; ++i) {
            _validateNewAccount(m.accounts[i]);
            for (uint256 j = 0; j < i; ++j) {
                if (m.accounts[j] == m.accounts[i]) revert InvalidAccount(m.accounts[i]);
            }
        }
        for (uint256 i = 0; i < m.keys.length; ++i) {
            _validateKeyFields(m.keys[i]);
            bytes32 h = keccak256(bytes(m.keys[i].keyId));
            for (uint256 j = 0; j < i; ++j) {
                if (keccak256(bytes(m.keys[j].keyId)) == h) {
                    revert KeyExists(0, m.keys[i].keyId);
                }
            }
        }
    }

    function _validateNewAccount(address account) private view {
        if (account == address(0)) revert InvalidAccount(account);
        uint32 holder = memberOfAccount(account);
        if (holder != 0) revert AccountTaken(account, holder);
    }

    function _validateEqf(uint16 eqfLevels) private pure {
        if (eqfLevels & ~uint16(0x1FE) != 0) revert InvalidEqfLevels(eqfLevels);
    }

    function _validateKeyFields(KeyInput memory k) private pure {
        if (
            bytes(k.keyId).length == 0 || bytes(k.publicKeyMultibase).length == 0
                || (k.validUntil != 0 && k.validUntil <= k.validFrom)
        ) revert InvalidKey(k.keyId);
    }

    function _validateKey(uint32 member, KeyInput memory k) private view {
        _validateKeyFields(k);
        if (bytes(_keys[member][keccak256(bytes(k.keyId))].keyId).length != 0) {
            revert KeyExists(member, k.keyId);
        }
    }

    function _validateRetirement(uint32 member, string memory keyId, uint64 retiredAt)
        private
        view
    {
        Key storage k = _keys[member][keccak256(bytes(keyId))];
        if (bytes(k.keyId).length == 0) revert UnknownKey(member, keyId);
        if (k.retired || retiredAt >= k.validUntil || retiredAt < k.validFrom) {
            revert InvalidRetirement(member, keyId, retiredAt);
        }
    }

    function _admit(MemberInput memory m, uint256 proposalId) private {
        if (proposalId == 0) _validateNewMember(m);
        uint32 id = ++_memberCount;
        Member storage stored = _members[id];
        stored.status = Status.Active;
        stored.admittedAt = uint64(block.timestamp);
        stored.statusChangedAt = uint64(block.timestamp);
        stored.did = m.did;
        stored.serviceEndpoint = m.serviceEndpoint;
        _memberOfDid[keccak256(bytes(m.did))] = id;
        ++_activeCount;
        emit MemberAdmitted(id, m.did, proposalId);
        emit ServiceEndpointChanged(id, m.serviceEndpoint);
        _setAccreditation(id, m.accreditation);
        for (uint256 i = 0; i < m.keys.length; ++i) {
            _addKey(id, m.keys[i]);
        }
        for (uint256 i = 0; i < m.accounts.length; ++i) {
            _addAccount(id, m.accounts[i]);
        }
    }

    function _setStatus(uint32 member, Status status, uint256 proposalId) private {
        Member storage m = _members[member];
        if (m.status == Status.Active) --_activeCount;
        if (status == Status.Active) ++_activeCount;
        m.status = status;
        m.statusChangedAt = uint64(block.timestamp);
        address[] storage accounts = m.accounts;
        for (uint256 i = 0; i < accounts.length; ++i) {
            _accounts[accounts[i]].status = status;
        }
        emit MemberStatusChanged(member, status, proposalId);
    }

    function _setAccreditation(uint32 member, Accreditation memory a) private {
        _members[member].accreditation = a;
        emit AccreditationChanged(member, a.qaType, a.deqarId, a.eqfLevels);
    }

    function _addKey(uint32 member, KeyInput memory k) private {
        uint64 validUntil = k.validUntil == 0 ? type(uint64).max : k.validUntil;
        _keys[member][keccak256(bytes(k.keyId))] =
            Key(k.keyId, k.publicKeyMultibase, k.validFrom, validUntil, false);
        _members[member].keyIds.push(k.keyId);
        emit KeyAdded(member, k.keyId, k.publicKeyMultibase, k.validFrom, validUntil);
    }

    function _retireKey(uint32 member, string memory keyId, uint64 retiredAt) private {
        Key storage k = _keys[member][keccak256(bytes(keyId))];
        k.validUntil = retiredAt;
        k.retired = true;
        emit KeyRetired(member, keyId, retiredAt);
    }

    function _addAccount(uint32 member, address account) private {
        _accounts[account] = AccountEntry(member, _members[member].status);
        _members[member].accounts.push(account);
        emit AccountAdded(member, account);
    }

    function _removeAccount(uint32 member, address account) private {
        delete _accounts[account];
        address[] storage accounts = _members[member].accounts;
        uint256 last = accounts.length - 1;
        for (uint256 i = 0; i <= last; ++i) {
            if (accounts[i] == account) {
                accounts[i] = accounts[last];
                accounts.pop();
                break;
            }
        }
        emit AccountRemoved(member, account);
    }
}
