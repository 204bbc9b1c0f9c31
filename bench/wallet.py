"""Complete pre-authorized OpenID4VCI flows per second against a running node.

    python bench/wallet.py [--flows 2000] [--concurrency 16] [--config MicroCredential_jwt_vc_json]

A fresh node runs as a real process (`credreg serve`: SQLite, embedded chain, background
anchoring), the institution issues ``--flows`` credential records in one batch and creates an
offer with a PIN for each (timed separately: that is the institution's side). Then
``--concurrency`` wallets run the learner's side of each flow over HTTP, as a wallet does
(the load generator is aiohttp: httpx's async client took more CPU than the node itself):

1. ``metadata``  — GET the credential issuer and authorization server metadata;
2. ``token``     — POST /token with the pre-authorized code and the tx_code;
3. ``nonce``     — POST /nonce;
4. ``proof``     — sign the key proof JWT (the wallet's own CPU, on the same machine);
5. ``credential``— POST /credential, answered with the holder-bound signed credential.

Printed: complete flows/s (target ≥ 200/s for jwt_vc_json), the p50/p99 latency of each step
and of the whole flow, the server's RSS, and offers/s for the institution's side. The load
generator shares the machine's cores with the node: both are counted in the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.credentials.examples import example_claims
from tests.anvil import free_port
from vc.multikey import public_key_to_jwk
from vc.signer import P256Signer
from wallet_bridge.metadata import PRE_AUTHORIZED_GRANT

STEPS = ("metadata", "token", "nonce", "proof", "credential")
PASSPHRASE = "bench-wallet-passphrase"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _credreg(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "node", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"credreg {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


@dataclass
class Node:
    url: str
    process: subprocess.Popen[bytes]
    issuer: dict[str, str]

    def rss_mb(self) -> float:
        """The node's resident memory: the serving process and its worker processes."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids += [int(pid) for pid in children.read_text().split()]
        total = 0
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start_node(root: Path, workers: int, chain_url: str | None) -> Node:
    """`credreg serve` on a fresh data directory; with ``chain_url`` on that JSON-RPC chain
    (contracts deployed with this institution as genesis member) and ``workers`` processes."""
    port = free_port()
    env = {
        **os.environ,
        "CREDREG_DATA_DIR": str(root / "data"),
        "CREDREG_KEY_PASSPHRASE": PASSPHRASE,
        "CREDREG_PORT": str(port),
        "CREDREG_ORIGIN": f"http://127.0.0.1:{port}",
        "CREDREG_PUBLIC_RATE_LIMIT": "0",
        "CREDREG_WORKERS": str(workers),
    }
    if chain_url is not None:
        env |= {"CREDREG_CHAIN": "rpc", "CREDREG_CHAIN_RPC_URL": chain_url}
    _credreg(env, "init", "--name", "Bench U", "--country", "FI", "--origin", env["CREDREG_ORIGIN"])
    if chain_url is not None:
        _credreg(env, "chain", "deploy")
    token = _credreg(env, "token", "create", "--role", "issuer")
    log = (root / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "node", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = env["CREDREG_ORIGIN"]
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the node exited:\n{(root / 'serve.log').read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the node did not start")
        time.sleep(0.2)
    return Node(url, process, {"Authorization": f"Bearer {token}"})


@dataclass(frozen=True)
class Offer:
    code: str
    tx_code: str


def prepare_offers(node: Node, count: int) -> tuple[list[Offer], float]:
    """Issue ``count`` records in batches, then one offer each; returns offers and offers/s."""
    record_ids: list[str] = []
    with httpx.Client(base_url=node.url, headers=node.issuer, timeout=600) as client:
        for start in range(0, count, 1000):
            items = [{"claims": example_claims(i)} for i in range(start, min(count, start + 1000))]
            response = client.post(
                "/admin/credentials/batch", json={"items": items, "formats": ["jwt_vc_json"]}
            )
            response.raise_for_status()
            record_ids += [item["recordId"] for item in response.json()["items"]]
        offers: list[Offer] = []
        started = time.perf_counter()
        for record_id in record_ids:
            response = client.post(
                f"/admin/credentials/{record_id}/offers", json={"email": "learner@example.org"}
            )
            response.raise_for_status()
            body = response.json()
            query = parse_qs(urlsplit(body["credential_offer_uri"]).query)
            grants = json.loads(query["credential_offer"][0])["grants"]
            offers.append(
                Offer(grants[PRE_AUTHORIZED_GRANT]["pre-authorized_code"], body["tx_code"])
            )
        elapsed = time.perf_counter() - started
    return offers, len(offers) / elapsed


@dataclass
class Timings:
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    flows: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def key_proof(key: ec.EllipticCurvePrivateKey, issuer: str, nonce: str) -> str:
    header = {
        "typ": "openid4vci-proof+jwt",
        "alg": "ES256",
        "jwk": public_key_to_jwk(key.public_key()),
    }
    payload = {"aud": issuer, "iat": int(time.time()), "nonce": nonce}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = P256Signer("holder", key).sign(signing_input.encode())
    return f"{signing_input}.{_b64(signature)}"


async def one_flow(
    client: aiohttp.ClientSession, url: str, offer: Offer, config: str, timings: Timings
) -> None:
    marks = [time.perf_counter()]
    async with client.get(f"{url}/.well-known/openid-credential-issuer") as meta:
        issuer = (await meta.json())["credential_issuer"] if meta.status == 200 else None
    async with client.get(f"{url}/.well-known/oauth-authorization-server") as auth:
        await auth.read()
    if issuer is None or auth.status != 200:
        timings.failures.append(f"metadata {meta.status}/{auth.status}")
        return
    marks.append(time.perf_counter())
    form = {
        "grant_type": PRE_AUTHORIZED_GRANT,
        "pre-authorized_code": offer.code,
        "tx_code": offer.tx_code,
    }
    async with client.post(f"{url}/token", data=form) as token:
        body = await token.json()
        if token.status != 200:
            timings.failures.append(f"token {token.status} {body}")
            return
    access = body["access_token"]
    marks.append(time.perf_counter())
    async with client.post(f"{url}/nonce") as nonce:
        if nonce.status != 200:
            timings.failures.append(f"nonce {nonce.status}")
            return
        c_nonce = (await nonce.json())["c_nonce"]
    marks.append(time.perf_counter())
    proof = key_proof(ec.generate_private_key(ec.SECP256R1()), issuer, c_nonce)
    marks.append(time.perf_counter())
    request = {"credential_configuration_id": config, "proofs": {"jwt": [proof]}}
    headers = {"Authorization": f"Bearer {access}"}
    async with client.post(f"{url}/credential", json=request, headers=headers) as credential:
        answer = await credential.json()
        if credential.status != 200 or not answer.get("credentials"):
            timings.failures.append(f"credential {credential.status} {str(answer)[:200]}")
            return
    marks.append(time.perf_counter())
    for step, (begin, end) in zip(STEPS, itertools.pairwise(marks), strict=True):
        timings.steps[step].append(end - begin)
    timings.flows.append(marks[-1] - marks[0])


async def run_flows(
    node: Node, offers: list[Offer], config: str, concurrency: int
) -> tuple[Timings, float]:
    timings = Timings()
    pending = iter(offers)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:

        async def wallet() -> None:
            for offer in pending:
                await one_flow(client, node.url, offer, config, timings)

        started = time.perf_counter()
        await asyncio.gather(*(wallet() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return timings, elapsed


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": float("nan"), "p99_ms": float("nan")}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000}


@contextmanager
def _chain(workers: int) -> Iterator[str | None]:
    """One process may own the embedded chain; several workers share an anvil chain."""
    if workers == 1:
        yield None
        return
    from tests.anvil import anvil_binary, start, stop

    process, url, _ = start(anvil_binary())
    try:
        yield url
    finally:
        stop(process)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--config", default="MicroCredential_jwt_vc_json")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="HTTP worker processes (`credreg serve --workers`); more than 1 runs on anvil",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, _chain(args.workers) as chain_url:
        progress(f"starting credreg serve ({args.workers} worker(s)) …")
        node = start_node(Path(tmp), args.workers, chain_url)
        try:
            progress(f"issuing {args.flows + args.warmup} records and their offers …")
            offers, offers_per_s = prepare_offers(node, args.flows + args.warmup)
            progress("warm-up …")
            asyncio.run(run_flows(node, offers[: args.warmup], args.config, args.concurrency))
            progress(f"{args.flows} flows with {args.concurrency} concurrent wallets …")
            timings, elapsed = asyncio.run(
                run_flows(node, offers[args.warmup :], args.config, args.concurrency)
            )
            rss = node.rss_mb()
        finally:
            node.stop()
    results: dict[str, Any] = {
        "configuration": args.config,
        "workers": args.workers,
        "chain": "anvil" if args.workers > 1 else "embedded",
        "concurrency": args.concurrency,
        "flows": len(timings.flows),
        "failures": len(timings.failures),
        "first_failures": timings.failures[:3],
        "flows_per_s": len(timings.flows) / elapsed,
        "flow": _percentiles(timings.flows),
        "steps": {step: _percentiles(values) for step, values in timings.steps.items()},
        "offers_per_s": offers_per_s,
        "server_rss_mb": rss,
    }
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


def render(results: dict[str, Any]) -> str:
    lines = [
        f"OpenID4VCI pre-authorized flows ({results['configuration']}, "
        f"{results['concurrency']} concurrent wallets, {results['workers']} server process(es), "
        f"{results['chain']} chain)",
        f"  complete flows/s   {results['flows_per_s']:8.1f}   (target ≥ 200/s)",
        f"  flows / failures   {results['flows']} / {results['failures']}",
        f"  whole flow         p50 {results['flow']['p50_ms']:7.2f} ms   "
        f"p99 {results['flow']['p99_ms']:7.2f} ms",
    ]
    for step, figures in results["steps"].items():
        lines.append(
            f"  {step:<18} p50 {figures['p50_ms']:7.2f} ms   p99 {figures['p99_ms']:7.2f} ms"
        )
    lines.append(f"  offers created/s   {results['offers_per_s']:8.1f}   (institution side)")
    lines.append(f"  server RSS         {results['server_rss_mb']:8.1f} MB")
    for failure in results["first_failures"]:
        lines.append(f"  failure: {failure}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
