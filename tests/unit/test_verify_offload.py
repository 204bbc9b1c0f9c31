"""JSON-LD work in worker processes (node.verification.offload): the same answers as in
this process, the same errors, and a job past its deadline ends its worker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from node.credentials import vocab
from node.credentials.examples import example_claims
from node.credentials.profile import RequirementProfile, validate_claims
from node.credentials.render import IssuerInfo, to_vcdm2
from node.verification.limits import Deadline, VerificationTimeout
from node.verification.offload import JsonLdWorkers
from vc import data_integrity, jsonld
from vc.errors import LimitExceeded, UndefinedTermError, UnknownContextError

ISSUER = IssuerInfo(
    id="did:web:offload.example",
    name="Offload U",
    country="FI",
    legal_status=vocab.LegalStatus.PUBLIC_INSTITUTION,
)


def _credential(n: int = 1) -> dict[str, object]:
    claims = validate_claims(example_claims(n), RequirementProfile())
    return to_vcdm2(
        claims,
        credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        issuer=ISSUER,
        valid_from=datetime(2025, 7, 1, tzinfo=UTC),
    )


@pytest.fixture
def workers() -> Iterator[JsonLdWorkers]:
    pool = JsonLdWorkers(1, niceness=5)
    try:
        yield pool
    finally:
        pool.close()


def test_answers_and_errors_are_those_of_this_process(workers: JsonLdWorkers) -> None:
    document = _credential()
    with jsonld.running_in(workers.runner(Deadline(60))):
        canonical = data_integrity.canonize_rdfc(document)
        expanded = jsonld.expand_strict(dict(document))
        with pytest.raises(UndefinedTermError) as undefined:
            jsonld.expand_strict({**document, "unknownTerm": 1})
        with pytest.raises(UnknownContextError) as unknown:
            jsonld.expand_strict({"@context": "https://unknown.example/ctx", "a": 1})
        with pytest.raises(LimitExceeded, match="deep iterations"):
            twin = {"https://example.org/q": [{"https://example.org/r": "v"}] * 9}
            jsonld.canonize({"@id": "urn:x", "https://example.org/p": [twin, dict(twin)]})
    assert canonical == data_integrity.canonize_rdfc(document)
    assert expanded == jsonld.expand_strict(dict(document))
    assert undefined.value.problems == ["property 'unknownTerm'"]
    assert unknown.value.url == "https://unknown.example/ctx"


def test_a_job_past_its_deadline_ends_its_worker(workers: JsonLdWorkers) -> None:
    document = _credential()
    outcomes = document["credentialSubject"]["achievement"]["learningOutcome"]  # type: ignore[index]
    big = {**document}
    big["credentialSubject"] = {
        **document["credentialSubject"],  # type: ignore[dict-item]
        "achievement": {
            **document["credentialSubject"]["achievement"],  # type: ignore[index]
            "learningOutcome": [{**outcomes[0], "title": f"outcome {i}"} for i in range(400)],
        },
    }
    workers.run("expand_strict", _credential(2), Deadline(60))  # the worker is up
    started = time.monotonic()
    with pytest.raises(VerificationTimeout, match="CREDREG_VERIFY_DEADLINE_SECONDS"):
        workers.run("canonize_rdfc", big, Deadline(0.05))
    assert time.monotonic() - started < 2  # not the seconds the job would take
    # a fresh worker takes the ended one's place
    assert workers.run("canonize_rdfc", _credential(3), Deadline(60)) == (
        data_integrity.canonize_rdfc(_credential(3))
    )
