"""Anchoring one hash on its own: a one-leaf Merkle root (RFC 9162: ``SHA-256(0x00 ‖
hash)``) sent through the AnchorRegistry. Shared by the audit trail's heads and the
catalogue's versions.

:func:`anchor_single` looks on chain first and sends only when the root is absent, so a
crash between sending and recording repeats nothing: the next round finds the root there.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from anchoring.merkle import MerkleTree
from anchoring.registries import AnchorRegistry, RegistryError, RootInfo


def single_root(digest_hex: str) -> str:
    """The Merkle root (hex) anchored for one hash (hex)."""
    return MerkleTree([bytes.fromhex(digest_hex)]).root.hex()


@dataclass(frozen=True)
class Outcome:
    info: RootInfo | None  # on chain (None: not yet — look again next round)
    tx_hash: str | None  # the transaction sent in this call, if one was


def anchor_single(registry: AnchorRegistry, account: LocalAccount, root_hex: str) -> Outcome:
    """Anchor ``root_hex`` unless it is on chain; RegistryError (other than the root being
    anchored meanwhile) is raised for the caller to record."""
    root = bytes.fromhex(root_hex)
    info = registry.root_info(root)
    if info is not None:
        return Outcome(info, None)
    sent: str | None = None
    try:
        sent = "0x" + registry.anchor_root(account, root, 1).hex()
    except RegistryError as exc:
        if exc.name != "RootAlreadyAnchored":
            raise
    return Outcome(registry.root_info(root), sent)
