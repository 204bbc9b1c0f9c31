"""Inclusion proofs of other members' credentials, supplied by their holders.

A verifier node holds anchor proofs only for credentials it issued. A holder can fetch the
proof from the issuer's ``GET /credentials/{id}/anchor`` ahead of time and hand it to any
node (``POST /api/network/anchor-proofs``); the node keeps it only after checking it against
the chain (same chain and AnchorRegistry, the path leads to a root the registry holds). The
verifier then judges the issuer's key and membership at the anchor's block time, so the
credential verifies with the issuer offline, and after the issuer rotated its key.

Proofs are only hashes (no personal data) and self-verifying, so accepting them from anyone
is safe; they are kept as small JSON files under ``<data_dir>/anchor-proofs/``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchoring.merkle import verify_inclusion
from node.errors import InvalidInput, Problem
from node.ledger.connection import Ledger
from node.ledger.trust import SuppliedProof
from node.network.governance import refusals

_HEX32 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


def _hex32(value: object) -> bytes | None:
    if not isinstance(value, str) or not _HEX32.match(value):
        return None
    return bytes.fromhex(value.removeprefix("0x"))


@dataclass(frozen=True)
class Accepted:
    leaf_digest: str
    ok: bool
    reason: str


class SuppliedProofs:
    def __init__(self, data_dir: Path) -> None:
        self._dir = data_dir / "anchor-proofs"

    def lookup(self, leaf_digest: bytes) -> SuppliedProof | None:
        path = self._dir / f"{leaf_digest.hex()}.json"
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
            path_hashes = b"".join(bytes.fromhex(h) for h in data["proof"])
            return (
                int(data["leafIndex"]),
                int(data["treeSize"]),
                path_hashes,
                bytes.fromhex(data["root"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def accept(self, ledger: Ledger, document: dict[str, Any]) -> list[Accepted]:
        """Check and keep every confirmed copy's proof of an issuer's anchor document."""
        copies = document.get("copies")
        if not isinstance(copies, list) or not copies:
            raise InvalidInput(
                "not an anchor document", [Problem("copies", "a non-empty list is required")]
            )
        with refusals():
            chain_id = ledger.chain.chain_id()
        results = []
        for copy in copies:
            results.append(self._accept_copy(ledger, chain_id, copy))
        return results

    def _accept_copy(self, ledger: Ledger, chain_id: int, copy: object) -> Accepted:
        if not isinstance(copy, dict):
            return Accepted("", False, "not an object")
        digest_hex = str(copy.get("leafDigest", ""))
        leaf = _hex32(digest_hex)
        root = _hex32(copy.get("root"))
        index, size, path = copy.get("leafIndex"), copy.get("treeSize"), copy.get("proof")
        if leaf is None or root is None:
            return Accepted(digest_hex, False, "leafDigest and root must be 32-byte hex")
        if copy.get("state") != "confirmed":
            return Accepted(digest_hex, False, f"not confirmed yet ({copy.get('state')})")
        if not isinstance(index, int) or not isinstance(size, int) or not isinstance(path, list):
            return Accepted(digest_hex, False, "leafIndex, treeSize and proof are required")
        hashes = [_hex32(h) for h in path]
        if any(h is None for h in hashes):
            return Accepted(digest_hex, False, "proof entries must be 32-byte hex")
        joined = b"".join(h for h in hashes if h is not None)
        if copy.get("chainId") != chain_id:
            return Accepted(digest_hex, False, f"anchored on chain {copy.get('chainId')}")
        registry = str(copy.get("anchorRegistry", "")).lower()
        if registry != ledger.deployment.anchor_registry.lower():
            return Accepted(digest_hex, False, "anchored in another AnchorRegistry")
        if not verify_inclusion(leaf, index, size, joined, root):
            return Accepted(digest_hex, False, "the proof does not lead to the root")
        with refusals():
            info = ledger.anchors.root_info(root)
        if info is None:
            return Accepted(digest_hex, False, "the root is not on the chain")
        self._dir.mkdir(parents=True, exist_ok=True)
        record = {
            "leafIndex": index,
            "treeSize": size,
            "proof": [h.hex() for h in hashes if h is not None],
            "root": root.hex(),
        }
        temporary = self._dir / f"{leaf.hex()}.tmp"
        temporary.write_text(json.dumps(record), "utf-8")
        temporary.replace(self._dir / f"{leaf.hex()}.json")
        return Accepted(leaf.hex(), True, f"anchored in block {info.block_number}")
