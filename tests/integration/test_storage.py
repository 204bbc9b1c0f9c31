"""The data folder on real file systems: private modes, a read-only folder at start, a full
disk (small tmpfs mounts; the tests run as root, like CI here)."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from anchoring.embedded import DB_FILE as CHAIN_FILE
from node.credentials.examples import example_claims
from tests.conftest import make_settings, start_node
from tests.e2e.test_serve import init_node
from tests.integration.test_cli import credreg


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A fresh tmpfs of ``size`` mounted at ``path``, unmounted afterwards (even on failure)."""
    path.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], check=True
    )
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _modes(root: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        if not path.is_symlink():
            found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def _loose(modes: dict[str, int]) -> dict[str, str]:
    return {name: oct(mode) for name, mode in modes.items() if mode & 0o077}


def test_data_folder_and_files_are_private(tmp_path: Path) -> None:
    os.umask(0o022)  # the usual umask: what the node itself must not rely on
    server, _tokens = init_node(tmp_path, "Private U")
    data = tmp_path / "data"
    assert _loose(_modes(data)) == {}, "created by credreg init"
    # An older node (or a copy) left everything readable: the next start corrects it.
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    server.start()
    try:
        deadline = time.monotonic() + 60
        while not (data / "chain" / CHAIN_FILE).exists():  # opened by the anchor service
            assert time.monotonic() < deadline, "the chain was not opened"
            time.sleep(0.2)
        modes = _modes(data)
        # While the node runs: its database with WAL and shared memory, keys, the chain.
        for name in ("node.db", "node.db-wal", "node.db-shm", "chain", f"chain/{CHAIN_FILE}"):
            assert name in modes, sorted(modes)
        assert any(name.startswith("keys/") for name in modes)
        assert _loose(modes) == {}
        assert all(modes[n] == 0o700 for n in modes if (data / n).is_dir())
        assert all(modes[n] == 0o600 for n in modes if (data / n).is_file())
    finally:
        server.stop()


def test_read_only_data_folder_at_start_is_one_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "volume", "64m") as volume:
        server, _tokens = init_node(volume, "Read-only U")
        subprocess.run(["mount", "-o", "remount,ro", str(volume)], check=True)
        for args in (["serve"], ["token", "create", "--role", "issuer"], ["chain", "status"]):
            result = credreg(*args, env=server.env)
            assert result.returncode == 2, (args, result.stderr)
            assert "Traceback" not in result.stderr, result.stderr
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1, result.stderr
            assert f"the data folder {volume / 'data'}" in lines[0], lines[0]
            assert "is read-only" in lines[0]


def _fill(path: Path) -> None:
    """Write ``path`` until the file system has no byte left."""
    with path.open("wb", buffering=0) as handle:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc


def test_full_disk_is_503_and_not_ready(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "32m") as disk:
        data = disk / "data"
        settings = make_settings(
            data, f"sqlite:///{data / 'node.db'}", min_free_disk_bytes=1_000_000
        )
        node = start_node(settings)
        try:
            with node.client:
                issued = node.client.post(
                    "/admin/credentials", json={"claims": example_claims(1)}, headers=node.auth()
                )
                assert issued.status_code == 201, issued.text
                assert node.client.get("/readyz").status_code == 200
                # Written pages of the WAL are reused without asking for space: start empty.
                with node.runtime.engine.connect() as connection:
                    connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                _fill(disk / "filler")

                one = node.client.post(
                    "/admin/credentials", json={"claims": example_claims(2)}, headers=node.auth()
                )
                assert one.status_code == 503, one.text
                assert one.json()["error"] == "storage_full"
                assert "storage is full" in one.json()["message"]
                batch = node.client.post(
                    "/admin/credentials/batch",
                    json={"items": [{"claims": example_claims(3)}]},
                    headers=node.auth(),
                )
                assert batch.status_code == 503, batch.text
                ready = node.client.get("/readyz")
                assert ready.status_code == 503, ready.text
                assert ready.json()["status"] == "not_ready"
                assert "bytes free" in ready.json()["checks"]["storage"]

                (disk / "filler").unlink()
                assert node.client.get("/readyz").status_code == 200
                again = node.client.post(
                    "/admin/credentials", json={"claims": example_claims(2)}, headers=node.auth()
                )
                assert again.status_code == 201, again.text
        finally:
            node.runtime.close()
