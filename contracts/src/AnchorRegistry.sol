// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {INetworkRegistry} from "./INetworkRegistry.sol";

/// @title Merkle-root anchors of issued credentials
/// @notice An active member's anchoring account anchors the root of an RFC 9162 Merkle tree of
/// credential digests. Each root is stored once with the block, time and member that anchored it;
/// a second anchor of the same root is rejected, so a crashed worker can retry safely.
/// @dev One storage slot per root (block number, timestamp, member and leaf count packed) keeps
/// `anchorRoot` near 50k gas.
contract AnchorRegistry {
    /// @notice Where a root was anchored. All fields are 0 for an unknown root.
    struct RootInfo {
        uint64 blockNumber;
        uint64 timestamp;
        uint32 member;
        uint64 leafCount;
    }

    /// @notice The registry that says which accounts act for which active member.
    INetworkRegistry public immutable networkRegistry;

    mapping(bytes32 root => RootInfo) private _roots;

    /// @notice A root was anchored.
    event RootAnchored(
        bytes32 indexed root,
        uint32 indexed member,
        uint64 leafCount,
        uint64 blockNumber,
        uint64 timestamp
    );

    /// @notice The root is already anchored (at `blockNumber`, by `member`).
    error RootAlreadyAnchored(bytes32 root, uint64 blockNumber, uint32 member);
    /// @notice The sender is not an anchoring account of any member.
    error NotMemberAccount(address account);
    /// @notice The sender's member is suspended or removed.
    error MemberNotActive(uint32 member, INetworkRegistry.Status status);
    /// @notice The zero root or a batch of zero leaves cannot be anchored.
    error EmptyRoot();
    /// @notice The network registry address is not a contract.
    error InvalidNetworkRegistry();

    /// @param registry The deployed `NetworkRegistry`.
    constructor(INetworkRegistry registry) {
        if (address(registry).code.length == 0) revert InvalidNetworkRegistry();
        networkRegistry = registry;
    }

    /// @notice Anchor the Merkle root of a batch of `leafCount` credential digests.
    /// @dev Only an anchoring account of an active member may call; duplicates revert with
    /// `RootAlreadyAnchored`.
    function anchorRoot(bytes32 root, uint64 leafCount) external {
        if (root == bytes32(0) || leafCount == 0) revert EmptyRoot();
        RootInfo storage slot = _roots[root];
        if (slot.blockNumber != 0) revert RootAlreadyAnchored(root, slot.blockNumber, slot.member);
        (uint32 member, INetworkRegistry.Status status) = networkRegistry.accountInfo(msg.sender);
        if (member == 0) revert NotMemberAccount(msg.sender);
        if (status != INetworkRegistry.Status.Active) revert MemberNotActive(member, status);
        uint64 blockNumber = uint64(block.number);
        uint64 timestamp = uint64(block.timestamp);
        _roots[root] = RootInfo(blockNumber, timestamp, member, leafCount);
        emit RootAnchored(root, member, leafCount, blockNumber, timestamp);
    }

    /// @notice Where and when `root` was anchored; all zero when it never was.
    /// @dev A block number of 0 cannot occur for a real anchor (genesis holds no transactions).
    function rootInfo(bytes32 root)
        external
        view
        returns (uint64 blockNumber, uint64 timestamp, uint32 member, uint64 leafCount)
    {
        RootInfo memory info = _roots[root];
        return (info.blockNumber, info.timestamp, info.member, info.leafCount);
    }
}
