"""Where public verifications run: worker threads in two lanes, so large inputs queue among
themselves and never hold up the ordinary ones.

A verification runs in a worker thread, its JSON-LD work (pyld) in worker processes
(node.verification.offload): pure-Python pyld would otherwise hold the node's interpreter
lock for as long as a document takes. Its input is first checked against the verifier's
limits (cheap; nothing costly runs for an input over one); its size then picks the lane:
the node's own credentials, and presentations of a few, are a few hundred JSON values —
the ordinary lane (``threads`` at once, JSON-LD in ``processes`` workers at a lower CPU
priority than the node's process) —, anything larger takes the large lane
(``large_threads`` at once, at most ``large_queue`` waiting, more: 503; JSON-LD in one
worker at a lower priority still). The request's deadline starts
when it arrives, so time spent waiting for a lane counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from anyio import CapacityLimiter, to_thread

from node.errors import NodeError
from node.lookup.service import Outcome, verify_input
from node.verification.offload import JsonLdWorkers
from node.verification.pipeline import Verifier
from vc.jsonld import running_in

# Verifications at once in the ordinary lane, per process. They are CPU-bound under the
# GIL: more threads than this only wait for it, and overflow the database pool.
THREADS = 4
PROCESSES = 2  # JSON-LD worker processes of the ordinary lane (one per core here)
LARGE_THREADS = 1
LARGE_QUEUE = 8  # large verifications waiting at most
# CPU priority below the node's own process (which answers every request) of the ordinary
# lane's JSON-LD workers, and further below it of the large lane's one
NICENESS, LARGE_NICENESS = 5, 15
# Inputs with more JSON values than this take the large lane (the node's own credentials
# have 100–200, a presentation of two about 400).
LARGE_VALUES = 600


class VerificationsBusy(NodeError):
    status_code = 503
    code = "busy"


class VerificationLanes:
    def __init__(
        self,
        verifier: Callable[[], Verifier],
        *,
        threads: int = THREADS,
        processes: int = PROCESSES,
        large_threads: int = LARGE_THREADS,
        large_queue: int = LARGE_QUEUE,
        large_values: int = LARGE_VALUES,
    ) -> None:
        self._verifier = verifier
        self._sizes = (threads, large_threads)
        self._large_queue = large_queue
        self._large_values = large_values
        self._lanes: tuple[CapacityLimiter, CapacityLimiter] | None = None
        self._workers = (
            JsonLdWorkers(processes, niceness=NICENESS),
            JsonLdWorkers(large_threads, niceness=LARGE_NICENESS),
        )

    def _limiters(self) -> tuple[CapacityLimiter, CapacityLimiter]:
        # Created on first use, inside the event loop (anyio needs one).
        if self._lanes is None:
            self._lanes = (CapacityLimiter(self._sizes[0]), CapacityLimiter(self._sizes[1]))
        return self._lanes

    async def verify(self, item: Mapping[str, Any] | str, when: datetime | None = None) -> Outcome:
        """:func:`~node.lookup.service.verify_input` in the lane the input's size picks.
        Raises LimitExceeded (422) for an input over a limit, VerificationsBusy (503) when
        the large lane is full, VerificationTimeout (503) past the deadline."""
        verifier = self._verifier()
        deadline = verifier.limits.deadline()
        ordinary, large = self._limiters()
        size = await to_thread.run_sync(verifier.limits.check, item, limiter=ordinary)
        lane, workers = ordinary, self._workers[0]
        if size > self._large_values:
            if large.statistics().tasks_waiting >= self._large_queue:
                raise VerificationsBusy(
                    "too many large verifications are waiting: try again in a minute"
                )
            lane, workers = large, self._workers[1]

        def work() -> Outcome:
            with running_in(workers.runner(deadline)):
                outcome = verify_input(verifier, item, when, deadline, checked=True)
            outcome.summary()  # here, not in the event loop: a large one takes a while
            outcome.presentation_dict()
            return outcome

        return await to_thread.run_sync(work, limiter=lane)

    def close(self) -> None:
        for workers in self._workers:
            workers.close()
