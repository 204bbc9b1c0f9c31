"""The public page of an agreed recognition agreement version: its terms in the page's
language, both parties' signatures, its anchor, and the check against the chain made for
this page (a verdict only when every check ran)."""

from __future__ import annotations

from typing import Any

from node.agreements.documents import AgreementReport
from node.agreements.service import AgreementView
from node.credentials.model import pick
from node.i18n.catalogues import gettext_noop, translator
from node.web.templating import render

_CHECKS = {
    "terms": gettext_noop("Terms"),
    "validity": gettext_noop("In force"),
    "anchor": gettext_noop("On the ledger"),
    "parties": gettext_noop("Parties"),
    "signatures": gettext_noop("Signatures"),
    "modules": gettext_noop("Modules open for exchange"),
}
_PATHWAYS = {
    "open": gettext_noop("open: towards any programme of the scope"),
    "elective": gettext_noop("elective: as electives of the programmes named"),
    "rigid": gettext_noop("rigid: in place of named modules"),
}
_VERDICTS = {
    "valid": gettext_noop("Valid: every check ran and passed."),
    "invalid": gettext_noop("Not valid: a check failed."),
    "pending": gettext_noop("Not anchored yet: its hash is not on the ledger yet."),
    "unchecked": gettext_noop("Not fully checked: the ledger could not be asked now."),
}


def _text(value: Any, lang: str) -> str:
    return pick(value, lang) if isinstance(value, dict) and value else ""


def agreement_page(lang: str, view: AgreementView, report: AgreementReport) -> str:
    gettext = translator(lang).gettext
    document = view.document
    conditions = document.get("conditions", {})
    wanted = []
    if conditions.get("passingGrade"):
        wanted.append(gettext("a passing grade"))
    if conditions.get("minEcts") is not None:
        wanted.append(gettext("at least {n} ECTS credits").format(n=f"{conditions['minEcts']:g}"))
    if conditions.get("maxAgeMonths") is not None:
        wanted.append(
            gettext("earned at most {n} months before").format(n=conditions["maxAgeMonths"])
        )
    if conditions.get("supervisedAssessment"):
        wanted.append(gettext("a supervised assessment"))
    if conditions.get("identityChecked"):
        wanted.append(gettext("the learner's identity checked at the assessment"))
    conversion = document.get("gradeConversion", {})
    return render(
        lang,
        "agreement.html",
        title=_text(document.get("title"), lang),
        view=view,
        parties=[p["id"] for p in document.get("parties", [])],
        scope=_text((document.get("scope") or {}).get("name"), lang),
        modules=[
            (m["entry"], _text(m.get("title"), lang) or m["entry"], m.get("ects"), m["offeredBy"])
            for m in document.get("modules", [])
        ],
        programmes=[
            (p["id"], _text(p.get("title"), lang), p["institution"])
            for p in document.get("programmes", [])
        ],
        conditions=wanted,
        pathway=gettext(_PATHWAYS.get(str(document.get("pathway")), "")),
        mapping=sorted((conversion.get("mapping") or {}).items()),
        tables=bool(conversion.get("tables")),
        valid_from=document.get("validFrom", ""),
        valid_until=document.get("validUntil", ""),
        review=document.get("reviewDate", ""),
        ended=bool(document.get("ended")),
        signatures=[
            (p.get("verificationMethod", ""), p.get("created", ""))
            for p in document.get("proof", [])
        ],
        verdict=report.verdict,
        verdict_text=gettext(_VERDICTS[report.verdict]),
        network=report.network,
        checks=[(gettext(_CHECKS.get(c.name, c.name)), c.ok, c.detail) for c in report.checks],
    )
