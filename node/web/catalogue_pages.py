"""The public page of a catalogue version (/catalogue/{id}/versions/{n}): what the course
offers, in the page's language, with its schema.org ``Course`` JSON-LD embedded for search
engines and links to the ELM JSON-LD and the plain JSON."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from node.catalogue.entries import Version, VersionState
from node.credentials.model import pick
from node.i18n.catalogues import gettext_noop, translator
from node.web import labels
from node.web.templating import render

_FACTS = {
    "workload": gettext_noop("ECTS credits"),
    "certifiedHours": gettext_noop("Certified hours"),
    "eqfLevel": gettext_noop("EQF level"),
    "fieldOfStudy": gettext_noop("Field of study (ISCED-F)"),
    "languages": gettext_noop("Languages"),
    "participationForm": gettext_noop("Mode of study"),
    "dates": gettext_noop("Dates"),
    "estimatedDuration": gettext_noop("Duration"),
    "academicHours": gettext_noop("Academic hours"),
    "faculty": gettext_noop("Faculty or department"),
    "teachers": gettext_noop("Teachers"),
    "entryRequirements": gettext_noop("Entry requirements"),
    "targetGroupDescription": gettext_noop("Target group"),
    "assessmentTypes": gettext_noop("Assessment"),
    "learningOutcomes": gettext_noop("Learning outcomes"),
    "costs": gettext_noop("Price"),
    "keywords": gettext_noop("Keywords"),
    "credentialsIssued": gettext_noop("Credentials issued"),
}


def text_in(value: Any, lang: str) -> str:
    """A language map's text in ``lang`` (else English, else any); "" without one."""
    return pick(value, lang) if isinstance(value, dict) and value else ""


def version_page(
    lang: str,
    version: Version,
    course_jsonld: dict[str, Any],
    *,
    links: str | None = None,
    kept_from: str | None = None,
) -> str:
    """The version's page; ``links``: where its other formats are (default: its URL, with
    ``?format=``); ``kept_from``: the member's DID when this node serves its kept copy."""
    content = version.content
    gettext = translator(lang).gettext
    facts = [(key, gettext(_FACTS[key]), value) for key, value in _facts(lang, content)]
    withdrawn = ""
    if version.state == VersionState.WITHDRAWN:
        withdrawn = version.withdrawn_reason or ""
    # JSON in a <script> data block: no <, > or & for the HTML parser to act on ("</script>",
    # "<!--" would end or swallow the block); JSON reads the escapes as the same characters
    embedded = (
        json.dumps(course_jsonld, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    return render(
        lang,
        "catalogue_version.html",
        course_jsonld=Markup(embedded),
        title=text_in(content.get("title"), lang),
        abstract=text_in(content.get("abstract"), lang),
        withdrawn=withdrawn,
        facts=facts,
        number=version.number,
        published=version.published_at.date().isoformat() if version.published_at else "",
        digest=version.digest or "",
        anchor=version.anchor,
        url=version.url,
        links=links or f"{version.url}?",
        kept_from=kept_from,
    )


def _facts(lang: str, content: dict[str, Any]) -> list[tuple[str, str | list[str]]]:
    rows: list[tuple[str, str | list[str]]] = []
    workload = content.get("workload") or {}
    if "ects" in workload:
        rows.append(("workload", f"{workload['ects']:g}"))
    if "certifiedHours" in workload:
        rows.append(("certifiedHours", f"{workload['certifiedHours']:g}"))
    rows.append(("eqfLevel", str(content["eqfLevel"])))
    rows.append(("fieldOfStudy", str(content["fieldOfStudy"])))
    rows.append(("languages", [labels.language(lang, c) for c in content["languages"]]))
    rows.append(
        ("participationForm", labels.value(lang, "participation", content["participationForm"]))
    )
    if content.get("freeStart"):
        rows.append(("dates", translator(lang).gettext("free start")))
    elif content.get("startDate"):
        rows.append(("dates", f"{content['startDate']} – {content.get('endDate', '')}".strip(" –")))
    for key in ("estimatedDuration", "academicHours"):
        if key in content:
            value = content[key]
            rows.append((key, f"{value:g}" if isinstance(value, float) else str(value)))
    for key in ("faculty", "entryRequirements", "targetGroupDescription", "credentialsIssued"):
        if key in content:
            rows.append((key, text_in(content[key], lang)))
    if content.get("teachers"):
        rows.append(("teachers", list(content["teachers"])))
    rows.append(
        (
            "assessmentTypes",
            [labels.value(lang, "assessment", a) for a in content["assessmentTypes"]],
        )
    )
    rows.append(
        ("learningOutcomes", [text_in(o.get("text"), lang) for o in content["learningOutcomes"]])
    )
    if "costs" in content:
        costs = content["costs"]
        rows.append(("costs", f"{costs['amount']:g} {costs['currency']}"))
    if content.get("keywords"):
        rows.append(("keywords", ", ".join(content["keywords"])))
    return rows
