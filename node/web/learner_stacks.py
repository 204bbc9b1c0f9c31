"""The learner's micro-degree pages (/learner/stacks): the micro-degrees this institution
awards and their rules; the learner's progress towards one — from the credentials they hold
here, or presented from their wallet (an OpenID4VP request: QR code and link) — with each
component met, missing, failed or not checkable, and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from node.credentials.model import pick
from node.i18n.catalogues import gettext_noop, translator
from node.learners.signin import Learner
from node.wallet.qr import inline_svg
from node.web.templating import render

COMPONENT_STATES = {
    "met": gettext_noop("met"),
    "missing": gettext_noop("missing: no credential presented meets it"),
    "failed": gettext_noop("not met"),
    "unchecked": gettext_noop("could not be checked now"),
}
_PROGRESS_STATES = {
    "awaiting": gettext_noop("waiting for your wallet"),
    "evaluated": gettext_noop("checked"),
    "issued": gettext_noop("micro-degree issued"),
}


def title(lang: str) -> str:
    return translator(lang).gettext("Micro-degrees")


def _text(value: Any, lang: str) -> str:
    return pick(value, lang) if isinstance(value, dict) and value else ""


def _stack_row(stack: Mapping[str, Any], lang: str) -> dict[str, Any]:
    rule = stack["versions"][0]["document"]
    return {
        "id": stack["id"],
        "title": _text(stack["title"], lang),
        "min_ects": rule["minEcts"],
        "version": stack["versions"][0]["version"],
        "components": [
            {
                "name": _text(c.get("title"), lang) or c["id"],
                "required": c.get("required", True),
                "entry": c.get("entry"),
                "programme": (c.get("recognition") or {}).get("programme"),
            }
            for g in rule["groups"]
            for c in g["components"]
        ],
    }


def _progress_row(
    progress: Mapping[str, Any], lang: str, titles: Mapping[str, str]
) -> dict[str, Any]:
    gettext = translator(lang).gettext
    judged = progress.get("progress") or {}
    state = _PROGRESS_STATES[progress["state"]]
    components = [(c, COMPONENT_STATES[c["state"]]) for c in judged.get("components", [])]
    return {
        **progress,
        "title": titles.get(progress["stack"], progress["stack"]),
        "state_name": gettext(state),
        "components": [{**c, "state_name": gettext(name)} for c, name in components],
        "conditions": judged.get("conditions", []),
        "ects": judged.get("ects"),
    }


def component_names(stack: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Each component's title in ``lang`` (its id without one), over every rule version."""
    return {
        c["id"]: _text(c.get("title"), lang) or c["id"]
        for v in stack["versions"]
        for g in v["document"]["groups"]
        for c in g["components"]
    }


def overview(
    lang: str,
    learner: Learner,
    csrf: str,
    stacks: Sequence[Mapping[str, Any]],
    progress: Sequence[Mapping[str, Any]],
    *,
    wallet_link: str | None = None,
    message: str = "",
) -> str:
    qr = ""
    if wallet_link:
        qr = Markup(inline_svg(wallet_link, translator(lang).gettext("Scan with your wallet")))
    rows = [_stack_row(s, lang) for s in stacks]
    titles = {r["id"]: r["title"] for r in rows}
    return render(
        lang,
        "learner_stacks.html",
        learner=learner,
        csrf=csrf,
        stacks=rows,
        progress=[_progress_row(p, lang, titles) for p in progress],
        wallet_link=wallet_link,
        wallet_qr=qr,
        message=message,
    )


def progress_page(
    lang: str,
    learner: Learner,
    csrf: str,
    progress: Mapping[str, Any],
    stack: Mapping[str, Any],
) -> str:
    row = _stack_row(stack, lang)
    names = component_names(stack, lang)
    titles = [_text(e.get("title"), lang) or e.get("achievement") for e in progress["evidence"]]
    return render(
        lang,
        "learner_stack_progress.html",
        learner=learner,
        csrf=csrf,
        stack=row,
        progress=_progress_row(progress, lang, {row["id"]: row["title"]}),
        names=names,
        titles=titles,
    )
