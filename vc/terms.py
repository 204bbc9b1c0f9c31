"""The undefined-term check (:func:`vc.jsonld.expand_strict`), memoised.

Whether JSON-LD expansion drops a property or leaves a type relative depends on the keys,
the nesting, the contexts and the values of keyword keys (``@type``/``type``, ...), never on
the text of an ordinary property's string value, nor on which string an ``@id`` holds. So
the check runs once per *skeleton* (those strings blanked) and its outcome is reused: the
rendered credentials of a batch share a handful of skeletons.

Only the check's own verdicts are remembered — "every term is defined", the undefined terms
(:class:`UndefinedTermError`) or the unknown context (:class:`UnknownContextError`): they
follow from the skeleton alone. Any other failure (a bug, a RecursionError, MemoryError, …)
is raised to its caller only and the next document of that shape is checked afresh, so one
failure can never become the answer for every later credential of its shape. The memo is
shared by the verification threads and guarded by a lock (its operations are dictionary
moves, far shorter than the expansion, which runs outside the lock).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from vc.errors import UndefinedTermError, UnknownContextError
from vc.jsonld import bundled_contexts, expand_strict

__all__ = ["expand_strict_memoised"]

# skeleton → None (all terms defined), the undefined terms, or the unknown context's URL
_Verdict = tuple[str, ...] | str | None
_SKELETON_CACHE: OrderedDict[str, _Verdict] = OrderedDict()
_SKELETON_CACHE_SIZE = 256
_LOCK = threading.Lock()
_ALIASES: tuple[frozenset[str], frozenset[str]] | None = None


def _aliases() -> tuple[frozenset[str], frozenset[str]]:
    """(terms whose string values are kept, terms that only ever alias ``@id``), over every
    term definition in the bundled contexts (``type`` → ``@type``, ``id`` → ``@id``, ...)."""
    global _ALIASES
    if _ALIASES is None:
        targets: dict[str, set[str | None]] = {}

        def scan(node: Any) -> None:
            if isinstance(node, list):
                for item in node:
                    scan(item)
            elif isinstance(node, dict):
                for key, value in node.items():
                    target = value.get("@id") if isinstance(value, dict) else value
                    keyword = target if isinstance(target, str) and target[:1] == "@" else None
                    targets.setdefault(key, set()).add(keyword)
                    scan(value)

        scan(list(bundled_contexts().values()))
        keep = {k for k, t in targets.items() if t - {None, "@id"}}
        ids = {k for k, t in targets.items() if "@id" in t and k not in keep}
        _ALIASES = frozenset(keep), frozenset(ids | {"@id"})
    return _ALIASES


class _EmbeddedContext(Exception):
    """The document defines terms itself: its aliases are unknown, so it is not memoised."""


def _skeleton(node: Any, key: str | None, keep: frozenset[str], ids: frozenset[str]) -> Any:
    if isinstance(node, dict):
        if key == "@context":
            raise _EmbeddedContext
        return {k: _skeleton(v, k, keep, ids) for k, v in node.items()}
    if isinstance(node, list):
        return [_skeleton(item, key, keep, ids) for item in node]
    if isinstance(node, str) and key is not None and node[:1] != "@":
        if key in ids:
            return "#id"  # an @id value is only checked to be a string
        if key[:1] != "@" and key not in keep:
            return ""  # an ordinary property's string value: a literal or an IRI, never a term
    return node


def expand_strict_memoised(document: Mapping[str, Any]) -> None:
    """Raise what ``expand_strict(document)`` raises; the expanded form is not returned."""
    keep, ids = _aliases()
    try:
        skeleton = _skeleton(document, None, keep, ids)
    except _EmbeddedContext:
        expand_strict(dict(document))
        return
    cache_key = json.dumps(skeleton, ensure_ascii=False)
    with _LOCK:
        known = cache_key in _SKELETON_CACHE
        if known:
            _SKELETON_CACHE.move_to_end(cache_key)
            verdict = _SKELETON_CACHE[cache_key]
    if not known:
        try:
            expand_strict(dict(document))
            verdict = None
        except UndefinedTermError as exc:
            verdict = tuple(exc.problems)
        except UnknownContextError as exc:
            verdict = exc.url
        # anything else propagates uncached
        with _LOCK:
            _SKELETON_CACHE[cache_key] = verdict
            if len(_SKELETON_CACHE) > _SKELETON_CACHE_SIZE:
                _SKELETON_CACHE.popitem(last=False)
    if isinstance(verdict, tuple):
        raise UndefinedTermError(list(verdict))  # a fresh exception for every caller
    if isinstance(verdict, str):
        raise UnknownContextError(verdict)
