"""The fast RDFC-1.0 path (pyld → N-Quads → pyoxigraph) must be byte-identical to pyld."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from pyld import jsonld

from tests.unit._vc_helpers import load
from vc import data_integrity as di
from vc.errors import LimitExceeded
from vc.jsonld import canonize, document_loader

TRICKY_STRINGS = [
    "plain",
    "new\nline",
    "tab\there",
    'quote"back\\slash',
    "carriage\rreturn",
    "control\x01\x1f\x7f",
    "bell\b and form\f",
    "unicode é 漢字 😀",
    "line\u2028separator\u2029",
    "nul\x00byte",
]


def _documents() -> list[dict[str, Any]]:
    base = load("unsigned.json")
    documents = [
        base,
        load("proof-set-chain/signedProofChain2.json"),
        load("eddsa-rdfc-2022/signedDataInt.json"),
    ]
    for text in TRICKY_STRINGS:
        document = copy.deepcopy(base)
        document["name"] = text
        documents.append(document)
    rich = copy.deepcopy(base)
    rich["name"] = {"@value": "Hallo", "@language": "de-DE"}
    rich["description"] = [{"@value": "x", "@language": "EN-us"}, "y"]
    rich["credentialSubject"] = {
        "alumniOf": {"name": "A blank node"},
        "https://example.org/num": 1.5,
        "https://example.org/int": 10,
        "https://example.org/big": 1e25,
        "https://example.org/bool": True,
        "https://example.org/list": {"@list": [1, "a", {"https://example.org/q": 2}]},
        "https://example.org/json": {"@type": "@json", "@value": {"b": 1, "a": [1.0, "é"]}},
    }
    rich["https://example.org/twins"] = [
        {"https://example.org/a": {"https://example.org/b": {}}},
        {"https://example.org/a": {"https://example.org/b": {}}},
    ]
    documents.append(rich)
    # Values that take the reference path (see data_integrity._needs_reference).
    for value in (2**60, 5e-324, 1.7976931348623157e308, 0.1, -0.0):
        document = copy.deepcopy(base)
        document["credentialSubject"]["https://example.org/n"] = value
        documents.append(document)
    for name in ({"@value": "x", "@language": "ar", "@direction": "rtl"}, {"@value": "x"}):
        document = copy.deepcopy(base)
        document["name"] = name
        documents.append(document)
    return documents


@pytest.mark.parametrize("document", _documents())
def test_fast_path_is_byte_identical_to_pyld(document: dict[str, Any]) -> None:
    assert di.canonize_rdfc(document) == canonize(document)


def test_proof_config_template_is_exact() -> None:
    config = {
        "@context": load("unsigned.json")["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": "did:key:z6Mk#z6Mk",
        "proofPurpose": "assertionMethod",
        "challenge": "abc",
    }
    for created in (
        "2023-02-24T23:36:38Z",
        "1999-12-31T23:59:59.123+01:00",
        "2000-01-01T00:00:00Z",
    ):
        with_created = {**config, "created": created}
        assert di.canonize_proof_config(with_created) == canonize(with_created)
    assert di.canonize_proof_config(config) == canonize(config)


@pytest.mark.parametrize("document", _documents())
def test_the_bounded_reference_is_pyld(document: dict[str, Any]) -> None:
    """canonize runs pyld's own RDFC-1.0, only with a bound on its deep iterations."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "base": None,
    }
    assert canonize(document) == jsonld.normalize(copy.deepcopy(document), options)


def _poison(twins: int, *, language: bool) -> dict[str, Any]:
    """Two identical nodes with ``twins`` identical children each: blank nodes that no
    first-degree hash tells apart. Unbounded, 8 twins take pyld 30 s and pyoxigraph 2 s;
    each twin more multiplies that by about ten."""
    leaf = {"@value": "v", "@language": "en"} if language else "v"

    def child() -> dict[str, Any]:
        return {"https://example.org/q": [{"https://example.org/r": leaf} for _ in range(twins)]}

    return {"@id": "urn:x", "https://example.org/p": [child(), child()]}


@pytest.mark.parametrize("language", [False, True], ids=["fast path", "reference path"])
def test_a_poison_graph_is_refused_in_linear_time(language: bool) -> None:
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="deep iterations"):
        di.canonize_rdfc(_poison(8, language=language))
    assert time.monotonic() - started < 1.0


def test_a_few_twins_are_still_canonicalised() -> None:
    """Twins whose parents differ need one deep iteration each: within the bound."""
    document = {
        "@id": "urn:x",
        "https://example.org/p": [
            {
                "https://example.org/name": "one",
                "https://example.org/q": {"https://example.org/r": "v"},
            },
            {
                "https://example.org/name": "two",
                "https://example.org/q": {"https://example.org/r": "v"},
            },
        ],
    }
    assert di.canonize_rdfc(document) == canonize(document)
    assert canonize(document).count("_:c14n") >= 4
