"""Inclusion proofs of other members' credentials: supplied by their holders, or fetched
from the issuing member's node.

A verifier node holds anchor proofs only for credentials it issued. For another member's
credential it asks the issuing member's node — at the service endpoint the chain lists for
that member, ``GET {endpoint}/credentials/{leaf digest}/anchor`` (node.network.fetch: no
other host, time and size limits) — or a holder hands the proof over ahead of time
(``POST /api/network/anchor-proofs``, the issuer's ``/credentials/{id}/anchor`` document).
Either way the node keeps a proof only after checking it against the chain (same chain and
AnchorRegistry, the path leads to a root the registry holds), so neither the issuer's web
server nor the holder is trusted. The verifier then judges the issuer's key and membership
at the anchor's block time, so the credential verifies with the issuer offline once its
proof is kept, and after the issuer rotated its key.

Proofs are only hashes (no personal data) and self-verifying, so accepting them from anyone
is safe; they are kept as small JSON files under ``<data_dir>/anchor-proofs/``. A fetch that
failed is not repeated for ``RETRY_SECONDS``; an issuer still anchoring ("pending") is asked
again on the next verification.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchoring.errors import ChainError
from anchoring.merkle import verify_inclusion
from node.errors import InvalidInput, NodeError, Problem
from node.ledger.connection import Ledger
from node.ledger.trust import PeerAnchor, SuppliedProof
from node.network.discovery import MemberDirectory
from node.network.fetch import ANCHOR_PROOFS, PeerFetchError, PeerLimits, fetch, refusal
from node.network.governance import refusals

log = logging.getLogger(__name__)
RETRY_SECONDS = 30.0  # a proof that could not be fetched is not asked for again before

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
    def __init__(self, data_dir: Path, ledger: Callable[[], Ledger]) -> None:
        self._dir = data_dir / "anchor-proofs"
        self._ledger = ledger  # opens the chain on first use (NodeRuntime.ledger)

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

    def accept(self, document: dict[str, Any]) -> list[Accepted]:
        """Check and keep every confirmed copy's proof of an issuer's anchor document."""
        ledger = self._ledger()
        copies = document.get("copies")
        if not isinstance(copies, list) or not copies:
            raise InvalidInput(
                "not an anchor document", [Problem("copies", "a non-empty list is required")]
            )
        with refusals():
            chain_id = ledger.chain.chain_id()
        results = []
        for copy in copies:
            results.append(self.accept_copy(ledger, chain_id, copy))
        return results

    def accept_copy(self, ledger: Ledger, chain_id: int, copy: object) -> Accepted:
        """Check one copy of an anchor document against the chain and keep its proof."""
        if not isinstance(copy, dict):
            return Accepted("", False, "not an object")
        digest_hex = str(copy.get("leafDigest", ""))
        leaf = _hex32(digest_hex)
        root = _hex32(copy.get("root"))
        index, size, path = copy.get("leafIndex"), copy.get("treeSize"), copy.get("proof")
        if leaf is None or root is None:
            return Accepted(digest_hex, False, "leafDigest and root must be 32-byte hex")
        if copy.get("state") != "confirmed":
            return Accepted(
                digest_hex, False, f"not confirmed yet ({copy.get('state') or 'no state'})"
            )
        if not isinstance(index, int) or not isinstance(size, int) or not isinstance(path, list):
            return Accepted(digest_hex, False, "leafIndex, treeSize and proof are required")
        hashes = [_hex32(h) for h in path]
        if any(h is None for h in hashes):
            return Accepted(digest_hex, False, "proof entries must be 32-byte hex")
        joined = b"".join(h for h in hashes if h is not None)
        if copy.get("chainId") != chain_id:
            return Accepted(
                digest_hex, False, f"anchored on chain {copy.get('chainId') or '(none)'}"
            )
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


class PeerAnchors:
    """The anchor of another member's credential: a proof kept here, else fetched from the
    issuing member's registered endpoint and checked (then kept). Thread-safe."""

    def __init__(
        self,
        proofs: SuppliedProofs,
        ledger: Ledger,
        *,
        directory: MemberDirectory | None = None,
        limits: PeerLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._proofs = proofs
        self._ledger = ledger
        self._members = directory or MemberDirectory(ledger)
        self._limits = limits or PeerLimits()
        self._clock = clock
        self._failed: dict[str, tuple[float, PeerAnchor]] = {}  # digest → (when, answer)
        self._lock = threading.Lock()

    def lookup(self, leaf_digest: bytes, issuer: str | None) -> PeerAnchor:
        kept = self._proofs.lookup(leaf_digest)
        if kept is not None:
            return PeerAnchor("confirmed", "inclusion proof kept by this node", kept)
        if issuer is None:
            return PeerAnchor("unknown", "no inclusion proof: the credential names no issuer")
        digest = leaf_digest.hex()
        with self._lock:
            failed = self._failed.get(digest)
        if failed is not None and self._clock() - failed[0] < RETRY_SECONDS:
            return failed[1]
        answer = self._fetch(digest, issuer)
        with self._lock:
            if answer.state in ("unknown", "unavailable"):
                self._failed[digest] = (self._clock(), answer)
                if len(self._failed) > 10_000:  # bounded under a spray of unknown hashes
                    self._failed.clear()
            else:
                self._failed.pop(digest, None)
        return answer

    def _fetch(self, digest: str, issuer: str) -> PeerAnchor:
        try:
            endpoint = self._members.endpoint_of(issuer)
        except (ChainError, NodeError) as exc:
            return PeerAnchor("unavailable", f"cannot be checked now: {exc}")
        if endpoint is None:
            return PeerAnchor("unknown", f"no inclusion proof: {issuer} has no registered node")
        base = endpoint.rstrip("/")
        url = f"{base}{ANCHOR_PROOFS}{digest}/anchor"
        refused = refusal(url, base + ANCHOR_PROOFS)
        if refused is not None:
            log.warning("anchor proof of %s not fetched: %s", issuer, refused)
            return PeerAnchor("unknown", f"no inclusion proof: not fetched ({refused})")
        try:
            body = fetch(url, {}, self._limits)
            document = json.loads(body)
        except PeerFetchError as exc:
            if "HTTP 404" in str(exc):
                return PeerAnchor(
                    "unknown",
                    "no inclusion proof: the issuer's node knows no credential with this hash",
                )
            return PeerAnchor(
                "unavailable", f"cannot be checked now: the issuer's node did not answer ({exc})"
            )
        except (ValueError, RecursionError):
            return PeerAnchor(
                "unavailable", "cannot be checked now: the issuer's node answered no JSON"
            )
        copies = document.get("copies") if isinstance(document, dict) else None
        copy = next(
            (c for c in copies or [] if isinstance(c, dict) and c.get("leafDigest") == digest),
            None,
        )
        if copy is None:
            return PeerAnchor("unknown", "no inclusion proof: the issuer's node lists no such copy")
        if copy.get("state") != "confirmed":
            return PeerAnchor(
                "pending", "pending: the issuing member has not anchored it on the chain yet"
            )
        try:
            accepted = self._proofs.accept_copy(
                self._ledger, self._ledger.deployment.chain_id, copy
            )
        except NodeError as exc:  # the chain could not be asked (governance.refusals)
            return PeerAnchor("unavailable", f"cannot be checked now: {exc.message}")
        if not accepted.ok:
            return PeerAnchor(
                "unknown", f"no inclusion proof: the issuer's proof was refused ({accepted.reason})"
            )
        kept = self._proofs.lookup(bytes.fromhex(digest))
        if kept is None:  # pragma: no cover (kept a moment ago)
            return PeerAnchor("unavailable", "cannot be checked now: the proof was not kept")
        return PeerAnchor("confirmed", "inclusion proof fetched from the issuer's node", kept)
