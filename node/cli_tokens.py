"""``credreg token …``: API bearer tokens (create with an expiry, list, revoke).

The same service as the admin API's ``/admin/tokens`` (node/tokens.py). A token's secret is
printed once, on stdout, when it is created; listings never show it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from node.audit.log import AuditLog
from node.cli_options import DataDir, cli_actor, database
from node.db.models import Role
from node.tokens import ApiTokens, TokenInfo, parse_lifetime

token_app = typer.Typer(
    help="API bearer tokens: create, list, revoke.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


@contextmanager
def _tokens(data_dir: Path | None, action: str = "", subject: str = "") -> Iterator[ApiTokens]:
    """The service over the node's database; ``action``: what the command did, appended
    to the audit trail once it succeeded (node/audit/log.py)."""
    with database(data_dir) as sessions:
        yield ApiTokens(sessions)
        if action:
            AuditLog(sessions).append(cli_actor(), action, subject)


def _when(value: datetime | None, never: str) -> str:
    return value.isoformat(timespec="seconds") if value is not None else never


def _row(info: TokenInfo, now: datetime) -> dict[str, object]:
    return {
        "id": info.id,
        "name": info.name,
        "role": info.role,
        "state": info.state(now),
        "created_at": _when(info.created_at, ""),
        "last_used_at": _when(info.last_used_at, "never"),
        "expires_at": _when(info.expires_at, "never"),
        "revoked_at": _when(info.revoked_at, ""),
        "staff_account_id": info.staff_account_id,
    }


@token_app.command("create")
def token_create(
    role: Annotated[Role, typer.Option(help="issuer, admin or vcapi")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    expires_in: Annotated[
        str | None,
        typer.Option(help="Lifetime: 90d, 12h, 30m, 2w or seconds (at most 10 years)"),
    ] = None,
    staff: Annotated[
        str | None,
        typer.Option(help="The staff account (user name) it acts for: approvals need one"),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    with _tokens(data_dir, "token create", f"{role.value}:{name}") as tokens:
        lifetime = parse_lifetime(expires_in) if expires_in is not None else None
        created = tokens.create(role, name, lifetime, staff_username=staff)
    if created.info.expires_at is not None:
        console.print(f"token {created.info.id} expires at {_when(created.info.expires_at, '')}")
    typer.echo(created.token)


@token_app.command("list")
def token_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of a table")] = False,
    data_dir: DataDir = None,
) -> None:
    """The tokens: id, name, role, state, created, last used, expiry (never the secret)."""
    with _tokens(data_dir) as tokens:
        rows = [_row(info, datetime.now(UTC)) for info in tokens.all()]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    columns = ("id", "name", "role", "state", "created_at", "last_used_at", "expires_at")
    table = [columns, *[tuple(str(row[c]) for c in columns) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        typer.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `credreg token list`)")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a token at once (its next request gets 401)."""
    if not 1 <= token_id <= 2**31 - 1:
        raise typer.BadParameter("a token id from `credreg token list`", param_hint="TOKEN_ID")
    with _tokens(data_dir, "token revoke", str(token_id)) as tokens:
        info = tokens.revoke(token_id)
    console.print(f"token {info.id} ({info.name}) revoked at {_when(info.revoked_at, '')}")
