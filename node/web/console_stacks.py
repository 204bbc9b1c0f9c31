"""The staff console's micro-degrees (/console/stacks): this institution's stack rules and
their versions (anchored or not yet), every learner's progress, and a progress's page with
its components, the credentials presented and — for a registrar, once the rule holds — the
form that issues the micro-degree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from node.credentials import vocab
from node.credentials.model import pick
from node.domain import StaffRole
from node.i18n.catalogues import gettext_noop, translator
from node.staff.signin import Staff
from node.web import labels
from node.web.learner_stacks import COMPONENT_STATES, component_names
from node.web.templating import render

STACK_ISSUERS = (StaffRole.REGISTRAR,)
_STATES = {
    "awaiting": gettext_noop("waiting for the learner's wallet"),
    "evaluated": gettext_noop("checked"),
    "issuing": gettext_noop("being issued"),
    "issued": gettext_noop("micro-degree issued"),
}


def title(lang: str, *, progress: bool = False) -> str:
    gettext = translator(lang).gettext
    return gettext("Progress towards a micro-degree") if progress else gettext("Micro-degrees")


def _text(value: Any, lang: str) -> str:
    return pick(value, lang) if isinstance(value, dict) and value else ""


def _row(progress: Mapping[str, Any], titles: Mapping[str, str], lang: str) -> dict[str, Any]:
    state = _STATES[progress["state"]]
    return {
        **progress,
        "title": titles.get(progress["stack"], progress["stack"]),
        "state_name": translator(lang).gettext(state),
    }


def overview(
    lang: str,
    staff: Staff,
    csrf: str,
    stacks: Sequence[Mapping[str, Any]],
    progress: Sequence[Mapping[str, Any]],
) -> str:
    rows = [
        {
            "id": s["id"],
            "url": s["url"],
            "title": _text(s["title"], lang),
            "versions": [
                {"version": v["version"], "url": v["url"], "anchor": (v["anchor"] or {})["state"]}
                for v in s["versions"]
            ],
            "min_ects": s["versions"][0]["document"]["minEcts"],
        }
        for s in stacks
    ]
    titles = {r["id"]: r["title"] for r in rows}
    return render(
        lang,
        "console_stacks.html",
        staff=staff,
        csrf=csrf,
        stacks=rows,
        progress=[_row(p, titles, lang) for p in progress],
    )


def progress_page(
    lang: str,
    staff: Staff,
    csrf: str,
    progress: Mapping[str, Any],
    stack: Mapping[str, Any],
    *,
    message: str = "",
) -> str:
    gettext = translator(lang).gettext
    judged = progress.get("progress") or {}
    components = [(c, COMPONENT_STATES[c["state"]]) for c in judged.get("components", [])]
    names = component_names(stack, lang)
    qa = [
        (m.value, labels.value(lang, "qualityAssurance", m.value))
        for m in vocab.QualityAssuranceType
    ]
    return render(
        lang,
        "console_stack_progress.html",
        staff=staff,
        csrf=csrf,
        progress=_row(progress, {stack["id"]: _text(stack["title"], lang)}, lang),
        components=[{**c, "state_name": gettext(name)} for c, name in components],
        conditions=judged.get("conditions", []),
        names=names,
        titles=[_text(e.get("title"), lang) or e.get("achievement") for e in progress["evidence"]],
        issues=staff.has(*STACK_ISSUERS),
        qa=qa,
        message=message,
    )
