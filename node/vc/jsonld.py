"""Offline JSON-LD processing.

Every context the node understands ships inside the package (``contexts/index.json`` maps
URL → file). Resolving any other URL is an error, never a network fetch (DESIGN.md,
"Credentials"). pyld has no "safe mode", so :func:`expand_strict` rejects a document whose
properties or types do not expand to absolute IRIs — the check the W3C suites expect.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld

from node.vc.errors import UndefinedTermError, UnknownContextError

_CONTEXT_DIRS = ("node.vc", "node.credentials")


@cache
def bundled_contexts() -> dict[str, dict[str, Any]]:
    """Every bundled context document, keyed by its URL."""
    documents: dict[str, dict[str, Any]] = {}
    for package in _CONTEXT_DIRS:
        folder = resources.files(package) / "contexts"
        index_file = folder / "index.json"
        if not index_file.is_file():
            continue
        index: dict[str, str] = json.loads(index_file.read_text("utf-8"))
        for url, filename in index.items():
            documents[url] = json.loads((folder / filename).read_text("utf-8"))
    return documents


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that only serves bundled contexts."""
    document = bundled_contexts().get(url)
    if document is None:
        raise UnknownContextError(url)
    # "static" lets pyld keep the processed context between calls instead of re-resolving it.
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


# base None: an undefined type stays a relative IRI instead of being resolved against
# pyld's placeholder base, so _check_types can see it.
_OPTIONS: dict[str, Any] = {"documentLoader": document_loader, "base": None}


def _is_absolute_iri(value: str) -> bool:
    # Relative IRIs (no scheme) are what undefined terms expand to when there is no @vocab.
    return ":" in value


def _check_types(node: Any, problems: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _check_types(item, problems)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "@type" and "@value" not in node:
                for type_iri in value if isinstance(value, list) else [value]:
                    if not _is_absolute_iri(type_iri):
                        problems.append(f"type '{type_iri}'")
            elif key != "@value":
                _check_types(value, problems)


def expand_strict(document: dict[str, Any]) -> list[Any]:
    """Expand ``document`` offline; raise :class:`UndefinedTermError` on undefined terms."""
    dropped: list[str] = []

    def on_dropped(term: str | None) -> None:
        dropped.append(f"property '{term}'")

    try:
        expanded: list[Any] = jsonld.expand(
            document, dict(_OPTIONS), on_property_dropped=on_dropped
        )
    except jsonld.JsonLdError as exc:
        cause = _root_cause(exc)
        if isinstance(cause, UnknownContextError):
            raise cause from exc
        raise UndefinedTermError([f"invalid JSON-LD: {cause}"]) from exc
    _check_types(expanded, dropped)
    if dropped:
        raise UndefinedTermError(sorted(set(dropped)))
    return expanded


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    while True:
        details = getattr(seen, "details", None)
        nested = details.get("cause") if isinstance(details, dict) else None
        nested = nested or seen.__cause__
        if nested is None or nested is seen:
            return seen
        seen = nested


def canonize(document: dict[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0 / URDNA2015) to N-Quads, offline."""
    options = dict(_OPTIONS, algorithm="URDNA2015", format="application/n-quads")
    try:
        result: str = jsonld.normalize(document, options)
    except jsonld.JsonLdError as exc:
        cause = _root_cause(exc)
        if isinstance(cause, UnknownContextError):
            raise cause from exc
        raise UndefinedTermError([f"invalid JSON-LD: {cause}"]) from exc
    return result
