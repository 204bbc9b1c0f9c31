"""``credreg staff …`` as a process, on SQLite and PostgreSQL: create (password from an
environment variable, never an argument), list, roles, password, TOTP reset, disable; and a
token that acts for a member of staff."""

from __future__ import annotations

import json

from tests.integration.test_cli import cli_env, credreg

__all__ = ["cli_env"]


def _json(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_staff_accounts_from_the_command_line(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "STAFF_PW": "a long staff password"}
    made = credreg(
        "staff", "create", "Reg.One", "--name", "Rita Registrar", "--role", "registrar",
        "--role", "teacher", "--password-env", "STAFF_PW", env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    (account,) = _json(made.stdout)
    assert account["username"] == "reg.one" and account["roles"] == ["teacher", "registrar"]
    assert account["password"] is True and account["totp"] is False
    again = credreg(
        "staff", "create", "reg.one", "--name", "X", "--role", "teacher",
        "--password-env", "STAFF_PW", env=env,
    )  # fmt: skip
    assert again.returncode == 2 and "exists already" in again.stderr
    unset = credreg(
        "staff", "create", "b.two", "--name", "B", "--role", "teacher", "--password-env", "NOPE",
        env=env,
    )  # fmt: skip
    assert unset.returncode == 2 and "NOPE is not set" in unset.stderr
    short = credreg(
        "staff", "create", "b.two", "--name", "B", "--role", "teacher", "--password-env", "SHORT",
        env={**env, "SHORT": "short"},
    )  # fmt: skip
    assert short.returncode == 2 and "password" in short.stderr
    bad_role = credreg("staff", "create", "c", "--name", "C", "--role", "dean", env=env)
    assert bad_role.returncode == 2
    sso_only = credreg(
        "staff", "create", "s.so", "--name", "Sso Only", "--role", "committee", "--no-password",
        env=env,
    )  # fmt: skip
    assert sso_only.returncode == 0 and _json(sso_only.stdout)[0]["password"] is False

    roles = credreg("staff", "roles", "reg.one", "--role", "management", env=env)
    assert roles.returncode == 0 and _json(roles.stdout)[0]["roles"] == ["management"]
    assert (
        credreg("staff", "password", "reg.one", "--password-env", "STAFF_PW", env=env).returncode
        == 0
    )
    assert credreg("staff", "reset-totp", "reg.one", env=env).returncode == 0
    disabled = credreg("staff", "disable", "reg.one", env=env)
    assert _json(disabled.stdout)[0]["disabled"] is True
    enabled = credreg("staff", "disable", "reg.one", "--enable", env=env)
    assert _json(enabled.stdout)[0]["disabled"] is False
    unknown = credreg("staff", "roles", "nobody", "--role", "teacher", env=env)
    assert unknown.returncode == 2 and "no staff account" in unknown.stderr
    listed = _json(credreg("staff", "list", env=env).stdout)
    assert [a["username"] for a in listed] == ["reg.one", "s.so"]

    token = credreg("token", "create", "--role", "issuer", "--staff", "s.so", env=env)
    assert token.returncode == 0, token.stderr
    rows = _json(credreg("token", "list", "--json", env=env).stdout)
    assert rows[-1]["staff_account_id"] == listed[1]["id"]
    nobody = credreg("token", "create", "--role", "issuer", "--staff", "nobody", env=env)
    assert nobody.returncode == 2 and "no staff account" in nobody.stderr
    trail = _json(credreg("audit", "list", env=env).stdout)
    actions = [(e["action"], e["subject"]) for e in trail]
    assert ("staff create", "Reg.One") in actions and ("staff disable", "reg.one") in actions
    assert ("token create", "issuer:cli") in actions
    assert all(str(e["actor"]).startswith("cli:") for e in trail)
    assert ("staff create", "reg.one") not in actions, "a refused command is not an action"
    assert credreg("audit", "verify", "--offline", env=env).returncode == 0
