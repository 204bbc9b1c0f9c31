"""The learner's recognition pages (/learner/recognition): ask this institution to recognise
credentials from a partner — from the wallet (an OpenID4VP request: QR code and link) or as
a file — under one of its agreements, towards one of its programmes; follow each request,
read the decision and its reasons, and appeal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from node.agreements.service import AgreementView
from node.credentials.model import pick
from node.i18n.catalogues import gettext_noop, translator
from node.learners.signin import Learner
from node.wallet.qr import inline_svg
from node.web.templating import render

_STATES = {
    "awaiting": gettext_noop("waiting for your wallet"),
    "open": gettext_noop("with the institution: a person decides"),
    "decided": gettext_noop("decided"),
    "refused": gettext_noop("refused: a credential did not pass verification"),
}
_OUTCOMES = {
    "recognised": gettext_noop("recognised"),
    "not-recognised": gettext_noop("not recognised"),
}


def title(lang: str) -> str:
    return translator(lang).gettext("Recognition of studies elsewhere")


def _text(value: Any, lang: str) -> str:
    return pick(value, lang) if isinstance(value, dict) and value else ""


def _choices(lang: str, offered: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """``agreement URL|programme`` → "programme — agreement" for the form's select."""
    return [
        (f"{o['agreement']}|{code}", f"{_text(name, lang) or code} — {_text(o['title'], lang)}")
        for o in offered
        for code, name in o["programmes"]
    ]


def _row(case: dict[str, Any], lang: str) -> dict[str, Any]:
    gettext = translator(lang).gettext
    outcome, state = case.get("outcome"), _STATES[case["state"]]
    return {
        **case,
        "state_name": gettext(state),
        "outcome_name": gettext(_OUTCOMES[outcome]) if outcome else "",
    }


def overview(
    lang: str,
    learner: Learner,
    csrf: str,
    offered: Sequence[dict[str, Any]],
    cases: Sequence[dict[str, Any]],
    *,
    wallet_link: str | None = None,
    message: str = "",
    learning: Sequence[AgreementView] = (),
) -> str:
    qr = ""
    if wallet_link:
        qr = Markup(inline_svg(wallet_link, translator(lang).gettext("Scan with your wallet")))
    return render(
        lang,
        "learner_recognition.html",
        learner=learner,
        csrf=csrf,
        choices=_choices(lang, offered),
        cases=[_row(c, lang) for c in cases],
        wallet_link=wallet_link,
        wallet_qr=qr,
        message=message,
        learning=[_learning_row(v, lang) for v in learning],
    )


def _learning_row(view: AgreementView, lang: str) -> dict[str, Any]:
    document = view.document
    mobility = document.get("mobility") or {}
    return {
        "url": view.url,
        "title": _text(document.get("title"), lang),
        "host": view.partner,
        "modules": [_text(m.get("title"), lang) or m["entry"] for m in document["modules"]],
        "start": mobility.get("start", ""),
        "end": mobility.get("end", ""),
        "agreed": view.state == "agreed",
        "accepted": view.learner_accepted_at is not None,
    }


def case_page(lang: str, learner: Learner, csrf: str, case: dict[str, Any]) -> str:
    titles = [_text(e.get("title"), lang) or e.get("achievement") for e in case["evidence"]]
    return render(
        lang,
        "learner_recognition_case.html",
        learner=learner,
        csrf=csrf,
        case=_row(case, lang),
        titles=titles,
    )
