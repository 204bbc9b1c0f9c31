"""Revocation and suspension: Bitstring Status Lists whose every version is anchored."""
