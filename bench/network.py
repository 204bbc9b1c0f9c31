"""A network of institutions: registry sync time, and verifying a peer's credential offline.

    python bench/network.py [--members 100] [--genesis 17] [--batches 1000] [--senders 10]
                            [--anvil] [--credentials 50] [--warm 2000] [--seconds 1]
                            [--only sync|peer] [--json out.json]

1. **sync**: a chain holding the three contracts with ``--members`` members (DID, endpoint,
   an Ed25519 and a P-256 key, an anchoring account each): ``--genesis`` of them deployed as
   genesis members (``deploy_network``; the constructor's init code is capped at 48 KiB by
   EIP-3860, so a 100-member genesis does not fit), the others admitted one by one through
   ``NetworkRegistry`` governance (proposal + votes of a strict majority of the active
   members) — and ``--batches`` roots anchored with ``AnchorRegistry.anchorRoot`` from
   ``--senders`` member accounts. Then a *fresh* node (its own database, nothing cached)
   opens the chain and reads what it needs to verify any member's credential: discovery (the
   member list, node.network.discovery), every member's membership and keys through
   ``LedgerTrust`` (as the verifier asks), and every anchored root (``rootInfo``, as the
   anchor check asks). Printed: members/s, batches/s, wall time, peak and current RSS.
   Default chain: the embedded py-evm chain (in process); ``--anvil``: an anvil started by the
   script (automine), read over JSON-RPC.
2. **peer verification, issuer offline** (always on anvil: two nodes share the chain). Node A
   (served over HTTP by uvicorn in this process) issues ``--credentials`` eddsa-jcs-2022
   credentials and anchors them; node B (own data directory and SQLite database) takes the
   holders' anchor proofs and mirrors A's status lists (fetched from A once); A is stopped.
   B then verifies (``Verifier.verify``, in process, every check on): *cold* = the first
   verification by a freshly built verifier (no cached chain facts or lists), once per
   credential; *warm* = ``--warm`` verifications over the same credentials afterwards.
   p50/p99 of each, next to the raw Ed25519 and P-256 verify rates of this machine measured
   in the same run (one core, ``--seconds`` each; bench/issue.py's ``raw_rate``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import select

from anchoring.chain import ChainClient
from anchoring.embedded import EmbeddedChainClient
from anchoring.registries import (
    AnchorRegistry,
    Deployment,
    MemberSpec,
    NetworkRegistry,
    deploy_network,
)
from anchoring.rpc import Web3ChainClient
from bench.anchor import progress
from bench.issue import maxrss_mib, raw_rate
from node.app import create_app
from node.credentials.examples import example_claims
from node.db.models import CredentialFormat, Institution
from node.issuance.service import IssueRequest
from node.ledger.connection import EMBEDDED_CHAIN_ID, open_chain
from node.ledger.network import deploy_as_genesis, genesis_spec, store_deployment
from node.ledger.trust import LedgerTrust
from node.network.discovery import MemberDirectory
from node.network.proofs import SuppliedProofs
from node.runtime import NodeRuntime, build_runtime
from node.settings import Settings
from node.setup import create_institution
from vc.multikey import public_key_to_multibase

PASSPHRASE = "bench passphrase, not a secret"


def _rss_mib() -> float:
    """Current resident set size of this process (Linux /proc; peak elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return maxrss_mib(resource.RUSAGE_SELF)
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def make_node(data_dir: Path, origin: str, chain: dict[str, Any]) -> NodeRuntime:
    """A node with its institution and keys (SQLite in ``data_dir`` unless ``chain`` names
    a ``database_url``), not yet on a chain."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        **{
            "data_dir": data_dir,
            "database_url": f"sqlite:///{data_dir / 'node.db'}",
            "origin": origin,
            "key_passphrase": PASSPHRASE,
            "sign_workers": 1,
            "anchor_window_seconds": 3600.0,
            "public_rate_limit": 0,
            **chain,
        }
    )
    runtime = build_runtime(settings)
    create_institution(
        runtime.sessions,
        runtime.keystore,
        name=f"Bench {origin}",
        country="FI",
        legal_status="public-institution",
        origin=origin,
    )
    return runtime


def _own_spec(runtime: NodeRuntime) -> MemberSpec:
    with runtime.sessions() as session:
        institution = session.scalar(select(Institution))
    assert institution is not None
    return genesis_spec(
        runtime.identity(), institution, runtime.anchoring_account().address, frozenset({6, 7})
    )


def _member(n: int) -> tuple[MemberSpec, LocalAccount]:
    account: LocalAccount = Account.create()
    ed = ed25519.Ed25519PrivateKey.generate().public_key()
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    spec = MemberSpec(
        did=f"did:web:uni-{n}.bench.example",
        service_endpoint=f"https://uni-{n}.bench.example",
        qa_type="institutional",
        deqar_id=f"DEQARINST{n:04d}",
        eqf_levels=frozenset({6, 7}),
        keys=[
            ("ed25519-1", public_key_to_multibase(ed), 0, 0),
            ("p256-1", public_key_to_multibase(p256), 0, 0),
        ],
        accounts=[account.address],
    )
    return spec, account


# -- 1. sync -----------------------------------------------------------------------------------


def populate(
    chain: ChainClient,
    own: MemberSpec,
    deployer: LocalAccount,
    others: list[tuple[MemberSpec, LocalAccount]],
    args: argparse.Namespace,
) -> tuple[Deployment, list[bytes]]:
    """Deploy with ``--genesis`` members, admit the others by vote, anchor ``--batches``."""
    founders, applicants = others[: args.genesis - 1], others[args.genesis - 1 :]
    progress(f"  deploying the contracts with {len(founders) + 1} genesis members")
    deployment = deploy_network(chain, deployer, [own, *(spec for spec, _ in founders)])
    network = NetworkRegistry(chain, deployment.network_registry)
    voters = [deployer, *(account for _, account in founders)]
    progress(f"  admitting {len(applicants)} members by vote (strict majority each)")
    for n, (spec, account) in enumerate(applicants, 1):
        # Member 1 proposes (and votes for) the applicant; the next members vote until a
        # strict majority of the active members is reached, which admits it.
        receipt = chain.wait_for_receipt(network.propose_admission(deployer, spec))
        proposal = network.proposal_id_of(receipt)
        needed = len(voters) // 2  # votes beside the proposer's: > half of the active
        for voter in voters[1 : 1 + needed]:
            # One at a time: the deciding vote's gas estimate must see the earlier votes.
            chain.wait_for_receipt(network.vote(voter, proposal, True))
        voters.append(account)
        if n % 10 == 0:
            progress(f"    {n}/{len(applicants)} admitted")
    assert network.active_count() == len(others) + 1
    senders = voters[: args.senders]
    registry = AnchorRegistry(chain, deployment.anchor_registry)
    progress(f"  anchoring {args.batches} roots from {len(senders)} member accounts")
    roots, last = [], b""
    for n in range(args.batches):
        roots.append(secrets.token_bytes(32))
        last = registry.anchor_root(senders[n % len(senders)], roots[-1], 1000)
    chain.wait_for_receipt(last, timeout=120)
    return deployment, roots


def sync(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from tests import anvil
    from tests.integration.test_anchoring_faults import start_anvil

    process, url = (None, None)
    if args.anvil:
        process, url = start_anvil()
    try:
        chain_settings: dict[str, Any] = {"chain": "rpc", "chain_rpc_url": url} if url else {}
        node = make_node(root / "sync", "https://uni-1.bench.example", chain_settings)
        deployer = node.anchoring_account()
        own = _own_spec(node)
        others = [_member(n) for n in range(2, args.members + 1)]
        chain: ChainClient
        if url:
            chain = Web3ChainClient(url)
        else:  # the node's own embedded chain (closed again before the node opens it)
            funded = [deployer, *(account for _, account in others)]
            chain = EmbeddedChainClient(
                node.settings.chain_dir,
                chain_id=EMBEDDED_CHAIN_ID,
                funded={account.address: 10**27 for account in funded},
                synchronous="OFF",  # set-up only: the node reopens it with FULL
            )
        try:
            setup = time.perf_counter()
            deployment, roots = populate(chain, own, deployer, others, args)
            setup = time.perf_counter() - setup
        finally:
            chain.close()
        store_deployment(node.sessions, deployment)
        progress("  timing a fresh node's sync")
        try:
            figures = _timed_sync(node, roots, [spec for spec, _ in others] + [own])
        finally:
            node.close()
        figures.update(chain="anvil" if url else "embedded", setup_s=setup)
        return figures
    finally:
        if process is not None:
            anvil.stop(process)


def _timed_sync(node: NodeRuntime, roots: list[bytes], members: list[MemberSpec]) -> dict[str, Any]:
    """Everything a fresh node reads before it can verify any member's credential."""
    rss_before = _rss_mib()
    started = time.perf_counter()
    ledger = node.ledger()  # opens the chain and the recorded contracts
    opened = time.perf_counter()
    listed = MemberDirectory(ledger).members()
    assert len(listed) == len(members), (len(listed), len(members))
    discovered = time.perf_counter()
    trust = LedgerTrust(node.sessions, ledger, node.settings.origin)
    for spec in members:
        ok, detail = trust.membership(spec.did, None)
        assert ok, detail
        for key_id, *_ in spec.keys:
            trust.key(f"{spec.did}#{key_id}", None)
    trusted = time.perf_counter()
    for root in roots:
        assert trust.root_info(root) is not None
    done = time.perf_counter()
    discovery_s = discovered - opened
    trust_s = trusted - discovered
    roots_s = done - trusted
    return {
        "members": len(members),
        "batches": len(roots),
        "open_s": opened - started,
        "discovery_s": discovery_s,
        "trust_s": trust_s,
        "roots_s": roots_s,
        "wall_s": done - started,
        "members_per_s": len(members) / (discovery_s + trust_s),
        "batches_per_s": len(roots) / roots_s,
        "rss_mib": _rss_mib(),
        "rss_growth_mib": _rss_mib() - rss_before,
        "peak_rss_mib": maxrss_mib(resource.RUSAGE_SELF),
    }


# -- 2. peer verification with the issuer offline --------------------------------------------


@contextmanager
def serving(settings: Settings) -> Iterator[None]:
    """The node's app over HTTP at its origin's port (uvicorn in a thread) until exit."""
    port = int(settings.origin.rsplit(":", 1)[1])
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the node's HTTP server did not start")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(30)


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)],
        "max_ms": ordered[-1],
    }


def _issue_and_anchor(node: NodeRuntime, n: int) -> list[tuple[str, dict[str, Any]]]:
    requests = [IssueRequest(example_claims(i)) for i in range(n)]
    outcomes = node.issuance().issue_batch(requests, [CredentialFormat.LDP_JCS], None)
    issued = [(o.record_id, json.loads(o.copies[0].content)) for o in outcomes if o.record_id]
    node.status().publish_changed()  # as tests/integration/test_governance.py's _anchor
    assert node.anchor_worker().run_once(force=True) == n
    node.status_anchorer().run_once()
    return issued


def peer_verification(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from tests import anvil
    from tests.integration.test_anchoring_faults import start_anvil

    process, url = start_anvil()
    try:
        rpc = {"chain": "rpc", "chain_rpc_url": url}
        a = make_node(root / "a", f"http://127.0.0.1:{anvil.free_port()}", rpc)
        b = make_node(root / "b", "https://uni-b.bench.example", rpc)
        chain = open_chain(a.settings, a.anchoring_account())
        try:
            deployment = deploy_as_genesis(
                a.sessions, chain, a.identity(), a.anchoring_account(), frozenset({6, 7})
            )
        finally:
            chain.close()
        store_deployment(b.sessions, deployment)
        progress(f"  A issues and anchors {args.credentials} eddsa-jcs-2022 credentials")
        issued = _issue_and_anchor(a, args.credentials)
        a.close()

        progress("  A serves: B takes the holders' anchor proofs and mirrors A's lists")
        proofs = SuppliedProofs(b.settings.data_dir)
        with serving(a.settings):
            for record_id, credential in issued:
                document = httpx.get(f"{a.settings.origin}/credentials/{record_id}/anchor").json()
                assert all(r.ok for r in proofs.accept(b.ledger(), document))
                report = b.verifier().verify(credential)  # fetches A's lists once
                assert report.verified, report.as_dict()
        try:
            httpx.get(f"{a.settings.origin}/.well-known/did.json", timeout=2)
            raise RuntimeError("A still answers")
        except httpx.HTTPError:
            pass  # A is offline from here on
        progress("  A is stopped: B verifies cold and warm")
        cold = []
        for _, credential in issued:
            b.reload_identity()  # a new verifier: no chain facts, keys or lists cached
            verifier = b.verifier()
            t0 = time.perf_counter()
            report = verifier.verify(credential)
            cold.append((time.perf_counter() - t0) * 1000)
            _check(report)
        verifier = b.verifier()
        warm = []
        for n in range(args.warm):
            credential = issued[n % len(issued)][1]
            t0 = time.perf_counter()
            report = verifier.verify(credential)
            warm.append((time.perf_counter() - t0) * 1000)
        _check(report)
        b.close()
    finally:
        anvil.stop(process)
    progress(f"  raw verify rates, {args.seconds:.0f} s each")
    return {
        "cold": _percentiles(cold),
        "warm": _percentiles(warm),
        "warm_per_s": 1000 / statistics.mean(warm),
        "raw_ed25519_verify_per_s": raw_rate("Ed25519", "verify", args.seconds),
        "raw_p256_verify_per_s": raw_rate("P-256", "verify", args.seconds),
    }


def _check(report: Any) -> None:
    """Every check passed: key, membership and anchor from the chain, status mirrored."""
    checks = {c.name: c for c in report.checks}
    failed = {n: c.detail for n, c in checks.items() if c.ok is not True and n != "holder_binding"}
    if not report.verified or failed:
        raise RuntimeError(f"the peer's credential did not verify: {failed}")


# -- run ---------------------------------------------------------------------------------------


def render(results: dict[str, Any]) -> str:
    lines = []
    s = results.get("sync")
    if s:
        lines += [
            f"sync ({s['chain']}): {s['members']} members, {s['batches']:,} anchored batches "
            f"(set-up {s['setup_s']:.1f} s, not timed)",
            "",
            "| open | discovery | members' keys + membership | roots | wall | members/s | "
            "batches/s | RSS now / peak (growth) |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {s['open_s']:.2f} s | {s['discovery_s']:.2f} s | {s['trust_s']:.2f} s | "
            f"{s['roots_s']:.2f} s | {s['wall_s']:.2f} s | {s['members_per_s']:,.0f}/s | "
            f"{s['batches_per_s']:,.0f}/s | {s['rss_mib']:.0f} / {s['peak_rss_mib']:.0f} MiB "
            f"(+{s['rss_growth_mib']:.0f}) |",
        ]
    v = results.get("peer")
    if v:
        lines += [
            "",
            f"peer credential (eddsa-jcs-2022), issuer offline, in process: "
            f"{v['cold']['n']} cold, {v['warm']['n']:,} warm",
            "",
            "| | p50 | p99 | max |",
            "|---|---:|---:|---:|",
        ]
        for kind in ("cold", "warm"):
            f = v[kind]
            lines.append(
                f"| {kind} | {f['p50_ms']:.2f} ms | {f['p99_ms']:.2f} ms | {f['max_ms']:.2f} ms |"
            )
        lines += [
            "",
            f"warm: {v['warm_per_s']:,.0f} verifications/s on one core; raw verify (same run, "
            f"one core): Ed25519 {v['raw_ed25519_verify_per_s']:,.0f}/s, "
            f"P-256 {v['raw_p256_verify_per_s']:,.0f}/s",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--genesis", type=int, default=17, help="members deployed at genesis")
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--anvil", action="store_true", help="sync figure on anvil")
    parser.add_argument("--credentials", type=int, default=50)
    parser.add_argument("--warm", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--only", choices=("sync", "peer"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="credreg-bench-network-") as tmp:
        if args.only in (None, "sync"):
            progress("sync")
            results["sync"] = sync(args, Path(tmp))
        if args.only in (None, "peer"):
            progress("peer verification, issuer offline")
            results["peer"] = peer_verification(args, Path(tmp))
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), "utf-8")
    return results


if __name__ == "__main__":
    main()
