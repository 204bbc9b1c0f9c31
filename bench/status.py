"""Revocation and status checking: bulk revocations/s and the warm status check latency.

    python bench/status.py [--credentials 20000] [--revoke 10000] [--checks 2000]

A fresh node (SQLite, embedded chain, the institution as genesis member) issues
``--credentials`` jwt_vc_json credentials (each with a revocation and a suspension entry) and
anchors the lists' first versions. Then:

1. **bulk revocation**: ``--revoke`` credentials revoked in one call (state change + audit
   event per credential, one re-signed version per touched list) and that version anchored in
   StatusRegistry: revocations per second over the whole (target ≥ 5,000/s);
2. **status check, warm**: the verifier's status check (two entries per credential: the
   latest anchored version's hash checked against the chain, the signed list verified once
   and cached by the hash of its bytes, the bit read) for ``--checks`` random credentials,
   after one warm-up pass: p50 / p99 / max latency in process (target p99 ≤ 2 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from node.credentials.examples import example_claims
from node.db.models import CredentialFormat
from node.issuance.service import IssueRequest
from node.runtime import build_runtime
from node.settings import Settings
from node.setup import create_institution


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--credentials", type=int, default=20_000)
    parser.add_argument("--revoke", type=int, default=10_000)
    parser.add_argument("--checks", type=int, default=2_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "data",
            origin="https://bench.example",
            key_passphrase="bench",
            sign_workers=2,
        )
        runtime = build_runtime(settings)
        create_institution(
            runtime.sessions,
            runtime.keystore,
            name="Bench U",
            country="FI",
            legal_status="public-institution",
            origin=settings.origin,
        )
        print(f"issuing {args.credentials} credentials …", file=sys.stderr)
        requests = [IssueRequest(example_claims(i)) for i in range(args.credentials)]
        outcomes = list(
            runtime.issuance().issue_batch(requests, [CredentialFormat.JWT_VC_JSON], None)
        )
        issued = [(o.record_id, o.copies[0].content) for o in outcomes if o.record_id]
        runtime.ledger_rounds().run_once()

        print(f"revoking {args.revoke} in bulk …", file=sys.stderr)
        ids = [record_id for record_id, _ in issued[: args.revoke]]
        started = time.perf_counter()
        runtime.status().change(ids, "revoke", "bench", None, strict=False)
        changed = time.perf_counter()
        anchored = runtime.status_anchorer().run_once()
        done = time.perf_counter()
        revocations = {
            "count": len(ids),
            "change_and_publish_s": changed - started,
            "anchor_s": done - changed,
            "per_second": len(ids) / (done - started),
            "versions_anchored": anchored,
        }

        print(f"status checks ({args.checks}) …", file=sys.stderr)
        from node.verification.shapes import view_of

        trust = runtime.verifier().trust
        assert trust is not None
        samples = random.Random(7).choices(issued, k=args.checks)
        views = [view_of(token) for _, token in samples]
        for view in views:  # warm-up: chain facts and verified lists cached
            trust.status(view.credential["credentialStatus"], view.issuer, None)
        latencies = []
        for view in views:
            t0 = time.perf_counter()
            trust.status(view.credential["credentialStatus"], view.issuer, None)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        checks = {
            "count": len(latencies),
            "p50_ms": statistics.median(latencies),
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1],
            "max_ms": latencies[-1],
        }
        runtime.close()
    figures = {"revocation": revocations, "status_check": checks}
    print(
        f"bulk revocation: {revocations['count']} in "
        f"{revocations['change_and_publish_s'] + revocations['anchor_s']:.2f} s "
        f"(change+publish {revocations['change_and_publish_s']:.2f} s, anchor "
        f"{revocations['anchor_s']:.2f} s) = {revocations['per_second']:,.0f}/s "
        f"(target ≥ 5,000/s: {revocations['per_second'] / 5000:.1f}× target)"
    )
    print(
        f"status check (warm, in process): p50 {checks['p50_ms']:.3f} ms, "
        f"p99 {checks['p99_ms']:.3f} ms, max {checks['max_ms']:.3f} ms (target p99 ≤ 2 ms)"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
