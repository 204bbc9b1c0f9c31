"""Does a credential match the catalogue entry it was issued for?

A credential issued from an entry (node/catalogue/claims.py) names the entry's version URL
as its achievement's ``id``. :meth:`CourseMatcher.match` finds that version — this
institution's, or a member's copy kept here after its digest was found anchored by that
member — recomputes its digest, and compares what an employer relies on: the title (each
language the entry gives), the ECTS credits and the EQF level. It is information beside
the verdict, not one of the fixed checks: a credential may be genuine and still describe
its course differently (then the report says so, element by element).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from node.catalogue.search import checked_version
from node.lookup.summary import credential_summary, subject_of

_MARK = "/catalogue/"


@dataclass(frozen=True)
class CourseMatch:
    """``known``: the version is here (``source`` own | member) and hashes to its digest;
    ``differences``: the elements in which the credential says otherwise."""

    entry: str
    known: bool
    source: str | None = None
    title: dict[str, str] = field(default_factory=dict)
    anchored: bool = False
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool | None:
        return None if not self.known else not self.differences

    def as_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "known": self.known,
            "source": self.source,
            "title": self.title or None,
            "anchored": self.anchored,
            "matches": self.matches,
            "differences": self.differences,
        }


class CourseMatcher:
    def __init__(self, sessions: sessionmaker[Session], own_prefix: str) -> None:
        """``own_prefix``: what this institution's entry URLs start with."""
        self._sessions = sessions
        self._own = own_prefix

    def match(self, credential: Mapping[str, Any]) -> CourseMatch | None:
        """None when the credential names no catalogue version as its achievement."""
        url = _achievement_id(credential)
        if url is None:
            return None
        own = url.startswith(self._own)
        found = checked_version(self._sessions, url, own=own)
        if found is None:
            return CourseMatch(url, known=False)
        content: Mapping[str, Any] = found.document["content"]
        title: dict[str, str] = dict(content["title"])
        differences = []
        if any(
            credential_summary(credential, lang).get("title") != text
            for lang, text in title.items()
        ):
            differences.append("title")
        summary = credential_summary(credential, "en")
        ects = content["workload"].get("ects")
        if ects is not None and _number(summary.get("ects")) != float(ects):
            differences.append("ects")
        if summary.get("eqf") != f"EQF {content['eqfLevel']}":
            differences.append("eqf")
        return CourseMatch(
            url,
            known=True,
            source="own" if own else "member",
            title=title,
            anchored=found.anchor.state == "confirmed",
            differences=differences,
        )


def _achievement_id(credential: Mapping[str, Any]) -> str | None:
    achievement = (subject_of(credential) or {}).get("achievement")
    url = achievement.get("id") if isinstance(achievement, Mapping) else None
    if isinstance(url, str) and _MARK in url and "/versions/" in url and len(url) <= 1000:
        return url
    return None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
