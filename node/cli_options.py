"""What every ``credreg`` command shares: the data folder option, its settings, the key store
passphrase, and the node's runtime.

The runtime is imported when a command opens it, not when ``credreg`` starts: it brings in
py-evm, web3 and FastAPI (over a second of start-up), which ``credreg token list``,
``--help`` or ``--version`` never use.
"""

from __future__ import annotations

import getpass
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session, sessionmaker

from node.credentials.profile import ProfileInvalid, requirement_profile
from node.db.engine import make_engine, migrate, session_factory
from node.errors import NodeError
from node.issuance.approvals import ChainInvalid, approval_chain
from node.settings import Settings

if TYPE_CHECKING:
    from node.runtime import NodeRuntime

__all__ = ["DataDir", "cli_actor", "database", "open_node_runtime", "passphrase", "settings_for"]

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="CREDREG_DATA_DIR", help="Node data directory."),
]


def settings_for(data_dir: Path | None) -> Settings:
    """The settings of the node in ``data_dir`` (else the one CREDREG_* and config name),
    their requirement profile and approval chain checked: a bad one stops the command with
    one line, code 2."""
    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    try:
        requirement_profile(settings.profile)
        approval_chain(settings.approval_chain)
    except (ProfileInvalid, ChainInvalid) as exc:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    return settings


def cli_actor() -> str:
    """Who runs a command, as the audit trail names them."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        user = f"uid{os.getuid()}"
    return f"cli:{user}@{socket.gethostname()}"


@contextmanager
def database(data_dir: Path | None) -> Iterator[sessionmaker[Session]]:
    """The node's database, migrated, for commands that need no keys (tokens, staff
    accounts); a refused input (NodeError) stops the command with one line, code 2."""
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    try:
        migrate(engine)
        yield session_factory(engine)
    except NodeError as exc:
        reasons = "; ".join(f"{p.element}: {p.reason}" for p in exc.problems)
        message = f"{exc.message}{f' ({reasons})' if reasons else ''}"
        Console(stderr=True).print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    finally:
        engine.dispose()


def passphrase(settings: Settings, *, confirm: bool = False) -> str:
    """The key store passphrase: from the settings, else asked on the terminal."""
    if settings.key_passphrase is not None:
        return settings.key_passphrase.get_secret_value()
    if not sys.stdin.isatty():
        raise typer.BadParameter("set CREDREG_KEY_PASSPHRASE (no terminal to prompt on)")
    phrase = getpass.getpass("Key store passphrase: ")
    if confirm and getpass.getpass("Repeat passphrase: ") != phrase:
        raise typer.BadParameter("the passphrases differ")
    return phrase


def open_node_runtime(settings: Settings) -> NodeRuntime:
    """The node's runtime over its unlocked key store (the caller closes it)."""
    from node.runtime import open_runtime  # here, not at the top: see the module docstring

    return open_runtime(settings, passphrase(settings))
