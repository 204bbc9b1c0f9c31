"""Mirrored status lists of other members, so their credentials' status can be checked with
the issuer's node offline.

A copy is fetched from the issuer's node (``{list URL}?version=N``) only when the URL lies
under ``{endpoint}/status/`` of the issuer member's service endpoint as the chain lists it
(node.network.fetch: same scheme, host and port; time and size limits; no redirects), and
kept only when its SHA-256 is the version StatusRegistry holds — so the mirror can neither
be pointed at arbitrary hosts nor poisoned. A URL outside the endpoint is refused with
:class:`StatusListRefused` (the verifier reports the status as "cannot be checked" and
why); a failed fetch is not retried for ``RETRY_SECONDS``. Copies live under
``<data_dir>/status-mirror/``; versions never change, so a copy is never fetched twice.
``run_once`` (one round of the anchor service) fetches the latest anchored version of every
list seen so far.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from anchoring.errors import ChainError
from node.errors import NodeError
from node.ledger.connection import Ledger
from node.ledger.status_anchor import chain_list_id
from node.network.discovery import MemberDirectory
from node.network.fetch import STATUS_LISTS, PeerFetchError, PeerLimits, fetch, refusal
from node.settings import Settings
from node.trust import TrustUnavailable

log = logging.getLogger(__name__)
RETRY_SECONDS = 30.0  # a version that could not be fetched is not asked for again before


def _write_whole(path: Path, content: bytes) -> None:
    """Write ``path`` through a temporary file of this call alone, then rename it into place.

    The request threads (the verifier's mirror) and the anchor service's round may fetch the
    same new version at the same moment: with one shared temporary name, one writer renamed
    the other's half-written file into place (a reader then saw a list that fails its hash:
    "tampered") and the other's rename failed (FileNotFoundError: a 500). Each writer's own
    file makes the last rename win with a whole, identical copy."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class StatusListRefused(TrustUnavailable):
    """The list URL lies outside the issuer's registered endpoint: never fetched."""


class StatusMirror:
    def __init__(
        self,
        data_dir: Path,
        ledger: Ledger,
        *,
        directory: MemberDirectory | None = None,
        limits: PeerLimits | None = None,
    ) -> None:
        self._dir = data_dir / "status-mirror"
        self._ledger = ledger
        self._members = directory or MemberDirectory(ledger)
        self._limits = limits or PeerLimits()
        self._failed: dict[tuple[str, int], float] = {}  # (url, version) → when it failed
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Settings, ledger: Ledger, *, directory: MemberDirectory | None = None
    ) -> StatusMirror:
        limits = PeerLimits.from_settings(settings)
        return cls(settings.data_dir, ledger, limits=limits, directory=directory)

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
        if endpoint is None:
            return None
        refused = refusal(url, endpoint.rstrip("/") + STATUS_LISTS)
        if refused is not None:
            log.warning("status list of %s not fetched: %s", issuer, refused)
            raise StatusListRefused(f"status list not fetched: {refused}")
        with self._lock:
            failed = self._failed.get((url, version))
        if failed is not None and time.monotonic() - failed < RETRY_SECONDS:
            return None
        content = self._fetch(url, issuer, version)
        with self._lock:
            if content is None:
                self._failed[(url, version)] = time.monotonic()
            else:
                self._failed.pop((url, version), None)
        return content

    def _fetch(self, url: str, issuer: str, version: int) -> str | None:
        try:
            content = fetch(url, {"version": version}, self._limits)
        except PeerFetchError as exc:
            log.info("status list %s v%d not fetched: %s", url, version, exc)
            return None
        try:
            expected = self._ledger.statuses.version(chain_list_id(url), version)[0]
        except ChainError:
            return None
        if hashlib.sha256(content).digest() != expected:
            log.warning("status list %s v%d does not match its anchored hash", url, version)
            return None
        folder = self._folder(url)
        folder.mkdir(parents=True, exist_ok=True)
        _write_whole(folder / f"{version}.json", content)
        _write_whole(folder / "url", f"{url}\n{issuer}\n".encode())  # now run_once keeps it
        return content.decode("utf-8", errors="replace")

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
                try:
                    fetched += self.get(url, issuer, latest) is not None
                except StatusListRefused:
                    continue  # the member's endpoint changed since: no longer fetched
        return fetched
