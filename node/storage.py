"""The node's data folder on disk: private, writable, and not full.

Private: the folder and every folder in it 0700, every file 0600 — the key store, the SQLite
database with its WAL and shared-memory files (SQLite gives those the database file's mode),
the embedded chain, files written by the node. New files get these modes from the ``credreg``
process's umask (:func:`use_private_umask`) and from explicit modes where they are created;
:func:`prepare_data_dir` corrects what an older version (or a copy) left readable, at start.

Writable: a read-only folder at start is one clear :class:`StorageUnavailable`, not a
traceback from whichever write comes first. Not full: a write that fails for lack of space is
recognised (:func:`is_storage_full`) and answered 503; ``/readyz`` reports the free space.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from node.errors import StorageUnavailable

PRIVATE_DIR: Final = 0o700
PRIVATE_FILE: Final = 0o600
PRIVATE_UMASK: Final = 0o077
SQLITE_COMPANIONS: Final = ("-wal", "-shm", "-journal")
_FULL_ERRNOS: Final = frozenset({errno.ENOSPC, errno.EDQUOT})
_PG_DISK_FULL: Final = "53100"  # PostgreSQL SQLSTATE disk_full


def use_private_umask() -> None:
    """Files and folders this process creates are its user's only (``credreg`` at start)."""
    os.umask(PRIVATE_UMASK)


def _unusable(path: Path, exc: OSError) -> StorageUnavailable:
    reason = "is read-only" if exc.errno == errno.EROFS else "is not writable"
    if exc.errno in _FULL_ERRNOS:
        reason = "is on a full disk"
    elif exc.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = f"cannot be used ({exc.strerror or exc})"
    return StorageUnavailable(f"the data folder {path} {reason}: the node needs to write there")


def prepare_data_dir(data_dir: Path) -> None:
    """Create ``data_dir`` (0700), make everything in it private, and prove it writable."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        probe = data_dir / f".write-test-{os.getpid()}"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        os.close(fd)
        probe.unlink()
        _make_private(data_dir)
    except OSError as exc:
        raise _unusable(data_dir, exc) from None


def _make_private(root: Path) -> None:
    _chmod(root, PRIVATE_DIR)
    for folder, folders, files in os.walk(root):
        for name in folders:
            _chmod(Path(folder, name), PRIVATE_DIR)
        for name in files:
            _chmod(Path(folder, name), PRIVATE_FILE)


def _chmod(path: Path, mode: int) -> None:
    if path.is_symlink():
        return  # a link's mode is meaningless; its target may not be the node's
    if path.stat().st_mode & 0o777 != mode:
        path.chmod(mode)


def prepare_sqlite_file(path: Path) -> None:
    """The SQLite database file exists with mode 0600 before SQLite opens it, so its WAL and
    shared-memory files (created with the database's mode) are private too."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        os.close(fd)
        for file in (path, *(path.with_name(path.name + s) for s in SQLITE_COMPANIONS)):
            if file.exists():
                _chmod(file, PRIVATE_FILE)
    except OSError as exc:
        raise _unusable(path.parent, exc) from None


def free_space_problem(paths: Iterable[Path], min_free_bytes: int) -> str | None:
    """Why the node cannot count on writing (a folder with less than ``min_free_bytes``
    free), or None."""
    for path in paths:
        existing = next((p for p in (path, *path.parents) if p.exists()), None)
        if existing is None:
            continue
        free = shutil.disk_usage(existing).free
        if free < min_free_bytes:
            return f"{existing}: {free} bytes free, less than the {min_free_bytes} required"
    return None


def is_storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a write refused for lack of space: ENOSPC or
    EDQUOT, SQLite's SQLITE_FULL, PostgreSQL's disk_full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        if isinstance(current, sqlite3.Error) and (
            getattr(current, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        ):
            return True
        if getattr(current, "sqlstate", None) == _PG_DISK_FULL:
            return True
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        current = (
            orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
        )
    return False
