"""``credreg audit …``: the tamper-evident audit trail (node/audit/log.py).

``verify`` recomputes every link of the hash chain and checks each anchored head against
its entry and against the chain (the key store is opened to reach the chain; ``--offline``
checks the links and the recorded heads only). Exit code 0: intact; 1: a break or an
anchored head that does not match. ``list`` prints the latest entries.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from node.audit.log import AuditLog, Verification
from node.cli_options import DataDir, database, open_node_runtime, settings_for

audit_app = typer.Typer(
    help="The audit trail: verify its hash chain against the anchored heads, list it.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


def _report(found: Verification) -> dict[str, object]:
    return {
        "ok": found.ok,
        "entries": found.entries,
        "chain_intact": found.intact,
        "first_break": found.first_break,
        "anchors_checked": found.anchors_checked,
        "anchors_pending": found.anchors_pending,
        "anchors_failed": found.anchors_failed,
        "last_anchored_seq": found.last_anchored_seq,
        "not_yet_anchored": found.unanchored,
    }


@audit_app.command("verify")
def verify(
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not ask the chain (links and heads only)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout")] = False,
    data_dir: DataDir = None,
) -> None:
    """Check the audit trail's hash chain and its anchored heads."""
    if offline:
        with database(data_dir) as sessions:
            found = AuditLog(sessions).verify()
    else:
        runtime = open_node_runtime(settings_for(data_dir))
        try:
            found = runtime.audit().verify(runtime.audit_anchorer().on_chain)
        finally:
            runtime.close()
    report = _report(found)
    if as_json:
        typer.echo(json.dumps(report))
    else:
        where = "not asked (--offline)" if offline else "checked on chain"
        typer.echo(
            f"{found.entries} entries; hash chain "
            f"{'intact' if found.intact else f'BROKEN at entry {found.first_break}'}; "
            f"{found.anchors_checked} anchored heads {where}, {found.anchors_pending} pending; "
            f"{found.unanchored} entries after the last anchored head"
        )
        for failure in found.anchors_failed:
            typer.echo(f"FAILED: {failure}")
    raise typer.Exit(code=0 if found.ok else 1)


@audit_app.command("list")
def list_entries(
    after: Annotated[int, typer.Option(min=0, help="Entries after this sequence number")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    data_dir: DataDir = None,
) -> None:
    """Entries as JSON lines: seq, time, actor, action, subject, outcome, hash."""
    with database(data_dir) as sessions:
        for row in AuditLog(sessions).entries(after, limit):
            typer.echo(
                json.dumps(
                    {
                        "seq": row.seq,
                        "at": row.at.isoformat(),
                        "actor": row.actor,
                        "action": row.action,
                        "subject": row.subject,
                        "outcome": row.outcome,
                        "hash": row.hash,
                    },
                    ensure_ascii=False,
                )
            )
