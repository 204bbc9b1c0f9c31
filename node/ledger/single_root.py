"""Anchoring one hash on its own: a one-leaf Merkle root (RFC 9162: ``SHA-256(0x00 ‖
hash)``) sent through the AnchorRegistry. Shared by the audit trail's heads and the
catalogue's versions.

:func:`anchor_single` looks on chain first and sends only when the root is absent; the
transaction's hash is handed to the caller to record *before* it waits for the receipt, and
it waits (as the status lists do), so the next round does not send again while the first
transaction is still to be mined. A crash after sending leaves the hash recorded; the next
round finds the root on chain, or sends again with the nonces read afresh.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from anchoring.chain import ChainClient
from anchoring.errors import ChainError, ReceiptTimeout, TransactionFailed
from anchoring.merkle import MerkleTree
from anchoring.registries import AnchorRegistry, RegistryError, RootInfo

log = logging.getLogger(__name__)
RECEIPT_TIMEOUT = 60.0


def single_root(digest_hex: str) -> str:
    """The Merkle root (hex) anchored for one hash (hex)."""
    return MerkleTree([bytes.fromhex(digest_hex)]).root.hex()


@dataclass(frozen=True)
class Sender:
    """Who sends, and through what."""

    registry: AnchorRegistry
    chain: ChainClient
    account: LocalAccount


def anchor_single(
    sender: Sender,
    root_hex: str,
    *,
    sent_before: bool,
    on_sent: Callable[[str], None],
) -> RootInfo | None:
    """The root's facts on chain once it is there (None: look again next round). Unless it
    is there already, it is sent — ``on_sent(tx hash)`` called before waiting for the
    receipt; ``sent_before``: an earlier round sent it (the nonces are read afresh).
    RegistryError (other than the root anchored meanwhile) is raised to the caller."""
    registry, chain, account = sender.registry, sender.chain, sender.account
    root = bytes.fromhex(root_hex)
    info = registry.root_info(root)
    if info is not None:
        return info
    if sent_before:
        chain.nonces(account.address).resync()
    try:
        sent: bytes | None = registry.anchor_root(account, root, 1)
    except RegistryError as exc:
        if exc.name != "RootAlreadyAnchored":
            raise
        sent = None
    if sent is not None:
        on_sent("0x" + sent.hex())
        try:
            chain.wait_for_receipt(sent, timeout=RECEIPT_TIMEOUT)
        except (ReceiptTimeout, TransactionFailed) as exc:
            log.warning("anchor of root %s: %s", root_hex, exc)
    try:
        return registry.root_info(root)
    except ChainError:
        return None  # sent and recorded: the next round looks again
