"""Ordinary verifications while worst-case inputs flood ``POST /api/verify`` at the public
rate limit (issue 11, item 1).

    python bench/verify_flood.py [--credentials 100] [--rate 20] [--seconds 10] [--rounds 3]
                                 [--attackers 1] [--kinds 0,1,2,3,4,5] [--json out.json]

A fresh node as plain ``credreg serve`` runs it (SQLite, embedded chain, one process) with
its default public rate limit (120 requests a minute per client) and default verification
limits. ``--credentials`` micro-credentials are issued (eddsa-jcs-2022, jwt_vc_json — the
ordinary traffic, as in bench/verify.py — and eddsa-rdfc-2022, dc+sd-jwt for the attacks)
and anchored. Then, measured in this run:

1. **unloaded** (the reference): ordinary verifications, open loop at ``--rate`` per second
   for ``--seconds``, from ``ceil(rate / 1.5)`` client addresses (127.0.0.x) so that none
   meets the per-client limit; each latency from the request's scheduled time; p50 / p99.
2. **loaded**: the same, while ``--attackers`` client addresses each send worst-case inputs
   at exactly the public rate limit (one every 0.5 s), cycling through (``--kinds``):
   0 the report's 1,000-proof credential; 1 an eddsa-rdfc-2022 credential padded to just
   under the size limit with the maximum of 4 proofs (a fresh shape each time, so no memo
   helps); 2 a "poison" credential whose blank nodes RDFC-1.0 cannot tell apart; 3 a
   presentation of the maximum of 10 credentials, padded to the size limit; 4 an SD-JWT
   with the maximum of 64 disclosures; 5 a body nested 100,000 levels deep.

The two alternate ``--rounds`` times (unloaded, loaded, unloaded, …), so a change in the
machine's other load during the run weighs on both alike. The p99 compared is the median of
the rounds' p99s: on a machine shared with other work one stall of the whole process (it
holds every request then in flight) otherwise decides a p99 on its own; the pooled p99 over
all rounds is printed too.

Printed: unloaded p99, loaded p99, their ratio (target ≤ 2×) and what the attackers got
(status codes, latency). The load generator is this one process (asyncio) and shares the
machine's cores with the node.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import os
import platform
import random
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from verify import percentile, prepare, progress, running_node  # noqa: E402  (bench/verify.py)

from node.verification.limits import VerifyLimits  # noqa: E402

ORDINARY = {"eddsa-jcs-2022": "ldp_vc+eddsa-jcs-2022", "jwt_vc_json": "jwt_vc_json"}
ATTACK_FORMATS = {"eddsa-rdfc-2022": "ldp_vc+eddsa-rdfc-2022", "dc+sd-jwt": "dc+sd-jwt"}
RATE_LIMIT = 120  # the default public limit: requests per client per 60 s
PER_CLIENT = 1.5  # ordinary requests per second per client address (under the limit)
TARGET_RATIO = 2.0


# --- a minimal HTTP/1.1 client bound to a client address --------------------------------------


class Client:
    """Keep-alive connections from one source address (127.0.0.x) to the node."""

    def __init__(self, address: str, port: int) -> None:
        self.address = address
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(self.address, 0), limit=2**22
        )

    async def post(self, body: bytes) -> tuple[int, bytes]:
        request = (
            b"POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (self.port, len(body), body)
        )
        for attempt in (1, 2):
            reader, writer = self.idle.pop() if self.idle else await self._open()
            try:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                keep = True
                for line in head.lower().split(b"\r\n"):
                    if line.startswith(b"content-length:"):
                        length = int(line[15:])
                    if line.startswith(b"connection:") and b"close" in line:
                        keep = False
                payload = await reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                if attempt == 2:
                    return 0, b""  # dropped
                continue  # an idle keep-alive connection the server closed: a new one
            if keep:
                self.idle.append((reader, writer))
            else:
                writer.close()
            return status, payload
        return 0, b""

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


# --- the worst-case inputs ----------------------------------------------------------------------


def _values(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(_values(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_values(v) for v in value)
    return 1


MAX_VALUES = VerifyLimits().max_values - 100  # just under the node's default size limit


def _padded(credential: dict[str, Any], values: int, rng: random.Random) -> dict[str, Any]:
    """``credential`` with copies of its learning outcomes added until it holds about
    ``values`` JSON values — a different count each time, so each is a new shape."""
    padded = copy.deepcopy(credential)
    outcomes = padded["credentialSubject"]["achievement"]["learningOutcome"]
    one = _values(outcomes[0])
    room = max(0, values - _values(padded)) // one
    outcomes.extend(copy.deepcopy(outcomes[0]) for _ in range(max(1, room - rng.randrange(8))))
    return padded


def _proofs(credential: dict[str, Any], count: int) -> dict[str, Any]:
    """A proof set of ``count``: the genuine proof and copies with another ``created``."""
    proof = credential["proof"]
    proofs = [proof] + [{**proof, "created": f"2025-01-0{n}T00:00:00Z"} for n in range(1, count)]
    return {**credential, "proof": proofs}


def _poisoned(credential: dict[str, Any]) -> dict[str, Any]:
    poisoned = copy.deepcopy(credential)
    achievement = poisoned["credentialSubject"]["achievement"]
    twin = {k: v for k, v in achievement.items() if k != "id"}
    twin["learningOutcome"] = [{"type": "LearningOutcome", "title": "same"} for _ in range(12)]
    poisoned["credentialSubject"]["achievement"] = [twin, copy.deepcopy(twin)]
    return poisoned


def _presentation(credentials: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from vc import data_integrity
    from vc.did import did_key_for
    from vc.signer import Ed25519Signer

    key = ed25519.Ed25519PrivateKey.generate()
    holder, vm = did_key_for(key.public_key())
    each = MAX_VALUES // 10
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder,
        "verifiableCredential": [_padded(c, each, rng) for c in credentials[:10]],
    }
    return data_integrity.sign(
        vp, Ed25519Signer(vm, key), cryptosuite=data_integrity.RDFC, proof_purpose="authentication"
    )


def attacks(
    credentials: dict[str, list[Any]], count: int, seed: int = 11
) -> list[tuple[str, bytes]]:
    """``count`` worst-case request bodies, cycling through the kinds."""
    rng = random.Random(seed)
    rdfc: list[dict[str, Any]] = credentials["eddsa-rdfc-2022"]
    sd_jwt: str = credentials["dc+sd-jwt"][0]
    jwt, *disclosures, _ = sd_jwt.split("~")
    flooded_sd = "~".join([jwt, *((disclosures * 64)[:64]), ""])
    depth = 100_000
    deep = ('{"credential": ' + '{"a":' * depth + "1" + "}" * depth + "}").encode()
    out: list[tuple[str, bytes]] = []
    for i in range(count):
        kind = i % 6
        base = rdfc[i % len(rdfc)]
        if kind == 0:
            body = {"credential": {**base, "proof": [base["proof"]] * 1000}}
            out.append(("1000 proofs", json.dumps(body).encode()))
        elif kind == 1:
            body = {"credential": _proofs(_padded(base, MAX_VALUES, rng), 4)}
            out.append(("4 proofs, size limit", json.dumps(body).encode()))
        elif kind == 2:
            out.append(("poison graph", json.dumps({"credential": _poisoned(base)}).encode()))
        elif kind == 3:
            presentation = _presentation(rdfc[i % 7 :] + rdfc, rng)
            out.append(("presentation of 10", json.dumps({"credential": presentation}).encode()))
        elif kind == 4:
            out.append(("64 disclosures", json.dumps({"credential": flooded_sd}).encode()))
        else:
            out.append(("nested 100,000 deep", deep))
    return out


# --- load ---------------------------------------------------------------------------------------


def _check(status: int, body: bytes) -> None:
    if status != 200 or b'"verified":true' not in body:
        raise RuntimeError(f"an ordinary verification did not pass: {status} {body[:300]!r}")


async def ordinary_load(
    port: int, bodies: list[bytes], rate: float, seconds: float, start: float
) -> list[float]:
    """Open loop: latencies (ms) of ordinary verifications, from their scheduled times."""
    loop = asyncio.get_running_loop()
    clients = [Client(f"127.0.0.{10 + k}", port) for k in range(math.ceil(rate / PER_CLIENT))]
    latencies: list[float] = []

    async def one(client: Client, body: bytes, scheduled: float) -> None:
        status, answer = await client.post(body)
        latencies.append((loop.time() - scheduled) * 1000)
        _check(status, answer)

    tasks = []
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        client = clients[i % len(clients)]
        tasks.append(asyncio.create_task(one(client, bodies[i % len(bodies)], scheduled)))
    await asyncio.gather(*tasks)
    for client in clients:
        client.close()
    return sorted(latencies)


async def attack_load(
    port: int, bodies: list[tuple[str, bytes]], attackers: int, seconds: float, start: float
) -> list[tuple[str, int, float]]:
    """Each attacker address sends the next worst-case body every 60/RATE_LIMIT s."""
    loop = asyncio.get_running_loop()
    interval = 60.0 / RATE_LIMIT
    results: list[tuple[str, int, float]] = []

    async def attacker(k: int) -> None:
        client = Client(f"127.0.1.{10 + k}", port)
        tasks = []

        async def one(kind: str, body: bytes, scheduled: float) -> None:
            status, _ = await client.post(body)
            results.append((kind, status, (loop.time() - scheduled) * 1000))

        for i in range(int(seconds / interval)):
            scheduled = start + i * interval + k * interval / attackers
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            kind, body = bodies[(i * attackers + k) % len(bodies)]
            tasks.append(asyncio.create_task(one(kind, body, scheduled)))
        await asyncio.gather(*tasks)
        client.close()

    await asyncio.gather(*(attacker(k) for k in range(attackers)))
    return results


async def phase(
    port: int,
    ordinary: list[bytes],
    attack: list[tuple[str, bytes]] | None,
    args: argparse.Namespace,
) -> tuple[list[float], list[tuple[str, int, float]]]:
    start = asyncio.get_running_loop().time() + 0.2
    jobs: list[Any] = [ordinary_load(port, ordinary, args.rate, args.seconds, start)]
    if attack is not None:
        jobs.append(attack_load(port, attack, args.attackers, args.seconds, start))
    done = await asyncio.gather(*jobs)
    return done[0], done[1] if attack is not None else []


def _figures(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1],
        "requests": len(latencies),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credentials", type=int, default=100)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--attackers", type=int, default=1)
    parser.add_argument(
        "--kinds", default="0,1,2,3,4,5", help="which worst-case inputs, by number (0–5)"
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        progress(f"issuing and anchoring {args.credentials} credentials per format …")
        prepared = prepare(
            Path(tmp), 1, args.credentials, None, formats={**ORDINARY, **ATTACK_FORMATS}
        )
        for key in ("CREDREG_PUBLIC_RATE_LIMIT",):  # the node's default limits, not bench's
            prepared.env.pop(key)
        port = int(prepared.env["CREDREG_PORT"])
        ordinary = [
            json.dumps({"credential": c}).encode()
            for name in ORDINARY
            for c in prepared.credentials[name]
        ]
        random.Random(3).shuffle(ordinary)
        progress("building the worst-case inputs …")
        kinds = {int(k) for k in args.kinds.split(",")}
        attack = [a for i, a in enumerate(attacks(prepared.credentials, 60)) if i % 6 in kinds]
        sizes = Counter(kind for kind, _ in attack)
        unloaded: list[float] = []
        loaded: list[float] = []
        rounds: dict[str, list[float]] = {"unloaded": [], "loaded": []}  # each round's p99
        answers: list[tuple[str, int, float]] = []
        with running_node(prepared, Path(tmp) / "serve.log"):
            progress("warm-up …")
            warm = argparse.Namespace(**{**vars(args), "seconds": 3})
            asyncio.run(phase(port, ordinary, None, warm))
            for round_ in range(1, args.rounds + 1):
                progress(f"round {round_}: unloaded, {args.rate:.0f}/s for {args.seconds:.0f} s …")
                quiet = asyncio.run(phase(port, ordinary, None, args))[0]
                unloaded += quiet
                rounds["unloaded"].append(percentile(quiet, 0.99))
                progress(f"round {round_}: + {args.attackers} attacker(s) at the rate limit …")
                latencies, got = asyncio.run(phase(port, ordinary, attack, args))
                loaded += latencies
                rounds["loaded"].append(percentile(latencies, 0.99))
                answers += got
        unloaded.sort()
        loaded.sort()
    figures = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "rate": args.rate,
        "attackers": args.attackers,
        "unloaded": _figures(unloaded),
        "loaded": _figures(loaded),
        "attacks": {
            kind: {
                "statuses": dict(Counter(s for k, s, _ in answers if k == kind)),
                "p50_ms": statistics.median([ms for k, _, ms in answers if k == kind] or [0]),
                "max_ms": max([ms for k, _, ms in answers if k == kind] or [0]),
                "bytes": len(next(b for k, b in attack if k == kind)),
            }
            for kind in sizes
        },
    }
    for name, p99s in rounds.items():
        figures[name]["round_p99_ms"] = p99s
        figures[name]["median_round_p99_ms"] = statistics.median(p99s)
    figures["ratio"] = (
        figures["loaded"]["median_round_p99_ms"] / figures["unloaded"]["median_round_p99_ms"]
    )
    figures["pooled_ratio"] = figures["loaded"]["p99_ms"] / figures["unloaded"]["p99_ms"]
    print(render(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


def render(figures: dict[str, Any]) -> str:
    u, lo = figures["unloaded"], figures["loaded"]
    met = "met" if figures["ratio"] <= TARGET_RATIO else "MISSED"
    lines = [
        f"ordinary verifications (eddsa-jcs-2022 + jwt_vc_json) at {figures['rate']:.0f}/s, "
        f"{figures['attackers']} attacker address(es) at the public rate limit "
        f"({RATE_LIMIT}/min each)",
        "",
        "| | requests | p50 | p99 (median of rounds) | rounds' p99 | p99 (pooled) | max |",
        "|---|---:|---:|---:|---|---:|---:|",
    ]
    for name, f in (("unloaded", u), ("loaded", lo)):
        each = ", ".join(f"{v:.0f}" for v in f["round_p99_ms"])
        lines.append(
            f"| {name} | {f['requests']} | {f['p50_ms']:.1f} ms | "
            f"{f['median_round_p99_ms']:.1f} ms | {each} | {f['p99_ms']:.1f} ms | "
            f"{f['max_ms']:.1f} ms |"
        )
    lines += [
        "",
        f"p99 ratio loaded / unloaded: {figures['ratio']:.2f}× (target ≤ {TARGET_RATIO:.0f}×: "
        f"{met}); pooled p99s: {figures['pooled_ratio']:.2f}×",
        "",
        "| worst-case input | body | answers | p50 | max |",
        "|---|---:|---|---:|---:|",
    ]
    for kind, entry in figures["attacks"].items():
        statuses = ", ".join(f"{n}× {s}" for s, n in sorted(entry["statuses"].items()))
        lines.append(
            f"| {kind} | {entry['bytes'] / 1000:,.0f} kB | {statuses} | "
            f"{entry['p50_ms']:.0f} ms | {entry['max_ms']:.0f} ms |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
