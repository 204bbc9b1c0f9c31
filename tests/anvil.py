"""anvil, the dev chain of the tests: installed from npm (pinned), started on a free port.

Foundry's platform package ``@foundry-rs/anvil-<os>-<cpu>`` carries the native binary and is
pinned in ``tests/contract/package.json`` + lockfile. We depend on it directly (not on the
``@foundry-rs/anvil`` wrapper, whose lockfile would have to list every platform's package)
and run the binary ourselves, so ``npm ci --ignore-scripts`` is all the installation there
is. A missing npm or a chain that does not start is an error, never a skip.
"""

from __future__ import annotations

import json
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "contract"  # package.json + lockfile pin anvil
NODE_MODULES = HERE / "node_modules"
CHAIN_ID = 31337
STARTUP_TIMEOUT = 30.0

# (sys.platform, machine) -> suffix of the platform package @foundry-rs/anvil-<suffix>
_PLATFORMS = {
    ("linux", "x86_64"): "linux-amd64",
    ("linux", "aarch64"): "linux-arm64",
    ("darwin", "x86_64"): "darwin-amd64",
    ("darwin", "arm64"): "darwin-arm64",
    ("win32", "AMD64"): "win32-amd64",
}


def _package() -> tuple[str, str]:
    """This platform's anvil package and its pinned version."""
    suffix = _PLATFORMS.get((sys.platform, platform.machine()))
    package = f"@foundry-rs/anvil-{suffix}"
    manifest = json.loads((HERE / "package.json").read_text("utf-8"))
    version = manifest.get("optionalDependencies", {}).get(package)
    if suffix is None or not isinstance(version, str):
        pytest.fail(
            f"no anvil package pinned for {sys.platform}/{platform.machine()}: add "
            f"{package} to optionalDependencies in {HERE / 'package.json'} and run npm install"
        )
    return package, version


def _installed(binary: Path, version: str) -> bool:
    manifest = binary.parent.parent / "package.json"
    if not (binary.is_file() and manifest.is_file()):
        return False
    return bool(json.loads(manifest.read_text("utf-8")).get("version") == version)


def anvil_binary() -> Path:
    """The pinned anvil binary, installed with ``npm ci --ignore-scripts`` when missing."""
    package, version = _package()
    name = "anvil.exe" if sys.platform == "win32" else "anvil"
    binary = NODE_MODULES / package / "bin" / name
    if _installed(binary, version):
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install anvil (@foundry-rs/anvil) for the contract tests")
    completed = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0 or not _installed(binary, version):
        pytest.fail(
            f"npm ci failed in {HERE} (exit {completed.returncode}):\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
    return binary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def chain_id(url: str) -> int | None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1.0) as response:
            return int(json.loads(response.read())["result"], 16)
    except (OSError, urllib.error.URLError, ValueError, KeyError):
        return None


def start(binary: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start anvil on a free port; returns the process, its URL and the start-up time."""
    last_error = ""
    for _attempt in range(3):  # another process may grab the free port before anvil binds it
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        process = subprocess.Popen(
            [
                str(binary),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--gas-price",
                "0",
                "--base-fee",
                "0",
                "--chain-id",
                str(CHAIN_ID),
                "--silent",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        while time.monotonic() - started < STARTUP_TIMEOUT:
            if process.poll() is not None:
                last_error = (process.stderr.read() if process.stderr else b"").decode()
                break
            if chain_id(url) == CHAIN_ID:
                return process, url, time.monotonic() - started
            time.sleep(0.02)
        else:
            stop(process)
            pytest.fail(f"anvil did not answer eth_chainId within {STARTUP_TIMEOUT}s")
    pytest.fail(f"anvil could not start: {last_error}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.stderr:
        process.stderr.close()


def rpc(url: str, method: str, params: list[object] | None = None) -> object:
    """A raw JSON-RPC call (anvil_* / evm_* extensions the chain client does not wrap)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise RuntimeError(f"{method}: {reply['error']}")
    return reply.get("result")
