"""The JSON-LD work of public verifications, in worker processes.

pyld (JSON-LD expansion, RDF canonicalisation) is pure Python: run in the node's process it
holds the interpreter lock for as long as a document takes, and every other request — a
JWT verification that needs a millisecond, a page — waits its turn. The public
verifications therefore hand pyld's work to worker processes (vc.jsonld.running_in):
their lanes (node.lookup.lanes) each have a pool, the large inputs' one at a lower CPU
priority, so a flood of costly documents queues in processes of its own while the node's
process keeps answering. A job still running when its request's deadline passes is
stopped by ending its worker process (a fresh one takes its place), so the deadline holds
inside pyld too.

Workers are fresh interpreters (``python -m node.verification.offload``: nothing of the
multi-threaded server is copied, and no caller's main module is run again), started on
first use and kept; they talk length-prefixed pickles over their stdin and stdout.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from node.verification.limits import Deadline
from vc import data_integrity, jsonld
from vc.errors import LimitExceeded, MalformedError, UndefinedTermError, UnknownContextError

_OPERATIONS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "expand_strict": jsonld.expand_strict,
    "canonize": jsonld.canonize,
    "canonize_rdfc": data_integrity.canonize_rdfc,
}
_LENGTH = struct.Struct(">Q")


def _write(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _read(stream: IO[bytes]) -> Any:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the other side closed the pipe")
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        raise EOFError("the other side closed the pipe")
    return pickle.loads(data)


def _answer(operation: str, document: dict[str, Any]) -> tuple[str, Any]:
    try:
        return ("ok", _OPERATIONS[operation](document))
    except UndefinedTermError as exc:
        return ("undefined", exc.problems)
    except UnknownContextError as exc:
        return ("context", exc.url)
    except LimitExceeded as exc:
        return ("limit", (exc.element, exc.reason))
    except MalformedError as exc:
        return ("malformed", str(exc))
    except RecursionError:
        return ("malformed", "nested too deeply to process")
    except Exception as exc:  # a bug: the node's process reports it like its own
        return ("error", f"{type(exc).__name__}: {exc}")


def serve() -> None:  # pragma: no cover (runs in the worker process)
    """A worker's loop: (operation, document) in, (outcome, value) out, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C is the server's
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot garble a pipe
    while True:
        try:
            operation, document = _read(requests)
        except EOFError:
            return  # the node closed the pipe, or ended
        _write(answers, _answer(operation, document))


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
    process: subprocess.Popen[bytes]

    def send(self, message: Any) -> None:
        assert self.process.stdin is not None
        _write(self.process.stdin, message)

    def answered(self, seconds: float) -> bool:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], seconds)
        return bool(ready)

    def receive(self) -> Any:
        assert self.process.stdout is not None
        return _read(self.process.stdout)


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
        """What vc.jsonld.running_in takes: every operation in this pool, each
        within ``deadline``."""
        return lambda operation, document: self.run(operation, document, deadline)

    def run(self, operation: str, document: dict[str, Any], deadline: Deadline) -> Any:
        worker = self._take(deadline)
        try:
            worker.send((operation, document))
            answer: tuple[str, Any] | None = (
                worker.receive() if worker.answered(deadline.remaining()) else None
            )
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
        process = subprocess.Popen(
            [sys.executable, "-m", "node.verification.offload"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        if self._niceness:
            # at once, from here: the child's own start (its imports) runs at that priority
            own = os.getpriority(os.PRIO_PROCESS, 0)
            os.setpriority(os.PRIO_PROCESS, process.pid, own + self._niceness)
        return _Worker(process)

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
        process = worker.process
        if process.poll() is None:
            process.kill()
        process.wait(5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            idle, self._idle = self._idle, []
            self._running -= len(idle)
        for worker in idle:
            self._stop(worker)


if __name__ == "__main__":  # pragma: no cover (python -m node.verification.offload)
    serve()
