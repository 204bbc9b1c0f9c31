"""Micro-degree progress, issue and check per second, next to the bare verification of the
same credentials in the same run (issue 16).

    python bench/stacking.py [--learners 100] [--json out.json] [--profile]

Two nodes on anvil, each served over HTTP by uvicorn in this process. A publishes a course
and a micro-degree entry, B a course; A's stack rule names both courses. For each of
``--learners`` learners A and B each issue one eddsa-jcs-2022 credential (anchored, status
lists published and anchored). Then, in A's process:

- **bare**: ``Verifier.verify`` of each learner's two parts (warm: B's lists and anchors
  fetched once) — what progress cannot do without;
- **progress**: ``Stacks.progress`` per learner — both parts through the pipeline, the rule
  judged, the progress stored;
- **issue**: ``Stacks.issue`` per learner — both parts verified and the rule judged again,
  each part's anchor read, the micro-degree staged and signed (the staff formats' default,
  eddsa-rdfc-2022) and stored;
- **check**: ``Stacks.check`` of each micro-degree with its two parts — three
  verifications (the parts as of its issuance), the rule read and judged; its peer here is
  the bare verification of the same three credentials.

The bare verification of the parts is timed twice (before the progress and after the
issue, caches warm); the figures use the second.

Printed: per-learner rates, their ratios to bare verification, p50/p99 of each step.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.anchor import progress
from bench.catalogue import deploy
from bench.network import make_node, serving
from node.catalogue.samples import SAMPLES
from node.db.models import CredentialFormat
from node.issuance.service import IssueRequest
from node.runtime import NodeRuntime
from node.stacking.rules import stack_of
from tests.integration.test_catalogue_issuing import request_claims

INSTITUTION = {
    k: v for k, v in request_claims().items() if k in ("awardingBodies", "qualityAssurance")
}


def _pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)],
    }


def _issued(node: NodeRuntime, version_url: str, learners: int) -> list[dict[str, Any]]:
    claims = node.course_claims().claims_for(version_url, request_claims())
    requests = [
        IssueRequest({**claims, "learner": {**claims["learner"], "identifier": f"S{n}"}})
        for n in range(learners)
    ]
    outcomes = node.issuance().issue_batch(requests, [CredentialFormat.LDP_JCS], None)
    credentials = [json.loads(o.copies[0].content) for o in outcomes if o.record_id]
    _anchored(node)
    return credentials


def _anchored(node: NodeRuntime) -> None:
    """Batches sent and confirmed, status lists published and anchored, peers mirrored."""
    for _ in range(2):
        node.anchor_worker().run_once(force=True)
        node.ledger_rounds().run_once()


def _timed(items: list[Any], step: Callable[[Any], Any]) -> tuple[float, list[float], list[Any]]:
    samples, results = [], []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        results.append(step(item))
        samples.append((time.perf_counter() - t0) * 1000)
    return time.perf_counter() - started, samples, results


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from tests import anvil
    from tests.integration.test_anchoring_faults import start_anvil

    process, url = start_anvil()
    rpc = {"chain": "rpc", "chain_rpc_url": url, "anchor_worker": False}
    try:
        a = make_node(root / "a", f"http://127.0.0.1:{anvil.free_port()}", rpc)
        b = make_node(root / "b", f"http://127.0.0.1:{anvil.free_port()}", rpc)
        deploy(a, [b])
        with ExitStack() as stack:
            stack.enter_context(serving(a.settings))
            stack.enter_context(serving(b.settings))
            progress("  A and B publish their entries; A sets the stack rule")
            course_a = a.catalogue().publish(a.catalogue().create(SAMPLES[0]).id)
            degree_content = copy.deepcopy(SAMPLES[3]) | {"workload": {"ects": 8}}
            degree = a.catalogue().publish(a.catalogue().create(degree_content).id)
            course_b = b.catalogue().publish(b.catalogue().create(SAMPLES[1]).id)
            a_did, b_did = a.identity().did, b.identity().did
            rule = {
                "entry": degree.url,
                "title": {"en": "Bench micro-degree"},
                "groups": [
                    {
                        "id": "core",
                        "components": [
                            {"id": "a", "entry": stack_of(course_a.url), "issuer": a_did},
                            {"id": "b", "entry": stack_of(course_b.url), "issuer": b_did},
                        ],
                    }
                ],
                "minEcts": 8,
                "minEqf": 6,
            }
            stacks = a.stacks()
            stack_id = stacks.define(rule, "bench")["id"]

            progress(f"  A and B issue and anchor {args.learners} credentials each")
            pairs = list(
                zip(
                    _issued(a, course_a.url, args.learners),
                    _issued(b, course_b.url, args.learners),
                    strict=True,
                )
            )
            a.ledger_rounds().run_once()  # B's lists mirrored at A
            verifier = a.verifier()
            for credential in pairs[0]:  # every check runs and passes (B's lists fetched)
                checks = verifier.verify(credential).checks
                assert all(c.ok is True for c in checks if c.name != "holder_binding"), checks

            progress("  bare verification at A")
            bare, _, reports = _timed(
                [c for pair in pairs for c in pair], lambda c: verifier.verify(c)
            )
            assert all(r.verified for r in reports)

            progress("  progress at A")
            progressed, progress_ms, found = _timed(
                pairs, lambda p: stacks.progress(stack_id, {"credentials": list(p)}, "bench")
            )
            assert all(f["satisfied"] for f in found), found[0]["progress"]

            progress("  micro-degrees issued at A")
            issued, issue_ms, degrees = _timed(
                found, lambda f: stacks.issue(f["id"], {"claims": INSTITUTION}, "bench")
            )
            _anchored(a)
            micro_degrees = [
                json.loads(a.issuance().get(d["record"])[1][0].content) for d in degrees
            ]

            progress("  bare verification at A, again: parts, and each micro-degree with them")
            bare, _, _ = _timed([c for pair in pairs for c in pair], lambda c: verifier.verify(c))
            triples = [c for m, pair in zip(micro_degrees, pairs, strict=True) for c in (m, *pair)]
            bare_triples, _, again = _timed(triples, lambda c: verifier.verify(c))
            assert all(r.verified for r in again)

            progress("  checks at A (each micro-degree with its two parts)")
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            checked, check_ms, reports_ = _timed(
                list(zip(micro_degrees, pairs, strict=True)),
                lambda m: stacks.check({"credential": m[0], "parts": list(m[1])}),
            )
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            assert all(r["verdict"] == "valid" for r in reports_), reports_[0]
        for node in (a, b):
            node.close()
    finally:
        anvil.stop(process)
    n = len(pairs)
    bare_per_s = 2 * n / bare  # verifications per second
    return {
        "learners": n,
        "bare_verifications_per_s": bare_per_s,
        "progress_per_s": n / progressed,
        "progress_ratio": (n / progressed) / (bare_per_s / 2),
        "progress": _pct(progress_ms),
        "issue_per_s": n / issued,
        "issue_ratio": (n / issued) / (bare_per_s / 2),
        "issue": _pct(issue_ms),
        "bare_triples_per_s": n / bare_triples,
        "check_per_s": n / checked,
        "check_ratio": (n / checked) / (n / bare_triples),
        "check": _pct(check_ms),
    }


def render(result: dict[str, Any]) -> str:
    def line(name: str, key: str, peer: str) -> str:
        pct = result[key]
        return (
            f"  {name:<9} {result[f'{key}_per_s']:8.1f} /s  "
            f"({result[f'{key}_ratio']:.2f}× {peer}; "
            f"p50 {pct['p50_ms']:.1f} ms, p99 {pct['p99_ms']:.1f} ms)"
        )

    return "\n".join(
        [
            f"stacking, {result['learners']} learners, two parts each (eddsa-jcs-2022)",
            f"  bare verification {result['bare_verifications_per_s']:8.1f} /s",
            line("progress", "progress", "2 bare verifications"),
            line("issue", "issue", "2 bare verifications"),
            line("check", "check", "bare verification of the micro-degree and its 2 parts"),
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", action="store_true", help="cProfile the checks (stderr)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, Path(tmp))
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
