"""``credreg catalogue …``: the catalogue of learning opportunities from the command line
(create, edit the draft, publish, withdraw, list, import from CSV or ELM JSON-LD) — the
admin API's service (node/catalogue/entries.py) over the node's database; no keys are
needed. Each change is appended to the audit trail. A content is a JSON file (``-``:
standard input) holding a CatalogueContent (docs/catalogue.md), alone or as
``{"content": …}``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from node.audit.log import AuditLog
from node.catalogue.csv_import import import_row
from node.catalogue.entries import Catalogue, Entry, publisher_of
from node.catalogue.imports import rows_of
from node.cli_options import DataDir, cli_actor, database
from node.credentials.csv_import import CsvFormatError
from node.errors import InvalidInput, Problem

catalogue_app = typer.Typer(
    help="The catalogue of learning opportunities: create, edit, publish, withdraw, list, import.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
Content = Annotated[str, typer.Argument(help="A JSON file with the content ('-': stdin)")]
EntryId = Annotated[str, typer.Argument(help="The entry's id")]
Audit = Callable[[str, str], None]


@contextmanager
def _catalogue(data_dir: Path | None) -> Iterator[tuple[Catalogue, Audit]]:
    """The service, and how a command records what it did (once it succeeded)."""
    with database(data_dir) as sessions:
        audit = AuditLog(sessions)

        def done(action: str, subject: str) -> None:
            audit.append(cli_actor(), action, subject)

        yield Catalogue(sessions, publisher_of(sessions)), done


def _read(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        found = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("content refused", [Problem("file", str(exc))]) from None
    if isinstance(found, dict) and set(found) == {"content"}:
        return found["content"]
    return found


def _summary(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "url": entry.url,
        "title": entry.versions[-1].title("en") if entry.versions else "",
        "versions": [
            {
                "version": v.number,
                "state": v.state.value,
                "digest": v.digest,
                "anchor": v.anchor.state if v.anchor else None,
                "url": v.url,
            }
            for v in entry.versions
        ],
    }


@catalogue_app.command("create")
def create(content: Content, data_dir: DataDir = None) -> None:
    """A new entry whose version 1 is a draft of the content; prints its id."""
    with _catalogue(data_dir) as (catalogue, done):
        entry = catalogue.create(_read(content))
        done("catalogue create", entry.id)
    typer.echo(entry.id)


@catalogue_app.command("edit")
def edit(entry_id: EntryId, content: Content, data_dir: DataDir = None) -> None:
    """Replace the entry's draft, or start the next version's draft."""
    with _catalogue(data_dir) as (catalogue, done):
        entry = catalogue.edit(entry_id, _read(content))
        done("catalogue edit", entry_id)
    typer.echo(json.dumps(_summary(entry), indent=2, ensure_ascii=False))


@catalogue_app.command("publish")
def publish(entry_id: EntryId, data_dir: DataDir = None) -> None:
    """Publish the entry's draft (it never changes again); prints its URL and digest."""
    with _catalogue(data_dir) as (catalogue, done):
        version = catalogue.publish(entry_id)
        done("catalogue publish", f"{entry_id},{version.number}")
    typer.echo(f"{version.url} {version.digest}")


@catalogue_app.command("withdraw")
def withdraw(
    entry_id: EntryId,
    version: Annotated[int, typer.Argument(help="The version's number", min=1)],
    reason: Annotated[str, typer.Option(help="Why it is no longer offered")],
    data_dir: DataDir = None,
) -> None:
    """Withdraw a published version (it stays readable, marked withdrawn)."""
    with _catalogue(data_dir) as (catalogue, done):
        catalogue.withdraw(entry_id, version, reason)
        done("catalogue withdraw", f"{entry_id},{version}")


@catalogue_app.command("list")
def list_entries(
    every: Annotated[
        bool, typer.Option("--all", help="Also entries with nothing on offer")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """The entries (newest first) with their versions, as JSON lines."""
    with _catalogue(data_dir) as (catalogue, _done):
        entries = catalogue.entries(offered_only=not every)
    for entry in entries:
        typer.echo(json.dumps(_summary(entry), ensure_ascii=False))


@catalogue_app.command("import")
def import_entries(
    file: Annotated[
        Path,
        typer.Argument(help="CSV (one entry per row) or ELM JSON-LD (docs/catalogue.md)"),
    ],
    publish: Annotated[
        bool, typer.Option("--publish", help="Publish each entry imported (else: drafts)")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Import entries from CSV or from ELM 3 Learning Opportunity JSON-LD (one, a list or
    an @graph; told apart by the first character); one JSON line per row or opportunity
    (created, published, skipped as imported before under its key, rejected with its
    problems). Running it again after a crash finishes the import: nothing is made twice.
    Exit 1 when one was rejected, 2 when the file cannot be used."""
    console = Console(stderr=True)
    counts: Counter[str] = Counter()
    try:
        rows, total = rows_of(file.read_bytes())
        with ExitStack() as stack:
            catalogue, done = stack.enter_context(_catalogue(data_dir))
            progress = stack.enter_context(
                Progress(
                    TextColumn("importing"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeRemainingColumn(),
                    console=console,
                )
            )
            task = progress.add_task("import", total=total)
            for row in rows:
                outcome = import_row(catalogue, row, publish=publish)
                counts[outcome.outcome] += 1
                if outcome.outcome in ("created", "published") and outcome.entry_id:
                    done(f"catalogue import ({outcome.outcome})", outcome.entry_id)
                typer.echo(json.dumps(outcome.as_dict(), ensure_ascii=False))
                progress.advance(task)
    except OSError as exc:
        console.print(f"{file}: {exc.strerror or exc}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    except CsvFormatError as exc:
        console.print(f"{file}: {exc.message}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    console.print(
        f"created {counts['created']}, published {counts['published']}, skipped as imported "
        f"before {counts['skipped']}, rejected {counts['rejected']}"
    )
    if counts["rejected"]:
        raise typer.Exit(1)
