"""``credreg staff …``: staff accounts of the console (create, list, roles, password, TOTP
reset, disable). The same service as the console's (node/staff/accounts.py).

A password is read from ``--password-env`` (the name of an environment variable) or asked
for at the terminal, never taken as an argument (it would sit in the shell history).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from node.audit.log import AuditLog
from node.cli_options import DataDir, cli_actor, database
from node.db.models import StaffRole
from node.staff.accounts import StaffAccounts, StaffInfo

staff_app = typer.Typer(
    help="Staff accounts of the console (/console): create, list, roles, password, TOTP.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)
Roles = Annotated[
    list[StaffRole], typer.Option("--role", help="A role (repeatable): " + ", ".join(StaffRole))
]
PasswordEnv = Annotated[
    str | None,
    typer.Option(help="Read the password from this environment variable (else: prompt)"),
]


@contextmanager
def _accounts(
    data_dir: Path | None, action: str = "", subject: str = ""
) -> Iterator[StaffAccounts]:
    """The service over the node's database; ``action``: what the command did, appended
    to the audit trail once it succeeded (node/audit/log.py)."""
    with database(data_dir) as sessions:
        yield StaffAccounts(sessions)
        if action:
            AuditLog(sessions).append(cli_actor(), action, subject)


def _password(env: str | None) -> str:
    if env is not None:
        value = os.environ.get(env)
        if not value:
            console.print(f"[red]error:[/red] the environment variable {env} is not set")
            raise typer.Exit(code=2)
        return value
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=True))


def _row(info: StaffInfo) -> dict[str, object]:
    return {
        "id": info.id,
        "username": info.username,
        "name": info.name,
        "email": info.email,
        "roles": [r.value for r in info.roles],
        "password": info.has_password,
        "totp": info.has_totp,
        "single_sign_on": info.single_sign_on,
        "last_sign_in_at": info.last_sign_in_at.isoformat(timespec="seconds")
        if info.last_sign_in_at
        else None,
        "disabled": info.disabled_at is not None,
    }


def _show(info: StaffInfo) -> None:
    typer.echo(json.dumps(_row(info), ensure_ascii=False))


@staff_app.command("create")
def staff_create(
    username: Annotated[str, typer.Argument(help="Sign-in name (a-z 0-9 . _ @ -)")],
    name: Annotated[str, typer.Option(help="Full name, shown in the console and audit trail")],
    role: Roles,
    email: Annotated[str | None, typer.Option(help="E-mail address")] = None,
    no_password: Annotated[
        bool, typer.Option("--no-password", help="Single sign-on only: no local password")
    ] = False,
    password_env: PasswordEnv = None,
    data_dir: DataDir = None,
) -> None:
    """Create a staff account. Its first password sign-in sets up the TOTP app."""
    password = None if no_password else _password(password_env)
    with _accounts(data_dir, "staff create", username) as accounts:
        _show(accounts.create(username, name, role, email=email, password=password))


@staff_app.command("list")
def staff_list(data_dir: DataDir = None) -> None:
    """Every staff account, one JSON object per line."""
    with _accounts(data_dir) as accounts:
        for info in accounts.all():
            _show(info)


@staff_app.command("roles")
def staff_roles(
    username: Annotated[str, typer.Argument()], role: Roles, data_dir: DataDir = None
) -> None:
    """Replace an account's roles."""
    with _accounts(data_dir, "staff roles", username) as accounts:
        _show(accounts.set_roles(accounts.by_username(username).id, role))


@staff_app.command("password")
def staff_password(
    username: Annotated[str, typer.Argument()],
    password_env: PasswordEnv = None,
    data_dir: DataDir = None,
) -> None:
    """Set a new password."""
    password = _password(password_env)
    with _accounts(data_dir, "staff password", username) as accounts:
        _show(accounts.set_password(accounts.by_username(username).id, password))


@staff_app.command("reset-totp")
def staff_reset_totp(username: Annotated[str, typer.Argument()], data_dir: DataDir = None) -> None:
    """Forget the TOTP secret (a lost phone): the next sign-in sets up a new one."""
    with _accounts(data_dir, "staff reset-totp", username) as accounts:
        _show(accounts.reset_totp(accounts.by_username(username).id))


@staff_app.command("disable")
def staff_disable(
    username: Annotated[str, typer.Argument()],
    enable: Annotated[bool, typer.Option("--enable", help="Enable it again")] = False,
    data_dir: DataDir = None,
) -> None:
    """Disable an account (its sessions stop working at once), or enable it again."""
    with _accounts(data_dir, "staff enable" if enable else "staff disable", username) as accounts:
        _show(accounts.set_disabled(accounts.by_username(username).id, not enable))
