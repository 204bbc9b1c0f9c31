"""The anchor worker as a background service, with the chain's health for readiness."""

from __future__ import annotations

import logging
import threading
import time
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


class PartsFailed(Exception):
    """Parts of a :class:`Rounds` failed (or still back off after failing); each waits out
    its own backoff, the others go on at the service's pace. ``cause``: the first failure;
    ``fresh``: the failures of this round (the others were already reported)."""

    def __init__(
        self, cause: ChainError | NodeError, fresh: Sequence[ChainError | NodeError]
    ) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.fresh = tuple(fresh)


class Rounds:
    """Several kinds of ledger work done one after the other in each round.

    Every part runs even when another fails, and a failing part backs off on its own
    (doubling up to ``MAX_BACKOFF``): a suspended member's refused credential batches must
    not delay the anchoring of its status list versions — it must still be able to revoke.
    """

    def __init__(
        self,
        parts: Sequence[Round],
        *,
        poll: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.parts = tuple(parts)
        self._poll = poll
        self._clock = clock
        self._backoff = [0.0] * len(self.parts)  # 0: healthy
        self._due = [0.0] * len(self.parts)
        self._errors: list[ChainError | NodeError | None] = [None] * len(self.parts)

    def run_once(self) -> int:
        done, fresh = 0, []
        for n, part in enumerate(self.parts):
            if self._clock() < self._due[n]:
                continue  # still backing off after a failure
            try:
                done += part.run_once()
            except (ChainError, NodeError) as exc:
                fresh.append(exc)
                self._errors[n] = exc
                self._backoff[n] = min(max(self._backoff[n] * 2, self._poll), MAX_BACKOFF)
                self._due[n] = self._clock() + self._backoff[n]
            else:
                self._errors[n], self._backoff[n], self._due[n] = None, 0.0, 0.0
        first_error = next((e for e in self._errors if e is not None), None)
        if first_error is not None:
            raise PartsFailed(first_error, fresh)
        return done


def _report(exc: ChainError | NodeError) -> None:
    if isinstance(exc, RegistryError):
        # The contract refused (e.g. NotMemberAccount): no retry fixes that alone.
        log.error("anchoring refused by the contract: %s", exc)
    elif not isinstance(exc, ChainUnavailable):
        log.warning("anchoring failed: %s", exc)


@dataclass
class ChainHealth:
    state: str = "starting"  # starting | ok | degraded
    detail: str = "the anchor worker has not run yet"
    last_ok: datetime | None = None


class AnchorService:
    """Runs rounds of the anchor worker until stopped; backs off while the chain is down.

    Issuance never waits for the chain: credentials stay pending in the database and the
    worker catches up when the chain answers again (nothing is lost; docs/architecture.md,
    "Anchoring").
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
            except PartsFailed as exc:  # Rounds back off part by part
                for error in exc.fresh:
                    _report(error)
                self.health = ChainHealth("degraded", str(exc.cause), self.health.last_ok)
                backoff = self._poll
            except (ChainError, NodeError) as exc:
                _report(exc)
                self.health = ChainHealth("degraded", str(exc), self.health.last_ok)
                backoff = min(backoff * 2, MAX_BACKOFF)
            except Exception:  # a bug must not silently end anchoring for the process
                log.exception("anchor worker round failed")
                self.health = ChainHealth("degraded", "internal error", self.health.last_ok)
                backoff = min(backoff * 2, MAX_BACKOFF)
            self._stop.wait(backoff)
