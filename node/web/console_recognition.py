"""The staff console's recognition pages (/console/recognition): the agreements this
institution is a party to (management and administrators accept or decline a partner's
proposal) and the recognition cases (the queue a person decides, with reasons; appeals)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from node.agreements.service import AgreementView
from node.credentials.model import pick
from node.domain import StaffRole
from node.i18n.catalogues import gettext_noop, translator
from node.staff.signin import Staff
from node.web.templating import render

AGREEMENT_DECIDERS = (StaffRole.MANAGEMENT, StaffRole.ADMINISTRATOR)
RECOGNITION_DECIDERS = (StaffRole.COMMITTEE, StaffRole.REGISTRAR)
_AGREEMENT_STATES = {
    "proposed": gettext_noop("proposed, waiting for the partner"),
    "received": gettext_noop("proposed by the partner, waiting for you"),
    "agreed": gettext_noop("agreed by both"),
    "declined": gettext_noop("declined"),
}
_CASE_STATES = {
    "awaiting": gettext_noop("waiting for the learner's wallet"),
    "open": gettext_noop("to be decided by a person"),
    "decided": gettext_noop("decided"),
    "refused": gettext_noop("refused: a credential failed verification"),
}
_OUTCOMES = {
    "recognised": gettext_noop("recognised"),
    "not-recognised": gettext_noop("not recognised"),
}


def _title(view: AgreementView, lang: str) -> str:
    title = view.document.get("title")
    return pick(title, lang) if isinstance(title, dict) and title else view.url


def overview(
    lang: str,
    staff: Staff,
    csrf: str,
    agreements: Sequence[AgreementView],
    cases: Sequence[dict[str, Any]],
    *,
    message: str = "",
) -> str:
    gettext = translator(lang).gettext
    rows = [
        {
            "url": v.url,
            "title": _title(v, lang),
            "partner": v.partner,
            "version": v.version,
            "state": v.state,
            "state_name": gettext(_AGREEMENT_STATES[v.state]),
            "anchored": bool(v.anchor and v.anchor["state"] == "confirmed"),
            "reason": v.reason,
        }
        for v in agreements
    ]
    return render(
        lang,
        "console_recognition.html",
        staff=staff,
        csrf=csrf,
        agreements=rows,
        cases=[_case_row(c, gettext) for c in cases],
        decides_agreements=staff.has(*AGREEMENT_DECIDERS),
        message=message,
    )


def _case_row(case: dict[str, Any], gettext: Any) -> dict[str, Any]:
    outcome, state = case.get("outcome"), _CASE_STATES[case["state"]]
    return {
        **case,
        "state_name": gettext(state),
        "outcome_name": gettext(_OUTCOMES[outcome]) if outcome else "",
    }


def case_page(
    lang: str, staff: Staff, csrf: str, case: dict[str, Any], *, message: str = ""
) -> str:
    gettext = translator(lang).gettext
    return render(
        lang,
        "console_recognition_case.html",
        staff=staff,
        csrf=csrf,
        case=_case_row(case, gettext),
        titles=[pick(e["title"], lang) if e.get("title") else "" for e in case["evidence"]],
        decides=staff.has(*RECOGNITION_DECIDERS),
        message=message,
    )


def title(lang: str, *, case: bool = False) -> str:
    gettext = translator(lang).gettext
    return gettext("Recognition case") if case else gettext("Recognition")
