"""Per-account nonce management: one :class:`NonceManager` per signing key.

The manager hands out nonces locally (no round trip per transaction) under a lock that the
client holds across *allocate → sign → submit*, so concurrent senders sharing one key neither
collide nor reach the node out of order (which would leave a nonce gap that stalls the queue).
A nonce is consumed only when the submission succeeded; after any send error the client calls
:meth:`NonceManager.resync`, which re-reads the account's *pending* nonce from the chain — this
also recovers from a transaction the node dropped after accepting it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["NonceManager"]


class NonceManager:
    """Thread-safe local nonce counter for one account.

    ``fetch`` returns the account's pending nonce from the chain (``eth_getTransactionCount``
    with ``"pending"``); it is called lazily on first use and on :meth:`resync`.
    """

    def __init__(self, address: str, fetch: Callable[[str], int]) -> None:
        self.address = address
        self._fetch = fetch
        self._lock = threading.RLock()
        self._next: int | None = None

    @contextmanager
    def reserve(self) -> Iterator[int]:
        """Hold the account's lock and yield its next nonce.

        The nonce is consumed if the block exits normally; if it raises, the manager resyncs
        from the chain (or, if the chain is unreachable too, re-reads it on next use).
        """
        with self._lock:
            if self._next is None:
                self._next = self._fetch(self.address)
            nonce = self._next
            try:
                yield nonce
            except BaseException:
                self._resync_quietly()
                raise
            self._next = nonce + 1

    def next(self) -> int:
        """Allocate a nonce without holding the lock (the caller manages ordering)."""
        with self.reserve() as nonce:
            return nonce

    def peek(self) -> int | None:
        """The nonce that would be handed out next (``None`` before first use)."""
        with self._lock:
            return self._next

    def resync(self) -> int:
        """Re-read the pending nonce from the chain; returns it."""
        with self._lock:
            self._next = None
            self._next = self._fetch(self.address)
            return self._next

    def set(self, nonce: int) -> None:
        """Force the next nonce (tests; recovery tools)."""
        with self._lock:
            self._next = nonce

    def _resync_quietly(self) -> None:
        try:
            self.resync()
        except Exception:
            # Chain unreachable as well: forget the counter, the next reserve() re-reads it.
            self._next = None
