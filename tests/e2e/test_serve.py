"""`credreg serve` as a real process: it anchors in the background, restarts with its
embedded chain intact, and verification then shows the anchor."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.credentials.examples import example_claims
from tests.anvil import free_port
from tests.conftest import PASSPHRASE
from tests.e2e.tls import TlsFiles


def run_credreg(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "node", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class Server:
    def __init__(self, env: dict[str, str], log: Path, ca: Path | None = None) -> None:
        self.env = env
        self.log = log
        self.url = env["CREDREG_ORIGIN"]
        # httpx's verify=: the test CA of a TLS node
        self.verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=str(ca)) if ca is not None else True
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "node", "serve"],
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until(lambda: self._ready(), 60, f"the node did not start:\n{self.log.read_text()}")

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the node exited:\n{self.log.read_text()}")
        try:
            response = httpx.get(f"{self.url}/readyz", timeout=2, verify=self.verify)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None


def wait_until(predicate: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def init_node(
    directory: Path,
    name: str,
    roles: tuple[str, ...] = ("issuer",),
    *,
    tls: TlsFiles | None = None,
    **settings: str,
) -> tuple[Server, dict[str, str]]:
    """A fresh node in ``directory`` (`credreg init`, one API token per role in ``roles``),
    ready to start as `credreg serve`; ``settings`` are extra ``CREDREG_*`` variables;
    with ``tls`` it serves HTTPS at ``https://localhost:{port}`` (its did:web)."""
    port = free_port()
    origin = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
    served = (
        {"CREDREG_TLS_CERT_FILE": str(tls.cert), "CREDREG_TLS_KEY_FILE": str(tls.key)}
        if tls
        else {}
    )
    env = {
        **os.environ,
        "CREDREG_DATA_DIR": str(directory / "data"),
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_PORT": str(port),
        "CREDREG_ORIGIN": origin,
        "CREDREG_ANCHOR_WINDOW_SECONDS": "1",
        **served,
        **{f"CREDREG_{key.upper()}": value for key, value in settings.items()},
    }
    init = run_credreg(
        env, "init", "--name", name, "--country", "FI", "--origin", env["CREDREG_ORIGIN"]
    )
    assert init.returncode == 0, init.stderr
    tokens = {
        role: run_credreg(env, "token", "create", "--role", role).stdout.strip() for role in roles
    }
    return Server(env, directory / "serve.log", tls.ca if tls else None), tokens


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, str]]:
    node, tokens = init_node(tmp_path, "E2E U")
    node.start()
    try:
        yield node, tokens["issuer"]
    finally:
        node.stop()


def _anchor(node: Server, record_id: str) -> list[dict[str, Any]]:
    copies: list[dict[str, Any]] = httpx.get(
        f"{node.url}/credentials/{record_id}/anchor", timeout=5
    ).json()["copies"]
    return copies


def test_serve_anchors_and_survives_a_restart(server: tuple[Server, str]) -> None:
    node, token = server
    issued = httpx.post(
        f"{node.url}/admin/credentials",
        json={"claims": example_claims(41), "formats": ["ldp_vc+eddsa-rdfc-2022"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert issued.status_code == 201, issued.text
    record_id = issued.json()["id"]
    credential = issued.json()["credentials"][0]["credential"]

    wait_until(
        lambda: _anchor(node, record_id)[0]["state"] == "confirmed",
        30,
        "the background worker did not anchor the credential",
    )
    before = _anchor(node, record_id)[0]
    # Readiness reports the chain after each whole round of the anchor service (credentials,
    # then status lists, then mirrors): the batch may be confirmed while that round goes on.
    wait_until(
        lambda: httpx.get(f"{node.url}/readyz", timeout=5).json()["checks"]["chain"] == "ok",
        30,
        "readiness never reported the chain ok",
    )

    node.stop()
    node.start()  # the embedded chain reopens from the data directory

    assert _anchor(node, record_id)[0] == before
    report = httpx.post(
        f"{node.url}/api/verify", json={"credential": credential}, timeout=30
    ).json()
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["anchor"]["ok"] is True, report
    assert f"block {before['blockNumber']}" in checks["anchor"]["detail"]
    assert report["verified"] is True


def test_serve_refuses_an_unusable_tls_setting(tmp_path: Path) -> None:
    """A certificate without its key, or files that are no PEM certificate and key: one
    clear line and a non-zero exit, never a traceback nor a plain-HTTP start."""
    node, _tokens = init_node(tmp_path, "TLS U")
    garbage = tmp_path / "not-a-cert.pem"
    garbage.write_text("not a certificate\n")
    for extra, expected in (
        ({"CREDREG_TLS_CERT_FILE": str(garbage)}, "CREDREG_TLS_KEY_FILE"),
        (
            {"CREDREG_TLS_CERT_FILE": str(garbage), "CREDREG_TLS_KEY_FILE": str(garbage)},
            "cannot serve TLS",
        ),
    ):
        done = run_credreg({**node.env, **extra}, "serve")
        output = done.stdout + done.stderr
        assert done.returncode != 0, output
        assert expected in output and "Traceback" not in output, output
