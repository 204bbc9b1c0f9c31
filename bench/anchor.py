"""Sustained anchoring: credentials anchored per second, gas per credential, issue → anchor time.

    python bench/anchor.py [--leaves 100000] [--block-time 2] [--batch 100000] [--window 5]
                           [--rate 3339] [--seconds 10] [--chains anvil,embedded] [--json out.json]

For each chain — anvil started with ``--block-time`` (a real block interval: the worker waits
for the next block), and the node's embedded py-evm chain — a fresh node on SQLite (institution,
keys, contracts deployed as genesis member) and the real :class:`AnchorWorker`:

1. **throughput**: ``--leaves`` pending leaves (credential records + signed copies with random
   digests, inserted directly with SQLAlchemy so the figure is about anchoring, not signing)
   are anchored back to back in batches of ``--batch`` (``run_once(force=True)`` until none is
   left): credentials anchored per second = leaves / wall time from the first build to the last
   confirmation, each batch's time split into *build* (select, Merkle tree, claim the copies,
   commit) and *send → confirmed* (gas estimate, send, wait for the block, all proofs written);
2. **gas per credential**: ``gasUsed`` of each ``anchorRoot`` transaction / its leaf count;
3. **issue → confirmed anchor**: leaves arrive at ``--rate`` per second (default: the best
   bulk-issuance rate in bench/README.md, jwt_vc_json on SQLite) for ``--seconds`` while the
   worker runs in the node's ``AnchorService`` with a batch window of ``--window`` seconds;
   for every leaf, the time from its insertion to its batch's ``confirmed_at``. Target ≤
   window + 2 blocks.

Merkle tree + proof generation alone is bench/merkle.py. Ratios printed: anchoring rate / bulk
issuance rate (anchoring must never be the bottleneck), EBSI's ≈189k gas per anchored hash /
our gas per credential.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from node.credentials.profile import requirement_profile
from node.db.models import AnchorBatch, BatchState, CredentialRecord, SignedCopy
from node.ledger.connection import open_chain
from node.ledger.network import deploy_as_genesis
from node.ledger.service import AnchorService
from node.ledger.worker import AnchorWorker, WorkerSettings
from node.runtime import NodeRuntime, build_runtime
from node.settings import Settings
from node.setup import create_institution

# Best bulk issuance figure in bench/README.md (jwt_vc_json, SQLite, 2 cores): the rate the
# anchoring has to keep up with. And EBSI's timestamping: ≈189k gas for one hash.
ISSUANCE_RATE = 3339.0
EBSI_GAS_PER_HASH = 189_000
TARGET_GAS_PER_CREDENTIAL = 1.0
_CHUNK = 10_000


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- a node ------------------------------------------------------------------------------------


def make_runtime(data_dir: Path, chain: str, url: str | None) -> NodeRuntime:
    data_dir.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {"chain": "rpc", "chain_rpc_url": url} if chain == "anvil" else {}
    settings = Settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{data_dir / 'node.db'}",
        origin="https://uni-a.example",
        key_passphrase="bench passphrase",
        sign_workers=1,
        **extra,
    )
    runtime = build_runtime(settings)
    create_institution(
        runtime.sessions,
        runtime.keystore,
        name="Universidad Ejemplo",
        country="ES",
        legal_status="public-institution",
        origin=settings.origin,
    )
    if chain == "anvil":
        account = runtime.anchoring_account()
        client = open_chain(settings, account)
        try:
            deploy_as_genesis(
                runtime.sessions,
                client,
                runtime.identity(),
                account,
                requirement_profile(settings.profile).allowed_eqf_levels,
            )
        finally:
            client.close()
    runtime.ledger()  # embedded: deploys the contracts now, not inside the timed part
    return runtime


def insert_pending(runtime: NodeRuntime, count: int) -> None:
    """``count`` issued records, each with one signed copy pending anchoring (random digest)."""
    with runtime.sessions() as session, session.begin():
        for start in range(0, count, _CHUNK):
            now = datetime.now(UTC)
            ids = [str(uuid.uuid4()) for _ in range(min(_CHUNK, count - start))]
            session.execute(
                insert(CredentialRecord),
                [
                    {"id": i, "state": "issued", "claims": {}, "created_at": now, "issued_at": now}
                    for i in ids
                ],
            )
            session.execute(
                insert(SignedCopy),
                [
                    {
                        "record_id": i,
                        "format": "jwt_vc_json",
                        "content": "",
                        "leaf_digest": secrets.token_hex(32),
                        "created_at": now,
                    }
                    for i in ids
                ],
            )


def worker_for(runtime: NodeRuntime, settings: WorkerSettings) -> AnchorWorker:
    ledger = runtime.ledger()
    return AnchorWorker(runtime.sessions, ledger.chain, ledger.anchors, ledger.account, settings)


def unconfirmed(runtime: NodeRuntime) -> int:
    with runtime.sessions() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(SignedCopy)
                .outerjoin(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id)
                .where(AnchorBatch.id.is_(None) | (AnchorBatch.state != BatchState.CONFIRMED.value))
            )
            or 0
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- 1 + 2: throughput and gas ----------------------------------------------------------------


def throughput(runtime: NodeRuntime, leaves: int, batch: int) -> dict[str, Any]:
    progress(f"  inserting {leaves:,} pending leaves")
    insert_pending(runtime, leaves)
    worker = worker_for(runtime, WorkerSettings(max_batch=batch, receipt_timeout=120))
    progress(f"  anchoring in batches of {batch:,}")
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    confirmed = 0
    while confirmed < leaves:
        done = worker.run_once(force=True)
        if not done:
            raise RuntimeError("a round confirmed nothing: is the chain mining?")
        confirmed += done
    elapsed = time.perf_counter() - t0
    ledger = runtime.ledger()
    rows = []
    with runtime.sessions() as session:
        batches = list(session.scalars(select(AnchorBatch).order_by(AnchorBatch.id)))
    previous = started
    for b in batches:
        assert b.tx_hash is not None and b.submitted_at and b.confirmed_at
        receipt = ledger.chain.receipt(bytes.fromhex(b.tx_hash.removeprefix("0x")))
        assert receipt is not None
        submitted, done_at = _aware(b.submitted_at), _aware(b.confirmed_at)
        rows.append(
            {
                "leaves": b.leaf_count,
                "gas_used": receipt.gas_used,
                "gas_per_credential": receipt.gas_used / b.leaf_count,
                "build_s": (submitted - previous).total_seconds(),
                "send_to_confirmed_s": (done_at - submitted).total_seconds(),
            }
        )
        previous = done_at
    full = [r for r in rows if r["leaves"] == batch] or rows
    return {
        "leaves": leaves,
        "batch": batch,
        "seconds": elapsed,
        "credentials_per_s": leaves / elapsed,
        "batches": rows,
        "gas_per_credential": statistics.mean(r["gas_per_credential"] for r in full),
        "gas_per_batch": statistics.mean(r["gas_used"] for r in full),
    }


# -- 3: issue → confirmed anchor --------------------------------------------------------------


def latency(
    runtime: NodeRuntime, rate: float, seconds: float, window: float, batch: int
) -> dict[str, Any]:
    worker = worker_for(
        runtime,
        WorkerSettings(max_batch=batch, window=timedelta(seconds=window), receipt_timeout=120),
    )
    with runtime.sessions() as session:
        first_new = int(session.scalar(select(func.max(SignedCopy.id))) or 0)
    service = AnchorService(lambda: worker, poll=0.1)
    service.start()
    progress(f"  {rate:,.0f} leaves/s for {seconds:.0f} s, window {window:.0f} s")
    try:
        t0 = time.monotonic()
        inserted = 0
        while (now := time.monotonic() - t0) < seconds:
            due = int(rate * now) - inserted
            if due > 0:
                insert_pending(runtime, due)
                inserted += due
            time.sleep(0.1)
        deadline = time.monotonic() + window + 120
        while unconfirmed(runtime) and time.monotonic() < deadline:
            time.sleep(0.1)
        if unconfirmed(runtime):
            raise RuntimeError("leaves left unconfirmed")
    finally:
        service.stop(timeout=300)
    with runtime.sessions() as session:
        rows = session.execute(
            select(SignedCopy.created_at, AnchorBatch.confirmed_at)
            .join(AnchorBatch, SignedCopy.batch_id == AnchorBatch.id)
            .where(SignedCopy.id > first_new)
        ).all()
    waits = sorted(
        (_aware(done) - _aware(made)).total_seconds() for made, done in rows if done is not None
    )
    return {
        "leaves": len(waits),
        "rate": rate,
        "window_s": window,
        "p50_s": statistics.median(waits),
        "p95_s": waits[int(0.95 * (len(waits) - 1))],
        "max_s": waits[-1],
    }


# -- run ---------------------------------------------------------------------------------------


def run_chain(chain: str, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from tests import anvil
    from tests.integration.test_anchoring_faults import start_anvil

    process = None
    url = None
    if chain == "anvil":
        process, url = start_anvil("--block-time", str(args.block_time))
    try:
        progress(f"{chain}: throughput")
        runtime = make_runtime(root / f"{chain}-throughput", chain, url)
        try:
            figures: dict[str, Any] = {"throughput": throughput(runtime, args.leaves, args.batch)}
        finally:
            runtime.close()
        progress(f"{chain}: issue → confirmed anchor")
        runtime = make_runtime(root / f"{chain}-latency", chain, url)
        try:
            figures["latency"] = latency(runtime, args.rate, args.seconds, args.window, args.batch)
        finally:
            runtime.close()
    finally:
        if process is not None:
            anvil.stop(process)
    block_time = args.block_time if chain == "anvil" else 0.0
    figures["block_time_s"] = block_time
    figures["latency"]["target_s"] = args.window + 2 * block_time
    return figures


def render(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        f"anchoring: {args.leaves:,} leaves in batches of {args.batch:,}; latency at "
        f"{args.rate:,.0f} leaves/s for {args.seconds:.0f} s, window {args.window:.0f} s",
        "",
        "| chain | anchored/s | of issuance rate | gas/credential | EBSI gas / ours | "
        "build / batch | send→confirmed / batch |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for chain, fig in results.items():
        t = fig["throughput"]
        full = [r for r in t["batches"] if r["leaves"] == t["batch"]] or t["batches"]
        lines.append(
            f"| {chain} | {t['credentials_per_s']:,.0f}/s | "
            f"{t['credentials_per_s'] / ISSUANCE_RATE:.1f}× | {t['gas_per_credential']:.3f} "
            f"({t['gas_per_batch']:,.0f}/tx) | "
            f"{EBSI_GAS_PER_HASH / t['gas_per_credential']:,.0f}× | "
            f"{statistics.mean(r['build_s'] for r in full):.2f} s | "
            f"{statistics.mean(r['send_to_confirmed_s'] for r in full):.2f} s |"
        )
    lines += [
        "",
        "| chain | issue→confirmed p50 | p95 | max | target (window + 2 blocks) |",
        "|---|---:|---:|---:|---:|",
    ]
    for chain, fig in results.items():
        lat = fig["latency"]
        verdict = "met" if lat["max_s"] <= lat["target_s"] else "miss"
        lines.append(
            f"| {chain} | {lat['p50_s']:.2f} s | {lat['p95_s']:.2f} s | {lat['max_s']:.2f} s | "
            f"{lat['target_s']:.1f} s — {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leaves", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--block-time", type=float, default=2.0)
    parser.add_argument("--window", type=float, default=5.0)
    parser.add_argument("--rate", type=float, default=ISSUANCE_RATE)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--chains", default="anvil,embedded")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="credreg-bench-anchor-") as tmp:
        for chain in args.chains.split(","):
            results[chain] = run_chain(chain, args, Path(tmp))
    print(render(results, args))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), "utf-8")
    return results


if __name__ == "__main__":
    main()
