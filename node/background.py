"""A background loop: a daemon thread that does one round of work, then waits ``poll``
seconds, until stopped (the mail delivery, the uploads' resumer)."""

from __future__ import annotations

import threading


class Loop:
    """Subclasses do their round in :meth:`tick`, which must not raise (log instead)."""

    name = "loop"

    def __init__(self, poll: float) -> None:
        self._poll = poll
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def tick(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self._poll)
