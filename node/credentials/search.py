"""The words a credential record is found by in the registry search (node/issuance/registry.py).

Case-folded, accents removed (NFKD), split at everything that is not a letter or a digit:
"Anna-Maria Müller" → ``anna``, ``maria``, ``muller``. The registry matches each word of a
query as a prefix of these. They are stored twice: one row per word (``record_search_term``,
an index range per query word) and, on the record itself, as one text (:func:`search_text`:
checked row by row while the newest records are walked; on PostgreSQL also a GIN index).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

TERM_LENGTH = 100
_SPLIT = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """``text`` case-folded, accents removed, split into words of letters and digits."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [w[:TERM_LENGTH] for w in _SPLIT.split(plain) if w]


def record_terms(record_id: str, claims: dict[str, Any]) -> set[str]:
    """The words a record is found by (stored claims: the pydantic model's JSON names)."""
    learner = claims.get("learner") or {}
    texts = [record_id]
    for key in ("givenName", "familyName", "identifier"):
        value = learner.get(key)
        if isinstance(value, str):
            texts.append(value)
    title = claims.get("title") or {}
    if isinstance(title, dict):
        texts.extend(v for v in title.values() if isinstance(v, str))
    return {w for text in texts for w in words(text)}


def term_rows(record_id: str, claims: dict[str, Any]) -> list[dict[str, str]]:
    return [{"record_id": record_id, "term": t} for t in sorted(record_terms(record_id, claims))]


def search_text(record_id: str, claims: dict[str, Any]) -> str:
    """The record's words in one text, each after a space: a record has a word beginning
    with ``w`` exactly when the text contains ``" " + w`` (words hold letters and digits
    only, so ``w`` is also a LIKE pattern as it is)."""
    return joined(record_terms(record_id, claims))


def joined(terms: Iterable[str]) -> str:
    """Search terms as :func:`search_text` stores them."""
    return "".join(f" {t}" for t in sorted(terms))
