"""JSON-LD processing from many threads at once, and the memoised term check (issue 11,
item 2): no state shared by the threads breaks, and no failure other than the check's own
verdict is ever remembered for a credential's shape."""

from __future__ import annotations

import copy
import inspect
import sys
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from node.credentials import vocab
from node.credentials.examples import example_claims
from node.credentials.profile import RequirementProfile, validate_claims
from node.credentials.render import IssuerInfo, to_vcdm2
from vc.data_integrity import canonize_rdfc
from vc.errors import UndefinedTermError
from vc.jsonld import canonize, expand_strict
from vc.terms import expand_strict_memoised

ISSUER = IssuerInfo(
    id="did:web:threads.example",
    name="Threads U",
    country="FI",
    legal_status=vocab.LegalStatus.PUBLIC_INSTITUTION,
)


def _credential(n: int) -> dict[str, Any]:
    claims = validate_claims(example_claims(n), RequirementProfile())
    return to_vcdm2(
        claims,
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        issuer=ISSUER,
        valid_from=datetime(2025, 7, 1, tzinfo=UTC),
    )


def test_expansion_and_canonicalisation_from_many_threads_agree() -> None:
    documents = [_credential(n) for n in range(6)]
    expected = [canonize_rdfc(d) for d in documents]
    reference = canonize(documents[0])
    failures: list[str] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()
        for i in range(40):
            k = (offset + i) % len(documents)
            try:
                expand_strict(copy.deepcopy(documents[k]))
                if canonize_rdfc(documents[k]) != expected[k]:
                    failures.append(f"document {k}: another canonical form")
                if i % 10 == 0 and canonize(documents[0]) != reference:
                    failures.append("pyld's reference canonical form changed")
            except Exception as exc:  # every failure is the finding, whatever its type
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# Frames left for the term check: enough to build the credential's skeleton, not to expand
# it (under pytest the window is about 20 to 28 frames).
MARGIN = 24


def _at_depth(margin: int, call: Any) -> Any:
    """Run ``call`` with only ``margin`` stack frames left before the recursion limit."""
    depth = 0
    frame = inspect.currentframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + margin)
    try:
        return call()
    finally:
        sys.setrecursionlimit(limit)


def test_a_failure_that_is_not_the_checks_verdict_is_not_remembered() -> None:
    expand_strict_memoised(_credential(1))  # the memo's own set-up done, with stack to spare
    document = _credential(7)
    document["credentialSubject"]["achievement"]["name"] = "a shape of its own"
    document["credentialSubject"]["someNewField"] = "x"
    with pytest.raises(RecursionError):  # expansion needs more frames than are left
        _at_depth(MARGIN, lambda: expand_strict_memoised(document))
    # The same shape, with the stack to spare: checked afresh, not the RecursionError again.
    with pytest.raises(UndefinedTermError) as first:
        expand_strict_memoised(document)
    assert "someNewField" in str(first.value)
    # The check's verdict is remembered — and raised as a fresh exception each time.
    with pytest.raises(UndefinedTermError) as second:
        expand_strict_memoised(copy.deepcopy(document))
    assert second.value is not first.value and second.value.problems == first.value.problems


def test_a_well_formed_shape_passes_after_a_failed_attempt() -> None:
    expand_strict_memoised(_credential(1))
    document = _credential(9)
    outcomes = document["credentialSubject"]["achievement"]["learningOutcome"]
    outcomes[:] = [outcomes[0]] * 13  # a shape no other test checks
    with pytest.raises(RecursionError):
        _at_depth(MARGIN, lambda: expand_strict_memoised(document))
    expand_strict_memoised(document)  # no exception: every term is defined
