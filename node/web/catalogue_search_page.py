"""The public search page of the network's catalogue (``GET /catalogue``): a form (GET, no
script) over the words and every filter, the results read from their checked documents,
pages of 20. What the query string says is read leniently — an empty field means "any" —
and what cannot be read is named on the page (a 422), never a traceback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from node.catalogue.search import CatalogueQuery, Hit, Results
from node.errors import InvalidInput, Problem
from node.i18n.catalogues import gettext_noop, translator
from node.web import labels
from node.web.catalogue_pages import text_in
from node.web.templating import render

PAGE = 20
MODES = ("online", "onsite", "blended")
LANGUAGES = ("en", "de", "es", "fi", "fr", "it", "sv")
# ISCED-F 2013 broad fields.
FIELDS = {
    "00": gettext_noop("Generic programmes and qualifications"),
    "01": gettext_noop("Education"),
    "02": gettext_noop("Arts and humanities"),
    "03": gettext_noop("Social sciences, journalism and information"),
    "04": gettext_noop("Business, administration and law"),
    "05": gettext_noop("Natural sciences, mathematics and statistics"),
    "06": gettext_noop("Information and communication technologies"),
    "07": gettext_noop("Engineering, manufacturing and construction"),
    "08": gettext_noop("Agriculture, forestry, fisheries and veterinary"),
    "09": gettext_noop("Health and welfare"),
    "10": gettext_noop("Services"),
}
_NAMES = {  # the form's parameters, as the page names them when they cannot be read
    "q": gettext_noop("Words"),
    "field": gettext_noop("Field of study"),
    "eqf": gettext_noop("EQF level"),
    "ectsMin": gettext_noop("ECTS from"),
    "ectsMax": gettext_noop("ECTS to"),
    "language": gettext_noop("Language"),
    "mode": gettext_noop("Mode of study"),
    "startsFrom": gettext_noop("Starting from"),
    "startsUntil": gettext_noop("Starting until"),
    "institution": gettext_noop("Institution"),
    "page": gettext_noop("Page"),
}

_UNREADABLE = gettext_noop("cannot be read")
_REASONS = {  # what the page says of a value the query refused
    "field": gettext_noop("choose a field from the list"),
    "eqf": gettext_noop("a level from 1 to 8"),
    "ectsMin": gettext_noop("from 0 to 240"),
    "ectsMax": gettext_noop("from 0 to 240, and not below “ECTS from”"),
    "startsUntil": gettext_noop("not before “Starting from”"),
    "mode": gettext_noop("choose a mode from the list"),
    "language": gettext_noop("choose a language from the list"),
    "q": gettext_noop("at most 200 characters"),
    "page": gettext_noop("no such page"),
}


@dataclass
class SearchForm:
    """The form as sent (to show it again) and the query it makes, or what is wrong."""

    values: dict[str, str]
    query: CatalogueQuery | None = None
    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def read(cls, params: Mapping[str, str]) -> SearchForm:
        values = {k: params.get(k, "").strip() for k in (*_NAMES, "page")}
        form = cls(values)
        got: dict[str, Any] = {}
        for name, convert in (
            ("ectsMin", float),
            ("ectsMax", float),
            ("eqf", int),
            ("page", int),
            ("startsFrom", date.fromisoformat),
            ("startsUntil", date.fromisoformat),
        ):
            if values[name]:
                try:
                    got[name] = convert(values[name])
                except ValueError:
                    form.problems.append(Problem(name, _UNREADABLE))
        if values["mode"] and values["mode"] not in MODES:
            form.problems.append(Problem("mode", _REASONS["mode"]))
        if values["language"] and values["language"] not in LANGUAGES:
            form.problems.append(Problem("language", _REASONS["language"]))
        if len(values["q"]) > 200:
            form.problems.append(Problem("q", _REASONS["q"]))
        for bound in ("ectsMin", "ectsMax"):
            if not 0 <= got.get(bound, 0) <= 240:
                form.problems.append(Problem(bound, _REASONS[bound]))
        page = got.get("page", 1)
        if not 1 <= page <= 500:
            form.problems.append(Problem("page", _REASONS["page"]))
        if form.problems:
            return form
        try:
            form.query = CatalogueQuery(
                text=values["q"],
                field=values["field"] or None,
                eqf=(got["eqf"],) if "eqf" in got else (),
                ects_min=got.get("ectsMin"),
                ects_max=got.get("ectsMax"),
                language=values["language"] or None,
                mode=values["mode"] or None,
                starts_from=got.get("startsFrom"),
                starts_until=got.get("startsUntil"),
                institution=values["institution"] or None,
                limit=PAGE,
                offset=(page - 1) * PAGE,
            )
        except InvalidInput as exc:
            form.problems = [
                Problem(p.element, _REASONS.get(p.element, _UNREADABLE)) for p in exc.problems
            ]
        return form

    def link(self, page: int) -> str:
        kept = {k: v for k, v in self.values.items() if v and k != "page"}
        return "/catalogue?" + urlencode(kept | {"page": str(page)})


def search_page(
    lang: str,
    form: SearchForm,
    results: Results | None,
    institutions: list[tuple[str, str]],
    network: str,
) -> str:
    gettext = translator(lang).gettext
    problems = [
        f"{gettext(_NAMES.get(p.element, p.element))}: {gettext(p.reason)}" for p in form.problems
    ]
    page = int(form.values["page"]) if form.values["page"].isdigit() else 1
    return render(
        lang,
        "catalogue_search.html",
        values=form.values,
        problems=problems,
        results=[_result(lang, hit) for hit in results.hits] if results else [],
        total=results.total if results else 0,
        refused=results.refused if results else 0,
        searched=results is not None,
        previous=form.link(page - 1) if results and page > 1 else None,
        next=form.link(page + 1) if results and results.next_offset is not None else None,
        fields=[(code, gettext(name)) for code, name in FIELDS.items()],
        languages=[(code, labels.language(lang, code)) for code in LANGUAGES],
        modes=[(m, labels.value(lang, "participation", m)) for m in MODES],
        institutions=institutions,
        network=network,
    )


def _result(lang: str, hit: Hit) -> dict[str, Any]:
    content = hit.content
    gettext = translator(lang).gettext
    facts = []
    ects = content["workload"].get("ects")
    if ects is not None:
        facts.append(gettext("{ects} ECTS").format(ects=f"{ects:g}"))
    facts.append(labels.value(lang, "eqf", str(content["eqfLevel"])))
    facts.append(", ".join(labels.language(lang, c) for c in content["languages"]))
    facts.append(labels.value(lang, "participation", content["participationForm"]))
    if content.get("freeStart"):
        facts.append(gettext("free start"))
    elif content.get("startDate"):
        facts.append(f"{content['startDate']} – {content.get('endDate', '')}".strip(" –"))
    url = str(hit.document["id"])
    own = hit.member_id is None
    return {
        "title": text_in(content.get("title"), lang),
        "abstract": text_in(content.get("abstract"), lang),
        "href": _path(url) + f"?lang={lang}"
        if own
        else "/catalogue/network/version?" + urlencode({"url": url, "lang": lang}),
        "institution": str(hit.document["institution"].get("name", "")),
        "facts": facts,
        "own": own,
        "status": hit.member_status,
        "anchored": hit.anchor.state == "confirmed",
    }


def _path(url: str) -> str:
    """This node's own URL as a path (the page links within the node it is on)."""
    after_scheme = url.split("://", 1)[-1]
    return "/" + after_scheme.split("/", 1)[1] if "/" in after_scheme else "/"
