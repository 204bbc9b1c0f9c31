"""Issuance and verification throughput of a node, next to the raw signature rates.

    python bench/issue.py [--n 20000] [--n-rdfc 3000] [--db sqlite|postgres|all] [--json out.json]

Measured in one run, on this machine (see bench/README.md for what each figure means):

1. raw Ed25519 / P-256 (ES256) sign and verify rates with ``cryptography``: one core, and
   the signing rate of ``--cores`` processes running at the same time (the physical limit);
2. bulk issuance through ``IssuanceService.issue_batch`` (validate, dedupe, sign in the
   process pool, store record + copy per chunk transaction), one format per batch, on SQLite
   (temporary directory) and PostgreSQL (a database created for the run and dropped after);
3. local verifications per second (one core, in process): the full ``Verifier.verify``
   pipeline and the bare proof check (``data_integrity.verify`` / ``jose.verify_jwt``);
4. peak RSS of this process and of its largest child (the signing workers).

Progress goes to stderr; the table to stdout; ``--json`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

PASSPHRASE = "bench passphrase, not a secret"
ORIGIN = "https://uni-bench.example"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FORMATS = ("eddsa-jcs-2022", "jwt_vc_json", "eddsa-rdfc-2022")
TARGET_SHARE = 0.25  # jcs / JWT: >= 25 % of the raw 2-core signing rate of the key type
TARGET_RDFC = 1000.0  # rdfc: >= 1,000 credentials/s
WARMUP = 600  # credentials issued before each timed batch (pool start, caches), not timed


_TTY = sys.stderr.isatty()


def progress(message: str, *, end: str = "\n") -> None:
    """A status line on stderr; ``end=""`` lines overwrite each other on a terminal."""
    if end == "" and not _TTY:
        return  # no carriage-return churn in logs: only the final line of a phase
    sys.stderr.write(("\r" if _TTY else "") + message + ("\x1b[K" if _TTY else "") + end)
    sys.stderr.flush()


# --- 1. raw signature rates -----------------------------------------------------------------

# What the node actually signs: Data Integrity signs the 64-byte hashData (two SHA-256s);
# a jwt_vc_json signs its ~2.6 kB ASCII signing input (ES256 hashes it first).
_ED_MESSAGE = os.urandom(64)
_P256_MESSAGE = os.urandom(2600)


def _raw_op(alg: str, op: str) -> Callable[[], None]:
    if alg == "Ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
        if op == "sign":
            return lambda: private.sign(_ED_MESSAGE)
        public, signature = private.public_key(), private.sign(_ED_MESSAGE)
        return lambda: public.verify(signature, _ED_MESSAGE)
    p256 = ec.generate_private_key(ec.SECP256R1())
    ecdsa = ec.ECDSA(hashes.SHA256())
    if op == "sign":
        return lambda: p256.sign(_P256_MESSAGE, ecdsa)
    public_p, der = p256.public_key(), p256.sign(_P256_MESSAGE, ecdsa)
    return lambda: public_p.verify(der, _P256_MESSAGE, ecdsa)


def _run_for(fn: Callable[[], None], seconds: float) -> tuple[int, float]:
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(200):
            fn()
        count += 200
        now = time.perf_counter()
        if now >= deadline:
            return count, now - start


def _raw_worker(alg: str, op: str, seconds: float, barrier: Any, out: Any) -> None:
    fn = _raw_op(alg, op)
    for _ in range(200):  # warm up before the common start
        fn()
    barrier.wait()
    count, elapsed = _run_for(fn, seconds)
    out.put(count / elapsed)


def raw_rate(alg: str, op: str, seconds: float) -> float:
    """Operations per second on one core, in this process."""
    fn = _raw_op(alg, op)
    _run_for(fn, 0.2)
    count, elapsed = _run_for(fn, seconds)
    return count / elapsed


def raw_rate_parallel(alg: str, op: str, seconds: float, processes: int) -> float:
    """Operations per second of ``processes`` processes running at the same time (summed)."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(target=_raw_worker, args=(alg, op, seconds, barrier, out))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    rates = [out.get() for _ in workers]
    for worker in workers:
        worker.join()
    return sum(rates)


# --- 2. bulk issuance -------------------------------------------------------------------------


def _format_of(name: str) -> Any:
    from node.db.models import CredentialFormat

    return {
        "eddsa-jcs-2022": CredentialFormat.LDP_JCS,
        "jwt_vc_json": CredentialFormat.JWT_VC_JSON,
        "eddsa-rdfc-2022": CredentialFormat.LDP_RDFC,
    }[name]


def postgres_database(admin_url: str) -> Any:
    """A database created for this run, dropped afterwards (even on failure)."""
    from node.db.scratch import scratch_database

    return scratch_database(admin_url, "credreg_bench")


@contextmanager
def bench_node(database_url: str, data_dir: Path, key_dir: Path, workers: int) -> Iterator[Any]:
    """A runtime with an institution, on a fresh schema; keys shared between nodes."""
    from node.keys.keystore import FileKeyStore
    from node.runtime import build_runtime
    from node.settings import Settings
    from node.setup import create_institution

    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        origin=ORIGIN,
        key_passphrase=PASSPHRASE,
        sign_workers=workers,
    )
    store = FileKeyStore(key_dir, PASSPHRASE)  # one scrypt-opened store for every node
    runtime = build_runtime(settings, lambda: store)
    try:
        create_institution(
            runtime.sessions,
            runtime.keystore,
            name="Universidad de Prueba",
            country="ES",
            legal_status="public-institution",
            origin=ORIGIN,
        )
        yield runtime
    finally:
        runtime.close()


def _requests(prefix: str, start: int, count: int) -> list[Any]:
    from node.credentials.examples import example_claims
    from node.issuance.service import IssueRequest

    requests = []
    for i in range(start, start + count):
        claims = example_claims(i)
        requests.append(
            IssueRequest(
                claims=claims,
                subject_id=claims["learner"].get("did"),
                idempotency_key=f"{prefix}-{i}",
                line=i,
            )
        )
    return requests


def bulk_issue(runtime: Any, fmt_name: str, n: int, keep: int) -> tuple[dict[str, Any], list[str]]:
    """Warm up, then time ``issue_batch`` over ``n`` fresh requests of one format.

    Returns the figures and the contents of the first ``keep`` signed copies.
    """
    fmt = _format_of(fmt_name)
    service = runtime.issuance()
    run = uuid.uuid4().hex[:8]
    for _ in service.issue_batch(_requests(f"warm-{run}", 10**7, WARMUP), [fmt], None):
        pass
    requests = _requests(f"bench-{run}", 0, n)  # built before the clock starts
    kept: list[str] = []
    statuses: dict[str, int] = {}
    step = max(n // 50, 100)
    label = f"  {fmt_name:<16} {runtime.engine.dialect.name:<10}"
    start = time.perf_counter()
    for done, outcome in enumerate(service.issue_batch(requests, [fmt], None), 1):
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
        if len(kept) < keep and outcome.copies:
            kept.append(outcome.copies[0].content)
        if done % step == 0:
            rate = done / (time.perf_counter() - start)
            progress(f"{label} {done:>7}/{n}  {rate:8.0f}/s", end="")
    elapsed = time.perf_counter() - start
    progress(f"{label} {n:>7}/{n}  {n / elapsed:8.0f}/s  ({elapsed:.1f} s)")
    if statuses.get("issued", 0) != n:
        raise SystemExit(f"{fmt_name}: expected {n} issued, got {statuses}")
    return {"n": n, "seconds": round(elapsed, 3), "per_second": n / elapsed}, kept


# --- 3. verification --------------------------------------------------------------------------


def _timed(fn: Callable[[Any], Any], items: list[Any], seconds: float) -> float:
    """Calls per second of ``fn`` cycling over ``items`` for about ``seconds``."""
    for item in items[:3]:
        fn(item)  # warm caches (contexts, keys)
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while True:
        for item in items:
            fn(item)
        count += len(items)
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def verify_rates(runtime: Any, samples: dict[str, list[str]], seconds: float) -> dict[str, Any]:
    from node.verification.pipeline import Verifier
    from vc import data_integrity, jose
    from vc.did import StaticDidResolver

    identity = runtime.identity()
    resolve = StaticDidResolver(
        {identity.did: identity.did_document()}, allow_did_key=False, allow_did_jwk=False
    )
    # the node's own pipeline (EU elements check included) when the runtime has one
    verifier = runtime.verifier() if hasattr(runtime, "verifier") else Verifier(resolve)
    results: dict[str, Any] = {}
    for fmt_name, contents in samples.items():
        if not contents:
            continue
        if fmt_name == "jwt_vc_json":
            items: list[Any] = contents
            bare: Callable[[Any], Any] = lambda token: jose.verify_jwt(token, resolve)  # noqa: E731
        else:
            items = [json.loads(c) for c in contents]  # JSON parsing is not timed
            bare = lambda doc: data_integrity.verify(doc, resolve)  # noqa: E731
        reports = [verifier.verify(item) for item in items]
        if not all(r.verified for r in reports):
            raise SystemExit(f"{fmt_name}: a freshly issued credential does not verify")
        if not all(bare(item).ok for item in items):
            raise SystemExit(f"{fmt_name}: a freshly issued proof does not verify")
        progress(f"  verify {fmt_name}")
        results[fmt_name] = {
            "pipeline_per_second": _timed(verifier.verify, items, seconds),
            "proof_per_second": _timed(bare, items, seconds),
            "samples": len(items),
        }
    return results


# --- 4. memory --------------------------------------------------------------------------------


def maxrss_mib(who: int) -> float:
    value = resource.getrusage(who).ru_maxrss
    return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024


# --- driver -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="credentials per jcs/JWT batch")
    parser.add_argument("--n-rdfc", type=int, default=3000, help="credentials per rdfc batch")
    parser.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    parser.add_argument(
        "--postgres-url", default=os.environ.get("CREDREG_BENCH_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workers", type=int, default=0, help="sign_workers (0: one per core)")
    parser.add_argument("--seconds", type=float, default=2.0, help="per raw/verify figure")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    databases = ["sqlite", "postgres"] if args.db == "all" else [args.db]

    figures: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "parameters": {"n": args.n, "n_rdfc": args.n_rdfc, "workers": args.workers or args.cores},
    }

    progress("raw signature rates ...")
    raw: dict[str, Any] = {}
    for alg in ("Ed25519", "ES256"):
        raw[alg] = {
            "sign_1core": raw_rate(alg, "sign", args.seconds),
            f"sign_{args.cores}core": raw_rate_parallel(alg, "sign", args.seconds, args.cores),
            "verify_1core": raw_rate(alg, "verify", args.seconds),
        }
        progress(f"  {alg}: {raw[alg]}")
    figures["raw"] = raw
    parallel_key = f"sign_{args.cores}core"

    issuance: dict[str, dict[str, Any]] = {}
    samples: dict[str, list[str]] = {}
    verification: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="credreg-bench-") as tmp:
        root = Path(tmp)
        key_dir = root / "keys"
        with bench_node(f"sqlite:///{root / 'keys.db'}", root / "k", key_dir, 1):
            pass  # creates the key store once
        for db in databases:
            progress(f"bulk issuance on {db} ...")
            issuance[db] = {}
            pg = postgres_database(args.postgres_url) if db == "postgres" else None
            pg_url = pg.__enter__() if pg is not None else None
            try:
                for fmt_name in formats:
                    n = args.n_rdfc if fmt_name == "eddsa-rdfc-2022" else args.n
                    if pg_url is not None:
                        from node.db.scratch import reset_schema

                        reset_schema(pg_url)
                        url = pg_url
                    else:
                        url = f"sqlite:///{root / f'{fmt_name}.db'}"
                    with bench_node(url, root / f"data-{db}", key_dir, args.workers) as runtime:
                        result, kept = bulk_issue(runtime, fmt_name, n, keep=50)
                        samples.setdefault(fmt_name, kept)
                        alg = "ES256" if fmt_name == "jwt_vc_json" else "Ed25519"
                        result["share_of_raw_parallel_sign"] = (
                            result["per_second"] / raw[alg][parallel_key]
                        )
                        issuance[db][fmt_name] = result
                        if not verification and db == databases[0] and fmt_name == formats[-1]:
                            progress("local verification ...")
                            verification = verify_rates(runtime, samples, args.seconds)
            finally:
                if pg is not None:
                    pg.__exit__(None, None, None)
    figures["issuance"] = issuance
    figures["verification"] = verification
    figures["peak_rss_mib"] = {
        "self": maxrss_mib(resource.RUSAGE_SELF),
        "largest_child": maxrss_mib(resource.RUSAGE_CHILDREN),
    }
    print(render(figures, args.cores))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
        progress(f"wrote {args.json}")
    return figures


def render(figures: dict[str, Any], cores: int) -> str:
    raw = figures["raw"]
    pk = f"sign_{cores}core"
    lines = [
        f"machine: {figures['machine']['cpus']} CPUs, Python {figures['machine']['python']}, "
        f"sign workers {figures['parameters']['workers']}",
        "",
        f"{'raw signatures (cryptography)':<34}{'sign 1 core':>13}{f'sign {cores} proc':>13}"
        f"{'verify 1 core':>15}",
    ]
    for alg, label in (("Ed25519", "Ed25519 (64 B hashData)"), ("ES256", "P-256 ES256 (2.6 kB)")):
        r = raw[alg]
        lines.append(
            f"{label:<34}{r['sign_1core']:>11,.0f}/s{r[pk]:>11,.0f}/s{r['verify_1core']:>13,.0f}/s"
        )
    lines += [
        "",
        f"{'bulk issuance (issue_batch)':<34}{'n':>8}{'cred/s':>10}"
        f"{'of raw ' + str(cores) + '-proc sign':>20}{'target':>16}",
    ]
    for db, per_format in figures["issuance"].items():
        for fmt_name, r in per_format.items():
            if fmt_name == "eddsa-rdfc-2022":
                target = f">= {TARGET_RDFC:,.0f}/s " + (
                    "ok" if r["per_second"] >= TARGET_RDFC else "MISS"
                )
            else:
                ok = r["share_of_raw_parallel_sign"] >= TARGET_SHARE
                target = f">= {TARGET_SHARE:.0%} " + ("ok" if ok else "MISS")
            lines.append(
                f"{fmt_name + ' / ' + db:<34}{r['n']:>8}{r['per_second']:>10,.0f}"
                f"{r['share_of_raw_parallel_sign']:>19.1%} {target:>15}"
            )
    lines += [
        "",
        f"{'local verification (1 core)':<34}{'Verifier.verify':>17}{'bare proof':>13}"
        f"{'raw verify':>13}",
    ]
    for fmt_name, r in figures["verification"].items():
        alg = "ES256" if fmt_name == "jwt_vc_json" else "Ed25519"
        lines.append(
            f"{fmt_name:<34}{r['pipeline_per_second']:>15,.0f}/s{r['proof_per_second']:>11,.0f}/s"
            f"{raw[alg]['verify_1core']:>11,.0f}/s"
        )
    rss = figures["peak_rss_mib"]
    lines += [
        "",
        f"peak RSS: main process {rss['self']:.0f} MiB, "
        f"largest child {rss['largest_child']:.0f} MiB",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
