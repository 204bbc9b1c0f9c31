"""``credreg network …``: the network of institutions from the command line.

Governance (propose, vote, execute, cancel, list), discovery (members), the node's own
application, joining an existing network's contracts, deploying a network with several
genesis members, and key rotation. Each command opens the node's chain; on the embedded
chain stop ``credreg serve`` first (one process owns it) or use the admin API instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from anchoring.errors import ChainError
from node.cli_options import DataDir, open_node_runtime, settings_for
from node.credentials.profile import requirement_profile
from node.errors import Conflict, InvalidInput, NodeError, NotInitialised
from node.keys.keystore import KeyStoreError

if TYPE_CHECKING:
    from anchoring.registries import MemberSpec
    from node.runtime import NodeRuntime

network_app = typer.Typer(
    help="The network of institutions: members, governance, key rotation.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
console = Console(stderr=True)


@contextmanager
def _runtime(data_dir: Path | None) -> Iterator[NodeRuntime]:
    runtime = open_node_runtime(settings_for(data_dir))
    try:
        yield runtime
    except NodeError as exc:
        console.print(f"[red]error ({exc.code}):[/red] {exc.message}")
        for problem in exc.problems:
            console.print(f"  {problem.element}: {problem.reason}")
        raise typer.Exit(code=1) from None
    except (KeyStoreError, ChainError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
    finally:
        runtime.close()


def _print(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _application(runtime: NodeRuntime) -> MemberSpec:
    from sqlalchemy import select

    from node.db.models import Institution
    from node.ledger.network import genesis_spec

    with runtime.sessions() as session:
        institution = session.scalar(select(Institution))
    if institution is None:
        raise NotInitialised("no institution yet: run `credreg init` first")
    return genesis_spec(
        runtime.identity(),
        institution,
        runtime.anchoring_account().address,
        requirement_profile(runtime.settings.profile).allowed_eqf_levels,
    )


def spec_json(spec: MemberSpec) -> dict[str, Any]:
    return {
        "did": spec.did,
        "serviceEndpoint": spec.service_endpoint,
        "keys": [{"keyId": k[0], "publicKeyMultibase": k[1]} for k in spec.keys],
        "accounts": list(spec.accounts),
        "qaType": spec.qa_type,
        "deqarId": spec.deqar_id,
        "eqfLevels": sorted(spec.eqf_levels),
    }


def spec_from_json(data: dict[str, Any]) -> MemberSpec:
    from node.network.governance import Applicant

    return Applicant(
        did=str(data["did"]),
        service_endpoint=str(data["serviceEndpoint"]),
        keys=[(str(k["keyId"]), str(k["publicKeyMultibase"])) for k in data["keys"]],
        accounts=[str(a) for a in data["accounts"]],
        qa_type=str(data.get("qaType", "institutional")),
        deqar_id=str(data.get("deqarId", "")),
        eqf_levels=frozenset(int(n) for n in data.get("eqfLevels", [5, 6, 7, 8])),
    ).spec()


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")
    try:
        data = json.loads(path.read_text("utf-8"))
    except ValueError as exc:
        raise typer.BadParameter(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise typer.BadParameter(f"{path} must hold a JSON object")
    return data


# -- this node -----------------------------------------------------------------------------


@network_app.command("application")
def application(data_dir: DataDir = None) -> None:
    """Print this institution's application (DID, endpoint, keys, account, accreditation) as
    JSON, for a member to propose (or for genesis)."""
    with _runtime(data_dir) as runtime:
        _print(spec_json(_application(runtime)))


@network_app.command("deployment")
def deployment(data_dir: DataDir = None) -> None:
    """Print the network contracts this node uses (JSON), for others to `join`."""
    from node.ledger.network import stored_deployment

    with _runtime(data_dir) as runtime:
        found = stored_deployment(runtime.sessions)
        if found is None:
            raise NotInitialised("no network contracts recorded")
        _print(
            {
                "chainId": found.chain_id,
                "networkRegistry": found.network_registry,
                "anchorRegistry": found.anchor_registry,
                "statusRegistry": found.status_registry,
                "blockNumber": found.block_number,
            }
        )


@network_app.command("deploy")
def deploy(
    genesis: Annotated[
        list[Path] | None,
        typer.Option("--genesis", help="Another genesis member's application JSON (repeat)"),
    ] = None,
    voting_period: Annotated[int, typer.Option(help="Seconds a proposal stays open")] = 604800,
    data_dir: DataDir = None,
) -> None:
    """Deploy the network contracts with this institution and the --genesis members."""
    from anchoring.registries import deploy_network
    from node.ledger.connection import open_chain
    from node.ledger.network import store_deployment, stored_deployment

    with _runtime(data_dir) as runtime:
        others = [spec_from_json(_read_json(path)) for path in genesis or []]
        if stored_deployment(runtime.sessions) is not None:
            raise Conflict("this node already has network contracts recorded")
        account = runtime.anchoring_account()
        chain = open_chain(runtime.settings, account)
        try:
            found = deploy_network(
                chain, account, [_application(runtime), *others], voting_period=voting_period
            )
        finally:
            chain.close()
        store_deployment(runtime.sessions, found)
        console.print(f"deployed on chain {found.chain_id} with {1 + len(others)} members")
        _print(
            {
                "chainId": found.chain_id,
                "networkRegistry": found.network_registry,
                "anchorRegistry": found.anchor_registry,
                "statusRegistry": found.status_registry,
                "blockNumber": found.block_number,
            }
        )


@network_app.command("join")
def join(
    file: Annotated[
        Path, typer.Argument(help="The deployment JSON (`credreg network deployment`)")
    ],
    data_dir: DataDir = None,
) -> None:
    """Record an existing network's contracts (after checking them on the configured chain)."""
    from anchoring.registries import Deployment
    from node.ledger.connection import open_chain
    from node.ledger.network import store_deployment

    data = _read_json(file)
    with _runtime(data_dir) as runtime:
        found = Deployment(
            chain_id=int(data["chainId"]),
            network_registry=str(data["networkRegistry"]),
            anchor_registry=str(data["anchorRegistry"]),
            status_registry=str(data["statusRegistry"]),
            block_number=int(data.get("blockNumber", 0)),
        )
        chain = open_chain(runtime.settings, runtime.anchoring_account())
        try:
            if chain.chain_id() != found.chain_id:
                raise InvalidInput(
                    f"the configured chain is {chain.chain_id()}, not {found.chain_id}"
                )
            for address in (found.network_registry, found.anchor_registry, found.status_registry):
                if not chain.code(address):
                    raise InvalidInput(f"no contract at {address} on this chain")
        finally:
            chain.close()
        store_deployment(runtime.sessions, found)
        console.print(f"joined the network on chain {found.chain_id}")


# -- discovery and governance --------------------------------------------------------------


@network_app.command("members")
def members(data_dir: DataDir = None) -> None:
    """The network's members, from the chain."""
    from node.network.discovery import member_json

    with _runtime(data_dir) as runtime:
        _print([member_json(m) for m in runtime.members().members()])


def _outcome(run: Callable[[Any], Any], data_dir: Path | None) -> None:
    from node.network.governance import outcome_json

    with _runtime(data_dir) as runtime:
        _print(outcome_json(run(runtime.governance())))


@network_app.command("apply")
def apply(
    did: Annotated[str | None, typer.Option(help="The applicant's DID")] = None,
    endpoint: Annotated[str | None, typer.Option(help="Its node's URL")] = None,
    key: Annotated[list[str] | None, typer.Option(help="keyId=publicKeyMultibase (repeat)")] = None,
    account: Annotated[list[str] | None, typer.Option(help="Anchoring account (repeat)")] = None,
    qa_type: Annotated[str, typer.Option(help="Quality assurance type")] = "institutional",
    deqar_id: Annotated[str, typer.Option(help="DEQAR id")] = "",
    eqf: Annotated[list[int] | None, typer.Option(help="Allowed EQF level (repeat)")] = None,
    spec: Annotated[
        Path | None, typer.Option(help="Application JSON instead of the options")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Propose admitting an institution. Run by an active member (which votes for it), or by
    the applicant itself from the account named in its application (no vote)."""
    from node.network.governance import Applicant

    if spec is not None:
        data = _read_json(spec)
    else:
        if not (did and endpoint and key and account):
            raise typer.BadParameter("give --did, --endpoint, --key and --account, or --spec")
        keys = []
        for item in key:
            key_id, sep, multibase = item.partition("=")
            if not sep:
                raise typer.BadParameter(f"--key {item!r}: expected keyId=publicKeyMultibase")
            keys.append({"keyId": key_id, "publicKeyMultibase": multibase})
        data = {
            "did": did,
            "serviceEndpoint": endpoint,
            "keys": keys,
            "accounts": account,
            "qaType": qa_type,
            "deqarId": deqar_id,
            "eqfLevels": eqf or [5, 6, 7, 8],
        }
    applicant = Applicant(
        did=str(data["did"]),
        service_endpoint=str(data["serviceEndpoint"]),
        keys=[(str(k["keyId"]), str(k["publicKeyMultibase"])) for k in data["keys"]],
        accounts=[str(a) for a in data["accounts"]],
        qa_type=str(data.get("qaType", "institutional")),
        deqar_id=str(data.get("deqarId", "")),
        eqf_levels=frozenset(int(n) for n in data.get("eqfLevels", [5, 6, 7, 8])),
    )
    _outcome(lambda g: g.propose_admission(applicant), data_dir)


@network_app.command("propose")
def propose(
    action: Annotated[str, typer.Argument(help="suspend, reinstate or remove")],
    member: Annotated[str, typer.Argument(help="Member number or DID")],
    data_dir: DataDir = None,
) -> None:
    """Propose suspending, reinstating or removing a member."""
    if action not in ("suspend", "reinstate", "remove"):
        raise typer.BadParameter("action is suspend, reinstate or remove")
    _outcome(lambda g: g.propose_status(action, member), data_dir)


@network_app.command("vote")
def vote(
    proposal_id: Annotated[int, typer.Argument(help="Proposal id")],
    yes: Annotated[bool, typer.Option("--yes/--no", help="For or against")] = True,
    data_dir: DataDir = None,
) -> None:
    """Vote on a proposal; the deciding vote executes it."""
    _outcome(lambda g: g.vote(proposal_id, yes), data_dir)


@network_app.command("execute")
def execute(proposal_id: int, data_dir: DataDir = None) -> None:
    """Execute a proposal that has a majority today."""
    _outcome(lambda g: g.execute(proposal_id), data_dir)


@network_app.command("cancel")
def cancel(proposal_id: int, data_dir: DataDir = None) -> None:
    """Withdraw a proposal this node opened."""
    _outcome(lambda g: g.cancel(proposal_id), data_dir)


@network_app.command("proposals")
def proposals(
    open_only: Annotated[bool, typer.Option("--open", help="Only open ones")] = False,
    data_dir: DataDir = None,
) -> None:
    """Proposals, newest first."""
    from node.network.governance import proposal_json

    with _runtime(data_dir) as runtime:
        _print([proposal_json(p) for p in runtime.governance().proposals(open_only=open_only)])


# -- key rotation --------------------------------------------------------------------------


@network_app.command("rotate-key")
def rotate_key(data_dir: DataDir = None) -> None:
    """Create the next Ed25519 signing key and propose it on chain (switches at once when
    the proposal passes at once, e.g. as the sole active member)."""
    from node.network.governance import outcome_json

    with _runtime(data_dir) as runtime:
        result = runtime.key_rotation().prepare()
        _print(
            {
                "keyId": result.key_id,
                "publicKeyMultibase": result.public_key_multibase,
                "active": result.active,
                "outcome": None if result.outcome is None else outcome_json(result.outcome),
            }
        )


@network_app.command("activate-key")
def activate_key(key_id: str, data_dir: DataDir = None) -> None:
    """Sign with KEY_ID from now on (the chain must list it as valid)."""
    with _runtime(data_dir) as runtime:
        runtime.key_rotation().activate(key_id)
        console.print(f"signing with {key_id}")


@network_app.command("retire-key")
def retire_key(
    key_id: str,
    at: Annotated[
        int | None, typer.Option(help="Unix time from which it is invalid (default: now)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Retire one of this institution's keys on chain (no vote). Anchor first: credentials
    and status list versions it signed must be anchored before the retirement time."""
    from node.network.governance import outcome_json

    with _runtime(data_dir) as runtime:
        _print(outcome_json(runtime.key_rotation().retire(key_id, at)))


# -- joining from the embedded chain -------------------------------------------------------


@network_app.command("migrate")
def migrate(
    file: Annotated[Path, typer.Argument(help="The network's deployment JSON")],
    rpc_url: Annotated[str, typer.Option(help="The network chain's JSON-RPC URL")],
    poa: Annotated[bool, typer.Option(help="Besu QBFT / Clique (PoA extraData)")] = False,
    data_dir: DataDir = None,
) -> None:
    """Move this node from its embedded chain to a network chain it was admitted to: its
    Merkle roots are anchored again there. Stop `credreg serve` first; afterwards run the
    node with CREDREG_CHAIN=rpc and CREDREG_CHAIN_RPC_URL (and CREDREG_CHAIN_POA)."""
    from anchoring.registries import Deployment
    from anchoring.rpc import Web3ChainClient
    from node.network.migrate import migrate_to_network

    data = _read_json(file)
    found = Deployment(
        chain_id=int(data["chainId"]),
        network_registry=str(data["networkRegistry"]),
        anchor_registry=str(data["anchorRegistry"]),
        status_registry=str(data["statusRegistry"]),
        block_number=int(data.get("blockNumber", 0)),
    )
    with _runtime(data_dir) as runtime, Web3ChainClient(rpc_url, poa=poa) as chain:
        done = migrate_to_network(runtime, chain, found)
        console.print(
            f"member {done.member} on chain {done.chain_id}: {done.roots} roots anchored again, "
            f"{done.requeued} batches and {done.status_versions} status list versions left "
            "to the anchor worker"
        )
        console.print(f"now run with CREDREG_CHAIN=rpc CREDREG_CHAIN_RPC_URL={rpc_url}")
