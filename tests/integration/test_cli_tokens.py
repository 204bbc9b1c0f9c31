"""`credreg token create|list|revoke` as real processes (SQLite and PostgreSQL), and what the
node answers to the tokens they made."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from node.app import create_app
from node.settings import Settings
from tests.integration.test_cli import cli_env, credreg

__all__ = ["cli_env"]


def _client(cli_env: dict[str, str]) -> TestClient:
    settings = Settings(
        data_dir=Path(cli_env["CREDREG_DATA_DIR"]),
        database_url=cli_env["CREDREG_DATABASE_URL"],
        origin="https://cli.example",
    )
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_token_create_with_expiry_list_and_revoke(cli_env: dict[str, str]) -> None:
    made = credreg(
        "token", "create", "--role", "admin", "--name", "ops", "--expires-in", "90d", env=cli_env
    )
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("crt_") and "expires at" in made.stderr
    forever = credreg("token", "create", "--role", "issuer", "--name", "registrar", env=cli_env)
    assert forever.returncode == 0, forever.stderr

    table = credreg("token", "list", env=cli_env)
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split() == [
        "id", "name", "role", "state", "created_at", "last_used_at", "expires_at"
    ]  # fmt: skip
    assert len(lines) == 2 and secret not in table.stdout
    listed = credreg("token", "list", "--json", env=cli_env)
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    ops = next(r for r in rows if r["name"] == "ops")
    assert ops["role"] == "admin" and ops["state"] == "active"
    lifetime = datetime.fromisoformat(ops["expires_at"]) - datetime.fromisoformat(ops["created_at"])
    assert abs(lifetime - timedelta(days=90)) < timedelta(seconds=5)
    assert ops["last_used_at"] == "never"
    assert next(r for r in rows if r["name"] == "registrar")["expires_at"] == "never"

    with _client(cli_env) as client:
        auth = {"Authorization": f"Bearer {secret}"}
        assert client.get("/admin/tokens", headers=auth).status_code == 200
        used = json.loads(credreg("token", "list", "--json", env=cli_env).stdout.splitlines()[0])
        assert used["last_used_at"] != "never"

        revoked = credreg("token", "revoke", str(ops["id"]), env=cli_env)
        assert revoked.returncode == 0, revoked.stderr
        assert f"token {ops['id']} (ops) revoked" in revoked.stderr
        refused = client.get("/admin/tokens", headers=auth)
        assert refused.status_code == 401 and refused.json()["problems"][0]["reason"] == "revoked"
        client.app.state.runtime.close()  # type: ignore[attr-defined]
    states = [json.loads(x)["state"] for x in credreg("token", "list", "--json", env=cli_env)
              .stdout.splitlines()]  # fmt: skip
    assert states == ["revoked", "active"]


def test_token_cli_errors_are_one_line_exit_2(cli_env: dict[str, str]) -> None:
    results = {
        args[-1]: credreg(*args, env=cli_env)
        for args in (
            ("token", "create", "--role", "issuer", "--expires-in", "soon"),
            ("token", "create", "--role", "issuer", "--expires-in", "5s"),
            ("token", "create", "--role", "issuer", "--expires-in", "99999d"),
            ("token", "revoke", "4242"),
            ("token", "revoke", "-1"),
        )
    }
    for arg, result in results.items():
        assert result.returncode == 2, (arg, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and result.stdout == ""
    assert results["soon"].stderr.strip().count("\n") == 0, results["soon"].stderr
    assert "expires_in: a number with s, m, h, d or w" in results["soon"].stderr
    assert "60 to 315360000 seconds" in results["5s"].stderr
    assert "no API token 4242" in results["4242"].stderr
