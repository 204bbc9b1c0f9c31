"""Merkle tree + every inclusion proof for 1,000,000 leaves (issue 3 benchmark).

    python bench/merkle.py [--n 1000000] [--sample 10000] [--keep] [--json out.json]

Measured in one run, on this machine, in one process (pure Python + hashlib):

1. the physical limit: the raw rate of ``hashlib.sha256(m).digest()`` for 65-byte messages
   (the size of an RFC 9162 node-hash input), best of 3 runs of 2,000,000 hashes ≈ the tree's work
   (n leaf hashes of 33 bytes + n - 1 node hashes of 65 bytes);
2. building ``anchoring.merkle.MerkleTree`` from ``--n`` random 32-byte leaves;
3. generating every leaf's inclusion proof with ``MerkleTree.all_proofs()`` (streamed, as the
   anchor worker writes them to the database; ``--keep`` holds them all in a list instead);
4. verifying ``--sample`` random proofs with ``verify_inclusion`` (and that the streamed proof
   equals ``proof_bytes(i)``);
5. peak RSS of the process (``resource.getrusage``), including the leaves themselves.

Targets: tree + all proofs ≤ 5 s, peak RSS ≤ 1 GB. Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anchoring.merkle import MerkleTree, verify_inclusion

TARGET_SECONDS = 5.0
TARGET_RSS_MB = 1024.0
RAW_HASHES = 2_000_000


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Current RSS from /proc (Linux); the peak where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def raw_sha256_seconds(count: int, repeat: int = 3) -> float:
    """Best of ``repeat`` timings of ``count`` SHA-256 digests of 65-byte messages, one core.

    A pool of 4096 messages is cycled so that the figure is the hashing (and the unavoidable
    per-call overhead of hashlib from Python), not the allocation of 130 MB of inputs.
    """
    pool = [os.urandom(65) for _ in range(4096)]
    messages = pool * (count // len(pool)) + pool[: count % len(pool)]
    sha256 = hashlib.sha256
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        digests = [sha256(m).digest() for m in messages]
        best = min(best, time.perf_counter() - start)
        assert len(digests) == count
        del digests
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of leaves")
    parser.add_argument("--sample", type=int, default=10_000, help="proofs verified")
    parser.add_argument("--keep", action="store_true", help="keep every proof in a list")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    n: int = args.n
    rng = random.Random(args.seed)

    raw = raw_sha256_seconds(RAW_HASHES)
    raw_rate = RAW_HASHES / raw

    blob = os.urandom(32 * n)
    leaves = [blob[i : i + 32] for i in range(0, 32 * n, 32)]
    del blob
    rss_leaves = current_rss_mb()

    start = time.perf_counter()
    tree = MerkleTree(leaves)
    t_build = time.perf_counter() - start
    rss_tree = current_rss_mb()

    sample = set(rng.sample(range(n), min(args.sample, n)))
    sampled: dict[int, bytes] = {}
    kept: list[bytes] = []
    count = total = 0
    start = time.perf_counter()
    if args.keep:
        kept = list(tree.all_proofs())
        count, total = len(kept), sum(map(len, kept))
        sampled = {i: kept[i] for i in sample}
    else:
        for i, proof in enumerate(tree.all_proofs()):
            total += len(proof)
            if i in sample:
                sampled[i] = proof
        count = i + 1 if n else 0
    t_proofs = time.perf_counter() - start
    assert count == n, (count, n)

    start = time.perf_counter()
    root = tree.root
    for i, proof in sampled.items():
        assert proof == tree.proof_bytes(i), i
        assert verify_inclusion(leaves[i], i, n, proof, root), i
    t_verify = time.perf_counter() - start

    peak = peak_rss_mb()
    total_s = t_build + t_proofs
    hashes = 2 * n - 1 if n else 0
    figures = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "leaves": n,
        "raw_sha256_65B_per_s": round(raw_rate),
        "raw_seconds_for_2M": round(raw, 3),
        "tree_hashes": hashes,
        "build_s": round(t_build, 3),
        "proofs_s": round(t_proofs, 3),
        "build_plus_proofs_s": round(total_s, 3),
        "proof_bytes_total_MB": round(total / 2**20, 1),
        "mean_path_len": round(total / 32 / n, 2) if n else 0,
        "verify_per_s": round(len(sampled) / t_verify) if t_verify else None,
        "rss_after_leaves_MB": round(rss_leaves, 1),
        "rss_after_build_MB": round(rss_tree, 1),
        "peak_rss_MB": round(peak, 1),
        "build_vs_raw": round(t_build / (hashes / raw_rate), 2) if n else None,
        "total_vs_raw": round(total_s / (hashes / raw_rate), 2) if n else None,
        "kept_all_proofs": bool(args.keep),
    }
    ok_time, ok_rss = total_s <= TARGET_SECONDS, peak <= TARGET_RSS_MB
    rows = [
        (
            "raw SHA-256, 65-byte inputs",
            f"{raw_rate:,.0f}/s  ({raw:.3f} s for 2M, best of 3, one core)",
        ),
        ("tree build", f"{t_build:.3f} s  ({hashes:,} hashes, {t_build / raw:.2f}× raw 2M)"),
        (
            "all proofs" + (" (kept)" if args.keep else " (streamed)"),
            f"{t_proofs:.3f} s  "
            f"({total / 2**20:,.0f} MB of paths, mean {figures['mean_path_len']} hashes)",
        ),
        (
            "build + proofs",
            f"{total_s:.3f} s  (target ≤ {TARGET_SECONDS:g} s: "
            f"{'ok' if ok_time else 'MISSED'}; {figures['total_vs_raw']}× the raw hash time)",
        ),
        (f"verify {len(sampled):,} sampled", f"{t_verify:.3f} s"),
        ("RSS after leaves / after build", f"{rss_leaves:,.0f} MB / {rss_tree:,.0f} MB"),
        (
            "peak RSS",
            f"{peak:,.0f} MB  (target ≤ {TARGET_RSS_MB:g} MB: {'ok' if ok_rss else 'MISSED'})",
        ),
    ]
    print(f"Merkle tree, {n:,} leaves — Python {figures['python']}, {figures['machine']}")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if ok_time and ok_rss else 1


if __name__ == "__main__":
    sys.exit(main())
