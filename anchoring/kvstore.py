"""An on-disk key-value database for py-evm: its ``AtomicDatabaseAPI`` over SQLite (WAL).

py-evm ships only in-memory databases (``eth.db.atomic.AtomicDB`` over ``MemoryDB``). Its chain,
header, state and trie code needs nothing more than the ``AtomicDatabaseAPI`` of
``eth/abc.py`` — a ``MutableMapping[bytes, bytes]`` with ``set`` / ``exists`` / ``delete`` and an
``atomic_batch()`` context whose writes are visible inside it and land all-or-nothing —, which
:class:`SQLiteKV` implements over a single ``kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID`` table.

Atomicity is wider than py-evm asks for: :meth:`SQLiteKV.transaction` opens one SQLite
transaction (``BEGIN IMMEDIATE``) that nests; py-evm's own ``atomic_batch()`` calls join it. The
embedded chain mines each block inside one such transaction (state, block, receipts, the tx-hash
index, canonical head, its own log index), so a crash — even ``kill -9`` — leaves either the
whole block or none of it. With ``synchronous=FULL`` (the default) a committed block also survives
power loss; ``NORMAL`` is faster and still safe against process crashes in WAL mode.

Not thread-safe by itself: the owner (:class:`~anchoring.embedded.EmbeddedChainClient`)
serialises all access under its lock.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from eth.abc import AtomicWriteBatchAPI
from eth.db.atomic import AtomicDBWriteBatch
from eth.db.backends.base import BaseAtomicDB

__all__ = ["SQLiteKV", "Synchronous"]

Synchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


class SQLiteKV(BaseAtomicDB):
    """py-evm ``AtomicDatabaseAPI`` stored in one SQLite file."""

    def __init__(self, path: Path, *, synchronous: Synchronous = "FULL") -> None:
        self.path = path
        # The chain's file is private (0600) before SQLite opens it: SQLite gives its WAL and
        # shared-memory files the database file's mode.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        if path.stat().st_mode & 0o777 != 0o600:
            path.chmod(0o600)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves (autocommit otherwise).
        self.connection = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=0
        )
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute(f"PRAGMA synchronous={synchronous}")
        self.connection.execute(
            "CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID"
        )
        self._depth = 0

    # -- DatabaseAPI ------------------------------------------------------------------------
    def __getitem__(self, key: bytes) -> bytes:
        row = self.connection.execute("SELECT v FROM kv WHERE k = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        value: bytes = row[0]
        return value

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.connection.execute(
            "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", (bytes(key), bytes(value))
        )

    def __delitem__(self, key: bytes) -> None:
        cursor = self.connection.execute("DELETE FROM kv WHERE k = ?", (key,))
        if cursor.rowcount == 0:
            raise KeyError(key)

    def _exists(self, key: bytes) -> bool:
        row = self.connection.execute("SELECT 1 FROM kv WHERE k = ?", (key,)).fetchone()
        return row is not None

    def __iter__(self) -> Iterator[bytes]:
        for (key,) in self.connection.execute("SELECT k FROM kv ORDER BY k"):
            yield key

    def __len__(self) -> int:
        (count,) = self.connection.execute("SELECT count(*) FROM kv").fetchone()
        return int(count)

    # -- AtomicDatabaseAPI ------------------------------------------------------------------
    @contextmanager
    def atomic_batch(self) -> Iterator[AtomicWriteBatchAPI]:
        """py-evm's batch (reads see the pending writes), committed in one SQL transaction."""
        # py-evm's own write-batch class buffers the diff and applies it to ``self`` on success
        # (inside our transaction), or drops it if the block raises.
        # py-evm offers no public constructor of its batch; its own AtomicDB does the same.
        commit_unless_raises = AtomicDBWriteBatch._commit_unless_raises  # noqa: SLF001
        with self.transaction(), commit_unless_raises(self) as batch:
            yield batch

    # -- transactions -----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One SQLite transaction; nested calls join the outermost one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.connection
            finally:
                self._depth -= 1
            return
        self.connection.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.connection
        except BaseException:
            self._depth = 0
            self.connection.execute("ROLLBACK")
            raise
        self._depth = 0
        try:
            self.connection.execute("COMMIT")
        except BaseException:
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def close(self) -> None:
        self.connection.close()

    def __repr__(self) -> str:
        return f"SQLiteKV({str(self.path)!r})"
