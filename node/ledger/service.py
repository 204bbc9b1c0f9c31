"""The anchor worker as a background service, with the chain's health for readiness."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from anchoring.errors import ChainError, ChainUnavailable
from anchoring.registries import RegistryError
from node.errors import NodeError

log = logging.getLogger(__name__)
MAX_BACKOFF = 60.0


class Round(Protocol):
    def run_once(self) -> int:
        """Do one round of work; return how much was done."""


@dataclass(frozen=True)
class Rounds:
    """Several kinds of ledger work done one after the other in each round."""

    parts: Sequence[Round]

    def run_once(self) -> int:
        # Every part runs even when an earlier one fails (a suspended member's anchors are
        # refused, but its status list versions must still be anchored); the first error
        # is raised afterwards.
        done, first_error = 0, None
        for part in self.parts:
            try:
                done += part.run_once()
            except (ChainError, NodeError) as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error
        return done


@dataclass
class ChainHealth:
    state: str = "starting"  # starting | ok | degraded
    detail: str = "the anchor worker has not run yet"
    last_ok: datetime | None = None


class AnchorService:
    """Runs rounds of the anchor worker until stopped; backs off while the chain is down.

    Issuance never waits for the chain: credentials stay pending in the database and the
    worker catches up when the chain answers again (nothing is lost, DESIGN.md).
    """

    def __init__(self, open_worker: Callable[[], Round], poll: float = 1.0) -> None:
        self._open_worker = open_worker
        self._poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.health = ChainHealth()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="anchor-worker", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        worker: Round | None = None
        backoff = self._poll
        while not self._stop.is_set():
            try:
                worker = worker or self._open_worker()
                worker.run_once()
                self.health = ChainHealth("ok", "anchoring", datetime.now(UTC))
                backoff = self._poll
            except (ChainError, NodeError) as exc:
                if isinstance(exc, RegistryError):
                    # The contract refused (e.g. NotMemberAccount): no retry fixes that alone.
                    log.error("anchoring refused by the contract: %s", exc)
                elif not isinstance(exc, ChainUnavailable):
                    log.warning("anchoring failed: %s", exc)
                self.health = ChainHealth("degraded", str(exc), self.health.last_ok)
                backoff = min(backoff * 2, MAX_BACKOFF)
            except Exception:  # a bug must not silently end anchoring for the process
                log.exception("anchor worker round failed")
                self.health = ChainHealth("degraded", "internal error", self.health.last_ok)
                backoff = min(backoff * 2, MAX_BACKOFF)
            self._stop.wait(backoff)
