"""``credreg mail …``: the outbox and its delivery over SMTP (node/mail/delivery.py).

``status`` reads only the database (counts, and the messages that failed with the server's
last answer); ``send`` runs one delivery round now, with the key store unlocked (the bodies
are sealed with its outbox key). ``credreg serve`` delivers in the background by itself.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from node.cli_options import DataDir, open_node_runtime, settings_for
from node.db.engine import make_engine, migrate, session_factory
from node.mail.outbox import Outbox

mail_app = typer.Typer(
    help="Mail: what waits, what failed, deliver now.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


def _no_key() -> bytes:
    raise RuntimeError("credreg mail status never opens a message")


@mail_app.command("status")
def status(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
) -> None:
    """Messages waiting, sent, failed and expired unsent; the latest failures and why."""
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    try:
        migrate(engine)
        outbox = Outbox(session_factory(engine), _no_key)
        counts, failures = outbox.counts(), outbox.failures()
    finally:
        engine.dispose()
    rows = [
        {
            "id": row.id,
            "recipient": row.recipient,
            "attempts": row.attempts,
            "state": "failed" if row.failed_at is not None else "retrying",
            "next_attempt_at": row.next_attempt_at.isoformat(timespec="seconds")
            if row.next_attempt_at
            else None,
            "last_error": row.last_error,
        }
        for row in failures
    ]
    smtp = f"{settings.smtp_host}:{settings.smtp_port or ''}" if settings.smtp_host else None
    if as_json:
        typer.echo(json.dumps({"smtp": smtp, "counts": counts, "failures": rows}))
        return
    typer.echo(f"SMTP server: {smtp or 'none set (CREDREG_SMTP_HOST): mail waits here'}")
    typer.echo(", ".join(f"{name} {n}" for name, n in counts.items()))
    for row in rows:
        typer.echo(
            f"  #{row['id']} {row['recipient']}: {row['state']} after {row['attempts']} "
            f"tries, {row['last_error']}"
        )


@mail_app.command("send")
def send(data_dir: DataDir = None) -> None:
    """Deliver what is due now (one round), and say how it went."""
    settings = settings_for(data_dir)
    runtime = open_node_runtime(settings)
    try:
        delivery = runtime.mail_delivery()
        if delivery is None:
            console.print("[red]error:[/red] no SMTP server: set CREDREG_SMTP_HOST")
            raise typer.Exit(code=2)
        result = delivery.run_once()
    finally:
        runtime.close()
    typer.echo(f"sent {result.sent}, to retry {result.retrying}, failed {result.failed}")
    if result.retrying or result.failed:
        raise typer.Exit(code=1)
