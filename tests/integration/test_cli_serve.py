"""`credreg serve`, `demo`, `chain status` and `--version` as real processes: the data
folder's config.toml, the origin check, --host/--port, data on stdout, what the demo prints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from node import __version__
from node.db.models import StaffRole
from tests.anvil import free_port
from tests.e2e.test_serve import wait_until
from tests.integration.test_cli import credreg

PASSPHRASE = "cli serve passphrase"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No CREDREG_* from the caller's environment: each test says what it sets."""
    for name in list(os.environ):
        if name.startswith("CREDREG_") and name != "CREDREG_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    return {"CREDREG_KEY_PASSPHRASE": PASSPHRASE, "COLUMNS": "80"}


def _init(data: Path, origin: str, env: dict[str, str]) -> None:
    done = credreg(
        "init", "--name", "Serve U", "--country", "FI", "--origin", origin,
        "--data-dir", str(data), env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


class Running:
    def __init__(self, args: list[str], env: dict[str, str], out: Path) -> None:
        self.out = out
        with out.open("wb") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "node", *args],
                env={**os.environ, **env},
                stdout=handle,
                stderr=subprocess.STDOUT,
            )

    def text(self) -> str:
        return self.out.read_text("utf-8", errors="replace")

    def alive(self) -> bool:
        assert self.process.poll() is None, f"exited:\n{self.text()}"
        return True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def started() -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for process in processes:
        process.stop()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_version(clean_env: dict[str, str]) -> None:
    done = credreg("--version", env=clean_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"credreg {__version__}\n"


def test_serve_help_documents_host_and_port(clean_env: dict[str, str]) -> None:
    done = credreg("serve", "--help", env=clean_env)
    assert done.returncode == 0, done.stderr
    assert "--host" in done.stdout and "--port" in done.stdout and "--workers" in done.stdout


def test_serve_refuses_an_origin_that_is_not_the_institutions(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    _init(tmp_path / "data", "https://uni.example", clean_env)
    env = {**clean_env, "CREDREG_ORIGIN": "https://elsewhere.example"}
    done = subprocess.run(
        [sys.executable, "-m", "node", "serve", "--data-dir", str(tmp_path / "data")],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,  # before the check, serve started and this ran out
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # one line
    assert "https://elsewhere.example" in done.stderr and "https://uni.example" in done.stderr
    assert "did:web:uni.example" in done.stderr and "Traceback" not in done.stderr


def test_data_dir_option_reads_its_config_toml_and_port_option_wins(
    tmp_path: Path, clean_env: dict[str, str], started: list[Running]
) -> None:
    data = tmp_path / "data"
    configured, chosen = free_port(), free_port()
    origin = f"http://127.0.0.1:{configured}"
    _init(data, origin, clean_env)
    # Only the file says which origin and chain: no CREDREG_DATA_DIR, no CREDREG_ORIGIN.
    (data / "config.toml").write_text(
        f'origin = "{origin}"\nport = {configured}\nchain = "off"\n', encoding="utf-8"
    )
    server = Running(
        ["serve", "--data-dir", str(data), "--port", str(chosen)], clean_env, tmp_path / "log"
    )
    started.append(server)
    url = f"http://127.0.0.1:{chosen}"
    wait_until(lambda: server.alive() and _answers(f"{url}/readyz"), 60, server.text())
    ready = httpx.get(f"{url}/readyz", timeout=5).json()
    assert ready["checks"]["chain"] == "off"  # from config.toml
    metadata = httpx.get(f"{url}/.well-known/openid-credential-issuer", timeout=5).json()
    assert metadata["credential_issuer"] == origin


def test_chain_status_prints_its_facts_on_stdout(tmp_path: Path, clean_env: dict[str, str]) -> None:
    _init(tmp_path / "data", "https://uni.example", clean_env)
    done = credreg("chain", "status", "--data-dir", str(tmp_path / "data"), env=clean_env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("chain 1337 (embedded), block ")
    assert [line.split()[0] for line in lines[1:4]] == [
        "NetworkRegistry",
        "AnchorRegistry",
        "StatusRegistry",
    ]
    assert lines[4].startswith("anchoring account 0x")
    assert lines[5] == "member 1: active, did:web:uni.example"
    assert "chain 1337" not in done.stderr


def test_demo_prints_every_url_the_records_and_a_sample_to_paste(
    tmp_path: Path, clean_env: dict[str, str], started: list[Running]
) -> None:
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {**clean_env, "CREDREG_PORT": str(port), "CREDREG_ORIGIN": origin}
    demo = Running(
        ["demo", "--data-dir", str(tmp_path / "demo"), "--credentials", "2"],
        env,
        tmp_path / "demo.log",
    )
    started.append(demo)
    wait_until(lambda: demo.alive() and _answers(f"{origin}/readyz"), 120, demo.text())
    printed = demo.text()
    for path in (
        "/",
        "/verify",
        "/learner",
        "/docs",
        "/.well-known/did.json",
        "/.well-known/openid-credential-issuer",
        "/console",
    ):
        assert f" {origin}{path}\n" in printed, (path, printed)
        page = httpx.get(f"{origin}{path}", timeout=10, follow_redirects=True)
        assert page.status_code == 200, path
    staff = [line.split() for line in printed.splitlines() if line.startswith("  demo-")]
    assert sorted(role for _, role in staff) == sorted(r.value for r in StaffRole)
    password = printed.split("password '", 1)[1].split("'", 1)[0]
    with httpx.Client(base_url=origin, follow_redirects=False) as browser:
        form = browser.get("/console/sign-in")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        first = browser.post(
            "/console/sign-in",
            data={"username": staff[0][0], "password": password, "code": "", "csrf": csrf},
        )
        assert first.status_code == 200 and "totp-secret" in first.text, "set up the app"
    records_line = next(line for line in printed.splitlines() if "credential records" in line)
    record_ids = records_line.split(": ", 1)[1].split()
    assert len(record_ids) == 2
    token = next(line for line in printed.splitlines() if "issuer token" in line).split()[-1]
    for record_id in record_ids:
        record = httpx.get(
            f"{origin}/admin/credentials/{record_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert record.status_code == 200, record.text
    sample_line = next(line for line in printed.splitlines() if "sample credential" in line)
    sample = Path(sample_line.rsplit(" ", 1)[1])
    assert sample.is_file()
    credential = json.loads(sample.read_text("utf-8"))
    report = httpx.post(f"{origin}/api/verify", json={"credential": credential}, timeout=60)
    assert report.status_code == 200, report.text
    checks = {c["name"]: c["ok"] for c in report.json()["checks"]}
    assert checks["signature"] is True and checks["issuer_key"] is True, checks
    # The page takes the file as it is: pasted, it shows a verdict.
    pasted = httpx.post(f"{origin}/verify", data={"credential": sample.read_text("utf-8")})
    assert pasted.status_code == 200 and 'data-verdict="' in pasted.text
