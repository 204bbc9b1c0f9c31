"""Bounds of the integers the API takes in paths, queries and bodies.

An integer outside what its store can hold is refused as input (422 naming it) instead of
failing in the database driver or the chain's ABI encoder (a 500): SQL ``INTEGER`` is 32
bits on PostgreSQL; chain ids of proposals are ``uint256`` and never 0.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

DB_INT_MAX: Final = 2**31 - 1  # SQL INTEGER (PostgreSQL int4): no larger id can exist
UINT64_MAX: Final = 2**64 - 1  # chain times (uint64 Unix seconds)
UINT256_MAX: Final = 2**256 - 1

RowId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
"""The id of a database row (a status list, a list version, a token, ...)."""

ProposalId = Annotated[int, Field(ge=1, le=UINT256_MAX)]
"""A governance proposal's number on chain (``uint256``, counting from 1)."""
