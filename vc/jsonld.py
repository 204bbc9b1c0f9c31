"""Offline JSON-LD processing.

Every context the node understands ships inside the package (``contexts/index.json`` maps
URL → file). Resolving any other URL is an error, never a network fetch
(docs/credential-model.md). pyld has no "safe mode", so :func:`expand_strict` rejects a
document whose properties or types do not expand to absolute IRIs — the check the W3C suites expect.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

from pyld import canon, jsonld
from pyld.context_resolver import ContextResolver

from vc.errors import LimitExceeded, UndefinedTermError, UnknownContextError

__all__ = [
    "Runner",
    "bundled_contexts",
    "canonize",
    "current_runner",
    "document_loader",
    "expand_strict",
    "running_in",
]

_CONTEXT_DIRS = ("vc",)


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
    # A copy: pyld may rewrite parts of a context it loads (@import), and the bundled
    # documents are shared by every thread.
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(document),
        "tag": "static",
    }


# Contexts pyld has processed, one cache per thread.
#
# pyld's default ContextResolver keeps every processed context in one module-level
# cachetools LRUCache, and each ResolvedContext in it holds another LRUCache of processed
# forms; neither is thread-safe, and verifications running in parallel threads broke them
# (KeyError, "OrderedDict mutated during iteration": issue 11). A lock around every pyld
# call would make JSON-LD processing one queue — a single large document would then hold up
# every other verification, which is what the per-request work limits are there to prevent
# — so instead each thread gets its own resolver cache: nothing pyld caches is reachable
# from two threads. The price is each thread processing the bundled contexts it uses once
# (about 40 ms for all of them); threads are pooled and reused.
_RESOLVED_CONTEXTS = 100  # pyld's own bound (RESOLVED_CONTEXT_CACHE_MAX_SIZE)
_per_thread = threading.local()


class _ContextCache(OrderedDict[str, Any]):
    """A least-recently-used map for one thread's ContextResolver (it calls get and set)."""

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        self.move_to_end(key)
        return self[key]

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > _RESOLVED_CONTEXTS:
            self.popitem(last=False)


def _options(**extra: Any) -> dict[str, Any]:
    """pyld options: bundled contexts only, this thread's context cache.

    ``base`` None: an undefined type stays a relative IRI instead of being resolved against
    pyld's placeholder base, so _check_types can see it.
    """
    contexts = getattr(_per_thread, "contexts", None)
    if contexts is None:
        contexts = _per_thread.contexts = _ContextCache()
    return {
        "documentLoader": document_loader,
        "base": None,
        "contextResolver": ContextResolver(contexts, document_loader),
        **extra,
    }


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


# pyld runs in this process unless the calling thread hands its work elsewhere: the node's
# public verifications run it in worker processes (node.verification.offload), so that no
# large or hostile document holds this process's interpreter lock for long.
Runner = Callable[[str, dict[str, Any]], Any]
_runner = threading.local()


@contextmanager
def running_in(runner: Runner) -> Iterator[None]:
    """Within the block, this thread's costly JSON-LD operations — :func:`expand_strict`,
    :func:`canonize` and ``data_integrity.canonize_rdfc`` — go to ``runner(name, document)``,
    which returns what the operation returns or raises what it raises (a worker process
    runs the operation itself, with no runner)."""
    previous = getattr(_runner, "run", None)
    _runner.run = runner
    try:
        yield
    finally:
        _runner.run = previous


def current_runner() -> Runner | None:
    """This thread's runner (:func:`running_in`), if any."""
    run: Runner | None = getattr(_runner, "run", None)
    return run


def expand_strict(document: dict[str, Any]) -> list[Any]:
    """Expand ``document`` offline; raise :class:`UndefinedTermError` on undefined terms."""
    run = current_runner()
    if run is not None:
        delegated: list[Any] = run("expand_strict", document)
        return delegated
    dropped: list[str] = []

    def on_dropped(term: str | None) -> None:
        dropped.append(f"property '{term}'")

    try:
        expanded: list[Any] = jsonld.expand(document, _options(), on_property_dropped=on_dropped)
    except jsonld.JsonLdError as exc:
        raise _verdict(exc) from exc
    _check_types(expanded, dropped)
    if dropped:
        raise UndefinedTermError(sorted(set(dropped)))
    return expanded


def _verdict(exc: jsonld.JsonLdError) -> BaseException:
    """What a pyld error says about the document: an unknown context, or invalid JSON-LD.

    pyld also wraps what merely happened while it worked — a RecursionError or MemoryError
    in the document loader, say — in a JsonLdError; that is no verdict on the document (the
    same document may pass on the next call) and is handed back as it is.
    """
    cause = _root_cause(exc)
    if isinstance(cause, UnknownContextError) or not isinstance(cause, jsonld.JsonLdError):
        return cause
    return UndefinedTermError([f"invalid JSON-LD: {cause}"])


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    while True:
        details = getattr(seen, "details", None)
        nested = details.get("cause") if isinstance(details, dict) else None
        nested = nested or seen.__cause__
        if nested is None or nested is seen:
            return seen
        seen = nested


class _BoundedRdfc(canon.URDNA2015):  # type: ignore[misc]
    """RDFC-1.0 (URDNA2015) with a bound on its deep iterations.

    Hash N-Degree Quads (RDFC-1.0 §4.8) is exponential in the number of blank nodes that
    first-degree hashes cannot tell apart: a small "poison" graph can keep a canonicaliser
    busy for hours (RDFC-1.0 §6, "Privacy and security considerations"). As rdf-canonize,
    the JavaScript implementation, does by default (``maxWorkFactor`` 1), the algorithm may
    run Hash N-Degree Quads at most as many times as the dataset has blank nodes; past that
    it stops with :class:`LimitExceeded`. Credentials whose blank nodes all differ never
    need a single deep iteration.
    """

    def __init__(self) -> None:
        super().__init__()
        self._remaining: int | None = None

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        if self._remaining is None:
            self._remaining = len(self.blank_node_info)
        if self._remaining <= 0:
            raise LimitExceeded(
                "document",
                "canonicalising it (RDFC-1.0) needs more than "
                f"{len(self.blank_node_info)} deep iterations: too many blank nodes that "
                "cannot be told apart",
            )
        self._remaining -= 1
        return super().hash_n_degree_quads(id_, issuer)


def canonize(document: dict[str, Any]) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0 / URDNA2015) to N-Quads, offline, bounded.

    What ``jsonld.normalize`` does, with :class:`_BoundedRdfc` for the algorithm.
    """
    run = current_runner()
    if run is not None:
        canonical: str = run("canonize", document)
        return canonical
    try:
        # produceGeneralizedRdf False, as jsonld.normalize passes it
        dataset = jsonld.to_rdf(document, _options(produceGeneralizedRdf=False))
    except jsonld.JsonLdError as exc:
        raise _verdict(exc) from exc
    result: str = _BoundedRdfc().main(dataset, {"format": "application/n-quads"})
    return result
