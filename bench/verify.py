"""Verifications per second through ``POST /api/verify`` over HTTP, and latency at a fixed load.

    python bench/verify.py [--workers 2] [--credentials 500] [--clients 16] [--seconds 10]
                           [--rate 500] [--json out.json]

For each ``--workers`` value a fresh node is prepared (SQLite; the embedded chain for one
worker — how plain ``credreg serve`` runs —, anvil for more, since the embedded chain has one
owner): ``--credentials`` micro-credentials issued in eddsa-jcs-2022 and jwt_vc_json, their
batch anchored, the status lists' first versions published and anchored. Then ``credreg
serve --workers N`` runs as a real process under the benchmark's limit profile
(``CREDREG_PUBLIC_RATE_LIMIT=0``: no per-client limit) and every credential is verified
once (warm caches; each must come back ``verified: true`` with every check on). Figures:

1. **raw verify**: ``cryptography`` Ed25519 and P-256 ECDSA/SHA-256 verifications per second
   on one core, measured in this run before the node starts (the reference);
2. **max throughput** (closed loop): ``--clients`` keep-alive connections, each sending the
   next request as soon as the previous answer is in, for ``--seconds`` per format;
3. **latency at a fixed offered load** (open loop): requests sent on a schedule at ``--rate``
   per second for ``--seconds`` whatever the answers do, each latency measured from its
   scheduled time (so queueing counts); p50 / p99 / max.

The load generator is this one process (asyncio, a minimal HTTP/1.1 client, no parsing
beyond the status line and Content-Length) and shares the machine's cores with the node.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from issue import raw_rate, raw_rate_parallel  # noqa: E402  (bench/issue.py)

PASSPHRASE = "bench passphrase, not a secret"
FORMATS = {"eddsa-jcs-2022": "ldp_vc+eddsa-jcs-2022", "jwt_vc_json": "jwt_vc_json"}
TARGET_RATE = 1000.0  # verifications/s on 2 cores
TARGET_P99_MS = 50.0  # at 500 requests/s


def progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


# --- the node --------------------------------------------------------------------------------


def _free_port() -> int:
    from tests.anvil import free_port

    return free_port()


@dataclass
class Prepared:
    env: dict[str, str]
    credentials: dict[str, list[Any]]  # format name → credentials


def prepare(
    tmp: Path,
    workers: int,
    count: int,
    anvil_url: str | None,
    formats: dict[str, str] = FORMATS,
) -> Prepared:
    """A node's data directory with ``count`` anchored credentials per format (``formats``:
    name → CredentialFormat value)."""
    from node.credentials.examples import example_claims
    from node.credentials.profile import requirement_profile
    from node.db.models import CredentialFormat
    from node.issuance.service import IssueRequest
    from node.runtime import build_runtime
    from node.settings import Settings
    from node.setup import create_institution

    port = _free_port()
    env = {
        "CREDREG_DATA_DIR": str(tmp / "data"),
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_PORT": str(port),
        "CREDREG_ORIGIN": f"http://127.0.0.1:{port}",
        "CREDREG_PUBLIC_RATE_LIMIT": "0",  # the benchmark's limit profile: no per-client limit
        "CREDREG_CHAIN": "rpc" if anvil_url else "embedded",
        "CREDREG_WORKERS": str(workers),
    }
    if anvil_url:
        env["CREDREG_CHAIN_RPC_URL"] = anvil_url
    settings = Settings(
        data_dir=tmp / "data",
        origin=env["CREDREG_ORIGIN"],
        key_passphrase=PASSPHRASE,
        chain="rpc" if anvil_url else "embedded",
        chain_rpc_url=anvil_url,
        sign_workers=1,
    )
    runtime = build_runtime(settings)
    try:
        create_institution(
            runtime.sessions,
            runtime.keystore,
            name="Bench U",
            country="FI",
            legal_status="public-institution",
            origin=settings.origin,
        )
        if anvil_url:
            from node.ledger.connection import open_chain
            from node.ledger.network import deploy_as_genesis

            chain = open_chain(settings, runtime.anchoring_account())
            try:
                deploy_as_genesis(
                    runtime.sessions,
                    chain,
                    runtime.identity(),
                    runtime.anchoring_account(),
                    requirement_profile(settings.profile).allowed_eqf_levels,
                )
            finally:
                chain.close()
        requests = [IssueRequest(example_claims(i)) for i in range(count)]
        wanted = [CredentialFormat(f) for f in formats.values()]
        outcomes = list(runtime.issuance().issue_batch(requests, wanted, None))
        runtime.anchor_worker().run_once(force=True)
        runtime.ledger_rounds().run_once()  # publish and anchor the status lists
        credentials: dict[str, list[Any]] = {name: [] for name in formats}
        for outcome in outcomes:
            for copy in outcome.copies:
                name = next(n for n, f in formats.items() if f == copy.format)
                content = copy.content
                compact = f"{copy.format}".startswith(("jwt", "dc+"))
                credentials[name].append(content if compact else json.loads(content))
    finally:
        runtime.close()
    return Prepared(env, credentials)


@contextmanager
def running_node(prepared: Prepared, log: Path) -> Iterator[str]:
    env = {**os.environ, **prepared.env}
    url = env["CREDREG_ORIGIN"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "node", "serve"], env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the node exited:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the node did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- a minimal HTTP/1.1 client ---------------------------------------------------------------


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.lower().split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def encode_requests(port: int, credentials: list[Any]) -> list[bytes]:
    out = []
    for credential in credentials:
        body = json.dumps({"credential": credential}).encode()
        out.append(
            b"POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (port, len(body), body)
        )
    return out


def _check(status: int, body: bytes) -> None:
    if status != 200 or b'"verified":true' not in body:
        raise RuntimeError(f"verification did not pass: {status} {body[:300]!r}")


async def warm_up(port: int, requests: list[bytes], connections: int = 8) -> dict[str, Any]:
    """Every credential once per connection, ``connections`` at a time: with several server
    processes each one gets requests (and warms its caches) before anything is measured."""

    async def one() -> dict[str, Any]:
        connection = await Connection.open(port)
        try:
            report: dict[str, Any] = {}
            for request in requests:
                status, body = await connection.send(request)
                _check(status, body)
                report = json.loads(body)
            return report
        finally:
            connection.close()

    reports = await asyncio.gather(*(one() for _ in range(connections)))
    return reports[0]


async def closed_loop(port: int, requests: list[bytes], clients: int, seconds: float) -> float:
    """Completed verifications per second with ``clients`` requests always in flight."""
    done = 0
    stop = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        nonlocal done
        connection = await Connection.open(port)
        i = offset
        try:
            while time.perf_counter() < stop:
                status, body = await connection.send(requests[i % len(requests)])
                _check(status, body)
                done += 1
                i += clients
        finally:
            connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    return done / (time.perf_counter() - started)


async def open_loop(port: int, requests: list[bytes], rate: float, seconds: float) -> list[float]:
    """Latencies (ms, from each request's scheduled time) at ``rate`` requests per second."""
    idle: list[Connection] = []
    latencies: list[float] = []
    loop = asyncio.get_running_loop()

    async def one(request: bytes, scheduled: float) -> None:
        connection = idle.pop() if idle else await Connection.open(port)
        try:
            status, body = await connection.send(request)
        except (asyncio.IncompleteReadError, ConnectionError):
            # the server closed this idle keep-alive connection: a new one, as browsers do
            connection.close()
            connection = await Connection.open(port)
            status, body = await connection.send(request)
        latencies.append((loop.time() - scheduled) * 1000)
        idle.append(connection)
        _check(status, body)

    for _ in range(8):
        idle.append(await Connection.open(port))
    tasks = []
    total = int(rate * seconds)
    start = loop.time() + 0.05
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], scheduled)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()
    return sorted(latencies)


def percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))]


# --- the run ---------------------------------------------------------------------------------


def bench_workers(workers: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    anvil = None
    anvil_url = None
    if workers > 1:
        from tests.anvil import anvil_binary, start

        anvil, anvil_url, _ = start(anvil_binary())
    try:
        progress(f"[{workers} worker(s)] issuing and anchoring {args.credentials} per format …")
        prepared = prepare(tmp, workers, args.credentials, anvil_url)
        port = int(prepared.env["CREDREG_PORT"])
        requests = {n: encode_requests(port, c) for n, c in prepared.credentials.items()}
        figures: dict[str, Any] = {"workers": workers, "chain": prepared.env["CREDREG_CHAIN"]}
        with running_node(prepared, tmp / "serve.log"):
            for name, batch in requests.items():
                report = asyncio.run(warm_up(port, batch))
                checks = {c["name"]: c["ok"] for c in report["checks"]}
                progress(f"  {name}: warm, checks {checks}")
                assert all(checks[c] is True for c in checks if c != "holder_binding"), checks
            for name, batch in requests.items():
                rate = asyncio.run(closed_loop(port, batch, args.clients, args.seconds))
                progress(f"  {name}: closed loop, {args.clients} clients: {rate:,.0f}/s")
                latencies = asyncio.run(open_loop(port, batch, args.rate, args.seconds))
                entry = {
                    "max_per_second": rate,
                    "p50_ms": statistics.median(latencies),
                    "p99_ms": percentile(latencies, 0.99),
                    "max_ms": latencies[-1],
                    "requests_open_loop": len(latencies),
                }
                progress(
                    f"  {name}: open loop at {args.rate:.0f}/s: p50 {entry['p50_ms']:.1f} ms, "
                    f"p99 {entry['p99_ms']:.1f} ms, max {entry['max_ms']:.1f} ms"
                )
                figures[name] = entry
        return figures
    finally:
        if anvil is not None:
            from tests.anvil import stop

            stop(anvil)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="2", help="comma-separated, e.g. 1,2")
    parser.add_argument("--credentials", type=int, default=500)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    progress("raw verify rates …")
    raw = {
        "Ed25519": raw_rate("Ed25519", "verify", 2.0),
        "P-256": raw_rate("P-256", "verify", 2.0),
        "Ed25519_2proc": raw_rate_parallel("Ed25519", "verify", 2.0, 2),
        "P-256_2proc": raw_rate_parallel("P-256", "verify", 2.0, 2),
    }
    results = []
    for workers in (int(w) for w in args.workers.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(bench_workers(workers, args, Path(tmp)))
    figures = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "raw_verify_per_second": raw,
        "runs": results,
    }
    print(render(figures, args))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


def render(figures: dict[str, Any], args: argparse.Namespace) -> str:
    raw = figures["raw_verify_per_second"]
    lines = [
        f"raw verify, 1 core: Ed25519 {raw['Ed25519']:,.0f}/s, P-256 {raw['P-256']:,.0f}/s; "
        f"2 processes: Ed25519 {raw['Ed25519_2proc']:,.0f}/s, P-256 {raw['P-256_2proc']:,.0f}/s",
        "",
        f"| workers (chain) | format | max /s ({args.clients} clients) | of target | "
        f"p50 @ {args.rate:.0f}/s | p99 | max | p99 target |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in figures["runs"]:
        for name in FORMATS:
            f = run[name]
            met = "met" if f["p99_ms"] <= TARGET_P99_MS else "miss"
            lines.append(
                f"| {run['workers']} ({run['chain']}) | {name} | {f['max_per_second']:,.0f} | "
                f"{f['max_per_second'] / TARGET_RATE:.2f}× | {f['p50_ms']:.1f} ms | "
                f"{f['p99_ms']:.1f} ms | {f['max_ms']:.1f} ms | ≤ {TARGET_P99_MS:.0f} ms: {met} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
