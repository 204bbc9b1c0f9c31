"""The ``credreg`` command."""

from __future__ import annotations

import getpass
import os
import ssl
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from anchoring.errors import ChainError
from node import __version__
from node.cli_audit import audit_app
from node.cli_catalogue import catalogue_app
from node.cli_mail import mail_app
from node.cli_network import network_app
from node.cli_options import DataDir, open_node_runtime, passphrase, settings_for
from node.cli_staff import staff_app
from node.cli_tokens import token_app
from node.credentials.profile import requirement_profile
from node.credentials.vocab import LearnerIdType, LegalStatus
from node.db.engine import make_engine, migrate, session_factory
from node.db.models import CredentialFormat, Institution
from node.errors import InvalidInput, NodeError, StorageUnavailable
from node.keys.keystore import FileKeyStore, KeyStoreError
from node.settings import Settings
from node.storage import prepare_data_dir, use_private_umask

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.orm import Session, sessionmaker

# No locals in tracebacks: they could hold the key store passphrase or tokens.
app = typer.Typer(
    help="Registry node for EU micro-credentials.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(token_app, name="token")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(staff_app, name="staff")
app.add_typer(audit_app, name="audit")
app.add_typer(mail_app, name="mail")
chain_app = typer.Typer(help="The network's chain and contracts.", no_args_is_help=True)
app.add_typer(chain_app, name="chain")
app.add_typer(network_app, name="network")
console = Console(stderr=True)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"credreg {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version, exit."
        ),
    ] = False,
) -> None:
    """Registry node for EU micro-credentials."""


def _fail(message: str, code: int = 1) -> typer.Exit:
    """One line on stderr; ``code`` 2 for input that cannot be used."""
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code=code)


def _tls_files(settings: Settings) -> tuple[str | None, str | None]:
    """uvicorn's ``ssl_certfile`` / ``ssl_keyfile`` from ``tls_cert_file`` /
    ``tls_key_file`` (neither: plain HTTP); a certificate and key that cannot be used stop
    `serve` with one line, not a traceback."""
    cert, key = settings.tls_cert_file, settings.tls_key_file
    if cert is None and key is None:
        return None, None
    if cert is None or key is None:
        raise _fail("set both CREDREG_TLS_CERT_FILE and CREDREG_TLS_KEY_FILE, or neither")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise _fail(f"cannot serve TLS with {cert} and {key}: {exc}") from None
    return str(cert), str(key)


@app.command()
def init(
    name: Annotated[str, typer.Option(help="Institution name")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 country code")],
    origin: Annotated[str, typer.Option(help="Public web origin, e.g. https://uni.example")],
    legal_status: Annotated[
        LegalStatus, typer.Option(help="Legal status of the institution")
    ] = LegalStatus.PUBLIC_INSTITUTION,
    qa_type: Annotated[
        str, typer.Option(help="Quality assurance type (registered on chain)")
    ] = "institutional",
    deqar_id: Annotated[str, typer.Option(help="DEQAR id of the institution, if listed")] = "",
    data_dir: DataDir = None,
) -> None:
    """Create the institution: keys in the encrypted key store and its did:web identity."""
    from node.setup import check_institution, create_institution

    details = {
        "name": name,
        "country": country,
        "legal_status": legal_status.value,
        "origin": origin,
        "qa_type": qa_type,
        "deqar_id": deqar_id,
    }
    try:
        check_institution(**details)  # before anything is created or a passphrase asked
    except InvalidInput as exc:
        raise _fail(exc.message, code=2) from None
    settings = settings_for(data_dir)
    prepare_data_dir(settings.data_dir)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    try:
        store = FileKeyStore(settings.key_dir, passphrase(settings, confirm=True))
        institution = create_institution(session_factory(engine), store, **details)
    except InvalidInput as exc:
        raise _fail(exc.message, code=2) from None
    except (NodeError, KeyStoreError, ValueError) as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    console.print(
        f"institution created: [bold]{escape(institution.name)}[/bold] ({institution.did})"
    )


institution_app = typer.Typer(help="The institution's details.", no_args_is_help=True)
app.add_typer(institution_app, name="institution")


def _print_institution(row: Institution) -> None:
    for label, value in (
        ("name", row.name),
        ("country", row.country),
        ("legal status", row.legal_status),
        ("origin", row.origin),
        ("DID", row.did),
    ):
        typer.echo(f"{label + ':':14}{value}")


def _on_institution(
    data_dir: Path | None, action: Callable[[sessionmaker[Session]], Institution]
) -> None:
    """Run ``action`` on the node's database and print the institution it returns."""
    settings = settings_for(data_dir)
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    try:
        row = action(session_factory(engine))
    except InvalidInput as exc:
        raise _fail(exc.message, code=2) from None
    except NodeError as exc:
        raise _fail(exc.message) from None
    finally:
        engine.dispose()
    _print_institution(row)


@institution_app.command("show")
def institution_show(data_dir: DataDir = None) -> None:
    """Print the institution's details."""
    from node.setup import current_institution

    _on_institution(data_dir, current_institution)


@institution_app.command("update")
def institution_update(
    name: Annotated[str | None, typer.Option(help="Institution name")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2 country code")] = None,
    legal_status: Annotated[
        LegalStatus | None, typer.Option(help="Legal status of the institution")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Correct the name, country or legal status. The origin and DID never change; a
    running node picks the change up when it restarts (the admin API: at once)."""
    from node.setup import update_institution

    changes = {
        key: value
        for key, value in (
            ("name", name),
            ("country", country),
            ("legalStatus", legal_status.value if legal_status else None),
        )
        if value is not None
    }
    if not changes:
        raise _fail("give --name, --country or --legal-status", code=2)
    _on_institution(data_dir, lambda sessions: update_institution(sessions, changes))


Host = Annotated[
    str | None,
    typer.Option(
        "--host",
        help="Address to listen on (default 127.0.0.1, or CREDREG_HOST; 0.0.0.0: every "
        "interface). The public address stays CREDREG_ORIGIN.",
        show_default=False,
    ),
]
Port = Annotated[
    int | None,
    typer.Option(
        "--port",
        min=1,
        max=65535,
        help="TCP port to listen on (default 8000, or CREDREG_PORT).",
        show_default=False,
    ),
]


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Host = None,
    port: Port = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            envvar="CREDREG_WORKERS",
            min=1,
            help="HTTP worker processes (more than 1 needs chain = rpc or off: the embedded "
            "chain is owned by one process; anchoring then runs in this supervising process; "
            "set CREDREG_REDIS_URL so the workers share the rate limits)",
        ),
    ] = 1,
) -> None:
    """Run the node's HTTP service (refused when the configured origin is not the
    institution's)."""
    import logging

    import uvicorn

    from node.app import create_app
    from node.logs import uvicorn_log_config

    settings = settings_for(data_dir)
    listen_host, listen_port = host or settings.host, port or settings.port
    _check_origin(settings)
    if settings.key_passphrase is None:
        os.environ["CREDREG_KEY_PASSPHRASE"] = passphrase(settings)
        settings = settings_for(data_dir)
    cert_file, key_file = _tls_files(settings)
    if workers == 1:
        app_ = create_app(settings, start_anchoring=True)
        uvicorn.run(
            app_,
            host=listen_host,
            port=listen_port,
            log_level="info",
            log_config=uvicorn_log_config(),
            ssl_certfile=cert_file,
            ssl_keyfile=key_file,
        )
        return
    if settings.chain == "embedded":
        raise _fail(
            "--workers > 1 needs chain = rpc or off: the embedded chain has one owner", code=2
        )
    if settings.redis_url is None:
        logging.getLogger(__name__).warning(
            "rate limits are counted in each of the %d worker processes: set "
            "CREDREG_REDIS_URL to share them",
            workers,
        )
    os.environ["CREDREG_DATA_DIR"] = str(settings.data_dir)  # the workers read the same
    runtime = open_node_runtime(settings)
    try:
        runtime.start_anchor_service()  # one anchoring loop, here, not one per worker
        runtime.start_mail_service()  # and one mail delivery loop
        runtime.start_upload_service()  # and one for the uploads a dead worker left
        uvicorn.run(
            "node.cli:worker_app",
            factory=True,
            workers=workers,
            host=listen_host,
            port=listen_port,
            log_level="info",
            log_config=uvicorn_log_config(),
            ssl_certfile=cert_file,
            ssl_keyfile=key_file,
        )
    finally:
        if runtime.anchor_service is not None:
            runtime.anchor_service.stop()
        if runtime.mail_service is not None:
            runtime.mail_service.stop()
        if runtime.upload_service is not None:
            runtime.upload_service.stop()
        runtime.close()


def _check_origin(settings: Settings) -> None:
    """One clear line and exit 2 when the configured origin is not the institution's."""
    from node.runtime import OriginMismatch, build_runtime

    runtime = build_runtime(settings)
    try:
        runtime.check_origin()
    except OriginMismatch as exc:
        raise _fail(exc.message, code=2) from None
    finally:
        runtime.close()


def worker_app() -> FastAPI:
    """The app of one `credreg serve --workers N` process (uvicorn's factory)."""
    from node.app import create_app

    return create_app(Settings(), start_anchoring=False)


@app.command()
def issue(
    csv: Annotated[Path, typer.Option("--csv", help="CSV exported from the learning platform")],
    fmt: Annotated[
        list[CredentialFormat] | None, typer.Option("--format", help="Format(s) to sign")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Issue every row of a CSV file; re-running it skips rows already issued."""
    from node.credentials import csv_import
    from node.issuance.service import IssueOutcome, IssueRequest

    settings = settings_for(data_dir)
    if not csv.is_file():
        raise _fail(f"no such file: {csv}")
    try:
        source = csv_import.inspect_file(csv)
    except NodeError as exc:
        raise _fail(f"{csv}: {exc.message}", code=2) from None
    runtime = open_node_runtime(settings)
    formats = fmt or [CredentialFormat.LDP_RDFC]
    counts: Counter[str] = Counter()
    rejected: list[IssueOutcome] = []
    total = max(source.lines - 1, 0)
    try:
        service = runtime.issuance()
        profile = requirement_profile(runtime.settings.profile)
        with csv.open(encoding=source.encoding, newline="") as handle:
            rows = csv_import.parse_csv(handle, profile)  # the header, now
            requests = (IssueRequest.from_csv_row(row) for row in rows)
            outcomes = service.issue_batch(requests, formats, token_id=None, positions="line")
            with Progress(
                TextColumn("issuing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("issue", total=total)
                for outcome in outcomes:
                    counts[outcome.status] += 1
                    if outcome.status == "rejected":
                        rejected.append(outcome)
                    progress.advance(task)
    except InvalidInput as exc:
        raise _fail(f"{csv}: {exc.message}", code=2) from None
    except NodeError as exc:
        raise _fail(exc.message) from None
    except KeyStoreError as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()
    console.print(
        f"issued {counts['issued']}, skipped as already issued {counts['skipped']}, "
        f"rejected {counts['rejected']}"
    )
    for outcome in rejected:
        reasons = "; ".join(f"{p.element}: {p.reason}" for p in outcome.problems)
        console.print(f"  line {outcome.position}: {escape(reasons)}", soft_wrap=True)
    if rejected:
        raise typer.Exit(code=2)


@chain_app.command("deploy")
def chain_deploy(data_dir: DataDir = None) -> None:
    """Deploy the network contracts with this institution as the genesis member."""
    from node.ledger.connection import open_chain
    from node.ledger.network import deploy_as_genesis

    settings = settings_for(data_dir)
    runtime = open_node_runtime(settings)
    try:
        account = runtime.anchoring_account()
        chain = open_chain(settings, account)
        try:
            deployment = deploy_as_genesis(
                runtime.sessions,
                chain,
                runtime.identity(),
                account,
                requirement_profile(settings.profile).allowed_eqf_levels,
            )
        finally:
            chain.close()
    except (NodeError, KeyStoreError, ChainError) as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()
    console.print(f"chain {deployment.chain_id}, block {deployment.block_number}")
    console.print(f"NetworkRegistry {deployment.network_registry}")
    console.print(f"AnchorRegistry  {deployment.anchor_registry}")
    console.print(f"StatusRegistry  {deployment.status_registry}")


@chain_app.command("status")
def chain_status(data_dir: DataDir = None) -> None:
    """Chain id, latest block, contract addresses and this institution's membership."""
    settings = settings_for(data_dir)
    runtime = open_node_runtime(settings)
    try:
        ledger = runtime.ledger()
        block = ledger.chain.block()
        member_id = ledger.network.member_of_account(ledger.account.address)
        lines = [
            f"chain {ledger.deployment.chain_id} ({settings.chain}), block {block.number}",
            f"NetworkRegistry {ledger.deployment.network_registry}",
            f"AnchorRegistry  {ledger.deployment.anchor_registry}",
            f"StatusRegistry  {ledger.deployment.status_registry}",
            f"anchoring account {ledger.account.address}",
        ]
        if member_id == 0:
            lines.append("this institution is not a network member")
        else:
            member = ledger.network.member(member_id)
            lines.append(f"member {member_id}: {member.status.name.lower()}, {member.did}")
        typer.echo("\n".join(lines))  # data: stdout (errors go to stderr)
    except (NodeError, KeyStoreError, ChainError) as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()


@app.command("anchor-worker")
def anchor_worker(
    once: Annotated[bool, typer.Option(help="One round, then exit")] = False,
    force: Annotated[
        bool, typer.Option(help="Anchor pending leaves now, without waiting for the window")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Anchor pending credentials (a separate process; `serve` runs one by default)."""
    import signal
    import threading

    from node.ledger.service import AnchorService

    settings = settings_for(data_dir)
    runtime = open_node_runtime(settings)
    try:
        if once:
            runtime.status().publish_changed()
            confirmed = runtime.anchor_worker().run_once(force=force)
            versions = runtime.status_anchorer().run_once()
            console.print(f"anchored {confirmed} credentials, {versions} status list versions")
            return
        worker = runtime.ledger_rounds()
        service = AnchorService(lambda: worker)
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        signal.signal(signal.SIGINT, lambda *_: stopped.set())
        service.start()
        stopped.wait()
        service.stop()
    except (NodeError, KeyStoreError, ChainError) as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()


def _change_status(
    action: str, ids: list[str] | None, reason: str, file: Path | None, data_dir: Path | None
) -> None:
    record_ids = list(ids or [])
    if file is not None:
        if not file.is_file():
            raise _fail(f"no such file: {file}")
        record_ids += [line.strip() for line in file.read_text("utf-8").splitlines()]
    record_ids = [r for r in record_ids if r and not r.startswith("#")]
    if not record_ids:
        raise _fail("give credential ids as arguments or with --file")
    settings = settings_for(data_dir)
    runtime = open_node_runtime(settings)
    try:
        results = runtime.status().change(record_ids, action, reason, None, strict=False)  # type: ignore[arg-type]
    except (NodeError, KeyStoreError) as exc:
        raise _fail(str(exc)) from None
    finally:
        runtime.close()
    refused = [r for r in results if not r.ok]
    console.print(f"{action}: {len(results) - len(refused)} changed, {len(refused)} refused")
    for result in refused:
        console.print(f"  {result.record_id}: {result.problem}")
    if refused:
        raise typer.Exit(code=2)


RecordIds = Annotated[list[str] | None, typer.Argument(help="Credential record ids")]
Reason = Annotated[str, typer.Option(help="Why (kept in the audit trail)")]
IdFile = Annotated[Path | None, typer.Option("--file", help="A file of ids, one a line")]


@app.command()
def revoke(
    ids: RecordIds = None, reason: Reason = "", file: IdFile = None, data_dir: DataDir = None
) -> None:
    """Revoke credentials (final); one new status list version per list."""
    _change_status("revoke", ids, reason, file, data_dir)


@app.command()
def suspend(
    ids: RecordIds = None, reason: Reason = "", file: IdFile = None, data_dir: DataDir = None
) -> None:
    """Suspend credentials (reinstate undoes it)."""
    _change_status("suspend", ids, reason, file, data_dir)


@app.command()
def reinstate(
    ids: RecordIds = None, reason: Reason = "", file: IdFile = None, data_dir: DataDir = None
) -> None:
    """Reinstate suspended credentials."""
    _change_status("reinstate", ids, reason, file, data_dir)


DEMO_PASSPHRASE = "demo-only-passphrase"


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="Demo data directory")] = Path(
        ".credreg-demo"
    ),
    credentials: Annotated[int, typer.Option(min=0, help="Sample credentials to issue")] = 5,
) -> None:
    """Run a demo node: creates a demo institution and sample credentials on first start,
    then prints every URL, the record ids, an issuer token and a sample credential file.

    Demo only: the key store passphrase is fixed and printed. Never use this for real data.
    """
    import uvicorn

    from node.app import create_app
    from node.demo import prepare
    from node.logs import uvicorn_log_config

    os.environ.setdefault("CREDREG_KEY_PASSPHRASE", DEMO_PASSPHRASE)
    settings = Settings(data_dir=data_dir)
    _check_origin(settings)
    app_ = create_app(settings, start_anchoring=True)
    shown = prepare(app_.state.runtime, credentials)
    lines = [
        f"credreg demo node (demo only: the key store passphrase is {DEMO_PASSPHRASE!r})",
        *(f"  {name:<16} {url}" for name, url in shown.urls(settings.origin)),
        f"issuer token (demo): {shown.token}",
        f"staff accounts (demo), one per role, password {shown.staff_password!r}; the first "
        "sign-in sets up an authenticator app (TOTP):",
        *(f"  {username:<18} {role}" for username, role in shown.staff),
        f"credential records ({len(shown.record_ids)}): {' '.join(shown.record_ids)}",
    ]
    if shown.sample is not None:
        lines.append(f"sample credential to paste or upload at /verify: {shown.sample}")
    typer.echo("\n".join(lines))
    uvicorn.run(
        app_,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


learner_app = typer.Typer(help="Learner accounts (docs/learners.md).", no_args_is_help=True)
app.add_typer(learner_app, name="learner")


@learner_app.command("add")
def learner_add(
    email: Annotated[str, typer.Option(help="The learner's e-mail address")],
    name: Annotated[str, typer.Option(help="The learner's name")],
    record: Annotated[
        list[str] | None, typer.Option(help="A credential record id to attach (repeatable)")
    ] = None,
    identifier: Annotated[
        str | None,
        typer.Option(
            help="The learner's identifier as their credentials name it (e.g. student number); "
            "default: taken from the records attached"
        ),
    ] = None,
    identifier_type: Annotated[
        LearnerIdType, typer.Option(help="What kind of identifier it is")
    ] = LearnerIdType.STUDENT_NUMBER,
    password: Annotated[
        bool, typer.Option("--password", help="Prompt for an initial password")
    ] = False,
    send_link: Annotated[
        bool, typer.Option("--send-link", help="Mail a one-time sign-in link (mail outbox)")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Provision a learner account; prints its id."""
    from node.learners.service import Learners
    from node.mail.outbox import OUTBOX_KEY_NAME, Outbox

    settings = settings_for(data_dir)
    secret = getpass.getpass("Learner's initial password: ") if password else None
    key = b""
    if send_link:  # the mail is sealed with the key store's outbox key: open it first
        try:
            store = FileKeyStore(settings.key_dir, passphrase(settings))
            key = store.secret_key(OUTBOX_KEY_NAME)
        except KeyStoreError as exc:
            raise _fail(str(exc)) from None
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    sessions = session_factory(engine)
    learners = Learners.build(sessions, settings, outbox=Outbox(sessions, lambda: key))
    try:
        account = learners.accounts.provision(
            email, name, secret, None, record or [], identifier, identifier_type.value
        )
        if send_link:
            learners.sign_in.send_link_to(account.id)
    except NodeError as exc:
        reasons = "; ".join(f"{p.element}: {p.reason}" for p in exc.problems)
        raise _fail(f"{exc.message}{' (' + reasons + ')' if reasons else ''}") from None
    finally:
        engine.dispose()
    typer.echo(account.id)


def main() -> None:
    use_private_umask()  # everything the node writes is its user's only (0700 / 0600)
    try:
        app()
    except StorageUnavailable as exc:  # e.g. a read-only data folder, from any command
        console.print(f"[red]error:[/red] {escape(exc.message)}", soft_wrap=True)
        sys.exit(2)
