// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title The part of the network registry that the other registries consult
/// @notice Members are numbered 1, 2, … in order of admission; 0 means "no member".
interface INetworkRegistry {
    /// @notice A member's standing. `None` is the status of an id that was never admitted.
    enum Status {
        None,
        Active,
        Suspended,
        Removed
    }

    /// @notice The member an account acts for, and that member's status, in one call.
    /// @return member The member id, 0 when the account belongs to no member.
    /// @return status The member's status (`None` when `member` is 0).
    function accountInfo(address account) external view returns (uint32 member, Status status);

    /// @notice The member an account acts for (0 when none).
    function memberOfAccount(address account) external view returns (uint32);

    /// @notice True when `member` is admitted and neither suspended nor removed.
    function isActive(uint32 member) external view returns (bool);

    /// @notice The status of `member` (`None` for an unknown id).
    function statusOf(uint32 member) external view returns (Status);
}
