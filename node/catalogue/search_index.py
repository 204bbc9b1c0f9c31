"""The catalogue's search index (table ``catalogue_search``; node/catalogue/search.py reads
it): one row per entry on offer — this institution's (``member_id`` None) or a member's kept
copy — at its newest version on offer, with its filter values and its words per language
(the language maps' text in exactly that language, plus the language-neutral words:
keywords, teachers, the institution's name).

Derived, never edited: the writers call :func:`reindex_own` (publish, withdraw:
node/catalogue/entries.py) and :func:`reindex_peer` (a version kept or its state changed:
node/network/catalogue_sync.py) inside their own transaction, so the index holds exactly
what the tables do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, delete, select
from sqlalchemy.orm import Session

from node.db.models import SEARCH_CONFIGS, CatalogueSearch, CatalogueVersion, PeerCatalogueVersion

PUBLISHED = "published"
_V = TypeVar("_V", CatalogueVersion, PeerCatalogueVersion)
# The language maps whose text is searched.
_TEXTS = (
    "title",
    "abstract",
    "faculty",
    "shortBio",
    "targetGroupDescription",
    "entryRequirements",
    "pedagogicalApproach",
    "mainTopics",
    "learningHoursDistribution",
    "assessmentDescription",
    "credentialsIssued",
    "credentialRequirements",
    "industrySupport",
)


def reindex_own(session: Session, entry_id: str, entry_url: str) -> None:
    """Index this institution's entry at its newest version on offer (or drop it)."""
    v = CatalogueVersion
    current = session.scalar(_newest(v, v.entry_id == entry_id, v.state == PUBLISHED))
    _put(session, entry_url, current.document if current else None, None)


def reindex_peer(session: Session, entry_url: str) -> None:
    """Index a member's kept entry at its newest version on offer (or drop it)."""
    v = PeerCatalogueVersion
    current = session.scalar(_newest(v, v.entry_url == entry_url, v.state == PUBLISHED))
    if current is None:
        _put(session, entry_url, None, None)
    else:
        _put(session, entry_url, current.document, current.member_id)


def _newest(table: type[_V], *where: ColumnElement[bool]) -> Select[_V]:
    """The highest-numbered version that ``where`` selects, as just written (not as the
    session may still hold it)."""
    return (
        select(table)
        .where(*where)
        .order_by(table.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _put(
    session: Session, entry_url: str, document: Mapping[str, Any] | None, member_id: int | None
) -> None:
    session.execute(delete(CatalogueSearch).where(CatalogueSearch.entry_url == entry_url))
    if document is not None:
        session.add(CatalogueSearch(**search_row(document, member_id)))


def search_row(document: Mapping[str, Any], member_id: int | None) -> dict[str, Any]:
    """The index row of a published version's document (``CatalogueSearch`` columns)."""
    content: Mapping[str, Any] = document["content"]
    institution: Mapping[str, Any] = document["institution"]
    neutral = [*content.get("keywords", ()), *content.get("teachers", ())]
    neutral.append(str(institution.get("name", "")))
    texts = {lang: _words_in(content, lang, neutral) for lang in SEARCH_CONFIGS}
    return {
        "entry_url": document["entry"],
        "version_url": document["id"],
        "member_id": member_id,
        "institution_did": institution["id"],
        "field_of_study": content["fieldOfStudy"],
        "eqf_level": content["eqfLevel"],
        "ects": content["workload"].get("ects"),
        "languages": "".join(f" {code}" for code in content["languages"]) + " ",
        "participation": content["participationForm"],
        "free_start": bool(content.get("freeStart", False)),
        "start_date": _date(content.get("startDate")),
        "end_date": _date(content.get("endDate")),
        "published_at": datetime.fromisoformat(document["publishedAt"]),
        **{f"text_{lang}": words for lang, words in texts.items()},
    }


def _words_in(content: Mapping[str, Any], lang: str, neutral: list[str]) -> str:
    parts = [_in(content.get(name), lang) for name in _TEXTS]
    parts += [_in(o.get("text"), lang) for o in content.get("learningOutcomes", ())]
    parts += [_in((content.get("costs") or {}).get("description"), lang)]
    return "\n".join(p for p in [*parts, *neutral] if p)


def _in(value: Any, lang: str) -> str:
    """A language map's text in exactly ``lang`` (or a regional form of it), else ""."""
    if not isinstance(value, Mapping):
        return ""
    return " ".join(str(v) for tag, v in value.items() if tag.split("-")[0].lower() == lang)


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None
