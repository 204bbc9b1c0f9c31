"""The JSON-LD work of public verifications, in worker processes.

pyld (JSON-LD expansion, RDF canonicalisation) is pure Python: run in the node's process it
holds the interpreter lock for as long as a document takes, and every other request — a
JWT verification that needs a millisecond, a page — waits its turn. The public
verifications therefore hand pyld's work to worker processes (node.vc.jsonld.running_in):
their lanes (node.lookup.lanes) each have a pool, the large inputs' one at a lower CPU
priority, so a flood of costly documents queues in processes of its own while the node's
process keeps answering. A job still running when its request's deadline passes is
stopped by ending its worker process (a fresh one takes its place), so the deadline holds
inside pyld too.

Workers are started with ``spawn`` (a fresh interpreter: nothing of the multi-threaded
server is copied), on first use, and kept.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from node.vc import data_integrity, jsonld
from node.vc.errors import LimitExceeded, MalformedError, UndefinedTermError, UnknownContextError
from node.verification.limits import Deadline

_OPERATIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "expand_strict": jsonld.expand_strict,
    "canonize": jsonld.canonize,
    "canonize_rdfc": data_integrity.canonize_rdfc,
}


def _serve(connection: Connection) -> None:  # pragma: no cover (a child)
    """A worker's loop: (operation, document) in, (outcome, value) out, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C is the server's
    while True:
        try:
            operation, document = connection.recv()
        except (EOFError, OSError):
            return  # the node closed the pipe, or ended
        try:
            answer: tuple[str, Any] = ("ok", _OPERATIONS[operation](document))
        except UndefinedTermError as exc:
            answer = ("undefined", exc.problems)
        except UnknownContextError as exc:
            answer = ("context", exc.url)
        except LimitExceeded as exc:
            answer = ("limit", (exc.element, exc.reason))
        except MalformedError as exc:
            answer = ("malformed", str(exc))
        except RecursionError:
            answer = ("malformed", "nested too deeply to process")
        except Exception as exc:  # a bug: the node's process reports it like its own
            answer = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(answer)


def _outcome(kind: str, value: Any) -> Any:
    if kind == "ok":
        return value
    if kind == "undefined":
        raise UndefinedTermError(list(value))
    if kind == "context":
        raise UnknownContextError(value)
    if kind == "limit":
        raise LimitExceeded(*value)
    if kind == "malformed":
        raise MalformedError(value)
    raise RuntimeError(f"JSON-LD worker: {value}")


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection


class JsonLdWorkers:
    """A pool of ``size`` worker processes at CPU priority ``niceness`` (0: the node's)."""

    def __init__(self, size: int, *, niceness: int = 0) -> None:
        self._size = size
        self._niceness = niceness
        self._idle: list[_Worker] = []
        self._running = 0  # workers started and not ended
        self._ready = threading.Condition()
        self._closed = False

    def runner(self, deadline: Deadline) -> jsonld.Runner:
        """What node.vc.jsonld.running_in takes: every operation in this pool, each
        within ``deadline``."""
        return lambda operation, document: self.run(operation, document, deadline)

    def run(self, operation: str, document: dict[str, Any], deadline: Deadline) -> Any:
        worker = self._take(deadline)
        try:
            worker.connection.send((operation, document))
            finished = worker.connection.poll(deadline.remaining())
            answer: tuple[str, Any] | None = worker.connection.recv() if finished else None
        except (EOFError, OSError) as exc:  # the worker died (out of memory, killed, …)
            self._end(worker)
            raise MalformedError("the document could not be processed") from exc
        except BaseException:
            self._end(worker)
            raise
        if answer is None:  # still at work past the deadline: ended, a fresh one replaces it
            self._end(worker)
            deadline.expire()
        self._give(worker)
        return _outcome(*answer)

    def _take(self, deadline: Deadline) -> _Worker:
        with self._ready:
            while not self._idle and self._running >= self._size:
                if not self._ready.wait(deadline.remaining()):
                    deadline.expire()
            if self._idle:
                return self._idle.pop()
            self._running += 1
        try:
            return self._start()
        except BaseException:
            with self._ready:
                self._running -= 1
                self._ready.notify()
            raise

    def _start(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(theirs,), name="credreg-jsonld", daemon=True)
        process.start()
        theirs.close()
        if self._niceness and process.pid is not None:
            # at once, from here: the child's own start (its imports) runs at that priority
            os.setpriority(
                os.PRIO_PROCESS, process.pid, os.getpriority(os.PRIO_PROCESS, 0) + self._niceness
            )
        return _Worker(process, ours)

    def _give(self, worker: _Worker) -> None:
        with self._ready:
            if self._closed:
                self._stop(worker)
                self._running -= 1
                return
            self._idle.append(worker)
            self._ready.notify()

    def _end(self, worker: _Worker) -> None:
        self._stop(worker)
        with self._ready:
            self._running -= 1
            self._ready.notify()

    @staticmethod
    def _stop(worker: _Worker) -> None:
        worker.connection.close()
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            idle, self._idle = self._idle, []
            self._running -= len(idle)
        for worker in idle:
            self._stop(worker)
