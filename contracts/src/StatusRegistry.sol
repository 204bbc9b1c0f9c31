// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {INetworkRegistry} from "./INetworkRegistry.sol";

/// @title Anchored versions of status lists (W3C Bitstring Status List / IETF Token Status List)
/// @notice Each status list (`listId`, e.g. keccak256 of the list's URL) belongs to the member
/// whose account published its first version. Every later version is the SHA-256 of the signed
/// list bytes with the block time at which it was published, so a verifier can ask both "is it
/// revoked now?" (`latestVersion`) and "was it valid on date X?" (`versionAt`).
/// A suspended member may still publish versions of its own lists (it must be able to revoke);
/// a removed member may not. Verifiers must check that `ownerOf(listId)` is the issuer's member.
contract StatusRegistry {
    /// @notice One published version.
    struct Version {
        bytes32 sha256Hash;
        uint64 timestamp;
    }

    /// @notice Owner and number of versions of a list.
    struct List {
        uint32 owner;
        uint32 latest;
    }

    /// @notice The registry that says which accounts act for which member.
    INetworkRegistry public immutable networkRegistry;

    mapping(bytes32 listId => List) private _lists;
    mapping(bytes32 listId => mapping(uint256 version => Version)) private _versions;

    /// @notice The first version of `listId` was published; `member` owns the list from now on.
    event StatusListClaimed(bytes32 indexed listId, uint32 indexed member);
    /// @notice Version `version` of `listId` was published.
    event StatusVersionPublished(
        bytes32 indexed listId,
        uint32 indexed member,
        uint32 version,
        bytes32 sha256Hash,
        uint64 timestamp
    );

    /// @notice The sender is not an account of any member.
    error NotMemberAccount(address account);
    /// @notice The list belongs to another member.
    error NotListOwner(bytes32 listId, uint32 owner, uint32 member);
    /// @notice The member's status does not allow this (removed; or not active for a new list).
    error MemberNotAllowed(uint32 member, INetworkRegistry.Status status);
    /// @notice A zero list id or a zero hash.
    error InvalidArgument();
    /// @notice `version(listId, n)` for an `n` that was not published.
    error UnknownVersion(bytes32 listId, uint256 version);
    /// @notice The network registry address is not a contract.
    error InvalidNetworkRegistry();

    /// @param registry The deployed `NetworkRegistry`.
    constructor(INetworkRegistry registry) {
        if (address(registry).code.length == 0) revert InvalidNetworkRegistry();
        networkRegistry = registry;
    }

    /// @notice Publish the SHA-256 of the next signed version of status list `listId`.
    /// @dev The first publication claims the list for the sender's member (which must be
    /// active); later ones must come from the owner's accounts, active or suspended.
    /// @return n The new version number (1, 2, …).
    function publishVersion(bytes32 listId, bytes32 sha256Hash) external returns (uint32 n) {
        if (listId == bytes32(0) || sha256Hash == bytes32(0)) revert InvalidArgument();
        (uint32 member, INetworkRegistry.Status status) = networkRegistry.accountInfo(msg.sender);
        if (member == 0) revert NotMemberAccount(msg.sender);
        List memory list = _lists[listId];
        if (list.owner == 0) {
            if (status != INetworkRegistry.Status.Active) revert MemberNotAllowed(member, status);
            list.owner = member;
            emit StatusListClaimed(listId, member);
        } else {
            if (list.owner != member) revert NotListOwner(listId, list.owner, member);
            if (status == INetworkRegistry.Status.Removed) revert MemberNotAllowed(member, status);
        }
        n = list.latest + 1;
        list.latest = n;
        _lists[listId] = list;
        uint64 timestamp = uint64(block.timestamp);
        _versions[listId][n] = Version(sha256Hash, timestamp);
        emit StatusVersionPublished(listId, member, n, sha256Hash, timestamp);
    }

    /// @notice The member owning `listId` (0 when nothing was published yet).
    function ownerOf(bytes32 listId) external view returns (uint32) {
        return _lists[listId].owner;
    }

    /// @notice The number of the newest version of `listId` (0 when none).
    function latestVersion(bytes32 listId) external view returns (uint32) {
        return _lists[listId].latest;
    }

    /// @notice Hash and block time of version `n` of `listId`; reverts for an unknown version.
    function version(bytes32 listId, uint256 n)
        external
        view
        returns (bytes32 sha256Hash, uint64 timestamp)
    {
        if (n == 0 || n > _lists[listId].latest) revert UnknownVersion(listId, n);
        Version memory v = _versions[listId][n];
        return (v.sha256Hash, v.timestamp);
    }

    /// @notice The version of `listId` in force at `timestamp`: the newest one published at or
    /// before it. Several versions in one block share its time; the last of them wins.
    /// @return n The version number, 0 when the list had no version yet at `timestamp`.
    /// @return sha256Hash Its hash (0 when `n` is 0).
    /// @return publishedAt Its block time (0 when `n` is 0).
    function versionAt(bytes32 listId, uint64 timestamp)
        external
        view
        returns (uint32 n, bytes32 sha256Hash, uint64 publishedAt)
    {
        mapping(uint256 => Version) storage versions = _versions[listId];
        // Invariant: versions[lo] (or "none" for lo == 0) is at or before `timestamp`; every
        // version after hi is later than `timestamp`.
        uint256 lo = 0;
        uint256 hi = _lists[listId].latest;
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (versions[mid].timestamp <= timestamp) lo = mid;
            else hi = mid - 1;
        }
        if (lo == 0) return (0, bytes32(0), 0);
        Version memory v = versions[lo];
        return (uint32(lo), v.sha256Hash, v.timestamp);
    }
}
