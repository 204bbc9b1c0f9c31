"""Issuing from a catalogue entry: the course's claims come from a published version of this
institution's catalogue, the rest from the request.

:func:`course_claims` maps a version's content onto the claims' elements
(node/credentials/model.py, same JSON names where they are the same thing):

==========================  ========================================================
claims element              from the entry's content
==========================  ========================================================
``title``                   ``title``
``learningOutcomes``        ``learningOutcomes``
``workload``                ``workload``
``level``                   ``{"eqf": eqfLevel, "iscedF": fieldOfStudy}``
``assessmentTypes``         ``assessmentTypes``
``participationForm``       ``participationForm``
``languagesOfInstruction``  ``languages``
``courseDescription``       ``abstract``
``achievementId``           the version's URL (what the credential was awarded for)
others                      targetGroups, prerequisites (entryRequirements),
                            supervisionVerification, costs, faculty, teachers,
                            academicHours, estimatedDuration, modality, integration
                            (stackableTowards), when the entry has them
==========================  ========================================================

The request carries what the entry cannot know: the learner, the date of issuing, the
grade and its standard, and the institution's own elements (awarding bodies, quality
assurance; issuer countries default to the institution's country, the primary language to
the entry's default language). A course element in the
request is refused (422), never silently overwritten: the credential says what the
anchored description says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from node.catalogue.elm import default_language
from node.catalogue.entries import Catalogue, Version, VersionState
from node.errors import InvalidInput, NotFound, Problem

_SAME = (
    "title",
    "learningOutcomes",
    "workload",
    "assessmentTypes",
    "participationForm",
    "targetGroups",
    "supervisionVerification",
    "costs",
    "faculty",
    "teachers",
    "academicHours",
    "estimatedDuration",
    "modality",
)
# Every claims element a credential issued from an entry takes from it.
COURSE_ELEMENTS: Final = frozenset(_SAME) | {
    "level",
    "languagesOfInstruction",
    "courseDescription",
    "achievementId",
    "prerequisites",
    "integration",
}


def course_claims(version_url: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """The course's claims elements from a version's content (JSON form)."""
    claims: dict[str, Any] = {k: content[k] for k in _SAME if content.get(k) not in (None, [])}
    claims["level"] = {"eqf": content["eqfLevel"], "iscedF": content["fieldOfStudy"]}
    claims["languagesOfInstruction"] = list(content["languages"])
    claims["courseDescription"] = content["abstract"]
    claims["achievementId"] = version_url
    if content.get("entryRequirements"):
        claims["prerequisites"] = content["entryRequirements"]
    if content.get("stackableTowards"):
        claims["integration"] = {
            "options": ["stackable"],
            "stackableTowards": list(content["stackableTowards"]),
        }
    return claims


class CourseClaims:
    """The claims of a credential issued from one of this institution's entry versions."""

    def __init__(self, catalogue: Catalogue, country: str) -> None:
        self._catalogue = catalogue
        self._country = country

    def claims_for(
        self, version_url: str | None, given: Mapping[str, Any], *, at: str = ""
    ) -> Mapping[str, Any]:
        """The request's claims with the course's from ``version_url`` (published or
        withdrawn: learners enrolled on a withdrawn version still get their credentials);
        ``given`` as it is without a URL. InvalidInput names (after ``at``, e.g.
        ``items[3].``) a course element the request carries, or a URL that is not one of
        this catalogue's published versions."""
        if version_url is None:
            return given
        clashing = sorted(COURSE_ELEMENTS & set(given))
        if clashing:
            raise InvalidInput(
                "credential refused",
                [
                    Problem(f"{at}claims.{name}", "comes from the catalogue entry")
                    for name in clashing
                ],
            )
        version = self._version(version_url, at)
        claims = dict(given)
        claims.setdefault("issuerCountries", [self._country])
        claims.setdefault("primaryLanguage", default_language(version.content))
        return claims | course_claims(version.url, version.content)

    def _version(self, url: str, at: str) -> Version:
        entry_id, number = _parts(url, self._catalogue.entry_url_prefix, at)
        try:
            version = self._catalogue.published_version(entry_id, number)
        except NotFound:
            raise InvalidInput(
                "credential refused",
                [Problem(f"{at}catalogueEntry", "no published version of this catalogue")],
            ) from None
        assert version.state in (VersionState.PUBLISHED, VersionState.WITHDRAWN)
        return version


def _parts(url: str, prefix: str, at: str) -> tuple[str, int]:
    """``{prefix}{entry id}/versions/{n}`` → (entry id, n); InvalidInput otherwise."""
    rest = url.removeprefix(prefix) if url.startswith(prefix) else ""
    entry_id, _, number = rest.partition("/versions/")
    if len(entry_id) != 36 or not number.isdigit() or not 1 <= int(number) <= 100_000:
        raise InvalidInput(
            "credential refused",
            [
                Problem(
                    f"{at}catalogueEntry", f"a version URL of this catalogue: {prefix}…/versions/n"
                )
            ],
        )
    return entry_id, int(number)
