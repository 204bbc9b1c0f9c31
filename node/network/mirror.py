"""Mirrored status lists of other members, so their credentials' status can be checked with
the issuer's node offline.

A copy is fetched from the issuer's node (``{list URL}?version=N``) only when the URL lies
under the issuer member's service endpoint as the chain lists it, and kept only when its
SHA-256 is the version StatusRegistry holds — so the mirror can neither be pointed at
arbitrary hosts nor poisoned. Copies live under ``<data_dir>/status-mirror/``; versions never
change, so a copy is never fetched twice. ``run_once`` (one round of the anchor service)
fetches the latest anchored version of every list seen so far.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import httpx

from anchoring.errors import ChainError
from node.errors import NodeError
from node.ledger.connection import Ledger
from node.ledger.status_anchor import chain_list_id
from node.network.discovery import MemberDirectory

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 5.0


class StatusMirror:
    def __init__(
        self, data_dir: Path, ledger: Ledger, *, directory: MemberDirectory | None = None
    ) -> None:
        self._dir = data_dir / "status-mirror"
        self._ledger = ledger
        self._members = directory or MemberDirectory(ledger)

    def _folder(self, url: str) -> Path:
        return self._dir / hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]

    def get(self, url: str, issuer: str, version: int) -> str | None:
        """Version ``version`` of the list at ``url`` (issuer ``issuer``), from the mirror or
        fetched now; None when it cannot be had."""
        path = self._folder(url) / f"{version}.json"
        if path.is_file():
            return path.read_bytes().decode("utf-8")
        try:
            endpoint = self._members.endpoint_of(issuer)
        except (ChainError, NodeError):
            return None
        if endpoint is None or not url.startswith(endpoint.rstrip("/") + "/status/"):
            return None
        return self._fetch(url, issuer, version)

    def _fetch(self, url: str, issuer: str, version: int) -> str | None:
        try:
            reply = httpx.get(url, params={"version": version}, timeout=FETCH_TIMEOUT)
        except httpx.HTTPError as exc:
            log.info("status list %s v%d not fetched: %s", url, version, exc)
            return None
        if reply.status_code != 200:
            return None
        try:
            expected = self._ledger.statuses.version(chain_list_id(url), version)[0]
        except ChainError:
            return None
        if hashlib.sha256(reply.content).digest() != expected:
            log.warning("status list %s v%d does not match its anchored hash", url, version)
            return None
        folder = self._folder(url)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "url").write_text(f"{url}\n{issuer}\n", "utf-8")
        temporary = folder / f"{version}.tmp"
        temporary.write_bytes(reply.content)
        temporary.replace(folder / f"{version}.json")
        return reply.content.decode("utf-8")

    def run_once(self) -> int:
        """Fetch the latest anchored version of every list mirrored so far."""
        if not self._dir.is_dir():
            return 0
        fetched = 0
        for folder in sorted(self._dir.iterdir()):
            marker = folder / "url"
            if not marker.is_file():
                continue
            url, _, issuer = marker.read_text("utf-8").strip().partition("\n")
            try:
                latest = self._ledger.statuses.latest_version(chain_list_id(url))
            except ChainError:
                continue
            if latest and not (folder / f"{latest}.json").is_file():
                fetched += self.get(url, issuer, latest) is not None
        return fetched
