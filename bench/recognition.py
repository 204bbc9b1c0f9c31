"""Automatic recognition decisions per second, next to the bare verification rate of the
same credentials in the same run (issue 15).

    python bench/recognition.py [--credentials 200] [--format ldp_vc+eddsa-rdfc-2022]
                                [--json out.json]

Two nodes on anvil, each served over HTTP by uvicorn in this process: B (the host) publishes
a catalogue entry and issues ``--credentials`` eddsa-jcs-2022 credentials from it (anchored,
status lists published and anchored); A (the home) and B agree node to node that the entry
counts towards A's programme (B anchors the agreement). Then, in A's process:

- **bare**: ``Verifier.verify`` of each credential (every check on; warm: B's lists and
  anchors already fetched once) — what recognition cannot do without;
- **decisions**: ``Recognitions.request`` per credential — the full pipeline again, the
  agreement checked against the chain (both signatures, anchor, members), its conditions,
  and the decision credential issued and stored in ``--format`` (the staff formats' default:
  eddsa-rdfc-2022).

Printed: decisions/s, bare verifications/s, their ratio, p50/p99 of a decision.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
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
from tests.integration.test_agreements import terms
from tests.integration.test_catalogue_issuing import request_claims


def _pct(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)],
    }


def run(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    from tests import anvil
    from tests.integration.test_anchoring_faults import start_anvil

    process, url = start_anvil()
    rpc = {"chain": "rpc", "chain_rpc_url": url, "anchor_worker": False}
    try:
        a = make_node(
            root / "a",
            f"http://127.0.0.1:{anvil.free_port()}",
            rpc | {"staff_sign_formats": [args.format]},
        )
        b = make_node(root / "b", f"http://127.0.0.1:{anvil.free_port()}", rpc)
        deploy(a, [b])
        with ExitStack() as stack:
            stack.enter_context(serving(a.settings))
            stack.enter_context(serving(b.settings))
            progress("  B publishes an entry; A and B agree on it")
            catalogue = b.catalogue()
            version = catalogue.publish(catalogue.create(SAMPLES[1]).id)
            b.catalogue_anchorer().run_once()
            a_did, b_did = a.identity().did, b.identity().did
            proposal = terms(b_did, b_did, a_did)
            proposal["modules"][0] |= {"entry": version.url, "digest": version.digest}
            agreement = a.agreements().propose(proposal, "bench").url
            b.agreements().accept(agreement, "bench")
            b.agreement_anchorer().run_once()
            a.agreement_anchorer().run_once()

            progress(f"  B issues and anchors {args.credentials} credentials from the entry")
            claims = b.course_claims().claims_for(version.url, request_claims())
            requests = [
                IssueRequest({**claims, "learner": {**claims["learner"], "identifier": f"S{n}"}})
                for n in range(args.credentials)
            ]
            outcomes = b.issuance().issue_batch(requests, [CredentialFormat.LDP_JCS], None)
            credentials = [json.loads(o.copies[0].content) for o in outcomes if o.record_id]
            b.status().publish_changed()
            b.anchor_worker().run_once(force=True)
            b.status_anchorer().run_once()

            verifier = a.verifier()
            assert verifier.verify(credentials[0]).verified  # B's lists fetched once
            progress("  bare verification at A")
            started = time.perf_counter()
            for credential in credentials:
                report = verifier.verify(credential)
            bare = time.perf_counter() - started
            assert report.verified, report.as_dict()

            progress("  automatic decisions at A")
            recognitions = a.recognitions()
            samples = []
            started = time.perf_counter()
            for credential in credentials:
                t0 = time.perf_counter()
                case = recognitions.request(
                    {"agreement": agreement, "programme": "MSC-DS", "credentials": [credential]},
                    "bench",
                )
                samples.append((time.perf_counter() - t0) * 1000)
                assert case["state"] == "decided", case["conditions"]
            decided = time.perf_counter() - started
        for node in (a, b):
            node.close()
    finally:
        anvil.stop(process)
    n = len(credentials)
    return {
        "credentials": n,
        "format": args.format,
        "bare_per_s": n / bare,
        "decisions_per_s": n / decided,
        "ratio": (n / decided) / (n / bare),
        **_pct(samples),
    }


def render(result: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"recognition, {result['credentials']} credentials, decision in {result['format']}",
            f"  bare verification   {result['bare_per_s']:8.1f} /s",
            f"  automatic decision  {result['decisions_per_s']:8.1f} /s "
            f"({result['ratio']:.2f}× bare; p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms)",
        ]
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=200)
    parser.add_argument(
        "--format",
        default="ldp_vc+eddsa-rdfc-2022",
        choices=["ldp_vc+eddsa-rdfc-2022", "ldp_vc+eddsa-jcs-2022", "jwt_vc_json"],
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args, Path(tmp))
    print(render(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
